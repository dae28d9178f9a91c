package pipeline

import (
	"context"
	"sync/atomic"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/cluster"
	"github.com/dedup-vn/dedup/internal/parallel"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/store"
)

// maxLinkage is the largest component clusterAverage re-clusters
// (cluster.MaxLinkage); a variable so that tests can send every component
// to the fallback.
var maxLinkage = cluster.MaxLinkage

// clusterInput is what the cluster stage needs besides the scorer: the
// accepted pairs, the records' stable keys, their national-ID keys (nil:
// no ID guard) and the pairwise cannot-link test (nil: none).
type clusterInput struct {
	acc      *acceptedEdges
	stable   []uint64
	ids      []uint64
	conflict func(a, b int32) cluster.Reason
}

// clusterComponents is the union-find clustering with the cannot-link
// guards (cluster.method: components), and the fallback of average
// linkage for components too large for it. keep, if not nil, limits the
// edges to those from the rows it marks (whole components).
func (r *runner) clusterComponents(in *clusterInput, keep []bool) (*cluster.Result, error) {
	cb, err := cluster.New(in.stable, in.ids, cluster.Options{Workers: r.opt.Workers})
	if err != nil {
		return nil, err
	}
	if in.conflict != nil {
		cb.SetConflict(in.conflict)
	}
	a := in.acc
	cb.Grow(len(a.left))
	for i := range a.left {
		if keep != nil && !keep[a.left[i]] {
			continue
		}
		if err := cb.Add(a.left[i], a.right[i], a.weight[i]); err != nil {
			return nil, err
		}
	}
	return cb.Finish(nil), nil
}

// components is the connected components over the accepted pairs, no
// guard: the partition the two-step clustering works on, and the unit of
// clusters.parquet's splits.
func (r *runner) components(in *clusterInput) (*cluster.Result, error) {
	cb, err := cluster.New(in.stable, nil, cluster.Options{Workers: r.opt.Workers})
	if err != nil {
		return nil, err
	}
	a := in.acc
	cb.Grow(len(a.left))
	for i := range a.left {
		if err := cb.Add(a.left[i], a.right[i], a.weight[i]); err != nil {
			return nil, err
		}
	}
	return cb.Finish(nil), nil
}

// clusterAverage is the two-step clustering (cluster.method: average):
// the connected components over the accepted pairs (comps) partition the
// records;
// each component of at most cluster.MaxLinkage records is clustered by
// reclusterComponent (average linkage over every pair of its records,
// scored here, with the cannot-link rules as forbidden pairs), the
// components in parallel; a larger one keeps the guarded union-find
// clusters. The groups are then joined into one Result.
func (r *runner) clusterAverage(ctx context.Context, sc *scorer, in *clusterInput, comps *cluster.Result) (*cluster.Result, *runfolder.LinkageStats, error) {
	starts, rows := comps.Groups()
	st := &runfolder.LinkageStats{MaxComponent: int64(maxLinkage), CannotLinkPairs: map[string]int64{}}
	// Components to re-cluster, and the fallback's rows.
	var small []int
	var keep []bool
	for c := 0; c+1 < len(starts); c++ {
		n := int(starts[c+1] - starts[c])
		if n < 2 {
			continue
		}
		st.Components++
		st.LargestComponent = max(st.LargestComponent, int64(n))
		if n <= maxLinkage {
			small = append(small, c)
			continue
		}
		st.FallbackComponents++
		if keep == nil {
			keep = make([]bool, len(in.stable))
		}
		for _, row := range rows[starts[c]:starts[c+1]] {
			keep[row] = true
		}
	}
	labels, err := r.reclusterComponents(ctx, sc, in, starts, rows, small, st)
	if err != nil {
		return nil, nil, err
	}
	out, err := cluster.New(in.stable, nil, cluster.Options{Workers: r.opt.Workers})
	if err != nil {
		return nil, nil, err
	}
	for k, c := range small {
		members := rows[starts[c]:starts[c+1]]
		groups := 0
		for i, l := range labels[k] {
			if int(l) == i {
				groups++
				continue
			}
			if err := out.Add(members[i], members[l], 0); err != nil {
				return nil, nil, err
			}
		}
		if groups > 1 {
			st.ComponentsSplit++
			st.Splits += int64(groups - 1)
		}
	}
	if keep != nil {
		fb, err := r.clusterComponents(in, keep)
		if err != nil {
			return nil, nil, err
		}
		for row, k := range keep {
			if k && fb.Rep[row] != int32(row) {
				if err := out.Add(int32(row), fb.Rep[row], 0); err != nil {
					return nil, nil, err
				}
			}
		}
		st.FallbackRejected = fb.Stats.Rejected
		for why := cluster.ReasonGivenName; why <= cluster.ReasonGender; why++ {
			st.CannotLinkPairs[why.String()] += fb.Stats.Splits[why]
		}
	}
	return out.Finish(nil), st, nil
}

// reclusterComponents scores every pair of records inside each component
// of comps (small lists their indices into starts) and clusters each with
// cluster.AverageLinkage; it returns each component's labels (indices
// into its members, which Groups lists in stable key order).
func (r *runner) reclusterComponents(ctx context.Context, sc *scorer, in *clusterInput, starts, rows []int32, small []int, st *runfolder.LinkageStats) ([][]int32, error) {
	// Every pair of every small component, components in order, pairs
	// (i, j), i < j, in row-major order.
	first := make([]int, len(small)+1)
	var pairs []blocking.Pair
	for k, c := range small {
		first[k] = len(pairs)
		m := rows[starts[c]:starts[c+1]]
		for i := range m {
			for j := i + 1; j < len(m); j++ {
				pairs = append(pairs, blocking.Pair{Left: m[i], Right: m[j]})
			}
		}
	}
	first[len(small)] = len(pairs)
	st.PairsScored = int64(len(pairs))
	weights := make([]float64, len(pairs))
	off := 0
	err := r.set.EachPiece(ctx, pairs, func(part []blocking.Pair, s *store.Store, loc []int32) error {
		cms, err := r.comparersFor(sc, s)
		if err != nil {
			return err
		}
		const span = 4096
		base := off
		parallel.For(r.opt.Workers, (len(part)+span-1)/span, func(w, c int) {
			lv, sm, tf := make([]int8, sc.width), make([]float32, sc.width), make([]float32, sc.width)
			for k := c * span; k < min(len(part), (c+1)*span); k++ {
				i, j := part[k].Left, part[k].Right
				if loc != nil {
					i, j = loc[i], loc[j]
				}
				cms[w].Compare(i, j, lv, sm, tf)
				weights[base+k] = sc.model.Weight(lv, tf)
			}
		})
		off += len(part)
		return ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	labels := make([][]int32, len(small))
	var reasons [8]atomic.Int64
	parallel.For(r.opt.Workers, len(small), func(_, k int) {
		m := rows[starts[small[k]]:starts[small[k]+1]]
		n := len(m)
		// pair index of (i, j), i < j, in the component's row-major list
		idx := func(i, j int) int { return first[k] + i*(2*n-i-1)/2 + (j - i - 1) }
		labels[k] = cluster.AverageLinkage(n,
			func(i, j int) float64 { return weights[idx(i, j)] },
			func(i, j int) bool {
				why := r.forbidden(in, m[i], m[j])
				if why != cluster.ReasonNone {
					reasons[why].Add(1)
				}
				return why != cluster.ReasonNone
			}, sc.threshold, r.cfg.Cluster.RecordMargin)
	})
	for why := cluster.ReasonNationalID; why <= cluster.ReasonGender; why++ {
		st.CannotLinkPairs[why.String()] += reasons[why].Load()
	}
	return labels, nil
}

// forbidden says why rows a and b cannot be one person: different valid
// national IDs, or a pairwise rule.
func (r *runner) forbidden(in *clusterInput, a, b int32) cluster.Reason {
	if in.ids != nil && in.ids[a] != 0 && in.ids[b] != 0 && in.ids[a] != in.ids[b] {
		return cluster.ReasonNationalID
	}
	if in.conflict != nil {
		return in.conflict(a, b)
	}
	return cluster.ReasonNone
}
