#include "textflag.h"

// NEON loops of the element-wise kernels (elementwise.go holds their
// plain-Go references, elementwise_amd64.s the AVX-512 ones they mirror).
// Each handles n/16*16 elements (n > 0 a multiple of 16: four vectors of
// 4 lanes); the Go wrappers in elementwise_arm64.go do the rest. In Go's
// syntax a three-operand instruction "OP Vm, Vn, Vd" computes Vd = Vn op
// Vm, and "VFMLA Vm, Vn, Vd" Vd += Vn·Vm.

// func maxNEON(x *float32, n int, out *[16]float32)
// out[l] = max over i ≡ l (mod 16) of x[i].
TEXT ·maxNEON(SB), NOSPLIT, $0-24
	MOVD   x+0(FP), R0
	MOVD   n+8(FP), R1
	MOVD   out+16(FP), R2
	LSR    $4, R1
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	SUBS   $1, R1
	BEQ    maxout

maxnext:
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMAX  V4.S4, V0.S4, V0.S4
	VFMAX  V5.S4, V1.S4, V1.S4
	VFMAX  V6.S4, V2.S4, V2.S4
	VFMAX  V7.S4, V3.S4, V3.S4
	SUBS   $1, R1
	BNE    maxnext

maxout:
	VST1 [V0.S4, V1.S4, V2.S4, V3.S4], (R2)
	RET

// func sumNEON(x *float32, n int, out *[16]float32)
// out[l] = Σ x[i] over i ≡ l (mod 16).
TEXT ·sumNEON(SB), NOSPLIT, $0-24
	MOVD x+0(FP), R0
	MOVD n+8(FP), R1
	MOVD out+16(FP), R2
	LSR  $4, R1
	VEOR V0.B16, V0.B16, V0.B16
	VEOR V1.B16, V1.B16, V1.B16
	VEOR V2.B16, V2.B16, V2.B16
	VEOR V3.B16, V3.B16, V3.B16

sumnext:
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFADD  V4.S4, V0.S4, V0.S4
	VFADD  V5.S4, V1.S4, V1.S4
	VFADD  V6.S4, V2.S4, V2.S4
	VFADD  V7.S4, V3.S4, V3.S4
	SUBS   $1, R1
	BNE    sumnext
	VST1   [V0.S4, V1.S4, V2.S4, V3.S4], (R2)
	RET

// func sqDevNEON(x *float32, n int, mean float32, out *[16]float32)
// out[l] = Σ (x[i]-mean)² over i ≡ l (mod 16).
TEXT ·sqDevNEON(SB), NOSPLIT, $0-32
	MOVD  x+0(FP), R0
	MOVD  n+8(FP), R1
	FMOVS mean+16(FP), F8
	MOVD  out+24(FP), R2
	VDUP  V8.S[0], V8.S4
	LSR   $4, R1
	VEOR  V0.B16, V0.B16, V0.B16
	VEOR  V1.B16, V1.B16, V1.B16
	VEOR  V2.B16, V2.B16, V2.B16
	VEOR  V3.B16, V3.B16, V3.B16

sqnext:
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFSUB  V8.S4, V4.S4, V4.S4
	VFSUB  V8.S4, V5.S4, V5.S4
	VFSUB  V8.S4, V6.S4, V6.S4
	VFSUB  V8.S4, V7.S4, V7.S4
	VFMLA  V4.S4, V4.S4, V0.S4
	VFMLA  V5.S4, V5.S4, V1.S4
	VFMLA  V6.S4, V6.S4, V2.S4
	VFMLA  V7.S4, V7.S4, V3.S4
	SUBS   $1, R1
	BNE    sqnext
	VST1   [V0.S4, V1.S4, V2.S4, V3.S4], (R2)
	RET

// func normNEON(x *float32, n int, mean, inv float32, w, b *float32)
// x[i] = (x[i]-mean)·inv·w[i] + b[i].
TEXT ·normNEON(SB), NOSPLIT, $0-40
	MOVD  x+0(FP), R0
	MOVD  n+8(FP), R1
	FMOVS mean+16(FP), F16
	FMOVS inv+20(FP), F17
	MOVD  w+24(FP), R2
	MOVD  b+32(FP), R3
	VDUP  V16.S[0], V16.S4
	VDUP  V17.S[0], V17.S4
	LSR   $4, R1

normnext:
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R2), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R3), [V8.S4, V9.S4, V10.S4, V11.S4]
	VFSUB  V16.S4, V0.S4, V0.S4
	VFSUB  V16.S4, V1.S4, V1.S4
	VFSUB  V16.S4, V2.S4, V2.S4
	VFSUB  V16.S4, V3.S4, V3.S4
	VFMUL  V17.S4, V0.S4, V0.S4
	VFMUL  V17.S4, V1.S4, V1.S4
	VFMUL  V17.S4, V2.S4, V2.S4
	VFMUL  V17.S4, V3.S4, V3.S4
	VFMLA  V4.S4, V0.S4, V8.S4
	VFMLA  V5.S4, V1.S4, V9.S4
	VFMLA  V6.S4, V2.S4, V10.S4
	VFMLA  V7.S4, V3.S4, V11.S4
	VST1.P [V8.S4, V9.S4, V10.S4, V11.S4], 64(R0)
	SUBS   $1, R1
	BNE    normnext
	RET

// func scaleNEON(x *float32, n int, s float32)
// x[i] *= s.
TEXT ·scaleNEON(SB), NOSPLIT, $0-20
	MOVD  x+0(FP), R0
	MOVD  n+8(FP), R1
	FMOVS s+16(FP), F8
	VDUP  V8.S[0], V8.S4
	LSR   $4, R1

scalenext:
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFMUL  V8.S4, V0.S4, V0.S4
	VFMUL  V8.S4, V1.S4, V1.S4
	VFMUL  V8.S4, V2.S4, V2.S4
	VFMUL  V8.S4, V3.S4, V3.S4
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS   $1, R1
	BNE    scalenext
	RET

// func addNEON(dst, src *float32, n int)
// dst[i] += src[i].
TEXT ·addNEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2
	LSR  $4, R2

addnext:
	VLD1   (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFADD  V4.S4, V0.S4, V0.S4
	VFADD  V5.S4, V1.S4, V1.S4
	VFADD  V6.S4, V2.S4, V2.S4
	VFADD  V7.S4, V3.S4, V3.S4
	VST1.P [V0.S4, V1.S4, V2.S4, V3.S4], 64(R0)
	SUBS   $1, R2
	BNE    addnext
	RET

// func maxRowsNEON(acc *float32, c *float32, rows int)
// acc[j] = max(acc[j], c[r*32 + j]) over r < rows (rows > 0), j < 32.
TEXT ·maxRowsNEON(SB), NOSPLIT, $0-24
	MOVD acc+0(FP), R0
	MOVD c+8(FP), R1
	MOVD rows+16(FP), R2
	VLD1 (R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	ADD  $64, R0, R3
	VLD1 (R3), [V4.S4, V5.S4, V6.S4, V7.S4]

maxrowsnext:
	VLD1.P 64(R1), [V16.S4, V17.S4, V18.S4, V19.S4]
	VLD1.P 64(R1), [V20.S4, V21.S4, V22.S4, V23.S4]
	VFMAX  V16.S4, V0.S4, V0.S4
	VFMAX  V17.S4, V1.S4, V1.S4
	VFMAX  V18.S4, V2.S4, V2.S4
	VFMAX  V19.S4, V3.S4, V3.S4
	VFMAX  V20.S4, V4.S4, V4.S4
	VFMAX  V21.S4, V5.S4, V5.S4
	VFMAX  V22.S4, V6.S4, V6.S4
	VFMAX  V23.S4, V7.S4, V7.S4
	SUBS   $1, R2
	BNE    maxrowsnext
	VST1   [V0.S4, V1.S4, V2.S4, V3.S4], (R0)
	VST1   [V4.S4, V5.S4, V6.S4, V7.S4], (R3)
	RET

// EXPCONSTS loads the constants of the exponential: V3 log2(e), V4 and
// V5 ln 2 in two parts, V6–V12 the Taylor coefficients 1/5040 … 1/2, 1,
// V13 -88 (below it e^y is 0 in float32), V14 the integer 127.
#define EXPCONST(bits, v) MOVW $bits, R9; VDUP R9, v.S4
#define EXPCONSTS \
	EXPCONST(0x3fb8aa3b, V3); \
	EXPCONST(0x3f317200, V4); \
	EXPCONST(0x35bfbe8e, V5); \
	EXPCONST(0x39500d01, V6); \
	EXPCONST(0x3ab60b61, V7); \
	EXPCONST(0x3c088889, V8); \
	EXPCONST(0x3d2aaaab, V9); \
	EXPCONST(0x3e2aaaab, V10); \
	EXPCONST(0x3f000000, V11); \
	EXPCONST(0x3f800000, V12); \
	EXPCONST(0xc2b00000, V13); \
	EXPCONST(127, V14)

// EXP sets V18 = e^y for y in V16 (clamped to >= -88 first), with the
// constants of EXPCONSTS; it uses V16, V17, V19. y = k·ln2 + r, k =
// round(y·log2 e), e^r by its Taylor polynomial of degree 7 (Horner),
// 2^k from the exponent bits (0 for k = -127).
#define EXP \
	VFMAX   V13.S4, V16.S4, V16.S4; \
	VFMUL   V3.S4, V16.S4, V17.S4; \
	VFRINTN V17.S4, V17.S4; \
	VFMLS   V4.S4, V17.S4, V16.S4; \
	VFMLS   V5.S4, V17.S4, V16.S4; \
	VMOV    V7.B16, V18.B16; \
	VFMLA   V6.S4, V16.S4, V18.S4; \
	VMOV    V8.B16, V19.B16; \
	VFMLA   V18.S4, V16.S4, V19.S4; \
	VMOV    V9.B16, V18.B16; \
	VFMLA   V19.S4, V16.S4, V18.S4; \
	VMOV    V10.B16, V19.B16; \
	VFMLA   V18.S4, V16.S4, V19.S4; \
	VMOV    V11.B16, V18.B16; \
	VFMLA   V19.S4, V16.S4, V18.S4; \
	VMOV    V12.B16, V19.B16; \
	VFMLA   V18.S4, V16.S4, V19.S4; \
	VMOV    V12.B16, V18.B16; \
	VFMLA   V19.S4, V16.S4, V18.S4; \
	VFCVTZS V17.S4, V17.S4; \
	VADD    V14.S4, V17.S4, V17.S4; \
	VSHL    $23, V17.S4, V17.S4; \
	VFMUL   V17.S4, V18.S4, V18.S4

// func expSumNEON(x *float32, n int, m float32, scale float32, out *[16]float32)
// x[i] = e^((x[i]-m)·scale) in place, for arguments <= 0, and out[l] =
// the sum over i ≡ l (mod 4) for l < 4, 0 for the other lanes (see EXP).
TEXT ·expSumNEON(SB), NOSPLIT, $0-32
	MOVD  x+0(FP), R0
	MOVD  n+8(FP), R1
	FMOVS m+16(FP), F1
	FMOVS scale+20(FP), F2
	MOVD  out+24(FP), R2
	VDUP  V1.S[0], V1.S4
	VDUP  V2.S[0], V2.S4
	LSR   $2, R1
	VEOR  V0.B16, V0.B16, V0.B16
	EXPCONSTS

expnext:
	VLD1   (R0), [V16.S4]
	VFSUB  V1.S4, V16.S4, V16.S4
	VFMUL  V2.S4, V16.S4, V16.S4
	EXP
	VST1.P [V18.S4], 16(R0)
	VFADD  V18.S4, V0.S4, V0.S4
	SUBS   $1, R1
	BNE    expnext
	VEOR   V1.B16, V1.B16, V1.B16
	VEOR   V2.B16, V2.B16, V2.B16
	VEOR   V3.B16, V3.B16, V3.B16
	VST1   [V0.S4, V1.S4, V2.S4, V3.S4], (R2)
	RET

// func geluNEON(x *float32, n int)
// x[i] = x[i]·Φ(x[i]) in place, as geluAVX512: with u = |x|/√2, erf(u) =
// 1 - q, q = t·(a1 + t·(a2 + … + t·a5))·e^(-u²), t = 1/(1 + p·u)
// (Abramowitz and Stegun 7.1.26, |error| <= 1.5e-7), and x·Φ(x) =
// max(x, 0) - |x|·q/2.
TEXT ·geluNEON(SB), NOSPLIT, $0-16
	MOVD x+0(FP), R0
	MOVD n+8(FP), R1
	LSR  $2, R1
	EXPCONSTS
	EXPCONST(0x3f3504f3, V20) // 1/sqrt(2)
	EXPCONST(0x3ea7ba05, V21) // p
	EXPCONST(0x3f87dc22, V22) // a5
	EXPCONST(0xbfba00e3, V23) // a4
	EXPCONST(0x3fb5f0e3, V24) // a3
	EXPCONST(0xbe91a98e, V25) // a2
	EXPCONST(0x3e827906, V26) // a1
	VEOR V28.B16, V28.B16, V28.B16 // 0

gelunext:
	VLD1  (R0), [V0.S4]
	VFABS V0.S4, V1.S4               // |x|
	VFMUL V20.S4, V1.S4, V2.S4       // u
	VMOV  V12.B16, V27.B16
	VFMLA V21.S4, V2.S4, V27.S4      // 1 + p·u
	VFDIV V27.S4, V12.S4, V27.S4     // t
	VMOV  V23.B16, V29.B16
	VFMLA V22.S4, V27.S4, V29.S4     // a4 + a5·t
	VMOV  V24.B16, V30.B16
	VFMLA V29.S4, V27.S4, V30.S4
	VMOV  V25.B16, V29.B16
	VFMLA V30.S4, V27.S4, V29.S4
	VMOV  V26.B16, V30.B16
	VFMLA V29.S4, V27.S4, V30.S4     // a1 + t·(…)
	VFMUL V27.S4, V30.S4, V30.S4     // t·(a1 + …)
	VFMUL V2.S4, V2.S4, V16.S4
	VFSUB V16.S4, V28.S4, V16.S4     // y = -u²
	EXP                              // V18 = e^(-u²)
	VFMUL V18.S4, V30.S4, V30.S4     // q
	VFMUL V11.S4, V1.S4, V1.S4       // |x|/2
	VFMUL V30.S4, V1.S4, V1.S4       // |x|·q/2
	VFMAX V28.S4, V0.S4, V0.S4       // max(x, 0)
	VFSUB V1.S4, V0.S4, V0.S4
	VST1.P [V0.S4], 16(R0)
	SUBS  $1, R1
	BNE   gelunext
	RET

// func toBF16NEON(dst *uint16, src *float32, n int)
// dst[i] = bf16(src[i]): (u + 0x7fff + (u>>16)&1) >> 16 of the bits u,
// rounding to nearest even; a NaN stays a NaN ((u>>16) | 0x40).
TEXT ·toBF16NEON(SB), NOSPLIT, $0-24
	MOVD dst+0(FP), R0
	MOVD src+8(FP), R1
	MOVD n+16(FP), R2
	LSR  $3, R2
	MOVW $1, R9
	VDUP R9, V28.S4
	MOVW $0x7fff, R9
	VDUP R9, V29.S4
	MOVW $0x40, R9
	VDUP R9, V30.S4

cvtnext:
	VLD1.P 32(R1), [V0.S4, V1.S4]
	VUSHR  $16, V0.S4, V2.S4
	VUSHR  $16, V1.S4, V3.S4
	VAND   V28.B16, V2.B16, V4.B16
	VAND   V28.B16, V3.B16, V5.B16
	VADD   V29.S4, V4.S4, V4.S4
	VADD   V29.S4, V5.S4, V5.S4
	VADD   V0.S4, V4.S4, V4.S4
	VADD   V1.S4, V5.S4, V5.S4
	VUSHR  $16, V4.S4, V4.S4         // rounded
	VUSHR  $16, V5.S4, V5.S4
	VORR   V30.B16, V2.B16, V2.B16   // NaN's
	VORR   V30.B16, V3.B16, V3.B16
	VFCMEQ V0.S4, V0.S4, V6.S4       // not NaN
	VFCMEQ V1.S4, V1.S4, V7.S4
	VBIT   V6.B16, V4.B16, V2.B16    // V2 = not NaN ? V4 : V2
	VBIT   V7.B16, V5.B16, V3.B16
	VXTN   V2.S4, V8.H4
	VXTN2  V3.S4, V8.H8
	VST1.P [V8.H8], 16(R0)
	SUBS   $1, R2
	BNE    cvtnext
	RET
