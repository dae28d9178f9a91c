package eval

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/dedup-vn/dedup/dataio"
)

// This file is eval's own small table reader. dataio's streaming reader was
// being written at the same time as this package; once it exists, tableReader
// can become a thin wrapper over dataio.Open without touching the metric code,
// which only sees the column accessor below.

// batchRows is the number of rows per batch: large enough to amortise the
// per-batch work, small enough that a batch of strings stays in cache-sized
// memory.
const batchRows = 64 * 1024

// column is one column of one batch, read whatever its stored type.
type column interface {
	// appendText appends the cell as text (null appends nothing).
	appendText(dst []byte, i int) []byte
	// float returns the cell as a float; ok is false for null or non-numeric.
	float(i int) (v float64, ok bool)
	// isNull reports a null cell (CSV: the empty string).
	isNull(i int) bool
}

// tableReader streams the named columns of a Parquet, Arrow IPC or CSV file.
// Columns missing from the file read as nil accessors, so a caller can treat
// optional columns leniently; required ones are checked by openTable.
type tableReader struct {
	path  string
	names []string
	cols  []column
	n     int // rows in the current batch
	row   int64
	err   error

	// Parquet
	pf  *file.Reader
	rr  pqarrow.RecordReader
	idx []int // position of each requested column in the record batch, -1 absent

	// CSV
	f      *os.File
	cr     *csv.Reader
	csvIdx []int
	csvBuf [][]string
}

// openTable opens path for the given columns; the first `required` names
// must exist.
func openTable(path string, names []string, required int) (*tableReader, error) {
	format, err := tableFormat(path)
	if err != nil {
		return nil, err
	}
	t := &tableReader{path: path, names: names, cols: make([]column, len(names))}
	switch format {
	case dataio.Parquet:
		err = t.openParquet()
	case dataio.CSV:
		err = t.openCSV()
	default:
		err = fmt.Errorf("%s: eval reads Parquet and CSV, not %v", path, format)
	}
	if err != nil {
		t.close()
		return nil, err
	}
	for i := 0; i < required; i++ {
		if !t.has(i) {
			t.close()
			return nil, fmt.Errorf("%s: no column %q", path, names[i])
		}
	}
	return t, nil
}

// tableFormat is path's table format; a missing file is said to be
// missing, whatever its name looks like.
func tableFormat(path string) (dataio.Format, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("%s: no such file", path)
		}
		return 0, fmt.Errorf("cannot read %s: %w", path, err)
	}
	return dataio.FormatOf(path)
}

// has reports whether the i-th requested column exists in the file.
func (t *tableReader) has(i int) bool {
	if t.pf != nil {
		return t.idx[i] >= 0
	}
	return t.csvIdx[i] >= 0
}

func (t *tableReader) openParquet() error {
	pf, err := file.OpenParquetFile(t.path, false)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", t.path, err)
	}
	t.pf = pf
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: batchRows}, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", t.path, err)
	}
	schema := pf.MetaData().Schema
	var leaves []int
	t.idx = make([]int, len(t.names))
	for i, name := range t.names {
		t.idx[i] = -1
		if c := schema.ColumnIndexByName(name); c >= 0 {
			t.idx[i] = 0
			leaves = append(leaves, c)
			continue
		}
		// A list column's leaf is name.list.element.
		for c := 0; c < schema.NumColumns(); c++ {
			if p := schema.Column(c).ColumnPath(); len(p) > 1 && p[0] == name {
				t.idx[i] = 0
				leaves = append(leaves, c)
				break
			}
		}
	}
	if len(leaves) == 0 {
		return fmt.Errorf("%s: none of the columns %v", t.path, t.names)
	}
	rr, err := fr.GetRecordReader(context.Background(), leaves, nil)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", t.path, err)
	}
	t.rr = rr
	// The batch's columns are the fields holding those leaves.
	for i, name := range t.names {
		if t.idx[i] >= 0 {
			if f := rr.Schema().FieldIndices(name); len(f) > 0 {
				t.idx[i] = f[0]
			} else {
				t.idx[i] = -1
			}
		}
	}
	return nil
}

func (t *tableReader) openCSV() error {
	f, err := os.Open(t.path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", t.path, err)
	}
	t.f = f
	t.cr = csv.NewReader(f)
	// FEBRL files separate values by ", ": strip the blank (pandas'
	// skipinitialspace) so that names and values compare equal.
	t.cr.TrimLeadingSpace = true
	header, err := t.cr.Read()
	if err != nil {
		return fmt.Errorf("%s: cannot read header: %w", t.path, err)
	}
	pos := make(map[string]int, len(header))
	for i, h := range header {
		if i == 0 {
			h = trimBOM(h)
		}
		pos[h] = i
	}
	t.csvIdx = make([]int, len(t.names))
	t.csvBuf = make([][]string, len(t.names))
	for i, name := range t.names {
		t.csvIdx[i] = -1
		if p, ok := pos[name]; ok {
			t.csvIdx[i] = p
		}
	}
	return nil
}

func trimBOM(s string) string {
	if len(s) >= 3 && s[:3] == "\xef\xbb\xbf" {
		return s[3:]
	}
	return s
}

// next loads the next batch; false at the end or on error (see Err).
func (t *tableReader) next() bool {
	if t.err != nil {
		return false
	}
	t.row += int64(t.n)
	t.n = 0
	if t.rr != nil {
		return t.nextParquet()
	}
	return t.nextCSV()
}

func (t *tableReader) nextParquet() bool {
	if !t.rr.Next() {
		if err := t.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			t.err = fmt.Errorf("cannot read %s near row %d: %w", t.path, t.row+1, err)
		}
		return false
	}
	rec := t.rr.RecordBatch()
	t.n = int(rec.NumRows())
	for i, j := range t.idx {
		if j < 0 {
			t.cols[i] = nil
			continue
		}
		c, err := wrapArrow(rec.Column(j))
		if err != nil {
			t.err = fmt.Errorf("%s column %s: %w", t.path, t.names[i], err)
			return false
		}
		t.cols[i] = c
	}
	return true
}

func (t *tableReader) nextCSV() bool {
	for i := range t.csvBuf {
		t.csvBuf[i] = t.csvBuf[i][:0]
	}
	for t.n < batchRows {
		rec, err := t.cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// csv.ParseError carries the line and column; values are never
			// part of the message.
			t.err = fmt.Errorf("cannot read %s: %w", t.path, err)
			return false
		}
		for i, j := range t.csvIdx {
			if j >= 0 {
				t.csvBuf[i] = append(t.csvBuf[i], rec[j])
			}
		}
		t.n++
	}
	for i, j := range t.csvIdx {
		if j >= 0 {
			t.cols[i] = csvColumn(t.csvBuf[i])
		} else {
			t.cols[i] = nil
		}
	}
	return t.n > 0
}

// close releases the file.
func (t *tableReader) close() {
	if t.rr != nil {
		t.rr.Release()
		t.rr = nil
	}
	if t.pf != nil {
		t.pf.Close()
		t.pf = nil
	}
	if t.f != nil {
		t.f.Close()
		t.f = nil
	}
}

// csvColumn is a column of CSV text; the empty string is null.
type csvColumn []string

func (c csvColumn) appendText(dst []byte, i int) []byte { return append(dst, c[i]...) }
func (c csvColumn) isNull(i int) bool                   { return c[i] == "" }
func (c csvColumn) float(i int) (float64, bool) {
	v, err := strconv.ParseFloat(c[i], 64)
	return v, err == nil
}

type stringColumn struct{ a *array.String }

func (c stringColumn) appendText(dst []byte, i int) []byte {
	if c.a.IsNull(i) {
		return dst
	}
	return append(dst, c.a.Value(i)...)
}
func (c stringColumn) isNull(i int) bool { return c.a.IsNull(i) }
func (c stringColumn) float(i int) (float64, bool) {
	if c.a.IsNull(i) {
		return 0, false
	}
	v, err := strconv.ParseFloat(c.a.Value(i), 64)
	return v, err == nil
}

type largeStringColumn struct{ a *array.LargeString }

func (c largeStringColumn) appendText(dst []byte, i int) []byte {
	if c.a.IsNull(i) {
		return dst
	}
	return append(dst, c.a.Value(i)...)
}
func (c largeStringColumn) isNull(i int) bool { return c.a.IsNull(i) }
func (c largeStringColumn) float(i int) (float64, bool) {
	if c.a.IsNull(i) {
		return 0, false
	}
	v, err := strconv.ParseFloat(c.a.Value(i), 64)
	return v, err == nil
}

// dictColumn reads a dictionary-encoded column through its dictionary.
type dictColumn struct {
	a    *array.Dictionary
	dict column
}

func (c dictColumn) appendText(dst []byte, i int) []byte {
	if c.a.IsNull(i) {
		return dst
	}
	return c.dict.appendText(dst, c.a.GetValueIndex(i))
}
func (c dictColumn) isNull(i int) bool { return c.a.IsNull(i) }
func (c dictColumn) float(i int) (float64, bool) {
	if c.a.IsNull(i) {
		return 0, false
	}
	return c.dict.float(c.a.GetValueIndex(i))
}

// intColumn covers every integer width through a getter.
type intColumn struct {
	arr arrow.Array
	get func(i int) int64
}

func (c intColumn) appendText(dst []byte, i int) []byte {
	if c.arr.IsNull(i) {
		return dst
	}
	return strconv.AppendInt(dst, c.get(i), 10)
}
func (c intColumn) isNull(i int) bool { return c.arr.IsNull(i) }
func (c intColumn) float(i int) (float64, bool) {
	if c.arr.IsNull(i) {
		return 0, false
	}
	return float64(c.get(i)), true
}

type floatColumn struct {
	arr  arrow.Array
	get  func(i int) float64
	bits int
}

func (c floatColumn) appendText(dst []byte, i int) []byte {
	if c.arr.IsNull(i) {
		return dst
	}
	return strconv.AppendFloat(dst, c.get(i), 'g', -1, c.bits)
}
func (c floatColumn) isNull(i int) bool { return c.arr.IsNull(i) }
func (c floatColumn) float(i int) (float64, bool) {
	if c.arr.IsNull(i) {
		return 0, false
	}
	return c.get(i), true
}

// textColumn renders any other flat type, and a list of them (its values
// joined by ';': golden.parquet's member_ids and quality_flags), as
// dataio.FormatValue writes them to CSV.
type textColumn struct{ a arrow.Array }

func (c textColumn) appendText(dst []byte, i int) []byte {
	if c.a.IsNull(i) {
		return dst
	}
	return append(dst, dataio.FormatValue(c.a, i)...)
}
func (c textColumn) isNull(i int) bool           { return c.a.IsNull(i) }
func (c textColumn) float(i int) (float64, bool) { return 0, false }

// wrapArrow gives an accessor for the arrow types the run and gen outputs use.
func wrapArrow(a arrow.Array) (column, error) {
	switch a := a.(type) {
	case *array.List, *array.Boolean, *array.Date32:
		return textColumn{a}, nil
	case *array.String:
		return stringColumn{a}, nil
	case *array.LargeString:
		return largeStringColumn{a}, nil
	case *array.Dictionary:
		d, err := wrapArrow(a.Dictionary())
		if err != nil {
			return nil, err
		}
		return dictColumn{a, d}, nil
	case *array.Int8:
		return intColumn{a, func(i int) int64 { return int64(a.Value(i)) }}, nil
	case *array.Int16:
		return intColumn{a, func(i int) int64 { return int64(a.Value(i)) }}, nil
	case *array.Int32:
		return intColumn{a, func(i int) int64 { return int64(a.Value(i)) }}, nil
	case *array.Int64:
		return intColumn{a, func(i int) int64 { return a.Value(i) }}, nil
	case *array.Uint8:
		return intColumn{a, func(i int) int64 { return int64(a.Value(i)) }}, nil
	case *array.Uint16:
		return intColumn{a, func(i int) int64 { return int64(a.Value(i)) }}, nil
	case *array.Uint32:
		return intColumn{a, func(i int) int64 { return int64(a.Value(i)) }}, nil
	case *array.Uint64:
		return intColumn{a, func(i int) int64 { return int64(a.Value(i)) }}, nil
	case *array.Float32:
		return floatColumn{a, func(i int) float64 { return float64(a.Value(i)) }, 32}, nil
	case *array.Float64:
		return floatColumn{a, func(i int) float64 { return a.Value(i) }, 64}, nil
	}
	return nil, fmt.Errorf("unsupported type %v", a.DataType())
}
