package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/radix"
	"github.com/dedup-vn/dedup/normalize"
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
	st      *store
	rejects []rejectRow
	spill   *spilledBatch // set once the run spills
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
	norm    *normalize.Normalizer
	addr    *normalize.AddressParser
	refYear int
	buf     []byte
	join    []byte
	date    []byte // a date value in day-first order
	store   *store
	// spillRaw is scratch for encoding a batch for the spill file.
	spillRaw []byte
	// rowEncoding is the legacy encoding found in the current row's
	// addresses: a row is typed in one system, so it decides a name that
	// reads plausibly either way (VNI "Hoà" is Hồ).
	rowEncoding normalize.Encoding
}

// columnPlan maps config fields to the projected input columns.
type columnPlan struct {
	columns []string // projected columns; 0 is the record id
	fields  [][]int  // per config field, indexes into columns
	// order is the order fields are normalized in: addresses first, so
	// that their legacy encoding can inform the names.
	order []int
}

func planColumns(cfg *config.Config) columnPlan {
	p := columnPlan{columns: []string{cfg.RecordID}}
	index := map[string]int{cfg.RecordID: 0}
	for _, f := range cfg.Fields {
		var idx []int
		for _, c := range f.Columns {
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
	for pass := 0; pass < 2; pass++ {
		for i, f := range cfg.Fields {
			if (f.Kind == config.KindVNAddress) == (pass == 0) {
				p.order = append(p.order, i)
			}
		}
	}
	return p
}

// appendField appends a field's raw value to dst: its input cells (cell
// returns one trimmed, nil when null) joined with one space. The caller
// trims the result.
func appendField(dst []byte, cols []int, cell func(col int) []byte) []byte {
	for k, c := range cols {
		if k > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, cell(c)...)
	}
	return dst
}

// load reads every input file, normalizes it on the worker pool and
// appends the records, in input order, to one store. Row-level faults go
// to the rejects sink; a file that cannot be read at all is an error.
func (r *runner) load(ctx context.Context) error {
	plan := planColumns(r.cfg)
	// Batches are kept as they come and joined at the end into columns of
	// their exact size: appending to one growing store peaked at twice the
	// records' bytes.
	var chunks []*store
	var loaded, storeBytes int64
	overBudget := false
	workers := make([]*worker, r.opt.Workers)
	for i := range workers {
		workers[i] = &worker{
			norm:    normalize.New(normalize.Options{RefYear: r.cfg.ReferenceYear}),
			addr:    normalize.NewAddressParser(),
			refYear: r.cfg.ReferenceYear,
		}
	}
	var reader *dataio.Reader
	fileIdx := -1
	nextFile := func() error {
		for {
			if reader != nil {
				if err := reader.Err(); err != nil {
					return err
				}
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
				Columns:   plan.columns,
				AsStrings: true,
				BatchSize: r.opt.BatchSize,
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
			out, err := workers[w].normalizeBatch(r.cfg, plan, in)
			if err == nil && r.spilling.Load() {
				out.spill, workers[w].spillRaw = r.prepareSpill(out.st, workers[w].spillRaw)
			}
			return out, err
		},
		consume: func(out normBatch) error {
			for _, rj := range out.rejects {
				r.addReject(rj)
			}
			// Auto spills before the store passes its share of the budget
			// or of the machine.
			if next := storeBytes + out.st.memBytes(); r.sp == nil && r.opt.Spill != SpillNever &&
				(r.opt.Spill == SpillAlways || next > r.opt.MemoryLimit*spillPercent/100 || ceiling > 0 && next > ceiling) {
				if err := r.startSpill(chunks); err != nil {
					return err
				}
				chunks = nil
			}
			loaded += int64(out.st.n)
			if r.sp != nil {
				if err := r.spillBatch(out.st, out.spill); err != nil {
					return err
				}
				r.progress.Add(int64(out.st.n + len(out.rejects)))
				return nil
			}
			chunks = append(chunks, out.st)
			storeBytes += out.st.memBytes()
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
			r.progress.Add(int64(out.st.n + len(out.rejects)))
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
	if r.sp != nil {
		err = r.finishSpill()
	} else {
		r.st, err = concatStores(r.cfg, chunks)
	}
	if err != nil {
		return err
	}
	chunks = nil
	for i := range r.inputs {
		r.rowsIn += r.inputs[i].Rows
	}
	if r.sp != nil {
		return r.markSpilledDuplicateIDs(ctx)
	}
	r.markDuplicateIDs()
	return nil
}

// normalizeBatch normalizes one batch in the worker's scratch store and
// returns an exact-size copy of it.
func (w *worker) normalizeBatch(cfg *config.Config, plan columnPlan, in rawBatch) (normBatch, error) {
	n := int(in.rec.NumRows())
	if w.store == nil {
		w.store = newStore(cfg, n)
	}
	st := w.store
	st.reset()
	out := normBatch{}
	cols := make([]*array.String, len(plan.columns))
	for i := range cols {
		c, ok := in.rec.Column(i).(*array.String)
		if !ok {
			return out, fmt.Errorf("BUG: column %s is %s, want string", plan.columns[i], in.rec.Column(i).DataType())
		}
		cols[i] = c
	}
	cell := func(col, row int) []byte {
		c := cols[col]
		if c.IsNull(row) {
			return nil
		}
		return bytes.TrimSpace([]byte(c.Value(row))) // Value is a view; []byte conversion copies only the small cell
	}
	for row := 0; row < n; row++ {
		id := cell(0, row)
		if len(id) == 0 {
			out.rejects = append(out.rejects, rejectRow{source: in.source, file: in.file, row: in.rows[row], column: cfg.RecordID, reason: ReasonMissingRecordID})
			continue
		}
		empty := true
		for f := range plan.fields {
			for _, c := range plan.fields[f] {
				if len(cell(c, row)) > 0 {
					empty = false
				}
			}
		}
		if empty {
			out.rejects = append(out.rejects, rejectRow{source: in.source, file: in.file, row: in.rows[row], reason: ReasonAllFieldsEmpty})
			continue
		}
		if err := st.recordID.Append(id); err != nil {
			return out, err
		}
		st.source = append(st.source, uint16(in.source))
		st.file = append(st.file, uint16(in.file))
		st.row = append(st.row, in.rows[row])
		var flags normalize.Flags
		var idKey uint64
		w.rowEncoding = normalize.EncodingNone
		for _, f := range plan.order {
			w.join = appendField(w.join[:0], plan.fields[f], func(c int) []byte { return cell(c, row) })
			ff, key, err := w.normalizeField(&cfg.Fields[f], &st.fields[f], bytes.TrimSpace(w.join))
			if err != nil {
				return out, err
			}
			flags |= ff
			if key != 0 {
				idKey = key
			}
		}
		st.flags = append(st.flags, uint64(flags))
		st.idKey = append(st.idKey, idKey)
		st.n++
	}
	// The batch's own copy, exact in size: the scratch store is reused.
	var err error
	out.st, err = st.compact(cfg)
	return out, err
}

// normalizeField appends one field's normalized roles to fs and returns its
// quality flags and, for a valid 12-digit CCCD, its cannot-link key.
func (w *worker) normalizeField(f *config.Field, fs *fieldStore, v []byte) (normalize.Flags, uint64, error) {
	var err error
	add := func(j int, b []byte) {
		if err == nil {
			err = fs.strs[j].Append(b)
		}
	}
	switch f.Kind {
	case config.KindPersonName:
		nm := w.norm.NameHint(v, w.rowEncoding)
		add(0, nm.Canonical)
		add(1, nm.Folded)
		add(2, nm.VariantKeyFolded) // folded, so unaccented records share it
		add(3, nm.FamilyFolded)
		add(4, nm.MiddleFolded)
		add(5, nm.GivenFolded)
		add(6, nm.Phonetic)
		return nm.Flags, 0, err
	case config.KindDate:
		if f.DateFormat != "" {
			w.date = reorderDate(w.date[:0], v, config.DateOrders[f.DateFormat])
			v = w.date
		}
		d := normalize.ParseDate(v, normalize.DateOptions{RefYear: w.refYear})
		packed := int32(0)
		if d.Valid() {
			packed = d.Packed()
		}
		fs.ints[0] = append(fs.ints[0], packed)
		return d.Flags, 0, nil
	case config.KindGender:
		g := normalize.ParseGender(v)
		code := int32(0)
		if g == normalize.GenderMale || g == normalize.GenderFemale {
			code = int32(g)
		}
		fs.ints[0] = append(fs.ints[0], code)
		return 0, 0, nil
	case config.KindNationalID:
		id := normalize.ParseID(v)
		w.buf = id.AppendNumber(w.buf[:0])
		if len(w.buf) != 9 && len(w.buf) != 12 {
			w.buf = w.buf[:0]
		}
		add(0, w.buf)
		var key uint64
		if id.Kind == normalize.IDCCCD && id.Valid() {
			key = blocking.HashBytes(w.buf)
		}
		return id.Flags, key, err
	case config.KindPhone:
		p := normalize.ParsePhone(v)
		w.buf = w.buf[:0]
		if p.Valid() {
			w.buf = p.AppendNumber(w.buf)
		}
		add(0, w.buf)
		return p.Flags, 0, err
	case config.KindVNAddress:
		t := w.norm.Text(v)
		if w.rowEncoding == normalize.EncodingNone {
			w.rowEncoding = t.Encoding
		}
		a := w.addr.ParseText(t)
		w.buf = append(w.buf[:0], a.House...)
		if len(a.House) > 0 && len(a.Street) > 0 {
			w.buf = append(w.buf, ' ')
		}
		w.buf = append(w.buf, a.Street...)
		add(0, w.buf)
		fs.ints[0] = append(fs.ints[0], int32(a.NewWard))
		fs.ints[1] = append(fs.ints[1], int32(a.OldDistrict))
		fs.ints[2] = append(fs.ints[2], int32(a.NewProvince))
		fs.ints[3] = append(fs.ints[3], int32(a.OldWard))
		fs.ints[4] = append(fs.ints[4], int32(a.OldProvince))
		return t.Flags, 0, err
	case config.KindText:
		t := w.norm.Text(v)
		add(0, t.Folded)
		add(1, t.Canonical)
		return t.Flags, 0, err
	case config.KindTimestamp:
		fs.ts = append(fs.ts, parseTimestamp(v))
		return 0, 0, nil
	}
	return 0, 0, fmt.Errorf("BUG: field kind %q", f.Kind)
}

// parseTimestamp reads an RFC 3339 timestamp or a yyyy-mm-dd date as Unix
// seconds; anything else is 0 (unknown).
func parseTimestamp(v []byte) int64 {
	s := string(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix()
		}
	}
	return 0
}

// markDuplicateIDs rejects the second and later rows with the same
// (source, record_id): a duplicate id would make the outputs ambiguous.
func (r *runner) markDuplicateIDs() {
	st := r.st
	keys := make([]uint64, st.n)
	for i := range keys {
		keys[i] = duplicateKey(st.source[i], st.recordID.Get(int32(i)))
	}
	// Cannot fail: the ids are in memory.
	_ = r.markDuplicates(keys, func([]int32) (func(int32) []byte, error) { return st.recordID.Get, nil })
}

// duplicateKey is the hash markDuplicates sorts records by.
func duplicateKey(source uint16, id []byte) uint64 {
	return blocking.NewHasher().Uint64(uint64(source)).Bytes(id).Sum()
}

// markDuplicates sets r.dropped and rejects the later rows of every
// (source, record id) seen twice. keys are the rows' duplicateKey; ids
// returns the record ids of the rows that share a key with another (a
// spilled run reads them back from disk).
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
		if a.Key != b.Key || !bytes.Equal(idOf(a.Row), idOf(b.Row)) || st.source[a.Row] != st.source[b.Row] {
			continue
		}
		// Sorting is stable, so b is the later row: it goes.
		r.dropped[b.Row] = true
		r.addReject(rejectRow{source: int(st.source[b.Row]), file: int(st.file[b.Row]), row: st.row[b.Row], column: r.cfg.RecordID, reason: ReasonDuplicateRecordID})
		entries[i] = a // keep comparing against the first of the run
	}
	return nil
}
