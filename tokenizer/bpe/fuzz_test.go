package bpe_test

import (
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/tokenizer/bpe"
)

// FuzzLoad: any tokenizer.json, or vocab.json + merges.txt +
// tokenizer_config.json, either loads or fails with an error, and a loaded
// tokenizer encodes any text into ids below its vocabulary size.
func FuzzLoad(f *testing.F) {
	vocab := []byte(`{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4, "h": 5, "e": 6, "l": 7, "o": 8, "Ġ": 9, "he": 10, "ll": 11, "hell": 12, "hello": 13, "Ġhello": 14}`)
	merges := []byte("#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ hello\n")
	config := []byte(`{"tokenizer_class": "RobertaTokenizer", "model_max_length": 8, "added_tokens_decoder": {"15": {"content": "[X]", "rstrip": true}}}`)
	tj := []byte(`{"added_tokens": [{"id": 4, "content": "<mask>", "lstrip": true}], "normalizer": null,
		"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": true},
		"post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>"}}, {"Sequence": {"id": "A"}}, {"SpecialToken": {"id": "</s>"}}],
			"special_tokens": {"<s>": {"ids": [0]}, "</s>": {"ids": [2]}}},
		"model": {"type": "BPE", "vocab": {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4, "h": 5, "e": 6, "he": 7}, "merges": [["h", "e"]], "unk_token": "<unk>"}}`)
	f.Add(tj, []byte(nil), []byte(nil), []byte(nil), "hello <mask> he")
	f.Add([]byte(nil), vocab, merges, config, "hello hello [X] <mask>")
	f.Add([]byte(nil), vocab, merges, []byte(`{"tokenizer_class": "GPT2Tokenizer", "add_bos_token": true, "bos_token": "<s>"}`), "hello")
	f.Fuzz(func(t *testing.T, tokJSON, vocabJSON, mergesTxt, configJSON []byte, text string) {
		fsys := fstest.MapFS{}
		for name, data := range map[string][]byte{"tokenizer.json": tokJSON, "vocab.json": vocabJSON, "merges.txt": mergesTxt, "tokenizer_config.json": configJSON} {
			if data != nil {
				fsys[name] = &fstest.MapFile{Data: data}
			}
		}
		tok, err := bpe.Load(fsys)
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
		tok.Pieces(text)
	})
}
