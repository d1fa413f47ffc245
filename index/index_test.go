package index

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/splade-go/splade/sparsevec"
)

// corpus is a random collection: vectors over dim terms with a skewed term
// distribution (as SPLADE's), some exact duplicates (to force tied scores)
// and some empty documents.
func corpus(seed uint64, n, dim int) ([]string, []sparsevec.Vector) {
	r := rand.New(rand.NewPCG(seed, 1))
	ids := make([]string, n)
	vs := make([]sparsevec.Vector, n)
	for i := range n {
		ids[i] = fmt.Sprintf("d%03d", r.IntN(1000)) + fmt.Sprint(i) // not in ordinal order
		switch {
		case i%17 == 5:
			vs[i] = sparsevec.Vector{Dim: dim} // empty
		case i%7 == 3 && i > 0:
			vs[i] = vs[i-1] // a duplicate: the same scores for every query
		default:
			vs[i] = randomVector(r, dim, 1+r.IntN(30))
		}
	}
	return ids, vs
}

func randomVector(r *rand.Rand, dim, nnz int) sparsevec.Vector {
	nnz = min(nnz, dim)
	set := map[uint32]bool{}
	for len(set) < nnz {
		// Squaring skews toward low ids, so some lists are long.
		x := r.Float64()
		set[uint32(x*x*float64(dim))] = true
	}
	v := sparsevec.Vector{Dim: dim}
	for t := range set {
		v.Indices = append(v.Indices, t)
	}
	slices.Sort(v.Indices)
	for range v.Indices {
		v.Values = append(v.Values, float32(r.Float64()*3))
	}
	return v
}

// build writes an index of the documents and opens it.
func build(t *testing.T, ids []string, vs []sparsevec.Vector, dim int, opts Options) (*Index, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.idx")
	b, err := Create(path, dim, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	for i := range ids {
		if err := b.Add(ids[i], vs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	ix, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return ix, path
}

// bruteForce is the definition of the search: the dot product of the
// query with every document (float64 sum of products, rounded to float32),
// the documents scoring above 0, by score descending and then id
// ascending, the first k.
func bruteForce(ids []string, vs []sparsevec.Vector, q sparsevec.Vector, k int) []Hit {
	var hits []Hit
	for i, v := range vs {
		var s float64
		for a, t := range v.Indices {
			for b, u := range q.Indices {
				if t == u {
					s += float64(v.Values[a]) * float64(q.Values[b])
				}
			}
		}
		if float32(s) > 0 {
			hits = append(hits, Hit{ids[i], float32(s)})
		}
	}
	slices.SortFunc(hits, func(a, b Hit) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return hits[:min(k, len(hits))]
}

// dequantised returns the vectors with every weight replaced by its
// one-byte quantisation, as the package documentation defines it.
func dequantised(vs []sparsevec.Vector) []sparsevec.Vector {
	var largest float32
	for _, v := range vs {
		for _, w := range v.Values {
			largest = max(largest, w)
		}
	}
	scale := largest / 255
	out := make([]sparsevec.Vector, len(vs))
	for i, v := range vs {
		d := sparsevec.Vector{Dim: v.Dim, Indices: v.Indices, Values: make([]float32, len(v.Values))}
		for j, w := range v.Values {
			code := math.Max(1, math.Min(255, math.Round(float64(w)/float64(scale))))
			d.Values[j] = float32(code) * scale
		}
		out[i] = d
	}
	return out
}

func sameHits(t *testing.T, what string, got, want []Hit) {
	t.Helper()
	if err := diffHits(got, want); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// diffHits says how got differs from want: other ids, or a score off by
// more than 1e-6 (relative above 1).
func diffHits(got, want []Hit) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d hits, want %d\ngot  %v\nwant %v", len(got), len(want), got, want)
	}
	for i := range got {
		if got[i].ID != want[i].ID || math.Abs(float64(got[i].Score-want[i].Score)) > 1e-6*max(1, float64(want[i].Score)) {
			return fmt.Errorf("hit %d is %v, want %v\ngot  %v\nwant %v", i, got[i], want[i], got, want)
		}
	}
	return nil
}

func TestSearchMatchesBruteForce(t *testing.T) {
	const dim = 300
	ids, vs := corpus(1, 600, dim)
	for _, w := range []Weights{Float32, Uint8} {
		for _, buf := range []int{0, 97} { // one pass, and many passes over the postings
			t.Run(fmt.Sprintf("%v/buffer%d", w, buf), func(t *testing.T) {
				ix, _ := build(t, ids, vs, dim, Options{Weights: w, BufferPostings: buf, Model: "m"})
				ref := vs
				if w == Uint8 {
					ref = dequantised(vs)
				}
				r := rand.New(rand.NewPCG(2, 2))
				for qi := range 200 {
					q := randomVector(r, dim, 1+r.IntN(12))
					if qi%10 == 0 {
						q = vs[r.IntN(len(vs))] // a query equal to a document
					}
					for _, k := range []int{1, 3, 10, 100, 1000} {
						want := bruteForce(ids, ref, q, k)
						for _, exhaustive := range []bool{false, true} {
							got, err := ix.Search(q, k, SearchOptions{Exhaustive: exhaustive})
							if err != nil {
								t.Fatal(err)
							}
							sameHits(t, fmt.Sprintf("query %d, k %d, exhaustive %v", qi, k, exhaustive), got, want)
						}
					}
				}
			})
		}
	}
}

func TestTiesByID(t *testing.T) {
	v := sparsevec.Vector{Indices: []uint32{1, 4}, Values: []float32{0.5, 2}, Dim: 5}
	ids := []string{"b", "10", "a", "9", "c"}
	ix, _ := build(t, ids, []sparsevec.Vector{v, v, v, v, v}, 5, Options{})
	q := sparsevec.Vector{Indices: []uint32{4}, Values: []float32{1}, Dim: 5}
	for _, k := range []int{2, 5} {
		hits, err := ix.Search(q, k, SearchOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range hits {
			got = append(got, h.ID)
			if h.Score != 2 {
				t.Errorf("score %v, want 2", h.Score)
			}
		}
		want := []string{"10", "9", "a", "b", "c"}[:k]
		if !slices.Equal(got, want) {
			t.Errorf("k=%d: ids %v, want %v (ascending string order)", k, got, want)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	const dim = 50
	ids, vs := corpus(3, 80, dim)
	ids[0] = "ünïcode id with spaces"
	ix, path := build(t, ids, vs, dim, Options{Model: "naver/some-model", Weights: Uint8})
	if ix.Len() != len(ids) || ix.Dim() != dim || ix.Model() != "naver/some-model" || ix.Weights() != Uint8 {
		t.Fatalf("read back Len %d Dim %d Model %q Weights %v", ix.Len(), ix.Dim(), ix.Model(), ix.Weights())
	}
	nnz := 0
	for i, id := range ids {
		if ix.ID(i) != id {
			t.Fatalf("ID(%d) = %q, want %q", i, ix.ID(i), id)
		}
		for _, w := range vs[i].Values {
			if w > 0 {
				nnz++
			}
		}
	}
	if ix.Postings() != nnz {
		t.Errorf("%d postings, want %d", ix.Postings(), nnz)
	}
	if ix.ID(-1) != "" || ix.ID(len(ids)) != "" {
		t.Error("ID out of range is not empty")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Read(data)
	if err != nil {
		t.Fatal(err)
	}
	q := vs[1]
	a, _ := ix.Search(q, 20, SearchOptions{})
	b, _ := again.Search(q, 20, SearchOptions{})
	sameHits(t, "read twice", a, b)
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left beside the index: %v", entries)
	}
}

func TestEmptyIndex(t *testing.T) {
	ix, _ := build(t, nil, nil, 10, Options{Weights: Uint8})
	hits, err := ix.Search(sparsevec.Vector{Indices: []uint32{3}, Values: []float32{1}, Dim: 10}, 10, SearchOptions{})
	if err != nil || len(hits) != 0 {
		t.Fatalf("empty index: %v, %v", hits, err)
	}
}

func TestSearchErrors(t *testing.T) {
	ids, vs := corpus(4, 20, 30)
	ix, _ := build(t, ids, vs, 30, Options{Model: "m"})
	for _, c := range []struct {
		q    sparsevec.Vector
		k    int
		want string
	}{
		{sparsevec.Vector{Dim: 31}, 10, "dimension 31, the index 30"},
		{sparsevec.Vector{Indices: []uint32{2, 1}, Values: []float32{1, 1}, Dim: 30}, 10, "strictly ascending"},
		{sparsevec.Vector{Indices: []uint32{2}, Values: []float32{-1}, Dim: 30}, 10, "negative"},
		{sparsevec.Vector{Dim: 30}, 0, "k = 0"},
	} {
		if _, err := ix.Search(c.q, c.k, SearchOptions{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Search(%v, %d): error %v, want one saying %q", c.q, c.k, err, c.want)
		}
	}
}

func TestAddErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.idx")
	b, err := Create(path, 10, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		v    sparsevec.Vector
		want string
	}{
		{sparsevec.Vector{Dim: 11}, "dimension 11, the index 10"},
		{sparsevec.Vector{Indices: []uint32{1}, Values: []float32{-0.5}, Dim: 10}, "negative weight"},
		{sparsevec.Vector{Indices: []uint32{1}, Values: []float32{float32(math.NaN())}, Dim: 10}, "not finite"},
	} {
		if err := b.Add("x", c.v); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Add(%v): error %v, want one saying %q", c.v, err, c.want)
		}
	}
	b.Abort()
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 0 {
		t.Errorf("Abort left files: %v", entries)
	}
	if _, err := Create(path, 0, Options{}); err == nil {
		t.Error("Create with dimension 0: no error")
	}
}

func indexFile(t *testing.T) []byte {
	t.Helper()
	ids, vs := corpus(5, 40, 64)
	_, path := build(t, ids, vs, 64, Options{Model: "m", Weights: Float32})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestTruncatedFile(t *testing.T) {
	data := indexFile(t)
	for _, n := range []int{0, 7, 8, 63, 64, 67, 68, len(data) / 2, len(data) - 5, len(data) - 1} {
		_, err := Read(data[:n])
		if err == nil {
			t.Fatalf("%d of %d bytes: no error", n, len(data))
		}
		if n >= 8 && (!errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "truncated")) {
			t.Errorf("%d of %d bytes: error %q does not say the file is truncated", n, len(data), err)
		}
	}
	if _, err := Read(append(bytes.Clone(data), 0)); err == nil || !errors.Is(err, ErrCorrupt) {
		t.Errorf("a byte appended: error %v", err)
	}
}

func TestBitFlips(t *testing.T) {
	data := indexFile(t)
	for i := range data {
		for _, bit := range []uint{0, 7} {
			bad := bytes.Clone(data)
			bad[i] ^= 1 << bit
			_, err := Read(bad)
			if err == nil {
				t.Fatalf("bit %d of byte %d flipped: read without error", bit, i)
			}
			msg := err.Error()
			switch {
			case i < 8:
				if !strings.Contains(msg, "not a splade index") {
					t.Errorf("byte %d: %q", i, msg)
				}
			case i < 12:
				if !strings.Contains(msg, "version") {
					t.Errorf("byte %d: %q", i, msg)
				}
			case i >= 48 && i < 56: // the file length
				if !errors.Is(err, ErrCorrupt) {
					t.Errorf("byte %d: %q", i, msg)
				}
			default:
				if !errors.Is(err, ErrCorrupt) || !strings.Contains(msg, "checksum") {
					t.Errorf("byte %d: error %q does not report a checksum mismatch", i, msg)
				}
			}
		}
	}
}

func TestNotAnIndex(t *testing.T) {
	for _, data := range [][]byte{[]byte("{\"id\": 1}\n"), bytes.Repeat([]byte{0}, 200)} {
		if _, err := Read(data); err == nil || !strings.Contains(err.Error(), "not a splade index") {
			t.Errorf("Read(%q...): %v", data[:8], err)
		}
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing.idx")); err == nil {
		t.Error("Open of a missing file: no error")
	}
}

func TestConcurrentSearch(t *testing.T) {
	const dim = 200
	ids, vs := corpus(6, 400, dim)
	ix, _ := build(t, ids, vs, dim, Options{})
	r := rand.New(rand.NewPCG(7, 7))
	queries := make([]sparsevec.Vector, 40)
	want := make([][]Hit, len(queries))
	for i := range queries {
		queries[i] = randomVector(r, dim, 8)
		want[i] = bruteForce(ids, vs, queries[i], 10)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range queries {
				j := (i + g) % len(queries)
				got, err := ix.Search(queries[j], 10, SearchOptions{Exhaustive: g%2 == 0})
				if err != nil {
					t.Error(err)
					return
				}
				if err := diffHits(got, want[j]); err != nil {
					t.Errorf("goroutine %d query %d: %v", g, j, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestBuildMemoryFlat checks that adding documents does not grow the
// heap: postings and ids go to temporary files, not memory.
func TestBuildMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("adds 200,000 documents")
	}
	b, err := Create(filepath.Join(t.TempDir(), "big.idx"), 1000, Options{BufferPostings: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Abort()
	r := rand.New(rand.NewPCG(8, 8))
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	vs := make([]sparsevec.Vector, 100)
	for i := range vs {
		vs[i] = randomVector(r, 1000, 20)
	}
	add := func(n int) {
		for i := range n {
			if err := b.Add("doc-"+strconv.Itoa(b.Len()), vs[i%len(vs)]); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(20_000)
	before := heap()
	add(180_000) // 3.6M postings: 29 MB as (term, weight) pairs, 4 MB of ids
	after := heap()
	if after > before+2<<20 {
		t.Errorf("heap grew from %d to %d bytes while adding 180,000 documents", before, after)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestTieAtRoundedThreshold: a score is a float32 rounding of a float64
// sum, which may round up above the float64 bound of the very same
// document. A tied document with a smaller id must still enter the top k
// (pruning against the unrounded bound lost it).
func TestTieAtRoundedThreshold(t *testing.T) {
	q := float32(1.1)
	var w float32
	for c := float32(0.3); ; c = math.Nextafter32(c, 1) {
		x := float64(q) * float64(c)
		if float64(float32(x)) > x {
			w = c
			break
		}
	}
	v := sparsevec.Vector{Indices: []uint32{2}, Values: []float32{w}, Dim: 4}
	ix, _ := build(t, []string{"b", "a"}, []sparsevec.Vector{v, v}, 4, Options{})
	query := sparsevec.Vector{Indices: []uint32{2}, Values: []float32{q}, Dim: 4}
	for _, exhaustive := range []bool{false, true} {
		hits, err := ix.Search(query, 1, SearchOptions{Exhaustive: exhaustive})
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].ID != "a" {
			t.Errorf("exhaustive %v: %v, want document a (the smaller id of a tie)", exhaustive, hits)
		}
	}
}

// TestTempFiles: a build keeps its temporary files in one folder beside
// the index, and leaves nothing but the index when it ends (closed or
// aborted); the folder of a build whose process was killed is removed by
// the next build of the same file, the folder of a running one is not.
func TestTempFiles(t *testing.T) {
	switch runtime.GOOS {
	case "windows", "plan9", "js", "wasip1":
		t.Skip("tells a killed build by its process id, on unix only")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "docs.idx")
	entries := func() []string {
		es, _ := os.ReadDir(dir)
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		return names
	}
	// A build killed earlier: its process is gone.
	dead := exec.Command("go", "version")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	killed := filepath.Join(dir, fmt.Sprintf(".docs.idx.build-%d-123", dead.Process.Pid))
	// A build running now in another process: this test's parent.
	live := filepath.Join(dir, fmt.Sprintf(".docs.idx.build-%d-456", os.Getppid()))
	for _, d := range []string{killed, live} {
		os.Mkdir(d, 0o755)
		os.WriteFile(filepath.Join(d, "postings"), make([]byte, 1000), 0o644)
	}
	b, err := Create(path, 10, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(killed); err == nil {
		t.Errorf("the folder of a killed build survived the next build: %v", entries())
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the folder of a running build was removed: %v", err)
	}
	os.RemoveAll(live)
	if got := entries(); len(got) != 1 {
		t.Errorf("while building: %v, want one temporary folder", got)
	} else if ok, _ := filepath.Match(TempPattern("docs.idx"), got[0]); !ok {
		t.Errorf("while building: %v, want a folder matching %s", got, TempPattern("docs.idx"))
	}
	b.Add("a", sparsevec.Vector{Indices: []uint32{1}, Values: []float32{1}})
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if got := entries(); !slices.Equal(got, []string{"docs.idx"}) {
		t.Errorf("after Close: %v, want only docs.idx", got)
	}
	b, err = Create(path, 10, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Abort()
	if got := entries(); !slices.Equal(got, []string{"docs.idx"}) {
		t.Errorf("after Abort: %v, want only docs.idx", got)
	}
}
