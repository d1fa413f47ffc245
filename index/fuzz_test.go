package index

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"

	"github.com/splade-go/splade/sparsevec"
)

// FuzzRead feeds arbitrary bytes to Read, as they are and with the
// checksum recomputed (so that mutations reach the structural checks
// behind it). Read must never panic; an index it accepts must search
// without panicking and return at most k hits, each with a score above 0.
// The seed corpus in testdata/fuzz/FuzzRead holds small valid files of
// both weight types.
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		check(t, data)
		if len(data) >= headerSize+footerSize {
			fixed := append([]byte(nil), data...)
			n := len(fixed) - footerSize
			binary.LittleEndian.PutUint32(fixed[n:], crc32.Checksum(fixed[:n], castagnoli))
			check(t, fixed)
		}
	})
}

func check(t *testing.T, data []byte) {
	ix, err := Read(data)
	if err != nil {
		return
	}
	dim := ix.Dim()
	q := sparsevec.Vector{Dim: dim}
	for _, i := range []int{0, dim / 2, dim - 1} {
		if len(q.Indices) == 0 || uint32(i) > q.Indices[len(q.Indices)-1] {
			q.Indices = append(q.Indices, uint32(i))
			q.Values = append(q.Values, 1.5)
		}
	}
	for _, exhaustive := range []bool{false, true} {
		hits, err := ix.Search(q, 3, SearchOptions{Exhaustive: exhaustive})
		if err != nil {
			t.Fatalf("search of an accepted index: %v", err)
		}
		if len(hits) > 3 {
			t.Fatalf("%d hits for k = 3", len(hits))
		}
		for _, h := range hits {
			if !(h.Score > 0) {
				t.Fatalf("hit %v does not score above 0", h)
			}
		}
	}
}

// TestFuzzSeeds checks that the committed seed corpus still holds valid
// index files of this format version (so the fuzzer starts from files
// that reach every check). With SPLADE_WRITE_FUZZ_SEEDS=1 it writes them
// first.
func TestFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzRead")
	if os.Getenv("SPLADE_WRITE_FUZZ_SEEDS") == "1" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, w := range []Weights{Float32, Uint8} {
			ids, vs := corpus(uint64(10+i), 6, 12)
			_, path := build(t, ids, vs, 12, Options{Weights: w, Model: "seed"})
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			seed := "go test fuzz v1\n[]byte(" + quoteGo(data) + ")\n"
			if err := os.WriteFile(filepath.Join(dir, "valid-"+w.String()), []byte(seed), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, name := range []string{"valid-f32", "valid-uint8"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		data, err := unquoteSeed(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		ix, err := Read(data)
		if err != nil {
			t.Fatalf("seed %s is not a valid index: %v (rewrite the seeds with SPLADE_WRITE_FUZZ_SEEDS=1)", name, err)
		}
		if ix.Len() != 6 || ix.Postings() == 0 {
			t.Fatalf("seed %s: %d documents, %d postings", name, ix.Len(), ix.Postings())
		}
	}
}
