package cluster

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dedup-vn/dedup/internal/radix"
)

type testEdge struct {
	l, r int32
	w    float64
}

func run(t testing.TB, keys, ids []uint64, edges []testEdge) (*Result, []Rejected) {
	return runWorkers(t, keys, ids, edges, 1)
}

func runWorkers(t testing.TB, keys, ids []uint64, edges []testEdge, workers int) (*Result, []Rejected) {
	t.Helper()
	b, err := New(keys, ids, Options{Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range edges {
		if err := b.Add(e.l, e.r, e.w); err != nil {
			t.Fatal(err)
		}
	}
	var rej []Rejected
	return b.Finish(func(r Rejected) { rej = append(rej, r) }), rej
}

// seqKeys gives record i the stable key 100+i.
func seqKeys(n int) []uint64 {
	k := make([]uint64, n)
	for i := range k {
		k[i] = uint64(100 + i)
	}
	return k
}

func TestChains(t *testing.T) {
	res, _ := run(t, seqKeys(6), nil, []testEdge{{0, 1, 3}, {2, 1, 2}, {4, 3, 1}, {0, 2, 9}})
	if want := []int32{0, 0, 0, 3, 3, 5}; !slices.Equal(res.Rep, want) {
		t.Fatalf("Rep = %v, want %v", res.Rep, want)
	}
	if res.Size(2) != 3 || res.Size(4) != 2 || res.Size(5) != 1 {
		t.Fatalf("sizes %d %d %d", res.Size(2), res.Size(4), res.Size(5))
	}
	if res.ID(1) != "0000000000000064" || res.Key(4) != 103 {
		t.Fatalf("ID(1) = %s, Key(4) = %d", res.ID(1), res.Key(4))
	}
	want := Stats{Edges: 4, Unions: 3, Redundant: 1, Clusters: 3, Largest: 3}
	if res.Stats != want {
		t.Fatalf("stats %+v, want %+v", res.Stats, want)
	}
	starts, rows := res.Groups()
	if !slices.Equal(starts, []int32{0, 3, 5, 6}) || !slices.Equal(rows, []int32{0, 1, 2, 3, 4, 5}) {
		t.Fatalf("groups %v %v", starts, rows)
	}
}

func TestCannotLink(t *testing.T) {
	// A=0 and C=2 hold different IDs; B=1 has none (or an invalid one: 0).
	ids := []uint64{11, 0, 22}
	f := func(ab, bc float64, wantRep []int32, want Rejected) {
		t.Helper()
		res, rej := run(t, seqKeys(3), ids, []testEdge{{0, 1, ab}, {1, 2, bc}})
		if !slices.Equal(res.Rep, wantRep) {
			t.Fatalf("Rep = %v, want %v", res.Rep, wantRep)
		}
		if res.Stats.Rejected != 1 || len(rej) != 1 || rej[0] != want {
			t.Fatalf("rejected %v (%d), want %v", rej, res.Stats.Rejected, want)
		}
	}
	// The weakest edge of the chain is the one rejected.
	f(5, 3, []int32{0, 0, 2}, Rejected{1, 2, 3, ReasonNationalID})
	f(3, 5, []int32{0, 1, 1}, Rejected{0, 1, 3, ReasonNationalID})
	// Equal IDs do not conflict.
	res, _ := run(t, seqKeys(3), []uint64{7, 0, 7}, []testEdge{{0, 1, 1}, {1, 2, 1}})
	if res.Stats.Rejected != 0 || res.Size(2) != 3 {
		t.Fatalf("same IDs: %+v", res.Stats)
	}
	// Without IDs there is no guard.
	res, _ = run(t, seqKeys(3), nil, []testEdge{{0, 1, 1}, {1, 2, 1}})
	if res.Size(0) != 3 {
		t.Fatal("no guard expected without ids")
	}
}

func TestAddErrors(t *testing.T) {
	b, err := New(seqKeys(3), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range [][2]int32{{-1, 0}, {0, 3}, {5, 1}} {
		if b.Add(e[0], e[1], 1) == nil {
			t.Fatalf("Add(%d, %d) accepted an out-of-range row", e[0], e[1])
		}
	}
	if err := b.Add(1, 1, 1); err != nil {
		t.Fatal(err)
	}
	if res := b.Finish(nil); res.Stats.SelfLoops != 1 || res.Stats.Edges != 0 || res.Stats.Clusters != 3 {
		t.Fatalf("stats %+v", res.Stats)
	}
	if _, err := New(seqKeys(3), make([]uint64, 2), Options{}); err == nil {
		t.Fatal("New accepted ids of the wrong length")
	}
}

func TestWeightKeyOrder(t *testing.T) {
	ws := []float64{math.Inf(1), 1e30, 12.5, 1, 1e-30, 0, -1e-30, -1, -12.5, math.Inf(-1)}
	for i := 1; i < len(ws); i++ {
		if weightKey(ws[i-1]) >= weightKey(ws[i]) {
			t.Fatalf("weightKey(%v) >= weightKey(%v)", ws[i-1], ws[i])
		}
	}
	if weightKey(math.NaN()) != weightKey(math.Inf(-1)) || weightKey(math.Copysign(0, -1)) != weightKey(0) {
		t.Fatal("NaN must sort as -Inf and -0 as 0")
	}
	for _, w := range ws {
		if got := weightOf(weightKey(w)); got != float32(w) {
			t.Fatalf("weightOf(weightKey(%v)) = %v", w, got)
		}
	}
}

func TestSortEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 2, 100, 20000} {
		e := make([]edge, n)
		for i := range e {
			e[i] = edge{w: uint32(rng.IntN(50)) << 20, a: int32(rng.IntN(1000)), b: int32(rng.IntN(1 << 30))}
		}
		want := slices.Clone(e)
		slices.SortFunc(want, cmpEdge)
		if got := sortEdges(e); !slices.Equal(got, want) {
			t.Fatalf("n=%d: radix order differs", n)
		}
	}
}

func cmpEdge(x, y edge) int {
	switch {
	case x.w != y.w:
		return cmpInt(int64(x.w), int64(y.w))
	case x.a != y.a:
		return cmpInt(int64(x.a), int64(y.a))
	}
	return cmpInt(int64(x.b), int64(y.b))
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// oracle clusters naively: edges in (float32 weight desc, min key, max key)
// order, components as explicit label arrays relabelled on every merge.
// It returns, per row, the smallest stable key in its cluster.
func oracle(keys, ids []uint64, edges []testEdge) ([]uint64, int64) {
	n := len(keys)
	label := make([]int, n)
	for i := range label {
		label[i] = i
	}
	type oe struct {
		w      float32
		k1, k2 uint64
		l, r   int32
	}
	var es []oe
	for _, e := range edges {
		if e.l == e.r {
			continue
		}
		k1, k2 := keys[e.l], keys[e.r]
		es = append(es, oe{float32(e.w), min(k1, k2), max(k1, k2), e.l, e.r})
	}
	slices.SortFunc(es, func(x, y oe) int {
		switch {
		case x.w != y.w:
			if x.w > y.w {
				return -1
			}
			return 1
		case x.k1 != y.k1:
			return cmpU(x.k1, y.k1)
		}
		return cmpU(x.k2, y.k2)
	})
	compID := func(l int) uint64 {
		for i := range label {
			if label[i] == l && ids != nil && ids[i] != 0 {
				return ids[i]
			}
		}
		return 0
	}
	var rejected int64
	for _, e := range es {
		la, lb := label[e.l], label[e.r]
		if la == lb {
			continue
		}
		if ia, ib := compID(la), compID(lb); ia != 0 && ib != 0 && ia != ib {
			rejected++
			continue
		}
		for i := range label {
			if label[i] == lb {
				label[i] = la
			}
		}
	}
	minKey := map[int]uint64{}
	for i, l := range label {
		if k, ok := minKey[l]; !ok || keys[i] < k {
			minKey[l] = keys[i]
		}
	}
	out := make([]uint64, n)
	for i, l := range label {
		out[i] = minKey[l]
	}
	return out, rejected
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// randomCase draws n records with unique random stable keys, sparse IDs
// from a few values (so conflicts happen), and random edges with few
// distinct weights (so ties happen).
func randomCase(rng *rand.Rand, n, m int, withIDs bool) ([]uint64, []uint64, []testEdge) {
	keys := make([]uint64, n)
	seen := map[uint64]bool{}
	for i := range keys {
		for {
			k := rng.Uint64N(1 << 40)
			if !seen[k] {
				seen[k] = true
				keys[i] = k
				break
			}
		}
	}
	var ids []uint64
	if withIDs {
		ids = make([]uint64, n)
		for i := range ids {
			if rng.IntN(3) == 0 {
				ids[i] = 1 + rng.Uint64N(3)
			}
		}
	}
	edges := make([]testEdge, m)
	for i := range edges {
		edges[i] = testEdge{int32(rng.IntN(n)), int32(rng.IntN(n)), float64(rng.IntN(5)) - 1.5}
	}
	return keys, ids, edges
}

func TestOracleProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	for iter := 0; iter < 300; iter++ {
		n := 1 + rng.IntN(40)
		keys, ids, edges := randomCase(rng, n, rng.IntN(2*n), iter%2 == 0)
		res, _ := run(t, keys, ids, edges)
		want, wantRej := oracle(keys, ids, edges)
		for i := range want {
			if res.Key(int32(i)) != want[i] {
				t.Fatalf("iter %d row %d: cluster key %d, oracle %d", iter, i, res.Key(int32(i)), want[i])
			}
		}
		if res.Stats.Rejected != wantRej {
			t.Fatalf("iter %d: rejected %d, oracle %d", iter, res.Stats.Rejected, wantRej)
		}
		// The guard's invariant: no cluster holds two different IDs.
		if ids != nil {
			idOf := map[int32]uint64{}
			for i, id := range ids {
				if id == 0 {
					continue
				}
				rep := res.Rep[i]
				if prev, ok := idOf[rep]; ok && prev != id {
					t.Fatalf("iter %d: cluster %d holds IDs %d and %d", iter, rep, prev, id)
				}
				idOf[rep] = id
			}
		}
		// Sizes and groups agree with Rep.
		starts, rows := res.Groups()
		if len(starts)-1 != res.Stats.Clusters || len(rows) != n {
			t.Fatalf("iter %d: groups %d/%d", iter, len(starts)-1, len(rows))
		}
		for c := 0; c+1 < len(starts); c++ {
			g := rows[starts[c]:starts[c+1]]
			for _, row := range g {
				if res.Rep[row] != g[0] || res.Size(row) != len(g) {
					t.Fatalf("iter %d: group %d inconsistent", iter, c)
				}
			}
		}
	}
}

// TestOrderIndependence shuffles edges and renumbers records: the cluster
// of every record (by its stable key) and the counts stay the same.
func TestOrderIndependence(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	for iter := 0; iter < 50; iter++ {
		n := 2 + rng.IntN(300)
		keys, ids, edges := randomCase(rng, n, 2*n, true)
		ref, refRej := run(t, keys, ids, edges)

		perm := rng.Perm(n) // new row of old row i
		keys2 := make([]uint64, n)
		ids2 := make([]uint64, n)
		for i, p := range perm {
			keys2[p], ids2[p] = keys[i], ids[i]
		}
		edges2 := make([]testEdge, len(edges))
		for i, e := range edges {
			l, r := int32(perm[e.l]), int32(perm[e.r])
			if rng.IntN(2) == 0 {
				l, r = r, l
			}
			edges2[i] = testEdge{l, r, e.w}
		}
		rng.Shuffle(len(edges2), func(i, j int) { edges2[i], edges2[j] = edges2[j], edges2[i] })
		got, gotRej := run(t, keys2, ids2, edges2)
		for i, p := range perm {
			if ref.ID(int32(i)) != got.ID(int32(p)) || ref.Size(int32(i)) != got.Size(int32(p)) {
				t.Fatalf("iter %d: record %d changed cluster", iter, i)
			}
		}
		if ref.Stats != got.Stats || len(refRej) != len(gotRej) {
			t.Fatalf("iter %d: stats %+v vs %+v", iter, ref.Stats, got.Stats)
		}
	}
}

// TestWorkersSameResult runs the parallel paths (the threshold lowered to
// one record) with several worker counts: every record's representative,
// the stats, the rejections and the groups equal the one-worker result.
func TestWorkersSameResult(t *testing.T) {
	defer func(v int) { minParallel = v }(minParallel)
	minParallel = 1
	rng := rand.New(rand.NewPCG(6, 7))
	for iter := 0; iter < 100; iter++ {
		n := 1 + rng.IntN(500)
		keys, ids, edges := randomCase(rng, n, rng.IntN(3*n), iter%2 == 0)
		if iter%3 == 0 { // duplicate stable keys: ties broken by row
			for i := range keys {
				keys[i] %= uint64(1 + n/4)
			}
		}
		want, wantRej := runWorkers(t, keys, ids, edges, 1)
		wantStarts, wantRows := want.Groups()
		for _, w := range []int{2, 3, 5, 8} {
			got, gotRej := runWorkers(t, keys, ids, edges, w)
			if !slices.Equal(got.Rep, want.Rep) || got.Stats != want.Stats || !slices.Equal(gotRej, wantRej) {
				t.Fatalf("iter %d, %d workers: result differs from one worker", iter, w)
			}
			starts, rows := got.Groups()
			if !slices.Equal(starts, wantStarts) || !slices.Equal(rows, wantRows) {
				t.Fatalf("iter %d, %d workers: groups differ", iter, w)
			}
		}
	}
}

// TestSortKeys checks the split-and-merge sort against a stable sort,
// with many equal keys and run counts that leave an odd run out.
func TestSortKeys(t *testing.T) {
	defer func(v int) { minParallel = v }(minParallel)
	minParallel = 1
	rng := rand.New(rand.NewPCG(8, 9))
	for _, n := range []int{0, 1, 2, 3, 7, 100, 1000, 5000} {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = rng.Uint64N(uint64(1 + n/3))
		}
		var want []radix.Entry
		for i, k := range keys {
			want = append(want, radix.Entry{Key: k, Row: int32(i)})
		}
		slices.SortStableFunc(want, func(a, b radix.Entry) int { return cmpInt(int64(a.Key), int64(b.Key)) })
		for _, w := range []int{1, 2, 3, 4, 7} {
			if got := sortKeys(keys, w); !slices.Equal(got, want) && n > 0 {
				t.Fatalf("n=%d workers=%d: order differs from a stable sort", n, w)
			}
		}
	}
}
