package arch

import "github.com/splade-go/splade/tokenizer"

// RoBERTa (model_type roberta): RobertaForMaskedLM. BERT's encoder under
// "roberta.", positions numbered from pad_token_id+1, and the head
// lm_head.dense -> GELU -> lm_head.layer_norm -> decoder (tied unless
// lm_head.decoder.weight differs) + lm_head.bias.
func init() {
	register(&family{
		types:   []string{"roberta"},
		parse:   func(config []byte) (*Network, error) { return parseBERT(config, robertaDefaults) },
		names:   robertaNames,
		ignored: bertIgnored,
		// RoBERTa's own byte-level BPE; WordPiece (KLUE's RoBERTa, CLUE's
		// Chinese RoBERTa, CamemBERT 2.0); SentencePiece Unigram (rinna's
		// japanese-roberta-base, with T5's tokenizer class).
		tokenizers: []tokenizer.Model{tokenizer.BPE, tokenizer.WordPiece, tokenizer.Unigram},
	})
}

// robertaDefaults are RobertaConfig's vocab_size and pad_token_id.
var robertaDefaults = struct{ vocab, pad int }{50265, 1}

// robertaNames are the tensor names of RobertaForMaskedLM and the
// families that copy it (XLM-RoBERTa, CamemBERT).
var robertaNames = bertNames("roberta.", "lm_head.dense", "lm_head.layer_norm", "lm_head.decoder.weight", "lm_head.bias", "lm_head.decoder.bias")
