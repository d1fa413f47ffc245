package model_test

import (
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/internal/testutil/fakehub"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/internal/testutil/stfixture"
	"github.com/splade-go/splade/model"
)

// filesUnder returns the slash-separated paths of the regular files under
// dir, sorted, following symlinks (a cache snapshot links to its blobs).
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestLoadFromHub loads a model by its Hub id from a fake Hub into an empty
// cache, then again from the cache alone, offline: a BERT model (WordPiece)
// and a RoBERTa model (byte-level BPE from tokenizer.json, beside its
// vocab.json and merges.txt).
func TestLoadFromHub(t *testing.T) {
	for _, tc := range []struct {
		fixture string
		want    []string // exactly the files an encoder needs, each once
	}{
		{"tiny-bert", []string{"config.json", "model.safetensors", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.txt"}},
		{"tiny-roberta-50262", []string{"config.json", "merges.txt", "model.safetensors", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json", "vocab.json"}},
	} {
		t.Run(tc.fixture, func(t *testing.T) {
			src := reference.Fixture(t, tc.fixture)
			loadFromHub(t, "test-org/"+tc.fixture, os.DirFS(src), tc.want, reference.LoadExpected(t, filepath.Join(src, "expected.json")))
		})
	}
}

// TestLoadShardedFromHub loads by Hub id a RoBERTa model whose weights are
// sharded: safetensors shards, and pytorch_model.bin shards.
func TestLoadShardedFromHub(t *testing.T) {
	src := reference.Fixture(t, "tiny-roberta-50262")
	exp := reference.LoadExpected(t, filepath.Join(src, "expected.json"))
	for _, format := range []string{"safetensors", "pytorch"} {
		t.Run(format, func(t *testing.T) {
			repo := stfixture.Sharded(t, src, format)
			want := slices.Sorted(maps.Keys(repo))
			repo["README.md"] = &fstest.MapFile{Data: []byte("# sharded\n")}
			loadFromHub(t, "test-org/sharded-"+format, repo, want, exp)
		})
	}
}

// loadFromHub serves repo as the Hub repository id, loads it into an empty
// cache and checks the vectors, that exactly the files want were served
// and cached, that a second load asks the Hub nothing, and that an offline
// load from the cache gives the vectors again.
func loadFromHub(t *testing.T, id string, repo fs.FS, want []string, exp *reference.Expected) {
	t.Helper()
	ctx := context.Background()
	cache := fakehub.Isolate(t)
	h := fakehub.New()
	commit := h.Add(t, id, "main", "", repo)
	srv := h.Start(t)
	t.Setenv("HF_ENDPOINT", srv.URL)

	enc, err := model.Load(ctx, id, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkExpected(t, "Encode", encodeDefault(enc), exp)
	enc.Close()

	// Not the PyTorch weights beside model.safetensors, nor the reference
	// outputs.
	served := h.Served()
	slices.Sort(served)
	if !slices.Equal(served, want) {
		t.Errorf("served %v, want %v", served, want)
	}
	snap := filepath.Join(cache, "models--"+strings.ReplaceAll(id, "/", "--"), "snapshots", commit)
	if got := filesUnder(t, snap); !slices.Equal(got, want) {
		t.Errorf("snapshot %s holds %v, want %v", snap, got, want)
	}

	// Loading again uses the cache without asking the Hub anything.
	before := h.Count()
	enc, err = model.Load(ctx, id, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	enc.Close()
	if n := h.Count() - before; n != 0 {
		t.Errorf("second Load made %d requests, want 0", n)
	}

	// And offline, with the Hub gone.
	srv.Close()
	t.Setenv("HF_HUB_OFFLINE", "1")
	enc, err = model.Load(ctx, id, model.Options{})
	if err != nil {
		t.Fatalf("offline Load from the cache: %v", err)
	}
	defer enc.Close()
	checkExpected(t, "offline Encode", encodeDefault(enc), exp)
	if n := h.Count() - before; n != 0 {
		t.Errorf("offline Load made %d requests, want 0", n)
	}
}

// TestLoadRouterFromHub loads a sentence-transformers Router model by its
// Hub id: the download must bring every module folder that
// router_config.json names, for both routes to encode as the reference.
func TestLoadRouterFromHub(t *testing.T) {
	ctx := context.Background()
	const id = "test-org/inference-free-router"
	idfPath := filepath.Join(reference.Shared(t, "inference-free"), "idf.json")
	tokDir := reference.Shared(t, "conformance/tokenizer")
	docDir := reference.Fixture(t, "edge-bert-30522")
	exp := reference.LoadExpected(t, filepath.Join(docDir, "expected.json"))
	qs := reference.IDFQueries(t, idfPath, 20)
	repo := stfixture.Router(t, idfPath, tokDir, docDir)
	want := slices.Sorted(maps.Keys(repo)) // what the snapshot must hold
	// Files the encoder does not need, which should stay on the Hub.
	repo["README.md"] = &fstest.MapFile{Data: []byte("# router\n")}
	repo["onnx/model.onnx"] = &fstest.MapFile{Data: []byte("onnx weights")}

	cache := fakehub.Isolate(t)
	h := fakehub.New()
	commit := h.Add(t, id, "main", "", repo)
	t.Setenv("HF_ENDPOINT", h.Start(t).URL)

	enc, err := model.Load(ctx, id, model.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	checkRouter(t, enc, qs, exp)

	snap := filepath.Join(cache, "models--test-org--inference-free-router", "snapshots", commit)
	if got := filesUnder(t, snap); !slices.Equal(got, want) {
		t.Errorf("snapshot holds\n%v\nwant\n%v", got, want)
	}
}
