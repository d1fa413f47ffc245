//go:build splade_nopytorch

package checkpoint

import (
	"fmt"
	"io/fs"
)

// readPyTorchFile refuses: this build (tag splade_nopytorch, as the edge
// worker is built) reads safetensors weights only.
func readPyTorchFile(_ fs.FS, name string) (map[string]*Tensor, error) {
	return nil, fmt.Errorf("checkpoint: %s: this build reads model.safetensors only (built with -tags splade_nopytorch); convert the weights, e.g. with go run ./worker/build", name)
}
