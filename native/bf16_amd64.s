#include "textflag.h"

// PREFETCH_B prefetches B's step 8 steps (16 KB) ahead: 32 lines.
#define PREFETCH_B \
	PREFETCHT0 16384(BX) \
	PREFETCHT0 16448(BX) \
	PREFETCHT0 16512(BX) \
	PREFETCHT0 16576(BX) \
	PREFETCHT0 16640(BX) \
	PREFETCHT0 16704(BX) \
	PREFETCHT0 16768(BX) \
	PREFETCHT0 16832(BX) \
	PREFETCHT0 16896(BX) \
	PREFETCHT0 16960(BX) \
	PREFETCHT0 17024(BX) \
	PREFETCHT0 17088(BX) \
	PREFETCHT0 17152(BX) \
	PREFETCHT0 17216(BX) \
	PREFETCHT0 17280(BX) \
	PREFETCHT0 17344(BX) \
	PREFETCHT0 17408(BX) \
	PREFETCHT0 17472(BX) \
	PREFETCHT0 17536(BX) \
	PREFETCHT0 17600(BX) \
	PREFETCHT0 17664(BX) \
	PREFETCHT0 17728(BX) \
	PREFETCHT0 17792(BX) \
	PREFETCHT0 17856(BX) \
	PREFETCHT0 17920(BX) \
	PREFETCHT0 17984(BX) \
	PREFETCHT0 18048(BX) \
	PREFETCHT0 18112(BX) \
	PREFETCHT0 18176(BX) \
	PREFETCHT0 18240(BX) \
	PREFETCHT0 18304(BX) \
	PREFETCHT0 18368(BX)

// Go's assembler has no AMX instructions: they are written as bytes, each
// line's instruction in its comment (checked with objdump -d).

// func amxBlock(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int, cfg *byte, npanels int)
// npanels 32 x 32 blocks of C = A·B in bf16 with f32 accumulation on AMX
// tiles, for consecutive panels of B (each steps*2048 bytes) into
// consecutive 32-column strips of C: C tiles tmm0-3 (2 x 2 of 16 x 16
// f32), A tiles tmm4-5 (16 rows x 32 bf16 each), B tiles tmm6-7 (16 pairs
// of rows x 16 columns, VNNI layout). steps is K/32; lda and ldc are in
// bytes. The tile configuration is loaded once per call. B is prefetched
// 8 steps (16 KB) ahead: hardware prefetch alone leaves a short query,
// which streams every weight once, well below the memory bandwidth.
TEXT ·amxBlock(SB), NOSPLIT, $0-64
	MOVQ cfg+48(FP), AX
	BYTE $0xC4; BYTE $0xE2; BYTE $0x78; BYTE $0x49; BYTE $0x00 // LDTILECFG (AX)
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R8
	MOVQ lda+16(FP), DX
	MOVQ $64, R10
	MOVQ npanels+56(FP), R12

panel:
	MOVQ steps+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ DX, AX
	SHLQ $4, AX
	ADDQ SI, AX // A rows 16-31
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
	PREFETCH_B
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
	ADDQ $128, DI // the next 32 columns of C
	DECQ R12
	JNZ  panel
	BYTE $0xC4; BYTE $0xE2; BYTE $0x78; BYTE $0x49; BYTE $0xC0 // TILERELEASE
	RET

// func dpbf16Block(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)
// An 8 x 32 piece of a bf16 block on AVX512-BF16: 16 accumulators
// Z16-Z31, B's pair of rows (VNNI layout, two halves of 16 columns) in
// Z0-Z1, A's pairs broadcast into Z2-Z9; VDPBF16PS written as bytes (Go's
// assembler lacks it). steps is K/32; lda and ldc are in bytes.
TEXT ·dpbf16Block(SB), NOSPLIT, $0-48
	MOVQ steps+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), DX
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R8
	LEAQ (DX)(DX*2), R9  // 3 rows
	LEAQ (SI)(DX*4), R10 // row 4
	VXORPS Z16, Z16, Z16
	VXORPS Z17, Z17, Z17
	VXORPS Z18, Z18, Z18
	VXORPS Z19, Z19, Z19
	VXORPS Z20, Z20, Z20
	VXORPS Z21, Z21, Z21
	VXORPS Z22, Z22, Z22
	VXORPS Z23, Z23, Z23
	VXORPS Z24, Z24, Z24
	VXORPS Z25, Z25, Z25
	VXORPS Z26, Z26, Z26
	VXORPS Z27, Z27, Z27
	VXORPS Z28, Z28, Z28
	VXORPS Z29, Z29, Z29
	VXORPS Z30, Z30, Z30
	VXORPS Z31, Z31, Z31
	TESTQ CX, CX
	JZ    dpstore

dpstep:
	MOVQ $16, R11

dppair:
	VMOVDQU32 (BX), Z0
	VMOVDQU32 1024(BX), Z1
	VPBROADCASTD (SI), Z2
	VPBROADCASTD (SI)(DX*1), Z3
	VPBROADCASTD (SI)(DX*2), Z4
	VPBROADCASTD (SI)(R9*1), Z5
	VPBROADCASTD (R10), Z6
	VPBROADCASTD (R10)(DX*1), Z7
	VPBROADCASTD (R10)(DX*2), Z8
	VPBROADCASTD (R10)(R9*1), Z9
	BYTE $0x62; BYTE $0xE2; BYTE $0x7E; BYTE $0x48; BYTE $0x52; BYTE $0xC2 // VDPBF16PS Z2, Z0, Z16
	BYTE $0x62; BYTE $0xE2; BYTE $0x76; BYTE $0x48; BYTE $0x52; BYTE $0xCA // VDPBF16PS Z2, Z1, Z17
	BYTE $0x62; BYTE $0xE2; BYTE $0x7E; BYTE $0x48; BYTE $0x52; BYTE $0xD3 // VDPBF16PS Z3, Z0, Z18
	BYTE $0x62; BYTE $0xE2; BYTE $0x76; BYTE $0x48; BYTE $0x52; BYTE $0xDB // VDPBF16PS Z3, Z1, Z19
	BYTE $0x62; BYTE $0xE2; BYTE $0x7E; BYTE $0x48; BYTE $0x52; BYTE $0xE4 // VDPBF16PS Z4, Z0, Z20
	BYTE $0x62; BYTE $0xE2; BYTE $0x76; BYTE $0x48; BYTE $0x52; BYTE $0xEC // VDPBF16PS Z4, Z1, Z21
	BYTE $0x62; BYTE $0xE2; BYTE $0x7E; BYTE $0x48; BYTE $0x52; BYTE $0xF5 // VDPBF16PS Z5, Z0, Z22
	BYTE $0x62; BYTE $0xE2; BYTE $0x76; BYTE $0x48; BYTE $0x52; BYTE $0xFD // VDPBF16PS Z5, Z1, Z23
	BYTE $0x62; BYTE $0x62; BYTE $0x7E; BYTE $0x48; BYTE $0x52; BYTE $0xC6 // VDPBF16PS Z6, Z0, Z24
	BYTE $0x62; BYTE $0x62; BYTE $0x76; BYTE $0x48; BYTE $0x52; BYTE $0xCE // VDPBF16PS Z6, Z1, Z25
	BYTE $0x62; BYTE $0x62; BYTE $0x7E; BYTE $0x48; BYTE $0x52; BYTE $0xD7 // VDPBF16PS Z7, Z0, Z26
	BYTE $0x62; BYTE $0x62; BYTE $0x76; BYTE $0x48; BYTE $0x52; BYTE $0xDF // VDPBF16PS Z7, Z1, Z27
	BYTE $0x62; BYTE $0x42; BYTE $0x7E; BYTE $0x48; BYTE $0x52; BYTE $0xE0 // VDPBF16PS Z8, Z0, Z28
	BYTE $0x62; BYTE $0x42; BYTE $0x76; BYTE $0x48; BYTE $0x52; BYTE $0xE8 // VDPBF16PS Z8, Z1, Z29
	BYTE $0x62; BYTE $0x42; BYTE $0x7E; BYTE $0x48; BYTE $0x52; BYTE $0xF1 // VDPBF16PS Z9, Z0, Z30
	BYTE $0x62; BYTE $0x42; BYTE $0x76; BYTE $0x48; BYTE $0x52; BYTE $0xF9 // VDPBF16PS Z9, Z1, Z31
	ADDQ $4, SI
	ADDQ $4, R10
	ADDQ $64, BX
	DECQ R11
	JNZ  dppair
	ADDQ $1024, BX
	DECQ CX
	JNZ  dpstep

dpstore:
	VMOVUPS Z16, (DI)
	VMOVUPS Z17, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z18, (DI)
	VMOVUPS Z19, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z20, (DI)
	VMOVUPS Z21, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z22, (DI)
	VMOVUPS Z23, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z24, (DI)
	VMOVUPS Z25, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z26, (DI)
	VMOVUPS Z27, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z28, (DI)
	VMOVUPS Z29, 64(DI)
	ADDQ    R8, DI
	VMOVUPS Z30, (DI)
	VMOVUPS Z31, 64(DI)
	VZEROUPPER
	RET

// func amxRows(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int, cfg *byte, npanels int)
// amxBlock for at most 16 rows of A and C (the rows of a short query):
// cfg sets those rows for tmm0-1 (C) and tmm4 (A), so that no padding
// row is loaded, multiplied or stored; two TDPBF16PS per step instead of
// four. B is prefetched 8 steps ahead, a short query being bound by the
// weights' stream from memory.
TEXT ·amxRows(SB), NOSPLIT, $0-64
	MOVQ cfg+48(FP), AX
	BYTE $0xC4; BYTE $0xE2; BYTE $0x78; BYTE $0x49; BYTE $0x00 // LDTILECFG (AX)
	MOVQ b+24(FP), BX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R8
	MOVQ lda+16(FP), DX
	MOVQ $64, R10
	MOVQ npanels+56(FP), R12

rpanel:
	MOVQ steps+0(FP), CX
	MOVQ a+8(FP), SI
	BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xC0 // TILEZERO tmm0
	BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x49; BYTE $0xC8 // TILEZERO tmm1
	TESTQ CX, CX
	JZ    rstore

rloop:
	BYTE $0xC4; BYTE $0xE2; BYTE $0x7B; BYTE $0x4B; BYTE $0x24; BYTE $0x16 // TILELOADD tmm4, (SI)(DX*1)
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7B; BYTE $0x4B; BYTE $0x34; BYTE $0x13 // TILELOADD tmm6, (BX)(R10*1)
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7B; BYTE $0x4B; BYTE $0xBC; BYTE $0x13; BYTE $0x00; BYTE $0x04; BYTE $0x00; BYTE $0x00 // TILELOADD tmm7, 1024(BX)(R10*1)
	BYTE $0xC4; BYTE $0xE2; BYTE $0x4A; BYTE $0x5C; BYTE $0xC4 // TDPBF16PS tmm0, tmm4, tmm6
	BYTE $0xC4; BYTE $0xE2; BYTE $0x42; BYTE $0x5C; BYTE $0xCC // TDPBF16PS tmm1, tmm4, tmm7
	PREFETCH_B
	ADDQ $64, SI
	ADDQ $2048, BX
	DECQ CX
	JNZ  rloop

rstore:
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7A; BYTE $0x4B; BYTE $0x04; BYTE $0x07 // TILESTORED (DI)(R8*1), tmm0
	BYTE $0xC4; BYTE $0xA2; BYTE $0x7A; BYTE $0x4B; BYTE $0x4C; BYTE $0x07; BYTE $0x40 // TILESTORED 64(DI)(R8*1), tmm1
	ADDQ $128, DI // the next 32 columns of C
	DECQ R12
	JNZ  rpanel
	BYTE $0xC4; BYTE $0xE2; BYTE $0x78; BYTE $0x49; BYTE $0xC0 // TILERELEASE
	RET
