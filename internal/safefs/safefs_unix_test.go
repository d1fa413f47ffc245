//go:build unix

package safefs

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "snapshots", "abc")
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.MkdirAll(filepath.Join(root, "blobs"), 0o755)
	write := func(name string) {
		if err := os.WriteFile(name, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "plain.json"))
	write(filepath.Join(dir, "sub", "inner.json"))
	etag := strings.Repeat("ab", 20)
	write(filepath.Join(root, "blobs", etag))
	write(filepath.Join(root, "blobs", "notanetag"))
	write(filepath.Join(root, "outside.json"))
	link := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	link("sub/inner.json", "inside.json")
	link("../../blobs/"+etag, "blob.json")
	link("../../../blobs/"+etag, "sub/blob.json")
	link("../../blobs/notanetag", "badblob.json")
	link("../../outside.json", "out.json")
	link(filepath.Join(root, "outside.json"), "abs.json")
	link("/dev/zero", "zero.json")
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, "folder.json"), 0o755)
	fsys := os.DirFS(dir)
	for name, want := range map[string]string{
		"plain.json": "", "inside.json": "", "blob.json": "", "sub/blob.json": "",
		"out.json":     "symbolic link to ../../outside.json, outside the model folder",
		"abs.json":     "outside the model folder",
		"badblob.json": "outside the model folder",
		"zero.json":    "symbolic link to /dev/zero",
		"fifo.json":    "fifo.json is not a regular file",
		"folder.json":  "not a regular file",
		"none.json":    "no such file",
	} {
		done := make(chan error, 1)
		go func() { _, err := ReadFile(fsys, name); done <- err }()
		var err error
		select {
		case err = <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: ReadFile hangs", name)
		}
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: err = %v, want %q", name, err, want)
		}
	}
}
