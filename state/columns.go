package state

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// The state's tables (records.bin, keys.bin, pairs.bin, persons.bin,
// capped.bin) are columns of fixed-width little-endian values, written
// one after another: a table file is its magic line, then each column as
// its element count (8 bytes), its bytes, and zero bytes up to the next
// multiple of 8, so that a column read into memory is used in place. A
// string column is two columns: its n+1 end offsets (uint64) and its bytes.
// The file's integrity is state.json's SHA-256 of it; the reader checks
// every length against the bytes left, so a damaged file is an error,
// never a panic.

// colWriter writes a table file's columns.
type colWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func newColWriter(w io.Writer, magic string) *colWriter {
	c := &colWriter{w: bufio.NewWriterSize(w, 1<<20)}
	c.raw([]byte(magic))
	c.pad()
	return c
}

func (c *colWriter) raw(b []byte) {
	if c.err != nil {
		return
	}
	var n int
	n, c.err = c.w.Write(b)
	c.n += int64(n)
}

func (c *colWriter) pad() {
	var zero [8]byte
	if r := c.n % 8; r != 0 {
		c.raw(zero[:8-r])
	}
}

// column writes a fixed-width column.
func column[T fixed](c *colWriter, v []T) {
	var head [8]byte
	binary.LittleEndian.PutUint64(head[:], uint64(len(v)))
	c.raw(head[:])
	c.raw(asBytes(v))
	c.pad()
}

// strings writes a string column.
func (c *colWriter) strings(n int, val func(i int) string) {
	ends := make([]uint64, n+1)
	for i := range n {
		ends[i+1] = ends[i] + uint64(len(val(i)))
	}
	column(c, ends)
	var head [8]byte
	binary.LittleEndian.PutUint64(head[:], ends[n])
	c.raw(head[:])
	for i := range n {
		c.str(val(i))
	}
	c.pad()
}

func (c *colWriter) str(v string) {
	if c.err != nil {
		return
	}
	var n int
	n, c.err = c.w.WriteString(v)
	c.n += int64(n)
}

func (c *colWriter) flush() error {
	if c.err == nil {
		c.err = c.w.Flush()
	}
	return c.err
}

// colReader reads the columns of a table file held in memory.
type colReader struct {
	b    []byte
	at   int
	name string
	err  error
}

var errColumns = errors.New("malformed table")

func newColReader(b []byte, name, magic string) *colReader {
	c := &colReader{b: b, name: name}
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		c.err = fmt.Errorf("%s: not a state table of this version", name)
		return c
	}
	c.at = (len(magic) + 7) &^ 7
	return c
}

// next returns the next column's count and bytes (size bytes an element).
func (c *colReader) next(size int) (int, []byte) {
	if c.err != nil {
		return 0, nil
	}
	if c.at+8 > len(c.b) {
		c.err = fmt.Errorf("%s: %w (truncated)", c.name, errColumns)
		return 0, nil
	}
	n := binary.LittleEndian.Uint64(c.b[c.at:])
	c.at += 8
	if n > uint64(len(c.b)-c.at)/uint64(size) {
		c.err = fmt.Errorf("%s: %w (a column longer than the file)", c.name, errColumns)
		return 0, nil
	}
	body := c.b[c.at : c.at+int(n)*size]
	c.at = (c.at + len(body) + 7) &^ 7
	if c.at > len(c.b) {
		c.at = len(c.b)
	}
	return int(n), body
}

// readColumn reads a fixed-width column of want elements (-1: any); the
// slice shares the file's bytes.
func readColumn[T fixed](c *colReader, want int) []T {
	var z T
	n, body := c.next(int(unsafe.Sizeof(z)))
	if c.err == nil && want >= 0 && n != want {
		c.err = fmt.Errorf("%s: %w (a column of %d values, want %d)", c.name, errColumns, n, want)
	}
	if c.err != nil || n == 0 {
		return nil
	}
	return fromBytes[T](body)
}

// readStrings reads a string column of want values (-1: any), calling fn
// with each (the bytes are the file's).
func (c *colReader) readStrings(want int, fn func(i int, s []byte)) {
	n := -1
	if want >= 0 {
		n = want + 1
	}
	ends := readColumn[uint64](c, n)
	if c.err == nil && len(ends) == 0 {
		c.err = fmt.Errorf("%s: %w (string offsets)", c.name, errColumns)
	}
	_, body := c.next(1)
	if c.err != nil {
		return
	}
	want = len(ends) - 1
	if ends[0] != 0 || ends[want] != uint64(len(body)) {
		c.err = fmt.Errorf("%s: %w (string offsets)", c.name, errColumns)
		return
	}
	for i := range want {
		if ends[i+1] < ends[i] {
			c.err = fmt.Errorf("%s: %w (string offsets)", c.name, errColumns)
			return
		}
		fn(i, body[ends[i]:ends[i+1]])
	}
}

// done checks that the whole file was read.
func (c *colReader) done() error {
	if c.err == nil && c.at != len(c.b) {
		c.err = fmt.Errorf("%s: %w (bytes after the last column)", c.name, errColumns)
	}
	return c.err
}

type fixed interface {
	uint8 | uint16 | uint32 | int32 | int64 | uint64 | float64
}

// asBytes views a fixed-width column as its bytes.
func asBytes[T fixed](v []T) []byte {
	if len(v) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), len(v)*int(unsafe.Sizeof(z)))
}

// fromBytes views bytes as a fixed-width column; b must be aligned to the
// element's size (a table file read whole is, by its padding).
func fromBytes[T fixed](b []byte) []T {
	var z T
	size := int(unsafe.Sizeof(z))
	if len(b) == 0 || len(b)%size != 0 {
		return nil
	}
	if uintptr(unsafe.Pointer(unsafe.SliceData(b)))%uintptr(size) != 0 {
		out := make([]T, len(b)/size)
		copy(asBytes(out), b)
		return out
	}
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/size)
}
