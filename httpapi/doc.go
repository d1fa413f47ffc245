// Package httpapi serves a SPLADE encoder over HTTP: a small JSON API of
// its own and the sparse-embedding endpoints of HuggingFace
// text-embeddings-inference (TEI), so that TEI clients work unchanged.
//
// The same handler backs `splade serve`, where a GoMLX encoder runs on a
// server, and the Cloudflare Worker, where a pure-Go encoder runs as
// WebAssembly; both hand an [Encoder] to [NewHandler] and serve the
// resulting [net/http.Handler]. So that it builds for js/wasm and wasip1,
// the package depends only on the standard library, sparsevec, index
// (for POST /search, [WithSearch]) and package api, which holds the
// request and response types (and a client); the Prometheus metrics come
// in through the [Metrics] interface (package metrics implements it).
// Requests are routed by Go's [net/http.ServeMux] from one table of
// endpoints ([Endpoints] lists them).
//
// # Endpoints
//
//	POST /encode        {"texts":["..."], "kind":"query"|"document", "max_active_dims":k, "prune_type":"max_ratio", "prune_ratio":0.1}
//	                    -> {"model":"...", "dim":30522, "vectors":[{"indices":[...], "values":[...]}]}
//	POST /similarity    {"queries":["..."], "documents":["..."], "fn":"dot"|"cosine"}
//	                    -> {"model":"...", "fn":"dot", "scores":[[...]]}   (rows queries, columns documents)
//	POST /decode        {"texts":["..."], "top_k":k, "kind":"query"|"document"}
//	                    -> {"model":"...", "results":[{"tokens":[{"token":"...", "id":1996, "weight":1.23}]}]}
//	POST /search        {"queries":["..."], "top_k":10} over an inverted index; see [WithSearch]
//	GET  /healthz       -> {"status":"ok", "model":"...", "backend":"...", "dim":30522}
//	GET  /              -> the try-it page for browsers (Accept: text/html), else a plain-text usage note
//
// and TEI's (1.9.3):
//
//	POST /embed_sparse  {"inputs":"..."|["..."], "truncate":false, "truncation_direction":"Right"|"Left", "prompt_name":"query",
//	                     "prune_type":"top_k", "prune_ratio":64, "chunk":true, "chunk_overlap":16}
//	                    -> [[{"index":1996, "value":1.23}, ...], ...]
//	POST /tokenize      {"inputs":"..."|["..."], "add_special_tokens":true}
//	                    -> [[{"id":101, "text":"[CLS]", "special":true}, ...], ...]
//	GET  /info          -> {"model_id":"...", "max_input_length":512, "max_client_batch_size":256, ...}
//	GET  /health        -> 200, empty
//	GET  /metrics       -> Prometheus text format (404 without [Metrics])
//
// "kind" is optional: it selects the query or document side of an
// asymmetric (inference-free) model and may be left out for symmetric
// ones; /embed_sparse encodes as the default kind, as /encode without
// "kind" does, and gives the same vectors. /similarity always encodes
// queries as queries and documents as documents. "max_active_dims" keeps
// only the k largest weights of each vector (0 or absent: all).
// "prune_type" and "prune_ratio" (not TEI's fields; OpenSearch's) prune
// each vector by one of OpenSearch's rules, after max_active_dims: top_k,
// max_ratio, alpha_mass or abs_value (see sparsevec.Prune); a ratio the
// rule refuses is a 400. "top_k"
// defaults to 10; 0 lists every non-zero term. Our own endpoints
// truncate texts longer than the model's maximum length; /embed_sparse,
// as TEI, refuses them with 413 unless "truncate" is true. /tokenize
// gives no character offsets (TEI's optional "start" and "stop"). The
// encoder's tokenizer reaches /tokenize and the 413 check through the
// optional [Tokenizer] interface.
//
// # Errors
//
// Every error is TEI's JSON body {"error":"message", "error_type":"..."}
// with a status code that says whose fault it is: 400 for a malformed
// request (invalid JSON, an unknown field, an empty list of texts — type
// "Empty" —, a negative k, an unknown kind or similarity function), 404
// for an unknown path, 405 (with an Allow header) for a wrong method, 413
// for a body over [Limits.MaxBodyBytes] and, on /embed_sparse, for too
// many inputs or an over-long text, 422 for inputs that are not text, 429
// (type "Overloaded", with Retry-After) when the queue is full, 408 when
// the body has not arrived by the request's deadline, 503 when a request
// runs past [Limits.Timeout], and 500 when the encoder fails; the
// details of an encoder failure go to the server log, not to the client.
//
// # Overload
//
// The handler holds a bounded queue of work counted in texts
// ([Limits.MaxQueueTexts]) and a budget of request-body bytes (the body
// limit times the number of full requests the queue holds). A POST
// declaring a body over the limit is refused unread; the others' bytes
// count against the budget as they arrive, not as declared, and their
// texts once decoded; when either does not fit the request gets 429 at
// once, as does a request past [Limits.MaxConcurrentRequests] (TEI's
// max_concurrent_requests). Memory is thus bounded by the queue, not by
// the number of connections, and a client that sends its body slowly
// holds only the bytes it has sent and its own connection: the request's
// deadline ([Limits.Timeout]) covers reading the body. Admitted requests
// reach an encoder two at a time (each call already uses every core), or
// all at once when it is a [Batcher], which merges them into shared
// forward passes; they leave the queue when their client goes away or
// their deadline passes, before they are encoded.
//
// # Per-request options
//
// With an encoder that takes per-call options ([splade.OptionEncoder], as
// package model's does), /encode and /embed_sparse also take "chunk"
// and "chunk_overlap" (long texts as windows, max-pooled), and
// /embed_sparse TEI's "truncation_direction": "Left" and "prompt_name"
// (a prompt of the model's config_sentence_transformers.json, put before
// each text; /tokenize takes it too). Other encoders refuse them with
// 400, except "Left" for texts that need no truncation.
//
// The handler is safe for concurrent use when the encoder is; the
// encoders of this module are.
package httpapi
