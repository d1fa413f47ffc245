// Package httpapi serves a SPLADE encoder over HTTP as a small JSON API.
//
// The same handler backs `splade serve`, where a GoMLX encoder runs on a
// server, and the Cloudflare Worker, where a pure-Go encoder runs as
// WebAssembly; both hand an [Encoder] to [NewHandler] and serve the
// resulting [net/http.Handler]. So that it builds for js/wasm and wasip1,
// the package depends only on the standard library, sparsevec and index
// (for POST /search, [WithSearch]).
//
// # Endpoints
//
//	POST /encode      {"texts":["..."], "kind":"query"|"document", "max_active_dims":k}
//	                  -> {"model":"...", "dim":30522, "vectors":[{"indices":[...], "values":[...]}]}
//	POST /similarity  {"queries":["..."], "documents":["..."], "fn":"dot"|"cosine"}
//	                  -> {"model":"...", "fn":"dot", "scores":[[...]]}   (rows queries, columns documents)
//	POST /decode      {"texts":["..."], "top_k":k, "kind":"query"|"document"}
//	                  -> {"model":"...", "results":[{"tokens":[{"token":"...", "id":1996, "weight":1.23}]}]}
//	POST /search      {"queries":["..."], "top_k":10} over an inverted index; see [WithSearch]
//	GET  /healthz     -> {"status":"ok", "model":"...", "backend":"...", "dim":30522}
//	GET  /            -> a short plain-text usage note
//
// "kind" is optional: it selects the query or document side of an
// asymmetric (inference-free) model and may be left out for symmetric
// ones. /similarity always encodes queries as queries and documents as
// documents. "max_active_dims" keeps only the k largest weights of each
// vector (0 or absent: all). "top_k" defaults to 10; 0 lists every
// non-zero term. Texts longer than the model's maximum length are
// truncated by the encoder, not refused.
//
// # Errors
//
// Every error is a JSON object {"error":"message"} with a status code
// that says whose fault it is: 400 for a malformed request (invalid JSON,
// an unknown field, an empty or too long list of texts, a negative k, an
// unknown kind or similarity function), 404 for an unknown path, 405 (with
// an Allow header) for a wrong method, 413 for a body over
// [Limits.MaxBodyBytes], 503 when a request runs past [Limits.Timeout],
// and 500 when the encoder fails; the details of an encoder failure go to
// the server log, not to the client.
//
// The handler keeps no mutable state, so it serves concurrent requests as
// safely as the encoder does; the encoders of this module are safe for
// concurrent use.
package httpapi
