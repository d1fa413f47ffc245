package layout_test

import (
	"fmt"
	"log"
	"os"
	"testing/fstest"

	"github.com/splade-go/splade/layout"
)

// An inference-free query encoder: a tokenizer and an idf.json table.
// Queries are encoded by table lookup, with no network at all.
func ExampleRead() {
	vocab, err := os.ReadFile("../testdata/tiny-bert/vocab.txt")
	if err != nil {
		log.Fatal(err)
	}
	folder := fstest.MapFS{
		"vocab.txt": {Data: vocab},
		"idf.json":  {Data: []byte(`{"weather": 2.5, "today": 1.25, "lovely": 0.5}`)},
	}
	m, err := layout.Read(folder)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("queries only:", m.QueryOnly(), "dim:", m.Dim)
	v := m.Query.Static.Encode("The weather is lovely today.")
	for i, id := range v.Indices {
		fmt.Printf("%s %.2f\n", m.Tokenizer().Token(int(id)), v.Values[i])
	}
	// Output:
	// queries only: true dim: 478
	// weather 2.50
	// lovely 0.50
	// today 1.25
}
