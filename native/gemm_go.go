package native

// The portable fp32 micro-kernels: plain Go, no assembly, for every
// GOARCH (the "go" kernel: arm64 without NEON's kernels, WebAssembly,
// and any CPU without SIMD kernels here).
//
// Go compiles float32 arithmetic to scalar instructions and keeps values
// in at most 15 (amd64) to 32 (arm64) registers, with no loop-invariant
// code motion of bounds checks. So the kernels compute their tile in
// blocks of 4 rows by 2 columns: 8 accumulators, 4 values of A and 2 of
// the panel live per k step (8 multiply-adds for 6 loads), small enough
// that the accumulators stay in registers on every target. The k loop
// walks A by index and the panel by reslicing, so that the compiler
// proves every access in bounds (no check in the loop; see
// go build -gcflags=-d=ssa/check_bce/debug=1).
//
// tileGo (gemm.go) and gemmRef are the plain versions they are tested
// against.

// tileBlocked is tileGo (see tileKernel) in 4 x 2 register blocks.
func tileBlocked(k int, a []float32, lda int, panel []float32, c []float32, ldc int) {
	rowsBlocked(tileRows, k, a, lda, panel, c, ldc)
}

// rowsBlocked is tileBlocked for a tile of R rows, R even: a short
// query's rows in one block, padded to an even count, not to whole tiles
// (18 tokens: 18 rows, not 24). Rows past the last multiple of 4 take
// 2 x 4 register blocks.
func rowsBlocked(R, k int, a []float32, lda int, panel []float32, c []float32, ldc int) {
	if k == 0 {
		for r := range R {
			clear(c[r*ldc : r*ldc+panelWidth])
		}
		return
	}
	panel = panel[:k*panelWidth]
	for r := 0; r+4 <= R; r += 4 {
		a0 := a[r*lda : r*lda+k]
		a1 := a[(r+1)*lda : (r+1)*lda+k]
		a2 := a[(r+2)*lda : (r+2)*lda+k]
		a3 := a[(r+3)*lda : (r+3)*lda+k]
		c0 := c[r*ldc : r*ldc+panelWidth]
		c1 := c[(r+1)*ldc : (r+1)*ldc+panelWidth]
		c2 := c[(r+2)*ldc : (r+2)*ldc+panelWidth]
		c3 := c[(r+3)*ldc : (r+3)*ldc+panelWidth]
		for j := 0; j+2 <= panelWidth; j += 2 {
			s := block4x2(a0, a1, a2, a3, panel[j:])
			c0[j], c0[j+1] = s[0], s[1]
			c1[j], c1[j+1] = s[2], s[3]
			c2[j], c2[j+1] = s[4], s[5]
			c3[j], c3[j+1] = s[6], s[7]
		}
	}
	if r := R / 4 * 4; r+2 <= R {
		a0 := a[r*lda : r*lda+k]
		a1 := a[(r+1)*lda : (r+1)*lda+k]
		c0 := c[r*ldc : r*ldc+panelWidth]
		c1 := c[(r+1)*ldc : (r+1)*ldc+panelWidth]
		for j := 0; j+4 <= panelWidth; j += 4 {
			s := block2x4(a0, a1, panel[j:])
			c0[j], c0[j+1], c0[j+2], c0[j+3] = s[0], s[1], s[2], s[3]
			c1[j], c1[j+1], c1[j+2], c1[j+3] = s[4], s[5], s[6], s[7]
		}
	}
}

// block2x4 is block4x2 for the two rows a0, a1 and the columns j = 0…3
// of b: s[4i+j].
func block2x4(a0, a1 []float32, b []float32) (s [8]float32) {
	a1 = a1[:len(a0)]
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	for k, x0 := range a0 {
		if len(b) < 4 {
			break
		}
		x1 := a1[k]
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		b = b[min(panelWidth, len(b)):]
		c00 += x0 * b0
		c01 += x0 * b1
		c02 += x0 * b2
		c03 += x0 * b3
		c10 += x1 * b0
		c11 += x1 * b1
		c12 += x1 * b2
		c13 += x1 * b3
	}
	return [8]float32{c00, c01, c02, c03, c10, c11, c12, c13}
}

// block4x2 returns s[2i+j] = Σ_k ai[k] · b[k*panelWidth + j] for the four
// rows a0…a3 (of one length) and the columns j = 0, 1 of b, a panel from
// the block's first column on.
func block4x2(a0, a1, a2, a3 []float32, b []float32) (s [8]float32) {
	a1, a2, a3 = a1[:len(a0)], a2[:len(a0)], a3[:len(a0)]
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	for k, x0 := range a0 {
		if len(b) < 2 {
			break
		}
		x1, x2, x3 := a1[k], a2[k], a3[k]
		b0, b1 := b[0], b[1]
		b = b[min(panelWidth, len(b)):]
		c00 += x0 * b0
		c01 += x0 * b1
		c10 += x1 * b0
		c11 += x1 * b1
		c20 += x2 * b0
		c21 += x2 * b1
		c30 += x3 * b0
		c31 += x3 * b1
	}
	return [8]float32{c00, c01, c10, c11, c20, c21, c30, c31}
}

// smallGo is the plain small-M kernel (see smallKernel): the reference of
// the fast ones.
func smallGo(k int, a []float32, panel []float32, c []float32, ldc int) {
	var acc [smallRows][panelWidth]float32
	a, panel = a[:k*smallRows], panel[:k*panelWidth]
	for kk := range k {
		b := (*[panelWidth]float32)(panel[kk*panelWidth:])
		for r := range smallRows {
			av := a[kk*smallRows+r]
			row := &acc[r]
			for j := range panelWidth {
				row[j] += av * b[j]
			}
		}
	}
	for r := range smallRows {
		copy(c[r*ldc:r*ldc+panelWidth], acc[r][:])
	}
}

// smallBlocked is smallGo in 4 x 2 register blocks: the small-M kernel of
// the portable path (a 16-token query computes 16 rows per panel, not
// two 12-row tiles).
func smallBlocked(k int, a []float32, panel []float32, c []float32, ldc int) {
	if k == 0 {
		for r := range smallRows {
			clear(c[r*ldc : r*ldc+panelWidth])
		}
		return
	}
	a, panel = a[:k*smallRows], panel[:k*panelWidth]
	_ = c[(smallRows-1)*ldc+panelWidth-1]
	for r := 0; r+4 <= smallRows; r += 4 {
		for j := 0; j+2 <= panelWidth; j += 2 {
			s := smallBlock4x2(a[r:], panel[j:])
			for i := range 4 {
				row := c[(r+i)*ldc+j : (r+i)*ldc+j+2]
				row[0], row[1] = s[2*i], s[2*i+1]
			}
		}
	}
}

// smallBlock4x2 is block4x2 for A packed k-major (packRows): a holds the
// four rows' values at k at a[k*smallRows:][:4].
func smallBlock4x2(a []float32, b []float32) (s [8]float32) {
	var c00, c01, c10, c11, c20, c21, c30, c31 float32
	for len(a) >= 4 && len(b) >= 2 {
		x0, x1, x2, x3 := a[0], a[1], a[2], a[3]
		b0, b1 := b[0], b[1]
		a = a[min(smallRows, len(a)):]
		b = b[min(panelWidth, len(b)):]
		c00 += x0 * b0
		c01 += x0 * b1
		c10 += x1 * b0
		c11 += x1 * b1
		c20 += x2 * b0
		c21 += x2 * b1
		c30 += x3 * b0
		c31 += x3 * b1
	}
	return [8]float32{c00, c01, c10, c11, c20, c21, c30, c31}
}
