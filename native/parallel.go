package native

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// threads bounds the helper goroutines that all Encode calls on one Model
// run at once. Each call works on its own goroutine and borrows helpers
// while the bound allows, so that many callers at once share the cores
// instead of each starting one goroutine per core.
type threads struct {
	max  int          // helpers at most; 0: GOMAXPROCS-1, read at each borrow
	busy atomic.Int64 // helpers running now
}

// borrow takes one helper slot, or reports false when all are taken.
func (t *threads) borrow() bool {
	limit := t.max
	if limit <= 0 {
		limit = runtime.GOMAXPROCS(0) - 1
	}
	for {
		b := t.busy.Load()
		if b >= int64(limit) {
			return false
		}
		if t.busy.CompareAndSwap(b, b+1) {
			return true
		}
	}
}

// giveBack returns a slot taken by borrow.
func (t *threads) giveBack() { t.busy.Add(-1) }

// crew is the goroutines of one Encode call: the caller's and at most
// size-1 helpers borrowed from the model's bound. size is fixed for the
// life of the call, so scratch sized to it stays in range whatever
// GOMAXPROCS does meanwhile.
type crew struct {
	size    int
	threads *threads
}

// newCrew returns a crew of GOMAXPROCS goroutines at most, as read now,
// sharing the bound t.
func newCrew(t *threads) crew {
	return crew{size: max(1, runtime.GOMAXPROCS(0)), threads: t}
}

// parallel runs fn(w, i) for i in [0, n) on the caller's goroutine and
// as many helpers as the bound lends (at most c.size-1 of them), which
// take indices in order; w in [0, c.size) names the goroutine, so that fn
// can use per-goroutine scratch.
func (c crew) parallel(n int, fn func(w, i int)) {
	var next atomic.Int64
	work := func(w int) {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			fn(w, i)
		}
	}
	var wg sync.WaitGroup
	for w := 1; w < min(c.size, n); w++ {
		if !c.threads.borrow() {
			break
		}
		wg.Go(func() {
			defer c.threads.giveBack()
			work(w)
		})
	}
	work(0)
	wg.Wait()
}
