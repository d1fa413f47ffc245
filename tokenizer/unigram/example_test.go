package unigram_test

import (
	"fmt"
	"testing/fstest"

	"github.com/splade-go/splade/tokenizer/unigram"
)

func Example() {
	// A model folder: here a tiny tokenizer.json in memory; os.DirFS or
	// LoadDir reads a real one (XLM-RoBERTa, BGE-M3).
	tok, err := unigram.Load(fstest.MapFS{"tokenizer.json": {Data: []byte(seedJSON)}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(tok.Pieces("hello  hello <mask>"))
	fmt.Println(tok.EncodeIDs("hello  hello <mask>", 0))
	// Output:
	// [▁hello ▁hello <mask>]
	// [0 7 7 9 2]
}
