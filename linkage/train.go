package linkage

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"unsafe"

	"github.com/dedup-vn/dedup/internal/parallel"
)

// Pair is a candidate pair of row numbers.
type Pair struct{ I, J int32 }

// RandomPairs appends to dst count pairs of distinct rows drawn uniformly
// from [0, n) with I < J, from a PCG generator seeded with seed: the same
// arguments give the same pairs.
func RandomPairs(dst []Pair, n, count int, seed uint64) []Pair {
	if n < 2 {
		return dst
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
		dst = append(dst, Pair{i, j})
	}
	return dst
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

// EstimateU samples pairs random pairs of distinct rows among records with
// the given seed, computes their vectors with vec on workers goroutines (vec
// gets the worker's index, from 0, and must write only that worker's
// state), and sets u from them (see SetU). The pairs, and so u, depend on
// the seed only, never on workers.
func (m *Model) EstimateU(records, pairs int, seed uint64, workers int, vec func(w int, i, j int32, levels []int8)) error {
	if records < 2 {
		return errors.New("linkage: fewer than 2 records: no random pairs to estimate u from")
	}
	workers = max(workers, 1)
	seeds := uChunkSeeds(pairs, seed)
	hists := make([]*Histogram, workers)
	levels := make([][]int8, workers)
	bufs := make([][]Pair, workers)
	for w := range workers {
		hists[w] = NewHistogram(len(m.Comparisons))
		levels[w] = make([]int8, len(m.Comparisons))
		bufs[w] = make([]Pair, 0, uChunk)
	}
	parallel.For(workers, len(seeds), func(w, c int) {
		n := min(uChunk, pairs-c*uChunk)
		bufs[w] = RandomPairs(bufs[w][:0], records, n, seeds[c])
		for _, p := range bufs[w] {
			vec(w, p.I, p.J, levels[w])
			hists[w].Add(levels[w])
		}
	})
	for _, o := range hists[1:] {
		hists[0].Merge(o)
	}
	return m.SetU(hists[0], seed, records)
}

// uChunk is how many random pairs EstimateU draws from one seed.
const uChunk = 1 << 16

// uChunkSeeds draws every chunk's seed up front, in order, so that a
// chunk's pairs do not depend on which worker draws them.
func uChunkSeeds(pairs int, seed uint64) []uint64 {
	rng := rand.New(rand.NewPCG(seed, 0x5851f42d4c957f2d))
	seeds := make([]uint64, (pairs+uChunk-1)/uChunk)
	for c := range seeds {
		seeds[c] = rng.Uint64()
	}
	return seeds
}

// EachUPair calls fn on every random pair EstimateU(records, pairs, seed,
// ...) compares, in a fixed order: a caller whose records are not all in
// memory reads the ones these pairs need first.
func EachUPair(records, pairs int, seed uint64, fn func(i, j int32)) {
	var buf []Pair
	for c, s := range uChunkSeeds(pairs, seed) {
		buf = RandomPairs(buf[:0], records, min(uChunk, pairs-c*uChunk), s)
		for _, p := range buf {
			fn(p.I, p.J)
		}
	}
}

// EMOptions tune TrainEM; zero values take the defaults.
type EMOptions struct {
	MaxIterations int     // default 100
	Tolerance     float64 // stop when no parameter moves more than this; default 1e-6
	// EstimateU lets EM re-estimate u too; by default u stays as SetU
	// left it, as Splink does, which keeps EM from drifting to a split
	// of the pairs that is not match/non-match.
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
