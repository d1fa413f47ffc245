package checkpoint

// Tensor is a dense float32 array in row-major order.
type Tensor struct {
	Shape []int
	Data  []float32
}

// Config is the part of config.json the encoders need, with BERT,
// DistilBERT and RoBERTa field names mapped onto one set.
type Config struct {
	ModelType     string  // "bert", "distilbert" or "roberta"
	VocabSize     int     // vocab_size
	Hidden        int     // hidden_size / dim
	Layers        int     // num_hidden_layers / n_layers
	Heads         int     // num_attention_heads / n_heads
	Intermediate  int     // intermediate_size / hidden_dim
	MaxPositions  int     // max_position_embeddings
	TypeVocabSize int     // type_vocab_size (0 for DistilBERT)
	LayerNormEps  float64 // layer_norm_eps (1e-12 for DistilBERT)
	HiddenAct     string  // hidden_act / activation: "gelu" (exact erf form)
	PadTokenID    int     // pad_token_id
	// PositionOffset is the first position id: 0 for BERT/DistilBERT,
	// pad_token_id+1 for RoBERTa (whose padding positions take
	// pad_token_id). Every engine computes position ids as
	// PositionOffset + i for real tokens.
	PositionOffset int
}

// MaxTokens returns how many tokens a text may have, special tokens
// included: the positions of the position table from PositionOffset on.
func (c Config) MaxTokens() int { return c.MaxPositions - c.PositionOffset }

// Layer holds one post-LayerNorm transformer encoder layer.
// Linear weights keep PyTorch's nn.Linear layout: [out, in].
type Layer struct {
	QueryW, QueryB       *Tensor // [H, H], [H]
	KeyW, KeyB           *Tensor
	ValueW, ValueB       *Tensor
	AttnOutW, AttnOutB   *Tensor // [H, H], [H]
	AttnNormW, AttnNormB *Tensor // LayerNorm after attention + residual
	FFInW, FFInB         *Tensor // [I, H], [I]
	FFOutW, FFOutB       *Tensor // [H, I], [H]
	OutNormW, OutNormB   *Tensor // LayerNorm after feed-forward + residual
}

// Params is a whole masked-LM model in architecture-neutral form.
//
// Forward pass (all three architectures):
//
//	x = LayerNorm(WordEmb[ids] + PosEmb[PositionOffset + i] + TypeEmb[0]) // TypeEmb nil for DistilBERT
//	for each layer: x = LN(x + Attn(x)); x = LN(x + FFOut(GELU(FFIn(x))))
//	h = HeadNorm(GELU(HeadTransform(x)))
//	logits = h · DecoderW^T + DecoderB   // DecoderW is WordEmb when tied
type Params struct {
	Config Config

	WordEmb            *Tensor // [V, H]
	PosEmb             *Tensor // [P, H]
	TypeEmb            *Tensor // [T, H]; nil for DistilBERT
	EmbNormW, EmbNormB *Tensor

	Layers []Layer

	HeadTransformW, HeadTransformB *Tensor // [H, H], [H]
	HeadNormW, HeadNormB           *Tensor // [H]
	DecoderW                       *Tensor // [V, H]; the same *Tensor as WordEmb when tied
	DecoderB                       *Tensor // [V]
}
