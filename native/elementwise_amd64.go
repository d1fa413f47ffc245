package native

import "golang.org/x/sys/cpu"

// The AVX-512 element-wise loops (elementwise_amd64.s) under the names
// elementwise_simd.go calls.

var hasVec, hasVecBF16 = hasAVX512, hasAVX512BF16

//go:noescape
func maxAVX512(x *float32, n int, out *[16]float32)

//go:noescape
func expSumAVX512(x *float32, n int, m float32, scale float32, out *[16]float32)

//go:noescape
func scaleAVX512(x *float32, n int, s float32)

//go:noescape
func addAVX512(dst, src *float32, n int)

//go:noescape
func geluAVX512(x *float32, n int)

//go:noescape
func toBF16AVX512(dst *uint16, src *float32, n int)

var hasAVX512BF16 = cpu.X86.HasAVX512BF16

//go:noescape
func sumAVX512(x *float32, n int, out *[16]float32)

//go:noescape
func sqDevAVX512(x *float32, n int, mean float32, out *[16]float32)

//go:noescape
func normAVX512(x *float32, n int, mean, inv float32, w, b *float32)

func vecMax(x *float32, n int, out *[16]float32)                 { maxAVX512(x, n, out) }
func vecSum(x *float32, n int, out *[16]float32)                 { sumAVX512(x, n, out) }
func vecSqDev(x *float32, n int, mean float32, out *[16]float32) { sqDevAVX512(x, n, mean, out) }
func vecNorm(x *float32, n int, mean, inv float32, w, b *float32) {
	normAVX512(x, n, mean, inv, w, b)
}
func vecScale(x *float32, n int, s float32) { scaleAVX512(x, n, s) }
func vecAdd(dst, src *float32, n int)       { addAVX512(dst, src, n) }
func vecExpSum(x *float32, n int, m, scale float32, out *[16]float32) {
	expSumAVX512(x, n, m, scale, out)
}
func vecGELU(x *float32, n int)                  { geluAVX512(x, n) }
func vecToBF16(dst *uint16, src *float32, n int) { toBF16AVX512(dst, src, n) }
