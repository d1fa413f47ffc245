package tokenizer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/tokenizer"
)

// files copies the named files of a fixture into a MapFS.
func files(t *testing.T, fixture string, names ...string) fstest.MapFS {
	t.Helper()
	dir := reference.Fixture(t, fixture)
	m := fstest.MapFS{}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		m[n] = &fstest.MapFile{Data: data}
	}
	return m
}

// TestLoad checks that Load picks WordPiece, BPE or Unigram by the
// folder's files, that ModelOf names what it picked, and that the
// tokenizer it returns encodes the reference's first case.
func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		name, fixture string
		files         []string
		want          string          // the type Load must return
		model         tokenizer.Model // what ModelOf says of it
	}{
		{"WordPiece tokenizer.json", "tiny-bert", []string{"tokenizer.json", "tokenizer_config.json"}, "*wordpiece.Tokenizer", tokenizer.WordPiece},
		{"vocab.txt", "tiny-bert", []string{"vocab.txt", "tokenizer_config.json"}, "*wordpiece.Tokenizer", tokenizer.WordPiece},
		{"BPE tokenizer.json", "tiny-roberta-50262", []string{"tokenizer.json", "tokenizer_config.json"}, "*bpe.Tokenizer", tokenizer.BPE},
		{"vocab.json+merges.txt", "tiny-roberta-50262", []string{"vocab.json", "merges.txt", "tokenizer_config.json"}, "*bpe.Tokenizer", tokenizer.BPE},
		{"Unigram tokenizer.json", "tiny-xlmr-16002", []string{"tokenizer.json", "tokenizer_config.json"}, "*unigram.Tokenizer", tokenizer.Unigram},
		{"sentencepiece.bpe.model", "tiny-xlmr-16002", []string{"sentencepiece.bpe.model", "tokenizer_config.json"}, "*unigram.Tokenizer", tokenizer.Unigram},
	} {
		tok, err := tokenizer.Load(files(t, tc.fixture, tc.files...))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got := fmt.Sprintf("%T", tok); got != tc.want {
			t.Errorf("%s: got a %s, want a %s", tc.name, got, tc.want)
		}
		if got := tokenizer.ModelOf(tok); got != tc.model {
			t.Errorf("%s: ModelOf = %q, want %q", tc.name, got, tc.model)
		}
		exp := reference.LoadExpected(t, filepath.Join(reference.Fixture(t, tc.fixture), "expected.json"))
		if got, want := tok.EncodeIDs(exp.Cases[0].Text, 0), exp.Cases[0].InputIDs; !slices.Equal(got, want) {
			t.Errorf("%s: EncodeIDs = %v, want %v", tc.name, got, want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"empty", fstest.MapFS{}, "no tokenizer.json, vocab.txt, vocab.json with merges.txt, or sentencepiece.bpe.model"},
		{"wordlevel", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"model": {"type": "WordLevel"}}`)}}, `model type "WordLevel" is not supported`},
		{"unigram without unk_id", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"model": {"type": "Unigram", "vocab": [["a", -1]]}}`)}}, "unk_id"},
		{"damaged", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"model": `)}}, "damaged"},
		{"vocab.json alone", fstest.MapFS{"vocab.json": {Data: []byte(`{"a": 0}`)}}, "merges.txt"},
	} {
		_, err := tokenizer.Load(tc.fsys)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Load = %v, want an error containing %q", tc.name, err, tc.want)
		}
	}
}
