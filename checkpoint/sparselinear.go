package checkpoint

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"

	"github.com/splade-go/splade/arch"
)

// SparseLinearFile is the file FlagEmbedding saves BGE-M3's sparse head
// in: torch.save of a Linear(H, 1)'s state_dict.
const SparseLinearFile = "sparse_linear.pt"

// ReadSparseLinear reads BGE-M3's sparse head, sparse_linear.pt at the
// root of fsys, through the same safe unpickler as [ReadPyTorch] (no code
// in the file runs). It returns its two tensors by their state_dict names:
// "weight", shaped [1, H], and "bias", shaped [1]. With hidden > 0, H must
// equal it (the encoder's hidden_size).
func ReadSparseLinear(fsys fs.FS, hidden int) (map[string]*Tensor, error) {
	ts, err := readPyTorchFile(fsys, SparseLinearFile)
	if err != nil {
		return nil, err
	}
	return sparseLinear(ts, hidden)
}

// sparseLinear checks that ts is a Linear(hidden, 1)'s state_dict.
func sparseLinear(ts map[string]*Tensor, hidden int) (map[string]*Tensor, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("checkpoint: %s: %s (want the state_dict of FlagEmbedding's Linear(hidden_size, 1) sparse head)", SparseLinearFile, fmt.Sprintf(format, args...))
	}
	names := make([]string, 0, len(ts))
	for n := range ts {
		names = append(names, n)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"bias", "weight"}) {
		return nil, fail("holds the float tensors %q", names)
	}
	w, b := ts["weight"], ts["bias"]
	if len(w.Shape) != 2 || w.Shape[0] != 1 || w.Shape[1] < 1 {
		return nil, fail("weight has shape %v, not [1, H]", w.Shape)
	}
	if hidden > 0 && w.Shape[1] != hidden {
		return nil, fail("weight has shape %v, not [1, %d] as hidden_size says", w.Shape, hidden)
	}
	if len(b.Shape) != 1 || b.Shape[0] != 1 {
		return nil, fail("bias has shape %v, not [1]", b.Shape)
	}
	return ts, nil
}

// HasSparseLinear reports whether the model folder at the root of fsys
// holds BGE-M3's sparse head, sparse_linear.pt.
func HasSparseLinear(fsys fs.FS) (bool, error) {
	_, err := fs.Stat(fsys, SparseLinearFile)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("checkpoint: %w", err)
}

// SparseLinearWeights reads sparse_linear.pt at the root of fsys (see
// [ReadSparseLinear]) and returns its tensors under the names a
// checkpoint holds the token head's under (arch.TokenHeadNames):
// sparse_linear.weight and sparse_linear.bias. A converted BGE-M3 folder
// stores them so in its weights, in place of the pickle.
func SparseLinearWeights(fsys fs.FS, hidden int) (map[string]*Tensor, error) {
	head, err := ReadSparseLinear(fsys, hidden)
	if err != nil {
		return nil, err
	}
	return map[string]*Tensor{
		arch.TokenHeadNames(arch.W(arch.TokenLinear))[0]: head["weight"],
		arch.TokenHeadNames(arch.B(arch.TokenLinear))[0]: head["bias"],
	}, nil
}

// addTokenHead gives net its per-token head when the folder fsys has one:
// sparse_linear.pt, whose tensors it adds to ts, or the head's tensors
// already in ts (a folder converted by SparseLinearWeights).
func addTokenHead(fsys fs.FS, net *arch.Network, ts map[string]*Tensor) error {
	ok, err := HasSparseLinear(fsys)
	if err != nil {
		return err
	}
	weight := arch.TokenHeadNames(arch.W(arch.TokenLinear))[0]
	if !ok {
		if _, converted := ts[weight]; converted {
			if err := net.UseTokenHead(); err != nil {
				return fmt.Errorf("checkpoint: tensor %s: %w", weight, err)
			}
		}
		return nil
	}
	if err := net.UseTokenHead(); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", SparseLinearFile, err)
	}
	head, err := SparseLinearWeights(fsys, net.Hidden)
	if err != nil {
		return err
	}
	for name, t := range head {
		if _, dup := ts[name]; dup {
			return fmt.Errorf("checkpoint: the weights hold %q and the folder %s: two sparse heads", name, SparseLinearFile)
		}
		ts[name] = t
	}
	return nil
}
