package native

import "golang.org/x/sys/cpu"

//go:noescape
func int8Block4x16NEON(kq int, a *uint8, lda int, b *int8, acc *int32)

// int8TileNEON is the NEON int8 kernel (int8_arm64.s, SDOT of the
// dot-product extension) behind the int8Kernel signature: the tile as six
// 4 x 16 blocks of int32 sums of (u − 128)·q, to which 128·Σ_k q adds
// back Σ u·q exactly, then int8TileGo's epilogue.
func int8TileNEON(a *quantRows, r0 int, b *packedInt8, p int, c []float32, ldc int) {
	kp, n0 := a.kp, p*panelWidth
	if kp == 0 { // C = bias
		int8TileGo(a, r0, b, p, c, ldc)
		return
	}
	panel := b.panel(p)
	u, as, zp := a.u[r0*kp:(r0+tileRows)*kp], a.scale[r0:r0+tileRows], a.zp[r0:r0+tileRows]
	cs, ws, bias := b.colSum[n0:n0+panelWidth], b.scale[n0:n0+panelWidth], b.bias[n0:n0+panelWidth]
	_ = panel[kp*panelWidth-1]
	var acc [tileRows][panelWidth]int32
	for r := 0; r < tileRows; r += 4 {
		for h := 0; h < panelWidth; h += 16 {
			int8Block4x16NEON(kp/int8Step, &u[r*kp], kp, &panel[h*int8Step], &acc[r][h])
		}
	}
	for r := range tileRows {
		for j, s := range cs {
			acc[r][j] += 128 * s
		}
		dequantize(c[r*ldc:r*ldc+panelWidth], &acc[r], zp[r], as[r], cs, ws, bias)
	}
}

// int8Kernels lists the int8 kernels this CPU runs, fastest first: NEON
// with the dot-product instructions (SDOT), then the plain-Go one.
func int8Kernels() []namedInt8Kernel {
	var ks []namedInt8Kernel
	if hasNEON && cpu.ARM64.HasASIMDDP {
		ks = append(ks, namedInt8Kernel{"neon", int8TileNEON, nil})
	}
	return append(ks, namedInt8Kernel{"go", int8TileGo, nil})
}

// quantizeRow is quantizeRowGo on arm64.
func quantizeRow(u []uint8, a []float32) (scale float32, zp int32) { return quantizeRowGo(u, a) }

// valueRange is valueRangeGo here.
func valueRange(a []float32) (lo, hi float32) { return valueRangeGo(a) }
