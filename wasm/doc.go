// Package wasm is a small, pure-Go SPLADE encoder for WebAssembly edge
// workers (Cloudflare Workers / workerd, browsers, WASI runtimes).
//
// It runs the same models as package model — BERT, DistilBERT and RoBERTa masked-LM
// checkpoints with SPLADE pooling, w_j = pool_t log(1 + relu(z_tj)) (or
// log(1 + log(1 + relu(z))), "log1p_relu"), pool = max or sum — but as a
// plain float32 forward pass over slices: no GoMLX, no cgo, no mmap and no
// net/http, so that a GOOS=js or GOOS=wasip1 binary stays small and starts
// fast. It shares the checkpoint reader, the tokenizers and the
// sparsevec type with the main library, and its tests check it against the
// same PyTorch reference outputs, so the two encoders check each other.
//
// Speed comes from loop shapes rather than SIMD, which Go does not emit for
// wasm: weight rows are applied two at a time to four tokens at a time
// (eight independent accumulators, no bounds checks), the decoder is walked
// row by row over all tokens so each of its V×H weights is read once, and
// vocabulary rows whose logit provably cannot be positive for any token
// are skipped. The skip is exact (up to float32 rounding of the logit): it
// uses Cauchy–Schwarz bounds precomputed at load, and since both
// activations map non-positive logits to 0, a skipped row's weight is 0.
// How much it skips depends on the model: nothing on the random-weight test
// fixtures, whose decoder rows are isotropic.
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
