package checkpoint

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"

	"github.com/splade-go/splade/internal/testutil/reference"
)

// TestReadSparseLinear reads the BGE-M3 fixture's sparse head and checks
// every value against testdata/sparse_linear.expected.json, which Python's
// own pickle read (testdata/sparse_linear_ref.py, no torch, no Go).
func TestReadSparseLinear(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bgem3-16002")
	data, err := os.ReadFile("testdata/sparse_linear.expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]struct {
		Shape  []int     `json:"shape"`
		Values []float32 `json:"values"`
	}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	ts, err := ReadSparseLinear(os.DirFS(dir), 32)
	if err != nil {
		t.Fatal(err)
	}
	for name, w := range want {
		got := ts[name]
		if got == nil || !slices.Equal(got.Shape, w.Shape) || !slices.Equal(got.Data, w.Values) {
			t.Errorf("%s = %+v, want shape %v values %v", name, got, w.Shape, w.Values)
		}
	}
	if _, err := ReadSparseLinear(os.DirFS(dir), 1024); err == nil {
		t.Error("a head of H=32 was accepted for hidden_size 1024")
	}
	if _, err := ReadSparseLinear(os.DirFS(filepath.Join(dir, "..")), 0); err == nil {
		t.Error("a folder without sparse_linear.pt loaded")
	}
}

// TestReadSparseLinearHostile: files that are not a Linear(H,1) state_dict,
// or not a torch zip at all, fail with one line, quickly.
func TestReadSparseLinearHostile(t *testing.T) {
	floats := func(n int) func(io.Writer) { return bytesRecord(make([]byte, 4*n)) }
	zipOf := func(records map[string]func(io.Writer)) []byte { return torchZip(t, records) }
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"not a zip", []byte("not a checkpoint"), "not a PyTorch zip"},
		{"legacy pickle", []byte{0x80, 2, '}', '.'}, "legacy"},
		{"one tensor", zipOf(map[string]func(io.Writer){"data.pkl": bytesRecord(tensorPickle("weight", 4)), "data/0": floats(4)}), "holds the float tensors"},
		{"missing storage", zipOf(map[string]func(io.Writer){"data.pkl": bytesRecord(tensorPickle("weight", 4))}), "missing"},
		{"short storage", zipOf(map[string]func(io.Writer){"data.pkl": bytesRecord(tensorPickle("weight", 1<<20)), "data/0": floats(4)}), "does not fit"},
		{"os.system", zipOf(map[string]func(io.Writer){"data.pkl": bytesRecord([]byte("cos\nsystem\n(S'echo pwned'\ntR."))}), "os"},
	} {
		err := bounded(t, func() error {
			_, err := ReadSparseLinear(fstest.MapFS{SparseLinearFile: {Data: c.data}}, 0)
			return err
		})
		if err == nil {
			t.Errorf("%s: loaded", c.name)
			continue
		}
		wantErr(t, err, c.want)
	}
}

func TestSparseLinearShapes(t *testing.T) {
	w := func(shape ...int) *Tensor { return &Tensor{Shape: shape} }
	for _, c := range []struct {
		name   string
		ts     map[string]*Tensor
		hidden int
		want   string
	}{
		{"ok", map[string]*Tensor{"weight": w(1, 8), "bias": w(1)}, 8, ""},
		{"any hidden", map[string]*Tensor{"weight": w(1, 8), "bias": w(1)}, 0, ""},
		{"two outputs", map[string]*Tensor{"weight": w(2, 8), "bias": w(2)}, 8, "not [1, H]"},
		{"flat weight", map[string]*Tensor{"weight": w(8), "bias": w(1)}, 0, "not [1, H]"},
		{"wrong hidden", map[string]*Tensor{"weight": w(1, 8), "bias": w(1)}, 16, "hidden_size"},
		{"bias shape", map[string]*Tensor{"weight": w(1, 8), "bias": w(1, 1)}, 8, "bias has shape"},
		{"extra tensor", map[string]*Tensor{"weight": w(1, 8), "bias": w(1), "x": w(1)}, 8, "holds the float tensors"},
	} {
		_, err := sparseLinear(c.ts, c.hidden)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		wantErr(t, err, c.want)
	}
}
