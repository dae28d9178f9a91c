package verify

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dedup-vn/dedup/internal/strcol"
	"github.com/dedup-vn/dedup/normalize"
)

// regSpill is a register normalized once and written to a temporary file
// in row order (spillRegister): what a memory-bounded run reads back, one
// pass per partition of the subscriptions, keeping only the rows the
// partition asks for (see partition.go). Nothing is normalized twice.
type regSpill struct {
	path string
	kind string
	rows int64
	// last is the size of the last partition's register (rows and bytes
	// per string column): the next one, of a like number of
	// subscriptions, is allocated so, rather than grown by copies.
	last struct {
		rows  int
		bytes [4]int
	}
}

// reserve gives a register being built room for rows rows, bytes[k] bytes
// in its k-th string column (ids, canon, folded, variant).
func (r *Register) reserve(rows int, bytes [4]int) {
	for k, c := range [4]*strcol.Column{&r.ids, &r.canon, &r.folded, &r.variant} {
		*c = strcol.New(rows, 0)
		c.Data = make([]byte, 0, bytes[k])
	}
	r.family, r.given = make([]uint8, 0, rows), make([]uint8, 0, rows)
	r.dob, r.dobFixed = make([]int32, 0, rows), make([]bool, 0, rows)
	r.idKey, r.idYear, r.phone = make([]uint64, 0, rows), make([]int16, 0, rows), make([]uint64, 0, rows)
	r.gender, r.prov, r.prov25 = make([]normalize.Gender, 0, rows), make([]uint8, 0, rows), make([]uint8, 0, rows)
	r.person = make([]uint64, 0, rows)
}

// spillRow is one register row as the spill file holds it: the columns
// of Register and the row's (family, given, year) key. Its byte slices
// point into the reader's scratch.
type spillRow struct {
	id, canon, folded, variant []byte
	family, given              uint8
	dob                        int32
	dobFixed                   bool
	idKey                      uint64
	idYear                     int16
	phone                      uint64
	gender                     normalize.Gender
	prov, prov25               uint8
	nameYear                   uint64
	person                     uint64
}

// givenKey and famKey are the row's second and third search keys.
func (r *spillRow) givenKey() uint64 {
	f := r.folded
	return givenDOBKey(f[len(f)-min(int(r.given), len(f)):], r.dob)
}

func (r *spillRow) famKey() uint64 { return famDOBKey(r.folded, int(r.given), r.dob) }

// spillRegister reads and normalizes the register into a file in dir.
func spillRegister(ctx context.Context, files []string, cfg Config, opts Options, m *Manifest, dir string) (*regSpill, error) {
	f, err := os.OpenFile(filepath.Join(dir, "register.rows"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := &regSpill{path: f.Name()}
	w := bufio.NewWriterSize(f, 1<<20)
	var buf []byte
	err = readRegister(ctx, files, cfg, opts, m, func(kind string) { s.kind = kind }, func(c *regChunk) error {
		for i := range c.dob {
			buf = appendSpillRow(buf[:0], c, int32(i))
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		s.rows += int64(len(c.dob))
		if s.rows > 1<<31-1 {
			return errors.New("register has more than 2^31 rows")
		}
		return nil
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return nil, err
	}
	if m != nil {
		m.Register.Rows = s.rows
	}
	return s, f.Close()
}

// appendSpillRow encodes row i of a chunk: the record's length, then
// four length-prefixed strings and the fixed columns.
func appendSpillRow(dst []byte, c *regChunk, i int32) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0) // record length, filled below
	for _, col := range [4][]byte{c.ids.Get(i), c.canon.Get(i), c.folded.Get(i), c.variant.Get(i)} {
		dst = binary.AppendUvarint(dst, uint64(len(col)))
		dst = append(dst, col...)
	}
	dst = append(dst, c.family[i], c.given[i])
	dst = binary.LittleEndian.AppendUint32(dst, uint32(c.dob[i]))
	dst = binary.LittleEndian.AppendUint64(dst, c.idKey[i])
	dst = binary.LittleEndian.AppendUint16(dst, uint16(c.idYear[i]))
	dst = binary.LittleEndian.AppendUint64(dst, c.phone[i])
	fixed := byte(0)
	if c.dobFixed[i] {
		fixed = 1
	}
	dst = append(dst, byte(c.gender[i]), c.prov[i], c.prov25[i], fixed)
	dst = binary.LittleEndian.AppendUint64(dst, c.nameYear[i])
	dst = binary.LittleEndian.AppendUint64(dst, c.person[i]) // last: see spillPerson
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(dst)-start-4))
	return dst
}

// scanRaw reads the spill file in row order and calls fn with each
// record's bytes (valid only during the call); fn's error stops the scan.
func (s *regSpill) scanRaw(ctx context.Context, fn func(rec []byte) error) error {
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	var hdr [4]byte
	var buf []byte
	for row := int64(0); ; row++ {
		if row&0xffff == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			if err == io.EOF && row == s.rows {
				return nil
			}
			return fmt.Errorf("register spill file: %w", err)
		}
		n := int(binary.LittleEndian.Uint32(hdr[:]))
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		b := buf[:n]
		if _, err := io.ReadFull(br, b); err != nil {
			return fmt.Errorf("register spill file: %w", err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
}

var errSpillCorrupt = errors.New("register spill file: corrupt record")

func decodeSpillRow(b []byte, r *spillRow) error {
	for _, dst := range [4]*[]byte{&r.id, &r.canon, &r.folded, &r.variant} {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return errSpillCorrupt
		}
		*dst = b[k : k+int(n)]
		b = b[k+int(n):]
	}
	if len(b) != 2+4+8+2+8+4+8+8 {
		return errSpillCorrupt
	}
	r.family, r.given = b[0], b[1]
	r.dob = int32(binary.LittleEndian.Uint32(b[2:]))
	r.idKey = binary.LittleEndian.Uint64(b[6:])
	r.idYear = int16(binary.LittleEndian.Uint16(b[14:]))
	r.phone = binary.LittleEndian.Uint64(b[16:])
	r.gender, r.prov, r.prov25, r.dobFixed = normalize.Gender(b[24]), b[25], b[26], b[27] == 1
	r.nameYear = binary.LittleEndian.Uint64(b[28:])
	r.person = binary.LittleEndian.Uint64(b[36:])
	return nil
}

// spillPerson is the person of an encoded row (its last 8 bytes), 0 for
// a record too short to hold one (decodeSpillRow then says it is corrupt).
func spillPerson(rec []byte) uint64 {
	if len(rec) < 8 {
		return 0
	}
	return binary.LittleEndian.Uint64(rec[len(rec)-8:])
}

// appendRow adds a spilled row to a register being built (its indexes
// are built after the last row: buildIndexes).
func (r *Register) appendRow(s *spillRow, nameYear *[]uint64) error {
	for _, p := range [4]struct {
		dst *strcol.Column
		src []byte
	}{{&r.ids, s.id}, {&r.canon, s.canon}, {&r.folded, s.folded}, {&r.variant, s.variant}} {
		if err := p.dst.Append(p.src); err != nil {
			return err
		}
	}
	r.family = append(r.family, s.family)
	r.given = append(r.given, s.given)
	r.dob = append(r.dob, s.dob)
	r.dobFixed = append(r.dobFixed, s.dobFixed)
	r.idKey = append(r.idKey, s.idKey)
	r.idYear = append(r.idYear, s.idYear)
	r.phone = append(r.phone, s.phone)
	r.gender = append(r.gender, s.gender)
	r.prov = append(r.prov, s.prov)
	r.prov25 = append(r.prov25, s.prov25)
	r.person = append(r.person, s.person)
	*nameYear = append(*nameYear, s.nameYear)
	return nil
}
