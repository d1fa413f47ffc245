package wordpiece_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/tokenizer/wordpiece"
)

// TestFixtures checks Encode against the ids and tokens the JavaScript
// port of HuggingFace tokenizers gave for the fixture models.
func TestFixtures(t *testing.T) {
	for _, name := range []string{"tiny-bert", "tiny-distilbert", "small-bert-30522", "edge-bert-30522"} {
		t.Run(name, func(t *testing.T) {
			dir := reference.Fixture(t, name)
			want := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
			tok, err := wordpiece.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if want.VocabSize != 0 && tok.VocabSize() != want.VocabSize {
				t.Errorf("VocabSize() = %d, want %d", tok.VocabSize(), want.VocabSize)
			}
			for _, c := range want.Cases {
				enc := tok.Encode(c.Text, 0)
				if !slices.Equal(enc.IDs, c.InputIDs) || !slices.Equal(enc.Tokens, c.Tokens) {
					t.Errorf("Encode(%q):\n got %v %q\nwant %v %q", c.Text, enc.IDs, enc.Tokens, c.InputIDs, c.Tokens)
				}
			}
		})
	}
}

// loadTiny loads testdata/tiny-bert.
func loadTiny(t testing.TB) *wordpiece.Tokenizer {
	t.Helper()
	tok, err := wordpiece.LoadDir(reference.Fixture(t, "tiny-bert"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// loadBERT loads the bert-base-uncased tokenizer of ../shared.
func loadBERT(t testing.TB) *wordpiece.Tokenizer {
	t.Helper()
	tok, err := wordpiece.LoadDir(reference.Shared(t, "conformance/tokenizer"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestSpecials(t *testing.T) {
	tok := loadBERT(t)
	for _, c := range []struct {
		got  int32
		name string
		want int32
	}{{tok.Pad(), "[PAD]", 0}, {tok.Unk(), "[UNK]", 100}, {tok.CLS(), "[CLS]", 101}, {tok.SEP(), "[SEP]", 102}} {
		if c.got != c.want {
			t.Errorf("%s id = %d, want %d", c.name, c.got, c.want)
		}
		if id, ok := tok.ID(c.name); !ok || id != c.want {
			t.Errorf("ID(%q) = %d, %v; want %d, true", c.name, id, ok, c.want)
		}
		if got := tok.Token(int(c.want)); got != c.name {
			t.Errorf("Token(%d) = %q, want %q", c.want, got, c.name)
		}
	}
	if tok.VocabSize() != 30522 {
		t.Errorf("VocabSize() = %d, want 30522", tok.VocabSize())
	}
	if got := tok.Token(30522); got != "" {
		t.Errorf("Token(30522) = %q, want \"\"", got)
	}
	if got := tok.Token(-1); got != "" {
		t.Errorf("Token(-1) = %q, want \"\"", got)
	}
	if _, ok := tok.ID("no-such-token"); ok {
		t.Error("ID(\"no-such-token\") found a token")
	}
}

func TestPieces(t *testing.T) {
	tok := loadBERT(t)
	for _, c := range []struct{ text, want string }{
		{"", ""},
		{" \t\n ", ""},
		{"Hello, World!", "hello , world !"},
		{"do goldfish grow", "do gold ##fish grow"},
		// Accents are stripped after NFD; the dotted capital I loses its dot.
		{"Héllo Wörld café İstanbul", "hello world cafe istanbul"},
		// Format characters (Cf) are dropped, joining the words around them.
		{"soft\u00adhyphen zero\u200bwidth left\u200eto\u200fright\ufeffbom", "soft ##hy ##ph ##en zero ##wi ##dt ##h left ##tori ##ght ##bo ##m"},
		// Controls are dropped, \t \n \r and other white space split.
		{"a\x00b\x07c\x0bd\x85e f\tg\nh\ri\u00a0j\u3000k\u2028l", "abc ##de f g h i j k l"},
		// CJK ideographs are words of their own.
		{"東京タワー北京", "東 京 タ ##ワ ##ー 北 京"},
		// Unicode punctuation is split off; symbols are not punctuation.
		{"«quoted» — “this” ¿qué? 5€", "« quoted » — “ this ” ¿ que ? 5 ##€"},
		// Each ASCII symbol is punctuation to BERT.
		{"a+b=c $5 ^_^ ~x|y`", "a + b = c $ 5 ^ _ ^ ~ x | y `"},
		// Special tokens in the text are kept whole, even inside a word.
		{"a [MASK] b[SEP]c [mask]", "a [MASK] b [SEP] c [ mask ]"},
		// A word that cannot be cut is one [UNK]. Unassigned code points
		// (U+0378) are kept, private use ones (U+E000) dropped.
		{"x ❤️ y", "x [UNK] y"},
		{"\u0378x\ue000y\U000f0000z", "[UNK]"},
	} {
		got := strings.Join(tok.Pieces(c.text), " ")
		if got != c.want {
			t.Errorf("Pieces(%q)\n got %q\nwant %q", c.text, got, c.want)
		}
	}
}

// TestRustSemantics pins two behaviours where HuggingFace's Rust
// tokenizers (which sentence-transformers runs) and its JavaScript port
// disagree; this package follows Rust. Rust lowercases character by
// character, so a final capital sigma becomes σ, not ς; and it tests CJK
// ideographs by code point, so those beyond U+FFFF are split off too.
func TestRustSemantics(t *testing.T) {
	tok := loadBERT(t)
	for _, c := range []struct{ text, want string }{
		{"uΣ", "u ##σ"},
		{"ΟΔΟΣ", "ο ##δ ##ο ##σ"},
		{"a\U00020000b", "a [UNK] b"},
		{"ナ\U0002B920$", "ナ [UNK] $"},
	} {
		if got := strings.Join(tok.Pieces(c.text), " "); got != c.want {
			t.Errorf("Pieces(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestInvalidUTF8(t *testing.T) {
	tok := loadBERT(t)
	// Each invalid byte reads as U+FFFD, which clean_text drops.
	got := tok.Pieces("ab\xffcd \xc3 ef\xe2\x82")
	want := tok.Pieces("abcd  ef")
	if !slices.Equal(got, want) {
		t.Errorf("Pieces with invalid UTF-8 = %q, want %q", got, want)
	}
	if got := tok.Pieces("\xff\xfe\xfd"); len(got) != 0 {
		t.Errorf("Pieces of invalid bytes only = %q, want none", got)
	}
	if got := tok.Pieces("a\ufffdb"); !slices.Equal(got, tok.Pieces("ab")) {
		t.Errorf("Pieces(\"a\\ufffdb\") = %q, want those of \"ab\"", got)
	}
}

func TestWordLimit(t *testing.T) {
	tok := loadBERT(t)
	for _, c := range []struct {
		name string
		word string
		unk  bool
	}{
		{"100 ASCII", strings.Repeat("a", 100), false},
		{"101 ASCII", strings.Repeat("a", 101), true},
		// é is 2 bytes but 1 character; the limit counts characters
		// after normalization.
		{"100 runes", strings.Repeat("ж", 100), false},
		{"101 runes", strings.Repeat("ж", 101), true},
		// Accents are stripped before counting: 100 "e" + 100 marks.
		{"100 accented", strings.Repeat("e\u0301", 100), false},
		{"101 accented", strings.Repeat("e\u0301", 101), true},
	} {
		got := tok.Pieces("x " + c.word + " y")
		isUnk := len(got) == 3 && got[1] == "[UNK]"
		if isUnk != c.unk || got[0] != "x" || got[len(got)-1] != "y" {
			t.Errorf("%s: Pieces = %q (%d pieces), want [UNK]: %v", c.name, got[:min(len(got), 5)], len(got), c.unk)
		}
	}
}

func TestEncodeTruncation(t *testing.T) {
	tok := loadBERT(t)
	text := "one two three four five six"
	ids := tok.IDs(text)
	if len(ids) != 6 {
		t.Fatalf("IDs(%q) has %d ids, want 6", text, len(ids))
	}
	cls, sep := tok.CLS(), tok.SEP()
	for _, c := range []struct {
		maxLen int
		want   []int32
	}{
		{0, append(append([]int32{cls}, ids...), sep)}, // MaxLength 512
		{8, append(append([]int32{cls}, ids...), sep)},
		{100, append(append([]int32{cls}, ids...), sep)},
		{7, append(append([]int32{cls}, ids[:5]...), sep)},
		{4, []int32{cls, ids[0], ids[1], sep}},
		{2, []int32{cls, sep}},
		{1, []int32{cls, sep}},
	} {
		enc := tok.Encode(text, c.maxLen)
		if !slices.Equal(enc.IDs, c.want) {
			t.Errorf("Encode(%q, %d).IDs = %v, want %v", text, c.maxLen, enc.IDs, c.want)
		}
		if len(enc.Tokens) != len(enc.IDs) || enc.Tokens[0] != "[CLS]" || enc.Tokens[len(enc.Tokens)-1] != "[SEP]" {
			t.Errorf("Encode(%q, %d).Tokens = %q", text, c.maxLen, enc.Tokens)
		}
	}

	// maxLen 0 falls back on model_max_length.
	long := strings.Repeat("word ", 1000)
	if n := len(tok.Encode(long, 0).IDs); n != 512 {
		t.Errorf("Encode(1000 words, 0) has %d ids, want 512", n)
	}
	if n := len(tok.Encode(long, 10).IDs); n != 10 {
		t.Errorf("Encode(1000 words, 10) has %d ids, want 10", n)
	}
	// Truncation inside a word cut into pieces, and after an added token.
	enc := tok.Encode("goldfish goldfish [MASK] goldfish", 4)
	if want := []string{"[CLS]", "gold", "##fish", "[SEP]"}; !slices.Equal(enc.Tokens, want) {
		t.Errorf("Encode(goldfish..., 4).Tokens = %q, want %q", enc.Tokens, want)
	}
	enc = tok.Encode("goldfish [MASK] goldfish", 5)
	if want := []string{"[CLS]", "gold", "##fish", "[MASK]", "[SEP]"}; !slices.Equal(enc.Tokens, want) {
		t.Errorf("Encode(goldfish [MASK]..., 5).Tokens = %q, want %q", enc.Tokens, want)
	}
}

func TestEncodeEmpty(t *testing.T) {
	tok := loadBERT(t)
	for _, text := range []string{"", "   ", "\u200b\x00"} {
		enc := tok.Encode(text, 0)
		if want := []int32{101, 102}; !slices.Equal(enc.IDs, want) {
			t.Errorf("Encode(%q).IDs = %v, want %v", text, enc.IDs, want)
		}
	}
}

func TestNoTruncation(t *testing.T) {
	// Without model_max_length, maxLen 0 means no truncation.
	dir := reference.Shared(t, "conformance/tokenizer")
	vocab, err := os.ReadFile(filepath.Join(dir, "vocab.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := wordpiece.Load(fstest.MapFS{"vocab.txt": {Data: vocab}})
	if err != nil {
		t.Fatal(err)
	}
	if tok.MaxLength() != 0 {
		t.Errorf("MaxLength() = %d, want 0", tok.MaxLength())
	}
	if n := len(tok.Encode(strings.Repeat("word ", 1000), 0).IDs); n != 1002 {
		t.Errorf("Encode(1000 words, 0) has %d ids, want 1002", n)
	}
	if n := len(tok.Encode(strings.Repeat("word ", 1000), 20).IDs); n != 20 {
		t.Errorf("Encode(1000 words, 20) has %d ids, want 20", n)
	}
}

func TestEncodeBatch(t *testing.T) {
	tok := loadBERT(t)
	texts := []string{"do goldfish grow", "", "what is wifi vs bluetooth"}
	b := tok.EncodeBatch(texts, 0)
	if b.Len != 9 || len(b.IDs) != 3 || len(b.Mask) != 3 {
		t.Fatalf("EncodeBatch: Len %d, %d rows of ids, %d of masks; want 9, 3, 3", b.Len, len(b.IDs), len(b.Mask))
	}
	for i, text := range texts {
		enc := tok.Encode(text, 0)
		if len(b.IDs[i]) != b.Len || len(b.Mask[i]) != b.Len {
			t.Fatalf("row %d has %d ids and %d mask values, want %d", i, len(b.IDs[i]), len(b.Mask[i]), b.Len)
		}
		for j := range b.Len {
			wantID, wantMask := tok.Pad(), int32(0)
			if j < len(enc.IDs) {
				wantID, wantMask = enc.IDs[j], 1
			}
			if b.IDs[i][j] != wantID || b.Mask[i][j] != wantMask {
				t.Errorf("row %d col %d: id %d mask %d, want %d %d", i, j, b.IDs[i][j], b.Mask[i][j], wantID, wantMask)
			}
		}
	}
	// Truncation applies to each row.
	b = tok.EncodeBatch(texts, 4)
	if b.Len != 4 {
		t.Errorf("EncodeBatch(texts, 4).Len = %d, want 4", b.Len)
	}
	if want := []int32{101, 2079, 2751, 102}; !slices.Equal(b.IDs[0], want) {
		t.Errorf("EncodeBatch(texts, 4).IDs[0] = %v, want %v", b.IDs[0], want)
	}
	if b = tok.EncodeBatch(nil, 0); b.Len != 0 || len(b.IDs) != 0 {
		t.Errorf("EncodeBatch(nil) = %+v, want an empty batch", b)
	}
}

func TestLoadSettings(t *testing.T) {
	vocab := "[PAD]\n[UNK]\n[CLS]\n[SEP]\n<s>\n</s>\nhello\nHello\nhél\n##lo\ncafé\ncafe\n"
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		text  string
		want  string
	}{
		{"defaults", fstest.MapFS{}, "Héllo Café", "hello cafe"},
		{"cased", fstest.MapFS{"tokenizer_config.json": {Data: []byte(`{"do_lower_case": false}`)}}, "Hello café Café hél", "Hello café [UNK] hél"},
		{"lowercase keeps accents", fstest.MapFS{"tokenizer_config.json": {Data: []byte(`{"do_lower_case": true, "strip_accents": false}`)}}, "HÉLlo Café", "hél ##lo café"},
		{"special names", fstest.MapFS{"special_tokens_map.json": {Data: []byte(`{"cls_token": {"content": "<s>"}, "sep_token": "</s>"}`)}}, "hello </s>", "hello </s>"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.files["vocab.txt"] = &fstest.MapFile{Data: []byte(vocab)}
			tok, err := wordpiece.Load(c.files)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(tok.Pieces(c.text), " "); got != c.want {
				t.Errorf("Pieces(%q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
	tok, err := wordpiece.Load(fstest.MapFS{
		"vocab.txt":               {Data: []byte(vocab)},
		"special_tokens_map.json": {Data: []byte(`{"cls_token": "<s>", "sep_token": "</s>"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.CLS() != 4 || tok.SEP() != 5 || tok.Pad() != 0 || tok.Unk() != 1 {
		t.Errorf("CLS, SEP, Pad, Unk = %d %d %d %d, want 4 5 0 1", tok.CLS(), tok.SEP(), tok.Pad(), tok.Unk())
	}
}

func TestLoadTokenizerJSON(t *testing.T) {
	// A minimal tokenizer.json: BertProcessing names the specials, no
	// normalizer (cased, accents kept), another continuation prefix.
	const tj = `{
	  "added_tokens": [{"id": 5, "content": "<mask>"}],
	  "normalizer": null,
	  "pre_tokenizer": {"type": "BertPreTokenizer"},
	  "post_processor": {"type": "BertProcessing", "sep": ["</s>", 3], "cls": ["<s>", 2]},
	  "model": {"type": "WordPiece", "unk_token": "<unk>", "continuing_subword_prefix": "@@",
	            "max_input_chars_per_word": 5,
	            "vocab": {"<pad>": 0, "<unk>": 1, "<s>": 2, "</s>": 3, "Hé": 4, "@@llo": 6, "!": 7}}
	}`
	tok, err := wordpiece.Load(fstest.MapFS{
		"tokenizer.json":        {Data: []byte(tj)},
		"tokenizer_config.json": {Data: []byte(`{"pad_token": "<pad>", "model_max_length": 1000000000000000019884624838656}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if tok.CLS() != 2 || tok.SEP() != 3 || tok.Pad() != 0 || tok.Unk() != 1 || tok.MaxLength() != 0 || tok.VocabSize() != 8 {
		t.Errorf("CLS, SEP, Pad, Unk, MaxLength, VocabSize = %d %d %d %d %d %d, want 2 3 0 1 0 8",
			tok.CLS(), tok.SEP(), tok.Pad(), tok.Unk(), tok.MaxLength(), tok.VocabSize())
	}
	if id, ok := tok.ID("<mask>"); !ok || id != 5 || tok.Token(5) != "<mask>" {
		t.Errorf("ID(<mask>) = %d, %v; Token(5) = %q", id, ok, tok.Token(5))
	}
	enc := tok.Encode("Héllo<mask>! hello Hélloo", 0)
	if want := []string{"<s>", "Hé", "@@llo", "<mask>", "!", "<unk>", "<unk>", "</s>"}; !slices.Equal(enc.Tokens, want) {
		t.Errorf("Encode tokens = %q, want %q", enc.Tokens, want)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"empty folder", fstest.MapFS{}, "neither tokenizer.json nor vocab.txt"},
		{"bad tokenizer.json", fstest.MapFS{"tokenizer.json": {Data: []byte("{")}}, "tokenizer.json"},
		{"BPE", fstest.MapFS{"tokenizer.json": {Data: []byte(`{"model": {"type": "BPE", "vocab": {"a": 0}}}`)}}, `model type "BPE"`},
		{"bad config", fstest.MapFS{"vocab.txt": {Data: []byte("[UNK]\n")}, "tokenizer_config.json": {Data: []byte("[")}}, "tokenizer_config.json"},
		{"no unk", fstest.MapFS{"vocab.txt": {Data: []byte("a\nb\n")}}, `unknown token "[UNK]"`},
		{"no cls", fstest.MapFS{"vocab.txt": {Data: []byte("[UNK]\n[SEP]\n[PAD]\n")}}, `classification token "[CLS]"`},
		{"empty vocab", fstest.MapFS{"vocab.txt": {Data: nil}}, "vocab.txt is empty"},
		// Issue 11 row 2: ids that once indexed past the token table.
		{"huge vocab id", tokenizerJSON(`{"[UNK]": 0, "a": 2147483647}`, `[]`), "token id 2147483647 is too large for a vocabulary of 2 tokens"},
		{"huge added id", tokenizerJSON(`{"[UNK]": 0, "a": 1}`, `[{"id": 2147483647, "content": "[X]"}]`), "token id 2147483647 is too large"},
		{"negative added id", tokenizerJSON(`{"[UNK]": 0}`, `[{"id": -1, "content": "[X]"}]`), "negative id -1"},
		{"negative vocab id", tokenizerJSON(`{"[UNK]": 0, "b": -5}`, `[]`), "negative id -5"},
		{"vocab id past the limit", tokenizerJSON(`{"[UNK]": 0, "a": 1028}`, `[]`), "token id 1028 is too large for a vocabulary of 2 tokens, the limit being 1027"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := wordpiece.Load(c.files)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "wordpiece: ") {
				t.Errorf("Load: error %v, want one with %q", err, c.want)
			}
		})
	}
}

// tokenizerJSON is a minimal WordPiece tokenizer.json with the given
// vocab and added_tokens.
func tokenizerJSON(vocab, added string) fstest.MapFS {
	return fstest.MapFS{"tokenizer.json": {Data: []byte(`{"added_tokens": ` + added +
		`, "pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": ` + vocab + `}}`)}}
}

// FuzzLoad feeds Load a tokenizer.json, a vocab.txt and a
// tokenizer_config.json; whatever it accepts must encode text without
// panicking and give ids inside its vocabulary.
func FuzzLoad(f *testing.F) {
	tiny := filepath.Join("..", "testdata", "tiny-bert")
	tj, _ := os.ReadFile(filepath.Join(tiny, "tokenizer.json"))
	vt, _ := os.ReadFile(filepath.Join(tiny, "vocab.txt"))
	tc, _ := os.ReadFile(filepath.Join(tiny, "tokenizer_config.json"))
	f.Add(tj, []byte(nil), tc)
	f.Add([]byte(nil), vt, tc)
	f.Add(tokenizerJSON(`{"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "[PAD]": 3, "a": 4, "##b": 5}`, `[{"id": 6, "content": "[X]"}]`)["tokenizer.json"].Data, []byte(nil), []byte(nil))
	f.Add([]byte(nil), []byte("[UNK]\n[CLS]\n[SEP]\n[PAD]\nab\n##c\n"), []byte(`{"do_lower_case": false, "model_max_length": 8}`))
	f.Fuzz(func(t *testing.T, tokenizer, vocab, config []byte) {
		fsys := fstest.MapFS{}
		for name, data := range map[string][]byte{"tokenizer.json": tokenizer, "vocab.txt": vocab, "tokenizer_config.json": config} {
			if data != nil {
				fsys[name] = &fstest.MapFile{Data: data}
			}
		}
		tok, err := wordpiece.Load(fsys)
		if err != nil {
			return
		}
		for _, text := range []string{"ab c [X] abc", "\x00\xff é 中文"} {
			enc := tok.Encode(text, 16)
			for _, id := range enc.IDs {
				if id < 0 || int(id) >= tok.VocabSize() {
					t.Fatalf("Encode(%q) gave id %d, outside the vocabulary of %d", text, id, tok.VocabSize())
				}
			}
		}
	})
}

func TestConcurrent(t *testing.T) {
	tok := loadTiny(t)
	want := tok.Pieces("The weather is lovely today. Héllo Wörld!")
	done := make(chan []string)
	for range 8 {
		go func() {
			var got []string
			for range 200 {
				got = tok.Pieces("The weather is lovely today. Héllo Wörld!")
			}
			done <- got
		}()
	}
	for range 8 {
		if got := <-done; !slices.Equal(got, want) {
			t.Errorf("concurrent Pieces = %q, want %q", got, want)
		}
	}
}

// longText returns the ArguAna queries, long argumentative texts.
func longText(b *testing.B) []string {
	dir := reference.Shared(b, "conformance/tokenizer")
	_, texts := readTSV(b, filepath.Join(dir, "topics.beir-v1.0.0-arguana.test.tsv.gz"))
	return texts
}

func BenchmarkPieces(b *testing.B) {
	tok := loadBERT(b)
	texts := longText(b)
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

func BenchmarkEncodeShort(b *testing.B) {
	tok := loadBERT(b)
	dir := reference.Shared(b, "conformance/tokenizer")
	_, texts := readTSV(b, filepath.Join(dir, "topics.dl19-passage.txt"))
	tokens := 0
	for _, text := range texts {
		tokens += len(tok.Encode(text, 0).IDs)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, text := range texts {
			tok.Encode(text, 0)
		}
	}
	b.ReportMetric(float64(tokens)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

func BenchmarkLoad(b *testing.B) {
	dir := reference.Shared(b, "conformance/tokenizer")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wordpiece.LoadDir(dir); err != nil {
			b.Fatal(err)
		}
	}
}
