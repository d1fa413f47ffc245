package unigram_test

import (
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/tokenizer/unigram"
)

// seedJSON is a small Unigram tokenizer.json with every supported step.
const seedJSON = `{"added_tokens": [
	{"id": 0, "content": "<s>", "special": true, "normalized": false},
	{"id": 2, "content": "</s>", "special": true, "normalized": false},
	{"id": 9, "content": "<mask>", "lstrip": true, "special": true, "normalized": false}],
 "normalizer": {"type": "Sequence", "normalizers": [
	{"type": "Strip", "strip_left": false, "strip_right": true},
	{"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": "▁"}]},
 "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": true},
 "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}, {"SpecialToken": {"id": "</s>"}}],
	"special_tokens": {"<s>": {"ids": [0]}, "</s>": {"ids": [2]}}},
 "model": {"type": "Unigram", "unk_id": 3, "byte_fallback": true, "vocab": [["<s>", 0], ["<pad>", 0], ["</s>", 0], ["<unk>", 0],
	["▁", -2], ["▁he", -3], ["llo", -3], ["▁hello", -4], ["<0x41>", -9], ["<mask>", 0]]}}`

// FuzzLoad: any tokenizer.json or sentencepiece.bpe.model either loads or
// fails with an error, and a loaded tokenizer encodes any text into ids
// below its vocabulary size.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(seedJSON), []byte(nil), "hello <mask> A")
	f.Add([]byte(nil), spmSeed(), "héllo  wörld")
	f.Add([]byte(`{"model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0]]}, "normalizer": {"type": "Precompiled", "precompiled_charsmap": "CAAAAAEAAAACAAAA"}}`), []byte(nil), "x")
	f.Fuzz(func(t *testing.T, tokJSON, model []byte, text string) {
		fsys := fstest.MapFS{}
		if tokJSON != nil {
			fsys["tokenizer.json"] = &fstest.MapFile{Data: tokJSON}
		}
		if model != nil {
			fsys[unigram.ModelFile] = &fstest.MapFile{Data: model}
		}
		tok, err := unigram.Load(fsys)
		if err != nil {
			return
		}
		for _, maxLen := range []int{0, 3} {
			for _, id := range tok.EncodeIDs(text, maxLen) {
				if id < 0 || int(id) >= tok.VocabSize() {
					t.Fatalf("id %d outside the vocabulary of %d", id, tok.VocabSize())
				}
			}
		}
	})
}

// FuzzEncode: any text encodes, on the seed tokenizer, into ids of its
// vocabulary, with <s> first and </s> last, within maxLen.
func FuzzEncode(f *testing.F) {
	tok, err := unigram.Load(fstest.MapFS{"tokenizer.json": {Data: []byte(seedJSON)}})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"", " ", "hello", "  hello  <mask>A ", "\xff\xfe", "😀 e\u0301"} {
		f.Add(s, 0)
		f.Add(s, 3)
	}
	f.Fuzz(func(t *testing.T, text string, maxLen int) {
		maxLen = max(0, min(maxLen, 64))
		ids := tok.EncodeIDs(text, maxLen)
		if len(ids) < 2 || ids[0] != 0 || ids[len(ids)-1] != 2 {
			t.Fatalf("EncodeIDs(%q) = %v, want <s> ... </s>", text, ids)
		}
		if maxLen >= 2 && len(ids) > maxLen {
			t.Fatalf("EncodeIDs(%q, %d) has %d ids", text, maxLen, len(ids))
		}
		for _, id := range ids {
			if id < 0 || int(id) >= tok.VocabSize() {
				t.Fatalf("id %d outside the vocabulary of %d", id, tok.VocabSize())
			}
		}
	})
}
