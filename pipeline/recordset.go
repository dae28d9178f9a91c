package pipeline

import (
	"context"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/survive"
)

// recordSet is the run's records, wherever they are: in memory (memSet,
// the whole store) or on disk (spillSet, the spill file). Every stage
// that reads the records' columns reads them through it, so each is
// written once for both: a stage scans the records in batches of
// consecutive rows, or gathers the rows a list of pairs touches. The
// in-memory store is the one-partition case: its batches are views of
// the store and a gather is the store itself.
//
// The few per-record columns every stage reads by row (source, file, row,
// flags, cannot-link key) are in memory in either case (runner.st).
type recordSet interface {
	// Len is the number of records.
	Len() int
	// scan reads the records in batches of consecutive rows: work (may be
	// nil) runs on the workers in any order, consume (may be nil) on the
	// caller in row order; first is the batch's first row. cols (nil: all;
	// see spillGroups) are the column groups the pass reads: the others
	// may be empty. Neither callback may keep st past its call.
	scan(ctx context.Context, cols []bool, work, consume func(first int, st *store) error) error
	// gather returns the records of rows (ascending, distinct) and the map
	// from a row to its position in them (nil: the same row). The store
	// and the map stay valid until the next gather.
	gather(ctx context.Context, rows []int32) (*store, []int32, error)
	// eachPiece calls fn on pieces of pairs, in order, each with the
	// records its rows point into (as gather returns them): as many pairs
	// a piece as the records of one partition allow.
	eachPiece(ctx context.Context, pairs []blocking.Pair, fn func(pairs []blocking.Pair, st *store, loc []int32) error) error
	// clusterSource gives survivorship the members of the clusters
	// (starts, rows as cluster.Result.Groups lists them).
	clusterSource(ctx context.Context, starts, rows []int32, dropped []bool) (survive.Source, error)
	// remove lets go of what the set holds on disk; nil-safe.
	remove()
}

// memSet is the record set of a run that kept its records in memory.
type memSet struct {
	st      *store
	workers int
}

// scanRows is the rows of one batch of an in-memory scan: a view costs
// nothing, and a batch must be small enough to keep every worker busy.
const scanRows = 1 << 16

func (m *memSet) Len() int { return m.st.n }

func (m *memSet) remove() {}

// scan hands out windows of the store (views: no column is copied).
func (m *memSet) scan(ctx context.Context, _ []bool, work, consume func(first int, st *store) error) error {
	type batch struct {
		first int
		st    *store
	}
	next := 0
	p := orderedPool[int, batch]{
		workers: m.workers,
		work: func(_ int, first int) (batch, error) {
			b := batch{first, m.st.window(first, min(first+scanRows, m.st.n))}
			if work != nil {
				return b, work(first, b.st)
			}
			return b, nil
		},
		consume: func(b batch) error {
			if consume != nil {
				return consume(b.first, b.st)
			}
			return nil
		},
	}
	return p.run(ctx, func() (int, bool, error) {
		if next >= m.st.n {
			return 0, false, nil
		}
		next += scanRows
		return next - scanRows, true, nil
	})
}

// gather is the whole store: every row is where it is.
func (m *memSet) gather(context.Context, []int32) (*store, []int32, error) { return m.st, nil, nil }

// eachPiece is one piece: every pair, over the whole store.
func (m *memSet) eachPiece(_ context.Context, pairs []blocking.Pair, fn func([]blocking.Pair, *store, []int32) error) error {
	return fn(pairs, m.st, nil)
}

// clusterSource is the store, one range of every cluster.
func (m *memSet) clusterSource(_ context.Context, starts, _ []int32, _ []bool) (survive.Source, error) {
	return survive.Whole(survivalView(m.st), len(starts)-1), nil
}

// window is a view of rows [a, b) of s: the columns' slices over the same
// memory (a string column keeps its byte arena and slices its offsets).
// Columns let go of (releaseForOutput) stay empty.
func (s *store) window(a, b int) *store {
	str := func(c *bytesColumn) bytesColumn {
		if len(c.Offs) == 0 {
			return bytesColumn{}
		}
		return bytesColumn{Data: c.Data, Offs: c.Offs[a : b+1]}
	}
	w := &store{
		n: b - a, recordID: str(&s.recordID),
		source: sliceOf(s.source, a, b), file: sliceOf(s.file, a, b), row: sliceOf(s.row, a, b),
		flags: sliceOf(s.flags, a, b), idKey: sliceOf(s.idKey, a, b),
		fields: make([]fieldStore, len(s.fields)),
	}
	for i := range s.fields {
		f, d := &s.fields[i], &w.fields[i]
		d.name, d.kind = f.name, f.kind
		d.strs = make([]bytesColumn, len(f.strs))
		for j := range f.strs {
			d.strs[j] = str(&f.strs[j])
		}
		d.ints = make([][]int32, len(f.ints))
		for j := range f.ints {
			d.ints[j] = sliceOf(f.ints[j], a, b)
		}
		d.ts = sliceOf(f.ts, a, b)
	}
	return w
}

// sliceOf is v[a:b], or v itself when it is empty (a column let go of).
func sliceOf[T any](v []T, a, b int) []T {
	if len(v) == 0 {
		return v
	}
	return v[a:b:b]
}
