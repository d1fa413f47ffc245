package wordpiece_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/tokenizer/wordpiece"
)

// TestMultilingual: a multilingual uncased WordPiece tokenizer (laid out
// as bert-base-multilingual-uncased's, which
// opensearch-neural-sparse-encoding-multilingual-v1 uses) gets the ids of
// HuggingFace's Rust tokenizers on texts in some 50 languages and on
// accents, CJK, Hangul, Thai, Arabic harakat, Devanagari, full-width and
// control characters, and on 1,500 random texts over 30 Unicode ranges.
// testdata/multilingual/make.py made the tokenizer and the texts,
// reference.cjs and random.cjs the ids (npm tokenizers@0.23.2). The same
// vocabulary as vocab.txt with do_lower_case gets the same ids.
func TestMultilingual(t *testing.T) {
	dir := "testdata/multilingual/"
	tj, err := os.ReadFile(dir + "tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(dir + "expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases, random []struct {
		Text string  `json:"text"`
		IDs  []int32 `json:"ids"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	if data, err = os.ReadFile(dir + "random.json"); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &random); err != nil {
		t.Fatal(err)
	}
	cases = append(cases, random...)
	var model struct {
		Model struct {
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(tj, &model); err != nil {
		t.Fatal(err)
	}
	lines := make([]string, len(model.Model.Vocab))
	for tok, id := range model.Model.Vocab {
		lines[id] = tok
	}
	for _, f := range []struct {
		name string
		fsys fstest.MapFS
	}{
		{"tokenizer.json", fstest.MapFS{"tokenizer.json": {Data: tj}}},
		{"vocab.txt", fstest.MapFS{
			"vocab.txt":             {Data: []byte(strings.Join(lines, "\n") + "\n")},
			"tokenizer_config.json": {Data: []byte(`{"tokenizer_class": "BertTokenizer", "do_lower_case": true}`)},
		}},
	} {
		tok, err := wordpiece.Load(f.fsys)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		bad, unk := 0, 0
		for _, c := range cases {
			got := tok.EncodeIDs(c.Text, 0)
			if !slices.Equal(got, c.IDs) {
				if bad++; bad <= 10 {
					t.Errorf("%s %q:\n got %v\nwant %v", f.name, c.Text, got, c.IDs)
				}
			}
			if slices.Contains(c.IDs, tok.Unk()) {
				unk++
			}
		}
		t.Logf("%s: %d texts (%d with [UNK]), %d mismatches", f.name, len(cases), unk, bad)
	}
}
