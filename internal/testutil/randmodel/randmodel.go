// Package randmodel makes masked-LM models with random weights, of any
// size, for benchmarks and for tests that need a model bigger than the
// fixtures (a BERT-base-sized one is 440 MB, too big to keep in a
// repository).
package randmodel

import (
	"math/rand/v2"

	"github.com/splade-go/splade/checkpoint"
)

// BERT makes a BertForMaskedLM of the given size with random
// weights (scale 0.02, as BERT's initializer) and a tied decoder.
func BERT(layers, hidden, heads, inter, vocab, positions int) *checkpoint.Params {
	rng := rand.New(rand.NewPCG(1, 2))
	randT := func(shape ...int) *checkpoint.Tensor {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for i := range data {
			data[i] = float32(rng.NormFloat64() * 0.02)
		}
		return &checkpoint.Tensor{Shape: shape, Data: data}
	}
	constT := func(v float32, n int) *checkpoint.Tensor {
		data := make([]float32, n)
		for i := range data {
			data[i] = v
		}
		return &checkpoint.Tensor{Shape: []int{n}, Data: data}
	}
	p := &checkpoint.Params{
		Config: checkpoint.Config{
			ModelType: "bert", VocabSize: vocab, Hidden: hidden, Layers: layers, Heads: heads,
			Intermediate: inter, MaxPositions: positions, TypeVocabSize: 2, LayerNormEps: 1e-12,
			HiddenAct: "gelu",
		},
		WordEmb: randT(vocab, hidden), PosEmb: randT(positions, hidden), TypeEmb: randT(2, hidden),
		EmbNormW: constT(1, hidden), EmbNormB: constT(0, hidden),
		HeadTransformW: randT(hidden, hidden), HeadTransformB: constT(0, hidden),
		HeadNormW: constT(1, hidden), HeadNormB: constT(0, hidden),
		DecoderB: constT(0, vocab),
	}
	p.DecoderW = p.WordEmb
	for range layers {
		p.Layers = append(p.Layers, checkpoint.Layer{
			QueryW: randT(hidden, hidden), QueryB: constT(0, hidden),
			KeyW: randT(hidden, hidden), KeyB: constT(0, hidden),
			ValueW: randT(hidden, hidden), ValueB: constT(0, hidden),
			AttnOutW: randT(hidden, hidden), AttnOutB: constT(0, hidden),
			AttnNormW: constT(1, hidden), AttnNormB: constT(0, hidden),
			FFInW: randT(inter, hidden), FFInB: constT(0, inter),
			FFOutW: randT(hidden, inter), FFOutB: constT(0, hidden),
			OutNormW: constT(1, hidden), OutNormB: constT(0, hidden),
		})
	}
	return p
}
