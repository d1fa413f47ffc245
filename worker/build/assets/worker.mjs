// worker.mjs: the JavaScript entry point of the SPLADE worker, copied into
// the output folder by `go run ./worker/build`.
//
// It starts ONE Go instance (app.wasm) per isolate, on the isolate's first
// request, and sends every request to it. The Go program parses the model
// once, registers its handler on `binding` through
// github.com/syumai/workers (ServeNonBlock), calls the `workers.ready`
// import (Ready) and then waits for requests. Starting the instance lazily,
// inside a request, matters: the Workers runtime forbids generating random
// numbers at global scope, and the Go runtime does so as it starts.

import "./wasm_exec.js"; // the Go toolchain's js/wasm support; defines globalThis.Go
import app from "./app.wasm"; // a WebAssembly.Module, compiled when the worker is deployed
import simd128 from "./simd128.wasm"; // package native's WebAssembly SIMD kernels (native/simd128)
import { files, config } from "./model.mjs"; // the model folder as data modules

let instances = 0; // Go instances started in this isolate
let go; // the running Go instance
let binding; // the handlers it registered

// start runs a new Go instance up to the point where it serves requests.
function start() {
  instances++;
  const b = {};
  // github.com/syumai/workers reads globalThis.context as its packages
  // initialise; the Go program reads instance, files and config from it.
  globalThis.context = { binding: b, instance: instances, files, config };
  const g = new Go();
  let ready = false;
  const instance = new WebAssembly.Instance(app, {
    ...g.importObject,
    workers: {
      ready: () => {
        ready = true;
      },
    },
  });
  // The SIMD kernels work on the Go program's own memory; package native
  // finds them as globalThis.spladeSIMD128 as it loads the model (without
  // them it runs its portable scalar kernel, with the same results).
  try {
    globalThis.spladeSIMD128 = new WebAssembly.Instance(simd128, {
      env: { mem: instance.exports.mem },
    }).exports;
  } catch (e) {
    delete globalThis.spladeSIMD128;
    console.warn(`worker: no SIMD kernels, the portable ones run: ${e}`);
  }
  // run executes main synchronously until it blocks waiting for requests
  // (the returned promise settles only if the program exits).
  g.run(instance);
  if (!ready) {
    throw new Error("the Go program exited before it was ready; see the log");
  }
  go = g;
  binding = b;
}

function errorResponse(status, message) {
  return new Response(JSON.stringify({ error: `worker: ${message}` }) + "\n", {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

export default {
  async fetch(request) {
    try {
      // A Go program that exited (a crash) is replaced by a new instance.
      if (go === undefined || go.exited) {
        start();
      }
      return await binding.handleRequest(request);
    } catch (e) {
      return errorResponse(500, String(e && e.message ? e.message : e));
    }
  },
};
