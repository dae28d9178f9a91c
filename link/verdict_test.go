package link

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dedup-vn/dedup/runfolder"
)

// TestDecide: each row's verdict from its best pair per person, with and
// without one_per_person.
func TestDecide(t *testing.T) {
	const threshold, margin = 0.0, 3.0
	type want struct {
		verdict string
		person  uint64
		best    int32
		others  []uint64
	}
	linked := func(p uint64, pair int32) want { return want{runfolder.VerdictLinked, p, pair, nil} }
	cases := []struct {
		name   string
		rows   int
		claims []claim
		one    bool
		want   []want
	}{
		{"no pair", 1, nil, false, []want{{runfolder.VerdictNotFound, 0, -1, nil}}},
		{"below the threshold", 1, []claim{{0, 7, -2, 0}}, false, []want{{runfolder.VerdictNotFound, 0, 0, nil}}},
		{"one person", 1, []claim{{0, 7, 5, 0}, {0, 7, 9, 1}}, false, []want{linked(7, 1)}},
		{"a lead of the margin", 1, []claim{{0, 7, 9, 0}, {0, 8, 6, 1}}, false, []want{linked(7, 0)}},
		{"within the margin", 1, []claim{{0, 7, 9, 0}, {0, 8, 6.5, 1}, {0, 9, 1, 2}}, false,
			[]want{{runfolder.VerdictAmbiguous, 0, 0, []uint64{7, 8}}}},
		{"the runner-up below the threshold", 1, []claim{{0, 7, 1, 0}, {0, 8, -0.5, 1}}, false, []want{linked(7, 0)}},
		{"two rows, one person, not one per person", 2, []claim{{0, 7, 9, 0}, {1, 7, 8, 1}}, false, []want{linked(7, 0), linked(7, 1)}},
		{"one per person: the stronger row keeps the person", 2, []claim{{0, 7, 8, 0}, {1, 7, 12, 1}, {0, 8, 4, 2}}, true,
			[]want{linked(8, 2), linked(7, 1)}},
		{"one per person: the person taken, no other", 2, []claim{{0, 7, 8, 0}, {1, 7, 12, 1}}, true,
			[]want{{runfolder.VerdictAmbiguous, 0, 0, []uint64{7}}, linked(7, 1)}},
		{"one per person: a taken rival no longer makes it ambiguous", 2, []claim{{0, 7, 9, 0}, {0, 8, 8, 1}, {1, 8, 15, 2}}, true,
			[]want{linked(7, 0), linked(8, 2)}},
		{"one per person: two free persons within the margin", 1, []claim{{0, 7, 9, 0}, {0, 8, 8, 1}}, true,
			[]want{{runfolder.VerdictAmbiguous, 0, 0, []uint64{7, 8}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := decide(c.rows, bestPerPerson(slices.Clone(c.claims)), threshold, margin, c.one)
			for r, w := range c.want {
				g := got[r]
				if g.verdict != w.verdict || g.person != w.person || g.best != w.best || !slices.Equal(g.others, w.others) {
					t.Errorf("row %d: got %+v, want %+v", r, g, w)
				}
			}
		})
	}
}

// TestDecideOrder: the verdicts do not depend on the order the pairs come
// in (the run writes them in an order of its own).
func TestDecideOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var cs []claim
	for i := range 400 {
		cs = append(cs, claim{row: int32(rng.IntN(40)), person: uint64(rng.IntN(30)), weight: float64(rng.IntN(30) - 10), pair: int32(i)})
	}
	for _, one := range []bool{false, true} {
		want := decide(40, bestPerPerson(slices.Clone(cs)), 0, 3, one)
		for range 5 {
			sh := slices.Clone(cs)
			rng.Shuffle(len(sh), func(i, j int) { sh[i], sh[j] = sh[j], sh[i] })
			got := decide(40, bestPerPerson(sh), 0, 3, one)
			for r := range want {
				// The deciding pair may be another of equal weight with the
				// same person; the verdict and the person may not differ.
				if got[r].verdict != want[r].verdict || got[r].person != want[r].person || !slices.Equal(got[r].others, want[r].others) {
					t.Fatalf("one_per_person %v row %d: %+v, then %+v", one, r, want[r], got[r])
				}
			}
		}
	}
}

// TestKeySet: the set answers as a map does, for keys in and out.
func TestKeySet(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{0, 1, 15, 1000, 70000} {
		keys := make([]uint64, n)
		in := map[uint64]bool{}
		for i := range keys {
			// Keys sharing their low bits, and some zeros (no key).
			keys[i] = uint64(rng.IntN(n+1)) << 20
			in[keys[i]] = keys[i] != 0
		}
		s := newKeySet(keys)
		for k, want := range in {
			if s.has(k) != want && k != 0 {
				t.Fatalf("n=%d: has(%x) = %v", n, k, !want)
			}
		}
		for range 1000 {
			k := rng.Uint64() | 1
			if s.has(k) != in[k] {
				t.Fatalf("n=%d: has(%x) = %v, want %v", n, k, s.has(k), in[k])
			}
		}
	}
}
