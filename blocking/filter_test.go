package blocking

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// filterRules draws nr rules over n rows. Each rule mixes keys drawn from
// a small pool (blocks, some capped) with keys drawn from a huge one
// (almost all singletons), in proportions and null rates that vary by rule;
// keys are small integers or hashes.
func filterRules(rng *rand.Rand, n, nr int) []Rule {
	rules := make([]Rule, nr)
	for r := range rules {
		small := uint64(1 + rng.IntN(max(1, n/3)))
		dupShare := rng.Float64()
		nullP := rng.Float64() * 0.6
		hashed := rng.IntN(2) == 0
		keys := make([]uint64, n)
		sec := make([]uint64, n)
		for i := range keys {
			if rng.Float64() < nullP {
				sec[i] = uint64(rng.IntN(5))
				continue
			}
			var k uint64
			if rng.Float64() < dupShare {
				k = 1 + rng.Uint64N(small)
			} else {
				k = 1 + small + rng.Uint64N(1<<40)
			}
			if hashed {
				k = NewHasher().Uint64(k).Sum()
			}
			keys[i] = k
			sec[i] = uint64(rng.IntN(5)) // few values: ties in capped blocks
		}
		rules[r] = Rule{Name: fmt.Sprint("r", r), Keys: keys}
		if rng.IntN(3) > 0 {
			rules[r].Secondary = sec
		}
	}
	return rules
}

// sameIndex fails unless got and want behave the same through every
// exported method: statistics, chunk plan, every chunk's pairs in order,
// samples and their scales, Plan's counts; and hold the same blocks.
func sameIndex(t *testing.T, got, want *Index, what string) {
	t.Helper()
	if !reflect.DeepEqual(got.Stats(), want.Stats()) {
		t.Fatalf("%s: stats differ:\n got %v\nwant %v", what, got.Stats(), want.Stats())
	}
	if got.NumChunks() != want.NumChunks() || got.MaxChunkPairs() != want.MaxChunkPairs() || got.NumRows() != want.NumRows() {
		t.Fatalf("%s: %d chunks (max %d pairs), want %d (max %d)", what, got.NumChunks(), got.MaxChunkPairs(), want.NumChunks(), want.MaxChunkPairs())
	}
	for r := range got.rules {
		g, w := got.rules[r], want.rules[r]
		if !slices.Equal(g.rows, w.rows) || !slices.Equal(g.starts, w.starts) || !slices.Equal(g.pos, w.pos) {
			t.Fatalf("%s: rule %d: different blocks", what, r)
		}
	}
	var stats []RuleStats
	for _, s := range want.Stats() {
		stats = append(stats, s)
	}
	sample := want.SampleForCap(stats[0].CandidatePairs/3+1, 5)
	gotSampled := make([]int64, len(stats))
	wantSampled := make([]int64, len(stats))
	for c := 0; c < want.NumChunks(); c++ {
		if got.ChunkRule(c) != want.ChunkRule(c) {
			t.Fatalf("%s: chunk %d: rule %d, want %d", what, c, got.ChunkRule(c), want.ChunkRule(c))
		}
		if g, w := got.AppendChunk(nil, c), want.AppendChunk(nil, c); !slices.Equal(g, w) {
			t.Fatalf("%s: chunk %d: pairs differ (%d, want %d)", what, c, len(g), len(w))
		}
		g, gc := got.AppendChunkSample(nil, c, &sample)
		w, wc := want.AppendChunkSample(nil, c, &sample)
		if !slices.Equal(g, w) || gc != wc {
			t.Fatalf("%s: chunk %d: sampled pairs differ", what, c)
		}
		gotSampled[want.ChunkRule(c)] += gc
		wantSampled[want.ChunkRule(c)] += wc
	}
	if !reflect.DeepEqual(got.SampleForCap(100, 9), want.SampleForCap(100, 9)) {
		t.Fatalf("%s: SampleForCap differs", what)
	}
	for r := range stats {
		if got.Scale(r, gotSampled[r]) != want.Scale(r, wantSampled[r]) {
			t.Fatalf("%s: rule %d: Scale differs", what, r)
		}
	}
	gp, err := got.Plan(2)
	if err != nil {
		t.Fatal(err)
	}
	wp, err := want.Plan(1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gp, wp) {
		t.Fatalf("%s: Plan differs", what)
	}
}

// TestFilterSameIndex is the singleton filter's property: Build with the
// filter (at its own size and at tiny sizes where distinct keys share
// slots all the time) gives exactly the Index that Build without it gives,
// for any number of workers. It also checks that the cases exercised both
// the filter pass and its skip (too few records to drop).
func TestFilterSameIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	var filtered, skipped int
	for iter := 0; iter < 120; iter++ {
		n := 1 + rng.IntN(3000)
		if iter%10 == 0 {
			n = filterMinRows + rng.IntN(20000) // the automatic size
		}
		rules := filterRules(rng, n, 1+rng.IntN(4))
		base := Options{MaxBlockSize: 2 + rng.IntN(30), Window: 1 + rng.IntN(6), ChunkPairs: 1 + rng.IntN(400)}
		plain := base
		plain.filterBits = -1
		want, err := Build(n, rules, plain)
		if err != nil {
			t.Fatal(err)
		}
		for _, fb := range []int{0, 1, 3, 6, 7, 1 + rng.IntN(14)} {
			tb := filterBitsFor(n, fb)
			if tb > 0 {
				tab := make([]uint64, 2<<max(tb-6, 0))
				for _, r := range rules {
					keyed, alone := filterCount(tab, tb, r.Keys)
					if alone > 0 && alone >= keyed/filterMinDrop {
						filtered++
					} else {
						skipped++
					}
				}
			}
			for _, w := range []int{1, 2, 3} {
				opt := base
				opt.filterBits, opt.Workers = fb, w
				got, err := Build(n, rules, opt)
				if err != nil {
					t.Fatal(err)
				}
				sameIndex(t, got, want, fmt.Sprintf("iter %d n=%d filterBits=%d workers=%d", iter, n, fb, w))
			}
		}
	}
	if filtered < 100 || skipped < 100 {
		t.Fatalf("cases exercised the filter %d times and skipped it %d times: want both often", filtered, skipped)
	}
}

// TestFilterCount checks the counting pass against a direct count of keys
// per slot: keyed is the number of non-zero keys, alone the number of
// records alone in their slot, and filterKeep keeps exactly the others,
// in row order.
func TestFilterCount(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for iter := 0; iter < 200; iter++ {
		n := rng.IntN(500)
		tb := 1 + rng.IntN(12)
		keys := make([]uint64, n)
		for i := range keys {
			switch rng.IntN(4) {
			case 0: // no key
			case 1:
				keys[i] = 1 + rng.Uint64N(20)
			default:
				keys[i] = rng.Uint64() | 1
			}
		}
		slot := func(k uint64) uint64 { return (k * filterMul) >> (64 - tb) }
		perSlot := map[uint64]int{}
		wantKeyed := 0
		for _, k := range keys {
			if k != 0 {
				perSlot[slot(k)]++
				wantKeyed++
			}
		}
		var want []Entry
		wantAlone := 0
		for row, k := range keys {
			if k == 0 {
				continue
			}
			if perSlot[slot(k)] == 1 {
				wantAlone++
			} else {
				want = append(want, Entry{Key: k, Row: int32(row)})
			}
		}
		tab := make([]uint64, 2<<max(tb-6, 0))
		for i := range tab {
			tab[i] = rng.Uint64() // filterCount must clear it
		}
		keyed, alone := filterCount(tab, tb, keys)
		if keyed != wantKeyed || alone != wantAlone {
			t.Fatalf("tb=%d: keyed %d alone %d, want %d %d", tb, keyed, alone, wantKeyed, wantAlone)
		}
		got := filterKeep(make([]Entry, keyed-alone+1), tab, tb, keys)
		if !slices.Equal(got, want) {
			t.Fatalf("tb=%d: kept %d entries, want %d (or different order)", tb, len(got), len(want))
		}
	}
}

func TestFilterBitsFor(t *testing.T) {
	for _, c := range []struct{ n, opt, want int }{
		{1_000_000, -1, 0},
		{1_000_000, 5, 5},
		{filterMinRows - 1, 0, 0},
		{filterMinRows, 0, 15},          // 8 slots a row, rounded up to a power of two
		{1_000_000, 0, 23},              // 8M slots: 2 MiB
		{10_000_000, 0, filterMaxBits},  // capped
		{100_000_000, 0, filterMaxBits}, // capped
	} {
		if got := filterBitsFor(c.n, c.opt); got != c.want {
			t.Errorf("filterBitsFor(%d, %d) = %d, want %d", c.n, c.opt, got, c.want)
		}
	}
}
