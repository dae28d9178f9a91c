package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/radix"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/store"
)

// Reject reasons the pipeline adds to the readers' row-level ones.
const (
	ReasonMissingRecordID   = "missing_record_id"
	ReasonDuplicateRecordID = "duplicate_record_id"
	ReasonAllFieldsEmpty    = "all_fields_empty"
)

// rawBatch is one input batch handed to a normalize worker.
type rawBatch struct {
	file, source int
	rec          arrow.RecordBatch // retained; released by the worker
	rows         []int64           // 1-based data row of each batch row
}

// normBatch is a normalized batch: a small store plus its rejects.
type normBatch struct {
	st      *store.Store
	rejects []rejectRow
	spill   []byte // the batch encoded for the spill file, once the run spills
}

// rejectRow is one row of rejects.parquet.
type rejectRow struct {
	source, file int
	row          int64
	column       string
	reason       string
}

// worker holds one normalize goroutine's scratch.
type worker struct {
	// rows is the row normalizer of each source, made on its first batch:
	// sources differ in their columns and date order.
	rows  []*normalize.RowNormalizer
	cells [][]byte // the current row's cells, by plan column
	buf   []byte
	store *store.Store
	// spillRaw is scratch for encoding a batch for the spill file.
	spillRaw []byte
}

// newWorker returns a worker for cfg's fields laid out by each source's
// plan.
func newWorker(cfg *config.Config, plans []columnPlan) *worker {
	n := 0
	for _, p := range plans {
		n = max(n, len(p.columns))
	}
	return &worker{rows: make([]*normalize.RowNormalizer, len(plans)), cells: make([][]byte, n)}
}

// normalizer is the row normalizer of source src.
func (w *worker) normalizer(cfg *config.Config, plans []columnPlan, src int) *normalize.RowNormalizer {
	if w.rows[src] == nil {
		w.rows[src] = normalize.NewRowNormalizer(plans[src].rowFields(cfg, src), normalize.Options{RefYear: cfg.ReferenceYear})
	}
	return w.rows[src]
}

// columnPlan maps config fields to the projected input columns of one
// source.
type columnPlan struct {
	columns []string // projected columns; 0 is the record id
	fields  [][]int  // per config field, indexes into columns
}

// planColumns is the column plan of every source.
func planColumns(cfg *config.Config) []columnPlan {
	plans := make([]columnPlan, len(cfg.Sources))
	for i := range plans {
		plans[i] = planSource(cfg, i)
	}
	return plans
}

// planSource is the column plan of source src: its own column names where
// it maps a field (config.Source.Columns), else the field's.
func planSource(cfg *config.Config, src int) columnPlan {
	recordID, fields := cfg.SourceColumns(src)
	p := columnPlan{columns: []string{recordID}}
	index := map[string]int{recordID: 0}
	for _, cols := range fields {
		var idx []int
		for _, c := range cols {
			i, ok := index[c]
			if !ok {
				i = len(p.columns)
				index[c] = i
				p.columns = append(p.columns, c)
			}
			idx = append(idx, i)
		}
		p.fields = append(p.fields, idx)
	}
	return p
}

// rowFields is cfg's fields as the row normalizer reads them from the
// projected columns of source src.
func (p columnPlan) rowFields(cfg *config.Config, src int) []normalize.Field {
	out := make([]normalize.Field, len(cfg.Fields))
	for i := range cfg.Fields {
		out[i] = cfg.SourceRowField(src, i, p.fields[i])
	}
	return out
}

// load reads every input file, normalizes it on the worker pool and
// appends the records, in input order, to one store. Row-level faults go
// to the rejects sink; a file that cannot be read at all is an error.
func (r *runner) load(ctx context.Context) error {
	plans := planColumns(r.cfg)
	// Batches are kept as they come and joined at the end into columns of
	// their exact size: appending to one growing store peaked at twice the
	// records' bytes.
	var chunks []*store.Store
	var loaded, storeBytes int64
	overBudget := false
	workers := make([]*worker, r.opt.Workers)
	for i := range workers {
		workers[i] = newWorker(r.cfg, plans)
	}
	var reader *dataio.Reader
	var fileWarnings []string // the readers' (numeric columns, encodings)
	fileIdx := -1
	nextFile := func() error {
		for {
			if reader != nil {
				if err := reader.Err(); err != nil {
					return err
				}
				// nextFile runs on the pool's reading goroutine: the
				// warnings go to the manifest after the pool is done.
				fileWarnings = append(fileWarnings, reader.Warnings()...)
				// Rejected rows were read too: rows in counts both.
				r.inputs[fileIdx].Rows = reader.RowsRead() + reader.RowsRejected()
				reader.Close()
				reader = nil
			}
			fileIdx++
			if fileIdx >= len(r.files) {
				return nil
			}
			f := r.files[fileIdx]
			fi := fileIdx
			rd, err := dataio.Open(f.path, dataio.ReadOptions{
				Columns:   plans[f.source].columns,
				AsStrings: true,
				BatchSize: r.opt.BatchSize,
				Delimiter: r.cfg.Sources[f.source].DelimiterRune(),
				Encoding:  r.cfg.Sources[f.source].Encoding,
				OnReject: func(rj dataio.Reject) {
					r.addReject(rejectRow{source: f.source, file: fi, row: rj.Row, column: rj.Column, reason: rj.Reason})
				},
			})
			if err != nil {
				return err
			}
			reader = rd
			return nil
		}
	}
	if err := nextFile(); err != nil {
		return err
	}
	// A register too big for the machine stops here with a clear error
	// instead of being killed by the kernel later, hours in.
	physical := physicalMemory()
	if memoryOverride > 0 {
		physical = memoryOverride
	}
	ceiling := physical * storeCeilingPercent / 100
	if r.opt.Spill == SpillAlways {
		if err := r.startSpill(nil); err != nil {
			return err
		}
	}
	pool := orderedPool[rawBatch, normBatch]{
		workers: r.opt.Workers,
		work: func(w int, in rawBatch) (normBatch, error) {
			defer in.rec.Release()
			out, err := workers[w].normalizeBatch(r.cfg, plans, in)
			if err == nil && r.spilling.Load() {
				out.spill, workers[w].spillRaw = store.EncodeBatch(out.st, workers[w].spillRaw)
			}
			return out, err
		},
		consume: func(out normBatch) error {
			for _, rj := range out.rejects {
				r.addReject(rj)
			}
			// Auto spills before the store passes its share of the budget
			// or of the machine.
			if next := storeBytes + out.st.MemBytes(); r.spill == nil && r.opt.Spill != SpillNever &&
				(r.opt.Spill == SpillAlways || next > r.opt.MemoryLimit*spillPercent/100 || ceiling > 0 && next > ceiling) {
				if err := r.startSpill(chunks); err != nil {
					return err
				}
				chunks = nil
			}
			loaded += int64(out.st.N)
			if r.spill != nil {
				if err := r.spill.AppendBatch(out.st, out.spill); err != nil {
					return err
				}
				r.progress.Add(int64(out.st.N + len(out.rejects)))
				return nil
			}
			chunks = append(chunks, out.st)
			storeBytes += out.st.MemBytes()
			if !overBudget && storeBytes > r.opt.MemoryLimit {
				// The heap limit now sits under the live data: the
				// collector runs without pause and loading slows to about
				// half (seen at 100M records with the default budget).
				overBudget = true
				r.warnf("after %d records the record store holds %d MiB, more than the %d MiB memory budget: "+
					"the run goes on above the budget and slower; give it more with --memory (up to about half "+
					"the machine) or split the input", loaded, storeBytes>>20, r.opt.MemoryLimit>>20)
			}
			if ceiling > 0 && storeBytes > ceiling && r.opt.Spill == SpillNever {
				return fmt.Errorf("the register does not fit in memory: after %d records the record store holds %d MiB, "+
					"more than %d%% of the machine's %d MiB, and the later stages need as much again; "+
					"and --spill never forbids spilling to disk: split the input (for example by province) or use a larger machine",
					loaded, storeBytes>>20, storeCeilingPercent, physical>>20)
			}
			r.progress.Add(int64(out.st.N + len(out.rejects)))
			return nil
		},
	}
	err := pool.run(ctx, func() (rawBatch, bool, error) {
		for reader != nil {
			if reader.Next() {
				rec := reader.Batch()
				rec.Retain()
				rows := make([]int64, rec.NumRows())
				for i := range rows {
					rows[i] = reader.Row(i) + 1 // 1-based, as rejects name rows
				}
				return rawBatch{file: fileIdx, source: r.files[fileIdx].source, rec: rec, rows: rows}, true, nil
			}
			if err := nextFile(); err != nil {
				return rawBatch{}, false, err
			}
		}
		return rawBatch{}, false, nil
	})
	if reader != nil {
		reader.Close()
	}
	if err != nil {
		return err
	}
	for _, w := range fileWarnings {
		r.warnf("%s", w)
	}
	// The record set: the spill file, or the store joined in memory.
	if r.spill != nil {
		err = r.finishSpill()
		r.set = r.spill
	} else {
		r.st, err = store.Concat(r.schema, chunks)
		r.set = store.InMemory(r.st, r.opt.Workers)
	}
	if err != nil {
		return err
	}
	chunks = nil
	for i := range r.inputs {
		r.rowsIn += r.inputs[i].Rows
	}
	return r.markDuplicateIDs(ctx)
}

// normalizeBatch normalizes one batch in the worker's scratch store and
// returns an exact-size copy of it.
func (w *worker) normalizeBatch(cfg *config.Config, plans []columnPlan, in rawBatch) (normBatch, error) {
	n := int(in.rec.NumRows())
	plan := plans[in.source]
	rows := w.normalizer(cfg, plans, in.source)
	if w.store == nil {
		w.store = store.New(store.SchemaOf(cfg.Fields), n)
	}
	st := w.store
	st.Reset()
	out := normBatch{}
	// Each cell is a view of its column's value bytes: no copy (a []byte
	// conversion of Value allocated one per cell, stored in w.cells, 0.9 s
	// of a 1M run). The views live while in.rec does, and nothing writes
	// through them (Values copies what it keeps).
	cols := make([]*array.String, len(plan.columns))
	data := make([][]byte, len(plan.columns))
	offs := make([][]int32, len(plan.columns))
	for i := range cols {
		c, ok := in.rec.Column(i).(*array.String)
		if !ok {
			return out, fmt.Errorf("BUG: column %s is %s, want string", plan.columns[i], in.rec.Column(i).DataType())
		}
		cols[i], data[i], offs[i] = c, c.ValueBytes(), c.ValueOffsets()
	}
	for row := 0; row < n; row++ {
		for c, col := range cols {
			w.cells[c] = nil
			if !col.IsNull(row) {
				o := offs[c]
				from, to := o[row]-o[0], o[row+1]-o[0]
				w.cells[c] = data[c][from:to:to]
			}
		}
		id := bytes.TrimSpace(w.cells[0])
		if len(id) == 0 {
			out.rejects = append(out.rejects, rejectRow{source: in.source, file: in.file, row: in.rows[row], column: plan.columns[0], reason: ReasonMissingRecordID})
			continue
		}
		vals := rows.Values(w.cells)
		if allEmpty(vals) {
			out.rejects = append(out.rejects, rejectRow{source: in.source, file: in.file, row: in.rows[row], reason: ReasonAllFieldsEmpty})
			continue
		}
		var err error
		if w.buf, err = st.AppendRecord(id, uint16(in.source), uint16(in.file), in.rows[row], rows.Row(vals), w.buf); err != nil {
			return out, err
		}
	}
	// The batch's own copy, exact in size: the scratch store is reused.
	var err error
	out.st, err = st.Compact()
	return out, err
}

// allEmpty reports whether every field value of a row is empty: the row
// is rejected (ReasonAllFieldsEmpty).
func allEmpty(vals [][]byte) bool {
	for _, v := range vals {
		if len(v) > 0 {
			return false
		}
	}
	return true
}

// markDuplicateIDs sets r.dropped and rejects the second and later rows
// with the same (source, record_id): a duplicate id would make the outputs
// ambiguous. Rows are sorted by the hash of both; the ids of the rows that
// share a hash are gathered to compare them.
func (r *runner) markDuplicateIDs(ctx context.Context) error {
	keys := make([]uint64, r.set.Len())
	if err := r.set.Scan(ctx, store.Groups(r.schema, true), func(first int, st *store.Store) error {
		for i := 0; i < st.N; i++ {
			keys[first+i] = duplicateKey(st.Source[i], st.RecordID.Get(int32(i)))
		}
		return nil
	}, nil); err != nil {
		return err
	}
	return r.markDuplicates(keys, func(rows []int32) (func(int32) []byte, error) {
		sub, loc, err := r.set.Gather(ctx, rows)
		if err != nil {
			return nil, err
		}
		return func(row int32) []byte { return sub.RecordID.Get(position(loc, row)) }, nil
	})
}

// position is row's position in records gathered with loc (nil: row).
func position(loc []int32, row int32) int32 {
	if loc == nil {
		return row
	}
	return loc[row]
}

// duplicateKey is the hash markDuplicates sorts records by.
func duplicateKey(source uint16, id []byte) uint64 {
	return blocking.NewHasher().Uint64(uint64(source)).Bytes(id).Sum()
}

// markDuplicates sets r.dropped and rejects the later rows of every
// (source, record id) seen twice. keys are the rows' duplicateKey; ids
// returns the record ids of the rows that share a key with another.
func (r *runner) markDuplicates(keys []uint64, ids func(rows []int32) (func(int32) []byte, error)) error {
	st := r.st
	entries := make([]blocking.Entry, len(keys))
	for i, k := range keys {
		entries[i] = blocking.Entry{Key: k, Row: int32(i)}
	}
	entries = radix.Sort(entries, make([]blocking.Entry, len(entries)))
	r.dropped = make([]bool, len(keys))
	var shared []int32
	for i := 1; i < len(entries); i++ {
		if entries[i].Key == entries[i-1].Key {
			shared = append(shared, entries[i-1].Row, entries[i].Row)
		}
	}
	if len(shared) == 0 {
		return nil
	}
	slices.Sort(shared)
	idOf, err := ids(slices.Compact(shared))
	if err != nil {
		return err
	}
	for i := 1; i < len(entries); i++ {
		a, b := entries[i-1], entries[i]
		if a.Key != b.Key || !bytes.Equal(idOf(a.Row), idOf(b.Row)) || st.Source[a.Row] != st.Source[b.Row] {
			continue
		}
		// Sorting is stable, so b is the later row: it goes.
		r.dropped[b.Row] = true
		r.addReject(rejectRow{source: int(st.Source[b.Row]), file: int(st.File[b.Row]), row: st.Row[b.Row], column: r.recordIDColumn(int(st.Source[b.Row])), reason: ReasonDuplicateRecordID})
		entries[i] = a // keep comparing against the first of the run
	}
	return nil
}

// recordIDColumn is the record id column of source src.
func (r *runner) recordIDColumn(src int) string {
	id, _ := r.cfg.SourceColumns(src)
	return id
}
