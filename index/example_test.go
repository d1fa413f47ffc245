package index_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/splade-go/splade/index"
	"github.com/splade-go/splade/sparsevec"
)

func Example() {
	dir, err := os.MkdirTemp("", "index-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "docs.idx")

	// Three documents over a vocabulary of 8 tokens (vectors as
	// model.Encoder.EncodeDocument returns them).
	b, err := index.Create(path, 8, index.Options{Model: "example"})
	if err != nil {
		log.Fatal(err)
	}
	defer b.Abort()
	docs := map[string]sparsevec.Vector{
		"cats": {Indices: []uint32{1, 4}, Values: []float32{1.5, 0.5}, Dim: 8},
		"dogs": {Indices: []uint32{2, 4}, Values: []float32{1.25, 0.5}, Dim: 8},
		"cars": {Indices: []uint32{6}, Values: []float32{2}, Dim: 8},
	}
	for _, id := range []string{"cats", "dogs", "cars"} {
		if err := b.Add(id, docs[id]); err != nil {
			log.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		log.Fatal(err)
	}

	ix, err := index.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	query := sparsevec.Vector{Indices: []uint32{1, 4}, Values: []float32{1, 2}, Dim: 8}
	hits, err := ix.Search(query, 10, index.SearchOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, h := range hits {
		fmt.Println(h.ID, h.Score)
	}
	// "cars" shares no token with the query and scores 0: it is left out.
	// Output:
	// cats 2.5
	// dogs 1
}
