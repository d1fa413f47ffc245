package arch

import (
	"fmt"
	"strconv"

	"github.com/splade-go/splade/tokenizer"
)

// GTE "new" (model_type new): Alibaba's NewForMaskedLM (GTE v1.5,
// OpenSearch's doc-v3-gte). Post-LayerNorm blocks with a packed qkv_proj
// (with bias), rotary positions with rope_theta and NTK rope_scaling, a
// gated feed-forward up_gate_proj (no bias) -> [up, gate],
// act(gate)·up, down_proj; optional token types (type_vocab_size may be
// 0); the head lm_head.{dense,norm,decoder}.
func init() {
	register(&family{
		types:   []string{"new"},
		parse:   parseGTE,
		names:   gteNames,
		ignored: bertIgnored,
		// BERT's WordPiece (gte-en-v1.5, OpenSearch's doc-v3-gte); XLM-R's
		// SentencePiece Unigram (gte-multilingual-base).
		tokenizers: []tokenizer.Model{tokenizer.WordPiece, tokenizer.Unigram},
	})
}

type gteJSON struct {
	bertJSON
	LayerNormType      *string  `json:"layer_norm_type"`
	RopeTheta          *float64 `json:"rope_theta"`
	LognAttentionScale *bool    `json:"logn_attention_scale"`
	PackQKV            *bool    `json:"pack_qkv"`
	RopeScaling        *struct {
		Type   string   `json:"type"`
		Factor float64  `json:"factor"`
		MixedB *float64 `json:"mixed_b"`
	} `json:"rope_scaling"`
}

func parseGTE(config []byte) (*Network, error) {
	var j gteJSON
	if err := unmarshal(config, &j); err != nil {
		return nil, err
	}
	if j.PositionEmbeddingType != nil && *j.PositionEmbeddingType != "rope" {
		return nil, fmt.Errorf("position_embedding_type %q not supported (want rope)", *j.PositionEmbeddingType)
	}
	if j.LayerNormType != nil && *j.LayerNormType != "layer_norm" {
		return nil, fmt.Errorf("layer_norm_type %q not supported (want layer_norm)", *j.LayerNormType)
	}
	if j.LognAttentionScale != nil && *j.LognAttentionScale {
		return nil, fmt.Errorf("logn_attention_scale true not supported (want false)")
	}
	if j.PackQKV != nil && !*j.PackQKV {
		return nil, fmt.Errorf("pack_qkv false not supported (want true)")
	}
	act := GELU
	if j.HiddenAct != nil {
		a, ok := activation(*j.HiddenAct)
		if !ok {
			return nil, fmt.Errorf("hidden_act %q not supported (want gelu, gelu_new, relu or silu)", *j.HiddenAct)
		}
		act = a
	}
	rope := Rope{Theta: orFloat(j.RopeTheta, 10000)}
	if rs := j.RopeScaling; rs != nil {
		if rs.Type != "ntk" || rs.MixedB != nil {
			return nil, fmt.Errorf("rope_scaling %+v not supported (want type ntk without mixed_b)", *rs)
		}
		if !(rs.Factor >= 1) {
			return nil, fmt.Errorf("rope_scaling factor %g, want >= 1", rs.Factor)
		}
		rope.NTKFactor = rs.Factor
	}
	layers := orInt(j.NumHiddenLayers, 12)
	if err := checkLayers(bertKeys, layers); err != nil {
		return nil, err
	}
	n := &Network{
		Vocab:        orInt(j.VocabSize, 30528),
		Hidden:       orInt(j.HiddenSize, 768),
		Heads:        orInt(j.NumAttentionHeads, 12),
		Intermediate: orInt(j.IntermediateSize, 3072),
		Positions:    orInt(j.MaxPositionEmbeddings, 512),
		PositionKind: Rotary,
		TypeVocab:    orInt(j.TypeVocabSize, 0),
		PadTokenID:   orInt(j.PadTokenID, 0),
		Norm:         Norm{Kind: LayerNorm, Bias: true, Eps: orFloat(j.LayerNormEps, 1e-12)},
		Attention:    Attention{Packed: true, Bias: true, OutBias: true},
		FeedForward:  FeedForward{Act: act, Gate: GateActSecond, OutBias: true},
		Layers:       make([]Layer, layers),
		Head:         Head{Kind: MLMHead, TransformBias: true, Act: act, DecoderBias: true},
	}
	for i := range n.Layers {
		n.Layers[i] = Layer{AttentionNorm: true, Rope: rope}
	}
	return n, n.check(bertKeys)
}

func gteNames(_ *Network, r Role) []string {
	l := "encoder.layer." + strconv.Itoa(r.Layer) + "."
	var m string
	switch r.Part {
	case WordEmbeddings:
		m = "embeddings.word_embeddings"
	case TypeEmbeddings:
		m = "embeddings.token_type_embeddings"
	case EmbeddingNorm:
		m = "embeddings.LayerNorm"
	case QKV:
		m = l + "attention.qkv_proj"
	case AttentionOut:
		m = l + "attention.o_proj"
	case AttentionNorm:
		m = l + "attn_ln"
	case FeedForwardIn:
		m = l + "mlp.up_gate_proj"
	case FeedForwardOut:
		m = l + "mlp.down_proj"
	case FeedForwardNorm:
		m = l + "mlp_ln"
	case HeadDense:
		return param("lm_head.dense", r, false)
	case HeadNorm:
		return param("lm_head.norm", r, true)
	case Decoder:
		return param("lm_head.decoder", r, false)
	default:
		return nil
	}
	return prefixed("new.", param(m, r, isNorm(r.Part))...)
}
