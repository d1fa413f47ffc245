// Package model is the SPLADE encoder: a BertForMaskedLM,
// DistilBertForMaskedLM or RobertaForMaskedLM, run by the native CPU
// engine (package native) or rebuilt as a GoMLX graph, with SPLADE pooling
// on top of the masked-LM logits,
//
//	w_j = max over tokens t of log(1 + ReLU(z_tj))
//
// (or a sum over tokens, or the log1p_relu activation of OpenSearch v3
// models). It is the Go counterpart of sentence-transformers'
// SparseEncoder: Load a model from a local folder or a HuggingFace hub id,
// Encode texts into sparse vectors (package sparsevec), score them with
// Similarity, inspect them with Decode and Sparsity.
//
// Weights come straight from the files a hub repository holds
// (model.safetensors or pytorch_model.bin; package checkpoint), texts are
// tokenized exactly as HuggingFace's tokenizers do (package tokenizer:
// WordPiece for BERT, byte-level BPE for RoBERTa).
//
// # Folder layouts
//
// Load reads a model folder through package layout, which package wasm
// shares, so a folder means the same to both encoders. It understands a
// HuggingFace BertForMaskedLM, DistilBertForMaskedLM or RobertaForMaskedLM folder; a
// sentence-transformers SparseEncoder folder (modules.json with
// MLMTransformer + SpladePooling), whose SpladePooling config gives the
// pooling and activation and whose sentence_bert_config.json gives the max
// length; its Router (router_config.json), whose "query" route may be an
// inference-free SparseStaticEmbedding; a masked-LM folder with idf.json
// beside it (OpenSearch's inference-free layout); and a tokenizer with
// idf.json alone, which encodes queries only. EncodeQuery uses the query
// route, EncodeDocument the document route, and Encode the default route
// (the Router's default_route; documents otherwise, or queries for a
// query-only folder). Inference-free queries are table lookups
// (layout.Static.Encode): the distinct WordPiece tokens of the text,
// without [CLS] and [SEP], each with its weight. Options that are set
// override what the folder says; zero values take it.
//
// # Backends
//
// Load picks the fastest exact engine for the CPU unless Options.Backend
// (or $GOMLX_BACKEND) names one. "native" (package native: pure Go and Go
// assembly, kernels chosen from the CPU's features, no padding, the only
// engine with Options.Precision bf16) is the default on x86-64 with AVX2
// or AVX-512. Elsewhere the default is the GoMLX graph on GoMLX's pure-Go
// backend: no C library, and CGO_ENABLED=0 builds work; build with
// GOEXPERIMENT=simd, which turns on its AVX2/AVX-512 matrix kernels. XLA/PJRT
// runs the graph on CPU or GPU when a PJRT plugin is present: "xla:cpu",
// "xla:cuda" or "xla:/abs/path/plugin.so". All engines give the same
// vectors (to 1e-4) in fp32.
//
// For the GoMLX graph, each distinct [batch, length] shape compiles its
// own graph; Encode sorts texts by length and rounds lengths up to a few
// buckets so that few shapes occur. The masked-LM head runs over chunks of 16 token positions and
// keeps only the pooled [batch, vocabulary] result, so memory stays near
// the weights' size even for long batches.
package model
