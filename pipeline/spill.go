package pipeline

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"github.com/klauspost/compress/s2"

	"github.com/dedup-vn/dedup/config"
)

// A spill file holds record-store batches on disk when the register does
// not fit the memory budget: the loaded records, and the partitions of
// them that one blocking rule's blocks need at a time. Each batch is every
// column of a store, laid end to end (8-byte aligned) and compressed as
// one S2 block: normalized Vietnamese text compresses about 3:1 and S2
// decodes at memory speed, so the disk holds a third of the store and a
// pass over it costs little more than the decoding.
//
// Layout: batches one after another, each a 16-byte header (magic, row
// count, compressed length) and the block. The offsets live in memory.
type spillFile struct {
	path    string
	f       *os.File
	w       *bufio.Writer
	offsets []int64 // start of each batch's header
	rows    []int   // rows of each batch
	size    int64
	raw     []byte // encoding scratch
	enc     []byte
}

const spillMagic = 0x31424453 // "SDB1" little-endian

// spillDir is a run's temporary folder; remove deletes it and all its
// files, on success, on error and on Ctrl-C alike (Run defers it).
type spillDir struct {
	path  string
	files []*spillFile
	seq   int
}

// newSpillDir makes a private folder under parent (the output folder
// unless --spill-dir says otherwise).
func newSpillDir(parent string) (*spillDir, error) {
	p, err := os.MkdirTemp(parent, ".dedup-spill-")
	if err != nil {
		return nil, fmt.Errorf("cannot create the spill folder: %w", err)
	}
	return &spillDir{path: p}, nil
}

// create opens a new spill file in the folder.
func (d *spillDir) create(name string) (*spillFile, error) {
	d.seq++
	path := filepath.Join(d.path, fmt.Sprintf("%s-%d.spill", name, d.seq))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create a spill file: %w", err)
	}
	sf := &spillFile{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20)}
	d.files = append(d.files, sf)
	return sf, nil
}

// remove deletes the folder and everything in it.
func (d *spillDir) remove() error {
	if d == nil {
		return nil
	}
	for _, f := range d.files {
		f.f.Close()
	}
	d.files = nil
	return os.RemoveAll(d.path)
}

// numRows is the number of rows in the file.
func (f *spillFile) numRows() int {
	n := 0
	for _, r := range f.rows {
		n += r
	}
	return n
}

// close removes the file (a partition already read).
func (f *spillFile) close() {
	f.f.Close()
	os.Remove(f.path)
}

// append writes st as the next batch.
func (f *spillFile) append(st *store) error {
	f.raw = encodeStore(f.raw[:0], st)
	f.enc = s2.Encode(f.enc[:cap(f.enc)], f.raw)
	return f.appendEncoded(f.enc, st.n)
}

// encodeSpillBatch compresses st as spillFile.append would, for a worker
// to do beside the writer; raw is scratch, returned for reuse.
func encodeSpillBatch(st *store, raw []byte) (enc, rawOut []byte) {
	raw = encodeStore(raw[:0], st)
	return s2.Encode(nil, raw), raw
}

// appendEncoded writes a batch of rows encoded by encodeSpillBatch.
func (f *spillFile) appendEncoded(enc []byte, rows int) error {
	var hdr [16]byte
	binary.LittleEndian.PutUint32(hdr[0:], spillMagic)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(rows))
	binary.LittleEndian.PutUint64(hdr[8:], uint64(len(enc)))
	if _, err := f.w.Write(hdr[:]); err != nil {
		return spillWriteErr(err)
	}
	if _, err := f.w.Write(enc); err != nil {
		return spillWriteErr(err)
	}
	f.offsets = append(f.offsets, f.size)
	f.rows = append(f.rows, rows)
	f.size += int64(len(hdr) + len(enc))
	return nil
}

func spillWriteErr(err error) error {
	return fmt.Errorf("writing the spill file (is the disk full? --spill-dir picks another): %w", err)
}

// flush makes every appended batch readable.
func (f *spillFile) flush() error {
	if err := f.w.Flush(); err != nil {
		return spillWriteErr(err)
	}
	f.raw, f.enc = nil, nil
	return nil
}

// read decodes batch b into a new store. buf is scratch for the
// compressed bytes and is returned for reuse; the store does not alias it.
func (f *spillFile) read(cfg *config.Config, b int, buf []byte) (*store, []byte, error) {
	var hdr [16]byte
	if _, err := f.f.ReadAt(hdr[:], f.offsets[b]); err != nil {
		return nil, buf, fmt.Errorf("reading the spill file: %w", err)
	}
	if binary.LittleEndian.Uint32(hdr[0:]) != spillMagic || int(binary.LittleEndian.Uint32(hdr[4:])) != f.rows[b] {
		return nil, buf, fmt.Errorf("spill file %s: batch %d is damaged", filepath.Base(f.path), b)
	}
	size := int(binary.LittleEndian.Uint64(hdr[8:]))
	if cap(buf) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if _, err := f.f.ReadAt(buf, f.offsets[b]+16); err != nil && !(errors.Is(err, io.EOF) && len(buf) == size) {
		return nil, buf, fmt.Errorf("reading the spill file: %w", err)
	}
	n, err := s2.DecodedLen(buf)
	if err != nil {
		return nil, buf, fmt.Errorf("spill file %s: batch %d: %w", filepath.Base(f.path), b, err)
	}
	// uint64 backing keeps the decoded columns 8-byte aligned.
	backing := decodedBuffer((n + 7) / 8)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(backing))), n)
	if _, err := s2.Decode(raw, buf); err != nil {
		return nil, buf, fmt.Errorf("spill file %s: batch %d: %w", filepath.Base(f.path), b, err)
	}
	st, err := decodeStore(cfg, raw, f.rows[b])
	if err != nil {
		return nil, buf, fmt.Errorf("spill file %s: batch %d: %w", filepath.Base(f.path), b, err)
	}
	st.backing = backing
	return st, buf, nil
}

// decodedBuffers recycles the memory decoded batches alias: a pass over a
// 10M-record file decodes 2.7 GB, and fresh pages cost the kernel more
// than the decoding (a tenth of a spilled run's time went to page faults).
var decodedBuffers sync.Pool

func decodedBuffer(words int) []uint64 {
	if b, ok := decodedBuffers.Get().(*[]uint64); ok && cap(*b) >= words {
		return (*b)[:words]
	}
	return make([]uint64, words)
}

// recycleDecoded hands st's decoded memory back for reuse; st must not be
// used again.
func recycleDecoded(st *store) {
	if st.backing != nil {
		b := st.backing
		st.backing = nil
		decodedBuffers.Put(&b)
	}
}

// encodeStore lays every column of st end to end, each as its byte
// length and its bytes, padded to 8 bytes.
func encodeStore(dst []byte, st *store) []byte {
	put := func(b []byte) {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(len(b)))
		dst = append(dst, b...)
		for len(dst)%8 != 0 {
			dst = append(dst, 0)
		}
	}
	putBytes := func(c *bytesColumn) {
		put(c.data)
		put(asBytes(c.offs))
	}
	putBytes(&st.recordID)
	put(asBytes(st.source))
	put(asBytes(st.file))
	put(asBytes(st.row))
	put(asBytes(st.flags))
	put(asBytes(st.idKey))
	for i := range st.fields {
		f := &st.fields[i]
		for j := range f.strs {
			putBytes(&f.strs[j])
		}
		for j := range f.ints {
			put(asBytes(f.ints[j]))
		}
		put(asBytes(f.ts))
	}
	return dst
}

// decodeStore is encodeStore's inverse; the columns alias raw.
func decodeStore(cfg *config.Config, raw []byte, rows int) (*store, error) {
	var bad bool
	next := func() []byte {
		if bad || len(raw) < 8 {
			bad = true
			return nil
		}
		n := binary.LittleEndian.Uint64(raw)
		raw = raw[8:]
		if n > uint64(len(raw)) {
			bad = true
			return nil
		}
		padded := (n + 7) &^ 7
		if uint64(len(raw)) < padded {
			bad = true
			return nil
		}
		for _, c := range raw[n:padded] {
			if c != 0 {
				bad = true
			}
		}
		b := raw[:n:n]
		raw = raw[padded:]
		return b
	}
	getBytes := func() bytesColumn {
		c := bytesColumn{data: next()}
		c.offs = fromBytes[uint32](next())
		if len(c.offs) != rows+1 || c.offs[0] != 0 || int(c.offs[rows]) != len(c.data) {
			bad = true
			return c
		}
		for i := 1; i < len(c.offs); i++ {
			if c.offs[i] < c.offs[i-1] {
				bad = true
			}
		}
		return c
	}
	st := newStore(cfg, 0)
	st.n = rows
	st.recordID = getBytes()
	st.source = fromBytes[uint16](next())
	st.file = fromBytes[uint16](next())
	st.row = fromBytes[int64](next())
	st.flags = fromBytes[uint64](next())
	st.idKey = fromBytes[uint64](next())
	if len(st.source) != rows || len(st.file) != rows || len(st.row) != rows || len(st.flags) != rows || len(st.idKey) != rows {
		bad = true
	}
	for i := range st.fields {
		f := &st.fields[i]
		for j := range f.strs {
			f.strs[j] = getBytes()
		}
		for j := range f.ints {
			if f.ints[j] = fromBytes[int32](next()); len(f.ints[j]) != rows {
				bad = true
			}
		}
		if f.ts = fromBytes[int64](next()); len(f.ts) != 0 && len(f.ts) != rows {
			bad = true
		}
	}
	if bad || len(raw) != 0 {
		return nil, errors.New("damaged batch")
	}
	return st, nil
}

// asBytes views a fixed-width column as its bytes.
func asBytes[T uint16 | uint32 | int32 | int64 | uint64](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*int(unsafe.Sizeof(z)))
}

// fromBytes views bytes (8-byte aligned) as a fixed-width column.
func fromBytes[T uint16 | uint32 | int32 | int64 | uint64](b []byte) []T {
	var z T
	size := int(unsafe.Sizeof(z))
	if len(b) == 0 || len(b)%size != 0 {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size)
}
