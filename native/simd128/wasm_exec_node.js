// wasm_exec_node.js [GOROOT] [wasm binary] [arguments]: runs a js/wasm Go
// program under node (as the Go toolchain's lib/wasm/wasm_exec_node.js
// does) with kernel.wasm's exports as globalThis.spladeSIMD128. Started
// by go_js_wasm_exec in this folder.
"use strict";

const [goroot, binary, ...args] = process.argv.slice(2);
if (binary === undefined) {
  console.error("usage: go_js_wasm_exec [wasm binary] [arguments]");
  process.exit(1);
}

globalThis.require = require;
globalThis.fs = require("fs");
globalThis.path = require("path");
globalThis.TextEncoder = require("util").TextEncoder;
globalThis.TextDecoder = require("util").TextDecoder;
globalThis.performance ??= require("perf_hooks").performance;
globalThis.crypto ??= require("crypto");

require(path.join(goroot, "lib", "wasm", "wasm_exec.js"));

const go = new Go();
go.argv = [binary, ...args];
go.env = Object.assign({ TMPDIR: require("os").tmpdir() }, process.env);
go.exit = process.exit;
WebAssembly.instantiate(fs.readFileSync(binary), go.importObject).then(({ instance }) => {
  const kernel = new WebAssembly.Module(fs.readFileSync(path.join(__dirname, "kernel.wasm")));
  globalThis.spladeSIMD128 = new WebAssembly.Instance(kernel, { env: { mem: instance.exports.mem } }).exports;
  process.on("exit", (code) => { // node exits if no event handler is pending
    if (code === 0 && !go.exited) {
      // a deadlock: make Go print the error and stack traces
      go._pendingEvent = { id: 0 };
      go._resume();
    }
  });
  return go.run(instance);
}).catch((err) => {
  console.error(err);
  process.exit(1);
});
