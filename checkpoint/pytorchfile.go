//go:build !splade_nopytorch

package checkpoint

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"

	"github.com/splade-go/splade/internal/safefs"
)

// readPyTorchFile reads the torch zip checkpoint name. Builds with the tag
// splade_nopytorch leave it (and the unpickler) out: the edge worker,
// whose build tool always writes model.safetensors, is smaller without.
func readPyTorchFile(fsys fs.FS, name string) (map[string]*Tensor, error) {
	if err := safefs.Check(fsys, name); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	var (
		ra   io.ReaderAt
		size int64
	)
	st, err := f.Stat()
	if rat, ok := f.(io.ReaderAt); ok && err == nil && st.Mode().IsRegular() {
		ra, size = rat, st.Size()
	} else {
		data, err := io.ReadAll(f)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
		}
		ra, size = bytes.NewReader(data), int64(len(data))
	}
	ts, err := readPyTorch(ra, size)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
	}
	return ts, nil
}
