// Package reference gives tests the independent reference to check
// against: it locates the fixtures of this repository and the shared,
// read-only data beside it (../shared), parses the expected.json files
// that the independent PyTorch + JS reference wrote, and compares vectors
// with them at the project's tolerance. (It is not named testdata because
// the go command skips folders of that name in ./... patterns.)
package reference

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Root returns the repository root: the nearest directory above the
// working directory that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("reference: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Shared returns ../shared/rel beside the repository root, and skips the
// test when it is absent (a fresh clone without the shared data).
func Shared(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Root(t), "..", "shared", rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("../shared/%s absent (the shared test data sits beside the repository in CI): %v", rel, err)
	}
	return p
}

// Fixture returns the model folder of a fixture: testdata/name in the
// repository when it is there, else ../shared/fixtures/name (skipping the
// test when neither exists).
func Fixture(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Root(t), "testdata", name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return Shared(t, filepath.Join("fixtures", name))
}

// MixedFixture returns a new model folder that holds the network of the
// fixture model (config.json and its weights) with the tokenizer files of
// the fixture tokenizerOf (every file of that folder but config.json,
// weights and expected outputs): a folder put together from two
// checkpoints, which the encoder must refuse or read as the two make
// sense together.
func MixedFixture(t testing.TB, model, tokenizerOf string) string {
	t.Helper()
	dst := t.TempDir()
	network := func(name string) bool {
		switch filepath.Ext(name) {
		case ".safetensors", ".bin", ".pt":
			return true
		}
		return name == "config.json"
	}
	for _, src := range []struct {
		dir  string
		want func(string) bool
	}{
		{Fixture(t, model), network},
		{Fixture(t, tokenizerOf), func(name string) bool {
			return !network(name) && !strings.HasPrefix(name, "expected")
		}},
	} {
		entries, err := os.ReadDir(src.dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.Type().IsRegular() || !src.want(e.Name()) {
				continue
			}
			data, err := os.ReadFile(filepath.Join(src.dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dst
}

// Case is one text of an expected.json file.
type Case struct {
	Text     string       `json:"text"`
	InputIDs []int32      `json:"input_ids"`
	Tokens   []string     `json:"tokens"`
	Indices  []uint32     `json:"indices"`
	Values   []float32    `json:"values"`
	Top10    [][2]float64 `json:"top10"`
}

// Expected is a reference output file (expected.json and its variants).
type Expected struct {
	Model         string      `json:"model"`
	Pooling       string      `json:"pooling"`
	Activation    string      `json:"activation"`
	VocabSize     int         `json:"vocab_size"`
	Cases         []Case      `json:"cases"`
	SimilarityDot [][]float64 `json:"similarity_dot"`
	Sparsity      struct {
		ActiveDims    float64 `json:"active_dims"`
		SparsityRatio float64 `json:"sparsity_ratio"`
	} `json:"sparsity"`
}

// Texts returns the texts of all cases, in order.
func (e *Expected) Texts() []string {
	texts := make([]string, len(e.Cases))
	for i, c := range e.Cases {
		texts[i] = c.Text
	}
	return texts
}

// LoadExpected parses an expected*.json file.
func LoadExpected(t testing.TB, path string) *Expected {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reference: %v", err)
	}
	var e Expected
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("reference: %s: %v", path, err)
	}
	return &e
}
