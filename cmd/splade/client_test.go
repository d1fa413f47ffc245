package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/splade-go/splade/api"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/sparsevec"
)

// TestClient runs package api's client against `splade serve` (with an
// index of the fixture's texts) and holds every answer to the reference:
// the vectors of /encode and /embed_sparse, the tokens of /tokenize, the
// scores of /similarity and /search computed here from the reference
// vectors, and an error answer as *api.Error.
func TestClient(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	idx := filepath.Join(t.TempDir(), "docs.idx")
	mustRun(t, strings.NewReader(jsonlTexts(exp.Texts())), "index", "--model", dir, "--input", "jsonl", "--quiet", "--out", idx)
	base, _, _, _ := startServe(t, "--model", dir, "--index", idx)
	ctx := context.Background()
	c, err := api.NewClient(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref := make([]sparsevec.Vector, len(exp.Cases))
	for i, cs := range exp.Cases {
		ref[i] = sparsevec.Vector{Indices: cs.Indices, Values: cs.Values, Dim: exp.VocabSize}
	}

	h, err := c.Health(ctx)
	if err != nil || h.Status != "ok" || h.Dim != exp.VocabSize {
		t.Errorf("Health: %+v, %v", h, err)
	}
	info, err := c.Info(ctx)
	if err != nil || info.Dim != exp.VocabSize || info.MaxInputLength != 64 || info.ModelType.Embedding.Pooling != "splade" {
		t.Errorf("Info: %+v, %v", info, err)
	}

	emb, err := c.Encode(ctx, &api.EncodeRequest{Texts: exp.Texts()})
	if err != nil || emb.Dim != exp.VocabSize || len(emb.Vectors) != len(exp.Cases) {
		t.Fatalf("Encode: %+v, %v", emb, err)
	}
	for i, v := range emb.Vectors {
		checkVector(t, fmt.Sprintf("Encode %d", i), v.Indices, v.Values, exp.Cases[i])
	}

	sp, err := c.EmbedSparse(ctx, &api.EmbedSparseRequest{Inputs: api.Inputs{exp.Cases[0].Text}})
	if err != nil || len(sp) != 1 {
		t.Fatalf("EmbedSparse: %v, %v", sp, err)
	}
	var idxs []uint32
	var vals []float32
	for _, e := range sp[0] {
		idxs, vals = append(idxs, e.Index), append(vals, e.Value)
	}
	checkVector(t, "EmbedSparse", idxs, vals, exp.Cases[0])

	toks, err := c.Tokenize(ctx, &api.TokenizeRequest{Inputs: api.Inputs{exp.Cases[1].Text}})
	if err != nil || len(toks) != 1 {
		t.Fatalf("Tokenize: %v, %v", toks, err)
	}
	var ids []int32
	var pieces []string
	for _, tk := range toks[0] {
		ids, pieces = append(ids, tk.ID), append(pieces, tk.Text)
	}
	if !slices.Equal(ids, exp.Cases[1].InputIDs) || !slices.Equal(pieces, exp.Cases[1].Tokens) {
		t.Errorf("Tokenize: %v %q, want %v %q", ids, pieces, exp.Cases[1].InputIDs, exp.Cases[1].Tokens)
	}

	sim, err := c.Similarity(ctx, &api.SimilarityRequest{Queries: exp.Texts()[:1], Documents: exp.Texts()})
	if err != nil || len(sim.Scores) != 1 || len(sim.Scores[0]) != len(exp.Cases) || sim.Fn != sparsevec.DotFunc {
		t.Fatalf("Similarity: %+v, %v", sim, err)
	}
	for j := range exp.Cases {
		if want := sparsevec.Dot(ref[0], ref[j]); !near32(sim.Scores[0][j], want) {
			t.Errorf("Similarity[0][%d] = %v, want %v (the reference vectors' dot product)", j, sim.Scores[0][j], want)
		}
	}

	k := 3
	res, err := c.Search(ctx, &api.SearchRequest{Queries: exp.Texts()[:1], TopK: &k})
	if err != nil || res.Documents != len(exp.Cases) || len(res.Results) != 1 || len(res.Results[0].Hits) != k {
		t.Fatalf("Search: %+v, %v", res, err)
	}
	order := make([]int, len(exp.Cases))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(sparsevec.Dot(ref[0], ref[b]), sparsevec.Dot(ref[0], ref[a])) })
	for r, hit := range res.Results[0].Hits {
		want := sparsevec.Dot(ref[0], ref[order[r]])
		if !near32(hit.Score, want) {
			t.Errorf("Search hit %d: %+v, want score %v", r, hit, want)
		}
		if j, err := strconv.Atoi(hit.ID); err != nil || j < 0 || j >= len(ref) || !near32(sparsevec.Dot(ref[0], ref[j]), want) {
			t.Errorf("Search hit %d: document %s, whose reference score is not %v", r, hit.ID, want)
		}
	}

	_, err = c.Encode(ctx, &api.EncodeRequest{})
	var ae *api.Error
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || ae.Type != api.ErrorEmpty || ae.Message == "" {
		t.Errorf("Encode of no texts: %v, want *api.Error 400 Empty", err)
	}
}

func near32(got, want float32) bool {
	return math.Abs(float64(got-want)) <= 1e-4+1e-4*math.Abs(float64(want))
}
