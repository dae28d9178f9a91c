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
