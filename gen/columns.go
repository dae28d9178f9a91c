package gen

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/dedup-vn/dedup/dataio"
)

// Column lists of every output file; every column is a UTF-8 string and
// the empty string means missing (docs/ARCHITECTURE.md, "Generated data").
var (
	PopulationColumns = []string{"record_id", "full_name", "date_of_birth", "gender", "national_id", "phone",
		"permanent_address", "current_address", "province_code", "updated_at"}
	PopulationTruthColumns = []string{"record_id", "person_id", "corruptions", "hard_negative", "hard_negative_group",
		"true_full_name", "true_date_of_birth", "true_gender", "true_national_id", "true_phone",
		"true_permanent_ward_old", "true_permanent_ward_2025", "true_permanent_province_2025",
		"true_current_ward_old", "true_current_ward_2025", "true_current_province_2025", "true_encoding"}
	SubscriberColumns = []string{"subscription_id", "carrier", "msisdn", "registered_name", "registered_dob",
		"registered_id_number", "registered_address", "activated_at"}
	SubscriberTruthColumns = []string{"subscription_id", "person_id", "case", "corruptions"}
)

func stringSchema(cols []string) *arrow.Schema {
	f := make([]arrow.Field, len(cols))
	for i, c := range cols {
		f[i] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String}
	}
	return arrow.NewSchema(f, nil)
}

// batch is a set of string columns: one byte arena and offsets per column.
// Rows are appended field by field, in column order.
type batch struct {
	data [][]byte
	offs [][]int32
	rows int
}

func newBatch(ncol int) *batch {
	b := &batch{data: make([][]byte, ncol), offs: make([][]int32, ncol)}
	for i := range b.offs {
		b.offs[i] = append(b.offs[i], 0)
	}
	return b
}

func (b *batch) reset() {
	for i := range b.data {
		b.data[i] = b.data[i][:0]
		b.offs[i] = b.offs[i][:1]
	}
	b.rows = 0
}

// set appends field col of the current row.
func (b *batch) set(col int, v []byte) {
	b.data[col] = append(b.data[col], v...)
	b.offs[col] = append(b.offs[col], int32(len(b.data[col])))
}

func (b *batch) setStr(col int, v string) {
	b.data[col] = append(b.data[col], v...)
	b.offs[col] = append(b.offs[col], int32(len(b.data[col])))
}

// endRow closes the current row.
func (b *batch) endRow() { b.rows++ }

func (b *batch) bytes() int {
	n := 0
	for _, d := range b.data {
		n += len(d)
	}
	return n
}

// appendBatch copies the rows of o after those of b.
func (b *batch) appendBatch(o *batch) {
	for c := range b.data {
		base := int32(len(b.data[c]))
		b.data[c] = append(b.data[c], o.data[c]...)
		for _, off := range o.offs[c][1:] {
			b.offs[c] = append(b.offs[c], base+off)
		}
	}
	b.rows += o.rows
}

// record wraps the batch's buffers as an arrow record without copying;
// it is valid until the batch is next changed.
func (b *batch) record(schema *arrow.Schema) arrow.RecordBatch {
	cols := make([]arrow.Array, len(b.data))
	for c := range b.data {
		offs := b.offs[c]
		ob := unsafe.Slice((*byte)(unsafe.Pointer(&offs[0])), len(offs)*4)
		d := array.NewData(arrow.BinaryTypes.String, b.rows,
			[]*memory.Buffer{nil, memory.NewBufferBytes(ob), memory.NewBufferBytes(b.data[c])}, nil, 0, 0)
		cols[c] = array.NewStringData(d)
		d.Release()
	}
	rec := array.NewRecordBatch(schema, cols, int64(b.rows))
	for _, c := range cols {
		c.Release()
	}
	return rec
}

// sink is one output file. It gathers rows until a row group's worth and
// writes them as one row group: the dataio writer buffers a whole 128k-row
// group per file, which for ~70 files open at once costs more memory than
// the generator may use.
type sink struct {
	rel      string // path relative to the output folder
	schema   *arrow.Schema
	buf      *batch
	maxBytes int
	maxRows  int
	rows     int64

	// Parquet: written here directly, one row group per flush.
	path, tmp string
	file      *os.File
	pq        *pqarrow.FileWriter
	// CSV: through dataio.
	csv *dataio.Writer
}

func newSink(dir, rel, format string, cols []string, maxBytes int) (*sink, error) {
	s := &sink{rel: rel, schema: stringSchema(cols), buf: newBatch(len(cols)), maxBytes: maxBytes, maxRows: dataio.DefaultRowGroupRows}
	s.path = filepath.Join(dir, rel)
	if format == "csv" {
		w, err := dataio.CreateFormat(s.path, s.schema, dataio.CSV)
		if err != nil {
			return nil, err
		}
		s.csv = w
		return s, nil
	}
	f, err := os.CreateTemp(filepath.Dir(s.path), "."+filepath.Base(s.path)+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("cannot create %s: %w", s.path, err)
	}
	s.file, s.tmp = f, f.Name()
	if err := f.Chmod(dataio.FileMode); err != nil {
		s.abort()
		return nil, fmt.Errorf("cannot set mode of %s: %w", s.path, err)
	}
	s.pq, err = pqarrow.NewFileWriter(s.schema, f, writerProperties(cols), pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		s.abort()
		return nil, fmt.Errorf("cannot start %s: %w", s.path, err)
	}
	return s, nil
}

// dictionaryColumns are the columns with few distinct values, written
// dictionary-encoded. The rest are written plain: a dictionary that
// outgrows its page falls back to plain mid-chunk, and arrow-go then lists
// the chunk's page encodings in map order, so the same rows would not
// always give the same bytes. Under the 16 MiB dictionary limit below none
// of these columns can fall back (a row group holds at most 128k values of
// a few dozen bytes).
var dictionaryColumns = map[string]bool{
	"date_of_birth": true, "gender": true, "province_code": true,
	"corruptions": true, "hard_negative": true, "true_date_of_birth": true, "true_gender": true,
	"true_permanent_ward_old": true, "true_permanent_ward_2025": true, "true_permanent_province_2025": true,
	"true_current_ward_old": true, "true_current_ward_2025": true, "true_current_province_2025": true, "true_encoding": true,
	"carrier": true, "registered_dob": true, "case": true,
}

func writerProperties(cols []string) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(1),
		parquet.WithMaxRowGroupLength(int64(dataio.DefaultRowGroupRows)),
		parquet.WithDictionaryDefault(false),
		parquet.WithDictionaryPageSizeLimit(16 << 20),
		parquet.WithStats(true),
	}
	for _, c := range cols {
		if dictionaryColumns[c] {
			opts = append(opts, parquet.WithDictionaryFor(c, true))
		}
	}
	return parquet.NewWriterProperties(opts...)
}

// add takes the rows of b.
func (s *sink) add(b *batch) error {
	if b == nil || b.rows == 0 {
		return nil
	}
	s.buf.appendBatch(b)
	s.rows += int64(b.rows)
	if s.buf.rows >= s.maxRows || s.buf.bytes() >= s.maxBytes {
		return s.flush()
	}
	return nil
}

func (s *sink) flush() error {
	if s.buf.rows == 0 {
		return nil
	}
	rec := s.buf.record(s.schema)
	var err error
	if s.csv != nil {
		err = s.csv.Write(rec)
	} else {
		err = s.pq.Write(rec)
	}
	rec.Release()
	s.buf.reset()
	if err != nil {
		return fmt.Errorf("cannot write %s: %w", s.path, err)
	}
	return nil
}

func (s *sink) commit() error {
	if err := s.flush(); err != nil {
		s.abort()
		return err
	}
	if s.csv != nil {
		return s.csv.Commit()
	}
	err := s.pq.Close() // closes the file too
	if err == nil {
		err = syncPath(s.tmp)
	}
	if err == nil {
		err = os.Rename(s.tmp, s.path)
	}
	if err != nil {
		os.Remove(s.tmp)
		return fmt.Errorf("cannot finish %s: %w", s.path, err)
	}
	s.file = nil
	return nil
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *sink) abort() {
	if s.csv != nil {
		s.csv.Abort()
		return
	}
	if s.file != nil {
		s.file.Close()
		os.Remove(s.tmp)
		s.file = nil
	}
}
