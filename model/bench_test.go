package model

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/tokenizer/wordpiece"
)

// randomParams makes a BertForMaskedLM of the given size with random
// weights (scale 0.02, as BERT's initializer) and a tied decoder.
func randomParams(layers, hidden, heads, inter, vocab, positions int) *checkpoint.Params {
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

// syntheticTokenizer has the special tokens and then words "w5", "w6", ...
func syntheticTokenizer(tb testing.TB, vocab int) *wordpiece.Tokenizer {
	var b strings.Builder
	b.WriteString("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n")
	for i := 5; i < vocab; i++ {
		fmt.Fprintf(&b, "w%d\n", i)
	}
	tok, err := wordpiece.Load(fstest.MapFS{"vocab.txt": {Data: []byte(b.String())}})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// peakRSS returns the process's peak resident memory in MiB since the last
// resetPeakRSS (Linux; 0 elsewhere).
func peakRSS() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// benchmarkBERTBase encodes batch texts of exactly length tokens on a
// BERT-base-sized model (12 layers, 768 hidden, 12 heads, 3072
// intermediate, 30522 vocabulary) and reports sequences/s and peak RSS.
func benchmarkBERTBase(b *testing.B, batch, length int) {
	const vocab = 30522
	params := randomParams(12, 768, 12, 3072, vocab, 512)
	tok := syntheticTokenizer(b, vocab)
	m := &layout.MLM{Dir: ".", Config: params.Config, Tokenizer: tok, Pooling: "max", Activation: "relu", MaxLength: params.Config.MaxPositions}
	r := layout.Route{MLM: m}
	desc := &layout.Model{Query: r, Document: r, Default: r, Dim: vocab}
	opts := Options{BatchSize: batch}
	if err := opts.validate(); err != nil {
		b.Fatal(err)
	}
	enc, err := build(context.Background(), "bert-base-random", desc, opts, func(*layout.MLM) (*checkpoint.Params, error) { return params, nil })
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	texts := make([]string, batch)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range texts {
		words := make([]string, length-2)
		for j := range words {
			words[j] = fmt.Sprintf("w%d", 5+rng.IntN(vocab-5))
		}
		texts[i] = strings.Join(words, " ")
	}
	ctx := context.Background()
	if _, err := enc.Encode(ctx, texts, splade.KindDefault); err != nil { // compile outside the timing
		b.Fatal(err)
	}
	resetPeakRSS()
	b.ResetTimer()
	for b.Loop() {
		if _, err := enc.Encode(ctx, texts, splade.KindDefault); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "seq/s")
	b.ReportMetric(peakRSS(), "peak-RSS-MiB")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkEncodeBERTBase8x128: batch 8 x 128 tokens, the yardstick
// (PyTorch 1.13 with OpenBLAS on 2 threads: 3.47 seq/s on this machine).
func BenchmarkEncodeBERTBase8x128(b *testing.B) { benchmarkBERTBase(b, 8, 128) }

// BenchmarkEncodeBERTBase32x256: the memory yardstick (unchunked logits are
// 1 GB at this size; the goal is under 1.5 GB peak).
func BenchmarkEncodeBERTBase32x256(b *testing.B) { benchmarkBERTBase(b, 32, 256) }
