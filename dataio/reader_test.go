package dataio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// nullMark stands for a null cell in test tables.
const nullMark = "<NULL>"

// secret is a citizen-like value planted in faulty cells: no error or
// reject may contain it.
const secret = "Bí Mật 079123456789"

// secretName and secretAddr are citizen-like values without digits, which
// a mask of ID-like names would not catch.
const (
	secretName = "Ngô Văn Thuý"
	secretAddr = "Số 3 Phố Huế, Hà Nội"
)

// writeStrings writes a string table through the package's writer.
func writeStrings(t testing.TB, path string, names []string, rows [][]string) {
	t.Helper()
	sc := StringSchema(names...)
	b := NewStringBatchBuilder(sc)
	defer b.Release()
	for _, row := range rows {
		for j, v := range row {
			if v == nullMark {
				b.Column(j).AppendNull()
			} else {
				b.Column(j).Append(v)
			}
		}
	}
	writeBatch(t, path, b.NewBatch())
}

func writeBatch(t testing.TB, path string, rec arrow.RecordBatch) {
	t.Helper()
	defer rec.Release()
	w, err := Create(path, rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

type readResult struct {
	names   []string
	rows    [][]string // nullMark for null
	fileRow []int64    // 0-based file row of each delivered row
	rejects []Reject
	batches int
	err     error // from Open or Err
}

// readAll reads a whole table; if collect is true rejects are collected
// through OnReject, else they are errors.
func readAll(t testing.TB, path string, opt ReadOptions, collect bool) readResult {
	t.Helper()
	var res readResult
	if collect {
		opt.OnReject = func(r Reject) { res.rejects = append(res.rejects, r) }
	}
	r, err := Open(path, opt)
	if err != nil {
		res.err = err
		return res
	}
	defer r.Close()
	res.names = fieldNames(r.Schema())
	for r.Next() {
		res.batches++
		rec := r.Batch()
		if !rec.Schema().Equal(r.Schema()) {
			t.Fatalf("batch schema %v, reader schema %v", rec.Schema(), r.Schema())
		}
		if r.BatchStart() != r.Row(0) {
			t.Fatalf("BatchStart %d, Row(0) %d", r.BatchStart(), r.Row(0))
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]string, rec.NumCols())
			for j, col := range rec.Columns() {
				if col.IsNull(i) {
					row[j] = nullMark
				} else {
					row[j] = col.ValueStr(i)
				}
			}
			res.rows = append(res.rows, row)
			res.fileRow = append(res.fileRow, r.Row(i))
		}
	}
	res.err = r.Err()
	if got := r.RowsRead(); got != int64(len(res.rows)) {
		t.Fatalf("RowsRead %d, delivered %d", got, len(res.rows))
	}
	if got := r.RowsRejected(); collect && got != int64(len(res.rejects)) {
		t.Fatalf("RowsRejected %d, OnReject called %d times", got, len(res.rejects))
	}
	return res
}

var unicodeRows = [][]string{
	{"P01-1", "Nguyễn Văn Ánh", "01/02/1990"},
	{"P01-2", "Nguye\u0302\u0303n Thị Hương", nullMark}, // NFD as typed
	{"P01-3", "", "1985"},
	{"P01-4", "Trần \"Tý\", con", "1985-03-04"}, // quote and comma for CSV
	{"P01-5", "Lê 😀\nxuống dòng", nullMark},
	{"P01-6", nullMark, nullMark},
	{"P01-7", "Đặng", "2000"},
}

func TestRoundtrip(t *testing.T) {
	names := []string{"record_id", "full_name", "date_of_birth"}
	for _, ext := range []string{"parquet", "csv", "arrow"} {
		for _, batch := range []int{0, 1, 3} {
			path := filepath.Join(t.TempDir(), "t."+ext)
			writeStrings(t, path, names, unicodeRows)
			res := readAll(t, path, ReadOptions{BatchSize: batch}, false)
			if res.err != nil {
				t.Fatalf("%s: %v", ext, res.err)
			}
			if !slices.Equal(res.names, names) {
				t.Errorf("%s: columns %v, want %v", ext, res.names, names)
			}
			want := unicodeRows
			if ext == "csv" { // CSV has no null: it reads back as empty
				want = replaceNull(unicodeRows, "")
			}
			if !equalRows(res.rows, want) {
				t.Errorf("%s batch %d: rows\n%q\nwant\n%q", ext, batch, res.rows, want)
			}
			for i, fr := range res.fileRow {
				if fr != int64(i) {
					t.Errorf("%s: row %d has file row %d", ext, i, fr)
				}
			}
			if batch > 0 {
				if wantBatches := (len(unicodeRows) + batch - 1) / batch; res.batches != wantBatches {
					t.Errorf("%s: %d batches of %d rows, want %d", ext, res.batches, batch, wantBatches)
				}
			}
		}
	}
}

func replaceNull(rows [][]string, with string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
		for j, v := range r {
			if v == nullMark {
				out[i][j] = with
			}
		}
	}
	return out
}

func equalRows(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

func TestProjection(t *testing.T) {
	names := []string{"record_id", "full_name", "date_of_birth"}
	for _, ext := range []string{"parquet", "csv", "arrow"} {
		path := filepath.Join(t.TempDir(), "t."+ext)
		writeStrings(t, path, names, unicodeRows)
		// Extra columns in the file are ignored; order follows Columns.
		res := readAll(t, path, ReadOptions{Columns: []string{"date_of_birth", "record_id"}}, false)
		if res.err != nil {
			t.Fatalf("%s: %v", ext, res.err)
		}
		if want := []string{"date_of_birth", "record_id"}; !slices.Equal(res.names, want) {
			t.Errorf("%s: columns %v, want %v", ext, res.names, want)
		}
		for i, row := range res.rows {
			want := []string{unicodeRows[i][2], unicodeRows[i][0]}
			if ext == "csv" && want[0] == nullMark {
				want[0] = ""
			}
			if !slices.Equal(row, want) {
				t.Errorf("%s row %d: %q, want %q", ext, i, row, want)
			}
		}
	}
}

// typedBatch is a batch with one column of each stored type AsStrings
// must render, two rows, the second all null.
func typedBatch(t testing.TB) arrow.RecordBatch {
	mem := memory.DefaultAllocator
	type col struct {
		name string
		arr  arrow.Array
	}
	var cols []col
	add := func(name string, b array.Builder, appendOne func()) {
		appendOne()
		b.AppendNull()
		cols = append(cols, col{name, b.NewArray()})
		b.Release()
	}
	i64 := array.NewInt64Builder(mem)
	add("int64", i64, func() { i64.Append(-42) })
	i32 := array.NewInt32Builder(mem)
	add("int32", i32, func() { i32.Append(7) })
	u8 := array.NewUint8Builder(mem)
	add("uint8", u8, func() { u8.Append(255) })
	f64 := array.NewFloat64Builder(mem)
	add("float64", f64, func() { f64.Append(1.5) })
	bl := array.NewBooleanBuilder(mem)
	add("bool", bl, func() { bl.Append(true) })
	d32 := array.NewDate32Builder(mem)
	add("date32", d32, func() { d32.Append(arrow.Date32FromTime(mustTime(t, "2006-01-02", "1990-02-01"))) })
	tsType := &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}
	ts := array.NewTimestampBuilder(mem, tsType)
	add("ts", ts, func() {
		v, _ := arrow.TimestampFromTime(mustTime(t, "2006-01-02T15:04:05.000Z07:00", "2024-05-06T07:08:09.123Z"), arrow.Millisecond)
		ts.Append(v)
	})
	ls := array.NewLargeStringBuilder(mem)
	add("large", ls, func() { ls.Append("Phạm") })
	bin := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	add("binary", bin, func() { bin.Append([]byte("Võ")) })
	dt := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	db := array.NewDictionaryBuilder(mem, dt).(*array.BinaryDictionaryBuilder)
	add("dict", db, func() { db.AppendString("Hà Nội") })
	str := array.NewStringBuilder(mem)
	add("string", str, func() { str.Append("Nam") })

	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.arr.DataType(), Nullable: true}
		arrs[i] = c.arr
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, 2)
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

func TestAsStrings(t *testing.T) {
	want := map[string]string{
		"int64": "-42", "int32": "7", "uint8": "255", "float64": "1.5", "bool": "true",
		"date32": "1990-02-01", "ts": "2024-05-06T07:08:09.123Z", "large": "Phạm",
		"binary": "Võ", "dict": "Hà Nội", "string": "Nam",
	}
	for _, ext := range []string{"parquet", "arrow"} {
		path := filepath.Join(t.TempDir(), "typed."+ext)
		writeBatch(t, path, typedBatch(t))
		res := readAll(t, path, ReadOptions{AsStrings: true}, false)
		if res.err != nil {
			t.Fatalf("%s: %v", ext, res.err)
		}
		r, err := Open(path, ReadOptions{AsStrings: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Schema().Fields() {
			if f.Type.ID() != arrow.STRING {
				t.Errorf("%s: column %s has type %v, want string", ext, f.Name, f.Type)
			}
		}
		r.Close()
		if len(res.rows) != 2 {
			t.Fatalf("%s: %d rows, want 2", ext, len(res.rows))
		}
		for j, name := range res.names {
			if got := res.rows[0][j]; got != want[name] {
				t.Errorf("%s: column %s = %q, want %q", ext, name, got, want[name])
			}
			if got := res.rows[1][j]; got != nullMark {
				t.Errorf("%s: column %s: null read as %q", ext, name, got)
			}
		}
		if len(res.names) != len(want) {
			t.Errorf("%s: %d columns, want %d", ext, len(res.names), len(want))
		}
	}
}

func mustTime(t testing.TB, layout, v string) time.Time {
	tm, err := time.Parse(layout, v)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

// badFile is one kind of damaged or awkward input.
type badFile struct {
	name    string
	file    string                    // file name (its extension picks the format)
	content func(t *testing.T) []byte // bytes of the file
	opt     ReadOptions
	collect bool // collect rejects instead of failing on them

	wantErr     error    // errors.Is target; nil: no error
	wantErrText []string // substrings of the error message
	wantRows    int      // delivered rows (when no error)
	wantRejects []Reject // File is filled in by the test
	wantFileRow []int64  // file rows of the delivered rows, if set
}

func csvBytes(s string) func(*testing.T) []byte {
	return func(*testing.T) []byte { return []byte(s) }
}

// tableBytes writes a string table in a temporary file and returns its bytes.
func tableBytes(ext string, names []string, rows [][]string) func(*testing.T) []byte {
	return func(t *testing.T) []byte {
		path := filepath.Join(t.TempDir(), "src."+ext)
		writeStrings(t, path, names, rows)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func truncated(f func(*testing.T) []byte, keep float64) func(*testing.T) []byte {
	return func(t *testing.T) []byte {
		b := f(t)
		return b[:int(float64(len(b))*keep)]
	}
}

var (
	threeCols = []string{"record_id", "full_name", "phone"}
	someRows  = [][]string{{"1", secret, "0912345678"}, {"2", "Lê Thị B", "0987654321"}, {"3", "Hồ C", ""}}
	bigCell   = strings.Repeat("Nguyễn ", 1<<20/len("Nguyễn "))
)

func TestBadFiles(t *testing.T) {
	cases := []badFile{
		{name: "truncated parquet", file: "t.parquet", content: truncated(tableBytes("parquet", threeCols, someRows), 0.6),
			wantErr: ErrCorrupt},
		{name: "parquet cut at the footer", file: "t.parquet", content: truncated(tableBytes("parquet", threeCols, someRows), 0.98),
			wantErr: ErrCorrupt},
		{name: "text named parquet", file: "t.parquet", content: csvBytes("record_id,full_name\n1,x\n"),
			wantErr: ErrCorrupt},
		{name: "text named arrow", file: "t.arrow", content: csvBytes("record_id,full_name\n1,x\n"),
			wantErr: ErrCorrupt},
		{name: "truncated arrow", file: "t.arrow", content: truncated(tableBytes("arrow", threeCols, someRows), 0.5),
			wantErr: ErrCorrupt},
		{name: "empty parquet", file: "t.parquet", content: csvBytes(""), wantErr: ErrEmptyFile},
		{name: "empty csv", file: "t.csv", content: csvBytes(""), wantErr: ErrEmptyFile},
		{name: "empty arrow", file: "t.arrow", content: csvBytes(""), wantErr: ErrEmptyFile},
		{name: "csv only a BOM", file: "t.csv", content: csvBytes("\xEF\xBB\xBF\n"), wantErr: ErrEmptyFile},
		{name: "zero-row parquet", file: "t.parquet", content: tableBytes("parquet", threeCols, nil)},
		{name: "zero-row csv", file: "t.csv", content: csvBytes("record_id,full_name\n")},
		{name: "zero-row arrow", file: "t.arrow", content: tableBytes("arrow", threeCols, nil)},
		{name: "missing columns", file: "t.parquet", content: tableBytes("parquet", threeCols, someRows),
			opt:     ReadOptions{Columns: []string{"record_id", "national_id", "gender"}},
			wantErr: ErrMissingColumn, wantErrText: []string{"t.parquet", "national_id, gender", "record_id, #2, #3"}},
		{name: "missing column csv", file: "t.csv", content: csvBytes("a,b\n1,2\n"),
			opt: ReadOptions{Columns: []string{"c"}}, wantErr: ErrMissingColumn, wantErrText: []string{"column c", "#1, #2", "no column of the file is one the config names"}},
		{name: "headerless csv names no cell", file: "t.csv",
			content: csvBytes("1," + secretName + ",15/03/1990,\"" + secretAddr + "\"\n2,Lê Thị B,01/01/1991,Hà Nội\n"),
			opt:     ReadOptions{Columns: []string{"record_id", "full_name"}}, wantErr: ErrMissingColumn,
			wantErrText: []string{"#1, #2, #3, #4", "looks like data"}},
		{name: "headerless csv, equal cells", file: "t.csv",
			content: csvBytes("1,\"" + secretAddr + "\",\"" + secretAddr + "\"\n2,x,y\n"),
			wantErr: ErrDuplicateColumn, wantErrText: []string{"columns 2 and 3", "looks like data"}},
		{name: "headerless csv, equal cells, read with a config", file: "t.csv",
			content: csvBytes(secretName + ",\"" + secretAddr + "\",\"" + secretAddr + "\"\nx,y,z\n"),
			opt:     ReadOptions{Columns: []string{"full_name"}}, wantErr: ErrDuplicateColumn, wantErrText: []string{"columns 2 and 3", "looks like data"}},
		{name: "invalid UTF-8 error names an unasked column by position", file: "t.csv",
			content: csvBytes(secretName + ",x\n1,ok\xFF\n"), wantErr: ErrInvalidUTF8,
			wantErrText: []string{"t.csv: row 1, column #2: invalid UTF-8"}},
		{name: "headerless csv masks ID-like names", file: "t.csv", content: csvBytes("079123456789,Bí Mật\n1,2\n"),
			opt: ReadOptions{Columns: []string{"national_id"}}, wantErr: ErrMissingColumn, wantErrText: []string{"#1", "looks like data"}},
		{name: "extra columns ignored", file: "t.csv", content: csvBytes("a,b,c,d\n1,2,3,4\n"),
			opt: ReadOptions{Columns: []string{"c"}}, wantRows: 1},
		{name: "semicolon file read with comma", file: "t.csv", content: csvBytes("a;b;c\n1;2;3\n"),
			opt: ReadOptions{Delimiter: ','}, wantErr: ErrWrongDelimiter, wantErrText: []string{"';'", "delimiter"}},
		{name: "tab file read with comma", file: "t.csv", content: csvBytes("a\tb\n1\t2\n"),
			opt: ReadOptions{Delimiter: ','}, wantErr: ErrWrongDelimiter},
		{name: "comma file read with semicolon", file: "t.csv", content: csvBytes("a,b\n1,2\n"),
			opt: ReadOptions{Delimiter: ';'}, wantErr: ErrWrongDelimiter},
		{name: "semicolon detected", file: "t.csv", content: csvBytes("a;b;c\n1;\"x, y\";3\n"),
			opt: ReadOptions{Columns: []string{"c", "b"}}, wantRows: 1},
		{name: "tab detected", file: "t.csv", content: csvBytes("\xEF\xBB\xBFa\tb\r\n1\t2,5\r\n"),
			opt: ReadOptions{Columns: []string{"a", "b"}}, wantRows: 1},
		{name: "pipe detected", file: "t.csv", content: csvBytes("a|b\n1|2\n"),
			opt: ReadOptions{Columns: []string{"b"}}, wantRows: 1},
		{name: "two candidate delimiters: none guessed", file: "t.csv", content: csvBytes("a;b|c\n1;2|3\n"),
			wantErr: ErrWrongDelimiter},
		{name: "one-column file stays one column", file: "t.csv", content: csvBytes("record_id\n1;2\n"),
			opt: ReadOptions{Columns: []string{"record_id"}}, wantRows: 1},
		{name: "semicolon delimiter set", file: "t.csv", content: csvBytes("a;b;c\n1;2;3\n"),
			opt: ReadOptions{Delimiter: ';'}, wantRows: 1},
		{name: "ragged rows rejected", file: "t.csv", collect: true,
			content:  csvBytes("a,b,c\n1,2,3\n1,2\n1,2,3\n1,2,3,4\n" + "1," + secret + "\n"),
			wantRows: 2, wantFileRow: []int64{0, 2},
			wantRejects: []Reject{{Row: 2, Reason: ReasonRaggedRow}, {Row: 4, Reason: ReasonRaggedRow}, {Row: 5, Reason: ReasonRaggedRow}}},
		{name: "ragged row is an error without OnReject", file: "t.csv",
			content: csvBytes("a,b,c\n1,2,3\n1,2\n"), wantErr: ErrRaggedRow, wantErrText: []string{"t.csv: row 2: wrong number of fields"}},
		{name: "invalid UTF-8 csv", file: "t.csv", collect: true,
			content:  csvBytes("a,full_name\n1,ok\n2,Nguy\xE1\xBB\n3,\xFFx\n"),
			wantRows: 1, wantRejects: []Reject{{Row: 2, Column: "full_name", Reason: ReasonInvalidUTF8}, {Row: 3, Column: "full_name", Reason: ReasonInvalidUTF8}}},
		{name: "invalid UTF-8 error names row and column", file: "t.csv", opt: ReadOptions{Columns: []string{"a", "full_name"}},
			content: csvBytes("a,full_name\n1,ok\n2," + secret + "\xFF\n"), wantErr: ErrInvalidUTF8,
			wantErrText: []string{"t.csv: row 2, column full_name: invalid UTF-8"}},
		{name: "invalid UTF-8 parquet", file: "t.parquet", collect: true,
			content:  tableBytes("parquet", threeCols, [][]string{{"1", "ok", ""}, {"2", secret + "\xC3", ""}, {"3", "x", "\xE1\xBB"}, {"4", "y", ""}}),
			wantRows: 2, wantFileRow: []int64{0, 3},
			wantRejects: []Reject{{Row: 2, Column: "full_name", Reason: ReasonInvalidUTF8}, {Row: 3, Column: "phone", Reason: ReasonInvalidUTF8}}},
		{name: "invalid UTF-8 in an unread column is not checked", file: "t.parquet",
			content: tableBytes("parquet", threeCols, [][]string{{"1", "ok\xFF", ""}}),
			opt:     ReadOptions{Columns: []string{"record_id"}}, wantRows: 1},
		{name: "BOM stripped", file: "t.csv", content: csvBytes("\xEF\xBB\xBFrecord_id,b\n1,2\n"),
			opt: ReadOptions{Columns: []string{"record_id"}}, wantRows: 1},
		{name: "NUL byte", file: "t.csv", collect: true, content: csvBytes("a,b\n1,x\x00y\n2,z\n"),
			wantRows: 1, wantRejects: []Reject{{Row: 1, Column: "b", Reason: ReasonNULByte}}},
		{name: "NUL byte arrow", file: "t.arrow", collect: true,
			content:  tableBytes("arrow", threeCols, [][]string{{"1", "a\x00", ""}, {"2", "b", ""}}),
			wantRows: 1, wantRejects: []Reject{{Row: 1, Column: "full_name", Reason: ReasonNULByte}}},
		{name: "1 MB cell rejected by default", file: "t.csv", collect: true,
			content:  csvBytes("a,b\n1," + bigCell + "\n2,x\n"),
			wantRows: 1, wantRejects: []Reject{{Row: 1, Column: "b", Reason: ReasonCellTooLarge}}},
		{name: "1 MB cell accepted with a larger limit", file: "t.csv",
			content: csvBytes("a,b\n1," + bigCell + "\n2,x\n"), opt: ReadOptions{MaxCellBytes: 2 << 20}, wantRows: 2},
		{name: "1 MB cell parquet", file: "t.parquet", collect: true,
			content:  tableBytes("parquet", []string{"a"}, [][]string{{"x"}, {bigCell}}),
			wantRows: 1, wantRejects: []Reject{{Row: 2, Column: "a", Reason: ReasonCellTooLarge}}},
		{name: "duplicate header", file: "t.csv", content: csvBytes("a,b,a\n1,2,3\n"),
			wantErr: ErrDuplicateColumn, wantErrText: []string{"columns 1 and 3"}},
		{name: "duplicate header the config asks for", file: "t.csv", content: csvBytes("a,b,a\n1,2,3\n"),
			opt: ReadOptions{Columns: []string{"a"}}, wantErr: ErrDuplicateColumn, wantErrText: []string{"column a", "columns 1 and 3"}},
		{name: "duplicate header after trimming", file: "t.csv", content: csvBytes("a, a\n1,2\n"), wantErr: ErrDuplicateColumn},
		{name: "empty header name", file: "t.csv", content: csvBytes("a,,c\n1,2,3\n"), wantErr: ErrBadHeader},
		{name: "invalid UTF-8 header", file: "t.csv", content: csvBytes("a,\xFF\n1,2\n"), wantErr: ErrBadHeader},
		{name: "broken quote in header", file: "t.csv", content: csvBytes("a,b\"c\n1,2\n"), wantErr: ErrBadHeader},
		{name: "bare quote rejected", file: "t.csv", collect: true, content: csvBytes("a,b\n1,Trần \"Tý\"\n2,x\n"),
			wantRows: 1, wantRejects: []Reject{{Row: 1, Reason: ReasonCSVSyntax}}},
		{name: "bare quote allowed with LazyQuotes", file: "t.csv", content: csvBytes("a,b\n1,Trần \"Tý\"\n2,x\n"),
			opt: ReadOptions{LazyQuotes: true}, wantRows: 2},
		{name: "unclosed quote swallows the rest", file: "t.csv", collect: true, content: csvBytes("a,b\n1,x\n2,\"y\n3,z\n"),
			wantRows: 1, wantRejects: []Reject{{Row: 2, Reason: ReasonCSVSyntax}}},
		{name: "all rows rejected", file: "t.csv", collect: true, content: csvBytes("a,b\n1\n2\n"),
			wantRows: 0, wantRejects: []Reject{{Row: 1, Reason: ReasonRaggedRow}, {Row: 2, Reason: ReasonRaggedRow}}},
		{name: "blank lines are not rows", file: "t.csv", content: csvBytes("a,b\n\n1,2\n\n\n3,4\n"), wantRows: 2},
		{name: "CRLF line ends", file: "t.csv", content: csvBytes("a,b\r\n1,2\r\n3,4\r\n"), wantRows: 2},
		{name: "unknown extension", file: "t.txt", content: csvBytes("a\n1\n"), wantErrText: []string{"unknown table format"}},
		{name: "column requested twice", file: "t.csv", content: csvBytes("a,b\n1,2\n"),
			opt: ReadOptions{Columns: []string{"a", "a"}}, wantErrText: []string{"requested twice"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.file)
			if err := os.WriteFile(path, tc.content(t), 0o600); err != nil {
				t.Fatal(err)
			}
			res := readAll(t, path, tc.opt, tc.collect)
			wantAnyErr := tc.wantErr != nil || tc.wantErrText != nil
			switch {
			case wantAnyErr && res.err == nil:
				t.Fatalf("no error, want %v", tc.wantErr)
			case !wantAnyErr && res.err != nil:
				t.Fatalf("error %v", res.err)
			}
			if res.err != nil {
				msg := res.err.Error()
				var de *Error
				if !errors.As(res.err, &de) || de.File != path {
					t.Errorf("error %q is not a *dataio.Error naming the file", msg)
				}
				if tc.wantErr != nil && !errors.Is(res.err, tc.wantErr) {
					t.Errorf("error %q is not %v", msg, tc.wantErr)
				}
				for _, s := range tc.wantErrText {
					if !strings.Contains(msg, s) {
						t.Errorf("error %q does not contain %q", msg, s)
					}
				}
				if strings.Contains(msg, secret) || strings.Contains(msg, "079123456789") ||
					strings.Contains(msg, secretName) || strings.Contains(msg, "Phố Huế") || strings.Contains(msg, "15/03/1990") {
					t.Errorf("error %q contains a cell value", msg)
				}
				return
			}
			if len(res.rows) != tc.wantRows {
				t.Errorf("%d rows delivered, want %d", len(res.rows), tc.wantRows)
			}
			for i := range tc.wantRejects {
				tc.wantRejects[i].File = path
			}
			if !slices.Equal(res.rejects, tc.wantRejects) {
				t.Errorf("rejects %+v\nwant %+v", res.rejects, tc.wantRejects)
			}
			if tc.wantFileRow != nil && !slices.Equal(res.fileRow, tc.wantFileRow) {
				t.Errorf("file rows %v, want %v", res.fileRow, tc.wantFileRow)
			}
			for _, row := range res.rows {
				for _, v := range row {
					if strings.Contains(v, secret) && tc.collect {
						t.Errorf("a faulty row was delivered")
					}
				}
			}
		})
	}
}

// TestRowNumbersAcrossBatches checks that file rows stay right when
// rejects fall in several small batches.
func TestRowNumbersAcrossBatches(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("id,v\n")
	var wantRows []int64
	var wantRejects []int64
	for i := 0; i < 50; i++ {
		switch {
		case i%7 == 3:
			b.WriteString("x\n") // ragged
			wantRejects = append(wantRejects, int64(i+1))
		case i%11 == 5:
			b.WriteString("x,\xFF\n")
			wantRejects = append(wantRejects, int64(i+1))
		default:
			b.WriteString("x,ok\n")
			wantRows = append(wantRows, int64(i))
		}
	}
	for _, ext := range []string{"csv", "parquet"} {
		path := filepath.Join(t.TempDir(), "t.csv")
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if ext == "parquet" {
			// Same faults, bar the ragged rows, in a Parquet file.
			path = filepath.Join(t.TempDir(), "t.parquet")
			var rows [][]string
			wantRows, wantRejects = nil, nil
			for i := 0; i < 50; i++ {
				if i%11 == 5 {
					rows = append(rows, []string{"x", "\xFF"})
					wantRejects = append(wantRejects, int64(i+1))
				} else {
					rows = append(rows, []string{"x", "ok"})
					wantRows = append(wantRows, int64(i))
				}
			}
			writeStrings(t, path, []string{"id", "v"}, rows)
		}
		for _, batch := range []int{1, 4, 64} {
			res := readAll(t, path, ReadOptions{BatchSize: batch}, true)
			if res.err != nil {
				t.Fatal(res.err)
			}
			if !slices.Equal(res.fileRow, wantRows) {
				t.Errorf("%s batch %d: file rows %v, want %v", ext, batch, res.fileRow, wantRows)
			}
			var got []int64
			for _, r := range res.rejects {
				got = append(got, r.Row)
			}
			if !slices.Equal(got, wantRejects) {
				t.Errorf("%s batch %d: rejected rows %v, want %v", ext, batch, got, wantRejects)
			}
		}
	}
}

func TestErrorMessage(t *testing.T) {
	cases := []struct {
		err  Error
		want string
	}{
		{Error{File: "population/01.parquet", Row: 12, Column: "full_name", Err: ErrInvalidUTF8}, "population/01.parquet: row 12, column full_name: invalid UTF-8"},
		{Error{File: "a.csv", Row: 3, Err: ErrRaggedRow}, "a.csv: row 3: wrong number of fields"},
		{Error{File: "a.csv", Column: "x", Err: ErrDuplicateColumn}, "a.csv: column x: duplicate column name"},
		{Error{File: "a.csv", Err: ErrEmptyFile}, "a.csv: empty file"},
	}
	for _, c := range cases {
		if got := c.err.Error(); got != c.want {
			t.Errorf("Error() = %q, want %q", got, c.want)
		}
		if !errors.Is(&c.err, c.err.Err) {
			t.Errorf("%q does not unwrap to its sentinel", c.want)
		}
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := Open(filepath.Join(t.TempDir(), "nope.parquet"), ReadOptions{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v, want not-exist", err)
	}
}

func TestStringBatchBuilder(t *testing.T) {
	b := NewStringBatchBuilder(StringSchema("a", "b"))
	defer b.Release()
	b.Append([]string{"x", "ý"})
	b.Column(0).Append("y")
	b.Column(1).AppendNull()
	b.Column(0).BinaryBuilder.Append([]byte("z"))
	b.Column(1).Append("")
	if b.Len() != 3 {
		t.Fatalf("Len %d, want 3", b.Len())
	}
	rec := b.NewBatch()
	defer rec.Release()
	if rec.NumRows() != 3 || b.Len() != 0 {
		t.Fatalf("batch has %d rows, builder %d after NewBatch", rec.NumRows(), b.Len())
	}
	got := [][]string{}
	for i := 0; i < 3; i++ {
		row := []string{}
		for _, c := range rec.Columns() {
			if c.IsNull(i) {
				row = append(row, nullMark)
			} else {
				row = append(row, c.(*array.String).Value(i))
			}
		}
		got = append(got, row)
	}
	want := [][]string{{"x", "ý"}, {"y", nullMark}, {"z", ""}}
	if !equalRows(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("NewBatch with unequal columns did not panic")
			}
		}()
		b.Column(0).Append("only one")
		b.NewBatch()
	}()
}

func TestListInputs(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.csv", "a.parquet", "c.arrow", ".hidden.parquet", ".a.parquet.tmp-123", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.parquet"), 0o700); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	got, err := ListInputs([]string{dir, filepath.Join(dir, "b.csv")})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "a.parquet"), filepath.Join(dir, "b.csv"), filepath.Join(dir, "c.arrow")}
	if !slices.Equal(got, want) {
		t.Errorf("ListInputs = %v, want %v", got, want)
	}
	for _, bad := range [][]string{{filepath.Join(dir, "missing")}, {empty}, {filepath.Join(dir, "notes.txt")}, nil} {
		if _, err := ListInputs(bad); err == nil {
			t.Errorf("ListInputs(%v) gave no error", bad)
		}
	}
}

// TestListInputsBrokenLinks checks that a table in an input folder that
// cannot be opened stops the listing with an error naming it, instead of
// vanishing from the run (issue 19, item 1).
func TestListInputsBrokenLinks(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(dir string) error
	}{
		{"dangling symlink", func(dir string) error {
			return os.Symlink(filepath.Join(dir, "gone.csv"), filepath.Join(dir, "b.csv"))
		}},
		{"symlink loop", func(dir string) error {
			if err := os.Symlink(filepath.Join(dir, "c.csv"), filepath.Join(dir, "b.csv")); err != nil {
				return err
			}
			return os.Symlink(filepath.Join(dir, "b.csv"), filepath.Join(dir, "c.csv"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("x\n1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := tc.make(dir); err != nil {
				t.Skip(err)
			}
			got, err := ListInputs([]string{dir})
			if err == nil {
				t.Fatalf("ListInputs = %v, want an error for b.csv", got)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, "b.csv")) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	// A dangling link whose name is no table is not an input: still skipped.
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte("x\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), filepath.Join(dir, "notes.txt")); err != nil {
		t.Fatal(err)
	}
	if _, err := ListInputs([]string{dir}); err != nil {
		t.Errorf("a dangling non-table link: %v", err)
	}
}

// TestDetectedDelimiterValues checks that a detected delimiter splits the
// rows too, with quoting, and keeps commas inside cells.
func TestDetectedDelimiterValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "excel.csv")
	content := "record_id;full_name;address\r\n1;" + secretName + ";\"" + secretAddr + "\"\r\n2;Lê Thị B;Huế, Thừa Thiên Huế\r\n"
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	res := readAll(t, path, ReadOptions{Columns: []string{"record_id", "address"}, AsStrings: true}, false)
	if res.err != nil {
		t.Fatal(res.err)
	}
	want := [][]string{{"1", secretAddr}, {"2", "Huế, Thừa Thiên Huế"}}
	if !equalRows(res.rows, want) {
		t.Errorf("rows %q, want %q", res.rows, want)
	}
}

// utf16 encodes s as UTF-16 with a byte-order mark.
func utf16(s string, bigEndian bool) []byte {
	var b []byte
	if bigEndian {
		b = append(b, 0xFE, 0xFF)
	} else {
		b = append(b, 0xFF, 0xFE)
	}
	for _, r := range s {
		var units []uint16
		if r >= 0x10000 {
			r -= 0x10000
			units = []uint16{uint16(0xD800 + r>>10), uint16(0xDC00 + r&0x3FF)}
		} else {
			units = []uint16{uint16(r)}
		}
		for _, u := range units {
			if bigEndian {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
	}
	return b
}

// TestCSVEncodings checks UTF-16 files with a BOM are decoded, and a file
// in an 8-bit code page fails saying so, after rejecting every row.
func TestCSVEncodings(t *testing.T) {
	text := "record_id\tfull_name\r\n1\tNguyễn Văn Ánh\r\n2\t" + secretName + " 😀\r\n"
	for _, be := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "u16.csv")
		if err := os.WriteFile(path, utf16(text, be), 0o600); err != nil {
			t.Fatal(err)
		}
		res := readAll(t, path, ReadOptions{Columns: []string{"record_id", "full_name"}}, false)
		if res.err != nil {
			t.Fatalf("big-endian %v: %v", be, res.err)
		}
		want := [][]string{{"1", "Nguyễn Văn Ánh"}, {"2", secretName + " 😀"}}
		if !equalRows(res.rows, want) {
			t.Errorf("big-endian %v: rows %q, want %q", be, res.rows, want)
		}
	}

	// Windows-1258: "Nguyễn Văn Ánh" as ê + combining tilde, ă, Á.
	cp1258 := "record_id,full_name\n1,Nguy\xEA\xDEn V\xE3n \xC1nh\n2,Tr\xE2\xECn Th\xEA\xD2\n3,L\xEA V\xE3n\n"
	path := filepath.Join(t.TempDir(), "cp1258.csv")
	if err := os.WriteFile(path, []byte(cp1258), 0o600); err != nil {
		t.Fatal(err)
	}
	res := readAll(t, path, ReadOptions{}, true)
	if !errors.Is(res.err, ErrNotUTF8) {
		t.Fatalf("error %v, want ErrNotUTF8", res.err)
	}
	if msg := res.err.Error(); !strings.Contains(msg, "Windows-1258") || !strings.Contains(msg, "all 3 rows") {
		t.Errorf("error %q does not name the encoding and the rows", msg)
	}
	if len(res.rejects) != 3 {
		t.Errorf("%d rejects, want every row (3) before the error", len(res.rejects))
	}

	// UTF-16 without a BOM: the header itself is unreadable; the error says why.
	u16 := utf16("record_id,full_name\n1,x\n", false)[2:]
	path = filepath.Join(t.TempDir(), "nobom.csv")
	if err := os.WriteFile(path, u16, 0o600); err != nil {
		t.Fatal(err)
	}
	res = readAll(t, path, ReadOptions{}, true)
	if res.err == nil || !strings.Contains(res.err.Error(), "UTF-16 little-endian") {
		t.Errorf("UTF-16 without BOM: error %v, want one naming UTF-16", res.err)
	}

	// Most rows invalid but some readable: delivered, with a warning.
	mixed := "a,b\n1,ok\n2,L\xEA\n3,V\xE3n\n"
	path = filepath.Join(t.TempDir(), "mixed.csv")
	if err := os.WriteFile(path, []byte(mixed), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, ReadOptions{OnReject: func(Reject) {}})
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if w := r.Warnings(); len(w) != 1 || !strings.Contains(w[0], "2 of 3 rows") {
		t.Errorf("warnings %q, want one about 2 of 3 rows", w)
	}
	r.Close()
}

// TestNumericColumnsAsText checks that typed numbers read as text keep
// every digit without an exponent, and that each numeric column read as
// text gets a warning naming it (issue 19, item 7).
func TestNumericColumnsAsText(t *testing.T) {
	mem := memory.NewGoAllocator()
	ids := array.NewInt64Builder(mem)
	ids.AppendValues([]int64{1234567890, 79123456789}, nil)
	phones := array.NewFloat64Builder(mem)
	phones.AppendValues([]float64{329781457, 912345678.5}, nil)
	small := array.NewFloat32Builder(mem)
	small.AppendValues([]float32{1e7, 0.25}, nil)
	names := array.NewStringBuilder(mem)
	names.AppendValues([]string{"a", "b"}, nil)
	cols := []arrow.Array{ids.NewArray(), phones.NewArray(), small.NewArray(), names.NewArray()}
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "national_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "phone", Type: arrow.PrimitiveTypes.Float64},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "full_name", Type: arrow.BinaryTypes.String},
	}, nil)
	rec := array.NewRecordBatch(sc, cols, 2)
	for _, c := range cols {
		c.Release()
	}
	path := filepath.Join(t.TempDir(), "typed.parquet")
	writeBatch(t, path, rec)
	r, err := Open(path, ReadOptions{Columns: []string{"national_id", "phone", "full_name"}, AsStrings: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var got [][]string
	for r.Next() {
		b := r.Batch()
		for i := 0; i < int(b.NumRows()); i++ {
			row := []string{}
			for _, c := range b.Columns() {
				row = append(row, c.(*array.String).Value(i))
			}
			got = append(got, row)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"1234567890", "329781457", "a"}, {"79123456789", "912345678.5", "b"}}
	if !equalRows(got, want) {
		t.Errorf("rows %q, want %q", got, want)
	}
	w := r.Warnings()
	if len(w) != 2 || !strings.Contains(w[0], "column national_id is stored as int64") ||
		!strings.Contains(w[1], "column phone is stored as float64") || !strings.HasPrefix(w[0], path+": ") {
		t.Errorf("warnings %q, want one for national_id and one for phone", w)
	}
	res := readAll(t, path, ReadOptions{Columns: []string{"f32"}, AsStrings: true}, false)
	if res.err != nil || len(res.rows) != 2 || res.rows[0][0] != "10000000" || res.rows[1][0] != "0.25" {
		t.Errorf("float32 as text: %q, %v; want 10000000 and 0.25", res.rows, res.err)
	}
}

// TestCountRows: the progress total of each format without reading the
// data: a Parquet file's rows from its footer, an Arrow IPC file's (file
// and stream format, several batches) from its batch headers, a CSV's from
// its line ends outside quotes; a file that cannot be read is unknown.
func TestCountRows(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{"parquet", "arrow", "csv"} {
		p := filepath.Join(dir, "t."+ext)
		if err := os.WriteFile(p, tableBytes(ext, threeCols, someRows)(t), 0o600); err != nil {
			t.Fatal(err)
		}
		if n, ok := CountRows(p); !ok || n != int64(len(someRows)) {
			t.Errorf("%s: %d, %v; want %d, true", ext, n, ok, len(someRows))
		}
	}
	seeds := ipcSeeds(t)
	for i, want := range []int64{5, -1, 10, 10} {
		p := filepath.Join(dir, fmt.Sprintf("seed%d.arrow", i))
		if err := os.WriteFile(p, seeds[i], 0o600); err != nil {
			t.Fatal(err)
		}
		if want < 0 {
			want = int64(len(readAll(t, p, ReadOptions{AsStrings: true}, false).rows))
		}
		if n, ok := CountRows(p); !ok || n != want {
			t.Errorf("arrow seed %d: %d, %v; want %d, true", i, n, ok, want)
		}
	}
	for _, tc := range []struct {
		body string
		want int64
	}{
		{"a,b\n1,2\n3,4\n", 2},
		{"a,b\r\n1,2\r\n3,4", 2},                         // CRLF, no final line end
		{"a,b\n1,\"x\ny\"\n2,\"say \"\"hi\"\"\n\"\n", 2}, // line ends inside quotes
		{"a,b\n", 0},
		{"a,b", 0},
		{"", 0},
		{"\ufeffa,b\n1,2\n", 1},
	} {
		p := filepath.Join(dir, "c.csv")
		if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		if n, ok := CountRows(p); !ok || n != tc.want {
			t.Errorf("csv %q: %d, %v; want %d, true", tc.body, n, ok, tc.want)
		}
	}
	if _, ok := CountRows(filepath.Join(dir, "missing.parquet")); ok {
		t.Error("missing file: known, want unknown")
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.arrow"), []byte("ARROW1\x00\x00\xff\xff\xff\xff\x10"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := CountRows(filepath.Join(dir, "bad.arrow")); ok {
		t.Error("damaged arrow file: known, want unknown")
	}
}

// FuzzCSVRowCount: a CSV written by encoding/csv (fields quoted where
// they hold a delimiter, quote or line end) counts its records.
func FuzzCSVRowCount(f *testing.F) {
	f.Add("a,b\nc", "\"", 3)
	f.Add("x\r\ny", "", 1)
	f.Fuzz(func(t *testing.T, a, b string, rows int) {
		rows = rows & 63
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write([]string{"h1", "h2"})
		for i := 0; i < rows; i++ {
			w.Write([]string{a, b + strconv.Itoa(i)})
		}
		w.Flush()
		if n, ok := countCSVRows(&buf); !ok || n != int64(rows) {
			t.Fatalf("%d rows of %q, %q: counted %d, %v", rows, a, b, n, ok)
		}
	})
}

// FuzzIPCRowCount: a damaged Arrow IPC file's count is unknown or a
// number, never a panic or a hang.
func FuzzIPCRowCount(f *testing.F) {
	for _, seed := range ipcSeeds(f) {
		f.Add(seed)
		for _, at := range []int{6, 9, len(seed) / 3, len(seed) / 2, len(seed) - 12, len(seed) - 9} {
			m := bytes.Clone(seed)
			m[at] ^= 0xFF
			f.Add(m)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if n, ok := countIPCRows(bytes.NewReader(data), int64(len(data))); ok && n < 0 {
			t.Fatalf("negative count %d", n)
		}
	})
}
