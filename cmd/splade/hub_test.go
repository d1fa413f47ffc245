package main

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/splade-go/splade/internal/testutil/fakehub"
	"github.com/splade-go/splade/internal/testutil/reference"
)

// TestHubModelID runs encode and tokenize with --model set to a Hub id,
// served by a fake Hub that HF_ENDPOINT points at.
func TestHubModelID(t *testing.T) {
	const id = "test-org/tiny-bert"
	src := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(src, "expected.json"))
	fakehub.Isolate(t)
	h := fakehub.New()
	h.AddDir(t, id, "main", "", src)
	t.Setenv("HF_ENDPOINT", h.Start(t).URL)

	out := mustRun(t, nil, "encode", "--model", id, "The weather is lovely today.")
	recs := jsonLines[vectorLine](t, out)
	if len(recs) != 1 {
		t.Fatalf("got %d lines, want 1:\n%s", len(recs), out)
	}
	if exp.Cases[0].Text != "The weather is lovely today." {
		t.Fatalf("expected.json case 0 is %q", exp.Cases[0].Text)
	}
	checkVector(t, "encode", recs[0].Indices, recs[0].Values, exp.Cases[0])
	if h.Count() == 0 {
		t.Error("the fake Hub saw no request")
	}

	// tokenize, from the cache that encode filled, without asking the Hub.
	before := h.Count()
	type line struct {
		ID     int      `json:"id"`
		IDs    []int32  `json:"ids"`
		Tokens []string `json:"tokens"`
	}
	lines := jsonLines[line](t, mustRun(t, nil, "tokenize", "--model", id, exp.Cases[0].Text, exp.Cases[1].Text))
	if len(lines) != 2 {
		t.Fatalf("tokenize: got %d lines, want 2", len(lines))
	}
	for i, l := range lines {
		c := exp.Cases[i]
		if l.ID != i || !slices.Equal(l.IDs, c.InputIDs) || !slices.Equal(l.Tokens, c.Tokens) {
			t.Errorf("tokenize %q:\n got %d %v %q\nwant %d %v %q", c.Text, l.ID, l.IDs, l.Tokens, i, c.InputIDs, c.Tokens)
		}
	}
	if n := h.Count() - before; n != 0 {
		t.Errorf("tokenize with a filled cache made %d requests, want 0", n)
	}
}

// TestHubModelIDTokenizeFirst runs tokenize first, so that it downloads the
// model itself.
func TestHubModelIDTokenizeFirst(t *testing.T) {
	const id = "test-org/tiny-bert"
	src := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(src, "expected.json"))
	fakehub.Isolate(t)
	h := fakehub.New()
	h.AddDir(t, id, "main", "", src)
	t.Setenv("HF_ENDPOINT", h.Start(t).URL)

	type line struct {
		IDs    []int32  `json:"ids"`
		Tokens []string `json:"tokens"`
	}
	lines := jsonLines[line](t, mustRun(t, nil, "tokenize", "--model", id, exp.Cases[0].Text))
	if len(lines) != 1 || !slices.Equal(lines[0].IDs, exp.Cases[0].InputIDs) || !slices.Equal(lines[0].Tokens, exp.Cases[0].Tokens) {
		t.Errorf("tokenize: %+v, want %v %q", lines, exp.Cases[0].InputIDs, exp.Cases[0].Tokens)
	}
	if h.Count() == 0 {
		t.Error("the fake Hub saw no request")
	}
}
