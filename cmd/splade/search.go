package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/splade-go/splade/internal/corpus"

	"github.com/splade-go/splade/httpapi"
	"github.com/splade-go/splade/index"
	"github.com/splade-go/splade/model"
)

// searchLine is one line of "splade search" output.
type searchLine struct {
	ID   json.RawMessage `json:"id"`
	Hits []index.Hit     `json:"hits"`
}

// runSearch is "splade search": encode queries and search an index.
func runSearch(ctx context.Context, a *app, args []string) error {
	var m modelFlags
	var in inputFlags
	fs := flagSet("search", &m, &in)
	idxPath := fs.String("index", "", "index file written by splade index (required)")
	topK := fs.Int("top-k", 10, "hits per query, best first")
	exhaustive := fs.Bool("exhaustive", false, "score every document that shares a token with the query instead of pruning with MaxScore (the same results; for comparison)")
	pos, err := parse(fs, args, &m, &in)
	if err != nil {
		return err
	}
	switch {
	case *idxPath == "":
		return usagef(fs, "missing --index (a file written by splade index)")
	case *topK <= 0 || *topK > maxCount:
		return usagef(fs, "--top-k %d is out of range: want 1 to %d", *topK, maxCount)
	case m.document:
		return usagef(fs, "search encodes queries; --document does not apply")
	}
	ix, err := index.Open(*idxPath)
	if err != nil {
		return err
	}
	src, total := a.openInput(in, pos)
	enc, err := m.load(ctx)
	if err != nil {
		return err
	}
	defer enc.Close()
	if err := checkIndexModel(ix, enc, *idxPath); err != nil {
		return err
	}
	out := newJSONWriter(a.stdout)
	prog := newProgress(a.stderr, in, "searching", total)
	defer prog.done()
	opts := index.SearchOptions{Exhaustive: *exhaustive}
	return eachChunk(ctx, src, m.batchSize*chunkBatches, func(recs []corpus.Record) error {
		qs, err := enc.EncodeQuery(ctx, texts(recs))
		if err != nil {
			return err
		}
		for i, q := range qs {
			hits, err := ix.Search(q, *topK, opts)
			if err != nil {
				return err
			}
			if err := out.write(searchLine{recs[i].ID, hits}); err != nil {
				return err
			}
		}
		prog.add(len(recs))
		return out.flush()
	})
}

// checkIndexModel refuses an index whose vocabulary size is not the
// encoder's: its token ids would mean other tokens.
func checkIndexModel(ix *index.Index, enc *model.Encoder, path string) error {
	if ix.Dim() != enc.Dim() {
		return fmt.Errorf("index %s was built for %d dimensions (model %s), but %s has %d: search with the model that built the index",
			path, ix.Dim(), ix.Model(), enc.Model(), enc.Dim())
	}
	return nil
}

// searchHandler adds POST /search over the index file at path to the
// handler of splade serve.
func searchHandler(next http.Handler, enc *model.Encoder, path string) (http.Handler, error) {
	ix, err := index.Open(path)
	if err != nil {
		return nil, err
	}
	if err := checkIndexModel(ix, enc, path); err != nil {
		return nil, err
	}
	return httpapi.WithSearch(next, ix)
}
