#include "textflag.h"

// Go's assembler has no AMX instructions: they are written as bytes, each
// line's instruction in its comment (checked with objdump -d).

// func amxBlock(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int, cfg *byte)
// A 32 x 32 block of C = A·B in bf16 with f32 accumulation on AMX tiles:
// C tiles tmm0-3 (2 x 2 of 16 x 16 f32), A tiles tmm4-5 (16 rows x 32
// bf16 each), B tiles tmm6-7 (16 pairs of rows x 16 columns, VNNI
// layout). steps is K/32; lda and ldc are in bytes.
TEXT ·amxBlock(SB), NOSPLIT, $0-56
	MOVQ cfg+48(FP), AX
	BYTE $0xC4; BYTE $0xE2; BYTE $0x78; BYTE $0x49; BYTE $0x00 // LDTILECFG (AX)
	MOVQ steps+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), DX
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R8
	MOVQ DX, AX
	SHLQ $4, AX
	ADDQ SI, AX // A rows 16-31
	MOVQ $64, R10
	BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xC0 // TILEZERO tmm0
	BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xC8 // TILEZERO tmm1
	BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xD0 // TILEZERO tmm2
	BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xD8 // TILEZERO tmm3
	TESTQ CX, CX
	JZ    store

loop:
	BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x24; BYTE $0x16 // TILELOADD tmm4, (SI)(DX*1)
	BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x2C; BYTE $0x10 // TILELOADD tmm5, (AX)(DX*1)
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7B; BYTE $0x4B; BYTE $0x34; BYTE $0x13 // TILELOADD tmm6, (BX)(R10*1)
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7B; BYTE $0x4B; BYTE $0xBC; BYTE $0x13; BYTE $0x00; BYTE $0x04; BYTE $0x00; BYTE $0x00 // TILELOADD tmm7, 1024(BX)(R10*1)
	BYTE $0xC4; BYTE $0xE2; BYTE $0x4A; BYTE $0x5C; BYTE $0xC4 // TDPBF16PS tmm0, tmm4, tmm6
	BYTE $0xC4; BYTE $0xE2; BYTE $0x42; BYTE $0x5C; BYTE $0xCC // TDPBF16PS tmm1, tmm4, tmm7
	BYTE $0xC4; BYTE $0xE2; BYTE $0x4A; BYTE $0x5C; BYTE $0xD5 // TDPBF16PS tmm2, tmm5, tmm6
	BYTE $0xC4; BYTE $0xE2; BYTE $0x42; BYTE $0x5C; BYTE $0xDD // TDPBF16PS tmm3, tmm5, tmm7
	ADDQ $64, SI
	ADDQ $64, AX
	ADDQ $2048, BX
	DECQ CX
	JNZ  loop

store:
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7A; BYTE $0x4B; BYTE $0x04; BYTE $0x07 // TILESTORED (DI)(R8*1), tmm0
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7A; BYTE $0x4B; BYTE $0x4C; BYTE $0x07; BYTE $0x40 // TILESTORED 64(DI)(R8*1), tmm1
	MOVQ R8, SI
	SHLQ $4, SI
	ADDQ DI, SI // C rows 16-31
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7A; BYTE $0x4B; BYTE $0x14; BYTE $0x06 // TILESTORED (SI)(R8*1), tmm2
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7A; BYTE $0x4B; BYTE $0x5C; BYTE $0x06; BYTE $0x40 // TILESTORED 64(SI)(R8*1), tmm3
	BYTE $0xC4; BYTE $0xE2; BYTE $0x78; BYTE $0x49; BYTE $0xC0 // TILERELEASE
	RET
