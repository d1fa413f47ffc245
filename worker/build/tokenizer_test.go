package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/internal/testutil/reference"
)

// TestBuildTokenizerMismatch checks that the build refuses a model folder
// whose tokenizer files are of a kind the network's family never ships
// (XLM-R's network with BERT's WordPiece files), as the worker would, and
// leaves no output.
func TestBuildTokenizerMismatch(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	o := options{model: reference.MixedFixture(t, "tiny-xlmr-16002", "tiny-bert"), out: out, dtype: "F32",
		workerName: "splade", compatDate: defaultCompatDate, skipCompile: true}
	_, err := build(context.Background(), o)
	var te *arch.TokenizerError
	if !errors.As(err, &te) || te.Family != "xlm-roberta" || !strings.HasPrefix(err.Error(), "worker/build: ") {
		t.Fatalf("build = %v, want a worker/build error wrapping an *arch.TokenizerError for xlm-roberta", err)
	}
	if !strings.Contains(err.Error(), "expects a SentencePiece Unigram tokenizer, but the tokenizer files hold a WordPiece model") {
		t.Errorf("build: %q", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the failed build left %s behind (%v)", out, err)
	}
}
