package cluster

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAverageLinkage(t *testing.T) {
	type pw struct {
		i, j int
		w    float64
	}
	for _, tc := range []struct {
		name   string
		n      int
		pairs  []pw // unlisted pairs weigh -20
		forbid [][2]int
		margin float64
		want   []int32
	}{
		{"singleton", 1, nil, nil, 0, []int32{0}},
		{"one pair above", 2, []pw{{0, 1, 3}}, nil, 0, []int32{0, 0}},
		{"one pair below", 2, []pw{{0, 1, -1}}, nil, 0, []int32{0, 1}},
		{"at the threshold merges", 2, []pw{{0, 1, 0}}, nil, 0, []int32{0, 0}},
		{"forbidden pair", 2, []pw{{0, 1, 30}}, [][2]int{{0, 1}}, 0, []int32{0, 1}},
		// A chain 0–1–2–3: strong pairs 0–1 and 2–3, one weak link 1–2;
		// components would make one cluster.
		{"weak chain split", 4, []pw{{0, 1, 20}, {2, 3, 20}, {1, 2, 1}}, nil, 0, []int32{0, 0, 2, 2}},
		// A person's third record weakly matches one of the other two and
		// strongly the other: the mean keeps it.
		{"third record kept", 3, []pw{{0, 1, 20}, {0, 2, 15}, {1, 2, -5}}, nil, 0, []int32{0, 0, 0}},
		// A forbidden pair blocks its groups' merge even when the mean is high.
		{"forbidden across groups", 3, []pw{{0, 1, 20}, {0, 2, 20}, {1, 2, 20}}, [][2]int{{1, 2}}, 0, []int32{0, 0, 2}},
		// A namesake's weak links to both records of a sure pair: plain
		// average linkage takes it in, the margin asks a third record for
		// more evidence.
		{"weak third record, no margin", 3, []pw{{0, 1, 30}, {0, 2, 1.5}, {1, 2, 1.5}}, nil, 0, []int32{0, 0, 0}},
		{"weak third record, margin", 3, []pw{{0, 1, 30}, {0, 2, 1.5}, {1, 2, 1.5}}, nil, 2, []int32{0, 0, 2}},
		{"strong third record, margin", 3, []pw{{0, 1, 30}, {0, 2, 3}, {1, 2, 1}}, nil, 2, []int32{0, 0, 0}},
		{"a pair needs no margin", 2, []pw{{0, 1, 0.5}}, nil, 2, []int32{0, 0}},
		// The margin prefers the merge with the most weight to spare: 2–3
		// pair up before 0–1 takes 2 in.
		{"margin orders merges", 4, []pw{{0, 1, 30}, {0, 2, 6}, {1, 2, 6}, {2, 3, 5}}, nil, 2, []int32{0, 0, 2, 2}},
	} {
		w := map[[2]int]float64{}
		for _, p := range tc.pairs {
			w[[2]int{p.i, p.j}] = p.w
		}
		weight := func(i, j int) float64 {
			if v, ok := w[[2]int{i, j}]; ok {
				return v
			}
			return -20
		}
		forbid := func(i, j int) bool { return slices.Contains(tc.forbid, [2]int{i, j}) }
		if got := AverageLinkage(tc.n, weight, forbid, 0, tc.margin); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestAverageLinkageProperties: groups never hold a forbidden pair, every
// group's mean internal weight is at or above the threshold, and labels
// name the group's smallest index.
func TestAverageLinkageProperties(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 3))
		n := 1 + r.IntN(20)
		w := make([]float64, n*n)
		f := make([]bool, n*n)
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				w[i*n+j] = float64(r.IntN(41) - 20)
				f[i*n+j] = r.IntN(10) == 0
			}
		}
		margin := float64(r.IntN(3))
		label := AverageLinkage(n, func(i, j int) float64 { return w[i*n+j] }, func(i, j int) bool { return f[i*n+j] }, 2, margin)
		for g := range n {
			var members []int
			for i, l := range label {
				if int(l) == g {
					members = append(members, i)
				}
			}
			if len(members) == 0 {
				continue
			}
			if members[0] != g {
				t.Fatalf("seed %d: group %d's smallest member is %d", seed, g, members[0])
			}
			// Merging is by group means: each merge joined two groups whose
			// mean was ≥ threshold, so the internal mean of the merged group
			// is too (a weighted mean of means ≥ threshold).
			total, cnt := 0.0, 0
			for a := 0; a < len(members); a++ {
				for b := a + 1; b < len(members); b++ {
					if f[members[a]*n+members[b]] {
						t.Fatalf("seed %d: forbidden pair %d-%d in one group", seed, members[a], members[b])
					}
					total += w[members[a]*n+members[b]]
					cnt++
				}
			}
			if cnt > 0 && total/float64(cnt) < 2 {
				t.Fatalf("seed %d: group %v mean %v below the threshold", seed, members, total/float64(cnt))
			}
		}
	}
}
