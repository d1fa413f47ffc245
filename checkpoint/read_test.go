package checkpoint

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// rawTensor is one tensor of a hand-built safetensors file: its stored
// bytes and the float32 values they hold, worked out element by element.
type rawTensor struct {
	name, dtype string
	shape       []int
	data        []byte
	want        []float32 // nil: not a float tensor, left out
}

// rawTensors are tensors of every stored type, large enough that F16 goes
// through its table and both F16 and F64 span several reads of readChunk.
func rawTensors() []rawTensor {
	r := rand.New(rand.NewPCG(3, 4))
	var out []rawTensor
	// F32: random bit patterns of normal numbers, NaN and Inf among them.
	n := 3*readChunk/4 + 5
	f32 := rawTensor{name: "f32", dtype: "F32", shape: []int{n}}
	for range n {
		b := r.Uint32()
		f32.data = binary.LittleEndian.AppendUint32(f32.data, b)
		f32.want = append(f32.want, math.Float32frombits(b))
	}
	out = append(out, f32)
	// F16: every half value, then random ones, past readChunk bytes.
	n = readChunk/2 + 1<<16 + 3
	f16 := rawTensor{name: "f16", dtype: "F16", shape: []int{n / 3, 3}}
	n = n / 3 * 3
	for i := range n {
		h := uint16(i)
		if i >= 1<<16 {
			h = uint16(r.Uint32())
		}
		f16.data = binary.LittleEndian.AppendUint16(f16.data, h)
		f16.want = append(f16.want, halfToFloat32(h))
	}
	out = append(out, f16)
	small := rawTensor{name: "f16.small", dtype: "F16", shape: []int{2, 2}}
	for _, h := range []uint16{0x3c00, 0xc000, 0x0001, 0x7bff} { // 1, -2, the least subnormal, the largest half
		small.data = binary.LittleEndian.AppendUint16(small.data, h)
	}
	small.want = []float32{1, -2, 0x1p-24, 65504}
	out = append(out, small)
	bf := rawTensor{name: "bf16", dtype: "BF16", shape: []int{1000}}
	for range 1000 {
		h := uint16(r.Uint32())
		bf.data = binary.LittleEndian.AppendUint16(bf.data, h)
		bf.want = append(bf.want, math.Float32frombits(uint32(h)<<16))
	}
	out = append(out, bf)
	n = readChunk/8 + 7
	f64 := rawTensor{name: "f64", dtype: "F64", shape: []int{n}}
	for range n {
		v := r.NormFloat64() * 1e3
		f64.data = binary.LittleEndian.AppendUint64(f64.data, math.Float64bits(v))
		f64.want = append(f64.want, float32(v))
	}
	out = append(out, f64)
	ids := rawTensor{name: "position_ids", dtype: "I64", shape: []int{1, 3}}
	for i := range 3 {
		ids.data = binary.LittleEndian.AppendUint64(ids.data, uint64(i))
	}
	out = append(out, ids)
	out = append(out, rawTensor{name: "empty", dtype: "F32", shape: []int{0, 4}, want: []float32{}})
	return out
}

// safetensorsBytes lays ts out as a safetensors file, in the order given.
func safetensorsBytes(t testing.TB, ts []rawTensor) []byte {
	header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data []byte
	for _, tt := range ts {
		header[tt.name] = map[string]any{"dtype": tt.dtype, "shape": tt.shape, "data_offsets": []int{len(data), len(data) + len(tt.data)}}
		data = append(data, tt.data...)
	}
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
	return append(append(out, h...), data...)
}

// streamFS serves its files without io.ReaderAt, as a network or archive
// file system may.
type streamFS struct{ fstest.MapFS }

type streamFile struct{ fs.File }

func (s streamFS) Open(name string) (fs.File, error) {
	f, err := s.MapFS.Open(name)
	if err != nil {
		return nil, err
	}
	return streamFile{f}, nil
}

// TestReadPaths reads one safetensors file of every element type each
// way the loader can: from a file on disk (read at offsets, straight into
// the tensors), from a file system whose files only stream (read whole
// first), and from bytes (ReadSafetensors); each must give the values
// worked out element by element from the stored bytes.
func TestReadPaths(t *testing.T) {
	raw := rawTensors()
	file := safetensorsBytes(t, raw)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, safetensorsFile), file, 0o644); err != nil {
		t.Fatal(err)
	}
	mapFS := fstest.MapFS{safetensorsFile: {Data: file}}
	reads := map[string]func() (map[string]*Tensor, error){
		"os.DirFS":        func() (map[string]*Tensor, error) { return ReadWeights(os.DirFS(dir)) },
		"fstest.MapFS":    func() (map[string]*Tensor, error) { return ReadWeights(mapFS) },
		"stream":          func() (map[string]*Tensor, error) { return ReadWeights(streamFS{mapFS}) },
		"ReadSafetensors": func() (map[string]*Tensor, error) { return ReadSafetensors(file) },
	}
	for how, read := range reads {
		ts, err := read()
		if err != nil {
			t.Fatalf("%s: %v", how, err)
		}
		for _, tt := range raw {
			got, ok := ts[tt.name]
			if tt.want == nil {
				if ok {
					t.Errorf("%s: %s (%s) read, want it left out", how, tt.name, tt.dtype)
				}
				continue
			}
			if !ok || !slices.Equal(got.Shape, tt.shape) || len(got.Data) != len(tt.want) {
				t.Fatalf("%s: %s: got %v, want shape %v", how, tt.name, got, tt.shape)
			}
			for i, v := range got.Data {
				if math.Float32bits(v) != math.Float32bits(tt.want[i]) {
					t.Fatalf("%s: %s[%d] = %v (%#x), want %v (%#x)", how, tt.name, i, v, math.Float32bits(v), tt.want[i], math.Float32bits(tt.want[i]))
				}
			}
		}
	}
}

// shrunkFS serves a file that says it is longer than it is: a file cut
// short between the loader's Stat and its reads.
type shrunkFS struct {
	data []byte
	size int64
}

type shrunkFile struct {
	*bytes.Reader
	size int64
}

type shrunkInfo struct{ size int64 }

func (i shrunkInfo) Name() string       { return safetensorsFile }
func (i shrunkInfo) Size() int64        { return i.size }
func (i shrunkInfo) Mode() fs.FileMode  { return 0o444 }
func (i shrunkInfo) ModTime() time.Time { return time.Time{} }
func (i shrunkInfo) IsDir() bool        { return false }
func (i shrunkInfo) Sys() any           { return nil }

func (f shrunkFile) Stat() (fs.FileInfo, error) { return shrunkInfo{f.size}, nil }
func (f shrunkFile) Close() error               { return nil }

func (s shrunkFS) Open(name string) (fs.File, error) {
	if name != safetensorsFile {
		return nil, fs.ErrNotExist
	}
	return shrunkFile{bytes.NewReader(s.data), s.size}, nil
}

// TestTruncatedFile cuts a safetensors file short at points in its
// length word, its header and its tensors: reading it from disk must be
// an error that says the file is truncated, not a crash; and so must a
// file that shrinks after the loader learned its size.
func TestTruncatedFile(t *testing.T) {
	raw := rawTensors()
	file := safetensorsBytes(t, raw)
	hlen := 8 + int(binary.LittleEndian.Uint64(file))
	dir := t.TempDir()
	for _, cut := range []int{0, 3, 8, 9, hlen / 2, hlen - 1, hlen, hlen + 1, hlen + 4*readChunk/3, len(file) - 9, len(file) - 1} {
		if err := os.WriteFile(filepath.Join(dir, safetensorsFile), file[:cut], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadWeights(os.DirFS(dir))
		if err == nil || !strings.Contains(err.Error(), "truncated") || strings.Contains(err.Error(), "\n") {
			t.Errorf("file cut at %d of %d bytes: error %v, want a one-line error that names truncation", cut, len(file), err)
		}
	}
	// The last 24 bytes are position_ids, an integer buffer never read.
	for _, cut := range []int{hlen / 2, hlen + 100, len(file) - 24 - 1} {
		_, err := ReadWeights(shrunkFS{data: file[:cut], size: int64(len(file))})
		if err == nil || !strings.Contains(err.Error(), "truncated file?") || !strings.Contains(err.Error(), io.ErrUnexpectedEOF.Error()) {
			t.Errorf("file shrunk to %d of %d bytes while read: error %v, want one that names truncation", cut, len(file), err)
		}
	}
}
