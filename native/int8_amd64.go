package native

import "golang.org/x/sys/cpu"

//go:noescape
func int8TileAVX512(kq int, a *uint8, lda int, b *int8, c *float32, ldc int, as *float32, zp *int32, cs *int32, ws *float32, bias *float32)

//go:noescape
func int8HalfAVXVNNI(kq int, a *uint8, lda int, b *int8, c *float32, ldc int, as *float32, zp *int32, cs *int32, ws *float32, bias *float32)

// int8TileAVX512Go is the AVX512-VNNI int8 kernel (int8_amd64.s) behind
// the int8Kernel signature. The checks keep a wrong call from reading or
// writing out of bounds.
func int8TileAVX512Go(a *quantRows, r0 int, b *packedInt8, p int, c []float32, ldc int) {
	kp, n0 := a.kp, p*panelWidth
	panel := b.panel(p)
	if kp == 0 { // C = bias
		int8TileGo(a, r0, b, p, c, ldc)
		return
	}
	_ = a.u[(r0+tileRows)*kp-1]
	_ = a.scale[r0+tileRows-1]
	_ = a.zp[r0+tileRows-1]
	_ = c[(tileRows-1)*ldc+panelWidth-1]
	_ = b.colSum[n0+panelWidth-1]
	_ = b.scale[n0+panelWidth-1]
	_ = b.bias[n0+panelWidth-1]
	int8TileAVX512(kp/int8Step, &a.u[r0*kp], kp, &panel[0], &c[0], ldc, &a.scale[r0], &a.zp[r0], &b.colSum[n0], &b.scale[n0], &b.bias[n0])
}

// int8TileAVXVNNIGo computes a tile as 2 x 2 pieces of 6 rows by 16
// columns on AVX-VNNI (16 ymm registers hold no more).
func int8TileAVXVNNIGo(a *quantRows, r0 int, b *packedInt8, p int, c []float32, ldc int) {
	kp, n0 := a.kp, p*panelWidth
	panel := b.panel(p)
	if kp == 0 {
		int8TileGo(a, r0, b, p, c, ldc)
		return
	}
	_ = a.u[(r0+tileRows)*kp-1]
	_ = a.scale[r0+tileRows-1]
	_ = a.zp[r0+tileRows-1]
	_ = c[(tileRows-1)*ldc+panelWidth-1]
	_ = b.colSum[n0+panelWidth-1]
	_ = b.scale[n0+panelWidth-1]
	_ = b.bias[n0+panelWidth-1]
	for r := 0; r < tileRows; r += 6 {
		for h := 0; h < panelWidth; h += 16 {
			int8HalfAVXVNNI(kp/int8Step, &a.u[(r0+r)*kp], kp, &panel[h*int8Step], &c[r*ldc+h], ldc, &a.scale[r0+r], &a.zp[r0+r], &b.colSum[n0+h], &b.scale[n0+h], &b.bias[n0+h])
		}
	}
}

// int8Kernels lists the int8 kernels this CPU runs, fastest first; the
// plain-Go one is always last. (AMX-INT8 has none: no CPU at hand to test
// one on.)
func int8Kernels() []namedInt8Kernel {
	var ks []namedInt8Kernel
	if cpu.X86.HasAVX512F && cpu.X86.HasAVX512VNNI {
		ks = append(ks, namedInt8Kernel{"avx512vnni", int8TileAVX512Go, nil})
	}
	if cpu.X86.HasAVXVNNI && cpu.X86.HasAVX2 {
		ks = append(ks, namedInt8Kernel{"avxvnni", int8TileAVXVNNIGo, nil})
	}
	return append(ks, namedInt8Kernel{"go", int8TileGo, nil})
}

//go:noescape
func rangeAVX512(a *float32, n int, lo, hi *[16]float32)

//go:noescape
func quantizeAVX512(a *float32, n int, u *uint8, inv, zp float32)

// valueRange is valueRangeGo, the whole 16-value vectors on AVX-512
// where the CPU has it (TestValueRange).
func valueRange(a []float32) (lo, hi float32) {
	n := len(a) / 16 * 16
	if !hasAVX512 || n == 0 {
		return valueRangeGo(a)
	}
	var los, his [16]float32
	rangeAVX512(&a[0], n, &los, &his)
	for i := range los {
		lo, hi = min(lo, los[i]), max(hi, his[i])
	}
	for _, v := range a[n:] {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// quantizeRow is quantizeRowGo, the whole 16-value vectors on AVX-512
// where the CPU has it (the same arithmetic: TestQuantizeRow).
func quantizeRow(u []uint8, a []float32) (scale float32, zp int32) {
	n := len(a) / 16 * 16
	if !hasAVX512 || n == 0 {
		return quantizeRowGo(u, a)
	}
	scale, inv, zp := quantParams(valueRange(a))
	_ = u[len(a)-1]
	quantizeAVX512(&a[0], n, &u[0], inv, float32(zp))
	quantizeValuesGo(u[n:len(a)], a[n:], inv, float32(zp))
	clear(u[len(a):])
	return scale, zp
}
