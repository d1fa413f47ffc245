package native

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/splade-go/splade"
	"github.com/splade-go/splade/checkpoint"
	"github.com/splade-go/splade/internal/testutil/randmodel"
	"github.com/splade-go/splade/internal/testutil/reference"
	"github.com/splade-go/splade/sparsevec"
)

var parityCases = []struct {
	fixture, expected string
}{
	{"tiny-bert", "expected.json"},
	{"tiny-bert", "expected.sum.json"},
	{"tiny-distilbert", "expected.json"},
	{"tiny-distilbert", "expected.log1p_relu.json"},
	{"small-bert-30522", "expected.json"},
	{"edge-bert-30522", "expected.json"},
	{"tiny-roberta-50262", "expected.json"},
	{"tiny-gte-30522", "expected.json"},
	{"tiny-gte-30522", "expected.log1p_relu.json"},
	{"tiny-modernbert-50368", "expected.json"},
	{"tiny-xlmr-16002", "expected.json"},
	{"tiny-bgem3-16002", "expected.json"},
}

// TestParity holds the engine, on every micro-kernel this CPU runs, to the
// PyTorch reference: each text alone, and all texts as one batch.
func TestParity(t *testing.T) {
	for _, pc := range parityCases {
		for _, kernel := range Kernels("") {
			t.Run(fmt.Sprintf("%s/%s/%s", pc.fixture, pc.expected, kernel), func(t *testing.T) {
				dir := reference.Fixture(t, pc.fixture)
				exp := reference.LoadExpected(t, filepath.Join(dir, pc.expected))
				p, err := checkpoint.LoadDir(dir)
				if err != nil {
					t.Fatal(err)
				}
				m, err := New(p, Options{Pooling: splade.Pooling(exp.Pooling), Activation: splade.Activation(exp.Activation), Kernel: kernel})
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				var seqs [][]int32
				for _, c := range exp.Cases {
					vs, err := m.Encode(ctx, [][]int32{c.InputIDs})
					if err != nil {
						t.Fatal(err)
					}
					reference.CheckVector(t, "alone: "+c.Text, vs[0].Indices, vs[0].Values, c)
					seqs = append(seqs, c.InputIDs)
				}
				vs, err := m.Encode(ctx, seqs)
				if err != nil {
					t.Fatal(err)
				}
				for i, c := range exp.Cases {
					reference.CheckVector(t, "batch: "+c.Text, vs[i].Indices, vs[i].Values, c)
				}
				// A batch long enough that the cores split it by rows, not
				// by columns (see Model.apply).
				var long [][]int32
				for n := 0; n < 4*chunkRows*runtime.GOMAXPROCS(0); {
					for _, s := range seqs {
						long = append(long, s)
						n += len(s)
					}
				}
				vs, err = m.Encode(ctx, long)
				if err != nil {
					t.Fatal(err)
				}
				for i := range long {
					c := exp.Cases[i%len(exp.Cases)]
					reference.CheckVector(t, "long batch: "+c.Text, vs[i].Indices, vs[i].Values, c)
				}
			})
		}
	}
}

// BenchmarkBERTBase encodes 8 random sequences of 128 tokens on a
// BERT-base-sized model with the fastest kernel; go test -cpuprofile
// shows where the time goes.
func BenchmarkBERTBase(b *testing.B) {
	const vocab = 30522
	m, err := New(randmodel.BERT(12, 768, 12, 3072, vocab, 512), Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	seqs := make([][]int32, 8)
	for i := range seqs {
		seqs[i] = make([]int32, 128)
		for j := range seqs[i] {
			seqs[i][j] = int32(r.IntN(vocab))
		}
	}
	ctx := context.Background()
	for b.Loop() {
		if _, err := m.Encode(ctx, seqs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(seqs))*float64(b.N)/b.Elapsed().Seconds(), "seq/s")
}

// BenchmarkQuery encodes one 16-token query on a BERT-base-sized model:
// the latency of a search request.
func BenchmarkQuery(b *testing.B) {
	for _, prec := range []splade.Precision{splade.PrecisionFP32, splade.PrecisionBF16} {
		b.Run(string(prec), func(b *testing.B) {
			if Kernels(prec)[0] == "go" {
				b.Skip("no fast kernel for", prec)
			}
			m, err := New(randmodel.BERT(12, 768, 12, 3072, 30522, 512), Options{Precision: prec})
			if err != nil {
				b.Fatal(err)
			}
			seq := []int32{101}
			for i := range 14 {
				seq = append(seq, int32(2000+37*i))
			}
			seq = append(seq, 102)
			ctx := context.Background()
			for b.Loop() {
				if _, err := m.Encode(ctx, [][]int32{seq}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestConcurrentEncode: Encode calls from many goroutines at once (each
// with its own workspace) give the vectors of serial calls, and leave at
// most one idle workspace per call that ran at once.
func TestConcurrentEncode(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	p, err := checkpoint.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var seqs [][]int32
	for _, c := range exp.Cases {
		seqs = append(seqs, c.InputIDs)
	}
	want, err := m.Encode(ctx, seqs)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for range 5 {
				got, err := m.Encode(ctx, seqs[g%len(seqs):])
				if err != nil {
					errs <- err
					return
				}
				if fmt.Sprint(got) != fmt.Sprint(want[g%len(seqs):]) {
					errs <- fmt.Errorf("goroutine %d: vectors differ from the serial call's", g)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(m.workspaces.idle); n < 1 || n > 8 {
		t.Errorf("%d idle workspaces after 8 goroutines, want 1 to 8", n)
	}
}

// TestWorkspaceReused: consecutive Encode calls run in one workspace, the
// buffers of the first, whichever goroutine (and so processor) makes them.
func TestWorkspaceReused(t *testing.T) {
	p, err := checkpoint.LoadDir(reference.Fixture(t, "tiny-bert"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	seqs := [][]int32{{101, 200, 201, 202, 102}, {101, 203, 102}}
	var first *float32
	for i := range 20 {
		var wg sync.WaitGroup
		wg.Go(func() {
			if _, err := m.Encode(context.Background(), seqs); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		if n := len(m.workspaces.idle); n != 1 {
			t.Fatalf("call %d: %d idle workspaces, want 1", i, n)
		}
		x := &m.workspaces.idle[0].x[0]
		if first == nil {
			first = x
		} else if x != first {
			t.Fatalf("call %d ran in new activation buffers", i)
		}
	}
}

// TestShortQueries holds the small-M paths (a query of at most smallRows
// tokens: gemmSmall, the AMX rows kernel, the pooled head on smallRows
// blocks) to the plain-Go kernels through the whole model: fp32 within
// 1e-4; bf16, whose rounding of activations can flip with the order of
// float32 sums, within 1e-2.
func TestShortQueries(t *testing.T) {
	const vocab = 1000
	r := rand.New(rand.NewPCG(9, 10))
	seq := func(n int) []int32 {
		s := make([]int32, n)
		for i := range s {
			s[i] = int32(r.IntN(vocab))
		}
		return s
	}
	batches := [][][]int32{{seq(16)}, {seq(13)}, {seq(5)}, {seq(1)}, {seq(18)}, {seq(32)}, {seq(16), seq(14)}, {seq(15), seq(40)}, {seq(20), seq(9)}}
	ctx := context.Background()
	for _, prec := range []splade.Precision{splade.PrecisionFP32, splade.PrecisionBF16} {
		tol := 1e-4
		if prec == splade.PrecisionBF16 {
			tol = 1e-2
		}
		for _, pooling := range []splade.Pooling{splade.PoolingMax, splade.PoolingSum} {
			plain, err := New(randmodel.BERT(2, 64, 4, 128, vocab, 64), Options{Precision: prec, Pooling: pooling, Kernel: "go"})
			if err != nil {
				t.Fatal(err)
			}
			for _, kernel := range Kernels(prec) {
				if kernel == "go" {
					continue
				}
				m, err := New(randmodel.BERT(2, 64, 4, 128, vocab, 64), Options{Precision: prec, Pooling: pooling, Kernel: kernel})
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range batches {
					want, err := plain.Encode(ctx, b)
					if err != nil {
						t.Fatal(err)
					}
					got, err := m.Encode(ctx, b)
					if err != nil {
						t.Fatal(err)
					}
					for i := range b {
						w, g := want[i].Dense(), got[i].Dense()
						if len(g) < len(w) {
							g = append(g, make([]float32, len(w)-len(g))...)
						}
						if len(w) < len(g) {
							w = append(w, make([]float32, len(g)-len(w))...)
						}
						nonzero := 0
						for j := range w {
							if w[j] != 0 {
								nonzero++
							}
							if d := math.Abs(float64(g[j] - w[j])); !(d <= tol*(1+math.Abs(float64(w[j])))) {
								t.Fatalf("%s %s %s, %d tokens: term %d = %v, plain Go %v", prec, pooling, kernel, len(b[i]), j, g[j], w[j])
							}
						}
						if nonzero == 0 {
							t.Fatalf("%s %s %d tokens: an empty vector proves nothing", prec, pooling, len(b[i]))
						}
					}
				}
			}
		}
	}
}

// TestEncodeWhileGOMAXPROCSChanges: Encode calls from 16 goroutines while
// another flips GOMAXPROCS between 1 and 8 (as Go does by itself when a
// container's CPU limit or the affinity changes) neither crash nor change
// a vector: each call's worker count, and so its scratch, is fixed for the
// life of the call.
func TestEncodeWhileGOMAXPROCSChanges(t *testing.T) {
	dir := reference.Fixture(t, "tiny-bert")
	exp := reference.LoadExpected(t, filepath.Join(dir, "expected.json"))
	p, err := checkpoint.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var short, long [][]int32
	for _, c := range exp.Cases {
		short = append(short, c.InputIDs)
	}
	for n := 0; n < 3*chunkRows; { // a batch the cores split by rows
		for _, s := range short {
			long = append(long, s)
			n += len(s)
		}
	}
	batches := [][][]int32{short[:1], short, long}
	want := make([][]sparsevec.Vector, len(batches))
	for i, b := range batches {
		if want[i], err = m.Encode(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	rounds := 60
	if testing.Short() {
		rounds = 20
	}
	stop := make(chan struct{})
	flipped := make(chan struct{})
	go func() {
		defer close(flipped)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			runtime.GOMAXPROCS(1 + 7*(i%2))
			runtime.Gosched()
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			for r := range rounds {
				i := (g + r) % len(batches)
				got, err := m.Encode(ctx, batches[i])
				if err != nil {
					errs <- err
					return
				}
				if fmt.Sprint(got) != fmt.Sprint(want[i]) {
					errs <- fmt.Errorf("goroutine %d, batch %d: vectors differ from the serial call's", g, i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-flipped
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
