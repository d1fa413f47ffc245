package arch

import (
	"fmt"
	"strconv"

	"github.com/splade-go/splade/tokenizer"
)

// ModernBERT (model_type modernbert): ModernBertForMaskedLM. Pre-LayerNorm
// blocks (the first layer's attention reads x without attn_norm),
// LayerNorm without bias unless norm_bias, no linear biases unless
// attention_bias / mlp_bias, a packed Wqkv, rotary positions with
// global_rope_theta on global layers (every global_attn_every_n_layers-th,
// from 0) and local_rope_theta on the others, which attend only to
// |i-j| <= local_attention/2; GeGLU Wi -> [input, gate], act(input)·gate,
// Wo; final_norm; the head head.{dense,norm} and the decoder (tied, with
// a bias). The newer config form (layer_types, rope_parameters) is read
// too.
func init() {
	register(&family{
		types: []string{"modernbert"},
		parse: parseModernBERT,
		names: modernBERTNames,
		// ModernBERT's own byte-level BPE (OLMo's; the Ettin models).
		// The Japanese ModernBERTs (SB Intuitions', LLM-jp's) ship
		// SentencePiece tokenizers: Unigram is allowed so that those
		// are not refused.
		tokenizers: []tokenizer.Model{tokenizer.BPE, tokenizer.Unigram},
	})
}

type modernBERTJSON struct {
	VocabSize              *int     `json:"vocab_size"`
	HiddenSize             *int     `json:"hidden_size"`
	NumHiddenLayers        *int     `json:"num_hidden_layers"`
	NumAttentionHeads      *int     `json:"num_attention_heads"`
	IntermediateSize       *int     `json:"intermediate_size"`
	MaxPositionEmbeddings  *int     `json:"max_position_embeddings"`
	HiddenActivation       *string  `json:"hidden_activation"`
	NormEps                *float64 `json:"norm_eps"`
	NormBias               *bool    `json:"norm_bias"`
	AttentionBias          *bool    `json:"attention_bias"`
	MLPBias                *bool    `json:"mlp_bias"`
	DecoderBias            *bool    `json:"decoder_bias"`
	ClassifierBias         *bool    `json:"classifier_bias"`
	ClassifierActivation   *string  `json:"classifier_activation"`
	GlobalAttnEveryNLayers *int     `json:"global_attn_every_n_layers"`
	LocalAttention         *int     `json:"local_attention"`
	GlobalRopeTheta        *float64 `json:"global_rope_theta"`
	LocalRopeTheta         *float64 `json:"local_rope_theta"`
	PadTokenID             *int     `json:"pad_token_id"`
	LayerTypes             []string `json:"layer_types"`
	RopeParameters         map[string]struct {
		RopeTheta *float64 `json:"rope_theta"`
	} `json:"rope_parameters"`
}

func parseModernBERT(config []byte) (*Network, error) {
	var j modernBERTJSON
	if err := unmarshal(config, &j); err != nil {
		return nil, err
	}
	k := keys{"hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "hidden_activation"}
	layers := orInt(j.NumHiddenLayers, 22)
	if err := checkLayers(k, layers); err != nil {
		return nil, err
	}
	act, err := activationOf("hidden_activation", j.HiddenActivation)
	if err != nil {
		return nil, err
	}
	headAct, err := activationOf("classifier_activation", j.ClassifierActivation)
	if err != nil {
		return nil, err
	}
	or := func(p *bool, def bool) bool {
		if p == nil {
			return def
		}
		return *p
	}
	global := Rope{Theta: orFloat(j.GlobalRopeTheta, 160000)}
	local := Rope{Theta: orFloat(j.LocalRopeTheta, 10000)}
	if p, ok := j.RopeParameters["full_attention"]; ok && p.RopeTheta != nil {
		global.Theta = *p.RopeTheta
	}
	if p, ok := j.RopeParameters["sliding_attention"]; ok && p.RopeTheta != nil {
		local.Theta = *p.RopeTheta
	}
	every := orInt(j.GlobalAttnEveryNLayers, 3)
	if every <= 0 && j.LayerTypes == nil {
		return nil, fmt.Errorf("global_attn_every_n_layers is %d, want > 0", every)
	}
	if j.LayerTypes != nil && len(j.LayerTypes) != layers {
		return nil, fmt.Errorf("layer_types has %d entries for %d layers", len(j.LayerTypes), layers)
	}
	window := orInt(j.LocalAttention, 128) / 2
	if window <= 0 {
		return nil, fmt.Errorf("local_attention is %d, want >= 2", orInt(j.LocalAttention, 128))
	}
	normBias := or(j.NormBias, false)
	attnBias, mlpBias := or(j.AttentionBias, false), or(j.MLPBias, false)
	n := &Network{
		Vocab:        orInt(j.VocabSize, 50368),
		Hidden:       orInt(j.HiddenSize, 768),
		Heads:        orInt(j.NumAttentionHeads, 12),
		Intermediate: orInt(j.IntermediateSize, 1152),
		Positions:    orInt(j.MaxPositionEmbeddings, 8192),
		PositionKind: Rotary,
		PadTokenID:   orInt(j.PadTokenID, 50283),
		Norm:         Norm{Kind: LayerNorm, Bias: normBias, Eps: orFloat(j.NormEps, 1e-5)},
		PreNorm:      true,
		Attention:    Attention{Packed: true, Bias: attnBias, OutBias: attnBias},
		FeedForward:  FeedForward{Act: act, Gate: GateActFirst, InBias: mlpBias, OutBias: mlpBias},
		Layers:       make([]Layer, layers),
		FinalNorm:    true,
		Head:         Head{Kind: MLMHead, TransformBias: or(j.ClassifierBias, false), Act: headAct, DecoderBias: or(j.DecoderBias, true)},
	}
	for i := range n.Layers {
		isGlobal := every > 0 && i%every == 0
		if j.LayerTypes != nil {
			switch j.LayerTypes[i] {
			case "full_attention":
				isGlobal = true
			case "sliding_attention":
				isGlobal = false
			default:
				return nil, fmt.Errorf("layer_types[%d] is %q, want full_attention or sliding_attention", i, j.LayerTypes[i])
			}
		}
		l := Layer{AttentionNorm: i > 0, Rope: global}
		if !isGlobal {
			l.Rope, l.Window = local, window
		}
		n.Layers[i] = l
	}
	return n, n.check(k)
}

// activationOf maps the config.json activation key (nil: GELU).
func activationOf(key string, name *string) (Activation, error) {
	if name == nil {
		return GELU, nil
	}
	a, ok := activation(*name)
	if !ok {
		return "", fmt.Errorf("%s %q not supported (want gelu, gelu_new, relu or silu)", key, *name)
	}
	return a, nil
}

func modernBERTNames(_ *Network, r Role) []string {
	l := "layers." + strconv.Itoa(r.Layer) + "."
	var m string
	switch r.Part {
	case WordEmbeddings:
		m = "embeddings.tok_embeddings"
	case EmbeddingNorm:
		m = "embeddings.norm"
	case AttentionNorm:
		m = l + "attn_norm"
	case QKV:
		m = l + "attn.Wqkv"
	case AttentionOut:
		m = l + "attn.Wo"
	case FeedForwardNorm:
		m = l + "mlp_norm"
	case FeedForwardIn:
		m = l + "mlp.Wi"
	case FeedForwardOut:
		m = l + "mlp.Wo"
	case FinalNorm:
		m = "final_norm"
	case HeadDense:
		return param("head.dense", r, false)
	case HeadNorm:
		return param("head.norm", r, false)
	case Decoder:
		return param("decoder", r, false)
	default:
		return nil
	}
	return prefixed("model.", param(m, r, false)...)
}
