package native

//go:noescape
func mmla8x8BF16(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func mmla4x8BF16(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func mmla2x8BF16(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)

// rowsNEON computes rows (1 to blockRows) rows of n consecutive full
// panels of C = A·B with BFMMLA (bf16_arm64.s), A [rows, kp] in bf16, B in
// layoutMMLA: per group of 8 columns, pieces of 8, 4 and 2 rows, so that
// no padding row is computed but half of a BFMMLA for an odd last row
// (the instruction multiplies two rows at once). A group's later pieces
// find its 8 columns of B in cache.
func rowsNEON(rows, kp int, a []uint16, panels []uint16, c []float32, ldc, n int) {
	if rows <= 0 || rows > blockRows || n <= 0 {
		return
	}
	if kp == 0 {
		for r := range rows {
			clear(c[r*ldc : r*ldc+n*panelWidth])
		}
		return
	}
	_ = a[rows*kp-1]
	_ = panels[n*kp*panelWidth-1]
	_ = c[(rows-1)*ldc+n*panelWidth-1]
	steps := kp / 8
	for g := range n * panelWidth / 8 { // the groups of 8 columns
		b := &panels[g*kp*8]
		cg := c[g*8:]
		r := 0
		for ; r+8 <= rows; r += 8 {
			mmla8x8BF16(steps, &a[r*kp], kp*2, b, &cg[r*ldc], ldc*4)
		}
		if rows-r >= 4 {
			mmla4x8BF16(steps, &a[r*kp], kp*2, b, &cg[r*ldc], ldc*4)
			r += 4
		}
		if rows-r >= 2 {
			mmla2x8BF16(steps, &a[r*kp], kp*2, b, &cg[r*ldc], ldc*4)
			r += 2
		}
		if r < rows { // the last row, twice: one row of the result kept
			var last [2 * 8]float32
			mmla2x8BF16(steps, &a[r*kp], 0, b, &last[0], 8*4)
			copy(cg[r*ldc:r*ldc+8], last[:8])
		}
	}
}

// blockNEON is the BFMMLA block kernel behind the blockKernel signature.
func blockNEON(kp int, a []uint16, panel []uint16, c []float32, ldc int) {
	rowsNEON(blockRows, kp, a, panel, c, ldc, 1)
}

// blocksNEON computes n consecutive full panels in one call.
func blocksNEON(kp int, a []uint16, panels []uint16, c []float32, ldc, n int) {
	rowsNEON(blockRows, kp, a, panels, c, ldc, n)
}

// bf16Kernels lists the bf16 block kernels this CPU runs, fastest first:
// BFMMLA where the CPU has FEAT_BF16 (hasBF16), then the plain-Go one.
func bf16Kernels() []namedBlockKernel {
	var ks []namedBlockKernel
	if hasNEON && hasBF16 {
		ks = append(ks, namedBlockKernel{"neon", layoutMMLA, blockNEON, blocksNEON, rowsNEON})
	}
	return append(ks, namedBlockKernel{"go", layoutVNNI, blockGo, nil, nil})
}
