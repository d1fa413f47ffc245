package bpe_test

import (
	"fmt"
	"log"
	"testing/fstest"

	"github.com/splade-go/splade/tokenizer/bpe"
)

// A RoBERTa-style tokenizer from vocab.json and merges.txt alone: bytes are
// merged by rank, and a word keeps the space before it ("Ġ").
func Example() {
	folder := fstest.MapFS{
		"vocab.json": {Data: []byte(`{"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3, "<mask>": 4,
			"h": 5, "e": 6, "l": 7, "o": 8, "Ġ": 9, "he": 10, "ll": 11, "hell": 12, "hello": 13, "Ġhello": 14}`)},
		"merges.txt":            {Data: []byte("#version: 0.2\nh e\nl l\nhe ll\nhell o\nĠ hello\n")},
		"tokenizer_config.json": {Data: []byte(`{"tokenizer_class": "RobertaTokenizer", "model_max_length": 512}`)},
	}
	tok, err := bpe.Load(folder)
	if err != nil {
		log.Fatal(err)
	}
	ids := tok.EncodeIDs("hello hello <mask>", 0)
	fmt.Println(ids)
	for _, id := range ids {
		fmt.Print(tok.Token(int(id)), " ")
	}
	fmt.Println()
	// Output:
	// [0 13 14 4 2]
	// <s> hello Ġhello <mask> </s>
}
