// Package checkpoint reads a model checkpoint as HuggingFace stores it —
// config.json plus model.safetensors or pytorch_model.bin — into float32
// tensors, one for each role of the network that package arch describes
// from config.json.
//
// Every engine of this project (package native, the GoMLX graph in
// package model, the edge worker through package wasm) builds from
// [Params], so all read weights the same way.
//
// Weights may be stored as float32, float16 or bfloat16 (safetensors or
// torch zip checkpoints, sharded or not); they are always widened to
// float32. [WriteSafetensors] writes the other way, for example float16
// copies that halve the download of an edge deployment.
//
// A safetensors file is read at offsets, each tensor straight into its
// float32 data (an F32 tensor on a little-endian CPU by one copy), in huge
// pages on Linux (package internal/hugepage): no copy of the whole file is
// held, which halves the memory and the page faults of loading. The
// package is pure Go without cgo or memory mapping, so it also builds for
// js/wasm, where a file system whose files cannot read at offsets is read
// whole first. Corrupt or hostile files give one-line errors, never panics,
// hangs or unbounded allocations: config.json sizes are capped and checked
// against the tensors present before anything is made for them;
// safetensors headers are bounds-checked, may not name a tensor twice, and
// their data_offsets must tile the data without gaps or overlaps, as the
// reference loader requires; the pickle of a torch checkpoint is scanned
// before github.com/nlpodyssey/gopickle unpickles it (without running any
// code), refusing lengths past the data and integers no state dict needs;
// zip records may not declare far more bytes than the archive holds; and
// only regular files inside the model folder are read. A checkpoint whose
// tensors config.json does not account for is refused with their names,
// rather than encoded with part of it silently left out.
package checkpoint
