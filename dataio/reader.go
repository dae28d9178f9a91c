package dataio

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// DefaultBatchSize is the number of rows per batch when ReadOptions leaves
// BatchSize at zero.
const DefaultBatchSize = 64 * 1024

// DefaultMaxCellBytes is the largest string cell accepted when ReadOptions
// leaves MaxCellBytes at zero. No field of a population register comes
// near it; a bigger cell is a broken quote or a binary blob.
const DefaultMaxCellBytes = 64 * 1024

// ReadOptions configures [Open]. The zero value reads every column with
// its stored type, in batches of DefaultBatchSize rows, and treats
// row-level faults as errors.
type ReadOptions struct {
	// Columns, if set, are the only columns read, delivered in this order.
	// A column the file lacks is an error that lists the file's columns.
	Columns []string
	// AsStrings delivers every column as an arrow string column: numbers,
	// dates, timestamps, booleans, dictionaries, large strings and binary
	// become their text; null stays null.
	AsStrings bool
	// Lists lets AsStrings render a list of such values as the values
	// joined by ';': for readers of a run's golden.parquet (member_ids,
	// quality_flags). An input register's list column stays an error.
	Lists bool
	// BatchSize is the number of rows per batch (at most; rejected rows
	// make a batch shorter). Zero means DefaultBatchSize. Arrow IPC batches
	// longer than this are cut; shorter ones are delivered as written.
	BatchSize int
	// Delimiter is the CSV field separator. Zero means ',' unless the
	// header line is a single column under ',' and splits into several
	// under ';', tab or '|': then that one.
	Delimiter rune
	// Encoding is the character encoding of a CSV file, decoded to UTF-8
	// as it is read: "utf-8", "utf-16le", "utf-16be", "windows-1258" or
	// "windows-1252" (any case). Empty: UTF-8, or UTF-16 when the file
	// starts with its byte-order mark. Parquet and Arrow text is UTF-8.
	Encoding string
	// LazyQuotes lets a CSV quote appear in an unquoted field (as
	// encoding/csv's LazyQuotes). Off, such a row is rejected as csv_syntax.
	LazyQuotes bool
	// MaxCellBytes is the largest string cell accepted; zero means
	// DefaultMaxCellBytes and a negative value means no limit.
	MaxCellBytes int
	// OnReject, if set, receives every row that is not delivered because
	// of a row-level fault (ragged CSV row, CSV quoting, invalid UTF-8, NUL
	// byte, oversized cell) and reading goes on. If nil, the first such row
	// stops the reader with an [*Error].
	OnReject func(Reject)
}

// Reader streams record batches from one table file. Use it like
// bufio.Scanner:
//
//	r, err := dataio.Open(path, opt)
//	if err != nil { ... }
//	defer r.Close()
//	for r.Next() {
//		rec := r.Batch()
//		...
//	}
//	if err := r.Err(); err != nil { ... }
//
// A Reader is not safe for concurrent use.
type Reader struct {
	path    string
	opt     ReadOptions
	maxCell int
	src     source
	schema  *arrow.Schema   // as delivered
	sel     []int           // source column of each delivered column; nil: as is
	selFor  *arrow.Schema   // the source schema sel was computed for
	known   map[string]bool // names of opt.Columns: schema, fit for messages
	proj    []int           // file position of each delivered column

	cur   arrow.RecordBatch
	start int64
	rows  []int64 // file row of each row of cur when rejects left gaps; else nil

	autoDelim    bool   // opt.Delimiter was zero: the CSV's header picks it
	encodingHint string // likely encoding of a CSV that is not UTF-8; "" if it is
	warnings     []string

	err              error
	done             bool
	nread, nrejected int64
	nbadUTF8         int64     // rows rejected as invalid_utf8
	bad              []badCell // scratch for validation
	scratch          []byte    // scratch for coercion
}

// chunk is what a source produces: one owned record batch and where its
// rows sit in the file.
type chunk struct {
	rec     arrow.RecordBatch
	start   int64   // 0-based file row of the first row covered
	rows    []int64 // file row of each row of rec when not start, start+1, …
	checked bool    // cells already validated (and rows rejected) by the source
}

// source is one file format's batch stream.
type source interface {
	// next returns the next chunk; ok is false at the end of the file.
	next() (c chunk, ok bool, err error)
	close() error
}

// Open opens a table file for streaming, in the format its extension
// names (.parquet, .csv, .arrow). Errors are [*Error]s naming the file;
// a damaged file is an error, never a panic.
func Open(path string, opt ReadOptions) (r *Reader, err error) {
	format, err := FormatOf(path)
	if err != nil {
		return nil, &Error{File: path, Err: errors.New("unknown table format (want .parquet, .csv or .arrow)")}
	}
	return OpenFormat(path, format, opt)
}

// OpenFormat is [Open] with an explicit format.
func OpenFormat(path string, format Format, opt ReadOptions) (r *Reader, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: path, Err: unwrapPath(err)}
	}
	if st.IsDir() {
		return nil, &Error{File: path, Err: errors.New("is a folder, not a table file")}
	}
	if st.Size() == 0 {
		return nil, &Error{File: path, Err: ErrEmptyFile}
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = DefaultBatchSize
	}
	autoDelim := opt.Delimiter == 0
	if autoDelim {
		opt.Delimiter = ','
	}
	r = &Reader{path: path, opt: opt, maxCell: opt.MaxCellBytes, known: make(map[string]bool, len(opt.Columns)), autoDelim: autoDelim}
	if r.maxCell == 0 {
		r.maxCell = DefaultMaxCellBytes
	}
	for i, c := range opt.Columns {
		if slices.Contains(opt.Columns[:i], c) {
			return nil, &Error{File: path, Column: c, Err: errors.New("column requested twice")}
		}
		r.known[c] = true
	}
	// arrow-go and the Parquet decoder may panic on a damaged file; the
	// reader's contract is an error instead.
	defer func() {
		if p := recover(); p != nil {
			if r != nil && r.src != nil {
				r.src.close()
			}
			r, err = nil, &Error{File: path, Err: fmt.Errorf("%w: %v", ErrCorrupt, p)}
		}
	}()
	switch format {
	case Parquet:
		err = openParquet(r)
	case CSV:
		err = openCSV(r)
	case ArrowIPC:
		err = openIPC(r)
	default:
		err = fmt.Errorf("unsupported format %v", format)
	}
	if err != nil {
		if r.src != nil {
			r.src.close()
		}
		var de *Error
		if errors.As(err, &de) {
			return nil, de
		}
		return nil, &Error{File: path, Err: err}
	}
	return r, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("cannot %s: %w", pe.Op, pe.Err)
	}
	return err
}

// project resolves opt.Columns against the file's column names: it returns
// the file index of each wanted column (all, in file order, when Columns
// is empty). Duplicate names in the file are an error: a column must be
// named unambiguously. The messages name a column by its name only when
// the caller asked for it (see [Reader.label]).
func (r *Reader) project(names []string) ([]int, error) {
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if first, dup := seen[n]; dup {
			col := ""
			if r.known[n] {
				col = n
			}
			return nil, &Error{File: r.path, Column: col,
				Err: fmt.Errorf("%w: columns %d and %d have the same name%s", ErrDuplicateColumn, first+1, i+1, r.dataHint(names))}
		}
		seen[n] = i
	}
	if len(r.opt.Columns) == 0 {
		idx := make([]int, len(names))
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	idx := make([]int, 0, len(r.opt.Columns))
	var missing []string
	for _, c := range r.opt.Columns {
		i, ok := seen[c]
		if !ok {
			missing = append(missing, c)
			continue
		}
		idx = append(idx, i)
	}
	if len(missing) > 0 {
		have := make([]string, len(names))
		hidden := false
		for i, n := range names {
			have[i] = r.label(i, n)
			hidden = hidden || !r.known[n]
		}
		note := ""
		if hidden {
			note = " (#N: a column the config does not name, shown by position)"
		}
		return nil, &Error{File: r.path, Column: strings.Join(missing, ", "),
			Err: fmt.Errorf("%w: the file has columns %s%s%s", ErrMissingColumn, strings.Join(have, ", "), note, r.dataHint(names))}
	}
	return idx, nil
}

// label names column i (0-based, in the file) of name for a message. A
// name the caller asked for in opt.Columns is schema and is shown; any
// other is shown by position ("#3"): a CSV without a header row makes its
// first data row the header, and its names are then a citizen's values.
func (r *Reader) label(i int, name string) string {
	if r.known[name] {
		return name
	}
	return "#" + strconv.Itoa(i+1)
}

// colLabel is label for delivered column j.
func (r *Reader) colLabel(j int) string {
	i := j
	if j < len(r.proj) {
		i = r.proj[j]
	}
	return r.label(i, r.schema.Field(j).Name)
}

// dataHint is the end of a header error when the header looks like a data
// row: a likely cause is a file without a header row. It never quotes
// the header.
func (r *Reader) dataHint(names []string) string {
	for _, n := range names {
		if r.known[n] {
			return "" // the header has a column the config names: a header
		}
	}
	for i, n := range names {
		if looksLikeData(n) {
			return fmt.Sprintf("; the header looks like data (column %d holds digits, a date or an address): "+
				"does the file lack a header row?", i+1)
		}
	}
	if len(r.opt.Columns) > 0 {
		return "; no column of the file is one the config names: is the header row missing, or the mapping wrong?"
	}
	return ""
}

// looksLikeData reports whether a header name looks like a cell value
// rather than a column name: four digits or more (an ID, a phone, a year),
// digits around a date separator, or a comma (an address).
func looksLikeData(name string) bool {
	digits := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == ',':
			return true
		case (c == '/' || c == '-' || c == '.') && i > 0 && i+1 < len(name) &&
			isDigit(name[i-1]) && isDigit(name[i+1]):
			return true
		}
	}
	return digits >= 4
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// setSchema fixes the delivered schema from the file's fields and the
// projection, checking that AsStrings can render every projected type.
func (r *Reader) setSchema(fields []arrow.Field, idx []int) error {
	out := make([]arrow.Field, len(idx))
	for j, i := range idx {
		f := fields[i]
		if r.opt.AsStrings {
			if !r.renders(f.Type) {
				return &Error{File: r.path, Column: r.label(i, f.Name), Err: fmt.Errorf("%w: %v cannot be read as text", ErrUnsupportedType, f.Type)}
			}
			if numeric(f.Type) {
				r.warnf("column %s is stored as %v and read as text: a number has no leading zero, "+
					"so IDs and phone numbers in it may have lost theirs; store such columns as text", r.label(i, f.Name), f.Type)
			}
			f = arrow.Field{Name: f.Name, Type: arrow.BinaryTypes.String, Nullable: true}
		}
		out[j] = f
	}
	r.schema = arrow.NewSchema(out, nil)
	r.proj = idx
	return nil
}

// Schema is the schema of the delivered batches.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// Path is the file being read.
func (r *Reader) Path() string { return r.path }

// Next advances to the next batch. It returns false at the end of the file
// or on an error (see [Reader.Err]). The previous batch is released.
func (r *Reader) Next() (ok bool) {
	if r.cur != nil {
		r.cur.Release()
		r.cur, r.rows = nil, nil
	}
	if r.err != nil || r.done {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			r.err = &Error{File: r.path, Err: fmt.Errorf("%w: %v", ErrCorrupt, p)}
			ok = false
		}
	}()
	for {
		c, more, err := r.src.next()
		if err != nil {
			r.fail(err)
			return false
		}
		if !more {
			r.done = true
			r.finish()
			return false
		}
		rec, rows, err := r.prepare(c)
		if err != nil {
			r.fail(err)
			return false
		}
		if rec.NumRows() == 0 { // everything rejected, or an empty batch in the file
			rec.Release()
			continue
		}
		r.cur, r.start, r.rows = rec, c.start, rows
		r.nread += rec.NumRows()
		return true
	}
}

// finish runs at the end of the file. A file none of whose rows could be
// delivered because every one had invalid UTF-8 is in another encoding:
// an error saying so (after every row went to OnReject) instead of a
// run that finds nothing to link. A file where most rows have invalid
// UTF-8 gets a warning.
func (r *Reader) finish() {
	if r.nbadUTF8 == 0 {
		return
	}
	if r.nread == 0 && r.nbadUTF8 == r.nrejected {
		r.err = &Error{File: r.path, Err: fmt.Errorf("%w: all %d rows have invalid UTF-8%s",
			ErrNotUTF8, r.nbadUTF8, r.notUTF8Hint())}
		return
	}
	if total := r.nread + r.nrejected; 2*r.nbadUTF8 >= total {
		r.warnf("%d of %d rows rejected as invalid UTF-8%s", r.nbadUTF8, total, r.notUTF8Hint())
	}
}

// notUTF8Hint ends a message about text that is not UTF-8 with the likely
// encoding and the remedy.
func (r *Reader) notUTF8Hint() string {
	if r.encodingHint == "" {
		return ""
	}
	return "; the file is not UTF-8, it looks like " + r.encodingHint + ": save it as UTF-8 (Excel: \"CSV UTF-8\")"
}

func (r *Reader) warnf(format string, args ...any) {
	r.warnings = append(r.warnings, r.path+": "+fmt.Sprintf(format, args...))
}

// Warnings are the reader's notes on the file so far, each starting with
// its path: columns stored as numbers but read as text, most rows in
// another encoding. They never hold a cell value.
func (r *Reader) Warnings() []string { return r.warnings }

func (r *Reader) fail(err error) {
	var de *Error
	if errors.As(err, &de) {
		r.err = de
		return
	}
	r.err = &Error{File: r.path, Err: err}
}

// Batch is the current batch. It is valid until the next call to Next or
// Close; Retain it to keep it longer.
func (r *Reader) Batch() arrow.RecordBatch { return r.cur }

// BatchStart is the 0-based file row (data rows, header excluded) of the
// first row of the current batch. When rows of the batch were rejected
// the rows after a gap are not BatchStart+i: use [Reader.Row].
func (r *Reader) BatchStart() int64 {
	if r.rows != nil {
		return r.rows[0]
	}
	return r.start
}

// Row is the 0-based file row of row i of the current batch.
func (r *Reader) Row(i int) int64 {
	if r.rows != nil {
		return r.rows[i]
	}
	return r.start + int64(i)
}

// RowsRead is the number of rows delivered so far.
func (r *Reader) RowsRead() int64 { return r.nread }

// RowsRejected is the number of rows rejected so far.
func (r *Reader) RowsRejected() int64 { return r.nrejected }

// Err is the error that stopped the reader, nil at a clean end of file.
func (r *Reader) Err() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

// Close releases the current batch and closes the file.
func (r *Reader) Close() (err error) {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.done = true
	if r.src == nil {
		return nil
	}
	defer func() {
		if p := recover(); p != nil {
			err = &Error{File: r.path, Err: fmt.Errorf("%w: %v", ErrCorrupt, p)}
		}
	}()
	src := r.src
	r.src = nil
	if err := src.close(); err != nil {
		return &Error{File: r.path, Err: err}
	}
	return nil
}

// reject reports row (0-based) as not delivered, its fault in delivered
// column j (-1 for a whole-row fault). Without an OnReject handler the
// fault is the reader's error.
func (r *Reader) reject(row int64, j int, reason string) error {
	r.nrejected++
	if reason == ReasonInvalidUTF8 {
		r.nbadUTF8++
	}
	if r.opt.OnReject == nil {
		label := ""
		if j >= 0 {
			label = r.colLabel(j)
		}
		return &Error{File: r.path, Row: row + 1, Column: label, Err: reasonErr(reason)}
	}
	col := ""
	if j >= 0 {
		col = r.schema.Field(j).Name
	}
	r.opt.OnReject(Reject{File: r.path, Row: row + 1, Column: col, Reason: reason})
	return nil
}

// prepare turns a source chunk into the delivered batch: projection,
// coercion to strings, cell checks and removal of rejected rows.
func (r *Reader) prepare(c chunk) (arrow.RecordBatch, []int64, error) {
	rec := c.rec
	defer func() { rec.Release() }()
	if sc := rec.Schema(); r.sel == nil || sc != r.selFor {
		if err := r.selectFor(sc); err != nil {
			return nil, nil, err
		}
	}
	n := rec.NumRows()
	cols := make([]arrow.Array, len(r.sel))
	defer func() {
		for _, a := range cols {
			if a != nil {
				a.Release()
			}
		}
	}()
	for j, i := range r.sel {
		a := rec.Column(i)
		if r.opt.AsStrings && a.DataType().ID() != arrow.STRING {
			s, err := r.toStrings(a)
			if err != nil {
				return nil, nil, &Error{File: r.path, Column: r.colLabel(j), Err: err}
			}
			cols[j] = s
		} else {
			a.Retain()
			cols[j] = a
		}
	}
	rows := c.rows
	if !c.checked {
		keep, err := r.check(cols, c.start, n)
		if err != nil {
			return nil, nil, err
		}
		if keep != nil {
			filtered := filterColumns(cols, keep)
			for j := range cols {
				cols[j].Release()
				cols[j] = filtered[j]
			}
			rows = make([]int64, len(keep))
			for k, i := range keep {
				rows[k] = c.start + int64(i)
			}
			n = int64(len(keep))
		}
	}
	out := array.NewRecordBatch(r.schema, cols, n)
	return out, rows, nil
}

// selectFor maps the delivered columns to the columns of a source schema,
// by name (Parquet may return projected columns in file order).
func (r *Reader) selectFor(sc *arrow.Schema) error {
	sel := make([]int, r.schema.NumFields())
	for j, f := range r.schema.Fields() {
		idx := sc.FieldIndices(f.Name)
		if len(idx) != 1 {
			return &Error{File: r.path, Column: r.colLabel(j), Err: fmt.Errorf("%w: column not found in a batch", ErrCorrupt)}
		}
		sel[j] = idx[0]
	}
	r.sel, r.selFor = sel, sc
	return nil
}

type badCell struct {
	row    int
	col    int
	reason string
}

// check validates the string cells of a batch. It returns nil when every
// row is fine, else the indices of the rows to keep, after reporting the
// others (in row order, each with its first faulty column).
func (r *Reader) check(cols []arrow.Array, start, n int64) ([]int, error) {
	r.bad = r.bad[:0]
	for j, a := range cols {
		switch s := a.(type) {
		case *array.String:
			off := s.ValueOffsets()
			if !cellsOK(off, s.ValueBytes(), r.maxCell) {
				r.bad = findBad(r.bad, s, j, r.maxCell)
			}
		case *array.LargeString:
			off := s.ValueOffsets()
			if !cellsOK(off, s.ValueBytes(), r.maxCell) {
				r.bad = findBad(r.bad, s, j, r.maxCell)
			}
		}
	}
	if len(r.bad) == 0 {
		return nil, nil
	}
	slices.SortStableFunc(r.bad, func(a, b badCell) int {
		if a.row != b.row {
			return a.row - b.row
		}
		return a.col - b.col
	})
	keep := make([]int, 0, int(n)-len(r.bad))
	next := 0
	for k, b := range r.bad {
		if k > 0 && r.bad[k-1].row == b.row {
			continue // one reject per row: its first faulty column
		}
		for ; next < b.row; next++ {
			keep = append(keep, next)
		}
		next = b.row + 1
		if err := r.reject(start+int64(b.row), b.col, b.reason); err != nil {
			return nil, err
		}
	}
	for ; next < int(n); next++ {
		keep = append(keep, next)
	}
	return keep, nil
}

// cellsOK is the fast path of check: one pass over the whole value buffer
// instead of one call per cell. The buffer being valid UTF-8 and every cell
// starting on a rune boundary (not on a continuation byte) means every
// cell is valid UTF-8.
func cellsOK[T int32 | int64](off []T, data []byte, maxCell int) bool {
	if len(off) < 2 {
		return true
	}
	if maxCell >= 0 {
		lim := T(maxCell)
		for i := 1; i < len(off); i++ {
			if off[i]-off[i-1] > lim {
				return false
			}
		}
	}
	if bytes.IndexByte(data, 0) >= 0 || !utf8.Valid(data) {
		return false
	}
	base := off[0]
	end := off[len(off)-1]
	for _, o := range off[1 : len(off)-1] {
		if o < end && data[o-base]&0xC0 == 0x80 {
			return false
		}
	}
	return true
}

type stringArray interface {
	Len() int
	IsNull(int) bool
	Value(int) string
}

// findBad is the slow path of check: it looks at each cell.
func findBad(bad []badCell, a stringArray, col, maxCell int) []badCell {
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			continue
		}
		v := a.Value(i)
		reason := ""
		switch {
		case maxCell >= 0 && len(v) > maxCell:
			reason = ReasonCellTooLarge
		case strings.IndexByte(v, 0) >= 0:
			reason = ReasonNULByte
		case !utf8.ValidString(v):
			reason = ReasonInvalidUTF8
		}
		if reason != "" {
			bad = append(bad, badCell{row: i, col: col, reason: reason})
		}
	}
	return bad
}

// filterColumns keeps rows keep (ascending) of every column. Rejects are
// rare, so this copies runs of kept rows rather than being clever.
func filterColumns(cols []arrow.Array, keep []int) []arrow.Array {
	type run struct{ lo, hi int }
	var runs []run
	for _, i := range keep {
		if len(runs) > 0 && runs[len(runs)-1].hi == i {
			runs[len(runs)-1].hi++
			continue
		}
		runs = append(runs, run{i, i + 1})
	}
	out := make([]arrow.Array, len(cols))
	for j, a := range cols {
		if len(runs) == 0 {
			out[j] = array.NewSlice(a, 0, 0)
			continue
		}
		parts := make([]arrow.Array, len(runs))
		for k, ru := range runs {
			parts[k] = array.NewSlice(a, int64(ru.lo), int64(ru.hi))
		}
		if len(parts) == 1 {
			out[j] = parts[0]
			continue
		}
		c, err := array.Concatenate(parts, memory.DefaultAllocator)
		for _, p := range parts {
			p.Release()
		}
		if err != nil {
			// Concatenate fails only on mismatched types or offset
			// overflow, impossible for slices of one array.
			panic(fmt.Sprintf("dataio: BUG: cannot filter rows: %v", err))
		}
		out[j] = c
	}
	return out
}

// EachRow reads the named columns of a table as text and calls fn with
// each row's cells (null as "") in file order. The slice is reused between
// calls and its values alias the reader's buffers, so fn clones what it
// keeps. An error from fn, or from the file, stops it.
func EachRow(path string, cols []string, fn func(cells []string) error) error {
	r, err := Open(path, ReadOptions{Columns: cols, AsStrings: true})
	if err != nil {
		return err
	}
	defer r.Close()
	cells := make([]string, len(cols))
	arrs := make([]*array.String, len(cols))
	for r.Next() {
		b := r.Batch()
		for c := range arrs {
			arrs[c] = b.Column(c).(*array.String)
		}
		for i := 0; i < int(b.NumRows()); i++ {
			for c, a := range arrs {
				cells[c] = ""
				if a.IsValid(i) {
					cells[c] = a.Value(i)
				}
			}
			if err := fn(cells); err != nil {
				return err
			}
		}
	}
	return r.Err()
}
