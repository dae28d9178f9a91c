package dataio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// CountRows is the number of data rows of the table at path, for a
// progress total, found without decoding the data: a Parquet file's from
// its footer, an Arrow IPC file's from the lengths in its record batches'
// headers (a few small reads), a CSV file's by counting its line ends
// outside quoted fields (one pass at memory speed over bytes the reader
// reads next, so from the page cache). known is false for a file that
// cannot be opened or read that way (the reader reports it properly) and
// for UTF-16 CSV. A CSV's count is of lines, so a blank line or a row the
// reader rejects counts: a progress total, not the run's accounting.
func CountRows(path string) (n int64, known bool) {
	format, err := FormatOf(path)
	if err != nil {
		return 0, false
	}
	switch format {
	case Parquet:
		pf, err := file.OpenParquetFile(path, false)
		if err != nil {
			return 0, false
		}
		defer pf.Close()
		return pf.NumRows(), true
	case CSV, ArrowIPC:
		f, err := os.Open(path)
		if err != nil {
			return 0, false
		}
		defer f.Close()
		if format == CSV {
			return countCSVRows(f)
		}
		fi, err := f.Stat()
		if err != nil {
			return 0, false
		}
		return countIPCRows(f, fi.Size())
	}
	return 0, false
}

// countCSVRows counts the records of a CSV after its header: line ends
// outside double quotes (a quoted field may hold line ends; "" inside one
// toggles twice), plus a last line without one.
func countCSVRows(r io.Reader) (int64, bool) {
	buf := make([]byte, 1<<20)
	var lines int64
	inQuote, first := false, true
	var last byte
	for {
		k, err := r.Read(buf)
		b := buf[:k]
		if first && k > 0 {
			if bytes.HasPrefix(b, utf16LE) || bytes.HasPrefix(b, utf16BE) {
				return 0, false // two bytes a character: not counted here
			}
			first = false
		}
		if k > 0 {
			last = b[k-1]
		}
		for len(b) > 0 {
			i := bytes.IndexByte(b, '"')
			if inQuote {
				if i < 0 {
					break
				}
				inQuote, b = false, b[i+1:]
				continue
			}
			if i < 0 {
				lines += int64(bytes.Count(b, []byte{'\n'}))
				break
			}
			lines += int64(bytes.Count(b[:i], []byte{'\n'}))
			inQuote, b = true, b[i+1:]
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, false
		}
	}
	if first {
		return 0, true // an empty file
	}
	if last != '\n' {
		lines++
	}
	return max(lines-1, 0), true
}

// ipcRecordBatch is the RecordBatch type of Arrow's MessageHeader union.
const ipcRecordBatch = 3

// countIPCRows adds the lengths of the record batches of an Arrow IPC
// file. The file format lists its batches in the footer (Blocks: offset,
// metadata length, body length); the stream format is walked message by
// message, each body skipped. Anything that does not add up is unknown.
func countIPCRows(f io.ReaderAt, size int64) (int64, bool) {
	var tail [10]byte
	if size >= int64(len(tail))+8 {
		if _, err := f.ReadAt(tail[:], size-int64(len(tail))); err != nil {
			return 0, false
		}
		if string(tail[4:]) == ipcMagic {
			return ipcFileRows(f, size, int64(int32(binary.LittleEndian.Uint32(tail[:4]))))
		}
	}
	var rows, off int64
	for msgs := 0; off < size; msgs++ {
		n, next, end, ok := ipcMessageRows(f, off, size)
		if !ok || msgs > 1<<24 {
			return 0, false
		}
		if end {
			break
		}
		rows, off = rows+n, next
	}
	return rows, true
}

// ipcFileRows reads the file format's footer, of footerLen bytes before
// the trailing length and magic: Footer.recordBatches (slot 3) is a
// vector of 24-byte Block structs.
func ipcFileRows(f io.ReaderAt, size, footerLen int64) (int64, bool) {
	if footerLen <= 0 || footerLen > size-18 || footerLen > 64<<20 {
		return 0, false
	}
	footer := make([]byte, footerLen)
	if _, err := f.ReadAt(footer, size-10-footerLen); err != nil {
		return 0, false
	}
	fb := flatbuf(footer)
	t, ok := fb.root()
	if !ok {
		return 0, false
	}
	p, ok := fb.scalarPos(t, 3)
	if !ok {
		return 0, true // no record batches
	}
	v, ok := fb.deref(p)
	if !ok {
		return 0, false
	}
	n, ok := fb.u32(v)
	if !ok || int64(v)+4+24*int64(n) > int64(len(fb)) {
		return 0, false
	}
	var rows int64
	for i := 0; i < int(n); i++ {
		off, _ := fb.i64(v + 4 + 24*i)
		r, _, end, ok := ipcMessageRows(f, off, size)
		if !ok || end {
			return 0, false
		}
		rows += r
	}
	return rows, true
}

// ipcMessageRows reads the message at off: its rows if it is a record
// batch, the offset after its body, and whether it is the end-of-stream
// marker.
func ipcMessageRows(f io.ReaderAt, off, size int64) (rows, next int64, end, ok bool) {
	var head [8]byte
	if off < 0 || off+4 > size {
		return 0, 0, false, false
	}
	if n, _ := f.ReadAt(head[:], off); n < 4 {
		return 0, 0, false, false
	}
	hdr, metaLen := int64(4), int64(int32(binary.LittleEndian.Uint32(head[:4])))
	if uint32(metaLen) == 0xFFFFFFFF {
		hdr, metaLen = 8, int64(int32(binary.LittleEndian.Uint32(head[4:])))
	}
	if metaLen == 0 {
		return 0, 0, true, true
	}
	if metaLen < 0 || metaLen > 64<<20 || off+hdr+metaLen > size {
		return 0, 0, false, false
	}
	msg := make([]byte, metaLen)
	if _, err := f.ReadAt(msg, off+hdr); err != nil {
		return 0, 0, false, false
	}
	// Message: version 0, header_type 1, header 2, bodyLength 3.
	fb := flatbuf(msg)
	t, found := fb.root()
	if !found {
		return 0, 0, false, false
	}
	var body int64
	if p, found := fb.scalarPos(t, 3); found {
		if body, found = fb.i64(p); !found || body < 0 {
			return 0, 0, false, false
		}
	}
	if p, found := fb.scalarPos(t, 1); found && fb[p] == ipcRecordBatch {
		rb, found := fb.table(t, 2)
		if !found {
			return 0, 0, false, false
		}
		if p, found := fb.scalarPos(rb, 0); found { // RecordBatch.length
			if rows, found = fb.i64(p); !found || rows < 0 {
				return 0, 0, false, false
			}
		}
	}
	next = off + hdr + metaLen + body
	if next > size {
		return 0, 0, false, false
	}
	return rows, next, false, true
}

// i64 reads the little-endian int64 at p.
func (b flatbuf) i64(p int) (int64, bool) {
	if p < 0 || p+8 > len(b) {
		return 0, false
	}
	return int64(binary.LittleEndian.Uint64(b[p:])), true
}
