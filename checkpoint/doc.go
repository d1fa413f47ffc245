// Package checkpoint reads a BERT or DistilBERT masked-language-model
// checkpoint as HuggingFace stores it — config.json plus model.safetensors
// or pytorch_model.bin — into one architecture-neutral set of float32
// parameters.
//
// Both encoders of this project, the GoMLX graph in package model and the
// plain-Go forward pass in package wasm, build from [Params], so the two
// read weights the same way and check each other.
package checkpoint
