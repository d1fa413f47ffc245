//go:build !splade_nopytorch

package checkpoint

import (
	"fmt"
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
	ra, size, err := readerAt(f)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
	}
	ts, err := readPyTorch(ra, size)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
	}
	return ts, nil
}
