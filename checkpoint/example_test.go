package checkpoint_test

import (
	"fmt"
	"log"

	"github.com/splade-go/splade/checkpoint"
)

func ExampleLoadDir() {
	p, err := checkpoint.LoadDir("../testdata/tiny-bert")
	if err != nil {
		log.Fatal(err)
	}
	c := p.Config
	fmt.Printf("%s: %d layers, hidden %d, %d heads, vocabulary %d\n", c.ModelType, c.Layers, c.Hidden, c.Heads, c.VocabSize)
	fmt.Println("word embeddings:", p.WordEmb.Shape)
	fmt.Println("decoder tied to word embeddings:", p.DecoderW == p.WordEmb)
	// Output:
	// bert: 2 layers, hidden 32, 4 heads, vocabulary 478
	// word embeddings: [478 32]
	// decoder tied to word embeddings: true
}

func ExampleReadConfig() {
	cfg, err := checkpoint.ReadConfig([]byte(`{"model_type": "t5"}`))
	fmt.Println(cfg.ModelType == "", err)
	// Output:
	// true checkpoint: config.json: unsupported model_type "t5" (want bert, distilbert or roberta)
}
