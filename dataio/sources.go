package dataio

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// ---- Parquet ----

type parquetSource struct {
	pf  *file.Reader
	rr  pqarrow.RecordReader
	pos int64
}

func openParquet(r *Reader) error {
	pf, err := file.OpenParquetFile(r.path, false)
	if err != nil {
		return fmt.Errorf("%w: not a readable Parquet file: %w", ErrCorrupt, err)
	}
	src := &parquetSource{pf: pf}
	r.src = src
	hideStoredSchema(pf)
	// Serial column reads (Parallel false) keep every decoder on this
	// goroutine, where Next can recover a decoder panic.
	props := pqarrow.ArrowReadProperties{BatchSize: int64(r.opt.BatchSize), PreAllocBinaryData: true}
	fr, err := pqarrow.NewFileReader(pf, props, memory.DefaultAllocator)
	if err != nil {
		return fmt.Errorf("%w: cannot read the Parquet schema: %w", ErrCorrupt, err)
	}
	sc, err := fr.Schema()
	if err != nil {
		return fmt.Errorf("%w: cannot read the Parquet schema: %w", ErrCorrupt, err)
	}
	names := fieldNames(sc)
	idx, err := r.project(names)
	if err != nil {
		return err
	}
	if err := r.setSchema(sc.Fields(), idx); err != nil {
		return err
	}
	if len(idx) == 0 {
		src.rr = nil // a file without columns has no batches
		return nil
	}
	var leaves []int
	for _, i := range idx {
		leaves = appendLeaves(leaves, &fr.Manifest.Fields[i])
	}
	slices.Sort(leaves)
	src.rr, err = fr.GetRecordReader(context.Background(), leaves, nil)
	if err != nil {
		return fmt.Errorf("%w: cannot start reading: %w", ErrCorrupt, err)
	}
	return nil
}

// hideStoredSchema makes pqarrow ignore the Arrow schema that writers
// store in the footer (key ARROW:schema) and derive the Arrow types from
// the Parquet logical types instead. arrow-go decodes that schema without
// bounds checks: a damaged one sizes a slice from garbage and kills the
// process with an out-of-memory error that no recover can catch (found by
// FuzzParquetReader). The cost is small: dictionary and large_string
// columns come back as plain strings, and field metadata is dropped;
// strings, integers, floats, booleans, dates and UTC timestamps keep
// their types.
func hideStoredSchema(pf *file.Reader) {
	for _, kv := range pf.MetaData().KeyValueMetadata() {
		if kv != nil && kv.Key == "ARROW:schema" {
			kv.Key = "dedup:ignored-ARROW:schema"
		}
	}
}

func appendLeaves(dst []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(dst, f.ColIndex)
	}
	for k := range f.Children {
		dst = appendLeaves(dst, &f.Children[k])
	}
	return dst
}

func fieldNames(sc *arrow.Schema) []string {
	names := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		names[i] = f.Name
	}
	return names
}

func (s *parquetSource) next() (chunk, bool, error) {
	if s.rr == nil || !s.rr.Next() {
		if s.rr != nil {
			if err := s.rr.Err(); err != nil {
				return chunk{}, false, fmt.Errorf("%w: %w", ErrCorrupt, err)
			}
		}
		return chunk{}, false, nil
	}
	rec := s.rr.RecordBatch()
	rec.Retain()
	c := chunk{rec: rec, start: s.pos}
	s.pos += rec.NumRows()
	return c, true, nil
}

func (s *parquetSource) close() error {
	if s.rr != nil {
		s.rr.Release()
		s.rr = nil
	}
	return s.pf.Close()
}

// ---- Arrow IPC ----

type ipcSource struct {
	f       *os.File
	fr      *ipc.FileReader // random-access file format
	sr      *ipc.Reader     // stream format, when the file is not in file format
	i       int
	batch   int64
	pending arrow.RecordBatch // a batch longer than BatchSize, being cut
	off     int64
	pos     int64
}

// maxIPCAlloc bounds one allocation of the Arrow IPC reader. arrow-go sizes
// the output of a compressed buffer by the 8-byte length written before it
// and trusts it: a damaged file can ask for a terabyte, and the Go runtime
// then dies (a fatal error, not a panic) when the system refuses the memory
// (found by FuzzIPCReader). No buffer of a readable batch comes near this:
// string and binary values have int32 offsets (at most 2 GiB), and arrow-go
// refuses message bodies over 256 MiB.
const maxIPCAlloc = 4 << 30

// cappedAllocator is the IPC reader's allocator: past maxIPCAlloc it panics,
// which Open and Next turn into ErrCorrupt, instead of asking the runtime.
type cappedAllocator struct{ *memory.GoAllocator }

func (a cappedAllocator) Allocate(size int) []byte {
	if size > maxIPCAlloc {
		panic(fmt.Sprintf("a buffer of %d bytes", size))
	}
	return a.GoAllocator.Allocate(size)
}

func (a cappedAllocator) Reallocate(size int, b []byte) []byte {
	if size > maxIPCAlloc {
		panic(fmt.Sprintf("a buffer of %d bytes", size))
	}
	return a.GoAllocator.Reallocate(size, b)
}

func openIPC(r *Reader) error {
	f, err := os.Open(r.path)
	if err != nil {
		return unwrapPath(err)
	}
	src := &ipcSource{f: f, batch: int64(r.opt.BatchSize)}
	r.src = src
	var sc *arrow.Schema
	opts := []ipc.Option{ipc.WithAllocator(cappedAllocator{memory.NewGoAllocator()})}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > 0 {
		if err := checkIPCSchema(f, fi.Size()); err != nil {
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
		// No message is longer than the file: a damaged length in a small
		// file then costs an error, not arrow-go's default 64 MiB + 256
		// MiB allocation before the short read.
		opts = append(opts, ipc.WithMetadataSizeLimit(min(fi.Size(), 64<<20)), ipc.WithBodySizeLimit(min(fi.Size(), 256<<20)))
	}
	if src.fr, err = ipc.NewFileReader(f, opts...); err == nil {
		sc = src.fr.Schema()
	} else {
		// Not the file format: maybe the stream format under .arrow.
		// ipc.NewReader drops the size limits (arrow-go v18.8.0), so a
		// damaged length made it allocate up to 2 GiB of metadata; a
		// MessageReader keeps them.
		if _, serr := f.Seek(0, io.SeekStart); serr != nil {
			return serr
		}
		var serr error
		if src.sr, serr = ipc.NewReaderFromMessageReader(ipc.NewMessageReader(bufio.NewReaderSize(f, 1<<20), opts...), opts...); serr != nil {
			return fmt.Errorf("%w: not an Arrow IPC file: %w", ErrCorrupt, err)
		}
		sc = src.sr.Schema()
	}
	idx, err := r.project(fieldNames(sc))
	if err != nil {
		return err
	}
	return r.setSchema(sc.Fields(), idx)
}

func (s *ipcSource) next() (chunk, bool, error) {
	for s.pending == nil {
		var rec arrow.RecordBatch
		if s.fr != nil {
			if s.i >= s.fr.NumRecords() {
				return chunk{}, false, nil
			}
			var err error
			rec, err = s.fr.RecordBatchAt(s.i)
			if err != nil {
				return chunk{}, false, fmt.Errorf("%w: batch %d: %w", ErrCorrupt, s.i, err)
			}
			s.i++
		} else {
			if !s.sr.Next() {
				if err := s.sr.Err(); err != nil && !errors.Is(err, io.EOF) {
					return chunk{}, false, fmt.Errorf("%w: %w", ErrCorrupt, err)
				}
				return chunk{}, false, nil
			}
			rec = s.sr.RecordBatch()
			rec.Retain()
		}
		if rec.NumRows() == 0 {
			rec.Release()
			continue
		}
		s.pending, s.off = rec, 0
	}
	n := s.pending.NumRows()
	if s.off == 0 && n <= s.batch {
		rec := s.pending
		s.pending = nil
		c := chunk{rec: rec, start: s.pos}
		s.pos += n
		return c, true, nil
	}
	hi := min(s.off+s.batch, n)
	rec := s.pending.NewSlice(s.off, hi)
	c := chunk{rec: rec, start: s.pos}
	s.pos += hi - s.off
	s.off = hi
	if hi == n {
		s.pending.Release()
		s.pending = nil
	}
	return c, true, nil
}

func (s *ipcSource) close() error {
	if s.pending != nil {
		s.pending.Release()
		s.pending = nil
	}
	if s.fr != nil {
		s.fr.Close()
	}
	if s.sr != nil {
		s.sr.Release()
	}
	return s.f.Close()
}

// ---- CSV ----

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

type csvSource struct {
	r     *Reader
	f     *os.File
	cr    *csv.Reader
	names []string // header
	idx   []int    // header index of each delivered column
	b     *StringBatchBuilder
	row   int64 // 0-based data rows consumed
	kept  []int64
	eof   bool
}

func openCSV(r *Reader) error {
	f, err := os.Open(r.path)
	if err != nil {
		return unwrapPath(err)
	}
	src := &csvSource{r: r, f: f}
	r.src = src
	br := bufio.NewReaderSize(f, 1<<20)
	if p, _ := br.Peek(3); string(p) == string(utf8BOM) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.Comma = r.opt.Delimiter
	cr.FieldsPerRecord = -1 // ragged rows are rejected here, with their row number
	cr.LazyQuotes = r.opt.LazyQuotes
	cr.ReuseRecord = true
	src.cr = cr
	hdr, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: no header row", ErrEmptyFile)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadHeader, err)
	}
	if err := checkDelimiter(hdr, r.opt.Delimiter); err != nil {
		return err
	}
	src.names = make([]string, len(hdr))
	for i, h := range hdr {
		h = strings.TrimSpace(h)
		switch {
		case !utf8.ValidString(h) || strings.IndexByte(h, 0) >= 0:
			return fmt.Errorf("%w: the name of column %d is not valid UTF-8 text", ErrBadHeader, i+1)
		case h == "":
			return fmt.Errorf("%w: column %d has no name", ErrBadHeader, i+1)
		}
		src.names[i] = h
	}
	if src.idx, err = r.project(src.names); err != nil {
		return err
	}
	fields := make([]arrow.Field, len(src.names))
	for i, n := range src.names {
		fields[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	if err := r.setSchema(fields, src.idx); err != nil {
		return err
	}
	src.b = NewStringBatchBuilder(r.schema)
	return nil
}

// checkDelimiter catches the common mistake of a ';', tab or '|'
// separated file read with ',' (or the reverse): the header then parses as
// one column whose name holds the real separator.
func checkDelimiter(hdr []string, delim rune) error {
	if len(hdr) != 1 {
		return nil
	}
	for _, c := range []rune{',', ';', '\t', '|'} {
		if c != delim && strings.ContainsRune(hdr[0], c) {
			return fmt.Errorf("%w: the header has no %s but has %s; set the delimiter",
				ErrWrongDelimiter, strconv.QuoteRune(delim), strconv.QuoteRune(c))
		}
	}
	return nil
}

func (s *csvSource) next() (chunk, bool, error) {
	if s.eof {
		return chunk{}, false, nil
	}
	r := s.r
	start := s.row
	s.kept = s.kept[:0]
	gap := false
	for s.b.Len() < r.opt.BatchSize {
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			s.eof = true
			break
		}
		row := s.row
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return chunk{}, false, err
			}
			s.row++
			gap = true
			if err := r.reject(row, -1, ReasonCSVSyntax); err != nil {
				return chunk{}, false, err
			}
			continue
		}
		s.row++
		if len(rec) != len(s.names) {
			gap = true
			if err := r.reject(row, -1, ReasonRaggedRow); err != nil {
				return chunk{}, false, err
			}
			continue
		}
		if j, reason := s.badCell(rec); reason != "" {
			gap = true
			if err := r.reject(row, j, reason); err != nil {
				return chunk{}, false, err
			}
			continue
		}
		for j, i := range s.idx {
			s.b.Column(j).Append(rec[i])
		}
		s.kept = append(s.kept, row)
	}
	if s.b.Len() == 0 && s.eof && !gap {
		return chunk{}, false, nil
	}
	c := chunk{rec: s.b.NewBatch(), start: start, checked: true}
	if gap && len(s.kept) > 0 {
		c.rows = slices.Clone(s.kept)
	}
	return c, true, nil
}

// badCell checks the delivered cells of a CSV record; it returns the first
// faulty delivered column and the reason, or "" if all are fine.
func (s *csvSource) badCell(rec []string) (int, string) {
	maxCell := s.r.maxCell
	for j, i := range s.idx {
		v := rec[i]
		switch {
		case maxCell >= 0 && len(v) > maxCell:
			return j, ReasonCellTooLarge
		case strings.IndexByte(v, 0) >= 0:
			return j, ReasonNULByte
		case !utf8.ValidString(v):
			return j, ReasonInvalidUTF8
		}
	}
	return 0, ""
}

func (s *csvSource) close() error {
	if s.b != nil {
		s.b.Release()
	}
	return s.f.Close()
}
