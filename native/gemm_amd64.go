package native

import (
	"golang.org/x/sys/cpu"
)

//go:noescape
func tileAVX512(k int, a *float32, lda int, b *float32, c *float32, ldc int)

//go:noescape
func maxRowsAVX512(acc *float32, c *float32, rows int)

// maxRows is maxRowsGo, on AVX-512 where the CPU has it.
func maxRows(acc *[panelWidth]float32, c []float32) {
	if !hasAVX512 {
		maxRowsGo(acc, c)
		return
	}
	if rows := len(c) / panelWidth; rows > 0 {
		maxRowsAVX512(&acc[0], &c[0], rows)
	}
}

var hasAVX512 = cpu.X86.HasAVX512F

//go:noescape
func halfAVX512(k int, a *float32, b *float32, c *float32, ldc int)

// smallAVX512 is the AVX-512 small-M kernel (see smallKernel): two
// halves of 16 columns.
func smallAVX512(k int, a []float32, panel []float32, c []float32, ldc int) {
	if k == 0 {
		for r := range smallRows {
			clear(c[r*ldc : r*ldc+panelWidth])
		}
		return
	}
	_ = a[k*smallRows-1]
	_ = panel[k*panelWidth-1]
	_ = c[(smallRows-1)*ldc+panelWidth-1]
	halfAVX512(k, &a[0], &panel[0], &c[0], ldc)
	halfAVX512(k, &a[0], &panel[16], &c[16], ldc)
}

//go:noescape
func quarterAVX2(k int, a *float32, lda int, b *float32, c *float32, ldc int)

// tileAVX512Go is the AVX-512 micro-kernel (gemm_amd64.s) behind the
// tileKernel signature. The drivers guarantee the slices' sizes; the
// checks keep a wrong call from reading or writing out of bounds.
func tileAVX512Go(k int, a []float32, lda int, panel []float32, c []float32, ldc int) {
	if k == 0 {
		clearTile(c, ldc)
		return
	}
	_ = a[(tileRows-1)*lda+k-1]
	_ = panel[k*panelWidth-1]
	_ = c[(tileRows-1)*ldc+panelWidth-1]
	tileAVX512(k, &a[0], lda, &panel[0], &c[0], ldc)
}

// tileAVX2Go computes a tile as 4 x 16 pieces (16 ymm registers hold no
// more).
func tileAVX2Go(k int, a []float32, lda int, panel []float32, c []float32, ldc int) {
	if k == 0 {
		clearTile(c, ldc)
		return
	}
	_ = a[(tileRows-1)*lda+k-1]
	_ = panel[k*panelWidth-1]
	_ = c[(tileRows-1)*ldc+panelWidth-1]
	for r := 0; r < tileRows; r += 4 {
		quarterAVX2(k, &a[r*lda], lda, &panel[0], &c[r*ldc], ldc)
		quarterAVX2(k, &a[r*lda], lda, &panel[16], &c[r*ldc+16], ldc)
	}
}

// fp32Kernels lists the fp32 micro-kernels this CPU runs, fastest first;
// the plain-Go one is always last.
func fp32Kernels() []namedKernel {
	var ks []namedKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, namedKernel{"avx512", tileAVX512Go, smallAVX512, nil})
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, namedKernel{"avx2", tileAVX2Go, nil, nil})
	}
	return append(ks, namedKernel{"go", tileBlocked, smallBlocked, nil})
}
