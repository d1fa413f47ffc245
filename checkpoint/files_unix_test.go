//go:build unix

package checkpoint

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
)

// Row 14: model files that are devices, FIFOs or links out of the folder.
func TestOnlyRegularFiles(t *testing.T) {
	src := reference.Fixture(t, "tiny-bert")
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "model.safetensors"), mustRead(t, filepath.Join(src, "model.safetensors")), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		make func(dir string) error
		want string
	}{
		{"symlink to /dev/zero", func(dir string) error { return os.Symlink("/dev/zero", filepath.Join(dir, "model.safetensors")) },
			"model.safetensors is a symbolic link to /dev/zero, outside the model folder"},
		{"relative symlink out", func(dir string) error {
			rel, _ := filepath.Rel(dir, filepath.Join(outside, "model.safetensors"))
			return os.Symlink(rel, filepath.Join(dir, "model.safetensors"))
		}, "outside the model folder"},
		{"FIFO", func(dir string) error { return syscall.Mkfifo(filepath.Join(dir, "model.safetensors"), 0o644) }, "not a regular file"},
		{"FIFO pytorch", func(dir string) error { return syscall.Mkfifo(filepath.Join(dir, "pytorch_model.bin"), 0o644) }, "pytorch_model.bin is not a regular file"},
		{"folder", func(dir string) error { return os.Mkdir(filepath.Join(dir, "model.safetensors"), 0o755) }, "not a regular file"},
		{"config FIFO", func(dir string) error {
			os.Remove(filepath.Join(dir, "config.json"))
			os.WriteFile(filepath.Join(dir, "model.safetensors"), mustRead(t, filepath.Join(src, "model.safetensors")), 0o644)
			return syscall.Mkfifo(filepath.Join(dir, "config.json"), 0o644)
		}, "config.json is not a regular file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "config.json"), mustRead(t, filepath.Join(src, "config.json")), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tc.make(dir); err != nil {
				t.Fatal(err)
			}
			err := bounded(t, func() error { _, err := LoadDir(dir); return err })
			wantErr(t, err, tc.want)
		})
	}
	// Links inside the folder and into a Hugging Face cache's blobs/ work.
	cache := t.TempDir()
	blobs := filepath.Join(cache, "blobs")
	snap := filepath.Join(cache, "snapshots", "abc")
	for _, d := range []string{blobs, filepath.Join(snap, "sub")} {
		os.MkdirAll(d, 0o755)
	}
	etag := strings.Repeat("0123456789abcdef", 4)
	os.WriteFile(filepath.Join(blobs, etag), mustRead(t, filepath.Join(src, "config.json")), 0o644)
	os.WriteFile(filepath.Join(snap, "sub", "w"), mustRead(t, filepath.Join(src, "model.safetensors")), 0o644)
	os.Symlink("../../blobs/"+etag, filepath.Join(snap, "config.json"))
	os.Symlink("sub/w", filepath.Join(snap, "model.safetensors"))
	if _, err := LoadDir(snap); err != nil {
		t.Errorf("HF cache snapshot with links: %v", err)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
