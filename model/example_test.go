package model_test

import (
	"context"
	"fmt"
	"log"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/sparsevec"
)

// The sentence-transformers quickstart, in Go. With the real model
// ("naver/splade-cocondenser-ensembledistil") the shape is [3, 30522], the
// similarities are [[35.629, 9.154, 0.098], [9.154, 27.478, 0.019],
// [0.098, 0.019, 29.553]] and the vectors are about 99.84% sparse; this
// example runs offline on a tiny random-weight fixture.
func Example() {
	ctx := context.Background()
	enc, err := model.Load(ctx, "../testdata/tiny-bert", model.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer enc.Close()

	sentences := []string{
		"The weather is lovely today.",
		"It's so sunny outside!",
		"He drove to the stadium.",
	}
	emb, err := enc.Encode(ctx, sentences, splade.KindDefault)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("shape: [%d, %d]\n", len(emb), enc.Dim())

	sim := enc.Similarity(emb, emb, sparsevec.DotFunc)
	for _, row := range sim {
		fmt.Printf("%8.3f\n", row)
	}

	s := enc.Sparsity(emb)
	fmt.Printf("sparsity: %.2f%%, active dims: %.1f\n", 100*s.SparsityRatio, s.ActiveDims)

	for _, term := range enc.Decode(emb[0], 3) {
		fmt.Printf("%s %.3f\n", term.Token, term.Weight)
	}
	// Output:
	// shape: [3, 478]
	// [  12.107    3.989    8.263]
	// [   3.989   11.876    7.536]
	// [   8.263    7.536   12.946]
	// sparsity: 96.09%, active dims: 18.7
	// [unused30] 1.681
	// today 1.399
	// than 1.160
}
