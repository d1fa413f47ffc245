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
	fs := flagSet("search", &m, &in, "query", "document")
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
	}
	ix, err := index.Open(*idxPath)
	if err != nil {
		return err
	}
	src, total := a.openInput(in, pos)
	enc, err := m.load(ctx, a.stderr)
	if err != nil {
		return err
	}
	defer enc.Close()
	if err := m.checkIndex(ctx, ix, enc, *idxPath); err != nil {
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

// checkIndex refuses an index that another model made: its token ids
// would mean other tokens (another vocabulary size), or its weights
// would not be comparable with the queries' (another model, revision,
// pooling, activation or maximum length, as the index records them;
// queries of an inference-free model are checked for the vocabulary
// only).
func (m *modelFlags) checkIndex(ctx context.Context, ix *index.Index, enc *model.Encoder, path string) error {
	prov, ok := readProvenance(ix.Model())
	name := ix.Model()
	if ok {
		name = prov.Model.Name
	}
	if ix.Dim() != enc.Dim() {
		return fmt.Errorf("index %s was built for %d dimensions (model %s), but %s has %d: search with the model that built the index, or rebuild it with splade index --model %s --out %s",
			path, ix.Dim(), name, m.model, enc.Dim(), m.model, path)
	}
	if !ok || enc.InferenceFree() {
		// An index written before indexes recorded their model, or
		// queries looked up in idf.json (an inference-free model, whose
		// documents may come from another encoder): the vocabulary is
		// all there is to check.
		return nil
	}
	id, err := m.identify(ctx, enc.MaxLength())
	if err != nil {
		return err
	}
	if id != prov.Model {
		return fmt.Errorf("index %s was built by %s, but this run uses %s: search with the same model and settings, or rebuild the index with splade index --model %s --out %s",
			path, describeModel(prov.Model), describeModel(id), m.model, path)
	}
	return nil
}

// describeModel names a model and the settings that shape its vectors.
func describeModel(id modelIdentity) string {
	return fmt.Sprintf("model %s (revision %s, pooling %q, activation %q, max length %d)", id.Name, id.Revision, id.Pooling, id.Activation, id.MaxLength)
}

// searchHandler adds POST /search over the index file at path to the
// handler of splade serve.
func (m *modelFlags) searchHandler(ctx context.Context, next http.Handler, enc *model.Encoder, path string) (http.Handler, error) {
	ix, err := index.Open(path)
	if err != nil {
		return nil, err
	}
	if err := m.checkIndex(ctx, ix, enc, path); err != nil {
		return nil, err
	}
	return httpapi.WithSearch(next, ix)
}
