package native

import "golang.org/x/sys/cpu"

// hasNEON reports the ASIMD fp32 instructions the NEON kernels use (every
// arm64 CPU Go runs on has them; the check keeps the choice honest).
var hasNEON = cpu.ARM64.HasASIMD && cpu.ARM64.HasFP

//go:noescape
func tile6x16NEON(k int, a *float32, lda int, b *float32, c *float32, ldc int)

// tileNEON is the NEON micro-kernel (gemm_arm64.s) behind the tileKernel
// signature: the 12 x 32 tile as four 6 x 16 blocks. The drivers
// guarantee the slices' sizes; the checks keep a wrong call from reading
// or writing out of bounds.
func tileNEON(k int, a []float32, lda int, panel []float32, c []float32, ldc int) {
	if k == 0 {
		clearTile(c, ldc)
		return
	}
	_ = a[(tileRows-1)*lda+k-1]
	_ = panel[k*panelWidth-1]
	_ = c[(tileRows-1)*ldc+panelWidth-1]
	for r := 0; r < tileRows; r += 6 {
		tile6x16NEON(k, &a[r*lda], lda, &panel[0], &c[r*ldc], ldc)
		tile6x16NEON(k, &a[r*lda], lda, &panel[16], &c[r*ldc+16], ldc)
	}
}

//go:noescape
func small4x16NEON(k int, a *float32, b *float32, c *float32, ldc int)

// smallNEON is the NEON small-M kernel (see smallKernel): the 16 x 32
// block as eight 4 x 16 blocks.
func smallNEON(k int, a []float32, panel []float32, c []float32, ldc int) {
	if k == 0 {
		for r := range smallRows {
			clear(c[r*ldc : r*ldc+panelWidth])
		}
		return
	}
	_ = a[k*smallRows-1]
	_ = panel[k*panelWidth-1]
	_ = c[(smallRows-1)*ldc+panelWidth-1]
	for r := 0; r < smallRows; r += 4 {
		small4x16NEON(k, &a[r], &panel[0], &c[r*ldc], ldc)
		small4x16NEON(k, &a[r], &panel[16], &c[r*ldc+16], ldc)
	}
}

// fp32Kernels lists the fp32 micro-kernels this CPU runs, fastest first:
// NEON, then the portable one.
func fp32Kernels() []namedKernel {
	var ks []namedKernel
	if hasNEON {
		ks = append(ks, namedKernel{"neon", tileNEON, smallNEON, nil})
	}
	return append(ks, namedKernel{"go", tileBlocked, smallBlocked, nil})
}
