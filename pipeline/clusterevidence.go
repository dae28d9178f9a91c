package pipeline

import (
	"math"
	"slices"

	"github.com/dedup-vn/dedup/cluster"
)

// clusterEvidence is what clusters.parquet says of each cluster of two
// records or more (by its representative, ascending) and of each
// connected component of accepted pairs that was split.
type clusterEvidence struct {
	reps    []int32   // representatives of the clusters of two records or more
	pairs   []int32   // accepted pairs inside each
	weakest []float32 // their lowest weight
	comps   *cluster.Result
	splits  map[int32]int32 // component representative → clusters beyond one
}

// buildClusterEvidence counts the accepted pairs inside the clusters of
// res and the clusters each component of comps (union-find over the same
// pairs, no guard) became.
func buildClusterEvidence(res, comps *cluster.Result, acc *acceptedEdges) *clusterEvidence {
	e := &clusterEvidence{comps: comps, splits: map[int32]int32{}}
	for row, rep := range res.Rep {
		if rep == int32(row) && res.Size(rep) > 1 {
			e.reps = append(e.reps, rep)
		}
	}
	e.pairs = make([]int32, len(e.reps))
	e.weakest = make([]float32, len(e.reps))
	for k := range e.weakest {
		e.weakest[k] = float32(math.Inf(1))
	}
	for i := range acc.left {
		rep := res.Rep[acc.left[i]]
		if rep != res.Rep[acc.right[i]] {
			continue
		}
		k, _ := slices.BinarySearch(e.reps, rep)
		e.pairs[k]++
		e.weakest[k] = min(e.weakest[k], float32(acc.weight[i]))
	}
	// Each final cluster's representative counts once in its component.
	for row, rep := range res.Rep {
		if rep == int32(row) && comps.Size(rep) > 1 {
			e.splits[comps.Rep[row]]++
		}
	}
	for c, n := range e.splits {
		if n <= 1 {
			delete(e.splits, c)
		} else {
			e.splits[c] = n - 1
		}
	}
	return e
}

// of returns row's cluster's density and weakest link (ok false for a
// singleton) and its component's splits.
func (e *clusterEvidence) of(res *cluster.Result, row int32) (density, weakest float32, ok bool, splits int32) {
	splits = e.splits[e.comps.Rep[row]]
	size := res.Size(row)
	if size < 2 {
		return 0, 0, false, splits
	}
	k, _ := slices.BinarySearch(e.reps, res.Rep[row])
	all := float64(size) * float64(size-1) / 2
	w := e.weakest[k]
	if e.pairs[k] == 0 {
		w = float32(math.NaN()) // cannot happen: a cluster is held by accepted pairs
	}
	return float32(float64(e.pairs[k]) / all), w, true, splits
}

// totals returns the manifest's sums: splits over the components, and
// clusters whose density is below 1.
func (e *clusterEvidence) totals(res *cluster.Result) (splits, sparse int64) {
	for _, n := range e.splits {
		splits += int64(n)
	}
	for k, rep := range e.reps {
		n := int64(res.Size(rep))
		if int64(e.pairs[k]) < n*(n-1)/2 {
			sparse++
		}
	}
	return splits, sparse
}
