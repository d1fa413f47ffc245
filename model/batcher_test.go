package model

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/splade-go/splade/sparsevec"
)

// gateEngine is an engine whose passes wait for a release and whose
// vector of a sequence is {seq[0]: len(seq)}, so each caller can check it
// got its own.
type gateEngine struct {
	mu      sync.Mutex
	passes  [][]int32 // the first token of each sequence, per pass
	started chan int  // receives the size of each pass as it starts
	release chan struct{}
	err     error
}

func (g *gateEngine) encode(ctx context.Context, seqs [][]int32) ([]sparsevec.Vector, error) {
	firsts := make([]int32, len(seqs))
	for i, s := range seqs {
		firsts[i] = s[0]
	}
	g.mu.Lock()
	g.passes = append(g.passes, firsts)
	g.mu.Unlock()
	g.started <- len(seqs)
	select {
	case <-g.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if g.err != nil {
		return nil, g.err
	}
	out := make([]sparsevec.Vector, len(seqs))
	for i, s := range seqs {
		out[i] = sparsevec.Vector{Indices: []uint32{uint32(s[0])}, Values: []float32{float32(len(s))}, Dim: 1000}
	}
	return out, nil
}

func (g *gateEngine) close() {}

func newGated(opts Options) (*Encoder, *network, *gateEngine) {
	g := &gateEngine{started: make(chan int, 100), release: make(chan struct{})}
	if err := opts.validate(); err != nil {
		panic(err)
	}
	e := &Encoder{name: "gated", opts: opts}
	e.batch = newBatcher(e)
	return e, &network{eng: g}, g
}

// seqsFrom makes sequences whose first tokens are firsts, each of length
// its first token % 7 + 1.
func seqsFrom(firsts ...int32) [][]int32 {
	seqs := make([][]int32, len(firsts))
	for i, f := range firsts {
		seqs[i] = make([]int32, f%7+1)
		seqs[i][0] = f
	}
	return seqs
}

func checkOwn(t *testing.T, what string, seqs [][]int32, vs []sparsevec.Vector) {
	t.Helper()
	if len(vs) != len(seqs) {
		t.Fatalf("%s: %d vectors for %d sequences", what, len(vs), len(seqs))
	}
	for i, s := range seqs {
		if vs[i].Indices[0] != uint32(s[0]) || vs[i].Values[0] != float32(len(s)) {
			t.Errorf("%s: sequence %d got vector %+v, not its own", what, i, vs[i])
		}
	}
}

// TestBatcherMerges: calls queued while a pass runs share the next pass,
// in order of arrival, and each gets its own vectors.
func TestBatcherMerges(t *testing.T) {
	e, n, g := newGated(Options{BatchSize: 32})
	defer e.batch.stop()
	ctx := context.Background()
	type result struct {
		vs  []sparsevec.Vector
		err error
	}
	first := make(chan result, 1)
	go func() {
		vs, err := e.batch.encode(ctx, n, seqsFrom(1))
		first <- result{vs, err}
	}()
	<-g.started // the first pass holds the engine
	var wg sync.WaitGroup
	inputs := [][][]int32{seqsFrom(10, 11), seqsFrom(20), seqsFrom(30, 31, 32)}
	results := make([]result, len(inputs))
	for i, in := range inputs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vs, err := e.batch.encode(ctx, n, in)
			results[i] = result{vs, err}
		}()
		waitPending(t, e.batch, countSeqs(inputs[:i+1]))
	}
	g.release <- struct{}{}
	if size := <-g.started; size != 6 {
		t.Errorf("second pass has %d sequences, want the 6 queued", size)
	}
	g.release <- struct{}{}
	wg.Wait()
	r := <-first
	checkOwn(t, "first call", seqsFrom(1), r.vs)
	for i, in := range inputs {
		if results[i].err != nil {
			t.Fatalf("call %d: %v", i, results[i].err)
		}
		checkOwn(t, fmt.Sprintf("call %d", i), in, results[i].vs)
	}
	if got := fmt.Sprint(g.passes); got != "[[1] [10 11 20 30 31 32]]" {
		t.Errorf("passes %s, want [[1] [10 11 20 30 31 32]]", got)
	}
}

func countSeqs(in [][][]int32) int {
	n := 0
	for _, s := range in {
		n += len(s)
	}
	return n
}

// waitPending waits until the queue holds n sequences.
func waitPending(t *testing.T, b *batcher, n int) {
	t.Helper()
	waitBatcher(t, b, func() bool { return len(b.pending) == n }, fmt.Sprintf("the queue never held %d sequences", n))
}

// waitBatcher waits up to 2 s until cond, called with b.mu held, holds;
// else the test fails with failure.
func waitBatcher(t *testing.T, b *batcher, cond func() bool, failure string) {
	t.Helper()
	for range 2000 {
		b.mu.Lock()
		ok := cond()
		b.mu.Unlock()
		if ok {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal(failure)
}

// TestBatcherLimits: a pass takes at most BatchSize sequences and
// MaxBatchTokens tokens, and a longer sequence alone.
func TestBatcherLimits(t *testing.T) {
	e, n, g := newGated(Options{BatchSize: 3, MaxBatchTokens: 8})
	defer e.batch.stop()
	ctx := context.Background()
	done := make(chan error, 2)
	go func() { _, err := e.batch.encode(ctx, n, seqsFrom(0)); done <- err }()
	<-g.started
	// lengths: 6->7, 1->2, 2->3, 3->4, 13->7 tokens
	in := seqsFrom(6, 1, 2, 3, 13)
	go func() {
		vs, err := e.batch.encode(ctx, n, in)
		if err == nil {
			checkOwn(t, "limited call", in, vs)
		}
		done <- err
	}()
	waitPending(t, e.batch, 5)
	for range 4 {
		g.release <- struct{}{}
		<-g.started
	}
	g.release <- struct{}{}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// [6] fills 7 of 8 tokens; [1 2] 5; [3] 4 (+7 > 8); [13] 7
	if got := fmt.Sprint(g.passes); got != "[[0] [6] [1 2] [3] [13]]" {
		t.Errorf("passes %s, want [[0] [6] [1 2] [3] [13]]", got)
	}
}

// TestBatcherCancel: a caller that goes away leaves the queue at once,
// and the others get their vectors; a pass whose callers have all gone
// stops.
func TestBatcherCancel(t *testing.T) {
	e, n, g := newGated(Options{BatchSize: 32})
	defer e.batch.stop()
	bg := context.Background()
	go e.batch.encode(bg, n, seqsFrom(1))
	<-g.started
	ctx, cancel := context.WithCancel(bg)
	gone := make(chan error, 1)
	go func() { _, err := e.batch.encode(ctx, n, seqsFrom(50, 51)); gone <- err }()
	waitPending(t, e.batch, 2)
	stay := make(chan error, 1)
	in := seqsFrom(60)
	go func() {
		vs, err := e.batch.encode(bg, n, in)
		if err == nil {
			checkOwn(t, "remaining call", in, vs)
		}
		stay <- err
	}()
	waitPending(t, e.batch, 3)
	cancel()
	if err := <-gone; !errors.Is(err, context.Canceled) {
		t.Errorf("canceled call returned %v, want context.Canceled", err)
	}
	waitPending(t, e.batch, 1)
	g.release <- struct{}{}
	<-g.started
	g.release <- struct{}{}
	if err := <-stay; err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(g.passes); got != "[[1] [60]]" {
		t.Errorf("passes %s, want [[1] [60]]", got)
	}

	// The only caller of a running pass goes away: the pass is canceled.
	ctx, cancel = context.WithCancel(bg)
	errc := make(chan error, 1)
	go func() { _, err := e.batch.encode(ctx, n, seqsFrom(70)); errc <- err }()
	<-g.started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("call canceled in its pass returned %v", err)
	}
	// The next pass starts without a release: the engine saw the
	// canceled pass's context end.
	next := make(chan error, 1)
	go func() { _, err := e.batch.encode(bg, n, seqsFrom(80)); next <- err }()
	<-g.started
	g.release <- struct{}{}
	if err := <-next; err != nil {
		t.Fatal(err)
	}
}

// TestBatcherErrors: an engine error goes to every call of its pass, and
// Close fails the calls still queued.
func TestBatcherErrors(t *testing.T) {
	e, n, g := newGated(Options{BatchSize: 32})
	g.err = errors.New("engine broke")
	ctx := context.Background()
	errs := make(chan error, 3)
	go func() { _, err := e.batch.encode(ctx, n, seqsFrom(1)); errs <- err }()
	<-g.started
	go func() { _, err := e.batch.encode(ctx, n, seqsFrom(2)); errs <- err }()
	go func() { _, err := e.batch.encode(ctx, n, seqsFrom(3)); errs <- err }()
	waitPending(t, e.batch, 2)
	g.release <- struct{}{}
	if err := <-errs; err == nil || !errors.Is(err, g.err) {
		t.Errorf("first call: %v, want the engine's error", err)
	}
	<-g.started
	g.release <- struct{}{}
	for range 2 {
		if err := <-errs; !errors.Is(err, g.err) {
			t.Errorf("merged call: %v, want the engine's error", err)
		}
	}
	go func() { _, err := e.batch.encode(ctx, n, seqsFrom(4)); errs <- err }()
	<-g.started
	go func() { _, err := e.batch.encode(ctx, n, seqsFrom(5)); errs <- err }()
	waitPending(t, e.batch, 1)
	// Stop while the pass of 4 is still running, then let it finish:
	// released first, the loop could start the queued 5 as a pass of its
	// own, which no release would end, before stop marked the batcher
	// stopped (a deadlock seen under -race).
	stopped := make(chan struct{})
	go func() { e.batch.stop(); close(stopped) }()
	waitBatcher(t, e.batch, func() bool { return e.batch.stopped }, "stop never marked the batcher stopped")
	g.release <- struct{}{}
	<-stopped
	for range 2 {
		if err := <-errs; err == nil {
			t.Error("a call succeeded across Close with a failing engine")
		}
	}
	if _, err := e.batch.encode(ctx, n, seqsFrom(6)); !errors.Is(err, errClosed) {
		t.Errorf("encode after stop: %v, want errClosed", err)
	}
}
