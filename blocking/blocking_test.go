package blocking

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// oraclePairs enumerates every rule naively (group rows by key; a group larger
// than maxB is sorted by (secondary, row) and windowed) and returns each pair
// with the first rule that produces it.
func oraclePairs(n int, rules []Rule, maxB, w int) map[[2]int32]uint8 {
	out := map[[2]int32]uint8{}
	for r, ru := range rules {
		groups := map[uint64][]int32{}
		for row := 0; row < n; row++ {
			if k := ru.Keys[row]; k != 0 {
				groups[k] = append(groups[k], int32(row))
			}
		}
		add := func(i, j int32) {
			if i > j {
				i, j = j, i
			}
			if _, ok := out[[2]int32{i, j}]; !ok {
				out[[2]int32{i, j}] = uint8(r)
			}
		}
		for _, g := range groups {
			if len(g) <= maxB {
				for a := range g {
					for b := a + 1; b < len(g); b++ {
						add(g[a], g[b])
					}
				}
				continue
			}
			sec := func(row int32) uint64 {
				if ru.Secondary == nil {
					return 0
				}
				return ru.Secondary[row]
			}
			slices.SortFunc(g, func(x, y int32) int {
				if c := cmpU64(sec(x), sec(y)); c != 0 {
					return c
				}
				return int(x - y)
			})
			for a := range g {
				for b := a + 1; b < len(g) && b <= a+w; b++ {
					add(g[a], g[b])
				}
			}
		}
	}
	return out
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// collect enumerates ix with the given workers and fails on any duplicate or
// misordered pair.
func collect(t testing.TB, ix *Index, workers int) ([]Pair, map[[2]int32]uint8) {
	t.Helper()
	var all []Pair
	got := map[[2]int32]uint8{}
	next := 0
	err := ix.Enumerate(workers, func(c *Chunk) error {
		if c.Index != next {
			t.Fatalf("chunk %d delivered, want %d", c.Index, next)
		}
		next++
		for _, p := range c.Pairs {
			if p.Left >= p.Right {
				t.Fatalf("pair %v not ordered left < right", p)
			}
			if int(p.Rule) != c.Rule {
				t.Fatalf("pair %v in chunk of rule %d", p, c.Rule)
			}
			k := [2]int32{p.Left, p.Right}
			if r, dup := got[k]; dup {
				t.Fatalf("pair %v produced twice (rules %d and %d)", k, r, p.Rule)
			}
			got[k] = p.Rule
		}
		all = append(all, c.Pairs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all, got
}

func checkAgainstOracle(t testing.TB, n int, rules []Rule, opt Options) {
	t.Helper()
	ix, err := Build(n, rules, opt)
	if err != nil {
		t.Fatal(err)
	}
	o := opt.withDefaults()
	want := oraclePairs(n, rules, o.MaxBlockSize, o.Window)
	_, got := collect(t, ix, 1)
	if len(got) != len(want) {
		t.Fatalf("got %d pairs, oracle %d", len(got), len(want))
	}
	for k, r := range want {
		gr, ok := got[k]
		if !ok {
			t.Fatalf("pair %v (rule %d) missing", k, r)
		}
		if gr != r {
			t.Fatalf("pair %v under rule %d, want first rule %d", k, gr, r)
		}
	}
	// Plan must count exactly what enumeration produced, per rule.
	st, err := ix.Plan(2)
	if err != nil {
		t.Fatal(err)
	}
	perRule := make([]int64, len(rules))
	for _, r := range want {
		perRule[r]++
	}
	for r := range st {
		if st[r].Pairs != perRule[r] {
			t.Fatalf("rule %d: Plan says %d pairs, oracle %d", r, st[r].Pairs, perRule[r])
		}
		if st[r].CandidatePairs < st[r].Pairs || st[r].NaivePairs < st[r].CandidatePairs {
			t.Fatalf("rule %d: counts out of order: %v", r, st[r])
		}
		if st[r].NaivePairs-st[r].CandidatePairs != st[r].CappedPairsSkipped {
			t.Fatalf("rule %d: skipped %d != naive - candidate", r, st[r].CappedPairsSkipped)
		}
	}
}

// randomRules draws nr rules over n rows with keys in 1..card (0 with
// probability nullP), and random secondary keys.
func randomRules(rng *rand.Rand, n, nr int) []Rule {
	rules := make([]Rule, nr)
	for r := range rules {
		card := 1 + rng.IntN(max(1, n/2))
		keys := make([]uint64, n)
		sec := make([]uint64, n)
		nullP := rng.Float64() * 0.5
		for i := range keys {
			if rng.Float64() >= nullP {
				keys[i] = uint64(1 + rng.IntN(card))
			}
			sec[i] = uint64(rng.IntN(4)) // few values: exercises ties
		}
		rules[r] = Rule{Name: fmt.Sprint("r", r), Keys: keys}
		if rng.IntN(3) > 0 {
			rules[r].Secondary = sec
		}
	}
	return rules
}

func TestSmallCases(t *testing.T) {
	f := func(name string, keys [][]uint64, opt Options, want []Pair) {
		t.Helper()
		rules := make([]Rule, len(keys))
		for i, k := range keys {
			rules[i] = Rule{Name: fmt.Sprint(i), Keys: k}
		}
		ix, err := Build(len(keys[0]), rules, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, _ := collect(t, ix, 1)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: got %v, want %v", name, got, want)
		}
	}
	// Nulls never block together.
	f("nulls", [][]uint64{{0, 0, 0}}, Options{}, nil)
	// One block of three.
	f("triangle", [][]uint64{{7, 7, 0, 7}}, Options{}, []Pair{{0, 1, 0}, {0, 3, 0}, {1, 3, 0}})
	// The second rule repeats a pair of the first: produced once, under rule 0.
	f("dedup", [][]uint64{{5, 5, 9, 9}, {1, 1, 1, 0}}, Options{},
		[]Pair{{0, 1, 0}, {2, 3, 0}, {0, 2, 1}, {1, 2, 1}})
	// A capped block of 4 with window 1 gives a chain; rule 1 (an uncapped
	// block of 0, 1, 3) then finds the pairs the window skipped, since rule 0
	// never produced them, but not (0, 1), which rule 0 did produce.
	f("capped then recovered", [][]uint64{{3, 3, 3, 3}, {4, 4, 0, 4}}, Options{MaxBlockSize: 3, Window: 1},
		[]Pair{{0, 1, 0}, {1, 2, 0}, {2, 3, 0}, {0, 3, 1}, {1, 3, 1}})
}

func TestBuildErrors(t *testing.T) {
	f := func(n int, rules []Rule) {
		t.Helper()
		if _, err := Build(n, rules, Options{}); err == nil {
			t.Fatalf("Build(%d, %d rules) succeeded, want error", n, len(rules))
		}
	}
	f(3, nil)
	f(3, []Rule{{Keys: make([]uint64, 2)}})
	f(3, []Rule{{Keys: make([]uint64, 3), Secondary: make([]uint64, 4)}})
	f(-1, []Rule{{}})
	f(1, make([]Rule, 256))
}

func TestStats(t *testing.T) {
	// Blocks: key 1 ×5 (capped at 4, window 2), key 2 ×3, key 3 ×2, key 4 ×1.
	keys := []uint64{1, 2, 1, 3, 1, 2, 0, 1, 4, 3, 2, 1}
	ix, err := Build(len(keys), []Rule{{Name: "k", Keys: keys}}, Options{MaxBlockSize: 4, Window: 2})
	if err != nil {
		t.Fatal(err)
	}
	st, err := ix.Plan(1)
	if err != nil {
		t.Fatal(err)
	}
	s := st[0]
	want := RuleStats{Name: "k", Records: 11, Blocks: 3, Singletons: 1,
		Largest:    []BlockInfo{{1, 5}, {2, 3}, {3, 2}},
		NaivePairs: 10 + 3 + 1, CandidatePairs: 7 + 3 + 1, Pairs: 11,
		CappedBlocks: 1, CappedRecords: 5, CappedPairsSkipped: 3}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Fatalf("stats\n got %v\nwant %v", s, want)
	}
	if ix.Stats()[0].Pairs != -1 {
		t.Fatal("Stats before Plan must report Pairs = -1")
	}
}

func TestLargestKeepsTopTen(t *testing.T) {
	// Block of key k has k+1 records, k = 1..15.
	var keys []uint64
	for k := uint64(1); k <= 15; k++ {
		for i := uint64(0); i <= k; i++ {
			keys = append(keys, k)
		}
	}
	ix, err := Build(len(keys), []Rule{{Keys: keys}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	l := ix.Stats()[0].Largest
	if len(l) != 10 || l[0] != (BlockInfo{15, 16}) || l[9] != (BlockInfo{6, 7}) {
		t.Fatalf("largest = %v", l)
	}
}

func TestOracleProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 300; iter++ {
		n := 1 + rng.IntN(60)
		rules := randomRules(rng, n, 1+rng.IntN(4))
		opt := Options{MaxBlockSize: 2 + rng.IntN(8), Window: 1 + rng.IntN(4), ChunkPairs: 1 + rng.IntN(30)}
		checkAgainstOracle(t, n, rules, opt)
	}
}

func TestDeterministicAcrossWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 3000
	rules := randomRules(rng, n, 3)
	ix, err := Build(n, rules, Options{MaxBlockSize: 40, Window: 5, ChunkPairs: 500})
	if err != nil {
		t.Fatal(err)
	}
	if ix.NumChunks() < 10 {
		t.Fatalf("only %d chunks: test needs many", ix.NumChunks())
	}
	ref, _ := collect(t, ix, 1)
	for _, w := range []int{2, 3, 8} {
		got, _ := collect(t, ix, w)
		if !slices.Equal(got, ref) {
			t.Fatalf("workers=%d: different pair sequence", w)
		}
	}
	// Sorting the rules on several workers builds the same index.
	for _, w := range []int{2, 3, 8} {
		par, err := Build(n, rules, Options{MaxBlockSize: 40, Window: 5, ChunkPairs: 500, Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := collect(t, par, 2); !slices.Equal(got, ref) {
			t.Fatalf("Build with %d workers: different pair sequence", w)
		}
		if !reflect.DeepEqual(par.Stats(), ix.Stats()) {
			t.Fatalf("Build with %d workers: different stats", w)
		}
	}
	// EnumerateParallel delivers the same chunks, in some order.
	slots := make([][]Pair, ix.NumChunks())
	err = ix.EnumerateParallel(3, func(_ int, c *Chunk) error {
		slots[c.Index] = append([]Pair(nil), c.Pairs...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Concat(slots...); !slices.Equal(got, ref) {
		t.Fatal("EnumerateParallel: different pairs")
	}
}

func TestCallbackError(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	rules := randomRules(rng, 500, 2)
	ix, err := Build(500, rules, Options{ChunkPairs: 50})
	if err != nil {
		t.Fatal(err)
	}
	boom := fmt.Errorf("boom")
	for _, w := range []int{1, 4} {
		seen := 0
		err := ix.Enumerate(w, func(c *Chunk) error {
			seen++
			if c.Index == 2 {
				return boom
			}
			return nil
		})
		if err != boom || seen != 3 {
			t.Fatalf("workers=%d: err=%v after %d chunks, want boom after 3", w, err, seen)
		}
		if err := ix.Enumerate(w, func(*Chunk) error { return ErrStop }); err != nil {
			t.Fatalf("ErrStop returned %v", err)
		}
	}
	// Only chunk 3 fails, so its error is the one reported.
	err = ix.EnumerateParallel(4, func(_ int, c *Chunk) error {
		if c.Index == 3 {
			return boom
		}
		return nil
	})
	if err != boom {
		t.Fatalf("EnumerateParallel: err=%v, want boom", err)
	}
}

// TestSkewIdenticalKeys: a million records with one key (everyone named
// Nguyễn Văn Anh born 1990) give exactly the window's pairs, chunk by chunk.
func TestSkewIdenticalKeys(t *testing.T) {
	if testing.Short() {
		t.Skip("1M rows")
	}
	const n, w = 1_000_000, 20
	keys := make([]uint64, n)
	sec := make([]uint64, n)
	for i := range keys {
		keys[i] = 0xabcdef
		sec[i] = NewHasher().Uint64(uint64(i)).Sum()
	}
	ix, err := Build(n, []Rule{{Name: "name_dob", Keys: keys, Secondary: sec}}, Options{MaxBlockSize: 1000, Window: w})
	if err != nil {
		t.Fatal(err)
	}
	wantPairs := int64(w*(n-w) + w*(w-1)/2) // 19,999,790
	var total int64
	maxLen := 0
	err = ix.Enumerate(2, func(c *Chunk) error {
		total += int64(len(c.Pairs))
		maxLen = max(maxLen, len(c.Pairs))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total != wantPairs {
		t.Fatalf("got %d pairs, want %d", total, wantPairs)
	}
	if maxLen > DefaultChunkPairs {
		t.Fatalf("a chunk held %d pairs, more than the %d target", maxLen, DefaultChunkPairs)
	}
	st := ix.Stats()[0]
	if st.CappedBlocks != 1 || st.CappedRecords != n || st.CandidatePairs != wantPairs ||
		st.NaivePairs != int64(n)*(n-1)/2 || st.Largest[0].Size != n {
		t.Fatalf("stats: %v", st)
	}
}

func FuzzEnumerate(f *testing.F) {
	f.Add([]byte{3, 1, 2, 0, 1, 1, 2, 2, 0, 1, 3, 3})
	f.Add([]byte{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{0, 5, 9, 255, 0, 0, 7, 7, 7, 7, 7, 7, 7, 7, 2, 2, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 4 {
			return
		}
		nr := 1 + int(data[0]%3)
		opt := Options{MaxBlockSize: 2 + int(data[1]%6), Window: 1 + int(data[2]%3), ChunkPairs: 1 + int(data[3]%16)}
		body := data[4:]
		n := len(body) / nr
		if n == 0 || n > 200 {
			return
		}
		rules := make([]Rule, nr)
		for r := range rules {
			keys := make([]uint64, n)
			sec := make([]uint64, n)
			for i := range keys {
				b := body[r*n+i]
				keys[i] = uint64(b & 7) // 0 = null, few distinct keys
				sec[i] = uint64(b >> 5)
			}
			rules[r] = Rule{Keys: keys, Secondary: sec}
		}
		checkAgainstOracle(t, n, rules, opt)
	})
}
