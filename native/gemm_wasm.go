//go:build js && wasm

package native

import (
	"runtime"
	"syscall/js"
	"unsafe"
)

// fp32Kernels lists the fp32 kernels of a js/wasm program: "simd128",
// WebAssembly SIMD, where the JavaScript host provides it, and the
// portable one.
//
// Go does not emit WebAssembly SIMD instructions, so the SIMD kernels are
// a module of their own (package native/simd128) that the host
// instantiates over this program's memory, and whose exports it sets as
// globalThis.spladeSIMD128 before the program starts (the worker does,
// in worker.mjs). Where that global is absent (a plain go_js_wasm_exec
// run under node), the portable kernel runs. Each call crosses into
// JavaScript (microseconds), so the module takes whole products and the
// whole pooled head (wholeKernel); attention's small products stay on the
// portable tile kernel.
func fp32Kernels() []namedKernel {
	ks := []namedKernel{{"go", tileBlocked, smallBlocked, nil}}
	if w := simd128(); w != nil {
		ks = append([]namedKernel{{"simd128", tileBlocked, nil, w}}, ks...)
	}
	return ks
}

// maxRows is maxRowsGo on WebAssembly.
func maxRows(acc *[panelWidth]float32, c []float32) { maxRowsGo(acc, c) }

// simd128 returns the host's WebAssembly SIMD kernels (kernel.wat in
// package native/simd128), or nil where the host has none.
func simd128() *wholeKernel {
	exports := js.Global().Get("spladeSIMD128")
	if exports.Type() != js.TypeObject {
		return nil
	}
	gemm, maxPool := exports.Get("gemm"), exports.Get("maxPool")
	if gemm.Type() != js.TypeFunction || maxPool.Type() != js.TypeFunction {
		return nil
	}
	return &wholeKernel{
		gemm: func(M int, a []float32, lda int, b packed, p0, p1 int, c []float32, ldc int) {
			n0 := p0 * panelWidth
			N := min(b.n, p1*panelWidth) - n0
			if M <= 0 || N <= 0 {
				return
			}
			// What the kernel reads and writes, sliced here so that a
			// wrong size panics in Go instead of writing past c.
			a = a[:(M-1)*lda+b.k]
			c = c[n0:][:(M-1)*ldc+N]
			bp := b.data[p0*b.k*panelWidth : p1*b.k*panelWidth]
			gemm.Invoke(M, b.k, address(a), lda, address(bp), N, address(c), ldc)
			runtime.KeepAlive(a)
			runtime.KeepAlive(bp)
			runtime.KeepAlive(c)
		},
		maxPool: func(M int, a []float32, lda int, b packed, acc []float32) {
			if M <= 0 {
				return
			}
			a = a[:(M-1)*lda+b.k]
			acc = acc[:panels(b.n)*panelWidth]
			maxPool.Invoke(M, b.k, address(a), lda, address(b.data), panels(b.n), address(acc))
			runtime.KeepAlive(a)
			runtime.KeepAlive(b.data)
			runtime.KeepAlive(acc)
		},
	}
}

// address is the byte offset of s's first element in the program's
// linear memory (Go's garbage collector does not move heap objects).
func address(s []float32) int {
	return int(uintptr(unsafe.Pointer(unsafe.SliceData(s))))
}
