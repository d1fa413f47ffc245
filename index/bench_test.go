package index

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/splade-go/splade/sparsevec"
)

// zipfVector draws nnz distinct terms of a 30522-token vocabulary from a
// Zipf distribution (frequent tokens in many documents, as in SPLADE
// vectors), with exponentially distributed weights.
func zipfVector(r *rand.Rand, z *rand.Zipf, nnz int) sparsevec.Vector {
	set := map[uint32]bool{}
	for len(set) < nnz {
		set[uint32(z.Uint64())] = true
	}
	v := sparsevec.Vector{Dim: 30522}
	for t := range set {
		v.Indices = append(v.Indices, t)
	}
	slices.Sort(v.Indices)
	for range v.Indices {
		v.Values = append(v.Values, float32(0.05+r.ExpFloat64()*0.6))
	}
	return v
}

// BenchmarkSyntheticSearch measures search over 100,000 synthetic
// documents of 120 terms with queries of 25 terms (sizes like trained
// SPLADE models' on MS MARCO passages), MaxScore against exhaustive
// scoring; one op is one query.
//
//	flock /tmp/splade-bench.lock env GOTOOLCHAIN=auto GOEXPERIMENT=simd go test ./index -run '^$' -bench SyntheticSearch -benchtime 2000x
func BenchmarkSyntheticSearch(b *testing.B) {
	const docs = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	z := rand.NewZipf(r, 1.1, 20, 30521)
	path := filepath.Join(b.TempDir(), "synthetic.idx")
	bl, err := Create(path, 30522, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer bl.Abort()
	for i := range docs {
		if err := bl.Add(fmt.Sprint(i), zipfVector(r, z, 120)); err != nil {
			b.Fatal(err)
		}
	}
	if err := bl.Close(); err != nil {
		b.Fatal(err)
	}
	ix, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	queries := make([]sparsevec.Vector, 500)
	for i := range queries {
		queries[i] = zipfVector(r, z, 25)
	}
	for _, k := range []int{10, 100} {
		for _, exhaustive := range []bool{false, true} {
			mode := "maxscore"
			if exhaustive {
				mode = "exhaustive"
			}
			b.Run(fmt.Sprintf("k%d/%s", k, mode), func(b *testing.B) {
				lat := make([]time.Duration, 0, b.N)
				for i := range b.N {
					t0 := time.Now()
					if _, err := ix.Search(queries[i%len(queries)], k, SearchOptions{Exhaustive: exhaustive}); err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
				}
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e6, "p50-ms")
				b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e6, "p99-ms")
			})
		}
	}
}
