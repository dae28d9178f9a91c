package eval

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// mk builds assignments from parallel cluster/entity lists; cluster -1
// means absent from the run.
func mk(clusters []int, entities []uint32) []Assignment {
	as := make([]Assignment, len(clusters))
	for i, c := range clusters {
		key := uint64(c)
		if c < 0 {
			key = AbsentKey(uint32(i))
		}
		as[i] = Assignment{Cluster: key, Entity: entities[i], Record: uint32(i)}
	}
	return as
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestContingencyHand(t *testing.T) {
	type want struct {
		tp, pred, truth, absentPairs, exact, exactMulti int64
		p, r, b3p, b3r                                  float64
	}
	f := func(name string, clusters []int, entities []uint32, nEnt int, w want) {
		t.Helper()
		c := Contingency(mk(clusters, entities), nEnt)
		if c.TruePositives != w.tp || c.PredictedPairs != w.pred || c.TruePairs != w.truth || c.TruePairsAbsent != w.absentPairs {
			t.Errorf("%s: tp/pred/true/absent = %d/%d/%d/%d, want %d/%d/%d/%d", name,
				c.TruePositives, c.PredictedPairs, c.TruePairs, c.TruePairsAbsent, w.tp, w.pred, w.truth, w.absentPairs)
		}
		if c.ExactEntities != w.exact || c.ExactEntitiesMulti != w.exactMulti {
			t.Errorf("%s: exact %d (multi %d), want %d (%d)", name, c.ExactEntities, c.ExactEntitiesMulti, w.exact, w.exactMulti)
		}
		p, r := Precision(c.TruePositives, c.PredictedPairs), Recall(c.TruePositives, c.TruePairs)
		cs := clusterStats(c)
		if !near(p, w.p) || !near(r, w.r) || !near(cs.BCubedPrecision, w.b3p) || !near(cs.BCubedRecall, w.b3r) {
			t.Errorf("%s: P %v R %v B3 %v/%v, want %v %v %v/%v", name, p, r, cs.BCubedPrecision, cs.BCubedRecall, w.p, w.r, w.b3p, w.b3r)
		}
	}
	// No records at all: nothing claimed, nothing to find.
	f("empty", nil, nil, 0, want{p: 1, r: 1, b3p: 1, b3r: 1})
	// All-singletons truth, all-singletons run: perfect, every entity exact.
	f("singletons", []int{1, 2, 3}, []uint32{0, 1, 2}, 3, want{exact: 3, p: 1, r: 1, b3p: 1, b3r: 1})
	// All-singletons truth, one wrong merge {0,1}: P = 0/1, R = 1 (no true pair).
	// B3 precision: records 0,1 get 1/2, records 2,3 get 1 → 3/4.
	f("singletons truth, one merge", []int{7, 7, 8, 9}, []uint32{0, 1, 2, 3}, 4,
		want{pred: 1, exact: 2, p: 0, r: 1, b3p: 0.75, b3r: 1})
	// One giant cluster over entities {a,a,b,b,c}: pred C(5,2)=10, true 2,
	// TP 2. B3 precision Σ n²/5 = (4+4+1)/5 over 5 records = 0.36; recall 1.
	f("giant cluster", []int{1, 1, 1, 1, 1}, []uint32{0, 0, 1, 1, 2}, 3,
		want{tp: 2, pred: 10, truth: 2, p: 0.2, r: 1, b3p: 0.36, b3r: 1})
	// All singletons predicted, truth {a,a,a},{b}: TP 0, true 3; b stays exact.
	// B3 recall: a's records 1/3 each, b 1 → (1+1)/4 = 0.5.
	f("all singletons predicted", []int{1, 2, 3, 4}, []uint32{0, 0, 0, 1}, 2,
		want{truth: 3, exact: 1, p: 1, r: 0, b3p: 1, b3r: 0.5})
	// Entity {r0,r1,r2} with r2 absent (rejected), r0,r1 clustered: TP 1,
	// true 3, 2 true pairs lost to the absent record; B3 recall (2/3+2/3+1/3)/3.
	f("absent record", []int{5, 5, -1}, []uint32{0, 0, 0}, 1,
		want{tp: 1, pred: 1, truth: 3, absentPairs: 2, p: 1, r: 1.0 / 3, b3p: 1, b3r: 5.0 / 9})
	// An absent singleton entity is not "recovered exactly".
	f("absent singleton", []int{-1, 3}, []uint32{0, 1}, 2, want{exact: 1, p: 1, r: 1, b3p: 1, b3r: 1})
	// Exact recovery of a pair and a split triple: {0,1} exact, {2,3 | 4} not.
	f("exact and split", []int{1, 1, 2, 2, 3}, []uint32{0, 0, 1, 1, 1}, 2,
		want{tp: 2, pred: 2, truth: 4, exact: 1, exactMulti: 1, p: 1, r: 0.5, b3p: 1, b3r: (2 + 4.0/3 + 1.0/3) / 5})
}

// bruteCounts enumerates every record pair: the independent oracle.
func bruteCounts(as []Assignment) (tp, pred, truth int64, b3p, b3r float64) {
	n := len(as)
	for i := 0; i < n; i++ {
		var cl, en, cell float64
		for j := 0; j < n; j++ {
			sameC := as[i].Cluster == as[j].Cluster
			sameE := as[i].Entity == as[j].Entity
			if sameC {
				cl++
			}
			if sameE {
				en++
			}
			if sameC && sameE {
				cell++
			}
			if j <= i {
				continue
			}
			if sameC {
				pred++
			}
			if sameE {
				truth++
			}
			if sameC && sameE {
				tp++
			}
		}
		b3p += cell / cl
		b3r += cell / en
	}
	if n > 0 {
		b3p /= float64(n)
		b3r /= float64(n)
	}
	return
}

// Property: Contingency agrees with pair enumeration on random clusterings,
// whatever the input order.
func TestContingencyBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 300; iter++ {
		n := rng.IntN(60)
		nEnt := 1 + rng.IntN(20)
		nCl := 1 + rng.IntN(25)
		clusters := make([]int, n)
		entities := make([]uint32, n)
		for i := range clusters {
			clusters[i] = rng.IntN(nCl)
			if rng.IntN(10) == 0 {
				clusters[i] = -1
			}
			entities[i] = uint32(rng.IntN(nEnt))
		}
		as := mk(clusters, entities)
		tp, pred, truth, b3p, b3r := bruteCounts(as)
		rng.Shuffle(len(as), func(i, j int) { as[i], as[j] = as[j], as[i] })
		c := Contingency(as, nEnt)
		cs := clusterStats(c)
		if c.TruePositives != tp || c.PredictedPairs != pred || c.TruePairs != truth {
			t.Fatalf("iter %d: tp/pred/true %d/%d/%d, brute %d/%d/%d", iter, c.TruePositives, c.PredictedPairs, c.TruePairs, tp, pred, truth)
		}
		if n > 0 && (!near(cs.BCubedPrecision, b3p) || !near(cs.BCubedRecall, b3r)) {
			t.Fatalf("iter %d: B3 %v/%v, brute %v/%v", iter, cs.BCubedPrecision, cs.BCubedRecall, b3p, b3r)
		}
	}
}

func TestRates(t *testing.T) {
	f := func(got, want float64) {
		t.Helper()
		if !near(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	}
	f(Precision(3, 4), 0.75)
	f(Precision(0, 0), 1)
	f(Recall(1, 4), 0.25)
	f(Recall(0, 0), 1)
	f(F1(0, 0), 0)
	f(F1(1, 0.5), 2.0/3)
	f(BlockingRecall(9, 10), 0.9)
	f(BlockingRecall(0, 0), 1)
}

func TestHashIDSpreads(t *testing.T) {
	seen := map[uint64]bool{}
	var buf []byte
	for i := 0; i < 200000; i++ {
		buf = append(buf[:0], "P01-"...)
		buf = append(buf, byte('0'+i%10), byte('0'+i/10%10), byte('0'+i/100%10), byte('0'+i/1000%10), byte('0'+i/10000%10), byte('0'+i/100000%10))
		h := HashID(buf)
		if seen[h] {
			t.Fatalf("collision at %d", i)
		}
		seen[h] = true
		if ClusterKey(buf)&AbsentBit != 0 {
			t.Fatal("ClusterKey kept the absent bit")
		}
	}
}

func BenchmarkContingency10M(b *testing.B) {
	const n = 10_000_000
	rng := rand.New(rand.NewPCG(3, 4))
	base := make([]Assignment, n)
	// About 2 records per entity; clusters follow entities with 2% of
	// records moved to a random cluster, like a good run.
	nEnt := n / 2
	for i := range base {
		e := uint32(rng.IntN(nEnt))
		cl := mix64(uint64(e)) &^ AbsentBit
		if rng.IntN(50) == 0 {
			cl = mix64(uint64(rng.IntN(nEnt))) &^ AbsentBit
		}
		base[i] = Assignment{Cluster: cl, Entity: e, Record: uint32(i)}
	}
	as := make([]Assignment, n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		copy(as, base)
		Contingency(as, nEnt)
	}
}

// The bucket sort must give exactly the comparison sort's order, on inputs
// big enough to take the radix path, absent keys included.
func TestBucketSortMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	as := make([]Assignment, 50000)
	for i := range as {
		as[i] = Assignment{Cluster: mix64(uint64(rng.IntN(9000))) &^ AbsentBit, Entity: uint32(rng.IntN(200000)), Record: uint32(i)}
		if rng.IntN(20) == 0 {
			as[i].Cluster = AbsentKey(uint32(i))
		}
	}
	for _, tc := range []struct {
		name string
		sort func([]Assignment)
		less func(a, b Assignment) int
	}{
		{"cluster", sortByCluster, func(a, b Assignment) int {
			return cmp.Or(cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.Record, b.Record))
		}},
		{"entity", sortByEntity, func(a, b Assignment) int {
			return cmp.Or(cmp.Compare(a.Entity, b.Entity), cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Record, b.Record))
		}},
	} {
		got := slices.Clone(as)
		rng.Shuffle(len(got), func(i, j int) { got[i], got[j] = got[j], got[i] })
		tc.sort(got)
		want := slices.Clone(as)
		slices.SortFunc(want, tc.less)
		if !slices.Equal(got, want) {
			t.Errorf("%s: bucket sort order differs from the comparison sort", tc.name)
		}
	}
}

// TestContingencyLargest: the largest predicted cluster and true entity,
// absent records counted in their entity but never as a cluster.
func TestContingencyLargest(t *testing.T) {
	for _, tc := range []struct {
		name            string
		clusters        []int
		entities        []uint32
		nEnt            int
		cluster, entity int64
	}{
		{"empty", nil, nil, 0, 0, 0},
		{"chain joins two people", []int{1, 1, 1, 1, 2}, []uint32{0, 0, 1, 1, 2}, 3, 4, 2},
		{"absent records", []int{-1, -1, -1, 5}, []uint32{0, 0, 0, 1}, 2, 1, 3},
		{"split entity", []int{1, 2, 3}, []uint32{0, 0, 0}, 1, 1, 3},
	} {
		c := Contingency(mk(tc.clusters, tc.entities), tc.nEnt)
		if c.LargestCluster != tc.cluster || c.LargestEntity != tc.entity {
			t.Errorf("%s: largest cluster %d entity %d, want %d %d", tc.name, c.LargestCluster, c.LargestEntity, tc.cluster, tc.entity)
		}
	}
}
