package model_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/sparsevec"
)

// copyFixture copies the files of src except skip into a new folder.
func copyFixture(t *testing.T, src string, skip ...string) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
next:
	for _, e := range entries {
		for _, s := range skip {
			if e.Name() == s {
				continue next
			}
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// onlyPyTorch copies a fixture without model.safetensors, so the loader
// must read pytorch_model.bin.
func onlyPyTorch(t *testing.T, src string) string {
	return copyFixture(t, src, "model.safetensors")
}

// f16Copy copies a fixture with its weights stored as F16 safetensors.
func f16Copy(t *testing.T, src string) string {
	t.Helper()
	dst := copyFixture(t, src, "model.safetensors", "pytorch_model.bin")
	data, err := os.ReadFile(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ts, err := checkpoint.ReadSafetensors(data)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := checkpoint.WriteSafetensors(&buf, ts, "F16"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dst, "model.safetensors"), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return dst
}

// encodeDefault is enc.Encode with splade.KindDefault.
func encodeDefault(enc *model.Encoder) func(context.Context, []string) ([]sparsevec.Vector, error) {
	return func(ctx context.Context, texts []string) ([]sparsevec.Vector, error) {
		return enc.Encode(ctx, texts, splade.KindDefault)
	}
}
