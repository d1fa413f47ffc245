package bpe_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/internal/testutil/reference"
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

// TestReferenceCases checks white space, contractions, numbers, Unicode
// spaces, emoji, added tokens in odd places and add_prefix_space, against
// ids that the JS reference (@huggingface/tokenizers 0.2.0, run outside
// the repository on the tiny-roberta-50262 tokenizer.json, with
// add_prefix_space false and true) gave for these texts.
func TestReferenceCases(t *testing.T) {
	dir := reference.Fixture(t, "tiny-roberta-50262")
	cases := []struct {
		text          string
		plain, prefix []int32
	}{
		{"  leading and trailing  ", []int32{0, 224, 3760, 294, 25466, 224, 224, 2}, []int32{0, 224, 3760, 294, 25466, 224, 224, 2}},
		{"a\t\tb\n\nc \n d", []int32{0, 68, 201, 201, 69, 202, 202, 70, 224, 202, 292, 2}, []int32{0, 261, 201, 201, 69, 202, 202, 70, 224, 202, 292, 2}},
		{"DON'T it's we'RE they'll I'd you've 'sup", []int32{0, 41177, 10, 55, 344, 342, 360, 10, 2204, 488, 1187, 318, 1553, 349, 1057, 709, 37334, 2}, []int32{0, 23921, 10, 55, 344, 342, 360, 10, 2204, 488, 1187, 318, 1553, 349, 1057, 709, 37334, 2}},
		{"12345 1.5 3,000 \u00bd \u0663", []int32{0, 10167, 2235, 356, 17, 24, 517, 15, 834, 25212, 18927, 100, 2}, []int32{0, 17035, 2235, 356, 17, 24, 517, 15, 834, 25212, 18927, 100, 2}},
		{"no\u00a0break\u3000ideographic\u2003em", []int32{0, 3923, 1853, 9036, 5103, 226, 489, 6830, 451, 229, 372, 2}, []int32{0, 649, 1853, 9036, 5103, 226, 489, 6830, 451, 229, 372, 2}},
		{"\U0001f468\u200d\U0001f469\u200d\U0001f467 family e\u0301 combining", []int32{0, 41844, 105, 451, 239, 41844, 106, 451, 239, 41844, 104, 1645, 308, 140, 227, 19775, 2}, []int32{0, 50173, 105, 451, 239, 41844, 106, 451, 239, 41844, 104, 1645, 308, 140, 227, 19775, 2}},
		{"x <mask> y<mask>z  <mask>", []int32{0, 91, 50261, 335, 50261, 93, 50261, 2}, []int32{0, 2128, 50261, 335, 50261, 1980, 50261, 2}},
		{"<s>inside</s></s> <unk>", []int32{0, 0, 48791, 2, 2, 224, 3, 2}, []int32{0, 0, 2645, 2, 2, 224, 3, 2}},
		{"!!!??? ... ---", []int32{0, 10189, 28362, 2648, 11424, 2}, []int32{0, 224, 10189, 28362, 2648, 11424, 2}},
		{"tab\tthen <mask>\tafter", []int32{0, 8662, 201, 8528, 50261, 201, 8503, 2}, []int32{0, 7404, 201, 8528, 50261, 224, 201, 8503, 2}},
		{"   ", []int32{0, 224, 224, 224, 2}, []int32{0, 224, 224, 224, 2}},
		{"a  ", []int32{0, 68, 224, 224, 2}, []int32{0, 261, 224, 224, 2}},
		{"\n", []int32{0, 202, 2}, []int32{0, 224, 202, 2}},
		{"\u0391\u0392\u0393 \u03b1\u03b2\u03b3 \u041f\u0440\u0438\u0432\u0435\u0442 \u043c\u0438\u0440", []int32{0, 142, 243, 142, 244, 142, 245, 26371, 26642, 42067, 12470, 257, 21173, 18853, 38861, 16847, 20379, 12470, 124, 18853, 21173, 2}, []int32{0, 7381, 243, 142, 244, 142, 245, 26371, 26642, 42067, 12470, 257, 21173, 18853, 38861, 16847, 20379, 12470, 124, 18853, 21173, 2}},
	}
	tj, err := os.ReadFile(filepath.Join(dir, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(tj, &doc); err != nil {
		t.Fatal(err)
	}
	doc["pre_tokenizer"].(map[string]any)["add_prefix_space"] = true
	prefixJSON, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	files := func(names ...string) fstest.MapFS {
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
	withPrefixJSON := files("tokenizer_config.json", "special_tokens_map.json")
	withPrefixJSON["tokenizer.json"] = &fstest.MapFile{Data: prefixJSON}
	withPrefixVocab := files("vocab.json", "merges.txt")
	withPrefixVocab["tokenizer_config.json"] = &fstest.MapFile{Data: []byte(`{"tokenizer_class": "RobertaTokenizer", "add_prefix_space": true, "model_max_length": 64}`)}
	for _, load := range []struct {
		name   string
		fsys   fstest.MapFS
		prefix bool
	}{
		{"tokenizer.json", files("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"), false},
		{"vocab.json+merges.txt", files("vocab.json", "merges.txt", "tokenizer_config.json"), false},
		{"tokenizer.json add_prefix_space", withPrefixJSON, true},
		{"vocab.json+merges.txt add_prefix_space", withPrefixVocab, true},
	} {
		tok, err := bpe.Load(load.fsys)
		if err != nil {
			t.Fatalf("%s: %v", load.name, err)
		}
		for _, c := range cases {
			want := c.plain
			if load.prefix {
				want = c.prefix
			}
			if got := tok.EncodeIDs(c.text, 0); !slices.Equal(got, want) {
				t.Errorf("%s %q:\n got %v %q\nwant %v", load.name, c.text, got, tok.Pieces(c.text), want)
			}
		}
	}
}

// TestPostProcessors checks the other ways a folder states the special
// tokens: a TemplateProcessing equal to RobertaProcessing gives the same
// ids, and a GPT2Tokenizer folder (vocab.json + merges.txt) adds none.
func TestPostProcessors(t *testing.T) {
	dir := reference.Fixture(t, "tiny-roberta-50262")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	var doc map[string]any
	if err := json.Unmarshal(read("tokenizer.json"), &doc); err != nil {
		t.Fatal(err)
	}
	var template any
	if err := json.Unmarshal([]byte(`{"type": "TemplateProcessing",
		"single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
		"special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}, "</s>": {"id": "</s>", "ids": [2], "tokens": ["</s>"]}}}`), &template); err != nil {
		t.Fatal(err)
	}
	doc["post_processor"] = template
	tj, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := bpe.Load(fstest.MapFS{"tokenizer.json": {Data: tj}, "tokenizer_config.json": {Data: read("tokenizer_config.json")}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range exp.Cases {
		if got := tok.EncodeIDs(c.Text, 0); !slices.Equal(got, c.InputIDs) {
			t.Errorf("TemplateProcessing %q: %v, want %v", c.Text, got, c.InputIDs)
		}
	}

	gpt2, err := bpe.Load(fstest.MapFS{"vocab.json": {Data: read("vocab.json")}, "merges.txt": {Data: read("merges.txt")},
		"tokenizer_config.json": {Data: []byte(`{"tokenizer_class": "GPT2Tokenizer", "model_max_length": 1024}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := gpt2.ID("<|endoftext|>"); !ok || gpt2.MaxLength() != 1024 {
		t.Errorf("GPT2Tokenizer: <|endoftext|> known %v, MaxLength %d; want true, 1024", ok, gpt2.MaxLength())
	}
	for _, c := range exp.Cases {
		if c.Text == "" {
			continue
		}
		want := c.InputIDs[1 : len(c.InputIDs)-1] // no <s> and </s>
		if got := gpt2.EncodeIDs(c.Text, 0); len(want) < 62 && !slices.Equal(got, want) {
			t.Errorf("GPT2Tokenizer %q: %v, want %v", c.Text, got, want)
		}
	}
}

// TestAddedTokensDecoder: tokenizer_config.json's added_tokens_decoder adds
// tokens beyond vocab.json, matched whole with their own lstrip/rstrip.
func TestAddedTokensDecoder(t *testing.T) {
	dir := reference.Fixture(t, "tiny-roberta-50262")
	read := func(name string) *fstest.MapFile {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return &fstest.MapFile{Data: data}
	}
	tok, err := bpe.Load(fstest.MapFS{"vocab.json": read("vocab.json"), "merges.txt": read("merges.txt"),
		"tokenizer_config.json": {Data: []byte(`{"tokenizer_class": "RobertaTokenizer", "added_tokens_decoder": {
			"50261": {"content": "<mask>", "lstrip": true, "rstrip": false, "single_word": false, "normalized": false, "special": true},
			"50262": {"content": "[ENT]", "lstrip": false, "rstrip": true, "single_word": false, "normalized": false, "special": false}}}`)}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() != 50263 {
		t.Errorf("VocabSize %d, want 50263 (vocab.json + [ENT])", tok.VocabSize())
	}
	ent, _ := tok.ID("[ENT]")
	mask, _ := tok.ID("<mask>")
	x, _ := tok.ID("x")
	spaceY, _ := tok.ID("Ġy")
	y, _ := tok.ID("y")
	if ent != 50262 || mask != 50261 {
		t.Fatalf("[ENT] %d, <mask> %d; want 50262, 50261", ent, mask)
	}
	for text, want := range map[string][]int32{
		"x[ENT] y":       {x, ent, y},  // rstrip takes the space after
		"x <mask>y":      {x, mask, y}, // lstrip the space before
		"x[ENT]<mask> y": {x, ent, mask, spaceY},
	} {
		if got := tok.IDs(text); !slices.Equal(got, want) {
			t.Errorf("IDs(%q) = %v %q, want %v", text, got, tok.Pieces(text), want)
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

// BenchmarkEncodeShort encodes the 43 short TREC DL19 queries, as
// wordpiece's benchmark of the same name does.
func BenchmarkEncodeShort(b *testing.B) {
	tok, err := bpe.LoadDir(reference.Shared(b, "conformance/tokenizer-bpe"))
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(reference.Shared(b, "conformance/tokenizer"), "topics.dl19-passage.txt"))
	if err != nil {
		b.Fatal(err)
	}
	var texts []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		_, text, _ := strings.Cut(line, "\t")
		texts = append(texts, text)
	}
	tokens := 0
	for _, text := range texts {
		tokens += len(tok.EncodeIDs(text, 0))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, text := range texts {
			tok.EncodeIDs(text, 0)
		}
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// TestLongInputs: huge words and long runs of white space or added tokens
// encode (and truncate) without trouble.
func TestLongInputs(t *testing.T) {
	tok := loadRoberta(t, false)
	for _, text := range []string{
		strings.Repeat("a", 1<<20),
		strings.Repeat(" ", 1<<20),
		strings.Repeat("<mask>", 1<<16),
		strings.Repeat("é😀", 1<<16),
	} {
		ids := tok.EncodeIDs(text, 64)
		if len(ids) != 64 || ids[0] != 0 || ids[63] != 2 {
			t.Errorf("%.10q...: %d ids from %d to %d, want 64 from <s> to </s>", text, len(ids), ids[0], ids[len(ids)-1])
		}
	}
}

// FuzzEncodeIDs: any text encodes without a panic into ids of the
// vocabulary between <s> and </s>, the same again once its words are
// cached, and the truncated encoding is a prefix of the full one.
func FuzzEncodeIDs(f *testing.F) {
	dir := reference.Fixture(f, "tiny-roberta-50262")
	warm, err := bpe.LoadDir(dir)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", " ", "Hello <mask>!", "a\xffb", "  x\t\ny  ", "DON'T 's 12.5 東京 😀", "<s></s><pad>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		got := warm.EncodeIDs(text, 1<<30)
		if again := warm.EncodeIDs(text, 1<<30); !slices.Equal(got, again) {
			t.Fatalf("%q: %v, then %v with its words cached", text, got, again)
		}
		if len(got) < 2 || got[0] != 0 || got[len(got)-1] != 2 {
			t.Fatalf("%q: %v does not run from <s> to </s>", text, got)
		}
		for _, id := range got {
			if id < 0 || int(id) >= warm.VocabSize() {
				t.Fatalf("%q: id %d outside the vocabulary", text, id)
			}
		}
		short := warm.EncodeIDs(text, 8)
		if n := len(short); n > 8 || !slices.Equal(short[:n-1], got[:n-1]) {
			t.Fatalf("%q: truncated %v is not a prefix of %v", text, short, got)
		}
	})
}

// TestRefusesOutsideLinks: a tokenizer file that links out of the model
// folder is refused, not read (package safefs).
func TestRefusesOutsideLinks(t *testing.T) {
	src := reference.Fixture(t, "tiny-roberta-50262")
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "vocab.json")
	data, err := os.ReadFile(filepath.Join(src, "vocab.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(outside, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "vocab.json")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	merges, err := os.ReadFile(filepath.Join(src, "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "merges.txt"), merges, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := bpe.LoadDir(dir); err == nil || !strings.Contains(err.Error(), "outside the model folder") {
		t.Errorf("LoadDir with vocab.json linking outside: %v, want it refused", err)
	}
}
