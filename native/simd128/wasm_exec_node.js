// wasm_exec_node.js GOROOT BINARY [ARGUMENTS]: runs a js/wasm Go program
// under node with the Go toolchain's own runner
// (GOROOT/lib/wasm/wasm_exec_node.js), after kernel.wasm is instantiated
// over the program's memory and set as globalThis.spladeSIMD128, as the
// worker's worker.mjs does. Started by go_js_wasm_exec in this folder.
"use strict";

const fs = require("fs");
const path = require("path");

const [goroot, ...rest] = process.argv.slice(2);
if (goroot === undefined || rest.length === 0) {
  console.error("usage: wasm_exec_node.js GOROOT BINARY [ARGUMENTS]");
  process.exit(1);
}
const kernel = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, "kernel.wasm")));

// The runner instantiates the Go program with WebAssembly.instantiate;
// the first instance that exports a memory is the program.
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = async function (...args) {
  const result = await instantiate.apply(this, args);
  const mem = result.instance?.exports.mem;
  if (mem instanceof WebAssembly.Memory && globalThis.spladeSIMD128 === undefined) {
    globalThis.spladeSIMD128 = new WebAssembly.Instance(kernel, { env: { mem } }).exports;
  }
  return result;
};

const runner = path.join(goroot, "lib", "wasm", "wasm_exec_node.js");
process.argv = [process.argv[0], runner, ...rest];
require(runner);
