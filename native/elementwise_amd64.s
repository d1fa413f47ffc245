#include "textflag.h"

// AVX-512 loops of the element-wise kernels (elementwise.go holds their
// plain-Go references). Each handles n/16*16 elements; the Go wrappers do
// the rest.

// func maxAVX512(x *float32, n int, out *[16]float32)
// out[l] = max over i ≡ l (mod 16) of x[i], for i < n (n a multiple of 16, > 0).
TEXT ·maxAVX512(SB), NOSPLIT, $0-24
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	MOVQ    out+16(FP), DI
	SHRQ    $4, CX
	VMOVUPS (SI), Z0
	ADDQ    $64, SI
	DECQ    CX
	JZ      maxout

maxnext:
	VMAXPS (SI), Z0, Z0
	ADDQ   $64, SI
	DECQ   CX
	JNZ    maxnext

maxout:
	VMOVUPS Z0, (DI)
	VZEROUPPER
	RET

// func expSumAVX512(x *float32, n int, m float32, scale float32, out *[16]float32)
// x[i] = e^((x[i]-m)·scale) in place, for arguments <= 0, and out[l] = the
// sum of the lanes. e^y = 2^k · p(r), k = round(y·log2 e), r = y - k·ln 2
// (in two parts), p the Taylor polynomial of degree 7; VSCALEFPS applies
// 2^k (0 on underflow).
TEXT ·expSumAVX512(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS m+16(FP), Z1
	VBROADCASTSS scale+20(FP), Z2
	MOVQ         out+24(FP), DI
	SHRQ         $4, CX
	VXORPS       Z0, Z0, Z0     // the sums
	MOVL         $0x3fb8aa3b, AX // log2(e)
	VPBROADCASTD AX, Z3
	MOVL         $0x3f317200, AX // ln2, high part
	VPBROADCASTD AX, Z4
	MOVL         $0x35bfbe8e, AX // ln2, low part
	VPBROADCASTD AX, Z5
	MOVL         $0x39500d01, AX // 1/5040
	VPBROADCASTD AX, Z6
	MOVL         $0x3ab60b61, AX // 1/720
	VPBROADCASTD AX, Z7
	MOVL         $0x3c088889, AX // 1/120
	VPBROADCASTD AX, Z8
	MOVL         $0x3d2aaaab, AX // 1/24
	VPBROADCASTD AX, Z9
	MOVL         $0x3e2aaaab, AX // 1/6
	VPBROADCASTD AX, Z10
	MOVL         $0x3f000000, AX // 1/2
	VPBROADCASTD AX, Z11
	MOVL         $0x3f800000, AX // 1
	VPBROADCASTD AX, Z12
	MOVL         $0xc2b00000, AX // -88: below it, e^y is 0 in float32
	VPBROADCASTD AX, Z13

expnext:
	VMOVUPS      (SI), Z14
	VSUBPS       Z1, Z14, Z14
	VMULPS       Z2, Z14, Z14       // y
	VMAXPS       Z13, Z14, Z14      // clamp: keeps r finite
	VMULPS       Z3, Z14, Z15
	VRNDSCALEPS  $0, Z15, Z15       // k
	VMOVAPS      Z14, Z16
	VFNMADD231PS Z4, Z15, Z16       // r = y - k·ln2hi
	VFNMADD231PS Z5, Z15, Z16       // r -= k·ln2lo
	VMOVAPS      Z6, Z17
	VFMADD213PS  Z7, Z16, Z17       // p = p·r + 1/720
	VFMADD213PS  Z8, Z16, Z17
	VFMADD213PS  Z9, Z16, Z17
	VFMADD213PS  Z10, Z16, Z17
	VFMADD213PS  Z11, Z16, Z17
	VFMADD213PS  Z12, Z16, Z17
	VFMADD213PS  Z12, Z16, Z17      // p = p·r + 1
	VSCALEFPS    Z15, Z17, Z17      // p·2^k
	VMOVUPS      Z17, (SI)
	VADDPS       Z17, Z0, Z0
	ADDQ         $64, SI
	DECQ         CX
	JNZ          expnext

	VMOVUPS Z0, (DI)
	VZEROUPPER
	RET

// func scaleAVX512(x *float32, n int, s float32)
// x[i] *= s.
TEXT ·scaleAVX512(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS s+16(FP), Z1
	SHRQ         $4, CX

scalenext:
	VMULPS  (SI), Z1, Z0
	VMOVUPS Z0, (SI)
	ADDQ    $64, SI
	DECQ    CX
	JNZ     scalenext
	VZEROUPPER
	RET

// func addAVX512(dst, src *float32, n int)
// dst[i] += src[i].
TEXT ·addAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX

addnext:
	VMOVUPS (DI), Z0
	VADDPS  (SI), Z0, Z0
	VMOVUPS Z0, (DI)
	ADDQ    $64, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     addnext
	VZEROUPPER
	RET

// func toBF16AVX512(dst *uint16, src *float32, n int)
// dst[i] = bf16(src[i]), rounded to nearest even (VCVTNEPS2BF16, as bytes);
// a subnormal src[i] gives a zero of its sign.
TEXT ·toBF16AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $4, CX

cvtnext:
	VMOVUPS (SI), Z0
	BYTE $0x62; BYTE $0xF2; BYTE $0x7E; BYTE $0x48; BYTE $0x72; BYTE $0xC8 // VCVTNEPS2BF16 Z0, Y1
	VMOVDQU Y1, (DI)
	ADDQ    $64, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     cvtnext
	VZEROUPPER
	RET

// func geluAVX512(x *float32, n int)
// x[i] = x[i]·Φ(x[i]) in place, n a multiple of 16. With u = |x|/√2,
// erf(u) = 1 - q, q = t·(a1 + t·(a2 + … + t·a5))·e^(-u²), t = 1/(1 + p·u)
// (Abramowitz and Stegun 7.1.26, |error| <= 1.5e-7), so that
// x·Φ(x) = max(x, 0) - |x|·q/2 without cancellation for x < 0; e^(-u²)
// as in expSumAVX512.
TEXT ·geluAVX512(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $4, CX
	MOVL         $0x3fb8aa3b, AX // log2(e)
	VPBROADCASTD AX, Z3
	MOVL         $0x3f317200, AX // ln2 high
	VPBROADCASTD AX, Z4
	MOVL         $0x35bfbe8e, AX // ln2 low
	VPBROADCASTD AX, Z5
	MOVL         $0x39500d01, AX // 1/5040
	VPBROADCASTD AX, Z6
	MOVL         $0x3ab60b61, AX // 1/720
	VPBROADCASTD AX, Z7
	MOVL         $0x3c088889, AX // 1/120
	VPBROADCASTD AX, Z8
	MOVL         $0x3d2aaaab, AX // 1/24
	VPBROADCASTD AX, Z9
	MOVL         $0x3e2aaaab, AX // 1/6
	VPBROADCASTD AX, Z10
	MOVL         $0x3f000000, AX // 1/2
	VPBROADCASTD AX, Z11
	MOVL         $0x3f800000, AX // 1
	VPBROADCASTD AX, Z12
	MOVL         $0xc2b00000, AX // -88
	VPBROADCASTD AX, Z13
	MOVL         $0x3f3504f3, AX // 1/sqrt(2)
	VPBROADCASTD AX, Z20
	MOVL         $0x3ea7ba05, AX // p
	VPBROADCASTD AX, Z21
	MOVL         $0x3f87dc22, AX // a5
	VPBROADCASTD AX, Z22
	MOVL         $0xbfba00e3, AX // a4
	VPBROADCASTD AX, Z23
	MOVL         $0x3fb5f0e3, AX // a3
	VPBROADCASTD AX, Z24
	MOVL         $0xbe91a98e, AX // a2
	VPBROADCASTD AX, Z25
	MOVL         $0x3e827906, AX // a1
	VPBROADCASTD AX, Z26
	MOVL         $0x7fffffff, AX
	VPBROADCASTD AX, Z27 // |·| mask
	VXORPS       Z28, Z28, Z28 // 0

gelunext:
	VMOVUPS      (SI), Z0
	VPANDD       Z27, Z0, Z1        // |x|
	VMULPS       Z20, Z1, Z2        // u
	VMOVAPS      Z12, Z14
	VFMADD231PS  Z21, Z2, Z14       // 1 + p·u
	VDIVPS       Z14, Z12, Z14      // t
	VMOVAPS      Z22, Z15
	VFMADD213PS  Z23, Z14, Z15      // poly·t + a4
	VFMADD213PS  Z24, Z14, Z15
	VFMADD213PS  Z25, Z14, Z15
	VFMADD213PS  Z26, Z14, Z15
	VMULPS       Z14, Z15, Z15      // t·(a1 + …)
	VMULPS       Z2, Z2, Z16
	VSUBPS       Z16, Z28, Z16      // y = -u²
	VMAXPS       Z13, Z16, Z16
	VMULPS       Z3, Z16, Z17
	VRNDSCALEPS  $0, Z17, Z17       // k
	VMOVAPS      Z16, Z18
	VFNMADD231PS Z4, Z17, Z18
	VFNMADD231PS Z5, Z17, Z18       // r
	VMOVAPS      Z6, Z19
	VFMADD213PS  Z7, Z18, Z19
	VFMADD213PS  Z8, Z18, Z19
	VFMADD213PS  Z9, Z18, Z19
	VFMADD213PS  Z10, Z18, Z19
	VFMADD213PS  Z11, Z18, Z19
	VFMADD213PS  Z12, Z18, Z19
	VFMADD213PS  Z12, Z18, Z19
	VSCALEFPS    Z17, Z19, Z19      // e^(-u²)
	VMULPS       Z19, Z15, Z15      // q
	VMULPS       Z11, Z1, Z1        // |x|/2
	VMULPS       Z15, Z1, Z1        // |x|·q/2
	VMAXPS       Z28, Z0, Z0        // max(x, 0)
	VSUBPS       Z1, Z0, Z0
	VMOVUPS      Z0, (SI)
	ADDQ         $64, SI
	DECQ         CX
	JNZ          gelunext
	VZEROUPPER
	RET

// func sumAVX512(x *float32, n int, out *[16]float32)
// out[l] = Σ x[i] over i ≡ l (mod 16), n a multiple of 16.
TEXT ·sumAVX512(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   out+16(FP), DI
	SHRQ   $4, CX
	VXORPS Z0, Z0, Z0

sumnext:
	VADDPS (SI), Z0, Z0
	ADDQ   $64, SI
	DECQ   CX
	JNZ    sumnext
	VMOVUPS Z0, (DI)
	VZEROUPPER
	RET

// func sqDevAVX512(x *float32, n int, mean float32, out *[16]float32)
// out[l] = Σ (x[i]-mean)² over i ≡ l (mod 16), n a multiple of 16.
TEXT ·sqDevAVX512(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS mean+16(FP), Z1
	MOVQ         out+24(FP), DI
	SHRQ         $4, CX
	VXORPS       Z0, Z0, Z0

sqnext:
	VSUBPS      (SI), Z1, Z2
	VFMADD231PS Z2, Z2, Z0
	ADDQ        $64, SI
	DECQ        CX
	JNZ         sqnext
	VMOVUPS Z0, (DI)
	VZEROUPPER
	RET

// func normAVX512(x *float32, n int, mean, inv float32, w, b *float32)
// x[i] = (x[i]-mean)·inv·w[i] + b[i], n a multiple of 16.
TEXT ·normAVX512(SB), NOSPLIT, $0-40
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	VBROADCASTSS mean+16(FP), Z1
	VBROADCASTSS inv+20(FP), Z2
	MOVQ         w+24(FP), R8
	MOVQ         b+32(FP), R9
	SHRQ         $4, CX

normnext:
	VMOVUPS     (SI), Z0
	VSUBPS      Z1, Z0, Z0
	VMULPS      Z2, Z0, Z0
	VMOVUPS     (R9), Z3
	VFMADD231PS (R8), Z0, Z3
	VMOVUPS     Z3, (SI)
	ADDQ        $64, SI
	ADDQ        $64, R8
	ADDQ        $64, R9
	DECQ        CX
	JNZ         normnext
	VZEROUPPER
	RET
