package model

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/splade-go/splade/sparsevec"
)

// DefaultMaxBatchTokens is the most tokens of one forward pass when
// Options.MaxBatchTokens is zero: TEI's default max_batch_tokens.
const DefaultMaxBatchTokens = 16384

// batcher merges the token sequences of concurrent Encode calls into
// shared forward passes (dynamic batching, as TEI does): calls put their
// sequences in one queue, and a single goroutine runs the queue's
// oldest sequences, of one network, as one pass of at most
// Options.BatchSize sequences and Options.MaxBatchTokens tokens while
// the next calls queue up behind it. Each call gets back its own
// vectors; a call whose context ends leaves the queue at once, and its
// sequences already in a pass are run to the end only if another call
// shares that pass.
type batcher struct {
	e *Encoder

	mu      sync.Mutex
	cond    *sync.Cond // signalled when pending grows or the batcher stops
	pending []item     // sequences not yet in a pass, oldest first
	running bool       // the loop goroutine is started
	stopped bool       // Close was called
	idle    chan struct{}
}

// item is one sequence of a job.
type item struct {
	job *job
	i   int // index in job.vecs
	seq []int32
	net *network
}

// job is one Encode call's sequences in the batcher.
type job struct {
	ctx  context.Context
	vecs []sparsevec.Vector
	left int   // sequences not yet encoded; guarded by batcher.mu
	err  error // the first error; guarded by batcher.mu
	done chan struct{}
}

func newBatcher(e *Encoder) *batcher {
	b := &batcher{e: e}
	b.cond = sync.NewCond(&b.mu)
	return b
}

// encode returns the vectors of seqs through n, sharing forward passes
// with concurrent calls.
func (b *batcher) encode(ctx context.Context, n *network, seqs [][]int32) ([]sparsevec.Vector, error) {
	if len(seqs) == 0 {
		return nil, nil
	}
	j := &job{ctx: ctx, vecs: make([]sparsevec.Vector, len(seqs)), left: len(seqs), done: make(chan struct{})}
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return nil, errClosed
	}
	for i, s := range seqs {
		b.pending = append(b.pending, item{job: j, i: i, seq: s, net: n})
	}
	if !b.running {
		b.running = true
		b.idle = make(chan struct{})
		go b.loop()
	}
	b.cond.Signal()
	b.mu.Unlock()
	select {
	case <-j.done:
	case <-ctx.Done():
		// Leave the queue; a pass that already holds some of our
		// sequences finishes for the others in it.
		b.mu.Lock()
		b.drop(j)
		b.mu.Unlock()
		return nil, ctx.Err()
	}
	if j.err != nil {
		return nil, j.err
	}
	return j.vecs, nil
}

var errClosed = errors.New("model: encoder is closed")

// drop removes j's sequences from the queue. b.mu is held.
func (b *batcher) drop(j *job) {
	b.pending = slices.DeleteFunc(b.pending, func(it item) bool { return it.job == j })
}

// loop runs passes until the batcher stops.
func (b *batcher) loop() {
	defer close(b.idle)
	for {
		b.mu.Lock()
		for len(b.pending) == 0 && !b.stopped {
			b.cond.Wait()
		}
		if b.stopped {
			for _, it := range b.pending {
				b.finish(it.job, errClosed)
			}
			b.pending = nil
			b.mu.Unlock()
			return
		}
		pass := b.take()
		b.mu.Unlock()
		if len(pass) > 0 {
			b.run(pass)
		}
	}
}

// take removes from the queue the next pass: the oldest sequences of the
// network of the oldest one, within the batch limits, skipping those of
// calls already gone. b.mu is held.
func (b *batcher) take() []item {
	opts := b.e.opts
	var pass []item
	tokens := 0
	k := 0
	var net *network
	for _, it := range b.pending {
		switch {
		case it.job.ctx.Err() != nil:
			continue // the caller is gone (or leaving): drop
		case net == nil:
			net = it.net
		case it.net != net || len(pass) >= opts.BatchSize || tokens+len(it.seq) > opts.MaxBatchTokens:
			b.pending[k] = it
			k++
			continue
		}
		pass = append(pass, it)
		tokens += len(it.seq)
	}
	clear(b.pending[k:])
	b.pending = b.pending[:k]
	return pass
}

// run encodes pass as one forward pass and hands each job its vectors.
// The pass stops early only when every call in it has gone.
func (b *batcher) run(pass []item) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var jobs []*job
	for _, it := range pass {
		if len(jobs) == 0 || jobs[len(jobs)-1] != it.job {
			jobs = append(jobs, it.job)
		}
	}
	var present atomic.Int64
	present.Store(int64(len(jobs)))
	for _, j := range jobs {
		stop := context.AfterFunc(j.ctx, func() {
			if present.Add(-1) == 0 {
				cancel()
			}
		})
		defer stop()
	}
	seqs := make([][]int32, len(pass))
	tokens := 0
	for i, it := range pass {
		seqs[i] = it.seq
		tokens += len(it.seq)
	}
	vecs, err := b.e.pass(ctx, pass[0].net, seqs)
	if err == nil && b.e.opts.ObserveBatch != nil {
		b.e.opts.ObserveBatch(len(seqs), tokens)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, it := range pass {
		if err != nil {
			b.finish(it.job, err)
			continue
		}
		it.job.vecs[it.i] = vecs[i]
		if it.job.left--; it.job.left == 0 {
			b.finish(it.job, nil)
		}
	}
}

// finish ends j with err (nil: success) unless it has ended. b.mu is held.
func (b *batcher) finish(j *job, err error) {
	select {
	case <-j.done:
		return
	default:
	}
	j.err = err
	close(j.done)
	if err != nil {
		b.drop(j)
	}
}

// stop ends the loop, failing the calls still queued, and waits for the
// pass in flight.
func (b *batcher) stop() {
	b.mu.Lock()
	b.stopped = true
	running, idle := b.running, b.idle
	b.cond.Broadcast()
	b.mu.Unlock()
	if running {
		<-idle
	}
}
