//go:build !amd64 && !arm64

package native

// softmaxRow replaces x by softmax(scale·x) in place.
func softmaxRow(x []float32, scale float32) { softmaxRowGo(x, scale) }

// addRows adds src to dst element-wise.
func addRows(dst, src []float32) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}

// toBF16 rounds src to bfloat16 into dst.
func toBF16(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, v := range src {
		dst[i] = bf16(v)
	}
}

// geluErf applies x·Φ(x) in place.
func geluErf(x []float32) { geluErfGo(x) }

// layerNorm normalises each row of x in place (see layerNormGo).
func layerNorm(x []float32, rows int, w, b []float32, eps float64) { layerNormGo(x, rows, w, b, eps) }
