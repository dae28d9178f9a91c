// Package dataio reads and writes the engine's tables: Parquet (the
// default, through arrow-go's pqarrow), CSV (UTF-8 with a header row) and
// Arrow IPC files. Readers stream record batches; writers take record
// batches and publish their file atomically: data goes to a temporary name
// beside the target, created with mode 0600, and is renamed over the target
// only by Commit, so a reader never sees a partial output.
package dataio

import (
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// Format is a table file format.
type Format int

const (
	Parquet Format = iota
	CSV
	ArrowIPC
)

func (f Format) String() string {
	switch f {
	case Parquet:
		return "parquet"
	case CSV:
		return "csv"
	case ArrowIPC:
		return "arrow"
	}
	return "unknown"
}

// FormatOf tells a file's format from its extension (.parquet, .csv,
// .arrow/.ipc/.feather).
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".parquet", ".pq":
		return Parquet, nil
	case ".csv":
		return CSV, nil
	case ".arrow", ".ipc", ".feather":
		return ArrowIPC, nil
	}
	return 0, fmt.Errorf("%s: unknown table format (want .parquet, .csv or .arrow)", path)
}

// DefaultRowGroupRows is the Parquet row-group size: big enough for good
// compression and column statistics, small enough to stream.
const DefaultRowGroupRows = 128 * 1024

// FileMode is the mode of every output file: the data is about citizens.
const FileMode = 0o600

// Writer writes record batches to one table file atomically.
type Writer struct {
	path, tmp string
	file      *os.File
	format    Format
	schema    *arrow.Schema
	pq        *pqarrow.FileWriter
	ipc       *ipc.FileWriter
	csv       *csv.Writer
	row       []string
	rows      int64
	finished  bool // Finish succeeded: the temporary file is complete and closed
	done      bool
}

// Create opens a writer for path in the format its extension names. Nothing
// appears at path until Commit succeeds; Abort (or a failed Commit) removes
// the temporary file.
func Create(path string, schema *arrow.Schema) (*Writer, error) {
	format, err := FormatOf(path)
	if err != nil {
		return nil, err
	}
	return CreateFormat(path, schema, format)
}

// CreateFormat is Create with an explicit format.
func CreateFormat(path string, schema *arrow.Schema, format Format) (*Writer, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", path, err)
	}
	if err := f.Chmod(FileMode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("cannot set mode of %s: %w", path, err)
	}
	w := &Writer{path: path, tmp: f.Name(), file: f, format: format, schema: schema}
	switch format {
	case Parquet:
		props := parquet.NewWriterProperties(
			parquet.WithCompression(compress.Codecs.Zstd),
			parquet.WithCompressionLevel(1),
			parquet.WithMaxRowGroupLength(DefaultRowGroupRows),
			parquet.WithDictionaryDefault(false),
			parquet.WithStats(true),
		)
		// The Parquet writer closes a sink that is an io.Closer; it gets
		// a plain io.Writer so that Commit can still sync the file.
		w.pq, err = pqarrow.NewFileWriter(schema, writerOnly{f}, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	case ArrowIPC:
		w.ipc, err = ipc.NewFileWriter(f, ipc.WithSchema(schema), ipc.WithZstd())
	case CSV:
		w.csv = csv.NewWriter(f)
		w.row = make([]string, schema.NumFields())
		for i, fld := range schema.Fields() {
			w.row[i] = fld.Name
		}
		err = w.csv.Write(w.row)
	default:
		err = fmt.Errorf("unsupported format %v", format)
	}
	if err != nil {
		w.Abort()
		return nil, fmt.Errorf("cannot start %s: %w", path, err)
	}
	return w, nil
}

// Path is the final path of the file.
func (w *Writer) Path() string { return w.path }

// Rows is the number of rows written so far.
func (w *Writer) Rows() int64 { return w.rows }

// Write appends a record batch whose schema equals the writer's.
func (w *Writer) Write(rec arrow.RecordBatch) error {
	if w.done || w.finished {
		return fmt.Errorf("%s: write after finish, commit or abort", w.path)
	}
	if !rec.Schema().Equal(w.schema) {
		return fmt.Errorf("%s: batch schema %v differs from file schema %v", w.path, rec.Schema(), w.schema)
	}
	var err error
	switch w.format {
	case Parquet:
		// WriteBuffered fills a row group across batches instead of
		// cutting one row group per batch.
		err = w.pq.WriteBuffered(rec)
	case ArrowIPC:
		err = w.ipc.Write(rec)
	case CSV:
		err = w.writeCSV(rec)
	}
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", w.path, err)
	}
	w.rows += rec.NumRows()
	return nil
}

func (w *Writer) writeCSV(rec arrow.RecordBatch) error {
	cols := rec.Columns()
	for r := 0; r < int(rec.NumRows()); r++ {
		for c, col := range cols {
			w.row[c] = FormatValue(col, r)
		}
		if err := w.csv.Write(w.row); err != nil {
			return err
		}
	}
	return w.csv.Error()
}

// FormatValue renders one cell as CSV text: null is the empty string.
func FormatValue(col arrow.Array, i int) string {
	if col.IsNull(i) {
		return ""
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.Int8:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.FormatInt(a.Value(i), 10)
	case *array.Uint8:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.FormatUint(uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(a.Value(i), 10)
	case *array.Float32:
		return strconv.FormatFloat(float64(a.Value(i)), 'g', -1, 32)
	case *array.Float64:
		return strconv.FormatFloat(a.Value(i), 'g', -1, 64)
	case *array.Boolean:
		return strconv.FormatBool(a.Value(i))
	case *array.List:
		// The values joined by ';' (golden.parquet's member_ids and
		// quality_flags).
		return string(appendText(nil, a, i))
	}
	return col.ValueStr(i)
}

// Finish completes and syncs the temporary file without publishing it, so
// that a caller writing several files can finish them all (where a full
// disk shows) before renaming any: Commit then only renames. On error the
// temporary file is removed, as by Abort.
func (w *Writer) Finish() error {
	if w.done {
		return fmt.Errorf("%s: finish after commit or abort", w.path)
	}
	if w.finished {
		return nil
	}
	err := w.finish()
	if err != nil {
		w.done = true
		os.Remove(w.tmp)
		return fmt.Errorf("cannot finish %s: %w", w.path, err)
	}
	w.finished = true
	return nil
}

func (w *Writer) finish() error {
	var err error
	switch w.format {
	case Parquet:
		err = w.pq.Close()
	case ArrowIPC:
		err = w.ipc.Close()
	case CSV:
		w.csv.Flush()
		err = w.csv.Error()
	}
	if err == nil {
		err = w.file.Sync()
	}
	if cerr := w.file.Close(); err == nil {
		err = cerr
	}
	return err
}

// Commit finishes the file (unless Finish did), syncs it and renames it to
// its final path.
func (w *Writer) Commit() error {
	if w.done {
		return fmt.Errorf("%s: commit after commit or abort", w.path)
	}
	var err error
	if !w.finished {
		err = w.finish()
	}
	if err == nil {
		err = os.Rename(w.tmp, w.path)
	}
	if err == nil {
		syncDir(w.path)
	}
	w.done = true
	if err != nil {
		os.Remove(w.tmp)
		return fmt.Errorf("cannot finish %s: %w", w.path, err)
	}
	return nil
}

// Abort drops the temporary file. It is safe to call after Commit, so
// `defer w.Abort()` cleans up on every error path.
func (w *Writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	if !w.finished {
		w.file.Close()
	}
	os.Remove(w.tmp)
}

// writerOnly hides every method of the file but Write.
type writerOnly struct{ f *os.File }

func (w writerOnly) Write(p []byte) (int, error) { return w.f.Write(p) }

// syncDir makes a rename durable by syncing the folder that holds path.
// Failure is ignored: some file systems cannot sync a folder, and the
// data itself is already synced.
func syncDir(path string) {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

// WriteFileAtomic writes data to path through a temporary file and a
// rename, with mode 0600. It is for small outputs such as manifests.
func WriteFileAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(FileMode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	syncDir(path)
	return nil
}

// IsWriterTemp reports whether name is a temporary file of Create or
// WriteFileAtomic: "." + base + ".tmp-" + a random suffix of digits.
func IsWriterTemp(name string) bool {
	if !strings.HasPrefix(name, ".") {
		return false
	}
	i := strings.LastIndex(name, ".tmp-")
	if i <= 1 || i+len(".tmp-") == len(name) {
		return false
	}
	for _, c := range name[i+len(".tmp-"):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// RemoveStaleTemps removes the temporaries a killed writer of path left
// beside it (".BASE.tmp-*"). Only one writer may write a path at a time:
// a concurrent writer's temporary would be removed too.
func RemoveStaleTemps(path string) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read the output folder: %w", err)
	}
	prefix := "." + base + ".tmp-"
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), prefix) || !IsWriterTemp(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot remove a stale temporary file: %w", err)
		}
	}
	return nil
}

// AppendTextRow appends one row of text cells to a builder whose fields
// are all strings: cell j, or null where valid[j] is false.
func AppendTextRow(b *array.RecordBuilder, cells []string, valid []bool) {
	for j, c := range cells {
		sb := b.Field(j).(*array.StringBuilder)
		if valid[j] {
			sb.Append(c)
		} else {
			sb.AppendNull()
		}
	}
}
