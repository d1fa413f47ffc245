package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/native"
)

// runBench is "splade bench": texts/s, query latency and load time of each
// engine and precision on this machine, for the model given.
func runBench(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	fs := flagSet("bench", &m, nil)
	n := fs.Int("texts", 64, "number of synthetic texts when none are given")
	length := fs.Int("length", 128, "tokens per synthetic text, [CLS] and [SEP] included")
	queries := fs.Int("queries", 20, "single 16-token queries timed for the latency")
	rounds := fs.Int("rounds", 1, "times all the texts are encoded; texts/s is the best round (the first includes XLA's compiles)")
	pos, err := parse(fs, args, &m, nil)
	if err != nil {
		return err
	}
	if err := checkRanges(fs,
		intRange{"texts", *n, 1, maxCount},
		intRange{"length", *length, 3, maxTokens},
		intRange{"queries", *queries, 1, maxCount},
		intRange{"rounds", *rounds, 1, 100},
	); err != nil {
		return err
	}
	type engine struct {
		backend string
		prec    splade.Precision
	}
	var engines []engine
	if m.backend != "" || m.precision != "" {
		engines = []engine{{m.backend, splade.Precision(m.precision)}}
	} else {
		engines = []engine{{model.NativeBackend, splade.PrecisionFP32}}
		if native.Kernels(splade.PrecisionBF16)[0] != "go" {
			engines = append(engines, engine{model.NativeBackend, splade.PrecisionBF16})
		}
		engines = append(engines, engine{model.NativeBackend, splade.PrecisionInt8})
		engines = append(engines, engine{model.DefaultBackend, splade.PrecisionFP32})
	}
	tw := tabwriter.NewWriter(a.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "backend\tprecision\tload s\ttexts/s\tquery p50 ms")
	var texts, qs []string
	for _, e := range engines {
		bm := m
		bm.backend, bm.precision = e.backend, string(e.prec)
		start := time.Now()
		enc, err := bm.load(ctx, a.stderr)
		if err != nil {
			return err
		}
		load := time.Since(start)
		if texts == nil {
			texts = pos
			if len(texts) == 0 {
				texts = syntheticTexts(enc, *n, *length-2, 1)
			}
			qs = syntheticTexts(enc, *queries, 14, 2)
		}
		encode := bm.encodeFunc(enc)
		if _, err := encode(ctx, qs[:1]); err != nil { // warm-up
			enc.Close()
			return err
		}
		var rate float64
		for range *rounds {
			start = time.Now()
			if _, err := encode(ctx, texts); err != nil {
				enc.Close()
				return err
			}
			rate = max(rate, float64(len(texts))/time.Since(start).Seconds())
		}
		lat := make([]time.Duration, len(qs))
		for i, q := range qs {
			t0 := time.Now()
			if _, err := encode(ctx, []string{q}); err != nil {
				enc.Close()
				return err
			}
			lat[i] = time.Since(t0)
		}
		slices.Sort(lat)
		prec := e.prec
		if prec == "" {
			prec = splade.PrecisionFP32
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%.1f\n", enc.Backend(), prec, load.Seconds(), rate, float64(lat[len(lat)/2].Microseconds())/1000)
		enc.Close()
	}
	return tw.Flush()
}

// syntheticTexts makes n texts of about words whole words each, drawn from
// the model's vocabulary with the given seed.
func syntheticTexts(enc *model.Encoder, n, words int, seed uint64) []string {
	tok := enc.Tokenizer()
	var vocab []string
	for id := range tok.VocabSize() {
		t := tok.Token(id)
		if len(t) >= 3 && strings.IndexFunc(t, func(r rune) bool { return !unicode.IsLower(r) }) < 0 {
			vocab = append(vocab, t)
		}
	}
	if len(vocab) == 0 {
		vocab = []string{"text"}
	}
	r := rand.New(rand.NewPCG(seed, 0))
	texts := make([]string, n)
	for i := range texts {
		w := make([]string, words)
		for j := range w {
			w[j] = vocab[r.IntN(len(vocab))]
		}
		texts[i] = strings.Join(w, " ")
	}
	return texts
}
