package arch

import (
	"fmt"
	"math"
)

// Network describes a transformer encoder with its head.
//
// Forward pass, for the token ids of one text at positions i = 0, 1, ...:
//
//	x = Norm(WordEmb[id] + PosEmb[PositionOffset+i] + TypeEmb[0])  // PosEmb: absolute positions; TypeEmb: TypeVocab > 0
//	for each layer:
//	  post-norm: x = Norm(x + Attn(x));         x = Norm(x + FF(x))
//	  pre-norm:  x = x + Attn(Norm(x));         x = x + FF(Norm(x))   // AttentionNorm false: Attn(x)
//	x = Norm(x)                                                       // FinalNorm
//	MLM head:   logits = Norm(act(x·Wᵀ + b))·Decoderᵀ + decoder bias   // Decoder: the word embeddings when tied
//	token head: weight_t = relu(x_t·w + b)
//
// where Attn applies the rotary embedding to queries and keys when
// Positions is Rotary, and masks keys farther than the layer's Window.
type Network struct {
	// Family is the registered family (config.json's model_type).
	Family string

	Vocab        int // vocab_size
	Hidden       int // hidden size H
	Heads        int // attention heads; H is a multiple of it
	Intermediate int // feed-forward width I (of each half, when gated)

	// Positions is max_position_embeddings: the rows of the absolute
	// position table, or the longest text for rotary positions.
	Positions int
	// PositionOffset is the first position id of absolute positions:
	// 0, or pad_token_id+1 for RoBERTa.
	PositionOffset int
	PositionKind   PositionKind
	TypeVocab      int // token-type table rows; 0: none (engines add row 0)
	PadTokenID     int

	Norm        Norm        // the kind of every norm of the network
	PreNorm     bool        // norms before attention and feed-forward, not after
	Attention   Attention   // shared by every layer
	FeedForward FeedForward // shared by every layer
	Layers      []Layer     // one per encoder layer
	FinalNorm   bool        // a norm after the last layer
	Head        Head
}

// PositionKind says how a network knows token positions.
type PositionKind uint8

const (
	// Absolute positions add a learned embedding row per position.
	Absolute PositionKind = iota
	// Rotary positions rotate queries and keys (RoPE, rotate-half form).
	Rotary
)

// NormKind is the normalisation of a network.
type NormKind uint8

const (
	// LayerNorm is (x - mean) / sqrt(var + eps) · w (+ b).
	LayerNorm NormKind = iota
	// RMSNorm is x / sqrt(mean(x²) + eps) · w.
	RMSNorm
)

// Norm describes every normalisation of a network.
type Norm struct {
	Kind NormKind
	Bias bool // LayerNorm with a bias (BERT) or without (ModernBERT)
	Eps  float64
}

// Attention describes the self-attention of every layer.
type Attention struct {
	// Packed: one projection [3H, H] whose output is queries, keys,
	// values; else three [H, H] ones.
	Packed  bool
	Bias    bool // biases of the query/key/value projections
	OutBias bool // bias of the output projection
}

// Layer holds what differs between the layers of a network.
type Layer struct {
	// AttentionNorm is false for a pre-norm layer whose attention reads
	// x as it is (ModernBERT's first layer); post-norm layers have it.
	AttentionNorm bool
	// Window, when positive, restricts token i to keys j with
	// |i-j| <= Window (sliding-window attention); 0 attends to all.
	Window int
	// Rope is the rotary embedding of the layer (PositionKind Rotary).
	Rope Rope
}

// Rope is a rotary position embedding, in the rotate-half form: the
// head's dimensions d and d+dh/2 rotate by angle position·freq_d.
type Rope struct {
	Theta float64 // the base (rope_theta)
	// NTKFactor, when above 1, is NTK scaling as Alibaba's "new" models
	// apply it: the base becomes Theta·factor, and every frequency is
	// divided by factor^(2/dh).
	NTKFactor float64
}

// Frequencies returns the dh/2 rotation frequencies of a head of dh
// dimensions: 1 / base^(2k/dh), with NTK scaling applied.
func (r Rope) Frequencies(dh int) []float64 {
	base := r.Theta
	if r.NTKFactor > 1 {
		base *= r.NTKFactor
	}
	f := make([]float64, dh/2)
	for k := range f {
		f[k] = 1 / math.Pow(base, float64(2*k)/float64(dh))
		if r.NTKFactor > 1 {
			f[k] /= math.Pow(r.NTKFactor, 2/float64(dh))
		}
	}
	return f
}

// FeedForward describes the feed-forward block of every layer.
type FeedForward struct {
	Act  Activation
	Gate Gate
	// InBias, OutBias: biases of the input projection (of width I, or
	// 2I when gated) and of the output projection.
	InBias, OutBias bool
}

// Gate says whether and how the feed-forward block is gated. A gated
// input projection gives 2I values per token, [a, b].
type Gate uint8

const (
	NoGate        Gate = iota // act(x·W₁ᵀ)
	GateActFirst              // act(a)·b: ModernBERT's GeGLU, Wi -> [input, gate]
	GateActSecond             // a·act(b): GTE's up_gate_proj -> [up, gate]
)

// Activation is an element-wise activation function.
type Activation string

const (
	GELU     Activation = "gelu"      // x·Φ(x), the exact erf form
	GELUTanh Activation = "gelu_tanh" // the tanh approximation (gelu_new, gelu_pytorch_tanh)
	ReLU     Activation = "relu"
	SiLU     Activation = "silu" // x·sigmoid(x)
)

// activation maps a config.json activation name to an Activation.
func activation(name string) (Activation, bool) {
	switch name {
	case "gelu":
		return GELU, true
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return GELUTanh, true
	case "relu":
		return ReLU, true
	case "silu", "swish":
		return SiLU, true
	}
	return "", false
}

// HeadKind is the kind of output head.
type HeadKind uint8

const (
	// MLMHead is a masked-LM head: a transform (dense, activation, norm)
	// and a decoder onto the vocabulary. SPLADE pools its logits.
	MLMHead HeadKind = iota
	// TokenHead is a per-token linear head Linear(H, 1) (BGE-M3's sparse
	// head): a token's weight is relu(h·w + b), pooled per token id.
	TokenHead
)

// Head describes the output head.
type Head struct {
	Kind          HeadKind
	TransformBias bool       // MLM: bias of the transform's dense layer
	Act           Activation // MLM: the transform's activation
	DecoderBias   bool       // MLM: a bias per vocabulary entry
	// SkipIDs are token ids a token head gives no weight (BGE-M3 drops
	// <s>, </s>, <pad> and <unk>). A family that can carry a token head
	// sets them when it parses config.json, whatever the head's Kind.
	SkipIDs []int
}

// MaxTokens returns how many tokens a text may have, special tokens
// included: the positions of the table from PositionOffset on.
func (n *Network) MaxTokens() int { return n.Positions - n.PositionOffset }

// HeadDim returns the dimensions of one attention head.
func (n *Network) HeadDim() int { return n.Hidden / n.Heads }

// Hard limits on what config.json may ask for. They sit far above any
// published model and keep every size product the engines compute (vocab
// x hidden, positions x hidden, layers x ...) inside int and far from
// memory that a machine has. The checks against the weights actually
// present (package checkpoint) are tighter.
const (
	MaxVocab        = 1 << 22 // 4,194,304 tokens
	MaxHidden       = 1 << 16
	MaxIntermediate = 1 << 18
	MaxLayers       = 1 << 10
	MaxPositions    = 1 << 20
	MaxTypeVocab    = 1 << 10
)

// keys are the config.json names of a family's sizes, for messages.
type keys struct {
	hidden, layers, heads, intermediate, act string
}

// bertKeys are the config.json names of most families.
var bertKeys = keys{"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_act"}

// checkLayers validates a layer count before a Network is made for it.
func checkLayers(k keys, layers int) error {
	if layers <= 0 {
		return fmt.Errorf("%s is %d, want > 0", k.layers, layers)
	}
	if layers > MaxLayers {
		return fmt.Errorf("%s is %d, more than the limit of %d", k.layers, layers, MaxLayers)
	}
	return nil
}

// check validates the sizes of n, naming fields as k does.
func (n *Network) check(k keys) error {
	for _, l := range []struct {
		name   string
		v, max int
	}{
		{"vocab_size", n.Vocab, MaxVocab},
		{k.hidden, n.Hidden, MaxHidden},
		{k.layers, len(n.Layers), MaxLayers},
		{k.heads, n.Heads, MaxHidden},
		{k.intermediate, n.Intermediate, MaxIntermediate},
		{"max_position_embeddings", n.Positions, MaxPositions},
	} {
		if l.v <= 0 {
			return fmt.Errorf("%s is %d, want > 0", l.name, l.v)
		}
		if l.v > l.max {
			return fmt.Errorf("%s is %d, more than the limit of %d", l.name, l.v, l.max)
		}
	}
	if n.TypeVocab < 0 || n.TypeVocab > MaxTypeVocab {
		return fmt.Errorf("type_vocab_size is %d, want 0 to %d", n.TypeVocab, MaxTypeVocab)
	}
	if n.Hidden%n.Heads != 0 {
		return fmt.Errorf("%s %d is not divisible by %s %d", k.hidden, n.Hidden, k.heads, n.Heads)
	}
	if n.PositionKind == Rotary && n.HeadDim()%2 != 0 {
		return fmt.Errorf("%s %d / %s %d gives heads of %d dimensions; rotary positions need an even number", k.hidden, n.Hidden, k.heads, n.Heads, n.HeadDim())
	}
	if !(n.Norm.Eps > 0) {
		return fmt.Errorf("layer_norm_eps is %g, want > 0", n.Norm.Eps)
	}
	if n.PadTokenID < 0 || n.PadTokenID >= n.Vocab {
		return fmt.Errorf("pad_token_id %d out of range [0, %d)", n.PadTokenID, n.Vocab)
	}
	if n.PositionOffset < 0 || n.MaxTokens() < 2 {
		return fmt.Errorf("max_position_embeddings %d leaves %d positions after the first position id %d (pad_token_id+1 for RoBERTa); want at least 2", n.Positions, n.MaxTokens(), n.PositionOffset)
	}
	for i, l := range n.Layers {
		if l.Window < 0 {
			return fmt.Errorf("layer %d: attention window %d, want >= 0", i, l.Window)
		}
		if n.PositionKind == Rotary && !(l.Rope.Theta > 0) {
			return fmt.Errorf("layer %d: rope_theta %g, want > 0", i, l.Rope.Theta)
		}
	}
	return nil
}

// Validate checks that n describes a network the engines can build:
// sizes positive and within the limits, heads dividing the hidden size.
// Parse returns only networks that pass it; descriptions made by hand
// (tests, random models) should be checked with it.
func (n *Network) Validate() error {
	if _, err := lookup(n.Family); err != nil {
		return err
	}
	return n.check(bertKeys)
}
