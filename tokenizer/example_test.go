package tokenizer_test

import (
	"fmt"
	"log"

	"github.com/splade-go/splade/tokenizer"
)

// The tokenizer of a model folder, whichever kind it is.
func ExampleLoadDir() {
	tok, err := tokenizer.LoadDir("../testdata/tiny-bert")
	if err != nil {
		log.Fatal(err)
	}
	ids := tok.EncodeIDs("Hello world", 0)
	for _, id := range ids {
		fmt.Print(tok.Token(int(id)), " ")
	}
	fmt.Println()
	// Output: [CLS] hello world [SEP]
}
