// Package simd128 holds package native's WebAssembly SIMD kernels: a
// small module, written by hand in kernel.wat and compiled to
// kernel.wasm, that computes fp32 and int8 matrix products (whole
// products, and the max-pooled MLM head) over a Go js/wasm program's own
// linear memory.
//
// Go does not emit WebAssembly SIMD instructions, so a GOARCH=wasm build
// of package native runs its portable scalar kernel unless the
// JavaScript host instantiates this module beside the Go program, with
// the program's memory (the Go instance's export "mem") as the import
// env.mem, and sets the module's exports as globalThis.spladeSIMD128
// before the program starts:
//
//	const app = new WebAssembly.Instance(appModule, go.importObject);
//	globalThis.spladeSIMD128 = new WebAssembly.Instance(simd128Module,
//		{ env: { mem: app.exports.mem } }).exports;
//	go.run(app);
//
// The worker (worker.mjs) does so, and so does go_js_wasm_exec in this
// folder, a go_js_wasm_exec for tests under node. Without the global,
// package native runs its portable kernel.
//
// kernel.wasm is generated: after editing kernel.wat, run
//
//	npx wat2wasm native/simd128/kernel.wat -o native/simd128/kernel.wasm
//
// at the repository root (wabt from package.json); TestModule checks that
// the two agree.
package simd128

import (
	"bytes"
	_ "embed"
)

//go:embed kernel.wasm
var module []byte

// Module returns the compiled module (kernel.wasm).
func Module() []byte { return bytes.Clone(module) }
