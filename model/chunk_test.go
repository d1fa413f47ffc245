package model_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/model"
)

func TestWindows(t *testing.T) {
	ids := []int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	for _, tc := range []struct {
		size, overlap int
		want          string
	}{
		{10, 0, "[[0 1 2 3 4 5 6 7 8 9]]"},
		{20, 3, "[[0 1 2 3 4 5 6 7 8 9]]"},
		{4, 0, "[[0 1 2 3] [4 5 6 7] [6 7 8 9]]"},
		{4, 1, "[[0 1 2 3] [3 4 5 6] [6 7 8 9]]"},
		{5, 0, "[[0 1 2 3 4] [5 6 7 8 9]]"},
		{3, 2, "[[0 1 2] [1 2 3] [2 3 4] [3 4 5] [4 5 6] [5 6 7] [6 7 8] [7 8 9]]"},
		{9, 0, "[[0 1 2 3 4 5 6 7 8] [1 2 3 4 5 6 7 8 9]]"},
	} {
		if got := fmt.Sprint(model.Windows(ids, tc.size, tc.overlap)); got != tc.want {
			t.Errorf("Windows(10 ids, %d, %d) = %s, want %s", tc.size, tc.overlap, got, tc.want)
		}
	}
	if got := model.Windows(nil, 4, 1); len(got) != 1 || len(got[0]) != 0 {
		t.Errorf("Windows of no ids = %v, want one empty window", got)
	}
}

// TestChunk checks chunked encoding against the max over windows that
// the PyTorch reference encoded one by one (testdata/chunkref.py).
func TestChunk(t *testing.T) {
	dir := reference.Fixture(t, "small-bert-30522")
	data, err := os.ReadFile("testdata/chunk-small-bert-30522.json")
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Runs []struct {
			MaxLength int `json:"max_length"`
			Overlap   int
			Cases     []struct {
				Text    string
				Windows int
				Indices []uint32
				Values  []float32
			}
		}
	}
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, run := range exp.Runs {
		enc, err := model.Load(ctx, dir, model.Options{MaxLength: run.MaxLength, Chunk: true, ChunkOverlap: run.Overlap, BatchSize: 4})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, c := range run.Cases {
			texts = append(texts, c.Text)
		}
		got, err := enc.Encode(ctx, texts, splade.KindDefault)
		enc.Close()
		if err != nil {
			t.Fatal(err)
		}
		long := 0
		for i, c := range run.Cases {
			if c.Windows > 1 {
				long++
			}
			worst, problems := reference.VectorDiff(got[i].Indices, got[i].Values, c.Indices, c.Values, reference.AbsTol, reference.RelTol)
			if problems != "" {
				t.Errorf("L=%d O=%d text %d (%d windows): worst %g: %s", run.MaxLength, run.Overlap, i, c.Windows, worst, problems)
			}
		}
		if long < 2 {
			t.Errorf("L=%d O=%d: only %d texts span several windows", run.MaxLength, run.Overlap, long)
		}
	}
}

func TestChunkErrors(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	ctx := context.Background()
	for _, tc := range []struct {
		opts model.Options
		want string
	}{
		{model.Options{MaxLength: 10, Chunk: true, ChunkOverlap: 8}, "chunk overlap 8 must be less than the 8 tokens"},
		{model.Options{Chunk: true, ChunkOverlap: -1}, "negative"},
		{model.Options{ChunkOverlap: 3}, "without Chunk"},
	} {
		_, err := model.Load(ctx, dir, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one saying %q", tc.opts, err, tc.want)
		}
	}
}
