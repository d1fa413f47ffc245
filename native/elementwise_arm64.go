package native

// The NEON element-wise loops (elementwise_arm64.s) under the names
// elementwise_simd.go calls.

var hasVec, hasVecBF16 = hasNEON, hasNEON

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
func expSumNEON(x *float32, n int, m float32, scale float32, out *[16]float32)

//go:noescape
func geluNEON(x *float32, n int)

//go:noescape
func toBF16NEON(dst *uint16, src *float32, n int)

//go:noescape
func maxRowsNEON(acc *float32, c *float32, rows int)

func vecMax(x *float32, n int, out *[16]float32)                 { maxNEON(x, n, out) }
func vecSum(x *float32, n int, out *[16]float32)                 { sumNEON(x, n, out) }
func vecSqDev(x *float32, n int, mean float32, out *[16]float32) { sqDevNEON(x, n, mean, out) }
func vecNorm(x *float32, n int, mean, inv float32, w, b *float32) {
	normNEON(x, n, mean, inv, w, b)
}
func vecScale(x *float32, n int, s float32) { scaleNEON(x, n, s) }
func vecAdd(dst, src *float32, n int)       { addNEON(dst, src, n) }
func vecExpSum(x *float32, n int, m, scale float32, out *[16]float32) {
	expSumNEON(x, n, m, scale, out)
}
func vecGELU(x *float32, n int)                  { geluNEON(x, n) }
func vecToBF16(dst *uint16, src *float32, n int) { toBF16NEON(dst, src, n) }

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
