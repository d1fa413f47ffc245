package arch_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/tokenizer"
)

// TestCheckTokenizer checks which kinds of tokenizer each family takes:
// the kinds its published checkpoints ship (see each family's file for
// which checkpoints), and an error naming both sides for the others.
func TestCheckTokenizer(t *testing.T) {
	const (
		wp = tokenizer.WordPiece
		bp = tokenizer.BPE
		ug = tokenizer.Unigram
	)
	for _, tc := range []struct {
		modelType string
		ok        []tokenizer.Model // the family's own first
	}{
		{"bert", []tokenizer.Model{wp, ug, bp}},
		{"distilbert", []tokenizer.Model{wp}},
		{"roberta", []tokenizer.Model{bp, wp, ug}},
		{"new", []tokenizer.Model{wp, ug}},
		{"modernbert", []tokenizer.Model{bp, ug}},
		{"xlm-roberta", []tokenizer.Model{ug}},
		{"camembert", []tokenizer.Model{ug}},
	} {
		n, err := arch.Parse([]byte(`{"model_type":"` + tc.modelType + `"}`))
		if err != nil {
			t.Fatalf("%s: %v", tc.modelType, err)
		}
		if got := n.Tokenizers(); !slices.Equal(got, tc.ok) {
			t.Errorf("%s: Tokenizers() = %v, want %v", tc.modelType, got, tc.ok)
		}
		for _, m := range []tokenizer.Model{wp, bp, ug} {
			err := n.CheckTokenizer(m)
			if slices.Contains(tc.ok, m) {
				if err != nil {
					t.Errorf("%s with %s: %v, want no error", tc.modelType, m, err)
				}
				continue
			}
			var te *arch.TokenizerError
			if !errors.As(err, &te) {
				t.Errorf("%s with %s: %v, want a *arch.TokenizerError", tc.modelType, m, err)
				continue
			}
			if te.Family != tc.modelType || te.Got != m || !slices.Equal(te.Want, tc.ok) {
				t.Errorf("%s with %s: %+v", tc.modelType, m, te)
			}
			for _, part := range []string{`model_type "` + tc.modelType + `"`, "expects a " + tc.ok[0].String(), "hold a " + m.String() + " model", "use the tokenizer files of the checkpoint"} {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("%s with %s: %q does not say %q", tc.modelType, m, err, part)
				}
			}
		}
		if err := n.CheckTokenizer(""); err != nil {
			t.Errorf("%s with an unknown kind: %v, want no error", tc.modelType, err)
		}
	}
	// The token head (BGE-M3) keeps the family's tokenizers.
	n, err := arch.Parse([]byte(`{"model_type":"xlm-roberta"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.UseTokenHead(); err != nil {
		t.Fatal(err)
	}
	if err := n.CheckTokenizer(tokenizer.WordPiece); err == nil {
		t.Error("xlm-roberta with a token head takes WordPiece, want an error")
	}
	if got := arch.Families(); len(got) != 7 {
		t.Errorf("Families() = %v: a new family needs its row above", got)
	}
}

// TestFixtureTokenizers checks that the tokenizer files of every fixture
// are of a kind their family takes.
func TestFixtureTokenizers(t *testing.T) {
	dir := reference.Shared(t, "fixtures")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		folder := filepath.Join(dir, e.Name())
		config, err := os.ReadFile(filepath.Join(folder, "config.json"))
		if err != nil {
			continue // not a model folder
		}
		n, err := arch.Parse(config)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		tok, err := tokenizer.LoadDir(folder)
		if err != nil {
			t.Errorf("%s: %v", e.Name(), err)
			continue
		}
		if err := n.CheckTokenizer(tokenizer.ModelOf(tok)); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
		if got, want := tokenizer.ModelOf(tok), n.Tokenizers()[0]; got != want {
			t.Errorf("%s: a %s tokenizer, want its family's own, %s", e.Name(), got, want)
		}
	}
}
