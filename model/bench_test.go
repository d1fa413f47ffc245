package model

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/internal/testutil/randmodel"
	"github.com/splade-go/splade/layout"
	"github.com/splade-go/splade/native"
	"github.com/splade-go/splade/tokenizer/wordpiece"

	"github.com/splade-go/splade/internal/testutil/proc"
)

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
// proc.ResetPeak (0 without /proc).
func peakRSS() float64 {
	m, _ := proc.ReadMemory(0)
	return float64(m.Peak) / (1 << 20)
}

// benchmarkBERTBase encodes batch texts of exactly length tokens on a
// BERT-base-sized model (12 layers, 768 hidden, 12 heads, 3072
// intermediate, 30522 vocabulary) and reports sequences/s and peak RSS.
// It runs once per engine: the native engine's fastest kernel and GoMLX's
// pure-Go backend, and once more with --precision bf16 where the native
// engine offers it.
func benchmarkBERTBase(b *testing.B, batch, length int) {
	for _, eng := range []struct {
		name    string
		backend string
		prec    splade.Precision
	}{
		{"native", NativeBackend, ""},
		{"native-bf16", NativeBackend, splade.PrecisionBF16},
		{"native-int8", NativeBackend, splade.PrecisionInt8},
		{"go", DefaultBackend, ""},
	} {
		if eng.prec == splade.PrecisionBF16 && native.Kernels(eng.prec)[0] == "go" {
			continue // no fast bf16 kernel on this CPU
		}
		b.Run(eng.name, func(b *testing.B) { benchmarkBERTBaseOn(b, batch, length, eng.backend, eng.prec) })
	}
}

func benchmarkBERTBaseOn(b *testing.B, batch, length int, backend string, prec splade.Precision) {
	const vocab = 30522
	params := randmodel.BERT(12, 768, 12, 3072, vocab, 512)
	tok := syntheticTokenizer(b, vocab)
	m := &layout.MLM{Dir: ".", Net: params.Net, Tokenizer: tok, Pooling: "max", Activation: "relu", MaxLength: params.Net.Positions}
	r := layout.Route{MLM: m}
	desc := &layout.Model{Query: r, Document: r, Default: r, Dim: vocab}
	opts := Options{BatchSize: batch, Backend: backend, Precision: prec}
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
	proc.ResetPeak()
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
