// Package native is the native CPU engine: a BertForMaskedLM /
// DistilBertForMaskedLM forward pass with SPLADE pooling in pure Go and Go
// assembly (no cgo), on micro-kernels chosen at run time from the CPU's
// features (AVX-512 or AVX2 + FMA on x86-64, NEON on arm64), else on
// portable Go kernels register-blocked for scalar code (WebAssembly, other
// architectures).
//
// The tokens of a batch are packed one sequence after another, without
// padding: the matrix products run over real tokens only, attention runs
// per sequence, and every text gets the same vector alone as in a batch.
// The masked-LM head is fused with the pooling: the [tokens, vocabulary]
// logits are never held, only the pooled [texts, vocabulary] result.
//
// A short query is a matrix-vector product in disguise: it streams every
// weight once for a few rows of activations, so it is bound by memory
// bandwidth, not arithmetic. Its products take small-M paths: the fp32
// kernel computes 16 rows (not two 12-row tiles, the second mostly
// padding) from activations packed once per product; the AMX tiles are
// configured to the query's rows (up to 32), so that no padding row is
// loaded, multiplied or stored; the AVX512-BF16 kernel computes pieces of
// 8, 4, 2 and 1 rows; all prefetch the weight panels ahead of
// the kernel, and the cores split the output columns.
//
// Three precisions (Options.Precision): fp32; bf16 (AMX, or VDPBF16PS
// on AVX512-BF16, or BFMMLA on arm64 with BF16); and int8, dynamic quantization of every linear layer
// and the head (weights per output column at load, activations per token
// at run time, int32 sums; VPDPBUSD on AVX512-VNNI or AVX-VNNI). See
// int8.go for the arithmetic and docs/kernels.md for quality and speed.
//
// Each kernel family has a file of its own and a plain-Go reference that
// its tests compare it with.
package native
