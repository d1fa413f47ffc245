#include "textflag.h"

// NEON (ASIMD) fp32 micro-kernel of the matrix products (gemm.go holds
// the layout, gemm_go.go the portable kernels it is tested beside).

// func tile6x16NEON(k int, a *float32, lda int, b *float32, c *float32, ldc int)
// c[r*ldc + j] = Σ_kk a[r*lda + kk] · b[kk*32 + j] for r < 6, j < 16, k > 0:
// a quarter of a 12 x 32 tile. The 6 x 16 block of C lives in V0–V23 (6
// rows of 4 vectors); per k step one 64-byte load of the panel (V24–V27),
// six broadcast loads of A (V28–V31 in turn) and 24 FMLA.
TEXT ·tile6x16NEON(SB), NOSPLIT, $0-48
	MOVD k+0(FP), R0
	MOVD a+8(FP), R6
	MOVD lda+16(FP), R2
	MOVD b+24(FP), R3
	MOVD c+32(FP), R4
	MOVD ldc+40(FP), R5
	LSL  $2, R2
	LSL  $2, R5
	ADD  R2, R6, R7
	ADD  R2, R7, R8
	ADD  R2, R8, R9
	ADD  R2, R9, R10
	ADD  R2, R10, R11
	MOVD $128, R12 // one panel row
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16

tileloop:
	VLD1    (R3), [V24.S4, V25.S4, V26.S4, V27.S4]
	ADD     R12, R3
	VLD1R.P 4(R6), [V28.S4]
	VLD1R.P 4(R7), [V29.S4]
	VFMLA   V24.S4, V28.S4, V0.S4
	VFMLA   V25.S4, V28.S4, V1.S4
	VFMLA   V26.S4, V28.S4, V2.S4
	VFMLA   V27.S4, V28.S4, V3.S4
	VLD1R.P 4(R8), [V30.S4]
	VFMLA   V24.S4, V29.S4, V4.S4
	VFMLA   V25.S4, V29.S4, V5.S4
	VFMLA   V26.S4, V29.S4, V6.S4
	VFMLA   V27.S4, V29.S4, V7.S4
	VLD1R.P 4(R9), [V31.S4]
	VFMLA   V24.S4, V30.S4, V8.S4
	VFMLA   V25.S4, V30.S4, V9.S4
	VFMLA   V26.S4, V30.S4, V10.S4
	VFMLA   V27.S4, V30.S4, V11.S4
	VLD1R.P 4(R10), [V28.S4]
	VFMLA   V24.S4, V31.S4, V12.S4
	VFMLA   V25.S4, V31.S4, V13.S4
	VFMLA   V26.S4, V31.S4, V14.S4
	VFMLA   V27.S4, V31.S4, V15.S4
	VLD1R.P 4(R11), [V29.S4]
	VFMLA   V24.S4, V28.S4, V16.S4
	VFMLA   V25.S4, V28.S4, V17.S4
	VFMLA   V26.S4, V28.S4, V18.S4
	VFMLA   V27.S4, V28.S4, V19.S4
	VFMLA   V24.S4, V29.S4, V20.S4
	VFMLA   V25.S4, V29.S4, V21.S4
	VFMLA   V26.S4, V29.S4, V22.S4
	VFMLA   V27.S4, V29.S4, V23.S4
	SUBS    $1, R0
	BNE     tileloop

	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R4)
	ADD  R5, R4
	VST1 [V4.S4, V5.S4, V6.S4, V7.S4], (R4)
	ADD  R5, R4
	VST1 [V8.S4, V9.S4, V10.S4, V11.S4], (R4)
	ADD  R5, R4
	VST1 [V12.S4, V13.S4, V14.S4, V15.S4], (R4)
	ADD  R5, R4
	VST1 [V16.S4, V17.S4, V18.S4, V19.S4], (R4)
	ADD  R5, R4
	VST1 [V20.S4, V21.S4, V22.S4, V23.S4], (R4)
	RET

// FMLAE(d, n, m, i) is FMLA Vd.4S, Vn.4S, Vm.S[i] (Vd += Vn · lane i of
// Vm), which Go's assembler lacks, by its encoding.
#define FMLAE(d, n, m, i) WORD $(0x4F801000 | (((i)&1)<<21) | (((i)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))

// func small4x16NEON(k int, a *float32, b *float32, c *float32, ldc int)
// c[r*ldc + j] = Σ_kk a[kk*16 + r] · b[kk*32 + j] for r < 4, j < 16, k > 0:
// an eighth of a small-M block (A packed k-major by packRows). The 4 x 16
// block of C lives in V0–V15; per k step one 64-byte load of the panel
// (V16–V19), one 16-byte load of the four rows' A values (V20) and 16
// FMLA by lane.
TEXT ·small4x16NEON(SB), NOSPLIT, $0-40
	MOVD k+0(FP), R0
	MOVD a+8(FP), R1
	MOVD b+16(FP), R3
	MOVD c+24(FP), R4
	MOVD ldc+32(FP), R5
	LSL  $2, R5
	MOVD $128, R12 // one panel row
	MOVD $64, R13  // one row of packed A
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16
	VEOR V8.B16, V8.B16, V8.B16
	VEOR V9.B16, V9.B16, V9.B16
	VEOR V10.B16, V10.B16, V10.B16
	VEOR V11.B16, V11.B16, V11.B16
	VEOR V12.B16, V12.B16, V12.B16
	VEOR V13.B16, V13.B16, V13.B16
	VEOR V14.B16, V14.B16, V14.B16
	VEOR V15.B16, V15.B16, V15.B16

smallloop:
	VLD1 (R3), [V16.S4, V17.S4, V18.S4, V19.S4]
	ADD  R12, R3
	VLD1 (R1), [V20.S4]
	ADD  R13, R1
	FMLAE(0, 16, 20, 0)
	FMLAE(1, 17, 20, 0)
	FMLAE(2, 18, 20, 0)
	FMLAE(3, 19, 20, 0)
	FMLAE(4, 16, 20, 1)
	FMLAE(5, 17, 20, 1)
	FMLAE(6, 18, 20, 1)
	FMLAE(7, 19, 20, 1)
	FMLAE(8, 16, 20, 2)
	FMLAE(9, 17, 20, 2)
	FMLAE(10, 18, 20, 2)
	FMLAE(11, 19, 20, 2)
	FMLAE(12, 16, 20, 3)
	FMLAE(13, 17, 20, 3)
	FMLAE(14, 18, 20, 3)
	FMLAE(15, 19, 20, 3)
	SUBS $1, R0
	BNE  smallloop

	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R4)
	ADD  R5, R4
	VST1 [V4.S4, V5.S4, V6.S4, V7.S4], (R4)
	ADD  R5, R4
	VST1 [V8.S4, V9.S4, V10.S4, V11.S4], (R4)
	ADD  R5, R4
	VST1 [V12.S4, V13.S4, V14.S4, V15.S4], (R4)
	RET
