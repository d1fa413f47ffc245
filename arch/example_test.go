package arch_test

import (
	"fmt"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/tokenizer"
)

func ExampleParse() {
	n, err := arch.Parse([]byte(`{"model_type":"distilbert","vocab_size":478,"dim":32,"n_layers":2,"n_heads":4,"hidden_dim":64}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d layers, hidden %d, %d tensors\n", n.Family, len(n.Layers), n.Hidden, len(n.Tensors()))
	fmt.Println(n.TensorNames(arch.LW(1, arch.Query)))

	_, err = arch.Parse([]byte(`{"model_type":"t5"}`))
	fmt.Println(err)
	// Output:
	// distilbert: 2 layers, hidden 32, 42 tensors
	// [distilbert.transformer.layer.1.attention.q_lin.weight transformer.layer.1.attention.q_lin.weight]
	// config.json: unsupported model_type "t5" (supported: bert, camembert, distilbert, modernbert, new, roberta, xlm-roberta)
}

// A folder's tokenizer files must be of a kind its family's checkpoints
// ship.
func ExampleNetwork_CheckTokenizer() {
	n, err := arch.Parse([]byte(`{"model_type":"xlm-roberta"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n.Tokenizers())
	fmt.Println(n.CheckTokenizer(tokenizer.Unigram))
	fmt.Println(n.CheckTokenizer(tokenizer.WordPiece))
	// Output:
	// [SentencePiece Unigram]
	// <nil>
	// model_type "xlm-roberta" expects a SentencePiece Unigram tokenizer, but the tokenizer files hold a WordPiece model: use the tokenizer files of the checkpoint that config.json comes from
}
