package native

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestCrewsShareOneBound: 16 callers running parallel loops at once on
// crews of 8 share one bound of 7 helpers: never more than 16+7 loop
// bodies run at once (each caller starting its own 7 helpers would run up
// to 128), and every index runs exactly once.
func TestCrewsShareOneBound(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(8))
	const callers, n = 16, 256
	var bound threads
	var running, peak atomic.Int64
	var wg sync.WaitGroup
	counts := make([][n]atomic.Int32, callers)
	for g := range callers {
		wg.Go(func() {
			c := newCrew(&bound)
			if c.size != 8 {
				t.Errorf("crew of %d goroutines with GOMAXPROCS 8", c.size)
			}
			c.parallel(n, func(w, i int) {
				if w < 0 || w >= c.size {
					t.Errorf("worker %d outside the crew of %d", w, c.size)
				}
				r := running.Add(1)
				for p := peak.Load(); r > p && !peak.CompareAndSwap(p, r); p = peak.Load() {
				}
				for range 10 {
					runtime.Gosched()
				}
				counts[g][i].Add(1)
				running.Add(-1)
			})
		})
	}
	wg.Wait()
	if p := peak.Load(); p > callers+7 {
		t.Errorf("%d loop bodies ran at once; the bound allows %d callers + 7 helpers", p, callers)
	}
	if b := bound.busy.Load(); b != 0 {
		t.Errorf("%d helper slots still taken after every loop returned", b)
	}
	for g := range counts {
		for i := range counts[g] {
			if c := counts[g][i].Load(); c != 1 {
				t.Fatalf("caller %d: index %d ran %d times", g, i, c)
			}
		}
	}
}
