package store

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/internal/ordered"
	"github.com/dedup-vn/dedup/internal/strcol"
)

// Spilled is the record set of records kept on disk (see Set): the
// records in a spill file, in load order, read back a batch at a time.
// The few columns every stage reads by row stay in memory: Finish returns
// them as a store whose field columns are empty (source, file, row, flags,
// cannot-link key).
//
// Besides the Set, a spilled set routes records to partitions
// (Route) for the stages that cut their work by partition (a blocking
// rule's blocks, a range of clusters). Loc maps a row to its position in
// the records read back last (Gather, a loaded partition).
type Spilled struct {
	schema  Schema
	workers int
	budget  int64 // the run's memory budget
	dir     *Dir
	records *File
	first   []int    // first row of each batch of records
	n       int      // records so far
	thin    []*Store // per batch: the in-memory columns, joined by Finish
	loc     []int32
	// maxRows is how many records one partition holds.
	maxRows int
}

// Spill starts a spilled record set in a new private folder under parent
// (see NewDir): batches of schema's records are appended to it
// (AppendBatch) until Finish. workers decode batches; budget (bytes) is
// the memory a pass may use, which sizes the partitions.
func Spill(parent string, schema Schema, workers int, budget int64) (*Spilled, error) {
	dir, err := NewDir(parent)
	if err != nil {
		return nil, err
	}
	sp := &Spilled{schema: schema, workers: max(workers, 1), budget: budget, dir: dir}
	if sp.records, err = dir.Create("records"); err != nil {
		dir.Remove()
		return nil, err
	}
	return sp, nil
}

// Path is the set's folder on disk.
func (sp *Spilled) Path() string { return sp.dir.path }

// Len is the number of records.
func (sp *Spilled) Len() int { return sp.n }

// Remove deletes the set's folder; nil-safe.
func (sp *Spilled) Remove() error {
	if sp == nil {
		return nil
	}
	return sp.dir.Remove()
}

// AppendBatch writes one batch of records to disk and keeps its small
// columns; enc is the batch as EncodeBatch left it (on a load worker), or
// nil.
func (sp *Spilled) AppendBatch(st *Store, enc []byte) error {
	if enc == nil {
		enc, _ = EncodeBatch(st, nil)
	}
	sp.first = append(sp.first, sp.n)
	sp.n += st.N
	if err := sp.records.AppendEncoded(enc, st.N); err != nil {
		return err
	}
	thin := New(sp.schema, 0)
	thin.N, thin.Source, thin.File, thin.Row, thin.Flags, thin.IDKey = st.N, st.Source, st.File, st.Row, st.Flags, st.IDKey
	thin.RecordID = strcol.Column{Offs: make([]uint32, 1)}
	sp.thin = append(sp.thin, thin)
	return nil
}

// Finish makes the records appended readable and returns the columns
// kept in memory, as one store. A partition holds partitionRows records,
// or (0) what a tenth of the budget holds of records as they were loaded.
func (sp *Spilled) Finish(partitionRows int) (*Store, error) {
	if err := sp.records.Flush(); err != nil {
		return nil, err
	}
	st, err := Concat(sp.schema, sp.thin)
	if err != nil {
		return nil, err
	}
	sp.thin = nil
	sp.loc = make([]int32, st.N)
	// Their size in memory is known from the file.
	perRecord := max(int64(256), sp.storeBytesEstimate()/int64(max(st.N, 1)))
	sp.maxRows = int(max(sp.budget/10/perRecord, 1024))
	if partitionRows > 0 {
		sp.maxRows = partitionRows
	}
	return st, nil
}

// PartitionRows is how many records one partition holds.
func (sp *Spilled) PartitionRows() int { return sp.maxRows }

// RecordBytes is the size of the records on disk.
func (sp *Spilled) RecordBytes() int64 { return sp.records.size }

// Loc maps a row to its position in the records read back last (Gather,
// Partition.Load).
func (sp *Spilled) Loc() []int32 { return sp.loc }

// storeBytesEstimate is the in-memory size of the spilled records, from a
// sample batch.
func (sp *Spilled) storeBytesEstimate() int64 {
	if len(sp.first) == 0 {
		return 0
	}
	st, _, err := sp.records.Read(sp.schema, 0, nil, nil)
	if err != nil || st.N == 0 {
		return 0
	}
	return st.MemBytes() * int64(sp.n) / int64(st.N)
}

// Scan reads the spilled records batch by batch, decoded on the workers.
func (sp *Spilled) Scan(ctx context.Context, cols []bool, work, consume func(first int, st *Store) error) error {
	return scanBatches(ctx, sp, nil, cols, func(first int, st *Store) (struct{}, error) {
		if work != nil {
			return struct{}{}, work(first, st)
		}
		return struct{}{}, nil
	}, func(first int, st *Store, _ struct{}) error {
		if consume != nil {
			return consume(first, st)
		}
		return nil
	})
}

// scanBatches is Scan whose work hands a value of its own to consume;
// need (may be nil) skips batches whose rows are not needed.
func scanBatches[T any](ctx context.Context, sp *Spilled, need func(first, rows int) bool, cols []bool, work func(first int, st *Store) (T, error), consume func(first int, st *Store, v T) error) error {
	f := sp.records
	bufs := make([][]byte, sp.workers)
	type item struct {
		first int
		st    *Store
		v     T
	}
	next := 0
	p := ordered.Pool[int, item]{
		Workers: sp.workers,
		Work: func(w, b int) (item, error) {
			st, buf, err := f.Read(sp.schema, b, bufs[w], cols)
			bufs[w] = buf
			if err != nil {
				return item{}, err
			}
			v, err := work(sp.first[b], st)
			return item{sp.first[b], st, v}, err
		},
		Consume: func(it item) error {
			err := consume(it.first, it.st, it.v)
			Recycle(it.st)
			return err
		},
	}
	return p.Run(ctx, func() (int, bool, error) {
		for next < len(f.rows) && need != nil && !need(sp.first[next], f.rows[next]) {
			next++
		}
		if next >= len(f.rows) {
			return 0, false, nil
		}
		next++
		return next - 1, true, nil
	})
}

// Gather reads the given rows (ascending, distinct) back into a new store,
// in that order, and points Loc of each at its position there.
func (sp *Spilled) Gather(ctx context.Context, rows []int32) (*Store, []int32, error) {
	span := func(first, n int) (int, int) {
		lo := sort.Search(len(rows), func(i int) bool { return rows[i] >= int32(first) })
		hi := sort.Search(len(rows), func(i int) bool { return rows[i] >= int32(first+n) })
		return lo, hi
	}
	var parts []*Store
	err := scanBatches(ctx, sp, func(first, n int) bool {
		lo, hi := span(first, n)
		return hi > lo
	}, nil, func(first int, st *Store) (*Store, error) {
		// The copy is made on the worker; the caller only collects.
		lo, hi := span(first, st.N)
		sel := make([]int32, 0, hi-lo)
		for _, g := range rows[lo:hi] {
			sel = append(sel, g-int32(first))
		}
		part := New(sp.schema, 0)
		return part, part.AppendRows(st, sel)
	}, func(_ int, _ *Store, part *Store) error {
		parts = append(parts, part)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	out, err := Concat(sp.schema, parts)
	if err != nil {
		return nil, nil, err
	}
	for i, g := range rows {
		sp.loc[g] = int32(i)
	}
	return out, sp.loc, nil
}

// EachPiece cuts pairs into pieces whose rows number at most a
// partition's and gathers each piece's records back.
func (sp *Spilled) EachPiece(ctx context.Context, pairs []blocking.Pair, fn func([]blocking.Pair, *Store, []int32) error) error {
	seen := map[int32]struct{}{}
	var rows []int32
	for start := 0; start < len(pairs); {
		clear(seen)
		end := start
		for end < len(pairs) {
			p := pairs[end]
			_, l := seen[p.Left]
			_, rr := seen[p.Right]
			grow := 0
			if !l {
				grow++
			}
			if !rr && p.Right != p.Left {
				grow++
			}
			if end > start && len(seen)+grow > sp.maxRows {
				break
			}
			seen[p.Left], seen[p.Right] = struct{}{}, struct{}{}
			end++
		}
		rows = rows[:0]
		for row := range seen {
			rows = append(rows, row)
		}
		slices.Sort(rows)
		sub, loc, err := sp.Gather(ctx, rows)
		if err != nil {
			return err
		}
		if err := fn(pairs[start:end], sub, loc); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// Clusters cuts the clusters into ranges of at most a partition's
// records and routes each range's members to its own partition in one
// pass over the records.
func (sp *Spilled) Clusters(ctx context.Context, starts, rows []int32, dropped []bool) (Ranges, error) {
	clusters := len(starts) - 1
	s := &spilledRanges{}
	partOf := make([]uint16, sp.n)
	for c0 := 0; c0 < clusters; {
		c1 := c0 + 1
		for c1 < clusters && int(starts[c1+1]-starts[c0]) <= sp.maxRows {
			c1++
		}
		s.ends = append(s.ends, c1)
		if len(s.ends) >= 1<<16-1 {
			return nil, fmt.Errorf("the golden records need more than %d partitions: give the run more memory", 1<<16-2)
		}
		for _, row := range rows[starts[c0]:starts[c1]] {
			if !dropped[row] {
				partOf[row] = uint16(len(s.ends))
			}
		}
		c0 = c1
	}
	var err error
	s.parts, err = sp.Route(ctx, partOf, len(s.ends))
	return s, err
}

// spilledRanges is the Ranges of a spilled set: range i's members are
// routed partition i.
type spilledRanges struct {
	ends  []int
	parts []*Partition
}

func (s *spilledRanges) Ends() []int { return s.ends }

func (s *spilledRanges) Members(i int) (*Store, []int32, error) {
	p := s.parts[i]
	s.parts[i] = nil
	return p.Load()
}

// Partition collects one partition's records during a routing pass
// (Route): in memory up to a flush size, then in its own spill file.
type Partition struct {
	sp    *Spilled
	rows  []int32  // global rows, ascending
	parts []*Store // in memory, in row order
	bytes int64    // of parts
	file  *File
}

// Bytes is the size of the partition's spill file (0: none, it stayed in
// memory).
func (p *Partition) Bytes() int64 {
	if p.file == nil {
		return 0
	}
	return p.file.size
}

// Route reads the records once and hands each record with a non-zero
// partOf to partition partOf-1, of parts. With one partition nothing is
// written: it stays in memory (partitions are cut to fit).
func (sp *Spilled) Route(ctx context.Context, partOf []uint16, parts int) ([]*Partition, error) {
	out := make([]*Partition, parts)
	for p := range out {
		out[p] = &Partition{sp: sp}
	}
	// The routing buffers together take at most a tenth of the budget.
	flushBytes := min(max(sp.budget/10/int64(parts), 1<<20), 32<<20)
	type routed struct {
		part  int
		rows  []int32
		store *Store
	}
	return out, scanBatches(ctx, sp, func(first, n int) bool {
		for _, p := range partOf[first : first+n] {
			if p != 0 {
				return true
			}
		}
		return false
	}, nil, func(first int, st *Store) ([]routed, error) {
		// Selecting and copying is done on the worker.
		var sel [][]int32
		var order []int
		for i, p := range partOf[first : first+st.N] {
			if p == 0 {
				continue
			}
			for len(sel) < int(p) {
				sel = append(sel, nil)
			}
			if sel[p-1] == nil {
				order = append(order, int(p-1))
			}
			sel[p-1] = append(sel[p-1], int32(i))
		}
		slices.Sort(order)
		res := make([]routed, 0, len(order))
		for _, p := range order {
			part := New(sp.schema, 0)
			if err := part.AppendRows(st, sel[p]); err != nil {
				return nil, err
			}
			rows := make([]int32, len(sel[p]))
			for k, i := range sel[p] {
				rows[k] = int32(first) + i
			}
			res = append(res, routed{p, rows, part})
		}
		return res, nil
	}, func(_ int, _ *Store, res []routed) error {
		for _, rt := range res {
			rp := out[rt.part]
			rp.rows = append(rp.rows, rt.rows...)
			rp.parts = append(rp.parts, rt.store)
			rp.bytes += rt.store.MemBytes()
			if parts > 1 && rp.bytes > flushBytes {
				if err := rp.flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// flush writes the records collected in memory to the partition's file.
func (p *Partition) flush() error {
	if p.file == nil {
		var err error
		if p.file, err = p.sp.dir.Create("partition"); err != nil {
			return err
		}
	}
	st, err := Concat(p.sp.schema, p.parts)
	if err != nil {
		return err
	}
	p.parts, p.bytes = nil, 0
	return p.file.Append(st)
}

// Load reads the partition back into one store, deletes its file, and
// points Loc of its rows at their positions; it returns the store and
// Loc.
func (p *Partition) Load() (*Store, []int32, error) {
	sp := p.sp
	chunks := []*Store{}
	if p.file != nil {
		if err := p.file.Flush(); err != nil {
			return nil, nil, err
		}
		var buf []byte
		for b := range p.file.rows {
			st, nb, err := p.file.Read(sp.schema, b, buf, nil)
			if err != nil {
				return nil, nil, err
			}
			buf = nb
			chunks = append(chunks, st)
		}
		p.file.Remove()
	}
	chunks = append(chunks, p.parts...)
	p.parts = nil
	st, err := Concat(sp.schema, chunks)
	if err != nil {
		return nil, nil, err
	}
	for i, g := range p.rows {
		sp.loc[g] = int32(i)
	}
	return st, sp.loc, nil
}
