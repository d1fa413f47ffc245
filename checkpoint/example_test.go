package checkpoint_test

import (
	"fmt"
	"log"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/checkpoint"
)

func ExampleLoadDir() {
	p, err := checkpoint.LoadDir("../testdata/tiny-bert")
	if err != nil {
		log.Fatal(err)
	}
	n := p.Net
	fmt.Printf("%s: %d layers, hidden %d, %d heads, vocabulary %d\n", n.Family, len(n.Layers), n.Hidden, n.Heads, n.Vocab)
	fmt.Println("word embeddings:", p.Get(arch.W(arch.WordEmbeddings)).Shape)
	fmt.Println("decoder tied to word embeddings:", p.Tied())
	// Output:
	// bert: 2 layers, hidden 32, 4 heads, vocabulary 478
	// word embeddings: [478 32]
	// decoder tied to word embeddings: true
}
