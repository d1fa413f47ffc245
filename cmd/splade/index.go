package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/splade-go/splade/internal/corpus"

	"github.com/splade-go/splade/index"
	"github.com/splade-go/splade/model"
)

// runIndex is "splade index": encode documents and write an inverted
// index file (package index).
func runIndex(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	var in inputFlags
	fs := flagSet("index", &m, &in, "query", "document")
	out := fs.String("out", "", "index file to write (required)")
	weights := fs.String("weights", "f32", "stored weights: f32 (exact) or uint8 (a quarter of the postings' weight bytes, quantised)")
	pos, err := parse(fs, args, &m, &in)
	if err != nil {
		return err
	}
	w, err := index.ParseWeights(*weights)
	switch {
	case err != nil:
		return usagef(fs, "--weights %q: want f32 or uint8", *weights)
	case *out == "":
		return usagef(fs, "missing --out (the index file to write)")
	}
	if err := a.checkOutput("--out", *out); err != nil {
		return err
	}
	src, total := a.openInput(in, pos)
	enc, err := m.load(ctx, a.stderr)
	if err != nil {
		return err
	}
	defer enc.Close()
	prog := newProgress(a.stderr, in, "indexing", total)
	warn := newTextWarnings(enc)
	id, err := m.identify(ctx, enc.MaxLength())
	if err != nil {
		return err
	}
	n, err := buildIndex(ctx, enc, id, *out, w, warn, func(add func([]corpus.Record) error) error {
		return eachChunk(ctx, src, m.batchSize*chunkBatches, func(recs []corpus.Record) error {
			if err := add(recs); err != nil {
				return err
			}
			prog.add(len(recs))
			return nil
		})
	})
	prog.done()
	if err != nil {
		return err
	}
	if !in.quiet {
		warn.report(a.stderr)
	}
	ix, err := index.Open(*out)
	if err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stderr, "splade: indexed %d documents (%d postings, %s weights, %d bytes) into %s\n", n, ix.Postings(), ix.Weights(), st.Size(), *out)
	return nil
}

// buildIndex writes the index file path of the documents that feed hands
// to its add function, encoded as documents by enc and counted in warn,
// and returns their number. The file appears only when complete.
//
// The file records the model's identity id and a fingerprint of the
// documents (see indexProvenance), which search and eval check.
func buildIndex(ctx context.Context, enc *model.Encoder, id modelIdentity, path string, w index.Weights, warn *textWarnings, feed func(add func([]corpus.Record) error) error) (int, error) {
	b, err := index.Create(path, enc.Dim(), index.Options{Weights: w})
	if err != nil {
		return 0, err
	}
	defer b.Abort()
	prov := indexProvenance{Model: id}
	err = feed(func(recs []corpus.Record) error {
		for _, r := range recs {
			prov.Corpus.add(r)
		}
		vs, err := enc.EncodeDocument(ctx, texts(recs))
		if err != nil {
			return err
		}
		warn.add(recs)
		for i, v := range vs {
			if err := b.Add(index.DocID(recs[i].ID), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	desc, err := json.Marshal(prov)
	if err != nil {
		return 0, err
	}
	b.SetModel(string(desc))
	n := b.Len()
	return n, b.Close()
}
