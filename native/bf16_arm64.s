#include "textflag.h"

// bf16 block kernels for arm64's FEAT_BF16 (bf16.go holds the driver and
// the plain-Go reference, blockGo; bf16_arm64.go the wrappers). B is in
// layoutMMLA: per group of 8 columns, per 4 rows of K, 4 registers of a
// pair of columns by the 4 k (64 bytes). A is bf16, row major.
//
// BFMMLA Vd.4S, Vn.8H, Vm.8H adds to the 2 x 2 float32 matrix in Vd the
// product of the 2 x 4 bf16 matrix in Vn (two rows of A, 4 k each) by the
// transpose of the 2 x 4 one in Vm (two columns of B, the same 4 k): 16
// multiply-adds. Vd's lanes are then C[r][j], C[r][j+1], C[r+1][j],
// C[r+1][j+1]. Go's assembler lacks it: BFMMLA(d, n, m) is its encoding.
#define BFMMLA(d, n, m) WORD $(0x6E40EC00 | ((m)<<16) | ((n)<<5) | (d))

// PAIRA loads 8 k of rows ra and rb of A into t0 and t1 and interleaves
// them, by 4 k, into BFMMLA's left operands: lo (k 0-3) and hi (k 4-7).
#define PAIRA(ra, rb, t0, t1, lo, hi) \
	VLD1.P 16(ra), [t0.H8];     \
	VLD1.P 16(rb), [t1.H8];     \
	VZIP1  t1.D2, t0.D2, lo.D2; \
	VZIP2  t1.D2, t0.D2, hi.D2

// MMLA4(acc, a) multiplies the pair of rows of A in register a by the four
// pairs of columns in V16–V19 into the accumulators acc to acc+3.
#define MMLA4(acc, a) \
	BFMMLA(acc, a, 16);  \
	BFMMLA(acc+1, a, 17); \
	BFMMLA(acc+2, a, 18); \
	BFMMLA(acc+3, a, 19)

// STOREPAIR writes the pair of rows of C in the accumulators x0–x3 (two
// rows by 8 columns, as 2 x 2 blocks) to rows c0 and c1: row c0 takes the
// low halves of the blocks, row c1 the high ones.
#define STOREPAIR(x0, x1, x2, x3, c0, c1) \
	VZIP1 x1.D2, x0.D2, V24.D2;      \
	VZIP1 x3.D2, x2.D2, V25.D2;      \
	VZIP2 x1.D2, x0.D2, V26.D2;      \
	VZIP2 x3.D2, x2.D2, V27.D2;      \
	VST1  [V24.S4, V25.S4], (c0);    \
	VST1  [V26.S4, V27.S4], (c1)

// func mmla8x8BF16(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)
// c[r*ldc + j] = Σ_k a[r*lda + k] · B[k, j] for r < 8, j < 8, over steps > 0
// steps of 8 k, B the panel's group of 8 columns (lda, ldc in bytes). The
// 8 x 8 block of C lives in V0–V15 as 4 pairs of rows by 4 pairs of
// columns; per 8 k: 8 loads of A (V20, V21, V30, V31 in turn) zipped into
// V22–V29, two 64-byte loads of the panel (V16–V19), 32 BFMMLA.
TEXT ·mmla8x8BF16(SB), NOSPLIT, $0-48
	MOVD steps+0(FP), R0
	MOVD a+8(FP), R6
	MOVD lda+16(FP), R2
	MOVD b+24(FP), R3
	MOVD c+32(FP), R4
	MOVD ldc+40(FP), R5
	ADD  R2, R6, R7
	ADD  R2, R7, R8
	ADD  R2, R8, R9
	ADD  R2, R9, R10
	ADD  R2, R10, R11
	ADD  R2, R11, R12
	ADD  R2, R12, R13
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

loop8:
	PAIRA(R6, R7, V20, V21, V22, V26)
	PAIRA(R8, R9, V30, V31, V23, V27)
	VLD1.P 64(R3), [V16.S4, V17.S4, V18.S4, V19.S4]
	MMLA4(0, 22)
	MMLA4(4, 23)
	PAIRA(R10, R11, V20, V21, V24, V28)
	PAIRA(R12, R13, V30, V31, V25, V29)
	MMLA4(8, 24)
	MMLA4(12, 25)
	VLD1.P 64(R3), [V16.S4, V17.S4, V18.S4, V19.S4]
	MMLA4(0, 26)
	MMLA4(4, 27)
	MMLA4(8, 28)
	MMLA4(12, 29)
	SUBS   $1, R0
	BNE    loop8

	ADD R5, R4, R6
	STOREPAIR(V0, V1, V2, V3, R4, R6)
	ADD R5, R6, R4
	ADD R5, R4, R6
	STOREPAIR(V4, V5, V6, V7, R4, R6)
	ADD R5, R6, R4
	ADD R5, R4, R6
	STOREPAIR(V8, V9, V10, V11, R4, R6)
	ADD R5, R6, R4
	ADD R5, R4, R6
	STOREPAIR(V12, V13, V14, V15, R4, R6)
	RET

// func mmla4x8BF16(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)
// mmla8x8BF16 for 4 rows: C in V0–V7; per 8 k, 4 loads of A, two of the
// panel, 16 BFMMLA.
TEXT ·mmla4x8BF16(SB), NOSPLIT, $0-48
	MOVD steps+0(FP), R0
	MOVD a+8(FP), R6
	MOVD lda+16(FP), R2
	MOVD b+24(FP), R3
	MOVD c+32(FP), R4
	MOVD ldc+40(FP), R5
	ADD  R2, R6, R7
	ADD  R2, R7, R8
	ADD  R2, R8, R9
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16
	VEOR V4.B16, V4.B16, V4.B16
	VEOR V5.B16, V5.B16, V5.B16
	VEOR V6.B16, V6.B16, V6.B16
	VEOR V7.B16, V7.B16, V7.B16

loop4:
	PAIRA(R6, R7, V20, V21, V22, V26)
	PAIRA(R8, R9, V30, V31, V23, V27)
	VLD1.P 64(R3), [V16.S4, V17.S4, V18.S4, V19.S4]
	MMLA4(0, 22)
	MMLA4(4, 23)
	VLD1.P 64(R3), [V16.S4, V17.S4, V18.S4, V19.S4]
	MMLA4(0, 26)
	MMLA4(4, 27)
	SUBS   $1, R0
	BNE    loop4

	ADD R5, R4, R6
	STOREPAIR(V0, V1, V2, V3, R4, R6)
	ADD R5, R6, R4
	ADD R5, R4, R6
	STOREPAIR(V4, V5, V6, V7, R4, R6)
	RET

// func mmla2x8BF16(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)
// mmla8x8BF16 for 2 rows: C in V0–V3; per 8 k, 2 loads of A, two of the
// panel, 8 BFMMLA. With lda = 0 both rows are A's row 0: the wrapper
// keeps C's row 0 (a single last row).
TEXT ·mmla2x8BF16(SB), NOSPLIT, $0-48
	MOVD steps+0(FP), R0
	MOVD a+8(FP), R6
	MOVD lda+16(FP), R2
	MOVD b+24(FP), R3
	MOVD c+32(FP), R4
	MOVD ldc+40(FP), R5
	ADD  R2, R6, R7
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16

loop2:
	PAIRA(R6, R7, V20, V21, V22, V26)
	VLD1.P 64(R3), [V16.S4, V17.S4, V18.S4, V19.S4]
	MMLA4(0, 22)
	VLD1.P 64(R3), [V16.S4, V17.S4, V18.S4, V19.S4]
	MMLA4(0, 26)
	SUBS   $1, R0
	BNE    loop2

	ADD R5, R4, R6
	STOREPAIR(V0, V1, V2, V3, R4, R6)
	RET
