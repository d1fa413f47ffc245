package model_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/model"
)

// TestLoadTokenizerMismatch checks that every engine refuses a folder
// whose tokenizer files are of a kind the network's family never ships
// (XLM-R's network with BERT's WordPiece files, whose 478 ids would fit
// its vocabulary), with an *arch.TokenizerError that says what to do.
func TestLoadTokenizerMismatch(t *testing.T) {
	dir := reference.MixedFixture(t, "tiny-xlmr-16002", "tiny-bert")
	for _, backend := range []string{"", "go"} { // the default (native where it runs) and GoMLX
		_, err := model.Load(context.Background(), dir, model.Options{Backend: backend})
		var te *arch.TokenizerError
		if !errors.As(err, &te) || te.Family != "xlm-roberta" {
			t.Errorf("%s: Load = %v, want an *arch.TokenizerError for xlm-roberta", backend, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "expects a SentencePiece Unigram tokenizer, but the tokenizer files hold a WordPiece model") {
			t.Errorf("%s: %q", backend, msg)
		}
	}
}
