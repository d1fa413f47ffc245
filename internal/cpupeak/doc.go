// Package cpupeak measures one core's peak rate of multiply-adds in each
// form package native's kernels use: scalar Go, AVX-512 FMA (VFMADD231PS),
// AVX512-BF16 (VDPBF16PS) and AVX512-VNNI (VPDPBUSD), each as a loop of
// independent instructions on registers, with nothing loaded or stored.
//
// The numbers are ceilings, not kernels: the ratio of two of them bounds
// the ratio of any two kernels built on those instructions on that CPU.
// docs/performance.md and docs/portable.md quote them beside the
// kernels' own GFLOP/s (go test -bench . ./internal/cpupeak).
package cpupeak

// scalar runs n iterations of 12 independent float32 multiply-adds
// (x = x*m + a) from the starting values x, enough chains to cover the
// latency of a multiplication and an addition, and returns their sum so
// that none is dropped. (Chains from equal starting values would be one
// chain to the compiler.)
func scalar(n int, m, a float32, x *[12]float32) float32 {
	x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11 := x[0], x[1], x[2], x[3], x[4], x[5], x[6], x[7], x[8], x[9], x[10], x[11]
	for range n {
		x0 = x0*m + a
		x1 = x1*m + a
		x2 = x2*m + a
		x3 = x3*m + a
		x4 = x4*m + a
		x5 = x5*m + a
		x6 = x6*m + a
		x7 = x7*m + a
		x8 = x8*m + a
		x9 = x9*m + a
		x10 = x10*m + a
		x11 = x11*m + a
	}
	return x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11
}
