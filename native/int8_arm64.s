#include "textflag.h"

// NEON int8 micro-kernel (int8.go holds the layout and the plain-Go
// reference, int8TileGo). SDOT multiplies signed bytes by signed bytes,
// so A's unsigned activations u enter as u − 128 (u XOR 0x80); the Go
// wrapper adds 128·Σ_k q[k, n] back before the shared epilogue.

// SDOT(d, n, m) is SDOT Vd.4S, Vn.16B, Vm.16B (each lane of Vd += the
// dot product of four signed bytes of Vn and of Vm), which Go's
// assembler lacks, by its encoding.
#define SDOT(d, n, m) WORD $(0x4E809400 | ((m)<<16) | ((n)<<5) | (d))

// func int8Block4x16NEON(kq int, a *uint8, lda int, b *int8, acc *int32)
// acc[r*32 + j] = Σ_k (a[r*lda + k] − 128) · B[k, j] for r < 4, j < 16,
// over kq > 0 groups of 4 k, B the panel (from the block's first column)
// in int8Step groups: group g's column j at b[g*128 + j*4 …]. The 4 x 16
// block lives in V0–V15 (int32); per group one 64-byte load of the panel
// (V16–V19), four 4-byte broadcast loads of A (V20–V23) flipped to
// signed, and 16 SDOT (64 multiply-adds each).
TEXT ·int8Block4x16NEON(SB), NOSPLIT, $0-40
	MOVD  kq+0(FP), R0
	MOVD  a+8(FP), R6
	MOVD  lda+16(FP), R2
	MOVD  b+24(FP), R3
	MOVD  acc+32(FP), R4
	ADD   R2, R6, R7
	ADD   R2, R7, R8
	ADD   R2, R8, R9
	MOVD  $128, R12 // one group of the panel
	VMOVI $128, V24.B16
	VEOR  V0.B16, V0.B16, V0.B16
	VEOR  V1.B16, V1.B16, V1.B16
	VEOR  V2.B16, V2.B16, V2.B16
	VEOR  V3.B16, V3.B16, V3.B16
	VEOR  V4.B16, V4.B16, V4.B16
	VEOR  V5.B16, V5.B16, V5.B16
	VEOR  V6.B16, V6.B16, V6.B16
	VEOR  V7.B16, V7.B16, V7.B16
	VEOR  V8.B16, V8.B16, V8.B16
	VEOR  V9.B16, V9.B16, V9.B16
	VEOR  V10.B16, V10.B16, V10.B16
	VEOR  V11.B16, V11.B16, V11.B16
	VEOR  V12.B16, V12.B16, V12.B16
	VEOR  V13.B16, V13.B16, V13.B16
	VEOR  V14.B16, V14.B16, V14.B16
	VEOR  V15.B16, V15.B16, V15.B16

int8loop:
	VLD1    (R3), [V16.B16, V17.B16, V18.B16, V19.B16]
	ADD     R12, R3
	VLD1R.P 4(R6), [V20.S4]
	VLD1R.P 4(R7), [V21.S4]
	VLD1R.P 4(R8), [V22.S4]
	VLD1R.P 4(R9), [V23.S4]
	VEOR    V24.B16, V20.B16, V20.B16
	VEOR    V24.B16, V21.B16, V21.B16
	VEOR    V24.B16, V22.B16, V22.B16
	VEOR    V24.B16, V23.B16, V23.B16
	SDOT(0, 16, 20)
	SDOT(1, 17, 20)
	SDOT(2, 18, 20)
	SDOT(3, 19, 20)
	SDOT(4, 16, 21)
	SDOT(5, 17, 21)
	SDOT(6, 18, 21)
	SDOT(7, 19, 21)
	SDOT(8, 16, 22)
	SDOT(9, 17, 22)
	SDOT(10, 18, 22)
	SDOT(11, 19, 22)
	SDOT(12, 16, 23)
	SDOT(13, 17, 23)
	SDOT(14, 18, 23)
	SDOT(15, 19, 23)
	SUBS    $1, R0
	BNE     int8loop

	MOVD $128, R5 // one row of acc
	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R4)
	ADD  R5, R4
	VST1 [V4.S4, V5.S4, V6.S4, V7.S4], (R4)
	ADD  R5, R4
	VST1 [V8.S4, V9.S4, V10.S4, V11.S4], (R4)
	ADD  R5, R4
	VST1 [V12.S4, V13.S4, V14.S4, V15.S4], (R4)
	RET
