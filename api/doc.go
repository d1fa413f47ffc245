// Package api holds the request and response types of the HTTP API that
// `splade serve` and the Cloudflare Worker serve (package httpapi), and a
// [Client] for it, as one set of wire types for server, worker, client
// and tests.
//
// The API has endpoints of its own (POST /encode, /similarity, /decode,
// /search; GET /healthz) and those of Hugging Face
// text-embeddings-inference (POST /embed_sparse, /tokenize; GET /info),
// so the client also talks to TEI for those. Every error answer is an
// [Error] with TEI's body {"error", "error_type"}; the client returns it
// for any answer that is not 2xx, so that errors.As finds the status
// code and, for 429, the seconds to wait.
//
// The package depends on the standard library and the module's sparsevec
// and index types only, and builds for WebAssembly.
package api
