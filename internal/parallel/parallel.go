// Package parallel runs the iterations of a loop on a few goroutines.
package parallel

import (
	"sync"
	"sync/atomic"
)

// For calls fn(w, i) for every i in [0, n) on min(workers, n) goroutines
// (at least one), each taking the next i as it finishes one, so uneven
// iterations still keep every goroutine busy to the end. w, in
// [0, min(workers, n)), is the goroutine's index, for per-worker state
// (buffers, histograms) that needs no lock. For returns when every call
// has returned. The order of the calls is not defined: a caller whose
// output must not depend on the worker count writes into slots indexed
// by i.
func For(workers, n int, fn func(w, i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range min(max(workers, 1), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				fn(w, i)
			}
		}()
	}
	wg.Wait()
}
