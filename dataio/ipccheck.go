package dataio

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
)

// arrow-go builds an Arrow IPC file's schema with make([]arrow.Field, n)
// (and make([]string, n) for metadata), n being a vector length read from
// the file's flatbuffer without a bounds check: a damaged length asks for
// hundreds of gigabytes and the Go runtime dies of "out of memory", a fatal
// error no recover catches (found by FuzzIPCReader). checkIPCSchema reads
// the schema flatbuffer first, the footer's in the file format and the first
// message's in the stream format, and refuses a vector that does not fit in
// its buffer, which bounds those allocations by the file's size.

var errIPCSchema = errors.New("damaged schema (a vector runs past its buffer)")

// ipcMagic ends an Arrow IPC file in the file format.
const ipcMagic = "ARROW1"

// maxIPCSchemaDepth bounds the nesting of fields walked: deeper is damage,
// not a register.
const maxIPCSchemaDepth = 64

// checkIPCSchema checks the schema flatbuffers of the Arrow IPC file f
// (of size bytes) that arrow-go would decode. A part it cannot locate is
// left to arrow-go, which then fails with its own error.
func checkIPCSchema(f *os.File, size int64) error {
	// File format: ... footer, int32 footer length, "ARROW1".
	var tail [10]byte
	if size >= int64(len(tail))+8 {
		if _, err := f.ReadAt(tail[:], size-int64(len(tail))); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if string(tail[4:]) == ipcMagic {
			n := int64(int32(binary.LittleEndian.Uint32(tail[:4])))
			if n > 0 && n <= size-int64(len(tail))-8 {
				footer := make([]byte, n)
				if _, err := f.ReadAt(footer, size-int64(len(tail))-n); err != nil {
					return err
				}
				// Footer: version, schema, dictionaries, recordBatches.
				fb := flatbuf(footer)
				if t, ok := fb.root(); ok {
					if s, ok := fb.table(t, 1); ok && !fb.schemaOK(s) {
						return errIPCSchema
					}
				}
			}
		}
	}
	// Stream format: the first message is the schema: [0xFFFFFFFF] int32
	// length, then the Message flatbuffer.
	var head [8]byte
	if n, _ := f.ReadAt(head[:], 0); n < len(head) {
		return nil
	}
	off, n := int64(4), int64(int32(binary.LittleEndian.Uint32(head[:4])))
	if uint32(n) == 0xFFFFFFFF {
		off, n = 8, int64(int32(binary.LittleEndian.Uint32(head[4:])))
	}
	if n <= 0 || n > size-off {
		return nil
	}
	msg := make([]byte, n)
	if _, err := f.ReadAt(msg, off); err != nil {
		return err
	}
	// Message: version, header_type, header, bodyLength, custom_metadata;
	// header type 1 is Schema.
	fb := flatbuf(msg)
	t, ok := fb.root()
	if !ok {
		return nil
	}
	if typ, ok := fb.scalarPos(t, 1); !ok || fb[typ] != 1 {
		return nil
	}
	if s, ok := fb.table(t, 2); ok && !fb.schemaOK(s) {
		return errIPCSchema
	}
	return nil
}

// flatbuf reads just enough of a flatbuffer to check vector lengths; every
// read is bounds-checked.
type flatbuf []byte

func (b flatbuf) u32(p int) (uint32, bool) {
	if p < 0 || p+4 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[p:]), true
}

func (b flatbuf) root() (int, bool) {
	u, ok := b.u32(0)
	return int(u), ok && int64(u) < int64(len(b))
}

// scalarPos is the position of field slot of the table at t, false when
// absent or out of bounds.
func (b flatbuf) scalarPos(t, slot int) (int, bool) {
	so, ok := b.u32(t)
	if !ok {
		return 0, false
	}
	vt := int64(t) - int64(int32(so))
	if vt < 0 || vt+4 > int64(len(b)) {
		return 0, false
	}
	vtLen := int64(binary.LittleEndian.Uint16(b[vt:]))
	at := 4 + 2*int64(slot)
	if at+2 > vtLen || vt+at+2 > int64(len(b)) {
		return 0, false
	}
	fo := int64(binary.LittleEndian.Uint16(b[vt+at:]))
	if fo == 0 || int64(t)+fo >= int64(len(b)) {
		return 0, false
	}
	return t + int(fo), true
}

// deref follows the uoffset at p.
func (b flatbuf) deref(p int) (int, bool) {
	u, ok := b.u32(p)
	if !ok || int64(p)+int64(u) >= int64(len(b)) {
		return 0, false
	}
	return p + int(u), true
}

// table is the table referenced by field slot of the table at t.
func (b flatbuf) table(t, slot int) (int, bool) {
	p, ok := b.scalarPos(t, slot)
	if !ok {
		return 0, false
	}
	return b.deref(p)
}

// vector is the start and length of the vector of offsets in field slot
// of the table at t; ok is false when the vector runs past the buffer.
func (b flatbuf) vector(t, slot int) (start, n int, present, ok bool) {
	p, found := b.scalarPos(t, slot)
	if !found {
		return 0, 0, false, true
	}
	v, found := b.deref(p)
	if !found {
		return 0, 0, true, true // a bad offset: arrow-go fails on it without allocating
	}
	l, found := b.u32(v)
	if !found || int64(v)+4+4*int64(l) > int64(len(b)) {
		return 0, 0, true, false
	}
	return v + 4, int(l), true, true
}

// schemaOK checks a Schema table: fields (slot 1), custom_metadata (slot 2).
func (b flatbuf) schemaOK(s int) bool {
	if _, _, _, ok := b.vector(s, 2); !ok {
		return false
	}
	budget := len(b) / 4
	return b.fieldsOK(s, 1, 0, &budget)
}

// fieldsOK checks the vector of Field tables in slot of the table at t, and
// each Field's children (slot 5) and custom_metadata (slot 6). A writer
// writes each field once, so the fields visited are fewer than the
// buffer's words: *budget counts them down, which stops a damaged buffer
// whose vectors point at one table many times (arrow-go would decode it
// as often, exponentially in the depth).
func (b flatbuf) fieldsOK(t, slot, depth int, budget *int) bool {
	start, n, present, ok := b.vector(t, slot)
	if !ok || (present && n > 0 && depth >= maxIPCSchemaDepth) {
		return false
	}
	for i := 0; i < n; i++ {
		if *budget--; *budget < 0 {
			return false
		}
		f, found := b.deref(start + 4*i)
		if !found {
			continue // arrow-go fails on it
		}
		if _, _, _, ok := b.vector(f, 6); !ok {
			return false
		}
		if !b.fieldsOK(f, 5, depth+1, budget) {
			return false
		}
	}
	return true
}
