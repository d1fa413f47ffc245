package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/splade-go/splade/index"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/internal/testutil/stfixture"
	"github.com/splade-go/splade/model"
	"github.com/splade-go/splade/sparsevec"
)

// cranfieldVectors are the Cranfield (BEIR layout) documents and queries
// encoded by small-bert-30522, and the queries encoded through idf.json
// (inference-free), encoded once per benchmark binary.
var cranfieldVectors struct {
	once             sync.Once
	err              error
	ids              []string
	docs, q, idfQ    []sparsevec.Vector
	encodeDocsPerSec float64
}

func loadCranfieldVectors(b *testing.B) {
	b.Helper()
	modelDir := reference.Shared(b, "fixtures/small-bert-30522")
	dataDir := reference.Shared(b, "data/cranfield-beir")
	idf := reference.Shared(b, "inference-free/idf.json")
	tok := reference.Shared(b, "conformance/tokenizer")
	v := &cranfieldVectors
	v.once.Do(func() { // runs within the first benchmark, whose b is live
		ctx := context.Background()
		idfDir := stfixture.WriteDir(b, stfixture.IDF(b, idf, tok))
		c := readBEIR(b, dataDir)
		v.ids = c.docIDs
		enc, err := model.Load(ctx, modelDir, model.Options{})
		if err != nil {
			v.err = err
			return
		}
		defer enc.Close()
		start := time.Now()
		if v.docs, v.err = enc.EncodeDocument(ctx, c.docTexts); v.err != nil {
			return
		}
		v.encodeDocsPerSec = float64(len(c.docTexts)) / time.Since(start).Seconds()
		if v.q, v.err = enc.EncodeQuery(ctx, c.queryTexts); v.err != nil {
			return
		}
		ienc, err := model.Load(ctx, idfDir, model.Options{})
		if err != nil {
			v.err = err
			return
		}
		defer ienc.Close()
		v.idfQ, v.err = ienc.EncodeQuery(ctx, c.queryTexts)
	})
	if v.err != nil {
		b.Fatal(v.err)
	}
}

func buildCranfield(b *testing.B, path string, w index.Weights) {
	v := &cranfieldVectors
	bl, err := index.Create(path, v.docs[0].Dim, index.Options{Weights: w, Model: "small-bert-30522"})
	if err != nil {
		b.Fatal(err)
	}
	defer bl.Abort()
	for i, d := range v.docs {
		if err := bl.Add(v.ids[i], d); err != nil {
			b.Fatal(err)
		}
	}
	if err := bl.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCranfieldIndex measures building an index of the 1,400
// encoded Cranfield documents (encoding excluded; its rate is reported as
// encode-docs/s) and the index size.
//
//	flock /tmp/splade-bench.lock env GOTOOLCHAIN=auto GOEXPERIMENT=simd go test ./cmd/splade -run '^$' -bench CranfieldIndex -benchtime 20x
func BenchmarkCranfieldIndex(b *testing.B) {
	loadCranfieldVectors(b)
	for _, w := range []index.Weights{index.Float32, index.Uint8} {
		b.Run(w.String(), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "c.idx")
			b.ResetTimer()
			for range b.N {
				buildCranfield(b, path, w)
			}
			b.StopTimer()
			st, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(cranfieldVectors.docs))*float64(b.N)/b.Elapsed().Seconds(), "docs/s")
			b.ReportMetric(float64(st.Size()), "bytes")
			b.ReportMetric(cranfieldVectors.encodeDocsPerSec, "encode-docs/s")
		})
	}
}

// BenchmarkCranfieldSearch measures top-k search of the 225 Cranfield
// queries (one op = one query), with MaxScore and exhaustively, for
// small-bert-30522 queries and inference-free (idf.json) queries, and
// reports the 50th and 99th percentile latency per query.
//
//	flock /tmp/splade-bench.lock env GOTOOLCHAIN=auto GOEXPERIMENT=simd go test ./cmd/splade -run '^$' -bench CranfieldSearch -benchtime 2000x
func BenchmarkCranfieldSearch(b *testing.B) {
	loadCranfieldVectors(b)
	v := &cranfieldVectors
	dir := b.TempDir()
	for _, w := range []index.Weights{index.Float32, index.Uint8} {
		path := filepath.Join(dir, w.String()+".idx")
		buildCranfield(b, path, w)
		ix, err := index.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, qs := range []struct {
			name string
			vs   []sparsevec.Vector
		}{{"bert-queries", v.q}, {"idf-queries", v.idfQ}} {
			for _, k := range []int{10, 100} {
				for _, exhaustive := range []bool{false, true} {
					mode := "maxscore"
					if exhaustive {
						mode = "exhaustive"
					}
					b.Run(fmt.Sprintf("%v/%s/k%d/%s", w, qs.name, k, mode), func(b *testing.B) {
						lat := make([]time.Duration, 0, b.N)
						opts := index.SearchOptions{Exhaustive: exhaustive}
						for i := range b.N {
							q := qs.vs[i%len(qs.vs)]
							t0 := time.Now()
							if _, err := ix.Search(q, k, opts); err != nil {
								b.Fatal(err)
							}
							lat = append(lat, time.Since(t0))
						}
						slices.Sort(lat)
						b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
						b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
					})
				}
			}
		}
	}
}
