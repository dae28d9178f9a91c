package store

import (
	"context"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/internal/ordered"
)

// Set is a run's records, wherever they are: in memory (Mem, the whole
// store) or on disk (Spilled, a spill file). Every stage that reads the
// records' columns reads them through it, so each is written once for
// both: a stage scans the records in batches of consecutive rows, or
// gathers the rows a list of pairs touches. The in-memory store is the
// one-partition case: its batches are views of the store and a gather is
// the store itself.
//
// The few per-record columns every stage reads by row (source, file, row,
// flags, cannot-link key) are in memory in either case: the store Mem
// holds, or the one Spilled.Finish returns.
type Set interface {
	// Len is the number of records.
	Len() int
	// Scan reads the records in batches of consecutive rows: work (may be
	// nil) runs on the workers in any order, consume (may be nil) on the
	// caller in row order; first is the batch's first row. cols (nil: all;
	// see Groups) are the column groups the pass reads: the others may be
	// empty. Neither callback may keep st past its call.
	Scan(ctx context.Context, cols []bool, work, consume func(first int, st *Store) error) error
	// Gather returns the records of rows (ascending, distinct) and the map
	// from a row to its position in them (nil: the same row). The store
	// and the map stay valid until the next Gather.
	Gather(ctx context.Context, rows []int32) (*Store, []int32, error)
	// EachPiece calls fn on pieces of pairs, in order, each with the
	// records its rows point into (as Gather returns them): as many pairs
	// a piece as the records of one partition allow.
	EachPiece(ctx context.Context, pairs []blocking.Pair, fn func(pairs []blocking.Pair, st *Store, loc []int32) error) error
	// Clusters cuts clusters (starts, rows as cluster.Result.Groups lists
	// them; rows dropped are left out) into ranges whose members one
	// partition holds, and readies each range's members.
	Clusters(ctx context.Context, starts, rows []int32, dropped []bool) (Ranges, error)
	// Remove lets go of what the set holds on disk.
	Remove() error
}

// Ranges is the members of clusters a range of clusters at a time (see
// Set.Clusters).
type Ranges interface {
	// Ends returns where the ranges end, ascending: range i holds
	// clusters [Ends()[i-1], Ends()[i]) (the first starts at 0).
	Ends() []int
	// Members returns range i's members and the map from a row to its
	// position in them (nil: the same row). Each range is read once, in
	// order.
	Members(i int) (*Store, []int32, error)
}

// Mem is the record set of records kept in memory.
type Mem struct {
	st      *Store
	workers int
}

// InMemory is the record set of st, scanned on workers goroutines.
func InMemory(st *Store, workers int) *Mem { return &Mem{st: st, workers: max(workers, 1)} }

// scanRows is the rows of one batch of an in-memory scan: a view costs
// nothing, and a batch must be small enough to keep every worker busy.
const scanRows = 1 << 16

// Len is the number of records.
func (m *Mem) Len() int { return m.st.N }

// Remove does nothing: nothing is on disk.
func (m *Mem) Remove() error { return nil }

// Scan hands out windows of the store (views: no column is copied).
func (m *Mem) Scan(ctx context.Context, _ []bool, work, consume func(first int, st *Store) error) error {
	type batch struct {
		first int
		st    *Store
	}
	next := 0
	p := ordered.Pool[int, batch]{
		Workers: m.workers,
		Work: func(_ int, first int) (batch, error) {
			b := batch{first, m.st.Window(first, min(first+scanRows, m.st.N))}
			if work != nil {
				return b, work(first, b.st)
			}
			return b, nil
		},
		Consume: func(b batch) error {
			if consume != nil {
				return consume(b.first, b.st)
			}
			return nil
		},
	}
	return p.Run(ctx, func() (int, bool, error) {
		if next >= m.st.N {
			return 0, false, nil
		}
		next += scanRows
		return next - scanRows, true, nil
	})
}

// Gather is the whole store: every row is where it is.
func (m *Mem) Gather(context.Context, []int32) (*Store, []int32, error) { return m.st, nil, nil }

// EachPiece is one piece: every pair, over the whole store.
func (m *Mem) EachPiece(_ context.Context, pairs []blocking.Pair, fn func([]blocking.Pair, *Store, []int32) error) error {
	return fn(pairs, m.st, nil)
}

// Clusters is one range of every cluster, over the whole store.
func (m *Mem) Clusters(_ context.Context, starts, _ []int32, _ []bool) (Ranges, error) {
	return whole{m.st, len(starts) - 1}, nil
}

// whole is the Ranges of one range over all clusters.
type whole struct {
	st       *Store
	clusters int
}

func (w whole) Ends() []int                          { return []int{w.clusters} }
func (w whole) Members(int) (*Store, []int32, error) { return w.st, nil, nil }
