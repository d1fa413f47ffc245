package wasm_test

import (
	"context"
	"fmt"
	"log"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/sparsevec"
	"github.com/splade-go/splade/wasm"
)

// Encode a document with the tiny random-weight BERT of the tests; the
// weights match the PyTorch reference's top entries for this text.
func Example() {
	enc, err := wasm.LoadDir("../testdata/tiny-bert")
	if err != nil {
		log.Fatal(err)
	}
	vs, err := enc.Encode(context.Background(), []string{"The weather is lovely today."}, splade.KindDocument)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(enc.Model(), enc.Backend(), enc.Dim(), vs[0].Len())
	for _, e := range sparsevec.Top(vs[0], 3) {
		fmt.Printf("%s %.3f\n", enc.Token(int(e.Index)), e.Value)
	}
	// Output:
	// tiny-bert wasm-go 478 13
	// [unused30] 1.681
	// today 1.399
	// than 1.160
}
