package arch

import (
	"fmt"
	"strconv"

	"github.com/splade-go/splade/tokenizer"
)

// DistilBERT (model_type distilbert): DistilBertForMaskedLM. BERT's block
// without token types, LayerNorm eps fixed at 1e-12, names under
// "distilbert.", and the head vocab_transform -> GELU ->
// vocab_layer_norm -> vocab_projector.
func init() {
	register(&family{
		types:   []string{"distilbert"},
		parse:   parseDistilBERT,
		names:   distilBERTNames,
		ignored: bertIgnored,
		// Every published DistilBERT (English, multilingual, the SPLADE
		// and OpenSearch distillations) ships BERT's WordPiece.
		tokenizers: []tokenizer.Model{tokenizer.WordPiece},
	})
}

// distilBERTJSON holds the config.json fields of a DistilBERT model.
type distilBERTJSON struct {
	VocabSize             *int    `json:"vocab_size"`
	Dim                   *int    `json:"dim"`
	NLayers               *int    `json:"n_layers"`
	NHeads                *int    `json:"n_heads"`
	HiddenDim             *int    `json:"hidden_dim"`
	MaxPositionEmbeddings *int    `json:"max_position_embeddings"`
	Activation            *string `json:"activation"`
	PadTokenID            *int    `json:"pad_token_id"`
	SinusoidalPosEmbds    *bool   `json:"sinusoidal_pos_embds"`
}

func parseDistilBERT(config []byte) (*Network, error) {
	var j distilBERTJSON
	if err := unmarshal(config, &j); err != nil {
		return nil, err
	}
	if j.SinusoidalPosEmbds != nil && *j.SinusoidalPosEmbds {
		return nil, fmt.Errorf("sinusoidal_pos_embds true not supported (want learned position embeddings)")
	}
	if j.Activation != nil && *j.Activation != "gelu" {
		return nil, fmt.Errorf("activation %q not supported (want \"gelu\", the exact erf form)", *j.Activation)
	}
	k := keys{"dim", "n_layers", "n_heads", "hidden_dim", "activation"}
	layers := orInt(j.NLayers, 6)
	if err := checkLayers(k, layers); err != nil {
		return nil, err
	}
	n := bertBlock(layers)
	n.Vocab = orInt(j.VocabSize, 30522)
	n.Hidden = orInt(j.Dim, 768)
	n.Heads = orInt(j.NHeads, 12)
	n.Intermediate = orInt(j.HiddenDim, 3072)
	n.Positions = orInt(j.MaxPositionEmbeddings, 512)
	n.Norm.Eps = 1e-12 // fixed in transformers' DistilBERT
	n.PadTokenID = orInt(j.PadTokenID, 0)
	return n, n.check(k)
}

func distilBERTNames(_ *Network, r Role) []string {
	l := "transformer.layer." + strconv.Itoa(r.Layer) + "."
	var m string
	switch r.Part {
	case WordEmbeddings:
		m = "embeddings.word_embeddings"
	case PositionEmbeddings:
		m = "embeddings.position_embeddings"
	case EmbeddingNorm:
		m = "embeddings.LayerNorm"
	case Query:
		m = l + "attention.q_lin"
	case Key:
		m = l + "attention.k_lin"
	case Value:
		m = l + "attention.v_lin"
	case AttentionOut:
		m = l + "attention.out_lin"
	case AttentionNorm:
		m = l + "sa_layer_norm"
	case FeedForwardIn:
		m = l + "ffn.lin1"
	case FeedForwardOut:
		m = l + "ffn.lin2"
	case FeedForwardNorm:
		m = l + "output_layer_norm"
	case HeadDense:
		return param("vocab_transform", r, false)
	case HeadNorm:
		return param("vocab_layer_norm", r, true)
	case Decoder:
		return param("vocab_projector", r, false)
	default:
		return nil
	}
	return prefixed("distilbert.", param(m, r, isNorm(r.Part))...)
}
