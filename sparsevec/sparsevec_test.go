package sparsevec

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/splade-go/splade/internal/testutil/reference"
)

func vec(dim int, pairs ...float32) Vector {
	v := Vector{Dim: dim}
	for i := 0; i < len(pairs); i += 2 {
		v.Indices = append(v.Indices, uint32(pairs[i]))
		v.Values = append(v.Values, pairs[i+1])
	}
	return v
}

func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-4+1e-4*math.Abs(want)
}

func TestDenseRoundTrip(t *testing.T) {
	x := []float32{0, 1.5, 0, 0, -2, 0, 3}
	v := FromDense(x)
	want := vec(7, 1, 1.5, 4, -2, 6, 3)
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("FromDense = %+v, want %+v", v, want)
	}
	if v.Len() != 3 {
		t.Errorf("Len = %d, want 3", v.Len())
	}
	if got := v.Dense(); !slices.Equal(got, x) {
		t.Errorf("Dense = %v, want %v", got, x)
	}
	if err := v.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if e := FromDense(nil); e.Len() != 0 || e.Dim != 0 || len(e.Dense()) != 0 {
		t.Errorf("FromDense(nil) = %+v", e)
	}
	// An invalid vector with an index past Dim keeps its value.
	if got := vec(2, 3, 1).Dense(); !slices.Equal(got, []float32{0, 0, 0, 1}) {
		t.Errorf("Dense of out-of-range vector = %v", got)
	}
}

func TestDotNormCosine(t *testing.T) {
	a := vec(10, 0, 1, 2, 2, 5, 3, 9, 4)
	b := vec(10, 1, 7, 2, 5, 5, -1, 8, 6)
	// shared indices 2 and 5: 2*5 + 3*(-1) = 7
	if got := Dot(a, b); got != 7 {
		t.Errorf("Dot = %v, want 7", got)
	}
	if got := Dot(b, a); got != 7 {
		t.Errorf("Dot(b, a) = %v, want 7", got)
	}
	if got := Dot(a, Vector{}); got != 0 {
		t.Errorf("Dot with empty = %v, want 0", got)
	}
	if got := Norm(vec(4, 0, 3, 3, 4)); got != 5 {
		t.Errorf("Norm = %v, want 5", got)
	}
	// |a| = sqrt(1+4+9+16) = sqrt(30); |b| = sqrt(49+25+1+36) = sqrt(111)
	want := 7 / math.Sqrt(30*111)
	if got := Cosine(a, b); !near(float64(got), want) {
		t.Errorf("Cosine = %v, want %v", got, want)
	}
	if got := Cosine(a, Vector{Dim: 10}); got != 0 {
		t.Errorf("Cosine with zero vector = %v, want 0", got)
	}
	if got := Cosine(a, a); !near(float64(got), 1) {
		t.Errorf("Cosine(a, a) = %v, want 1", got)
	}
	// Malformed vectors (slices of different length) do not panic.
	bad := Vector{Indices: []uint32{2, 5}, Values: []float32{1}, Dim: 10}
	if got := Dot(a, bad); got != 2 {
		t.Errorf("Dot with malformed = %v, want 2", got)
	}
}

func TestDotMatchesDense(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		x, y := randomDense(r, 300, 0.1), randomDense(r, 300, 0.3)
		var want float64
		for i := range x {
			want += float64(x[i]) * float64(y[i])
		}
		if got := Dot(FromDense(x), FromDense(y)); !near(float64(got), want) {
			t.Fatalf("Dot = %v, dense dot = %v", got, want)
		}
	}
}

func randomDense(r *rand.Rand, dim int, density float64) []float32 {
	x := make([]float32, dim)
	for i := range x {
		if r.Float64() < density {
			x[i] = r.Float32() * 3
		}
	}
	return x
}

func TestParseFunc(t *testing.T) {
	for s, want := range map[string]Func{"": DotFunc, "dot": DotFunc, "DOT": DotFunc, " cosine ": CosineFunc} {
		if got, err := ParseFunc(s); err != nil || got != want {
			t.Errorf("ParseFunc(%q) = %q, %v; want %q", s, got, err, want)
		}
	}
	_, err := ParseFunc("euclid")
	if err == nil || !strings.Contains(err.Error(), `"euclid"`) || !strings.HasPrefix(err.Error(), "sparsevec: ") {
		t.Errorf("ParseFunc(euclid) error = %v", err)
	}
}

func TestSimilarity(t *testing.T) {
	a := []Vector{vec(4, 0, 1, 1, 1), vec(4, 2, 2)}
	b := []Vector{vec(4, 0, 3), vec(4, 1, 1, 2, 1), vec(4)}
	dot := Similarity(a, b, DotFunc)
	wantDot := [][]float32{{3, 1, 0}, {0, 2, 0}}
	if !reflect.DeepEqual(dot, wantDot) {
		t.Errorf("dot similarity = %v, want %v", dot, wantDot)
	}
	cos := Similarity(a, b, CosineFunc)
	s := float32(1 / math.Sqrt2)
	wantCos := [][]float32{{s, 0.5, 0}, {0, s, 0}}
	for i := range wantCos {
		for j := range wantCos[i] {
			if !near(float64(cos[i][j]), float64(wantCos[i][j])) {
				t.Errorf("cosine[%d][%d] = %v, want %v", i, j, cos[i][j], wantCos[i][j])
			}
		}
	}
	if got := Similarity(nil, b, DotFunc); len(got) != 0 {
		t.Errorf("Similarity(nil, b) = %v", got)
	}
	if got := Similarity(a, nil, DotFunc); len(got) != 2 || len(got[0]) != 0 {
		t.Errorf("Similarity(a, nil) = %v", got)
	}
}

func TestSparsityOf(t *testing.T) {
	vs := []Vector{vec(10, 1, 1, 2, 2), vec(10, 3, 1, 4, 0 /* stored zero */, 5, 1, 6, 1), vec(10)}
	got := SparsityOf(vs)
	want := Sparsity{ActiveDims: 5.0 / 3, SparsityRatio: 1 - 5.0/30}
	if !near(got.ActiveDims, want.ActiveDims) || !near(got.SparsityRatio, want.SparsityRatio) {
		t.Errorf("SparsityOf = %+v, want %+v", got, want)
	}
	if got := SparsityOf(nil); got != (Sparsity{}) {
		t.Errorf("SparsityOf(nil) = %+v", got)
	}
	data, _ := json.Marshal(Sparsity{1, 0.5})
	if string(data) != `{"active_dims":1,"sparsity_ratio":0.5}` {
		t.Errorf("Sparsity JSON = %s", data)
	}
}

func TestTopKeepTop(t *testing.T) {
	v := vec(20, 1, 0.5, 3, 2, 4, 1, 7, 2, 9, 3, 12, 0.25)
	want := []Entry{{9, 3}, {3, 2}, {7, 2}, {4, 1}}
	if got := Top(v, 4); !reflect.DeepEqual(got, want) {
		t.Errorf("Top(4) = %v, want %v", got, want)
	}
	if got := Top(v, 0); len(got) != 6 || got[5] != (Entry{12, 0.25}) {
		t.Errorf("Top(0) = %v", got)
	}
	if got := Top(v, 100); len(got) != 6 {
		t.Errorf("Top(100) = %v", got)
	}
	if got := Top(Vector{}, 3); len(got) != 0 {
		t.Errorf("Top(empty) = %v", got)
	}
	// The tie between 3 and 7 at the cut keeps the lower index.
	k := v.KeepTop(2)
	if wantK := vec(20, 3, 2, 9, 3); !reflect.DeepEqual(k, wantK) {
		t.Errorf("KeepTop(2) = %+v, want %+v", k, wantK)
	}
	if err := k.Validate(); err != nil {
		t.Errorf("KeepTop result invalid: %v", err)
	}
	for _, n := range []int{0, -1, 6, 7} {
		if got := v.KeepTop(n); !reflect.DeepEqual(got, v) {
			t.Errorf("KeepTop(%d) = %+v, want v", n, got)
		}
	}
	// v itself is not changed.
	if !reflect.DeepEqual(v, vec(20, 1, 0.5, 3, 2, 4, 1, 7, 2, 9, 3, 12, 0.25)) {
		t.Errorf("KeepTop modified its receiver: %+v", v)
	}
}

func TestValidate(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, c := range []struct {
		v    Vector
		want string // "" for valid
	}{
		{vec(5, 0, 1, 4, 2), ""},
		{Vector{}, ""},
		{Vector{Indices: []uint32{1}, Dim: 5}, "1 indices but 0 values"},
		{vec(5, 5, 1), "index 5 at position 0 is out of range"},
		{vec(5, 2, 1, 2, 1), "index 2 at position 1 does not follow 2"},
		{vec(5, 3, 1, 2, 1), "index 2 at position 1 does not follow 3"},
		{vec(5, 1, nan), "not finite"},
		{vec(5, 1, 1, 2, inf), "at position 1 (index 2) is not finite"},
		{Vector{Dim: -1}, "negative dimension"},
	} {
		err := c.v.Validate()
		switch {
		case c.want == "" && err != nil:
			t.Errorf("Validate(%+v) = %v, want nil", c.v, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "sparsevec: ")):
			t.Errorf("Validate(%+v) = %v, want error containing %q", c.v, err, c.want)
		}
	}
}

// TestReference checks the package against the outputs of the PyTorch
// reference (sentence-transformers SparseEncoder) for the fixture models.
func TestReference(t *testing.T) {
	for _, name := range []string{"tiny-bert", "small-bert-30522"} {
		t.Run(name, func(t *testing.T) {
			exp := reference.LoadExpected(t, filepath.Join(reference.Fixture(t, name), "expected.json"))
			vs := make([]Vector, len(exp.Cases))
			for i, c := range exp.Cases {
				vs[i] = Vector{Indices: c.Indices, Values: c.Values, Dim: exp.VocabSize}
				if err := vs[i].Validate(); err != nil {
					t.Fatalf("case %d (%q): %v", i, c.Text, err)
				}
				top := Top(vs[i], 10)
				if len(top) != len(c.Top10) {
					t.Errorf("case %d (%q): Top(10) has %d entries, want %d", i, c.Text, len(top), len(c.Top10))
					continue
				}
				for j, e := range top {
					w := c.Top10[j]
					if e.Index != uint32(w[0]) || e.Value != float32(w[1]) {
						t.Errorf("case %d (%q): Top(10)[%d] = %v, want %v", i, c.Text, j, e, w)
					}
				}
			}
			sim := Similarity(vs, vs, DotFunc)
			if len(sim) != len(exp.SimilarityDot) {
				t.Fatalf("similarity has %d rows, want %d", len(sim), len(exp.SimilarityDot))
			}
			for i, row := range exp.SimilarityDot {
				for j, want := range row {
					if got := float64(sim[i][j]); !near(got, want) {
						t.Errorf("similarity_dot[%d][%d] = %v, want %v", i, j, got, want)
					}
				}
			}
			sp := SparsityOf(vs)
			if !near(sp.ActiveDims, exp.Sparsity.ActiveDims) || !near(sp.SparsityRatio, exp.Sparsity.SparsityRatio) {
				t.Errorf("SparsityOf = %+v, want %+v", sp, exp.Sparsity)
			}
		})
	}
}

func benchVectors(nnzA, nnzB int) (Vector, Vector) {
	r := rand.New(rand.NewPCG(3, 4))
	pick := func(n int) Vector {
		idx := r.Perm(30522)[:n]
		slices.Sort(idx)
		v := Vector{Dim: 30522}
		for _, i := range idx {
			v.Indices = append(v.Indices, uint32(i))
			v.Values = append(v.Values, r.Float32())
		}
		return v
	}
	return pick(nnzA), pick(nnzB)
}

func BenchmarkDot(b *testing.B) {
	x, y := benchVectors(150, 200)
	b.ReportAllocs()
	var s float32
	for b.Loop() {
		s += Dot(x, y)
	}
	_ = s
}

func BenchmarkTop10(b *testing.B) {
	x, _ := benchVectors(200, 1)
	b.ReportAllocs()
	for b.Loop() {
		Top(x, 10)
	}
}

func TestDotDoesNotAllocate(t *testing.T) {
	x, y := benchVectors(150, 200)
	if n := testing.AllocsPerRun(100, func() { Dot(x, y) }); n != 0 {
		t.Errorf("Dot allocates %v times per call, want 0", n)
	}
}

func TestTopMatchesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		v := Vector{Dim: 1000}
		for i := range 1 + r.IntN(60) {
			v.Indices = append(v.Indices, uint32(i*3))
			v.Values = append(v.Values, float32(r.IntN(8))) // many ties
		}
		all := Top(v, 0)
		k := 1 + r.IntN(v.Len())
		if got := Top(v, k); !slices.Equal(got, all[:k]) {
			t.Fatalf("Top(%d) = %v, want %v", k, got, all[:k])
		}
		if !slices.IsSortedFunc(all, heavierFirst) {
			t.Fatalf("Top(0) not sorted: %v", all)
		}
	}
}
