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

// int8Kernels lists the int8 kernels of a js/wasm program: "simd128"
// where the host provides it (see fp32Kernels), and the plain-Go one.
func int8Kernels() []namedInt8Kernel {
	ks := []namedInt8Kernel{{"go", int8TileGo, nil}}
	if w := simd128Int8(); w != nil {
		ks = append([]namedInt8Kernel{{"simd128", int8TileGo, w}}, ks...)
	}
	return ks
}

// maxRows is maxRowsGo on WebAssembly.
func maxRows(acc *[panelWidth]float32, c []float32) { maxRowsGo(acc, c) }

// quantizeRow is quantizeRowGo on WebAssembly.
func quantizeRow(u []uint8, a []float32) (scale float32, zp int32) { return quantizeRowGo(u, a) }

// valueRange is valueRangeGo in WebAssembly.
func valueRange(a []float32) (lo, hi float32) { return valueRangeGo(a) }

// simd128Exports returns the host's kernel module's functions by name,
// or nil where the host has none or lacks one of them.
func simd128Exports(names ...string) []js.Value {
	exports := js.Global().Get("spladeSIMD128")
	if exports.Type() != js.TypeObject {
		return nil
	}
	fns := make([]js.Value, len(names))
	for i, name := range names {
		if fns[i] = exports.Get(name); fns[i].Type() != js.TypeFunction {
			return nil
		}
	}
	return fns
}

// simd128Int8 returns the host's WebAssembly SIMD int8 kernels (int8Gemm,
// int8MaxPool in kernel.wat), or nil where the host has none.
func simd128Int8() *wholeInt8Kernel {
	fns := simd128Exports("int8Gemm", "int8MaxPool")
	if fns == nil {
		return nil
	}
	gemm, maxPool := fns[0], fns[1]
	return &wholeInt8Kernel{
		gemm: func(M int, q *quantRows, r0 int, b *packedInt8, p0, p1 int, c []float32, ldc int) {
			n0 := p0 * panelWidth
			N := min(b.n, p1*panelWidth) - n0
			if M <= 0 || N <= 0 {
				return
			}
			kp := b.kp
			u, as, zp := q.u[r0*kp:(r0+M)*kp], q.scale[r0:r0+M], q.zp[r0:r0+M]
			c = c[n0:][:(M-1)*ldc+N]
			bp := b.data[p0*kp*panelWidth : p1*kp*panelWidth]
			cs, ws, bias := b.colSum[n0:p1*panelWidth], b.scale[n0:p1*panelWidth], b.bias[n0:p1*panelWidth]
			gemm.Invoke(M, kp, address(u), address(as), address(zp), address(bp),
				address(cs), address(ws), address(bias), N, address(c), ldc)
			runtime.KeepAlive(q)
			runtime.KeepAlive(b)
			runtime.KeepAlive(c)
		},
		maxPool: func(M int, q *quantRows, b *packedInt8, acc []float32) {
			if M <= 0 {
				return
			}
			kp, np := b.kp, panels(b.n)
			u, as, zp := q.u[:M*kp], q.scale[:M], q.zp[:M]
			acc = acc[:np*panelWidth]
			maxPool.Invoke(M, kp, address(u), address(as), address(zp), address(b.data),
				address(b.colSum), address(b.scale), address(b.bias), np, address(acc))
			runtime.KeepAlive(q)
			runtime.KeepAlive(b)
			runtime.KeepAlive(acc)
		},
	}
}

// simd128 returns the host's WebAssembly SIMD kernels (kernel.wat in
// package native/simd128), or nil where the host has none.
func simd128() *wholeKernel {
	fns := simd128Exports("gemm", "maxPool")
	if fns == nil {
		return nil
	}
	gemm, maxPool := fns[0], fns[1]
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
func address[T uint8 | int32 | float32 | int8](s []T) int {
	return int(uintptr(unsafe.Pointer(unsafe.SliceData(s))))
}
