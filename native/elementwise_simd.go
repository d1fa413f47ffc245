//go:build amd64 || arm64

package native

import "math"

// The element-wise operations on SIMD loops (elementwise_amd64.s:
// AVX-512; elementwise_arm64.s: NEON) over whole vectors of 16 floats, the
// rest in Go; each falls back to its plain-Go version (elementwise.go)
// where the CPU lacks the loops. Each architecture's file names its loops
// vec* (x and dst point at n > 0 floats, n a multiple of 16; out receives
// 16 partial results, whose sum or maximum is the answer) and says
// whether the CPU runs them: hasVec for all but vecToBF16, hasVecBF16 for
// it.

// geluErf applies x·Φ(x) in place: geluErfGo, on SIMD loops for whole
// vectors of 16 (a polynomial erf, |error| <= 1.5e-7, instead of the table).
func geluErf(x []float32) {
	n := len(x) / 16 * 16
	if hasVec && n > 0 {
		vecGELU(&x[0], n)
	} else {
		n = 0
	}
	geluErfGo(x[n:])
}

// softmaxRow replaces x by softmax(scale·x) in place: softmaxRowGo, on
// SIMD loops for whole vectors of 16.
func softmaxRow(x []float32, scale float32) {
	n := len(x) / 16 * 16
	if !hasVec || n == 0 {
		softmaxRowGo(x, scale)
		return
	}
	var lanes [16]float32
	vecMax(&x[0], n, &lanes)
	m := lanes[0]
	for _, v := range lanes[1:] {
		m = max(m, v)
	}
	for _, v := range x[n:] {
		m = max(m, v)
	}
	vecExpSum(&x[0], n, m, scale, &lanes)
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
	vecScale(&x[0], n, inv)
	for i := n; i < len(x); i++ {
		x[i] *= inv
	}
}

// addRows adds src to dst element-wise.
func addRows(dst, src []float32) {
	n := len(dst) / 16 * 16
	src = src[:len(dst)]
	if hasVec && n > 0 {
		vecAdd(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// toBF16 rounds src to bfloat16 into dst: the same rounding as bf16, but
// for values below 2^-126 in magnitude (subnormal), which AVX512-BF16's
// VCVTNEPS2BF16 turns into a zero of their sign (activations that small
// are zeros to the products that read them).
func toBF16(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	n := len(src) / 16 * 16
	if hasVecBF16 && n > 0 {
		vecToBF16(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(src); i++ {
		dst[i] = bf16(src[i])
	}
}

// layerNorm is layerNormGo, on SIMD loops for rows of whole vectors of 16
// (statistics in float32 lanes, summed in float64).
func layerNorm(x []float32, rows int, w, b []float32, eps float64) {
	n := len(w)
	if !hasVec || n%16 != 0 || n == 0 {
		layerNormGo(x, rows, w, b, eps)
		return
	}
	b = b[:n]
	var lanes [16]float32
	for r := range rows {
		row := x[r*n : (r+1)*n]
		vecSum(&row[0], n, &lanes)
		var sum float64
		for _, v := range lanes {
			sum += float64(v)
		}
		mean := float32(sum / float64(n))
		vecSqDev(&row[0], n, mean, &lanes)
		var ss float64
		for _, v := range lanes {
			ss += float64(v)
		}
		inv := float32(1 / math.Sqrt(ss/float64(n)+eps))
		vecNorm(&row[0], n, mean, inv, &w[0], &b[0])
	}
}
