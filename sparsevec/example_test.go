package sparsevec_test

import (
	"fmt"

	"github.com/splade-go/splade/sparsevec"
)

func Example() {
	query := sparsevec.FromDense([]float32{0, 1.2, 0, 0.5, 0, 0})
	doc := sparsevec.Vector{Indices: []uint32{1, 3, 4}, Values: []float32{2, 1, 0.7}, Dim: 6}
	if err := doc.Validate(); err != nil {
		fmt.Println(err)
		return
	}

	fmt.Printf("dot %.2f\n", sparsevec.Dot(query, doc))
	fmt.Printf("cosine %.3f\n", sparsevec.Cosine(query, doc))
	fmt.Println("top 2 of doc:", sparsevec.Top(doc, 2))
	fmt.Println("doc pruned to 2 dims:", doc.KeepTop(2).Indices)
	fmt.Printf("%+v\n", sparsevec.SparsityOf([]sparsevec.Vector{query, doc}))
	// Output:
	// dot 2.90
	// cosine 0.952
	// top 2 of doc: [{1 2} {3 1}]
	// doc pruned to 2 dims: [1 3]
	// {ActiveDims:2.5 SparsityRatio:0.5833333333333333}
}
