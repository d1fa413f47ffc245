//go:build !splade_nopytorch

package checkpoint

import (
	"io/fs"
)

// readPyTorchFile reads the torch zip checkpoint name. Builds with the tag
// splade_nopytorch leave it (and the unpickler) out: the edge worker,
// whose build tool always writes model.safetensors, is smaller without.
func readPyTorchFile(fsys fs.FS, name string) (map[string]*Tensor, error) {
	return readFile(fsys, name, readPyTorch)
}
