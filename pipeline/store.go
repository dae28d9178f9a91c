package pipeline

import (
	"fmt"
	"math"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/internal/strcol"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/normalize"
)

// fieldStore holds one field's normalized columns: the kind's stored
// columns (normalize.Kind.Columns), named "<field>.<role>" so that the
// linkage comparisons bind to them by name. String roles hold byte
// arenas, int roles int32 codes (0 = null).
type fieldStore struct {
	name string
	kind normalize.Kind
	strs []bytesColumn // by stringRoles(kind) order
	ints [][]int32     // by intRoles(kind) order
	ts   []int64       // timestamp fields: Unix seconds, 0 = null
}

// storedColumn is a stored column of a kind and its index among the
// store's columns of its type.
type storedColumn struct {
	col   *normalize.Column
	index int
}

// kindRoles is, per kind, its stored columns and their roles by type,
// read once from normalize's table.
var kindRoles = func() map[normalize.Kind]struct {
	cols       []storedColumn
	strs, ints []string
} {
	m := map[normalize.Kind]struct {
		cols       []storedColumn
		strs, ints []string
	}{}
	for _, k := range normalize.Kinds() {
		e := m[k]
		cols := k.Columns()
		for i := range cols {
			c := &cols[i]
			if !c.Stored {
				continue
			}
			switch c.Type {
			case normalize.ColumnString:
				e.cols = append(e.cols, storedColumn{c, len(e.strs)})
				e.strs = append(e.strs, c.Role)
			case normalize.ColumnInt32:
				e.cols = append(e.cols, storedColumn{c, len(e.ints)})
				e.ints = append(e.ints, c.Role)
			case normalize.ColumnInt64:
				e.cols = append(e.cols, storedColumn{c, 0}) // the ts column
			}
		}
		m[k] = e
	}
	return m
}()

func stringRoles(kind normalize.Kind) []string { return kindRoles[kind].strs }

func intRoles(kind normalize.Kind) []string { return kindRoles[kind].ints }

// store is the columnar record store: record i of the run is row i of every
// column. Records are addressed by int32 row numbers.
type store struct {
	n        int
	recordID bytesColumn
	source   []uint16 // index into Config.Sources
	file     []uint16 // index into the input file list
	row      []int64  // 1-based data row in its file
	flags    []uint64 // normalize.Flags of the record
	idKey    []uint64 // hash of a valid 12-digit CCCD, 0 if none: the cannot-link key
	fields   []fieldStore
	// backing is the decoded spill batch the columns alias, if any.
	backing []uint64
}

func newStore(cfg *config.Config, capacity int) *store {
	s := &store{
		recordID: strcol.New(capacity, 12),
		source:   make([]uint16, 0, capacity),
		file:     make([]uint16, 0, capacity),
		row:      make([]int64, 0, capacity),
		flags:    make([]uint64, 0, capacity),
		idKey:    make([]uint64, 0, capacity),
	}
	for _, f := range cfg.Fields {
		fs := fieldStore{name: f.Name, kind: f.Kind}
		for range stringRoles(f.Kind) {
			fs.strs = append(fs.strs, strcol.New(capacity, 8))
		}
		for range intRoles(f.Kind) {
			fs.ints = append(fs.ints, make([]int32, 0, capacity))
		}
		s.fields = append(s.fields, fs)
	}
	return s
}

// reset empties the store, keeping its capacity (chunks are reused).
func (s *store) reset() {
	s.n = 0
	s.recordID.Reset()
	s.source, s.file, s.row, s.flags, s.idKey = s.source[:0], s.file[:0], s.row[:0], s.flags[:0], s.idKey[:0]
	for i := range s.fields {
		f := &s.fields[i]
		for j := range f.strs {
			f.strs[j].Reset()
		}
		for j := range f.ints {
			f.ints[j] = f.ints[j][:0]
		}
		f.ts = f.ts[:0]
	}
}

// concatStores joins chunks (same config, in order) into one store whose
// columns are allocated at their exact final size. Each chunk column is let
// go as soon as it is copied, so the peak is about the records' bytes plus
// one column, where growing one store by appending peaked at twice that.
// The chunks are emptied.
func concatStores(cfg *config.Config, chunks []*store) (*store, error) {
	return joinStores(cfg, chunks, true)
}

// joinStores is concatStores; release says whether the chunks' columns are
// let go as they are copied.
func joinStores(cfg *config.Config, chunks []*store, release bool) (*store, error) {
	s := newStore(cfg, 0)
	for _, c := range chunks {
		s.n += c.n
	}
	if s.n > math.MaxInt32 {
		return nil, fmt.Errorf("%d records: at most %d in one run", s.n, math.MaxInt32)
	}
	var err error
	if s.recordID, err = concatBytes(chunks, release, func(c *store) *bytesColumn { return &c.recordID }); err != nil {
		return nil, err
	}
	s.source = concatInts(chunks, release, func(c *store) *[]uint16 { return &c.source })
	s.file = concatInts(chunks, release, func(c *store) *[]uint16 { return &c.file })
	s.row = concatInts(chunks, release, func(c *store) *[]int64 { return &c.row })
	s.flags = concatInts(chunks, release, func(c *store) *[]uint64 { return &c.flags })
	s.idKey = concatInts(chunks, release, func(c *store) *[]uint64 { return &c.idKey })
	for i := range s.fields {
		f := &s.fields[i]
		for j := range f.strs {
			if f.strs[j], err = concatBytes(chunks, release, func(c *store) *bytesColumn { return &c.fields[i].strs[j] }); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.name, err)
			}
		}
		for j := range f.ints {
			f.ints[j] = concatInts(chunks, release, func(c *store) *[]int32 { return &c.fields[i].ints[j] })
		}
		f.ts = concatInts(chunks, release, func(c *store) *[]int64 { return &c.fields[i].ts })
	}
	return s, nil
}

// concatBytes copies one string column of every chunk into an exact-size
// column, releasing each chunk's copy.
func concatBytes(chunks []*store, release bool, col func(*store) *bytesColumn) (bytesColumn, error) {
	var size uint64
	rows := 0
	for _, c := range chunks {
		size += uint64(len(col(c).Data))
		rows += col(c).Rows()
	}
	if size > 1<<32-1 {
		return bytesColumn{}, errColumnFull
	}
	out := bytesColumn{Data: make([]byte, 0, size), Offs: make([]uint32, 1, rows+1)}
	for _, c := range chunks {
		cc := col(c)
		if err := out.AppendColumn(cc); err != nil {
			return bytesColumn{}, err
		}
		if release {
			*cc = bytesColumn{}
		}
	}
	return out, nil
}

// concatInts is concatBytes for a fixed-width column.
func concatInts[T any](chunks []*store, release bool, col func(*store) *[]T) []T {
	n := 0
	for _, c := range chunks {
		n += len(*col(c))
	}
	out := make([]T, 0, n)
	for _, c := range chunks {
		out = append(out, *col(c)...)
		if release {
			*col(c) = nil
		}
	}
	return out
}

// compact returns a copy of s with every column at its exact size, for a
// batch store that outlives its worker's reused scratch store.
func (s *store) compact(cfg *config.Config) (*store, error) {
	return joinStores(cfg, []*store{s}, false)
}

// field returns the store of the named field, or nil.
func (s *store) field(name string) *fieldStore {
	for i := range s.fields {
		if s.fields[i].name == name {
			return &s.fields[i]
		}
	}
	return nil
}

// str returns the string column of a field's role, or nil.
func (f *fieldStore) str(role string) *bytesColumn {
	for i, r := range stringRoles(f.kind) {
		if r == role {
			return &f.strs[i]
		}
	}
	return nil
}

// int32s returns the int column of a field's role, or nil.
func (f *fieldStore) int32s(role string) []int32 {
	for i, r := range intRoles(f.kind) {
		if r == role {
			return f.ints[i]
		}
	}
	return nil
}

// linkageColumns exposes the store to the comparisons by column name.
func (s *store) linkageColumns() linkage.Columns {
	cols := linkage.Columns{Rows: s.n, Strings: map[string]linkage.StringColumn{}, Ints: map[string][]int32{}}
	for i := range s.fields {
		f := &s.fields[i]
		for j, role := range stringRoles(f.kind) {
			cols.Strings[f.name+"."+role] = linkage.StringColumn{Data: f.strs[j].Data, Offsets: f.strs[j].Offs}
		}
		for j, role := range intRoles(f.kind) {
			cols.Ints[f.name+"."+role] = f.ints[j]
		}
	}
	return cols
}

// releasedRoles are the columns only blocking and scoring read (the
// folded, variant, part and phonetic name keys, a text field's folded
// form); the golden records and the clusters file read the others (an
// address's old-unit codes too: the golden address in the old units).
var releasedRoles = map[normalize.Kind][]string{
	normalize.KindPersonName: {"folded", "variant_key", "family", "middle", "given", "phonetic"},
	normalize.KindText:       {"value"},
}

// releaseForOutput drops the releasedRoles columns before the write
// stage: at 10M records that is about a gigabyte it no longer holds.
func (s *store) releaseForOutput() {
	for i := range s.fields {
		f := &s.fields[i]
		for _, role := range releasedRoles[f.kind] {
			if c := f.str(role); c != nil {
				*c = bytesColumn{}
			}
			for j, r := range intRoles(f.kind) {
				if r == role {
					f.ints[j] = nil
				}
			}
		}
	}
}

// memBytes estimates the store's heap size.
func (s *store) memBytes() int64 {
	b := s.recordID.Bytes() + int64(cap(s.source)+cap(s.file))*2 + int64(cap(s.row)+cap(s.flags)+cap(s.idKey))*8
	for i := range s.fields {
		f := &s.fields[i]
		for j := range f.strs {
			b += f.strs[j].Bytes()
		}
		for j := range f.ints {
			b += 4 * int64(cap(f.ints[j]))
		}
		b += 8 * int64(cap(f.ts))
	}
	return b
}

// appendRows appends the given rows of src (same config) to s, in order.
func (s *store) appendRows(src *store, rows []int32) error {
	for _, i := range rows {
		if err := s.recordID.Append(src.recordID.Get(i)); err != nil {
			return err
		}
		s.source = append(s.source, src.source[i])
		s.file = append(s.file, src.file[i])
		s.row = append(s.row, src.row[i])
		s.flags = append(s.flags, src.flags[i])
		s.idKey = append(s.idKey, src.idKey[i])
	}
	for f := range s.fields {
		d, o := &s.fields[f], &src.fields[f]
		for j := range d.strs {
			for _, i := range rows {
				if err := d.strs[j].Append(o.strs[j].Get(i)); err != nil {
					return fmt.Errorf("field %s: %w", d.name, err)
				}
			}
		}
		for j := range d.ints {
			for _, i := range rows {
				d.ints[j] = append(d.ints[j], o.ints[j][i])
			}
		}
		if len(o.ts) > 0 {
			for _, i := range rows {
				d.ts = append(d.ts, o.ts[i])
			}
		}
	}
	s.n += len(rows)
	return nil
}
