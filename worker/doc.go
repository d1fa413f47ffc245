// Command worker is the SPLADE encoder as a Cloudflare Worker: the HTTP
// JSON API of package httpapi (POST /encode, /similarity, /decode; GET
// /healthz; TEI's POST /embed_sparse, /tokenize and GET /info, /health;
// the try-it page at GET /) served by the pure-Go encoder of package
// wasm, compiled to WebAssembly (GOOS=js GOARCH=wasm) and bridged to the
// Workers fetch event by github.com/syumai/workers. It keeps the limits
// of `splade serve` (body size, texts per request, the queue) but no
// Prometheus metrics: github.com/prometheus/client_golang would make
// app.wasm 5 MB larger, and the counters of one isolate say little
// (Cloudflare's own analytics count every isolate).
//
// It is not run directly. The build tool makes a deployable folder:
//
//	go run ./worker/build -model DIR -out OUT
//
// OUT holds app.wasm (this program), worker.mjs (the JavaScript entry
// point), wasm_exec.js (the Go toolchain's js/wasm support, copied at build
// time), model.mjs and model/ (the model files as data modules),
// workerd.capnp (for a local workerd) and wrangler.toml (for deploying):
//
//	npm ci    # installs the pinned workerd from package.json
//	node_modules/.bin/workerd serve OUT/workerd.capnp --socket-addr http=127.0.0.1:8787
//	curl -d '{"texts":["what is splade"]}' 127.0.0.1:8787/encode
//
//	cd OUT && npx wrangler@4 deploy
//
// # One Go instance per isolate
//
// The JavaScript entry point that github.com/syumai/workers generates
// starts a new Go instance for every request, which for a model means
// parsing the weights again on every request. worker.mjs instead starts
// one Go instance the first time an isolate gets a request and sends every
// later request to it: this program parses the model once, registers its
// handler with workers.ServeNonBlock, reports readiness with workers.Ready
// and then waits for requests for the life of the isolate. Each response
// carries headers that show this (X-Splade-Instance: the number of Go
// instances the isolate has started; X-Splade-Model-Loads: how many times
// this instance parsed the model; X-Splade-Requests: the requests it has
// served). GET /healthz adds X-Splade-Go-Memory, the bytes of memory the Go
// program has taken from the WebAssembly instance (most of the isolate's
// memory, which Cloudflare limits to 128 MB).
//
// The model reaches the program as Workers data modules (ArrayBuffers)
// that worker.mjs hands over once, at start, so app.wasm does not depend
// on the model and the Go build is cached across models.
package main
