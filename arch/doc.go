// Package arch describes transformer encoders neutrally, once per model
// family, so that every engine builds the same network from the same
// description.
//
// A [Network] says what a masked-LM (or per-token head) encoder computes:
// its embeddings (word, absolute positions with an offset, token types),
// each layer's block (pre- or post-norm; LayerNorm with or without bias,
// or RMSNorm; attention with packed or separate query/key/value
// projections, with or without biases, absolute or rotary positions, over
// the whole text or a sliding window; a plain or gated feed-forward), an
// optional final norm, and the head. Every tensor the network holds has a
// [Role]; [Network.Tensors] lists them with their shapes, so the limits a
// checkpoint must meet follow from the description.
//
// A family (BERT, DistilBERT, RoBERTa, ...) is one file of this package
// that registers itself: it parses its config.json into a Network
// ([Parse]) and maps each Role to the tensor names HuggingFace checkpoints
// use for it ([Network.TensorNames]), with and without the base-model
// prefix. It also names the kinds of tokenizer its published checkpoints
// ship ([Network.Tokenizers]); tokenizer files of another kind belong to
// another model ([Network.CheckTokenizer]). Nothing outside this package
// looks at model_type.
//
// The package holds descriptions only: package checkpoint reads the
// tensors, package native runs the network.
package arch
