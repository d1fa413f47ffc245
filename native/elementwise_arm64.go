package native

import "math"

// The NEON element-wise kernels (elementwise_arm64.s) behind the plain-Go
// ones' signatures: whole vectors of 16 in assembly, the rest in Go.

//go:noescape
func maxNEON(x *float32, n int, out *[16]float32)

//go:noescape
func sumNEON(x *float32, n int, out *[16]float32)

//go:noescape
func sqDevNEON(x *float32, n int, mean float32, out *[16]float32)

//go:noescape
func normNEON(x *float32, n int, mean, inv float32, w, b *float32)

//go:noescape
func scaleNEON(x *float32, n int, s float32)

//go:noescape
func addNEON(dst, src *float32, n int)

//go:noescape
func expSumNEON(x *float32, n int, m float32, scale float32, out *[4]float32)

//go:noescape
func geluNEON(x *float32, n int)

//go:noescape
func toBF16NEON(dst *uint16, src *float32, n int)

//go:noescape
func maxRowsNEON(acc *float32, c *float32, rows int)

// maxRows is maxRowsGo, on NEON where the CPU has it.
func maxRows(acc *[panelWidth]float32, c []float32) {
	if !hasNEON {
		maxRowsGo(acc, c)
		return
	}
	if rows := len(c) / panelWidth; rows > 0 {
		maxRowsNEON(&acc[0], &c[0], rows)
	}
}

// geluErf applies x·Φ(x) in place: geluErfGo, on NEON for whole vectors
// of 16 (a polynomial erf, |error| <= 1.5e-7, instead of the table).
func geluErf(x []float32) {
	n := len(x) / 16 * 16
	if hasNEON && n > 0 {
		geluNEON(&x[0], n)
	} else {
		n = 0
	}
	geluErfGo(x[n:])
}

// softmaxRow replaces x by softmax(scale·x) in place: softmaxRowGo, on
// NEON for whole vectors of 16.
func softmaxRow(x []float32, scale float32) {
	n := len(x) / 16 * 16
	if !hasNEON || n == 0 {
		softmaxRowGo(x, scale)
		return
	}
	var lanes [16]float32
	maxNEON(&x[0], n, &lanes)
	m := lanes[0]
	for _, v := range lanes[1:] {
		m = max(m, v)
	}
	for _, v := range x[n:] {
		m = max(m, v)
	}
	var sums [4]float32
	expSumNEON(&x[0], n, m, scale, &sums)
	sum := sums[0] + sums[1] + sums[2] + sums[3]
	for i, v := range x[n:] {
		e := expNeg((v - m) * scale)
		x[n+i] = e
		sum += e
	}
	inv := 1 / sum
	scaleNEON(&x[0], n, inv)
	for i := n; i < len(x); i++ {
		x[i] *= inv
	}
}

// addRows adds src to dst element-wise.
func addRows(dst, src []float32) {
	n := len(dst) / 16 * 16
	src = src[:len(dst)]
	if hasNEON && n > 0 {
		addNEON(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// toBF16 rounds src to bfloat16 into dst (the same rounding as bf16).
func toBF16(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	n := len(src) / 16 * 16
	if hasNEON && n > 0 {
		toBF16NEON(&dst[0], &src[0], n)
	} else {
		n = 0
	}
	for i := n; i < len(src); i++ {
		dst[i] = bf16(src[i])
	}
}

// layerNorm is layerNormGo, on NEON for rows of whole vectors of 16
// (statistics in float32 lanes, summed in float64).
func layerNorm(x []float32, rows int, w, b []float32, eps float64) {
	n := len(w)
	if !hasNEON || n%16 != 0 || n == 0 {
		layerNormGo(x, rows, w, b, eps)
		return
	}
	b = b[:n]
	var lanes [16]float32
	for r := range rows {
		row := x[r*n : (r+1)*n]
		sumNEON(&row[0], n, &lanes)
		var sum float64
		for _, v := range lanes {
			sum += float64(v)
		}
		mean := float32(sum / float64(n))
		sqDevNEON(&row[0], n, mean, &lanes)
		var ss float64
		for _, v := range lanes {
			ss += float64(v)
		}
		inv := float32(1 / math.Sqrt(ss/float64(n)+eps))
		normNEON(&row[0], n, mean, inv, &w[0], &b[0])
	}
}
