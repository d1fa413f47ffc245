package native

import (
	"math"

	"golang.org/x/sys/cpu"
)

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

// geluErf applies x·Φ(x) in place: geluErfGo, on AVX-512 for whole
// vectors of 16 (a polynomial erf, |error| <= 1.5e-7, instead of the table).
func geluErf(x []float32) {
	n := len(x) / 16 * 16
	if hasAVX512 && n > 0 {
		geluAVX512(&x[0], n)
	} else {
		n = 0
	}
	geluErfGo(x[n:])
}

//go:noescape
func toBF16AVX512(dst *uint16, src *float32, n int)

var hasAVX512BF16 = cpu.X86.HasAVX512BF16

// softmaxRow replaces x by softmax(scale·x) in place: softmaxRowGo, on
// AVX-512 for whole vectors of 16.
func softmaxRow(x []float32, scale float32) {
	n := len(x) / 16 * 16
	if !hasAVX512 || n == 0 {
		softmaxRowGo(x, scale)
		return
	}
	var lanes [16]float32
	maxAVX512(&x[0], n, &lanes)
	m := lanes[0]
	for _, v := range lanes[1:] {
		m = max(m, v)
	}
	for _, v := range x[n:] {
		m = max(m, v)
	}
	expSumAVX512(&x[0], n, m, scale, &lanes)
	var sum float32
	for _, v := range lanes {
		sum += v
	}
	for i, v := range x[n:] {
		e := expNeg((v - m) * scale)
		x[n+i] = e
		sum += e
	}
	inv := 1 / sum
	scaleAVX512(&x[0], n, inv)
	for i := n; i < len(x); i++ {
		x[i] *= inv
	}
}

// addRows adds src to dst element-wise.
func addRows(dst, src []float32) {
	n := len(dst) / 16 * 16
	src = src[:len(dst)]
	if hasAVX512 && n > 0 {
		addAVX512(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// toBF16 rounds src to bfloat16 into dst (VCVTNEPS2BF16 where the CPU has
// it; the same rounding as bf16).
func toBF16(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	n := len(src) / 16 * 16
	if hasAVX512BF16 && n > 0 {
		toBF16AVX512(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(src); i++ {
		dst[i] = bf16(src[i])
	}
}

//go:noescape
func sumAVX512(x *float32, n int, out *[16]float32)

//go:noescape
func sqDevAVX512(x *float32, n int, mean float32, out *[16]float32)

//go:noescape
func normAVX512(x *float32, n int, mean, inv float32, w, b *float32)

// layerNorm is layerNormGo, on AVX-512 for rows of whole vectors of 16
// (statistics in float32 lanes, summed in float64).
func layerNorm(x []float32, rows int, w, b []float32, eps float64) {
	n := len(w)
	if !hasAVX512 || n%16 != 0 || n == 0 {
		layerNormGo(x, rows, w, b, eps)
		return
	}
	b = b[:n]
	var lanes [16]float32
	for r := range rows {
		row := x[r*n : (r+1)*n]
		sumAVX512(&row[0], n, &lanes)
		var sum float64
		for _, v := range lanes {
			sum += float64(v)
		}
		mean := float32(sum / float64(n))
		sqDevAVX512(&row[0], n, mean, &lanes)
		var ss float64
		for _, v := range lanes {
			ss += float64(v)
		}
		inv := float32(1 / math.Sqrt(ss/float64(n)+eps))
		normAVX512(&row[0], n, mean, inv, &w[0], &b[0])
	}
}
