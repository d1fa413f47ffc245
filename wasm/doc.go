// Package wasm is a small, pure-Go SPLADE encoder for WebAssembly edge
// workers (Cloudflare Workers / workerd, browsers, WASI runtimes).
//
// It runs the same models as package model — every family package arch
// describes, with SPLADE pooling, w_j = pool_t log(1 + relu(z_tj)) (or
// log(1 + log(1 + relu(z))), "log1p_relu"), pool = max or sum — through
// package native's portable pure-Go kernel: no GoMLX, no cgo, no mmap, no
// assembly and no net/http, so that a GOOS=js or GOOS=wasip1 binary stays
// small and starts fast. Where the JavaScript host provides package
// native/simd128's WebAssembly SIMD kernels (the worker does), the fp32
// matrix products and the pooled head run on those instead. There is one hand-written forward pass in the
// project (package native); this package adds what an edge worker needs
// around it: loading a model folder from an fs.FS, one text at a time.
//
// Texts of a batch are encoded one at a time without padding, so padding
// never reaches attention or pooling and a text gets the same vector alone
// and in a batch. An Encoder is safe for concurrent use.
//
// Model folders are read through package layout, as package model reads
// them, so a folder means the same to both encoders: a HuggingFace
// masked-LM folder; a sentence-transformers SparseEncoder folder
// (MLMTransformer + SpladePooling, whose configs give the pooling, the
// activation and max_seq_length); its Router, whose query route may be an
// inference-free SparseStaticEmbedding and whose default_route encodes
// texts of no stated kind; a masked-LM folder with idf.json beside it
// (OpenSearch's inference-free layout); or a tokenizer with idf.json.
// LoadOptions override what the folder says.
//
// Inference-free models (sentence-transformers SparseStaticEmbedding, as in
// OpenSearch's inference-free sparse models) encode queries by table
// lookup (layout.Static.Encode, shared with package model): the text is
// tokenized without [CLS]/[SEP] and each distinct token gets its weight;
// tokens weighted 0 are dropped. A folder with only a tokenizer and
// idf.json encodes queries only; asking it for documents is an error.
package wasm
