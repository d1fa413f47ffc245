// Package layout reads the folder layouts a sparse encoder comes in: a
// HuggingFace masked-LM folder, sentence-transformers' SparseEncoder
// modules (MLMTransformer + SpladePooling), its Router with an
// inference-free SparseStaticEmbedding query side, and an idf.json table.
//
// Both encoders of this project, the GoMLX graph of package model and the
// pure-Go forward pass of package wasm, read folders through [Read], so
// that a folder means the same to both: which network or table encodes
// queries, which encodes documents, which encodes texts of no stated kind,
// and with what pooling, activation and token limit. Read loads the
// tokenizers and the static query tables but not the masked-LM weights;
// each encoder loads those its own way from [MLM.FS].
//
// The layouts, tried in this order:
//
//   - modules.json (sentence-transformers): MLMTransformer followed by
//     SpladePooling, whose config.json gives pooling_strategy and
//     activation_function and whose sentence_bert_config.json gives
//     max_seq_length; a lone SparseStaticEmbedding; or a Router
//     (router_config.json, or the older Asym config.json) whose routes are
//     such module sequences. The "query" and "document" routes (or those
//     route_mappings name) encode queries and documents; default_route,
//     else the first route, encodes texts of no stated kind.
//   - config.json: a BertForMaskedLM, DistilBertForMaskedLM or RobertaForMaskedLM folder, or a
//     saved SparseStaticEmbedding module (config.json with "frozen" and no
//     model_type). A masked-LM folder with idf.json beside it is
//     OpenSearch's inference-free layout: queries by the idf table,
//     documents by the model.
//   - idf.json with tokenizer files: an inference-free table that encodes
//     queries only.
//
// Inference-free (static) queries are encoded by table lookup: the text is
// tokenized without [CLS] and [SEP], and each distinct token gets its
// weight; tokens weighted 0 are dropped (see [Static.Encode]).
//
// [FolderFiles] is the one list of the files a folder's encoder reads
// (configuration, tokenizer and weights), which the hub client downloads
// and the Worker build copies; [Missing] says what a folder lacks.
//
// The package uses only the standard library and this module's
// checkpoint, tokenizer and sparsevec packages, so it builds for js/wasm.
package layout
