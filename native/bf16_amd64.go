package native

import (
	"sync"

	"golang.org/x/sys/cpu"
)

//go:noescape
func dpbf16Block(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int)

//go:noescape
func amxBlock(steps int, a *uint16, lda int, b *uint16, c *float32, ldc int, cfg *byte, npanels int)

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
		ks = append(ks, namedBlockKernel{"amx", blockAMX, blocksAMX})
	}
	if cpu.X86.HasAVX512BF16 {
		ks = append(ks, namedBlockKernel{"avx512bf16", blockAVX512BF16, nil})
	}
	return append(ks, namedBlockKernel{"go", blockGo, nil})
}
