package linkage

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"unsafe"
)

// TrainingData is what [Train] estimates a model from: comparison vectors
// counted in histograms, and the value counts of identifiers.
type TrainingData struct {
	// Random holds the vectors of the random pairs (see [EachUPair]),
	// nearly all non-matches: u. Seed and Records, the records they were
	// drawn from, are recorded in Model.Training.
	Random  *Histogram
	Seed    uint64
	Records int
	// Rules are the training rules' samples, in the config's order: m.
	Rules []RuleSample
	// Candidates are the full vectors of the blocked pairs, a histogram
	// per blocking rule with the rule's scale: λ. Scaled counts are
	// summed in the order given, so the order is part of the result.
	Candidates []ScaledHistogram
	// AllPairs is the number of record pairs the run could compare (every
	// pair, or only pairs across sources when linking): λ is a share of
	// them.
	AllPairs float64
	// Identifiers are, by comparison, the value counts of its field for
	// the comparisons whose kind is an identifier ([Kind.Identifier]); nil
	// (or a short slice) leaves u of a comparison as the random pairs
	// gave it.
	Identifiers []*ValueCounts
	// TFMin floors a term-frequency u (Model.TFMin).
	TFMin float64
	// EM tunes the EM of every training rule.
	EM EMOptions
}

// RuleSample is one training rule's comparison vectors: its pairs, or a
// sample of its blocks, with the comparisons over the rule's own fields
// set to null (Masked; see [Histogram.AddMasked]).
type RuleSample struct {
	Name    string // reported in errors
	Vectors *Histogram
	Masked  []bool  // by comparison
	Scale   float64 // the rule's pairs over those counted (blocking.SampleScale)
}

// ScaledHistogram is a histogram whose every count stands for Scale pairs.
type ScaledHistogram struct {
	*Histogram
	Scale float64
}

// ValueCounts sums, over the distinct values of an identifier, the records
// holding each: how many records have a value, and how many ordered pairs
// of them agree on it.
type ValueCounts struct {
	records, agreeing float64
}

// Add counts one distinct value held by records records. The sums are
// floating point: add the values in an order that does not depend on the
// run (by hash, say).
func (v *ValueCounts) Add(records int) {
	c := float64(records)
	v.records += c
	v.agreeing += c * (c - 1)
}

// Identifier reports whether a value of kind k all but identifies a
// person (a national ID, a phone), so that two different persons rarely
// share it: u of its exact level is computed from value counts.
func (k Kind) Identifier() bool { return k == KindID || k == KindPhone }

// Train estimates a model for the comparisons c from d:
//
//   - u from the random pairs' vectors ([Model.SetU]);
//   - m by EM per training rule ([Model.TrainEM] on a clone of the model),
//     the rule's own comparisons left out; per level one pseudo
//     observation against the rule's expected number of matches; each m
//     the mean over the rules that could estimate it, a comparison every
//     rule masks keeping its starting m;
//   - λ, the probability that two random records match, by fixed point
//     over the blocked pairs' vectors with m and u fixed;
//   - u of the exact level of identifiers from the value counts, less the
//     matches' share, and λ again; two rounds settle both.
//
// The EM iterations of all rules are recorded in Model.Training.
func Train(c *Compiled, d *TrainingData) (*Model, error) {
	m := NewModel(c)
	m.TFMin = d.TFMin
	if err := m.SetU(d.Random, d.Seed, d.Records); err != nil {
		return nil, err
	}
	iterations, err := m.trainM(d.Rules, d.EM)
	if err != nil {
		return nil, err
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	cand := weightVectors(d.Candidates)
	m.fixLambda(cand, d.AllPairs)
	for range 2 {
		if err := m.identifierU(c, d.Identifiers); err != nil {
			return nil, err
		}
		m.fixLambda(cand, d.AllPairs)
	}
	m.Training.EMIterations = iterations
	return m, m.validate()
}

// trainM sets m to the mean over the training rules of what EM on each
// rule's sample estimates (see Train), and returns the EM iterations run.
//
// m is trained per rule, as Splink does: inside a rule's blocks the
// non-matches agree on the rule's own fields far more often than random
// pairs, so those comparisons would look like evidence of a match and
// drive EM to call every blocked pair a match; they are null in the
// rule's vectors and the rule does not estimate their m.
func (m *Model) trainM(rules []RuleSample, opts EMOptions) (int, error) {
	sumM := make([][]float64, len(m.Comparisons))
	nM := make([]int, len(m.Comparisons))
	for k := range sumM {
		sumM[k] = make([]float64, len(m.Comparisons[k].Levels))
	}
	iterations := 0
	var total int64
	for _, rs := range rules {
		h := rs.Vectors
		total += h.Total()
		if h.Total() == 0 {
			continue
		}
		mr := m.Clone()
		if err := mr.TrainEM(h, opts); err != nil {
			return 0, fmt.Errorf("training on rule %s: %w", rs.Name, err)
		}
		iterations += mr.Training.EMIterations
		// A level EM never saw among the matches gets m = 0 and a weight
		// of -20 or worse: one near miss would veto any pair. One pseudo
		// observation per level, against the rule's expected number of
		// matches, keeps such levels strong evidence but not a veto.
		matches := mr.Lambda * float64(h.Total()) * rs.Scale
		for c := range sumM {
			if c < len(rs.Masked) && rs.Masked[c] {
				continue
			}
			levels := float64(len(sumM[c]))
			for l := range sumM[c] {
				sumM[c][l] += (mr.Comparisons[c].Levels[l].M*matches + 1) / (matches + levels)
			}
			nM[c]++
		}
	}
	if total == 0 {
		// No pairs to learn m from: a register without duplicates, or
		// training rules that match nothing. m keeps NewModel's starting
		// values (rising with the level), u and λ are still estimated,
		// and the model says so; the caller warns.
		m.Training.MUntrained = true
		m.prepare()
		return 0, nil
	}
	for c := range sumM {
		if nM[c] == 0 {
			continue // every rule blocks on it: keep the starting m
		}
		for l := range sumM[c] {
			m.Comparisons[c].Levels[l].M = sumM[c][l] / float64(nM[c])
		}
	}
	m.prepare()
	return iterations, nil
}

// weightedVectors are distinct comparison vectors, sorted, each with the
// estimated number of blocked pairs that have it.
type weightedVectors struct {
	vectors [][]int8
	counts  []float64
	total   float64
}

// weightVectors sums the scaled counts of each distinct vector of hs, in
// the order of hs, and sorts the vectors so that the float sums over them
// (total, and those of fixLambda) do not depend on the order pairs
// arrived in.
func weightVectors(hs []ScaledHistogram) *weightedVectors {
	counts := map[string]float64{}
	for _, h := range hs {
		for v := 0; v < h.Len(); v++ {
			counts[string(levelsKey(h.Vector(v)))] += float64(h.Count(v)) * h.Scale
		}
	}
	out := &weightedVectors{}
	for k := range counts {
		v := make([]int8, len(k))
		for i := range v {
			v[i] = int8(k[i])
		}
		out.vectors = append(out.vectors, v)
	}
	slices.SortFunc(out.vectors, slices.Compare)
	for _, v := range out.vectors {
		c := counts[string(levelsKey(v))]
		out.counts = append(out.counts, c)
		out.total += c
	}
	return out
}

// fixLambda sets the prior with m and u fixed: λ is the probability that
// two random records match, because the Bayes factors use u from random
// pairs, so the posterior is prior odds over all pairs times those
// factors. The expected number of matches among the blocked pairs (whose
// vectors are in h), over the number of all record pairs, gives λ; the
// posteriors depend on λ, so it is found by fixed-point iteration. Matches
// that no blocking rule finds are not counted, which biases λ down by the
// blocking recall, a small error next to treating the blocked pairs as
// the population.
func (m *Model) fixLambda(h *weightedVectors, allPairs float64) {
	m.prepare()                             // weights from the new m and u
	sums := make([]float64, len(h.vectors)) // Σ log2(m/u) of each distinct vector, in sorted order
	counts := h.counts
	for i, v := range h.vectors {
		for k, l := range v {
			sums[i] += m.LevelWeight(k, l)
		}
	}
	lambda := min(0.5*h.total/allPairs, 0.5)
	for range 500 {
		prior := math.Log2(lambda / (1 - lambda))
		var matches float64
		for i, w := range sums {
			matches += counts[i] * Probability(prior+w)
		}
		next := min(max(matches/allPairs, 1e-15), 0.5)
		done := math.Abs(next-lambda) <= 1e-6*lambda
		lambda = next
		if done {
			break
		}
	}
	m.Lambda = lambda
	m.prepare()
}

// identifierU sets u of the exact level of every identifier comparison
// with value counts to the rate at which two records of different persons
// agree on the value: P(agree) over all pairs with a value, Σ c(c-1) /
// n(n-1) from the value counts, less λ·m (the matching pairs), and at
// least one pair's worth. u of an identifier sampled from random pairs is
// mostly the true matches among them: 2M samples cannot see how rarely
// two different people share a number. The "else" level takes up the
// difference so u sums to 1.
func (m *Model) identifierU(c *Compiled, counts []*ValueCounts) error {
	for k, vc := range counts {
		if vc == nil {
			continue
		}
		if kind := c.Spec(k).Kind; !kind.Identifier() {
			return fmt.Errorf("linkage: value counts for comparison %s of kind %s, not an identifier", c.Spec(k).Name, kind)
		}
		n := vc.records
		if n < 2 {
			continue
		}
		levels := m.Comparisons[k].Levels
		top := len(levels) - 1
		lambda := m.Lambda
		u := max((vc.agreeing/(n*(n-1))-lambda*levels[top].M)/(1-lambda), 2/(n*(n-1)))
		// The exact and "else" levels share what they had, so u still sums
		// to 1 (on tiny inputs the formula can exceed it).
		pool := levels[0].U + levels[top].U
		u = min(u, pool/2)
		levels[0].U, levels[top].U = pool-u, u
	}
	return nil
}

// Histogram counts distinct comparison vectors, so that training on
// millions of pairs costs only as much as their few thousand patterns. Fill
// one per worker and Merge them; the order of adding does not change the
// result.
type Histogram struct {
	width  int
	index  map[string]int32
	keys   []int8 // vector v is keys[v*width:(v+1)*width]
	counts []int64
	total  int64
}

// NewHistogram returns an empty histogram of vectors of width comparisons.
func NewHistogram(width int) *Histogram {
	return &Histogram{width: width, index: make(map[string]int32)}
}

func levelsKey(levels []int8) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(levels))), len(levels))
}

// Add counts one vector; it allocates only for a vector not seen before.
func (h *Histogram) Add(levels []int8) { h.AddN(levels, 1) }

// AddN counts a vector n times.
func (h *Histogram) AddN(levels []int8, n int64) {
	levels = levels[:h.width]
	v, ok := h.index[string(levelsKey(levels))]
	if !ok {
		v = int32(len(h.counts))
		h.index[string(levelsKey(levels))] = v
		h.keys = append(h.keys, levels...)
		h.counts = append(h.counts, 0)
	}
	h.counts[v] += n
	h.total += n
}

// AddMasked counts levels with the comparisons masked[k] set to [Null]
// (those a training rule blocks on); it overwrites levels. A nil mask
// masks nothing.
func (h *Histogram) AddMasked(levels []int8, masked []bool) {
	for k, m := range masked {
		if m {
			levels[k] = Null
		}
	}
	h.AddN(levels, 1)
}

// Merge adds the counts of o.
func (h *Histogram) Merge(o *Histogram) {
	for v := range o.counts {
		h.AddN(o.Vector(v), o.counts[v])
	}
}

// Len returns the number of distinct vectors.
func (h *Histogram) Len() int { return len(h.counts) }

// Total returns the number of vectors added.
func (h *Histogram) Total() int64 { return h.total }

// Vector returns distinct vector v (in order of first addition).
func (h *Histogram) Vector(v int) []int8 { return h.keys[v*h.width : (v+1)*h.width] }

// Count returns the count of distinct vector v.
func (h *Histogram) Count(v int) int64 { return h.counts[v] }

// sorted returns the vector indexes in lexicographic order of the vectors,
// so that floating-point sums do not depend on the order pairs arrived in.
func (h *Histogram) sorted() []int {
	idx := make([]int, h.Len())
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return bytes.Compare(levelsKey(h.Vector(a)), levelsKey(h.Vector(b))) })
	return idx
}

// uPseudoCount is added to every level's count when estimating u, so that a
// level never seen among random pairs gets a small u rather than 0.
const uPseudoCount = 0.5

// SetU sets u from the comparison vectors of random pairs (almost all
// non-matches): u of a level is its share among the non-null levels of its
// comparison, with a pseudo-count of 0.5.
func (m *Model) SetU(h *Histogram, seed uint64, records int) error {
	if h.width != len(m.Comparisons) {
		return fmt.Errorf("linkage: histogram has %d comparisons; model has %d", h.width, len(m.Comparisons))
	}
	if h.total == 0 {
		return errors.New("linkage: no random pairs to estimate u from")
	}
	for k := range m.Comparisons {
		lv := m.Comparisons[k].Levels
		counts := make([]float64, len(lv))
		for _, v := range h.sorted() {
			if l := h.Vector(v)[k]; l >= 0 && int(l) < len(lv) {
				counts[l] += float64(h.counts[v])
			}
		}
		sum := 0.0
		for l := range counts {
			counts[l] += uPseudoCount
			sum += counts[l]
		}
		for l := range lv {
			lv[l].U = counts[l] / sum
		}
	}
	m.Training.Seed = seed
	m.Training.URecords = records
	m.Training.UPairs = h.total
	m.prepare()
	return nil
}

// uChunk is how many random pairs EachUPair draws from one seed.
const uChunk = 1 << 16

// uChunkSeeds draws every chunk's seed up front, in order, so that a
// chunk's pairs could be drawn by any worker and still be the same.
func uChunkSeeds(pairs int, seed uint64) []uint64 {
	rng := rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d))
	seeds := make([]uint64, (pairs+uChunk-1)/uChunk)
	for c := range seeds {
		seeds[c] = rng.Uint64()
	}
	return seeds
}

// EachUPair calls fn on pairs random pairs (i < j) of distinct rows among
// records, in a fixed order that depends only on the arguments: the pairs
// whose comparison vectors give u ([Model.SetU], [TrainingData.Random]).
// Nothing is called when records < 2.
func EachUPair(records, pairs int, seed uint64, fn func(i, j int32)) {
	for c, s := range uChunkSeeds(pairs, seed) {
		randomPairs(records, min(uChunk, pairs-c*uChunk), s, fn)
	}
}

// randomPairs calls fn on count pairs of distinct rows drawn uniformly
// from [0, n) with i < j, from a PCG generator seeded with seed.
func randomPairs(n, count int, seed uint64, fn func(i, j int32)) {
	if n < 2 {
		return
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	for range count {
		i := rng.Int32N(int32(n))
		j := rng.Int32N(int32(n - 1))
		if j >= i {
			j++ // uniform over rows other than i
		} else {
			i, j = j, i
		}
		fn(i, j)
	}
}

// EMOptions tune TrainEM; zero values take the defaults.
type EMOptions struct {
	MaxIterations int     // default 100
	Tolerance     float64 // stop when no parameter moves more than this; default 1e-6
	// EstimateU lets EM re-estimate u too; without it u stays as SetU
	// left it, as Splink does. Train keeps only m of a rule's EM either
	// way; a run sets it unless model.em_fix_u is true, because inside a
	// training rule's blocks the non-matches are not random pairs.
	EstimateU bool
}

// TrainEM estimates m (and λ, and u when asked) by expectation-maximisation
// over the comparison vectors of the blocked pairs, given as a histogram.
// Each iteration costs one pass over the distinct vectors. Null levels are
// left out of both the likelihood and the updates of their comparison.
func (m *Model) TrainEM(h *Histogram, opts EMOptions) error {
	if h.width != len(m.Comparisons) {
		return fmt.Errorf("linkage: histogram has %d comparisons; model has %d", h.width, len(m.Comparisons))
	}
	if h.total == 0 {
		return errors.New("linkage: no blocked pairs to train m on")
	}
	if opts.MaxIterations <= 0 {
		opts.MaxIterations = 100
	}
	if opts.Tolerance <= 0 {
		opts.Tolerance = 1e-6
	}
	order := h.sorted()
	K := len(m.Comparisons)
	// Flat per-comparison offsets into the m, u and accumulator arrays.
	off := make([]int, K+1)
	for k, mc := range m.Comparisons {
		off[k+1] = off[k] + len(mc.Levels)
	}
	pm := make([]float64, off[K])
	pu := make([]float64, off[K])
	for k, mc := range m.Comparisons {
		for l, lv := range mc.Levels {
			pm[off[k]+l], pu[off[k]+l] = lv.M, lv.U
		}
	}
	accM := make([]float64, off[K])
	accU := make([]float64, off[K])
	lambda := min(max(m.Lambda, 1e-6), 1-1e-6)
	iter, change := 0, math.Inf(1)
	for iter < opts.MaxIterations && change > opts.Tolerance {
		iter++
		clear(accM)
		clear(accU)
		matches, total := 0.0, 0.0
		for _, v := range order {
			vec := h.Vector(v)
			n := float64(h.counts[v])
			lm, lu := lambda, 1-lambda
			for k, l := range vec {
				if l < 0 || int(l) >= off[k+1]-off[k] {
					continue
				}
				lm *= pm[off[k]+int(l)]
				lu *= pu[off[k]+int(l)]
			}
			p := 0.0
			if lm+lu > 0 {
				p = lm / (lm + lu)
			}
			matches += n * p
			total += n
			for k, l := range vec {
				if l < 0 || int(l) >= off[k+1]-off[k] {
					continue
				}
				accM[off[k]+int(l)] += n * p
				accU[off[k]+int(l)] += n * (1 - p)
			}
		}
		newLambda := min(max(matches/total, 1e-9), 1-1e-9)
		change = math.Abs(newLambda - lambda)
		lambda = newLambda
		for k := range K {
			change = max(change, normalizeInto(pm[off[k]:off[k+1]], accM[off[k]:off[k+1]]))
			if opts.EstimateU {
				change = max(change, normalizeInto(pu[off[k]:off[k+1]], accU[off[k]:off[k+1]]))
			}
		}
	}
	for k := range m.Comparisons {
		for l := range m.Comparisons[k].Levels {
			m.Comparisons[k].Levels[l].M = pm[off[k]+l]
			m.Comparisons[k].Levels[l].U = pu[off[k]+l]
		}
	}
	m.Lambda = lambda
	m.Training.EMPairs = h.total
	m.Training.DistinctVectors = h.Len()
	m.Training.EMIterations = iter
	m.Training.EMConverged = change <= opts.Tolerance
	m.Training.EMMaxChange = change
	m.Training.EMTolerance = opts.Tolerance
	m.Training.UFromEM = opts.EstimateU
	m.prepare()
	return nil
}

// normalizeInto sets p to acc normalised to sum 1 (leaving p alone when acc
// is all zero: the comparison was null in every pair) and returns the
// largest change.
func normalizeInto(p, acc []float64) float64 {
	sum := 0.0
	for _, a := range acc {
		sum += a
	}
	if sum <= 0 {
		return 0
	}
	change := 0.0
	for l, a := range acc {
		v := a / sum
		change = max(change, math.Abs(v-p[l]))
		p[l] = v
	}
	return change
}
