// Package randmodel makes models with random weights, of any size and
// family, for benchmarks and for tests that need a model bigger than the
// fixtures (a BERT-base-sized one is 440 MB, too big to keep in a
// repository).
package randmodel

import (
	"fmt"
	"math/rand/v2"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/checkpoint"
)

// New fills every tensor of net with random weights: scale 0.02 (BERT's
// initializer) for embeddings and linear weights, ones for norm weights,
// zeros for biases; the decoder is tied to the word embeddings.
func New(net *arch.Network) *checkpoint.Params {
	rng := rand.New(rand.NewPCG(1, 2))
	p := &checkpoint.Params{Net: net, Tensors: map[arch.Role]*checkpoint.Tensor{}}
	for _, spec := range net.Tensors() {
		if spec.Tied {
			p.Tensors[spec.Role] = p.Tensors[arch.W(arch.WordEmbeddings)]
			continue
		}
		n := 1
		for _, d := range spec.Shape {
			n *= d
		}
		data := make([]float32, n)
		switch {
		case spec.Role.Bias:
		case len(spec.Shape) == 1: // a norm's weight
			for i := range data {
				data[i] = 1
			}
		default:
			for i := range data {
				data[i] = float32(rng.NormFloat64() * 0.02)
			}
		}
		p.Tensors[spec.Role] = &checkpoint.Tensor{Shape: spec.Shape, Data: data}
	}
	return p
}

// BERT makes a BertForMaskedLM of the given size with random weights
// (see New).
func BERT(layers, hidden, heads, inter, vocab, positions int) *checkpoint.Params {
	net, err := arch.Parse(fmt.Appendf(nil, `{"model_type":"bert","num_hidden_layers":%d,"hidden_size":%d,"num_attention_heads":%d,"intermediate_size":%d,"vocab_size":%d,"max_position_embeddings":%d}`,
		layers, hidden, heads, inter, vocab, positions))
	if err != nil {
		panic("randmodel: " + err.Error()) // the sizes are the caller's constants
	}
	return New(net)
}
