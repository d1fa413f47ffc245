package layout

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/tokenizer"
)

// tokenizerFiles are the tokenizer files of the fixtures, whichever kind.
var tokenizerFiles = map[string][]string{
	"tiny-bert":             {"tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"},
	"tiny-distilbert":       {"tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"},
	"tiny-roberta-50262":    {"tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"},
	"tiny-xlmr-16002":       {"tokenizer.json", "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json"},
	"tiny-modernbert-50368": {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"},
	"tiny-gte-30522":        {"tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"},
}

// mixed is a folder (under prefix) with the config.json of one fixture
// and the tokenizer files of another.
func mixed(t *testing.T, configOf, tokenizerOf, prefix string) fstest.MapFS {
	t.Helper()
	m := fixtureFS(t, fstest.MapFS{}, configOf, prefix, "config.json")
	return fixtureFS(t, m, tokenizerOf, prefix, tokenizerFiles[tokenizerOf]...)
}

// TestReadTokenizerMismatch checks that a folder whose tokenizer files are
// of a kind its family's checkpoints never ship fails with an
// *arch.TokenizerError naming both sides, before the vocabulary-size
// check (which some of these folders would pass).
func TestReadTokenizerMismatch(t *testing.T) {
	for _, tc := range []struct {
		config, tokenizer string
		family            string
		got               tokenizer.Model
	}{
		{"tiny-xlmr-16002", "tiny-bert", "xlm-roberta", tokenizer.WordPiece},       // 478 ids fit 16,002
		{"tiny-xlmr-16002", "tiny-roberta-50262", "xlm-roberta", tokenizer.BPE},    // 50,263 ids do not
		{"tiny-distilbert", "tiny-roberta-50262", "distilbert", tokenizer.BPE},     //
		{"tiny-distilbert", "tiny-xlmr-16002", "distilbert", tokenizer.Unigram},    //
		{"tiny-modernbert-50368", "tiny-bert", "modernbert", tokenizer.WordPiece},  // 478 ids fit 50,368
		{"tiny-gte-30522", "tiny-roberta-50262", "new", tokenizer.BPE},             //
		{"tiny-bgem3-16002", "tiny-gte-30522", "xlm-roberta", tokenizer.WordPiece}, // BGE-M3's config.json
	} {
		name := tc.config + " + " + tc.tokenizer + "'s tokenizer"
		for _, prefix := range []string{"", "doc"} {
			fsys := mixed(t, tc.config, tc.tokenizer, prefix)
			where := "model in ."
			if prefix != "" {
				fsys["modules.json"] = &fstest.MapFile{Data: []byte(`[{"path": "doc", "type": "sentence_transformers.sparse_encoder.models.MLMTransformer"},
  {"path": "pool", "type": "sentence_transformers.sparse_encoder.models.SpladePooling"}]`)}
				fsys["pool/config.json"] = &fstest.MapFile{Data: []byte(`{"pooling_strategy": "max"}`)}
				where = "model in doc"
			}
			_, err := Read(fsys)
			var te *arch.TokenizerError
			if !errors.As(err, &te) {
				t.Errorf("%s (%q): err = %v, want an *arch.TokenizerError", name, prefix, err)
				continue
			}
			if te.Family != tc.family || te.Got != tc.got {
				t.Errorf("%s: %+v, want family %s, got %s", name, te, tc.family, tc.got)
			}
			msg := err.Error()
			for _, part := range []string{"layout: " + where + ": ", `model_type "` + tc.family + `" expects a `, "hold a " + tc.got.String() + " model", "use the tokenizer files of the checkpoint"} {
				if !strings.Contains(msg, part) {
					t.Errorf("%s: %q does not say %q", name, msg, part)
				}
			}
		}
	}
}

// TestReadTokenizerOtherKind checks that combinations published
// checkpoints have load: a BERT network on XLM-R's Unigram vocabulary
// (Multilingual-MiniLM) and a RoBERTa network on WordPiece (KLUE's).
func TestReadTokenizerOtherKind(t *testing.T) {
	for _, tc := range []struct {
		config, tokenizer string
		want              tokenizer.Model
	}{
		{`{"model_type": "bert", "vocab_size": 16002, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 64}`, "tiny-xlmr-16002", tokenizer.Unigram},
		{`{"model_type": "roberta", "vocab_size": 478, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 66}`, "tiny-bert", tokenizer.WordPiece},
	} {
		fsys := fixtureFS(t, fstest.MapFS{}, tc.tokenizer, "", tokenizerFiles[tc.tokenizer]...)
		fsys["config.json"] = &fstest.MapFile{Data: []byte(tc.config)}
		m, err := Read(fsys)
		if err != nil {
			t.Errorf("%s with %s's tokenizer: %v", tc.config, tc.tokenizer, err)
			continue
		}
		if got := tokenizer.ModelOf(m.Query.MLM.Tokenizer); got != tc.want {
			t.Errorf("%s with %s's tokenizer: a %s tokenizer, want %s", tc.config, tc.tokenizer, got, tc.want)
		}
	}
}
