package store

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/dedup-vn/dedup/internal/strcol"
	"github.com/klauspost/compress/s2"
)

// A spill file holds record-store batches on disk when the register does
// not fit the memory budget: the loaded records, and the partitions of
// them that one blocking rule's blocks need at a time. Each batch is every
// column of a store, laid end to end (8-byte aligned), cut into column
// groups (record ids, the small per-record columns, each field), each
// group compressed as its own S2 block (see EncodeBatch): a pass
// decodes only the groups it reads, S2 decodes at memory speed, and a
// generated register takes ~145 bytes a record on disk against ~270 in
// memory.
//
// Layout: batches one after another, each a 16-byte header (magic, row
// count, encoded length) and the encoded batch. The offsets live in memory.
type File struct {
	path    string
	f       *os.File
	w       *bufio.Writer
	offsets []int64 // start of each batch's header
	rows    []int   // rows of each batch
	size    int64
	raw     []byte // encoding scratch
}

const spillMagic = 0x31424453 // "SDB1" little-endian

// Dir is a run's private folder of spill files; Remove deletes it and
// all its files (a run defers it: on success, on error and on Ctrl-C
// alike).
type Dir struct {
	path  string
	files []*File
	seq   int
	// lock is the folder's lock file, held locked while the run lives:
	// a later run that can lock it knows the folder was left by a run
	// that died (kill -9) and removes it.
	lock *os.File
}

// spillPrefix starts the name of every spill folder.
const spillPrefix = ".dedup-spill-"

// spillLockName is the lock file inside a spill folder.
const spillLockName = "lock"

// lockGrace is how long a spill folder without a lock file is taken for
// one a live run is still setting up. (Only this clean-up reads the clock;
// no output depends on it.)
const lockGrace = 10 * time.Minute

// recentlyMade reports whether the folder e was modified within lockGrace
// (or its time cannot be read).
func recentlyMade(e os.DirEntry) bool {
	info, err := e.Info()
	return err != nil || time.Since(info.ModTime()) < lockGrace
}

// NewDir makes a private folder under parent (the output folder
// unless --spill-dir says otherwise), after removing the spill folders
// that killed runs left there.
func NewDir(parent string) (*Dir, error) {
	removeStaleSpills(parent)
	p, err := os.MkdirTemp(parent, spillPrefix)
	if err != nil {
		return nil, fmt.Errorf("cannot create the spill folder: %w", err)
	}
	d := &Dir{path: p}
	if d.lock, err = os.OpenFile(filepath.Join(p, spillLockName), os.O_CREATE|os.O_RDWR, 0o600); err == nil {
		err = lockFile(d.lock)
	}
	if err != nil {
		d.Remove()
		return nil, fmt.Errorf("cannot lock the spill folder: %w", err)
	}
	return d, nil
}

// removeStaleSpills removes the spill folders under parent whose lock no
// live run holds: a run killed by SIGKILL or a power cut could not remove
// its own, and at 100M records one holds tens of GB. A folder without a
// lock file (a run killed before it made one) is stale too once it is
// older than lockGrace. Errors are ignored: a folder that cannot be
// removed costs disk, not correctness.
func removeStaleSpills(parent string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), spillPrefix) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		f, err := os.OpenFile(filepath.Join(dir, spillLockName), os.O_RDWR, 0)
		if err == nil {
			err = tryLockFile(f)
			if err != nil {
				f.Close()
				continue // a live run holds it
			}
		} else if !errors.Is(err, os.ErrNotExist) || recentlyMade(e) {
			// No lock file: stale only if not just made, since a run
			// starting beside this one creates its folder, then its lock.
			continue
		}
		os.RemoveAll(dir)
		if f != nil {
			f.Close()
		}
	}
}

// Create opens a new spill file in the folder.
func (d *Dir) Create(name string) (*File, error) {
	d.seq++
	path := filepath.Join(d.path, fmt.Sprintf("%s-%d.spill", name, d.seq))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot create a spill file: %w", err)
	}
	sf := &File{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20)}
	d.files = append(d.files, sf)
	return sf, nil
}

// Remove deletes the folder and everything in it.
func (d *Dir) Remove() error {
	if d == nil {
		return nil
	}
	for _, f := range d.files {
		f.f.Close()
	}
	d.files = nil
	err := os.RemoveAll(d.path)
	if d.lock != nil {
		d.lock.Close() // releases the lock
		d.lock = nil
	}
	return err
}

// Remove closes and deletes the file (a partition already read).
func (f *File) Remove() {
	f.f.Close()
	os.Remove(f.path)
}

// Close closes the file and keeps it.
func (f *File) Close() error { return f.f.Close() }

// OpenFile opens a spill file written and flushed before, for reading
// (Read, Batches): the batches' offsets and row counts are read back from
// their headers. A file that is not a spill file or is cut short is an
// error. It is how a record set kept on disk between runs is read again.
func OpenFile(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	f := &File{path: path, f: fh}
	info, err := fh.Stat()
	if err == nil {
		f.size = info.Size()
	}
	var hdr [16]byte
	for off := int64(0); err == nil && off < f.size; {
		if _, err = fh.ReadAt(hdr[:], off); err != nil {
			break
		}
		enc := binary.LittleEndian.Uint64(hdr[8:])
		if binary.LittleEndian.Uint32(hdr[0:]) != spillMagic || enc > uint64(f.size-off-16) {
			err = fmt.Errorf("batch %d is damaged or cut short", len(f.offsets))
			break
		}
		f.offsets = append(f.offsets, off)
		f.rows = append(f.rows, int(binary.LittleEndian.Uint32(hdr[4:])))
		off += 16 + int64(enc)
	}
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("spill file %s: %w", filepath.Base(path), err)
	}
	return f, nil
}

// Batches is the row count of each batch, in order.
func (f *File) Batches() []int { return f.rows }

// Path is where the file is.
func (f *File) Path() string { return f.path }

// Append writes st as the next batch.
func (f *File) Append(st *Store) error {
	var enc []byte
	enc, f.raw = EncodeBatch(st, f.raw)
	return f.AppendEncoded(enc, st.N)
}

// EncodeBatch compresses st for the spill file: its encodeStore
// layout cut into column groups (the record ids, the small per-record
// columns, then each field), each group its own S2 block behind a
// directory of (raw, compressed) lengths, so that a pass that reads one
// field decodes that field only. raw is scratch, returned for reuse.
func EncodeBatch(st *Store, raw []byte) (enc, rawOut []byte) {
	var ends []int
	raw, ends = encodeStore(raw[:0], st, ends)
	enc = binary.LittleEndian.AppendUint32(nil, uint32(len(ends)))
	dir := len(enc)
	enc = append(enc, make([]byte, 8*len(ends))...)
	start := 0
	for g, end := range ends {
		n := len(enc)
		enc = append(enc, make([]byte, s2.MaxEncodedLen(end-start))...)
		block := s2.Encode(enc[n:], raw[start:end])
		enc = enc[:n+len(block)]
		binary.LittleEndian.PutUint32(enc[dir+8*g:], uint32(end-start))
		binary.LittleEndian.PutUint32(enc[dir+8*g+4:], uint32(len(block)))
		start = end
	}
	return enc, raw
}

// AppendEncoded writes a batch of rows encoded by EncodeBatch.
func (f *File) AppendEncoded(enc []byte, rows int) error {
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

// Flush makes every appended batch readable.
func (f *File) Flush() error {
	if err := f.w.Flush(); err != nil {
		return spillWriteErr(err)
	}
	f.raw = nil
	return nil
}

// Read decodes batch b into a new store. buf is scratch for the
// compressed bytes and is returned for reuse; the store does not alias it.
// want (nil: all) says which column groups to decode (see Groups);
// the columns of the others are left empty.
func (f *File) Read(schema Schema, b int, buf []byte, want []bool) (*Store, []byte, error) {
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
	st, backing, err := decodeBatch(schema, buf, f.rows[b], want)
	if err != nil {
		return nil, buf, fmt.Errorf("spill file %s: batch %d: %w", filepath.Base(f.path), b, err)
	}
	st.backing = backing
	return st, buf, nil
}

// decodeBatch decodes an EncodeBatch block into a store whose
// columns alias the returned backing memory.
func decodeBatch(schema Schema, enc []byte, rows int, want []bool) (*Store, []uint64, error) {
	if len(enc) < 4 {
		return nil, nil, errors.New("damaged batch")
	}
	groups := int(binary.LittleEndian.Uint32(enc))
	if groups > 1<<16 || len(enc) < 4+8*groups {
		return nil, nil, errors.New("damaged batch")
	}
	dir, blocks := enc[4:4+8*groups], enc[4+8*groups:]
	ends := make([]int, groups)
	total := 0
	for g := range groups {
		total += int(binary.LittleEndian.Uint32(dir[8*g:]))
		ends[g] = total
	}
	if total > 1<<34 {
		return nil, nil, errors.New("damaged batch")
	}
	// uint64 backing keeps the decoded columns 8-byte aligned.
	backing := decodedBuffer((total + 7) / 8)
	raw := unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(backing))), total)
	start := 0
	for g := range groups {
		size := int(binary.LittleEndian.Uint32(dir[8*g+4:]))
		if size > len(blocks) {
			return nil, nil, errors.New("damaged batch")
		}
		if want == nil || g < len(want) && want[g] {
			n, err := s2.DecodedLen(blocks[:size])
			if err != nil || n != ends[g]-start {
				return nil, nil, errors.New("damaged batch")
			}
			if _, err := s2.Decode(raw[start:ends[g]], blocks[:size]); err != nil {
				return nil, nil, err
			}
		}
		blocks = blocks[size:]
		start = ends[g]
	}
	st, err := decodeStore(schema, raw, rows, ends, want)
	if err != nil {
		return nil, nil, err
	}
	return st, backing, nil
}

// Groups is the want mask of File.Read (and of Set.Scan) that decodes
// the small per-record columns, the record ids when ids is set, and the
// named fields.
func Groups(schema Schema, ids bool, fields ...string) []bool {
	want := make([]bool, 2+len(schema))
	want[0], want[1] = ids, true
	for i, f := range schema {
		for _, name := range fields {
			if f.Name == name {
				want[2+i] = true
			}
		}
	}
	return want
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

// Recycle hands st's decoded memory back for reuse; st must not be
// used again.
func Recycle(st *Store) {
	if st.backing != nil {
		b := st.backing
		st.backing = nil
		decodedBuffers.Put(&b)
	}
}

// encodeStore lays every column of st end to end, each as its byte
// length and its bytes, padded to 8 bytes, and appends to ends where each
// column group ends: the record ids, the small per-record columns, then
// each field.
func encodeStore(dst []byte, st *Store, ends []int) ([]byte, []int) {
	put := func(b []byte) {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(len(b)))
		dst = append(dst, b...)
		for len(dst)%8 != 0 {
			dst = append(dst, 0)
		}
	}
	putBytes := func(c *strcol.Column) {
		put(c.Data)
		put(asBytes(c.Offs))
	}
	putBytes(&st.RecordID)
	ends = append(ends, len(dst))
	put(asBytes(st.Source))
	put(asBytes(st.File))
	put(asBytes(st.Row))
	put(asBytes(st.Flags))
	put(asBytes(st.IDKey))
	ends = append(ends, len(dst))
	for i := range st.Fields {
		f := &st.Fields[i]
		for j := range f.Strs {
			putBytes(&f.Strs[j])
		}
		for j := range f.Ints {
			put(asBytes(f.Ints[j]))
		}
		put(asBytes(f.TS))
		ends = append(ends, len(dst))
	}
	return dst, ends
}

// decodeStore is encodeStore's inverse; the columns alias raw. ends are
// the column groups' ends and want the groups to decode (both nil: all);
// the columns of a group not wanted are left empty.
func decodeStore(schema Schema, raw []byte, rows int, ends []int, want []bool) (*Store, error) {
	var bad bool
	full := raw
	group := 0
	// skip reports whether the current group is not wanted, and moves raw
	// past it when so.
	skip := func() bool {
		if want == nil || group < len(want) && want[group] {
			return false
		}
		if group >= len(ends) || ends[group] > len(full) {
			bad = true
			return true
		}
		raw = full[ends[group]:]
		return true
	}
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
	getBytes := func() strcol.Column {
		c := strcol.Column{Data: next()}
		c.Offs = fromBytes[uint32](next())
		if len(c.Offs) != rows+1 || c.Offs[0] != 0 || int(c.Offs[rows]) != len(c.Data) {
			bad = true
			return c
		}
		for i := 1; i < len(c.Offs); i++ {
			if c.Offs[i] < c.Offs[i-1] {
				bad = true
			}
		}
		return c
	}
	// endGroup checks that a group ended where the directory says.
	endGroup := func() {
		if ends != nil && (group >= len(ends) || len(full)-len(raw) != ends[group]) {
			bad = true
		}
		group++
	}
	st := New(schema, 0)
	st.N = rows
	if !skip() {
		st.RecordID = getBytes()
	}
	endGroup()
	if !skip() {
		st.Source = fromBytes[uint16](next())
		st.File = fromBytes[uint16](next())
		st.Row = fromBytes[int64](next())
		st.Flags = fromBytes[uint64](next())
		st.IDKey = fromBytes[uint64](next())
		if len(st.Source) != rows || len(st.File) != rows || len(st.Row) != rows || len(st.Flags) != rows || len(st.IDKey) != rows {
			bad = true
		}
	}
	endGroup()
	for i := range st.Fields {
		f := &st.Fields[i]
		if !skip() {
			for j := range f.Strs {
				f.Strs[j] = getBytes()
			}
			for j := range f.Ints {
				if f.Ints[j] = fromBytes[int32](next()); len(f.Ints[j]) != rows {
					bad = true
				}
			}
			if f.TS = fromBytes[int64](next()); len(f.TS) != 0 && len(f.TS) != rows {
				bad = true
			}
		}
		endGroup()
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
