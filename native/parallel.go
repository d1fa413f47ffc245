package native

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// parallel runs fn(w, i) for i in [0, n) on up to GOMAXPROCS goroutines
// that take indices in order; w in [0, workers) names the goroutine, so
// that fn can use per-goroutine scratch. It returns the number of workers
// it could have used, for sizing scratch (see workers).
func parallel(n int, fn func(w, i int)) {
	nw := min(workers(), n)
	if nw <= 1 {
		for i := range n {
			fn(0, i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range nw {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		})
	}
	wg.Wait()
}

// workers is the number of goroutines parallel uses at most.
func workers() int { return runtime.GOMAXPROCS(0) }
