package parallel

import (
	"sync/atomic"
	"testing"
)

func TestForCallsEachIndexOnce(t *testing.T) {
	for _, tc := range []struct{ workers, n int }{{1, 0}, {0, 5}, {-3, 5}, {1, 100}, {4, 3}, {7, 1000}} {
		seen := make([]atomic.Int32, tc.n)
		maxW := atomic.Int64{}
		For(tc.workers, tc.n, func(w, i int) {
			seen[i].Add(1)
			for {
				m := maxW.Load()
				if int64(w) <= m || maxW.CompareAndSwap(m, int64(w)) {
					break
				}
			}
		})
		for i := range seen {
			if c := seen[i].Load(); c != 1 {
				t.Fatalf("workers=%d n=%d: index %d called %d times", tc.workers, tc.n, i, c)
			}
		}
		if limit := int64(min(max(tc.workers, 1), tc.n)); tc.n > 0 && maxW.Load() >= limit {
			t.Fatalf("workers=%d n=%d: worker index %d, want < %d", tc.workers, tc.n, maxW.Load(), limit)
		}
	}
}

// TestForPerWorkerState: state indexed by w is never used by two calls at
// once.
func TestForPerWorkerState(t *testing.T) {
	const workers = 4
	var busy [workers]atomic.Int32
	For(workers, 10000, func(w, i int) {
		if busy[w].Add(1) != 1 {
			t.Errorf("worker %d runs two calls at once", w)
		}
		busy[w].Add(-1)
	})
}

// BenchmarkFor measures the loop's cost per iteration (the pair scoring
// and key hashing loops take one chunk per iteration).
func BenchmarkFor(b *testing.B) {
	var sink atomic.Int64
	for b.Loop() {
		For(2, 1<<12, func(_, i int) {
			if i == -1 {
				sink.Add(1)
			}
		})
	}
}
