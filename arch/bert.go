package arch

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/splade-go/splade/tokenizer"
)

// BERT (model_type bert): BertForMaskedLM. Post-LayerNorm blocks with
// separate query/key/value projections, every linear and norm with a
// bias; absolute positions; token types; the MLM head
// cls.predictions.transform.{dense,LayerNorm} and the decoder, tied to
// the word embeddings unless cls.predictions.decoder.weight differs.
func init() {
	register(&family{
		types:   []string{"bert"},
		parse:   func(config []byte) (*Network, error) { return parseBERT(config, bertDefaults) },
		names:   bertNames("bert.", "cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm", "cls.predictions.decoder.weight", "cls.predictions.bias", "cls.predictions.decoder.bias"),
		ignored: bertIgnored,
		// BERT's own WordPiece; XLM-R's SentencePiece Unigram on a BERT
		// network (Microsoft's Multilingual-MiniLM, sentence-transformers'
		// paraphrase-multilingual-MiniLM-L12-v2, multilingual-e5-small);
		// HerBERT's character-level BPE (which package bpe does not read:
		// it fails there, with its own message).
		tokenizers: []tokenizer.Model{tokenizer.WordPiece, tokenizer.Unigram, tokenizer.BPE},
	})
}

// bertJSON holds the config.json fields of BERT and RoBERTa. Pointers
// tell a missing field (the transformers default applies) from a zero.
type bertJSON struct {
	VocabSize             *int     `json:"vocab_size"`
	HiddenSize            *int     `json:"hidden_size"`
	NumHiddenLayers       *int     `json:"num_hidden_layers"`
	NumAttentionHeads     *int     `json:"num_attention_heads"`
	IntermediateSize      *int     `json:"intermediate_size"`
	MaxPositionEmbeddings *int     `json:"max_position_embeddings"`
	TypeVocabSize         *int     `json:"type_vocab_size"`
	LayerNormEps          *float64 `json:"layer_norm_eps"`
	HiddenAct             *string  `json:"hidden_act"`
	PadTokenID            *int     `json:"pad_token_id"`
	PositionEmbeddingType *string  `json:"position_embedding_type"`
}

// bertDefaults are BertConfig's defaults that RobertaConfig changes.
var bertDefaults = struct{ vocab, pad int }{30522, 0}

// parseBERT reads a BERT-style config.json; RoBERTa numbers positions
// from pad_token_id+1 (transformers' create_position_ids_from_input_ids).
func parseBERT(config []byte, def struct{ vocab, pad int }) (*Network, error) {
	var j bertJSON
	if err := unmarshal(config, &j); err != nil {
		return nil, err
	}
	if j.PositionEmbeddingType != nil && *j.PositionEmbeddingType != "absolute" {
		return nil, fmt.Errorf("position_embedding_type %q not supported (want absolute)", *j.PositionEmbeddingType)
	}
	if j.HiddenAct != nil && *j.HiddenAct != "gelu" {
		return nil, fmt.Errorf("hidden_act %q not supported (want \"gelu\", the exact erf form)", *j.HiddenAct)
	}
	layers := orInt(j.NumHiddenLayers, 12)
	if err := checkLayers(bertKeys, layers); err != nil {
		return nil, err
	}
	n := bertBlock(layers)
	n.Vocab = orInt(j.VocabSize, def.vocab)
	n.Hidden = orInt(j.HiddenSize, 768)
	n.Heads = orInt(j.NumAttentionHeads, 12)
	n.Intermediate = orInt(j.IntermediateSize, 3072)
	n.Positions = orInt(j.MaxPositionEmbeddings, 512)
	n.TypeVocab = orInt(j.TypeVocabSize, 2)
	n.Norm.Eps = orFloat(j.LayerNormEps, 1e-12)
	n.PadTokenID = orInt(j.PadTokenID, def.pad)
	if def != bertDefaults {
		n.PositionOffset = n.PadTokenID + 1
	}
	if n.TypeVocab <= 0 {
		return nil, fmt.Errorf("type_vocab_size is %d, want > 0", n.TypeVocab)
	}
	return n, n.check(bertKeys)
}

// bertBlock returns the block structure of BERT, DistilBERT and RoBERTa
// with the given number of layers (checked by checkLayers): post-LayerNorm, biases everywhere,
// absolute positions, GELU, an MLM head.
func bertBlock(layers int) *Network {
	n := &Network{
		PositionKind: Absolute,
		Norm:         Norm{Kind: LayerNorm, Bias: true},
		Attention:    Attention{Bias: true, OutBias: true},
		FeedForward:  FeedForward{Act: GELU, InBias: true, OutBias: true},
		Head:         Head{Kind: MLMHead, TransformBias: true, Act: GELU, DecoderBias: true},
	}
	n.Layers = make([]Layer, layers)
	for i := range n.Layers {
		n.Layers[i].AttentionNorm = true
	}
	return n
}

// bertNames returns the tensor names of BERT and RoBERTa: the encoder
// under pre (or no prefix), and the MLM head's modules.
func bertNames(pre, dense, norm, decoder string, decoderBias ...string) func(*Network, Role) []string {
	return func(_ *Network, r Role) []string {
		l := "encoder.layer." + strconv.Itoa(r.Layer) + "."
		module := map[Part]string{
			WordEmbeddings: "embeddings.word_embeddings", PositionEmbeddings: "embeddings.position_embeddings",
			TypeEmbeddings: "embeddings.token_type_embeddings", EmbeddingNorm: "embeddings.LayerNorm",
			Query: l + "attention.self.query", Key: l + "attention.self.key", Value: l + "attention.self.value",
			AttentionOut: l + "attention.output.dense", AttentionNorm: l + "attention.output.LayerNorm",
			FeedForwardIn: l + "intermediate.dense", FeedForwardOut: l + "output.dense", FeedForwardNorm: l + "output.LayerNorm",
		}
		switch r.Part {
		case HeadDense:
			return param(dense, r, false)
		case HeadNorm:
			return param(norm, r, true)
		case Decoder:
			if r.Bias {
				return decoderBias
			}
			return []string{decoder}
		}
		m, ok := module[r.Part]
		if !ok {
			return nil
		}
		return prefixed(pre, param(m, r, isNorm(r.Part))...)
	}
}

// bertIgnored: the pooler and next-sentence head of a pre-training
// checkpoint, which transformers drops too, and the position_ids buffer.
func bertIgnored(name string) bool {
	return strings.HasPrefix(name, "cls.seq_relationship.") ||
		strings.Contains(name, "pooler.dense.") ||
		strings.HasSuffix(name, "embeddings.position_ids")
}
