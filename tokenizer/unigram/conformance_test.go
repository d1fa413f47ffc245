package unigram_test

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/tokenizer/unigram"
)

// conformanceDir holds an XLM-R-style SentencePiece Unigram tokenizer and
// 6,000 multilingual texts with their ids from HuggingFace's Rust
// tokenizers (../shared/conformance/tokenizer-unigram, made by
// ../shared/reference/unigram).
const conformanceDir = "../../../shared/conformance/tokenizer-unigram"

type refText struct {
	Text string  `json:"text"`
	IDs  []int32 `json:"ids"`
}

func readConformance(t testing.TB) []refText {
	f, err := os.Open(filepath.Join(conformanceDir, "conformance.visible.jsonl.gz"))
	if err != nil {
		t.Skipf("the Unigram conformance set is absent (%v): it lives in ../shared", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var out []refText
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var r refText
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// folder returns the files of dir named in names, as an fs.FS.
func folder(t testing.TB, dir string, names ...string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Skipf("%s is absent (%v): it lives in ../shared", n, err)
		}
		fsys[n] = &fstest.MapFile{Data: data}
	}
	return fsys
}

// TestConformance: every text of the conformance set gets HuggingFace's
// ids, from tokenizer.json and from sentencepiece.bpe.model alone.
func TestConformance(t *testing.T) {
	texts := readConformance(t)
	for _, c := range []struct {
		name  string
		files []string
	}{
		{"tokenizer.json", []string{"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}},
		{"sentencepiece.bpe.model", []string{"sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tok, err := unigram.Load(folder(t, conformanceDir, c.files...))
			if err != nil {
				t.Fatal(err)
			}
			bad, ids := 0, 0
			for _, r := range texts {
				got := tok.EncodeIDs(r.Text, 1<<20)
				ids += len(r.IDs)
				if !slices.Equal(got, r.IDs) {
					if bad++; bad <= 10 {
						t.Errorf("%q:\n got %v\nwant %v", r.Text, got, r.IDs)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d texts differ", bad, len(texts))
			}
			t.Logf("%d texts, %d ids compared, %d mismatches", len(texts), ids, bad)
		})
	}
}

// TestFixtures: the texts of the XLM-R and BGE-M3 fixtures get the ids of
// their expected.json (made by the PyTorch reference with HuggingFace's
// tokenizer), from tokenizer.json and from sentencepiece.bpe.model alone.
func TestFixtures(t *testing.T) {
	for _, fixture := range []string{"tiny-xlmr-16002", "tiny-bgem3-16002"} {
		dir := filepath.Join("../../../shared/fixtures", fixture)
		data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
		if err != nil {
			t.Skipf("%s is absent (%v): it lives in ../shared", fixture, err)
		}
		var exp struct {
			Cases []struct {
				Text     string  `json:"text"`
				InputIDs []int32 `json:"input_ids"`
			} `json:"cases"`
		}
		if err := json.Unmarshal(data, &exp); err != nil {
			t.Fatal(err)
		}
		for _, file := range []string{"tokenizer.json", "sentencepiece.bpe.model"} {
			tok, err := unigram.Load(folder(t, dir, file, "tokenizer_config.json"))
			if err != nil {
				t.Fatalf("%s %s: %v", fixture, file, err)
			}
			for _, c := range exp.Cases {
				if got := tok.EncodeIDs(c.Text, 0); !slices.Equal(got, c.InputIDs) {
					t.Errorf("%s %s %q:\n got %v\nwant %v", fixture, file, c.Text, got, c.InputIDs)
				}
			}
		}
		t.Logf("%s: %d texts", fixture, len(exp.Cases))
	}
}
