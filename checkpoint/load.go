package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/internal/safefs"
)

// Weight files Load looks for, in order of preference.
const (
	safetensorsFile      = "model.safetensors"
	safetensorsIndexFile = "model.safetensors.index.json"
	pytorchFile          = "pytorch_model.bin"
	pytorchIndexFile     = "pytorch_model.bin.index.json"
)

// Load reads the model folder fsys: config.json plus the weights, from
// model.safetensors (preferred), a sharded model.safetensors.index.json,
// pytorch_model.bin, or a sharded pytorch_model.bin.index.json. A folder
// with sparse_linear.pt ([SparseLinearFile]) is BGE-M3's layout: the
// network gets that per-token head in place of a masked-LM head
// ([arch.Network.UseTokenHead]), as does one whose weights hold the head
// already ([SparseLinearWeights]).
func Load(fsys fs.FS) (*Params, error) {
	data, err := safefs.ReadFile(fsys, "config.json")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("checkpoint: no config.json in the model folder")
		}
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	net, err := arch.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	ts, err := ReadWeights(fsys)
	if err != nil {
		return nil, err
	}
	if err := addTokenHead(fsys, net, ts); err != nil {
		return nil, err
	}
	return FromTensors(net, ts)
}

// LoadDir is Load of the folder dir.
func LoadDir(dir string) (*Params, error) {
	return Load(os.DirFS(dir))
}

// weightFiles are the weight files of a model folder, in the order Load
// prefers them.
var weightFiles = []string{safetensorsFile, safetensorsIndexFile, pytorchFile, pytorchIndexFile}

// WeightFileNames returns the names of the weight files ReadWeights looks
// for, in its order of preference; an index among them
// ([IsIndex]) names shards to read with it (see [IndexShards]).
func WeightFileNames() []string { return slices.Clone(weightFiles) }

// IsIndex reports whether name is the file name of a sharded weights index,
// model.safetensors.index.json or pytorch_model.bin.index.json.
func IsIndex(name string) bool { return name == safetensorsIndexFile || name == pytorchIndexFile }

// ReadWeights reads the tensors of the model folder at the root of fsys
// from the first weight file present: model.safetensors, the shards of
// model.safetensors.index.json, pytorch_model.bin, or the shards of
// pytorch_model.bin.index.json.
func ReadWeights(fsys fs.FS) (map[string]*Tensor, error) {
	for _, try := range []struct {
		name string
		read func(fs.FS, string) (map[string]*Tensor, error)
	}{
		{safetensorsFile, readSafetensorsFile},
		{safetensorsIndexFile, readSharded(readSafetensorsFile)},
		{pytorchFile, readPyTorchFile},
		{pytorchIndexFile, readSharded(readPyTorchFile)},
	} {
		if _, err := fs.Stat(fsys, try.name); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		return try.read(fsys, try.name)
	}
	return nil, fmt.Errorf("checkpoint: no weights in the model folder: looked for %s, %s, %s and %s",
		safetensorsFile, safetensorsIndexFile, pytorchFile, pytorchIndexFile)
}

func readSafetensorsFile(fsys fs.FS, name string) (map[string]*Tensor, error) {
	return readFile(fsys, name, readSafetensors)
}

// readFile checks and opens the checkpoint file name and decodes it with
// read, which reads it at offsets (see readerAt); errors name the file.
func readFile(fsys fs.FS, name string, read func(io.ReaderAt, int64) (map[string]*Tensor, error)) (map[string]*Tensor, error) {
	if err := safefs.Check(fsys, name); err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	defer f.Close()
	r, size, err := readerAt(f)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
	}
	ts, err := read(r, size)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %s: %w", name, err)
	}
	return ts, nil
}

// readerAt returns f as an io.ReaderAt and its size: f itself where it is
// a regular file that reads at offsets (an *os.File, a file of
// fstest.MapFS or embed.FS), so that each tensor is read straight into
// its place; else all of f, read into memory.
func readerAt(f fs.File) (io.ReaderAt, int64, error) {
	st, err := f.Stat()
	if ra, ok := f.(io.ReaderAt); ok && err == nil && st.Mode().IsRegular() {
		return ra, st.Size(), nil
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, 0, err
	}
	return bytes.NewReader(data), int64(len(data)), nil
}

// readSharded reads the shards an index file lists in its weight_map.
func readSharded(read func(fs.FS, string) (map[string]*Tensor, error)) func(fs.FS, string) (map[string]*Tensor, error) {
	return func(fsys fs.FS, index string) (map[string]*Tensor, error) {
		data, err := safefs.ReadFile(fsys, index)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		shards, err := IndexShards(data)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", index, err)
		}
		all := make(map[string]*Tensor)
		for _, file := range shards {
			if !fs.ValidPath(file) {
				return nil, fmt.Errorf("checkpoint: %s: invalid shard name %q", index, file)
			}
			ts, err := read(fsys, file)
			if err != nil {
				return nil, err
			}
			for name, t := range ts {
				if _, dup := all[name]; dup {
					return nil, fmt.Errorf("checkpoint: %s: tensor %q in two shards", index, name)
				}
				all[name] = t
			}
		}
		return all, nil
	}
}

// IndexShards lists, sorted and once each, the shard files that a sharded
// weights index (model.safetensors.index.json, pytorch_model.bin.index.json)
// names in its weight_map.
func IndexShards(indexJSON []byte) ([]string, error) {
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(indexJSON, &idx); err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	var shards []string
	for _, file := range idx.WeightMap {
		if !seen[file] {
			seen[file] = true
			shards = append(shards, file)
		}
	}
	if len(shards) == 0 {
		return nil, errors.New("empty weight_map")
	}
	sort.Strings(shards)
	return shards, nil
}

// WeightFiles lists every weight file of the model folder at the root of
// fsys: each weight file present (see ReadWeights) and the shards that
// each index present names, alternatives included.
func WeightFiles(fsys fs.FS) ([]string, error) {
	var files []string
	for _, w := range weightFiles {
		if _, err := fs.Stat(fsys, w); err != nil {
			continue
		}
		files = append(files, w)
		if w != safetensorsIndexFile && w != pytorchIndexFile {
			continue
		}
		data, err := fs.ReadFile(fsys, w)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %w", err)
		}
		shards, err := IndexShards(data)
		if err != nil {
			return nil, fmt.Errorf("checkpoint: %s: %w", w, err)
		}
		files = append(files, shards...)
	}
	return files, nil
}
