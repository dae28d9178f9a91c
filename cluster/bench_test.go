package cluster

import (
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkCluster10M clusters 10M records linked by 10M random edges, a
// tenth of the records holding one of 1M IDs (so the guard fires), on
// GOMAXPROCS workers (-cpu 1,2 compares).
func BenchmarkCluster10M(b *testing.B) { benchCluster(b, 10_000_000, 10_000_000) }

// BenchmarkClusterRun10M has the edge count of the 10M register's run
// (786,411 accepted pairs): there the passes over the records dominate.
func BenchmarkClusterRun10M(b *testing.B) { benchCluster(b, 10_000_000, 786_411) }

func benchCluster(b *testing.B, n, m int) {
	rng := rand.New(rand.NewPCG(1, 2))
	keys := make([]uint64, n)
	ids := make([]uint64, n)
	for i := range keys {
		keys[i] = rng.Uint64()
		if i%10 == 0 {
			ids[i] = 1 + rng.Uint64N(1_000_000)
		}
	}
	ls := make([]int32, m)
	rs := make([]int32, m)
	ws := make([]float64, m)
	for i := range ls {
		// Mostly local edges: clusters of a few records, as duplicates are.
		l := rng.IntN(n)
		r := min(n-1, l+1+rng.IntN(4))
		ls[i], rs[i], ws[i] = int32(l), int32(r), float64(rng.IntN(200))/10
	}
	b.ReportAllocs()
	b.ResetTimer()
	var st Stats
	for i := 0; i < b.N; i++ {
		bl, err := New(keys, ids, Options{Workers: runtime.GOMAXPROCS(0)})
		if err != nil {
			b.Fatal(err)
		}
		bl.Grow(m)
		for j := range ls {
			if err := bl.Add(ls[j], rs[j], ws[j]); err != nil {
				b.Fatal(err)
			}
		}
		st = bl.Finish(nil).Stats
	}
	b.ReportMetric(float64(m)*float64(b.N)/b.Elapsed().Seconds(), "edges/s")
	b.Logf("%+v", st)
}
