package unigram_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/tokenizer/unigram"
)

// edgeCases is testdata/hf-edge-cases.json, made by testdata/edgecases.cjs
// with HuggingFace's Rust tokenizers.
type edgeCases struct {
	Variants map[string][]patch `json:"variants"`
	Cases    []struct {
		Variant string  `json:"variant"`
		Text    string  `json:"text"`
		IDs     []int32 `json:"ids"`
	} `json:"cases"`
}

// patch sets the value at Path in a tokenizer.json, or appends Append to
// the array there.
type patch struct {
	Path   []any `json:"path"`
	Value  any   `json:"value"`
	Append []any `json:"append"`
}

func applyPatch(doc any, p patch) error {
	o := doc
	for i, k := range p.Path {
		last := i == len(p.Path)-1
		switch c := o.(type) {
		case map[string]any:
			key, _ := k.(string)
			if !last {
				o = c[key]
				continue
			}
			if p.Append != nil {
				arr, _ := c[key].([]any)
				c[key] = append(arr, p.Append...)
			} else {
				c[key] = p.Value
			}
		case []any:
			f, _ := k.(float64)
			if int(f) < 0 || int(f) >= len(c) {
				return fmt.Errorf("index %v out of range", k)
			}
			if !last {
				o = c[int(f)]
				continue
			}
			c[int(f)] = p.Value
		default:
			return fmt.Errorf("path %v does not exist", p.Path)
		}
	}
	return nil
}

// TestEdgeCases: empty text, white space only, unknown characters, emoji,
// combining marks, long words and added tokens inside text get the ids
// HuggingFace's Rust tokenizers give, on the conformance tokenizer and on
// variants of it (prepend_scheme first and never, split off, the legacy
// Metaspace, WhitespaceSplit before Metaspace, byte fallback, a string
// Replace, rstrip, single_word and normalized added tokens).
func TestEdgeCases(t *testing.T) {
	data, err := os.ReadFile("testdata/hf-edge-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var ec edgeCases
	if err := json.Unmarshal(data, &ec); err != nil {
		t.Fatal(err)
	}
	base, err := os.ReadFile(filepath.Join(conformanceDir, "tokenizer.json"))
	if err != nil {
		t.Skipf("the conformance tokenizer is absent (%v): it lives in ../shared", err)
	}
	toks := map[string]*unigram.Tokenizer{}
	for name, patches := range ec.Variants {
		var doc any
		if err := json.Unmarshal(base, &doc); err != nil {
			t.Fatal(err)
		}
		for _, p := range patches {
			if err := applyPatch(doc, p); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		tj, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := unigram.Load(fstest.MapFS{"tokenizer.json": {Data: tj}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		toks[name] = tok
	}
	bad := 0
	for _, c := range ec.Cases {
		if got := toks[c.Variant].EncodeIDs(c.Text, 1<<30); !slices.Equal(got, c.IDs) {
			bad++
			t.Errorf("%s %q:\n got %v\nwant %v", c.Variant, c.Text, got, c.IDs)
		}
	}
	t.Logf("%d cases in %d variants, %d mismatches", len(ec.Cases), len(ec.Variants), bad)
}

// TestRandomTexts: 1,500 random texts drawn from many scripts, combining
// marks, emoji sequences, control and format characters and the added
// tokens get the ids of HuggingFace's Rust tokenizers
// (testdata/random.cjs made testdata/hf-random.json), from tokenizer.json
// and from sentencepiece.bpe.model alone.
func TestRandomTexts(t *testing.T) {
	data, err := os.ReadFile("testdata/hf-random.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Text string  `json:"text"`
		IDs  []int32 `json:"ids"`
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{"tokenizer.json", unigram.ModelFile} {
		tok, err := unigram.Load(folder(t, conformanceDir, file))
		if err != nil {
			t.Fatal(err)
		}
		bad := 0
		for _, c := range cases {
			if got := tok.EncodeIDs(c.Text, 0); !slices.Equal(got, c.IDs) {
				if bad++; bad <= 10 {
					t.Errorf("%s %q:\n got %v\nwant %v", file, c.Text, got, c.IDs)
				}
			}
		}
		t.Logf("%s: %d texts, %d mismatches", file, len(cases), bad)
	}
}
