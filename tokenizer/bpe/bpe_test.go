package bpe_test

import (
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/splade-go/splade/internal/reference"
	"github.com/splade-go/splade/tokenizer/bpe"
)

// loadRoberta loads the tiny-roberta-50262 tokenizer by tokenizer.json or
// by vocab.json + merges.txt.
func loadRoberta(t testing.TB, vocabOnly bool) *bpe.Tokenizer {
	t.Helper()
	dir := reference.Fixture(t, "tiny-roberta-50262")
	if vocabOnly {
		dir = vocabMergesOnly(t, dir)
	}
	tok, err := bpe.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestExpectedIDs checks the input ids of the fixture's reference cases:
// white space runs, NUL, zero-width space, emoji, CJK, and a text cut at
// model_max_length (64).
func TestExpectedIDs(t *testing.T) {
	exp := reference.LoadExpected(t, filepath.Join(reference.Fixture(t, "tiny-roberta-50262"), "expected.json"))
	for _, vocabOnly := range []bool{false, true} {
		tok := loadRoberta(t, vocabOnly)
		if tok.MaxLength() != 64 || tok.VocabSize() != 50262 || tok.Pad() != 1 {
			t.Errorf("vocabOnly=%v: MaxLength %d, VocabSize %d, Pad %d; want 64, 50262, 1", vocabOnly, tok.MaxLength(), tok.VocabSize(), tok.Pad())
		}
		for _, c := range exp.Cases {
			ids := tok.EncodeIDs(c.Text, 0)
			if !slices.Equal(ids, c.InputIDs) {
				t.Errorf("vocabOnly=%v %q:\n got %v\nwant %v", vocabOnly, c.Text, ids, c.InputIDs)
				continue
			}
			for i, id := range ids {
				if got := tok.Token(int(id)); got != c.Tokens[i] {
					t.Errorf("%q: token %d = %q, want %q", c.Text, i, got, c.Tokens[i])
				}
			}
		}
	}
}

// TestSpecialTokens checks RoBERTa's added tokens: <mask> takes the space
// on its left (lstrip), the others are matched exactly, and text between
// them is tokenized on its own.
func TestSpecialTokens(t *testing.T) {
	for _, vocabOnly := range []bool{false, true} {
		tok := loadRoberta(t, vocabOnly)
		id := func(s string) int32 {
			v, ok := tok.ID(s)
			if !ok {
				t.Fatalf("no token %q", s)
			}
			return v
		}
		for _, c := range []struct {
			text string
			want []string
		}{
			{"Hello <mask>!", []string{"Hello", "<mask>", "!"}},
			{"Hello   <mask> world", []string{"Hello", "<mask>", "Ġworld"}},
			{"a</s>b", []string{"a", "</s>", "b"}},
			{"a </s> b", []string{"a", "Ġ", "</s>", "Ġb"}},
			{"<mask>", []string{"<mask>"}},
		} {
			var want []int32
			for _, p := range c.want {
				want = append(want, id(p))
			}
			if got := tok.IDs(c.text); !slices.Equal(got, want) {
				t.Errorf("vocabOnly=%v IDs(%q) = %q, want %q", vocabOnly, c.text, tok.Pieces(c.text), c.want)
			}
		}
	}
}

func TestTruncation(t *testing.T) {
	tok := loadRoberta(t, false)
	text := strings.Repeat("word ", 100)
	for _, maxLen := range []int{1, 2, 3, 10, 64} {
		ids := tok.EncodeIDs(text, maxLen)
		wantLen := max(maxLen, 2)
		if len(ids) != wantLen || ids[0] != 0 || ids[len(ids)-1] != 2 {
			t.Errorf("EncodeIDs(_, %d) = %v, want %d ids from <s> (0) to </s> (2)", maxLen, ids, wantLen)
		}
		if all := tok.IDs(text); maxLen > 2 && !slices.Equal(ids[1:len(ids)-1], all[:maxLen-2]) {
			t.Errorf("EncodeIDs(_, %d) does not keep the first %d pieces", maxLen, maxLen-2)
		}
	}
}

// TestInvalidUTF8 checks that each invalid byte reads as U+FFFD.
func TestInvalidUTF8(t *testing.T) {
	tok := loadRoberta(t, false)
	got := tok.IDs("a\xff\xfeb")
	want := tok.IDs("a\uFFFD\uFFFDb")
	if !slices.Equal(got, want) {
		t.Errorf("IDs(a\\xff\\xfeb) = %v, want %v (as a\\uFFFD\\uFFFDb)", got, want)
	}
}

// TestConcurrent tokenizes from many goroutines at once, sharing the word
// cache (run with -race).
func TestConcurrent(t *testing.T) {
	tok := loadRoberta(t, false)
	texts := []string{"The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."}
	want := make([][]int32, len(texts))
	for i, s := range texts {
		want[i] = tok.EncodeIDs(s+" extra", 0)
	}
	tok = loadRoberta(t, false) // a cold cache
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				k := (g + i) % len(texts)
				if got := tok.EncodeIDs(texts[k]+" extra", 0); !slices.Equal(got, want[k]) {
					t.Errorf("goroutine %d: %v, want %v", g, got, want[k])
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkIDs(b *testing.B) {
	sets := loadConformance(b)
	dir := reference.Shared(b, "conformance/tokenizer-bpe")
	tok, err := bpe.LoadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, name := range []string{"topics.beir-v1.0.0-arguana.test"} {
		for _, c := range sets[name] {
			texts = append(texts, c.text)
		}
	}
	bytes, tokens := 0, 0
	for _, text := range texts {
		bytes += len(text)
		tokens += len(tok.IDs(text))
	}
	b.SetBytes(int64(bytes))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, text := range texts {
			tok.IDs(text)
		}
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkLoad(b *testing.B) {
	dir := reference.Shared(b, "conformance/tokenizer-bpe")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bpe.LoadDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}
