// Package native is the native CPU engine: a BertForMaskedLM /
// DistilBertForMaskedLM forward pass with SPLADE pooling in pure Go and Go
// assembly (no cgo), on micro-kernels chosen at run time from the CPU's
// features (AVX-512, AVX2 + FMA, else plain Go).
//
// The tokens of a batch are packed one sequence after another, without
// padding: the matrix products run over real tokens only, attention runs
// per sequence, and every text gets the same vector alone as in a batch.
// The masked-LM head is fused with the pooling: the [tokens, vocabulary]
// logits are never held, only the pooled [texts, vocabulary] result.
//
// Each kernel family has a file of its own and a plain-Go reference that
// its tests compare it with.
package native
