package native

import (
	"sync"

	"golang.org/x/sys/cpu"
)

//go:noescape
func dpbf16Block(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func amxBlock(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int, cfg *byte, npanels int)

//go:noescape
func amxRows(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int, cfg *byte, npanels int)

// amxConfig is the tile configuration amxBlock loads: palette 1, tiles
// tmm0-7 of 16 rows by 64 bytes.
var amxConfig = func() *[64]byte {
	var c [64]byte
	c[0] = 1
	for t := range 8 {
		c[16+2*t] = 64 // bytes per row
		c[48+t] = 16   // rows
	}
	return &c
}()

// amxRowsConfig[r] is the tile configuration for r rows of A and C (1 to
// blockRows): tmm6-7 (B) of 16 rows; for r at most 16, tmm0-1 (C) and
// tmm4 (A) of r rows, for amxRows; else tmm0-1 and tmm4 of 16 rows and
// tmm2-3 (C) and tmm5 (A) of r-16, for amxBlock. No padding row is loaded,
// multiplied or stored.
var amxRowsConfig = func() (cs [blockRows + 1]*[64]byte) {
	for r := 1; r <= blockRows; r++ {
		var c [64]byte
		c[0] = 1
		lo, hi := byte(min(r, 16)), byte(max(r-16, 0))
		rows := [8]byte{lo, lo, hi, hi, lo, hi, 16, 16}
		for t, n := range rows {
			if n > 0 { // an unused tile has 0 rows and 0 bytes per row
				c[16+2*t], c[48+t] = 64, n
			}
		}
		cs[r] = &c
	}
	return cs
}()

// rowsAMX computes rows (1 to blockRows) rows of n consecutive full
// panels of C = A·B in one call: A [rows, kp] in bf16, no padding rows.
func rowsAMX(rows, kp int, a []uint16, panels []uint16, c []float32, ldc, n int) {
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
	if rows <= 16 {
		amxRows(kp/bf16Step, &a[0], kp*2, &panels[0], &c[0], ldc*4, &amxRowsConfig[rows][0], n)
		return
	}
	amxBlock(kp/bf16Step, &a[0], kp*2, &panels[0], &c[0], ldc*4, &amxRowsConfig[rows][0], n)
}

// amxUsable reports whether the CPU has AMX-BF16 and the kernel lets
// this process use the tile registers (asked once; see amxPermit).
var amxUsable = sync.OnceValue(func() bool {
	return cpu.X86.HasAMXTile && cpu.X86.HasAMXBF16 && amxPermit()
})

// blockAMX is the AMX block kernel behind the blockKernel signature.
func blockAMX(kp int, a []uint16, panel []uint16, c []float32, ldc int) {
	if kp == 0 {
		clearBlock(c, ldc)
		return
	}
	_ = a[blockRows*kp-1]
	_ = panel[kp*panelWidth-1]
	_ = c[(blockRows-1)*ldc+panelWidth-1]
	amxBlock(kp/bf16Step, &a[0], kp*2, &panel[0], &c[0], ldc*4, &amxConfig[0], 1)
}

// blocksAMX computes n consecutive full panels (see blockKernels) in one
// call, loading the tile configuration once.
func blocksAMX(kp int, a []uint16, panels []uint16, c []float32, ldc, n int) {
	if kp == 0 || n == 0 {
		for range n {
			blockAMX(kp, a, panels, c, ldc)
			c = c[min(panelWidth, len(c)):]
		}
		return
	}
	_ = a[blockRows*kp-1]
	_ = panels[n*kp*panelWidth-1]
	_ = c[(blockRows-1)*ldc+n*panelWidth-1]
	amxBlock(kp/bf16Step, &a[0], kp*2, &panels[0], &c[0], ldc*4, &amxConfig[0], n)
}

// blockAVX512BF16 computes a block as four 8-row pieces with VDPBF16PS.
func blockAVX512BF16(kp int, a []uint16, panel []uint16, c []float32, ldc int) {
	if kp == 0 {
		clearBlock(c, ldc)
		return
	}
	_ = a[blockRows*kp-1]
	_ = panel[kp*panelWidth-1]
	_ = c[(blockRows-1)*ldc+panelWidth-1]
	for r := 0; r < blockRows; r += 8 {
		dpbf16Block(kp/bf16Step, &a[r*kp], kp*2, &panel[0], &c[r*ldc], ldc*4)
	}
}

// bf16Kernels lists the bf16 block kernels this CPU runs, fastest first;
// the plain-Go one is always last.
func bf16Kernels() []namedBlockKernel {
	var ks []namedBlockKernel
	if amxUsable() {
		ks = append(ks, namedBlockKernel{"amx", layoutVNNI, blockAMX, blocksAMX, rowsAMX})
	}
	if cpu.X86.HasAVX512BF16 {
		ks = append(ks, namedBlockKernel{"avx512bf16", layoutVNNI, blockAVX512BF16, nil, rowsAVX512BF16})
	}
	return append(ks, namedBlockKernel{"go", layoutVNNI, blockGo, nil, nil})
}

//go:noescape
func dpbf16Rows8(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func dpbf16Rows4(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func dpbf16Rows2(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func dpbf16Rows1(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)

// rowsAVX512BF16 computes rows (1 to blockRows) rows of n consecutive
// full panels of C = A·B on AVX512-BF16, A [rows, kp] in bf16: pieces of
// 8, 4, 2 and 1 rows (bf16rows_amd64.s), so that no padding row is
// computed, panel by panel (a panel's later pieces find it in cache).
func rowsAVX512BF16(rows, kp int, a []uint16, panels []uint16, c []float32, ldc, n int) {
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
	steps := kp / bf16Step
	for i := range n {
		b := &panels[i*kp*panelWidth]
		r := 0
		for ; r+8 <= rows; r += 8 {
			dpbf16Rows8(steps, &a[r*kp], kp*2, b, &c[r*ldc+i*panelWidth], ldc*4)
		}
		if rows-r >= 4 {
			dpbf16Rows4(steps, &a[r*kp], kp*2, b, &c[r*ldc+i*panelWidth], ldc*4)
			r += 4
		}
		if rows-r >= 2 {
			dpbf16Rows2(steps, &a[r*kp], kp*2, b, &c[r*ldc+i*panelWidth], ldc*4)
			r += 2
		}
		if rows-r >= 1 {
			dpbf16Rows1(steps, &a[r*kp], kp*2, b, &c[r*ldc+i*panelWidth], ldc*4)
		}
	}
}
