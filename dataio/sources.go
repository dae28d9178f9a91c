package dataio

import (
	"bufio"
	"bytes"
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
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
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

// Byte-order marks of UTF-16; a CSV that starts with one is decoded.
var (
	utf16LE = []byte{0xFF, 0xFE}
	utf16BE = []byte{0xFE, 0xFF}
)

// sniffBytes is how much of a CSV is looked at to pick its delimiter and to
// tell its encoding when it is not UTF-8.
const sniffBytes = 64 << 10

func openCSV(r *Reader) error {
	f, err := os.Open(r.path)
	if err != nil {
		return unwrapPath(err)
	}
	src := &csvSource{r: r, f: f}
	r.src = src
	br := bufio.NewReaderSize(f, 1<<20)
	dec, err := csvDecoder(r.opt.Encoding)
	if err != nil {
		return err
	}
	p, _ := br.Peek(3)
	switch {
	case dec != nil:
		// The declared encoding (a UTF-16 one drops its byte-order mark).
		br = bufio.NewReaderSize(transform.NewReader(br, dec), 1<<20)
	case bytes.HasPrefix(p, utf8BOM):
		br.Discard(3)
	case bytes.HasPrefix(p, utf16LE), bytes.HasPrefix(p, utf16BE):
		// Excel's "Unicode Text" and many Windows tools write UTF-16 with
		// a BOM: decode it (the BOM picks the byte order and is dropped).
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		br = bufio.NewReaderSize(transform.NewReader(br, dec), 1<<20)
	}
	head, _ := br.Peek(sniffBytes)
	r.encodingHint = sniffEncoding(head, len(head) < sniffBytes)
	if r.autoDelim {
		r.opt.Delimiter = sniffDelimiter(head)
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
		return fmt.Errorf("%w: %w%s", ErrBadHeader, err, r.notUTF8Hint())
	}
	if err := checkDelimiter(hdr, r.opt.Delimiter); err != nil {
		return err
	}
	src.names = make([]string, len(hdr))
	for i, h := range hdr {
		h = strings.TrimSpace(h)
		switch {
		case !utf8.ValidString(h) || strings.IndexByte(h, 0) >= 0:
			return fmt.Errorf("%w: the name of column %d is not valid UTF-8 text%s", ErrBadHeader, i+1, r.notUTF8Hint())
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

// csvDecoder is the decoder of a CSV's declared encoding (nil: the bytes
// are read as they are).
func csvDecoder(enc string) (*encoding.Decoder, error) {
	switch strings.ToLower(enc) {
	case "", "utf-8", "utf8":
		return nil, nil
	case "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder(), nil
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder(), nil
	case "windows-1258", "cp1258":
		return charmap.Windows1258.NewDecoder(), nil
	case "windows-1252", "cp1252":
		return charmap.Windows1252.NewDecoder(), nil
	}
	return nil, fmt.Errorf("unknown encoding %q (want utf-8, utf-16le, utf-16be, windows-1258 or windows-1252)", enc)
}

// sniffDelimiter picks the field separator of a CSV from its header line
// (the start of the file): ',' unless the header is one column under ','
// and splits into several under ';', tab or '|' (what Excel writes where
// the decimal mark is a comma, as in Vietnam). When two of them split it,
// the one giving more columns wins; a tie keeps ',', and checkDelimiter
// then asks for the delimiter to be set.
func sniffDelimiter(head []byte) rune {
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	fields := func(d rune) int {
		cr := csv.NewReader(bytes.NewReader(line))
		cr.Comma = d
		cr.LazyQuotes = true
		cr.FieldsPerRecord = -1
		rec, err := cr.Read()
		if err != nil {
			return 0
		}
		return len(rec)
	}
	if fields(',') != 1 {
		return ','
	}
	best, bestN, tie := ',', 1, false
	for _, d := range []rune{';', '\t', '|'} {
		n := fields(d)
		switch {
		case n > bestN:
			best, bestN, tie = d, n, false
		case n == bestN && n > 1:
			tie = true
		}
	}
	if tie {
		return ','
	}
	return best
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
			return fmt.Errorf("%w: the header has no %s but has %s; set the source's delimiter "+
				"(delimiter in the config's sources, or --delimiter)",
				ErrWrongDelimiter, strconv.QuoteRune(delim), strconv.QuoteRune(c))
		}
	}
	return nil
}

// sniffEncoding names the likely encoding of a CSV start that is not UTF-8,
// for messages; it returns "" when head is valid UTF-8. complete says head
// is the whole file (else its last rune may be cut). Only byte statistics
// are kept, never the text.
func sniffEncoding(head []byte, complete bool) string {
	if !complete {
		cut := len(head)
		for i := len(head) - 1; i >= 0 && i >= len(head)-utf8.UTFMax; i-- {
			if utf8.RuneStart(head[i]) {
				cut = i
				break
			}
		}
		head = head[:cut]
	}
	if utf8.Valid(head) && bytes.IndexByte(head, 0) < 0 {
		return ""
	}
	var even, odd, high, tones int
	for i, c := range head {
		switch {
		case c == 0 && i%2 == 0:
			even++
		case c == 0:
			odd++
		case c >= 0x80:
			high++
			// The combining tone marks of Windows-1258 (grave, hook,
			// tilde, acute, dot below): Vietnamese text in that code
			// page is full of them.
			if c == 0xCC || c == 0xD2 || c == 0xDE || c == 0xEC || c == 0xF2 {
				tones++
			}
		}
	}
	switch {
	case odd > len(head)/4 && odd > 4*even:
		return "UTF-16 little-endian without a byte-order mark"
	case even > len(head)/4 && even > 4*odd:
		return "UTF-16 big-endian without a byte-order mark"
	case high > 0 && tones*5 >= high:
		return "Windows-1258 (Vietnamese)"
	case high > 0:
		return "an 8-bit code page such as Windows-1258, TCVN3 (ABC) or Windows-1252"
	}
	return ""
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
