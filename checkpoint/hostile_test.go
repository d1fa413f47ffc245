package checkpoint

// Tests of hostile and inconsistent checkpoints (issue 11 rows 1, 3, 4, 5,
// 11 and 14; issue 8's "refuse inconsistent checkpoints"): each must give
// a one-line error quickly and within bounded memory.

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/splade-go/splade/arch"
	"github.com/splade-go/splade/internal/testutil/reference"
)

// pk builds protocol-2 pickles opcode by opcode.
type pk struct{ bytes.Buffer }

func (p *pk) op(b ...byte) *pk { p.Write(b); return p }
func (p *pk) str(s string) *pk {
	p.WriteByte('X')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(s))))
	p.WriteString(s)
	return p
}
func (p *pk) int32(n int32) *pk {
	p.WriteByte('J')
	p.Write(binary.LittleEndian.AppendUint32(nil, uint32(n)))
	return p
}
func (p *pk) global(module, name string) *pk {
	p.WriteString("c" + module + "\n" + name + "\n")
	return p
}

// tensorPickle is a state dict {name: FloatStorage tensor of numel
// elements, shape [numel]} stored under storage key "0".
func tensorPickle(name string, numel int32) []byte {
	var p pk
	p.op(0x80, 2, '}').str(name).global("torch._utils", "_rebuild_tensor_v2")
	p.op('(', '(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").int32(numel).op('t', 'Q')
	p.op('K', 0).int32(numel).op(0x85).op('K', 1, 0x85, 0x89, 't', 'R', 's', '.')
	return p.Bytes()
}

// torchZip writes a torch zip archive of the records (under archive/);
// deflate names the records written compressed.
func torchZip(t testing.TB, records map[string]func(io.Writer), deflate ...string) []byte {
	t.Helper()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, name := range sortedKeys(records) {
		method := zip.Store
		for _, d := range deflate {
			if d == name {
				method = zip.Deflate
			}
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "archive/" + name, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		records[name](w)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func bytesRecord(b []byte) func(io.Writer) { return func(w io.Writer) { w.Write(b) } }

// bounded runs f, failing the test when it takes over 10 s or allocates
// over 1 GB in total, and returns its error, which must be one line.
func bounded(t *testing.T, f func() error) error {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	done := make(chan error, 1)
	go func() { done <- f() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no answer within 10 s")
	}
	runtime.ReadMemStats(&after)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v, want under 10 s", d)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<30 {
		t.Errorf("allocated %d MB, want under 1 GB", alloc>>20)
	}
	if err != nil && strings.Contains(err.Error(), "\n") {
		t.Errorf("error is not one line: %q", err)
	}
	return err
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q lacks %q", err, p)
		}
	}
}

// Row 1: a state_dict entry that is the dict itself.
func TestSelfReferencingStateDict(t *testing.T) {
	var p pk
	p.op(0x80, 2, '}', 'q', 0).str("state_dict").op('h', 0, 's', '.')
	data := torchZip(t, map[string]func(io.Writer){"data.pkl": bytesRecord(p.Bytes())})
	err := bounded(t, func() error { _, err := ReadPyTorch(bytes.NewReader(data), int64(len(data))); return err })
	wantErr(t, err, "data.pkl", "nested more than")
}

// Row 4: integers no state dict needs, which gopickle decodes in
// quadratic time.
func TestHugeIntegerOpcodes(t *testing.T) {
	long4 := append([]byte{0x80, 2, 0x8b}, binary.LittleEndian.AppendUint32(nil, 4<<20)...)
	long4 = append(append(long4, bytes.Repeat([]byte{0x7f}, 4<<20)...), '.')
	long1 := append([]byte{0x80, 2, 0x8a, 200}, bytes.Repeat([]byte{1}, 200)...)
	long1 = append(long1, '.')
	decimal := append(append([]byte("\x80\x02L"), bytes.Repeat([]byte("9"), 10<<20)...), "L\n."...)
	bigInt := append(append([]byte("\x80\x02I"), bytes.Repeat([]byte("1"), 40)...), "\n."...)
	for name, pkl := range map[string][]byte{"LONG4 of 4 MiB": long4, "LONG1 of 200 bytes": long1, "decimal L of 10 M digits": decimal, "decimal I of 40 digits": bigInt} {
		t.Run(name, func(t *testing.T) {
			data := torchZip(t, map[string]func(io.Writer){"data.pkl": bytesRecord(pkl)})
			err := bounded(t, func() error { _, err := ReadPyTorch(bytes.NewReader(data), int64(len(data))); return err })
			wantErr(t, err, "data.pkl", "integer of", "a state dict needs")
		})
	}
	// Integers of a real state dict still pass.
	if err := checkPickle([]byte("\x80\x02\x8a\x08\x01\x02\x03\x04\x05\x06\x07\x08I-1234567890123456789\n.")); err != nil {
		t.Errorf("8-byte LONG1 and 19-digit INT refused: %v", err)
	}
}

// Row 5: a 1 GiB storage record of zeros, deflated into about a megabyte,
// referenced by a tensor the model does not use.
func TestZipBomb(t *testing.T) {
	const numel = 1 << 28 // 1 GiB of float32
	data := torchZip(t, map[string]func(io.Writer){
		"data.pkl": bytesRecord(tensorPickle("unused.weight", numel)),
		"data/0": func(w io.Writer) {
			if _, err := io.CopyN(w, zeros{}, numel*4); err != nil {
				t.Fatal(err)
			}
		},
	}, "data/0")
	if len(data) > 8<<20 {
		t.Fatalf("bomb is %d bytes, want a small file", len(data))
	}
	err := bounded(t, func() error { _, err := ReadPyTorch(bytes.NewReader(data), int64(len(data))); return err })
	wantErr(t, err, "archive/data/0", "declares 1073741824 bytes", "zip bomb")

	// A small record is read, and a declared size that disagrees with the
	// bytes stored is caught by archive/zip.
	small := torchZip(t, map[string]func(io.Writer){
		"data.pkl": bytesRecord(tensorPickle("x", 4)),
		"data/0":   bytesRecord(make([]byte, 16)),
	}, "data/0")
	ts, err := ReadPyTorch(bytes.NewReader(small), int64(len(small)))
	if err != nil || len(ts["x"].Data) != 4 {
		t.Fatalf("small deflated record: %v, %v", ts, err)
	}
	i := bytes.LastIndex(small, []byte("archive/data/0"))                             // central directory entry
	binary.LittleEndian.PutUint32(small[i-46+24:], 1000)                              // uncompressed size
	if _, err := ReadPyTorch(bytes.NewReader(small), int64(len(small))); err == nil { // 1000 bytes declared, 16 stored
		t.Error("record with a wrong declared size accepted")
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// tinyBERT returns the config and the safetensors bytes of the tiny-bert
// fixture.
func tinyBERT(t *testing.T) (config, st []byte) {
	t.Helper()
	dir := reference.Fixture(t, "tiny-bert")
	config, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	st, err = os.ReadFile(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	return config, st
}

// withConfig returns config with the given fields replaced.
func withConfig(t *testing.T, config []byte, fields map[string]any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(config, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		m[k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Row 3: config.json asking for more layers, hidden size, vocabulary or
// positions than the weights hold.
func TestConfigBeyondWeights(t *testing.T) {
	config, st := tinyBERT(t)
	for _, tc := range []struct {
		field string
		value any
		want  string
	}{
		{"num_hidden_layers", json.Number("4611686018427387904"), "num_hidden_layers is 4611686018427387904, more than the limit"},
		{"num_hidden_layers", 1e9, "num_hidden_layers is 1000000000, more than the limit"},
		{"num_hidden_layers", 1e7, "more than the limit"},
		{"num_hidden_layers", 500, "asks for 500 layers, but the weights hold 42 tensors, enough for at most 2"},
		{"vocab_size", 1 << 30, "vocab_size is 1073741824, more than the limit"},
		{"vocab_size", 100000, `has shape [478 32], want [100000 32]`},
		{"hidden_size", 1 << 20, "hidden_size is 1048576"},
		{"max_position_embeddings", 1 << 30, "max_position_embeddings is 1073741824"},
		{"max_position_embeddings", 4096, `position_embeddings.weight" has shape [64 32], want [4096 32]`},
		{"intermediate_size", 1 << 30, "intermediate_size is 1073741824"},
	} {
		t.Run(fmt.Sprintf("%s=%v", tc.field, tc.value), func(t *testing.T) {
			fsys := fstest.MapFS{"config.json": {Data: withConfig(t, config, map[string]any{tc.field: tc.value})}, "model.safetensors": {Data: st}}
			err := bounded(t, func() error { _, err := Load(fsys); return err })
			wantErr(t, err, tc.want)
		})
	}
}

// Row 11 and issue 8: tensors the config does not use.
func TestUnusedTensors(t *testing.T) {
	config, st := tinyBERT(t)
	// config says one layer, the file holds two.
	fsys := fstest.MapFS{"config.json": {Data: withConfig(t, config, map[string]any{"num_hidden_layers": 1})}, "model.safetensors": {Data: st}}
	_, err := Load(fsys)
	wantErr(t, err, "16 tensor(s) that config.json does not use", "bert.encoder.layer.1.attention.output.LayerNorm.bias", "and 8 more")
	// An extra tensor of any other name.
	ts, err := ReadSafetensors(st)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := arch.Parse(config)
	if err != nil {
		t.Fatal(err)
	}
	ts["bert.encoder.layer.0.attention.self.rotary.weight"] = &Tensor{Shape: []int{2}, Data: []float32{1, 2}}
	_, err = FromTensors(cfg, ts)
	wantErr(t, err, "1 tensor(s)", `bert.encoder.layer.0.attention.self.rotary.weight`)
	// The pooler and next-sentence head of a pre-training checkpoint are
	// dropped, as transformers drops them.
	delete(ts, "bert.encoder.layer.0.attention.self.rotary.weight")
	ts["bert.pooler.dense.weight"] = &Tensor{Shape: []int{32, 32}, Data: make([]float32, 32*32)}
	ts["cls.seq_relationship.bias"] = &Tensor{Shape: []int{2}, Data: make([]float32, 2)}
	ts["cls.predictions.decoder.bias"] = ts["cls.predictions.bias"] // tied, saved twice
	if _, err := FromTensors(cfg, ts); err != nil {
		t.Errorf("pooler, NSP head and tied decoder bias: %v", err)
	}
	ts["cls.predictions.decoder.bias"] = &Tensor{Shape: []int{478}, Data: make([]float32, 478)} // a different one
	_, err = FromTensors(cfg, ts)
	wantErr(t, err, "cls.predictions.decoder.bias")
}

// header returns the JSON header of a safetensors file.
func stHeader(t *testing.T, st []byte) (map[string]map[string]any, []byte) {
	n := binary.LittleEndian.Uint64(st)
	var h map[string]map[string]any
	if err := json.Unmarshal(st[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	return h, st[8+n:]
}

// Row 11: overlapping data_offsets and duplicate names.
func TestSafetensorsLayout(t *testing.T) {
	_, st := tinyBERT(t)
	h, buf := stHeader(t, st)
	// Point the token-type embeddings at the first bytes of the data (the
	// word embeddings' or whichever tensor comes first).
	tt := h["bert.embeddings.token_type_embeddings.weight"]
	offs := tt["data_offsets"].([]any)
	size := offs[1].(float64) - offs[0].(float64)
	tt["data_offsets"] = []float64{0, size}
	hj, _ := json.Marshal(h)
	_, err := ReadSafetensors(rawSafetensors(string(hj), buf))
	wantErr(t, err, "offsets must be contiguous and non-overlapping")

	for _, tc := range []struct{ name, header, want string }{
		{"overlap", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, `tensor "b": data_offsets [4, 12] overlap tensor "a"`},
		{"same bytes", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, "overlap"},
		{"gap", `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, "leave a gap"},
		{"trailing bytes", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, "bytes no tensor owns"},
		{"duplicate", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, `names 1 tensor(s) twice: a`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadSafetensors(rawSafetensors(tc.header, make([]byte, 12)))
			wantErr(t, err, tc.want)
		})
	}
	if _, err := ReadSafetensors(rawSafetensors(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}`, make([]byte, 12))); err != nil {
		t.Errorf("contiguous tensors refused: %v", err)
	}
}

// Row 11: a state dict naming a tensor twice.
func TestPickleDuplicateNames(t *testing.T) {
	var p pk
	p.op(0x80, 2, '}', '(').str("a").op('K', 1).str("a").op('K', 2, 'u', '.')
	data := torchZip(t, map[string]func(io.Writer){"data.pkl": bytesRecord(p.Bytes())})
	_, err := ReadPyTorch(bytes.NewReader(data), int64(len(data)))
	wantErr(t, err, "names 1 tensor(s) twice: a")
}
