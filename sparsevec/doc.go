// Package sparsevec holds the sparse vectors that a SPLADE encoder produces
// and the few operations that retrieval needs on them: dot product and
// cosine similarity, similarity matrices, sparsity statistics, the heaviest
// dimensions of a vector, the max_active_dims pruning of
// sentence-transformers' SparseEncoder, and the four pruning rules of
// OpenSearch's neural-search plugin ([Prune]: top_k, max_ratio, alpha_mass,
// abs_value), which OpenSearch applies to vectors at ingestion and query
// time.
//
// A [Vector] stores only its non-zero dimensions, as two parallel slices
// whose indices are strictly ascending. Keeping the indices sorted lets
// [Dot] merge two vectors in one pass without allocating, which is what a
// search engine does millions of times per query. SPLADE vectors over the
// 30522-token BERT vocabulary typically have a few dozen to a few hundred
// non-zeros, so the sparse form is 100 to 1000 times smaller than the dense
// one.
//
// The statistics follow sentence-transformers exactly: [SparsityOf] reports
// the mean number of non-zeros per vector (active_dims) and
// 1 - active_dims/dim (sparsity_ratio), as SparseEncoder.sparsity does, and
// [Vector.KeepTop] keeps the k largest values, as the max_active_dims option
// does. [Vector.Prune] follows OpenSearch's rules to the float32
// comparison, and [ParsePrune] refuses the ratios OpenSearch refuses.
//
// The package uses only the standard library and builds for every target
// Go supports, js/wasm and wasip1 included.
package sparsevec
