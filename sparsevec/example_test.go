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

func ExampleVector_Prune() {
	v := sparsevec.Vector{Indices: []uint32{3, 7, 9, 12}, Values: []float32{10, 6, 3, 1}, Dim: 30522}
	for _, rule := range []string{"top_k:2", "max_ratio:0.5", "alpha_mass:0.8", "abs_value:3"} {
		p, err := sparsevec.ParsePrune(rule)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(rule, v.Prune(p).Indices)
	}
	_, err := sparsevec.ParsePrune("alpha_mass:1")
	fmt.Println(err)
	// Output:
	// top_k:2 [3 7]
	// max_ratio:0.5 [3 7]
	// alpha_mass:0.8 [3 7]
	// abs_value:3 [3 7 9]
	// sparsevec: alpha_mass prune ratio 1 must be in [0, 1)
}
