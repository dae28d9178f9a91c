package blocking

import "math"

// Sample chooses whole blocks of each rule with a fixed probability, for
// estimating a rule's pair distribution (model training) without comparing
// every pair. Blocks, not pairs, are the unit: a chosen block's pairs are
// produced as AppendChunk produces them (cross-rule duplicates left out),
// and skipping a block costs nothing, so a small sample of a huge rule is
// cheap. Which blocks are chosen depends only on their keys and Seed, never
// on the number of workers or the run order.
type Sample struct {
	// Keep is each rule's probability of keeping a block, in [0, 1].
	Keep []float64
	// Seed varies the choice.
	Seed uint64
}

// SampleForCap returns the Sample that keeps about max candidate pairs of
// every rule: rules with at most max pairs are kept whole (probability 1).
func (ix *Index) SampleForCap(max int64, seed uint64) Sample {
	s := Sample{Keep: make([]float64, len(ix.rules)), Seed: seed}
	for r := range ix.rules {
		s.Keep[r] = 1
		if c := ix.rules[r].stats.CandidatePairs; max > 0 && c > max {
			s.Keep[r] = float64(max) / float64(c)
		}
	}
	return s
}

// keeps reports whether the sample keeps the block with the given key under
// rule r.
func (s *Sample) keeps(r int, key uint64) bool {
	p := s.Keep[r]
	if p >= 1 {
		return true
	}
	if p <= 0 {
		return false
	}
	return float64(mix64(key^RuleSeed(s.Seed, r))>>11) < p*(1<<53)
}

// RuleSeed is the seed that a Sample with Seed seed uses for rule r's
// blocks. A run that builds one rule's Index at a time (rule r becomes
// rule 0 of its own Index) samples the blocks the whole Index would with
// SampleForCap(max, RuleSeed(seed, r)).
func RuleSeed(seed uint64, r int) uint64 { return seed + uint64(r)*0x9e3779b97f4a7c15 }

// mix64 is SplitMix64's finalizer: every key bit moves every output bit.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// AppendChunkSample appends the pairs of chunk c's blocks that s keeps, and
// returns them with the number of candidate pairs (before cross-rule
// de-duplication) of those blocks, for scaling the sample back to the
// rule: the kept share of a rule is the sum of those counts over all its
// chunks, against RuleStats.CandidatePairs. Safe for concurrent use with
// distinct dst.
func (ix *Index) AppendChunkSample(dst []Pair, c int, s *Sample) ([]Pair, int64) {
	ch := ix.chunks[c]
	r := int(ch.rule)
	ru := &ix.rules[r]
	var candidates int64
	if ch.o1 > 0 {
		if !s.keeps(r, ru.keys[ru.rows[ru.starts[ch.b0]]]) {
			return dst, 0
		}
		size := int(ru.starts[ch.b0+1] - ru.starts[ch.b0])
		return ix.appendBlock(dst, r, int(ch.b0), int(ch.o0), int(ch.o1)), ix.outerPairs(size, int(ch.o0), int(ch.o1))
	}
	for b := ch.b0; b < ch.b1; b++ {
		if !s.keeps(r, ru.keys[ru.rows[ru.starts[b]]]) {
			continue
		}
		size := int(ru.starts[b+1] - ru.starts[b])
		dst = ix.appendBlock(dst, r, int(b), 0, size)
		candidates += ix.outerPairs(size, 0, size)
	}
	return dst, candidates
}

// ChunkRule is the rule chunk c enumerates.
func (ix *Index) ChunkRule(c int) int { return int(ix.chunks[c].rule) }

// SampleScale is the factor that turns counts over a rule's sampled
// blocks into estimates for the whole rule: its candidate pairs (total,
// RuleStats.CandidatePairs) over those of the sampled blocks (sampled,
// summed from AppendChunkSample); 1 when every block was kept. Index.Scale
// is SampleScale for a rule of the Index; a run that no longer holds the
// rule's Index calls it with the counts it kept.
func SampleScale(total, sampled int64) float64 {
	if sampled <= 0 || total <= sampled {
		return 1
	}
	s := float64(total) / float64(sampled)
	if math.IsInf(s, 0) || math.IsNaN(s) {
		return 1
	}
	return s
}

// Scale returns, for rule r, the factor that turns counts over the sampled
// blocks (sampledCandidates, summed from AppendChunkSample) into estimates
// for the whole rule: 1 when every block was kept.
func (ix *Index) Scale(r int, sampledCandidates int64) float64 {
	return SampleScale(ix.rules[r].stats.CandidatePairs, sampledCandidates)
}
