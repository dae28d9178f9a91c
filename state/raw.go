package state

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
)

// A raw segment (raw-NNNNNN.bin, written by night NNNNNN) holds the input
// cells of the records that night read new or changed, as the run read
// them (its source's column projection, pipeline.InputFile.Columns): a
// later night re-reads the cells of the records it re-scores from here,
// not from the inputs. After the magic line, each record is its cell
// count (uvarint), each cell as uvarint(length+1) and its bytes (0: null),
// then the CRC-32C of those bytes (4 bytes little-endian). records.bin
// gives each record's segment, offset and length. Segments never change
// once written; a generation lists those it uses, and holds them by hard
// link, so that removing a generation frees what no other one uses.
const rawMagic = "dedup-state raw 2\n"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// rawLoc is where a record's cells lie.
type rawLoc struct {
	seg uint32 // index into the generation's segments
	len uint32
	off uint64
}

// rawWriter appends records to a new segment.
type rawWriter struct {
	f   *os.File
	w   *bufio.Writer
	off uint64
	buf []byte
}

func createRaw(path string) (*rawWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create a state segment: %w", err)
	}
	w := &rawWriter{f: f, w: bufio.NewWriterSize(f, 1<<20)}
	if _, err := w.w.WriteString(rawMagic); err != nil {
		f.Close()
		return nil, err
	}
	w.off = uint64(len(rawMagic))
	return w, nil
}

// appendRaw appends one record's encoding (cells, valid[i] false: null)
// to dst.
func appendRaw(dst []byte, cells []string, valid []bool) []byte {
	start := len(dst)
	b := binary.AppendUvarint(dst, uint64(len(cells)))
	for i, c := range cells {
		if !valid[i] {
			b = append(b, 0)
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(c))+1)
		b = append(b, c...)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b[start:], castagnoli))
}

// add appends one record's cells (valid[i] false: null) and returns its
// offset and length.
func (w *rawWriter) add(cells []string, valid []bool) (uint64, uint32, error) {
	w.buf = appendRaw(w.buf[:0], cells, valid)
	return w.addEncoded(w.buf)
}

// addEncoded appends one record encoded by appendRaw.
func (w *rawWriter) addEncoded(b []byte) (uint64, uint32, error) {
	off := w.off
	if _, err := w.w.Write(b); err != nil {
		return 0, 0, fmt.Errorf("cannot write a state segment: %w", err)
	}
	w.off += uint64(len(b))
	return off, uint32(len(b)), nil
}

// close flushes and syncs the segment; its size is the returned offset.
func (w *rawWriter) close() (int64, error) {
	err := w.w.Flush()
	if err == nil {
		err = w.f.Sync()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("cannot write a state segment: %w", err)
	}
	return int64(w.off), nil
}

// abort closes and removes an unfinished segment.
func (w *rawWriter) abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}

// rawReader reads records back from a generation's segments.
type rawReader struct {
	files []*os.File
	names []string
	buf   []byte
}

func openRaw(paths []string) (*rawReader, error) {
	r := &rawReader{names: paths}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			r.close()
			return nil, err
		}
		r.files = append(r.files, f)
	}
	return r, nil
}

func (r *rawReader) close() {
	for _, f := range r.files {
		f.Close()
	}
}

// read returns the cells of the record at loc into cells/valid (reused);
// a damaged record is an error naming the segment, never a panic.
func (r *rawReader) read(loc rawLoc, cells []string, valid []bool) ([]string, []bool, error) {
	if int(loc.seg) >= len(r.files) || loc.len < 5 {
		return nil, nil, fmt.Errorf("a record's place in the segments is out of range")
	}
	name := r.names[loc.seg]
	if cap(r.buf) < int(loc.len) {
		r.buf = make([]byte, loc.len)
	}
	b := r.buf[:loc.len]
	if _, err := r.files[loc.seg].ReadAt(b, int64(loc.off)); err != nil {
		return nil, nil, fmt.Errorf("%s: cannot read a record at offset %d: %w", name, loc.off, err)
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(body):]) {
		return nil, nil, fmt.Errorf("%s: the record at offset %d fails its checksum", name, loc.off)
	}
	bad := fmt.Errorf("%s: the record at offset %d is malformed", name, loc.off)
	n, k := binary.Uvarint(body)
	if k <= 0 || n > uint64(len(body)) {
		return nil, nil, bad
	}
	body = body[k:]
	cells, valid = cells[:0], valid[:0]
	for range n {
		l, k := binary.Uvarint(body)
		if k <= 0 || l > uint64(len(body)-k)+1 {
			return nil, nil, bad
		}
		body = body[k:]
		if l == 0 {
			cells, valid = append(cells, ""), append(valid, false)
			continue
		}
		cells, valid = append(cells, string(body[:l-1])), append(valid, true)
		body = body[l-1:]
	}
	if len(body) != 0 {
		return nil, nil, bad
	}
	return cells, valid, nil
}
