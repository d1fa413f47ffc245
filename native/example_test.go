package native_test

import (
	"context"
	"fmt"
	"log"

	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/native"
	"github.com/splade-go/splade/tokenizer/wordpiece"
)

// The engine on its own: token ids in, SPLADE vectors out. Most programs
// use it through model.Load, which picks it by default.
func Example() {
	dir := "../testdata/tiny-bert"
	params, err := checkpoint.LoadDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := wordpiece.LoadDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	m, err := native.New(params, native.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ids := tok.Encode("The weather is lovely today.", 64).IDs
	vs, err := m.Encode(context.Background(), [][]int32{ids})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(vs[0].Indices)
	// Output:
	// [5 22 31 71 95 113 133 210 250 280 326 345 349]
}
