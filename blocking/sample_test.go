package blocking

import (
	"math/rand/v2"
	"testing"
)

// TestSampleKeepsWholeBlocks checks the block sample against full
// enumeration: keeping everything gives exactly AppendChunk's pairs and
// the rule's candidate count; keeping a share gives a subset made of whole
// blocks (every pair of a kept block, none of another), the same subset for
// the same seed, about the asked share, and a Scale that turns the kept
// candidates back into the rule's total.
func TestSampleKeepsWholeBlocks(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	n := 20000
	rules := randomRules(rng, n, 3)
	ix, err := Build(n, rules, Options{MaxBlockSize: 40, Window: 5, ChunkPairs: 700})
	if err != nil {
		t.Fatal(err)
	}
	stats := ix.Stats()
	all := Sample{Keep: []float64{1, 1, 1}}
	for c := 0; c < ix.NumChunks(); c++ {
		want := ix.AppendChunk(nil, c)
		got, _ := ix.AppendChunkSample(nil, c, &all)
		if len(got) != len(want) {
			t.Fatalf("chunk %d: keep-all sample has %d pairs, chunk %d", c, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("chunk %d pair %d differs", c, i)
			}
		}
	}
	half := Sample{Keep: []float64{0.3, 0.3, 0.3}, Seed: 7}
	sampled := make([]int64, 3)
	for c := 0; c < ix.NumChunks(); c++ {
		r := ix.ChunkRule(c)
		full := ix.AppendChunk(nil, c)
		got, cand := ix.AppendChunkSample(nil, c, &half)
		again, cand2 := ix.AppendChunkSample(nil, c, &half)
		if len(again) != len(got) || cand2 != cand {
			t.Fatalf("chunk %d: same sample, different result", c)
		}
		sampled[r] += cand
		// Whole blocks: a pair is kept exactly when its block key is.
		keys := rules[r].Keys
		kept := 0
		for _, p := range full {
			if half.keeps(r, keys[p.Left]) {
				if kept >= len(got) || got[kept] != p {
					t.Fatalf("chunk %d: pair (%d,%d) of a kept block missing or out of order", c, p.Left, p.Right)
				}
				kept++
			}
		}
		if kept != len(got) {
			t.Fatalf("chunk %d: %d pairs outside kept blocks", c, len(got)-kept)
		}
	}
	for r := range sampled {
		share := float64(sampled[r]) / float64(stats[r].CandidatePairs)
		if share < 0.2 || share > 0.4 {
			t.Fatalf("rule %d: kept %.2f of candidates, asked 0.3", r, share)
		}
		est := ix.Scale(r, sampled[r]) * float64(sampled[r])
		if d := est - float64(stats[r].CandidatePairs); d > 0.5 || d < -0.5 {
			t.Fatalf("rule %d: scaled estimate %.1f, total %d", r, est, stats[r].CandidatePairs)
		}
	}
	if s := ix.SampleForCap(stats[0].CandidatePairs/2, 1); s.Keep[0] < 0.49 || s.Keep[0] > 0.51 {
		t.Fatalf("SampleForCap: keep %.3f, want 0.5", s.Keep[0])
	}
	if s := ix.SampleForCap(stats[0].CandidatePairs, 1); s.Keep[0] != 1 {
		t.Fatalf("SampleForCap at the rule's size: keep %.3f, want 1", s.Keep[0])
	}
}

// TestOneRuleAtATime checks what blocking exports for a run that builds
// one rule's Index at a time: a single-rule Index sampled with RuleSeed
// keeps the blocks the whole Index keeps of that rule, SampleScale is
// Index.Scale, and Produces over the earlier rules' keys and
// CappedPositions drops exactly the pairs the whole Index leaves out.
func TestOneRuleAtATime(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 13))
		n := 5000
		rules := randomRules(rng, n, 3)
		if seed == 5 {
			// Rule 0's few huge blocks are capped; rules 1 and 2 pair rows
			// that share one of them, mostly outside its window.
			for i := range n {
				rules[0].Keys[i] = uint64(1 + i%3)
				rules[1].Keys[i] = uint64(1 + i%300)
				rules[2].Keys[i] = uint64(1 + rng.IntN(400))
			}
		}
		opt := Options{MaxBlockSize: 40, Window: 5, ChunkPairs: 700}
		ix, err := Build(n, rules, opt)
		if err != nil {
			t.Fatal(err)
		}
		whole := Sample{Keep: []float64{0.3, 0.3, 0.3}, Seed: 7}
		wholeKept := make([]int64, len(rules))
		wholePairs := make([]map[Pair]bool, len(rules))
		for r := range wholePairs {
			wholePairs[r] = map[Pair]bool{}
		}
		for c := 0; c < ix.NumChunks(); c++ {
			r := ix.ChunkRule(c)
			_, kept := ix.AppendChunkSample(nil, c, &whole)
			wholeKept[r] += kept
			for _, p := range ix.AppendChunk(nil, c) {
				wholePairs[r][p] = true
			}
		}
		capped := make([]map[int32]int32, len(rules))
		for r, rule := range rules {
			single, err := Build(n, []Rule{rule}, opt)
			if err != nil {
				t.Fatal(err)
			}
			s := Sample{Keep: []float64{0.3}, Seed: RuleSeed(whole.Seed, r)}
			var kept int64
			var produced int
			for c := 0; c < single.NumChunks(); c++ {
				_, k := single.AppendChunkSample(nil, c, &s)
				kept += k
				for _, p := range single.AppendChunk(nil, c) {
					earlier := false
					for j := 0; j < r; j++ {
						ki, kj := rules[j].Keys[p.Left], rules[j].Keys[p.Right]
						pi, pj := int32(NotCapped), int32(NotCapped)
						if q, ok := capped[j][p.Left]; ok && ki == kj {
							pi, pj = q, capped[j][p.Right]
						}
						earlier = earlier || Produces(ki, kj, pi, pj, single.Window())
					}
					p.Rule = uint8(r)
					if earlier == wholePairs[r][p] {
						t.Fatalf("seed %d rule %d pair (%d,%d): earlier %v, but the whole Index has it: %v", seed, r, p.Left, p.Right, earlier, wholePairs[r][p])
					}
					if !earlier {
						produced++
					}
				}
			}
			if produced != len(wholePairs[r]) {
				t.Fatalf("seed %d rule %d: %d pairs left, the whole Index has %d", seed, r, produced, len(wholePairs[r]))
			}
			if kept != wholeKept[r] {
				t.Fatalf("seed %d rule %d: one-rule sample kept %d candidates, the whole Index %d", seed, r, kept, wholeKept[r])
			}
			if got, want := SampleScale(single.Stats()[0].CandidatePairs, kept), ix.Scale(r, wholeKept[r]); got != want {
				t.Fatalf("seed %d rule %d: SampleScale %v, Index.Scale %v", seed, r, got, want)
			}
			capped[r] = map[int32]int32{}
			single.CappedPositions(0, func(row, pos int32) { capped[r][row] = pos })
		}
	}
}

func TestProduces(t *testing.T) {
	for _, c := range []struct {
		ki, kj uint64
		pi, pj int32
		want   bool
	}{
		{0, 0, NotCapped, NotCapped, false}, // no key
		{3, 4, NotCapped, NotCapped, false}, // different keys
		{3, 3, NotCapped, NotCapped, true},  // same uncapped block
		{3, 3, 10, 15, true},                // capped, within the window
		{3, 3, 15, 10, true},
		{3, 3, 10, 16, false}, // capped, outside the window: left to later rules
		{0, 0, 10, 11, false},
	} {
		if got := Produces(c.ki, c.kj, c.pi, c.pj, 5); got != c.want {
			t.Errorf("Produces(%d, %d, %d, %d, 5) = %v; want %v", c.ki, c.kj, c.pi, c.pj, got, c.want)
		}
	}
	if SampleScale(100, 0) != 1 || SampleScale(100, 100) != 1 || SampleScale(100, 25) != 4 {
		t.Error("SampleScale: want 1 with nothing or everything sampled, total/sampled otherwise")
	}
}
