package wordpiece_test

import (
	"fmt"
	"log"

	"github.com/splade-go/splade/tokenizer/wordpiece"
)

func ExampleTokenizer_Encode() {
	tok, err := wordpiece.LoadDir("../../testdata/tiny-bert")
	if err != nil {
		log.Fatal(err)
	}
	enc := tok.Encode("Héllo Wörld! It's sunny.", 0)
	fmt.Println(enc.Tokens)
	fmt.Println(enc.IDs)

	// Truncated to 6 tokens: [CLS], the first 4 pieces, [SEP].
	fmt.Println(tok.Encode("Héllo Wörld! It's sunny.", 6).Tokens)
	// Output:
	// [[CLS] hello world ! it ' s sunny . [SEP]]
	// [101 389 359 104 187 110 164 281 117 102]
	// [[CLS] hello world ! it [SEP]]
}

func ExampleTokenizer_EncodeBatch() {
	tok, err := wordpiece.LoadDir("../../testdata/tiny-bert")
	if err != nil {
		log.Fatal(err)
	}
	b := tok.EncodeBatch([]string{"The weather is lovely.", "Hello!"}, 0)
	for i := range b.IDs {
		fmt.Println(b.IDs[i], b.Mask[i])
	}
	// Output:
	// [101 181 278 186 279 117 102] [1 1 1 1 1 1 1]
	// [101 389 104 102 0 0 0] [1 1 1 1 0 0 0]
}
