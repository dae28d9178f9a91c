// Package store holds a run's normalized records: the in-memory column
// store (Store), its on-disk spill codec (File, in a private folder Dir)
// and the record set over both (Set: Mem in memory, Spilled on disk), so
// that every stage reads the records one way, wherever they are.
//
// A store knows of the run's configuration only its Schema (the fields'
// names and kinds): a record set written to disk can be read back by
// anyone who holds the schema it was written with.
package store

import (
	"fmt"
	"math"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/internal/strcol"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/normalize"
)

// errColumnFull is returned when a column outgrows 32-bit offsets.
var errColumnFull = strcol.ErrFull

// Schema is the fields a store holds, in order, each by name and kind:
// all a store, a spill file and a record set need of the configuration.
type Schema []FieldSpec

// FieldSpec is one field of a Schema.
type FieldSpec struct {
	Name string
	Kind normalize.Kind
}

// SchemaOf is the schema of a configuration's fields.
func SchemaOf(fields []config.Field) Schema {
	s := make(Schema, len(fields))
	for i, f := range fields {
		s[i] = FieldSpec{Name: f.Name, Kind: f.Kind}
	}
	return s
}

// Field holds one field's normalized columns: the kind's stored
// columns (normalize.Kind.Columns), named "<field>.<role>" so that the
// linkage comparisons bind to them by name. String roles hold byte
// arenas, int roles int32 codes (0 = null).
type Field struct {
	Name string
	Kind normalize.Kind
	Strs []strcol.Column // by StringRoles(kind) order
	Ints [][]int32       // by IntRoles(kind) order
	TS   []int64         // timestamp fields: Unix seconds, 0 = null
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

// StringRoles are the roles of a kind's stored string columns, in the
// order of Field.Strs.
func StringRoles(kind normalize.Kind) []string { return kindRoles[kind].strs }

// IntRoles are the roles of a kind's stored int32 columns, in the order of
// Field.Ints.
func IntRoles(kind normalize.Kind) []string { return kindRoles[kind].ints }

// Store is the columnar record store: record i of the run is row i of every
// column. Records are addressed by int32 row numbers.
type Store struct {
	N        int
	RecordID strcol.Column
	Source   []uint16 // index into Config.Sources
	File     []uint16 // index into the input file list
	Row      []int64  // 1-based data row in its file
	Flags    []uint64 // normalize.Flags of the record
	IDKey    []uint64 // hash of a valid 12-digit CCCD, 0 if none: the cannot-link key
	Fields   []Field
	// backing is the decoded spill batch the columns alias, if any.
	backing []uint64
}

// New returns an empty store of the schema's fields, each column with
// room for capacity records.
func New(schema Schema, capacity int) *Store {
	s := &Store{
		RecordID: strcol.New(capacity, 12),
		Source:   make([]uint16, 0, capacity),
		File:     make([]uint16, 0, capacity),
		Row:      make([]int64, 0, capacity),
		Flags:    make([]uint64, 0, capacity),
		IDKey:    make([]uint64, 0, capacity),
	}
	for _, f := range schema {
		fs := Field{Name: f.Name, Kind: f.Kind}
		for range StringRoles(f.Kind) {
			fs.Strs = append(fs.Strs, strcol.New(capacity, 8))
		}
		for range IntRoles(f.Kind) {
			fs.Ints = append(fs.Ints, make([]int32, 0, capacity))
		}
		s.Fields = append(s.Fields, fs)
	}
	return s
}

// Reset empties the store, keeping its capacity (chunks are reused).
func (s *Store) Reset() {
	s.N = 0
	s.RecordID.Reset()
	s.Source, s.File, s.Row, s.Flags, s.IDKey = s.Source[:0], s.File[:0], s.Row[:0], s.Flags[:0], s.IDKey[:0]
	for i := range s.Fields {
		f := &s.Fields[i]
		for j := range f.Strs {
			f.Strs[j].Reset()
		}
		for j := range f.Ints {
			f.Ints[j] = f.Ints[j][:0]
		}
		f.TS = f.TS[:0]
	}
}

// Concat joins chunks (same config, in order) into one store whose
// columns are allocated at their exact final size. Each chunk column is let
// go as soon as it is copied, so the peak is about the records' bytes plus
// one column, where growing one store by appending peaked at twice that.
// The chunks are emptied.
func Concat(schema Schema, chunks []*Store) (*Store, error) {
	return join(schema, chunks, true)
}

// join is Concat; release says whether the chunks' columns are
// let go as they are copied.
func join(schema Schema, chunks []*Store, release bool) (*Store, error) {
	s := New(schema, 0)
	for _, c := range chunks {
		s.N += c.N
	}
	if s.N > math.MaxInt32 {
		return nil, fmt.Errorf("%d records: at most %d in one run", s.N, math.MaxInt32)
	}
	var err error
	if s.RecordID, err = concatBytes(chunks, release, func(c *Store) *strcol.Column { return &c.RecordID }); err != nil {
		return nil, err
	}
	s.Source = concatInts(chunks, release, func(c *Store) *[]uint16 { return &c.Source })
	s.File = concatInts(chunks, release, func(c *Store) *[]uint16 { return &c.File })
	s.Row = concatInts(chunks, release, func(c *Store) *[]int64 { return &c.Row })
	s.Flags = concatInts(chunks, release, func(c *Store) *[]uint64 { return &c.Flags })
	s.IDKey = concatInts(chunks, release, func(c *Store) *[]uint64 { return &c.IDKey })
	for i := range s.Fields {
		f := &s.Fields[i]
		for j := range f.Strs {
			if f.Strs[j], err = concatBytes(chunks, release, func(c *Store) *strcol.Column { return &c.Fields[i].Strs[j] }); err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name, err)
			}
		}
		for j := range f.Ints {
			f.Ints[j] = concatInts(chunks, release, func(c *Store) *[]int32 { return &c.Fields[i].Ints[j] })
		}
		f.TS = concatInts(chunks, release, func(c *Store) *[]int64 { return &c.Fields[i].TS })
	}
	return s, nil
}

// concatBytes copies one string column of every chunk into an exact-size
// column, releasing each chunk's copy.
func concatBytes(chunks []*Store, release bool, col func(*Store) *strcol.Column) (strcol.Column, error) {
	var size uint64
	rows := 0
	for _, c := range chunks {
		size += uint64(len(col(c).Data))
		rows += col(c).Rows()
	}
	if size > 1<<32-1 {
		return strcol.Column{}, errColumnFull
	}
	out := strcol.Column{Data: make([]byte, 0, size), Offs: make([]uint32, 1, rows+1)}
	for _, c := range chunks {
		cc := col(c)
		if err := out.AppendColumn(cc); err != nil {
			return strcol.Column{}, err
		}
		if release {
			*cc = strcol.Column{}
		}
	}
	return out, nil
}

// concatInts is concatBytes for a fixed-width column.
func concatInts[T any](chunks []*Store, release bool, col func(*Store) *[]T) []T {
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

// Compact returns a copy of s with every column at its exact size, for a
// batch store that outlives its worker's reused scratch store.
func (s *Store) Compact() (*Store, error) {
	return join(s.Schema(), []*Store{s}, false)
}

// Schema is the schema the store was made with.
func (s *Store) Schema() Schema {
	schema := make(Schema, len(s.Fields))
	for i, f := range s.Fields {
		schema[i] = FieldSpec{Name: f.Name, Kind: f.Kind}
	}
	return schema
}

// Field returns the store of the named field, or nil.
func (s *Store) Field(name string) *Field {
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return &s.Fields[i]
		}
	}
	return nil
}

// Str returns the string column of a field's role, or nil.
func (f *Field) Str(role string) *strcol.Column {
	for i, r := range StringRoles(f.Kind) {
		if r == role {
			return &f.Strs[i]
		}
	}
	return nil
}

// Int32s returns the int column of a field's role, or nil.
func (f *Field) Int32s(role string) []int32 {
	for i, r := range IntRoles(f.Kind) {
		if r == role {
			return f.Ints[i]
		}
	}
	return nil
}

// LinkageColumns exposes the store to the comparisons by column name.
func (s *Store) LinkageColumns() linkage.Columns {
	cols := linkage.Columns{Rows: s.N, Strings: map[string]linkage.StringColumn{}, Ints: map[string][]int32{}}
	for i := range s.Fields {
		f := &s.Fields[i]
		for j, role := range StringRoles(f.Kind) {
			cols.Strings[f.Name+"."+role] = linkage.StringColumn{Data: f.Strs[j].Data, Offsets: f.Strs[j].Offs}
		}
		for j, role := range IntRoles(f.Kind) {
			cols.Ints[f.Name+"."+role] = f.Ints[j]
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

// ReleaseForOutput drops the releasedRoles columns before the write
// stage: at 10M records that is about a gigabyte it no longer holds.
func (s *Store) ReleaseForOutput() {
	for i := range s.Fields {
		f := &s.Fields[i]
		for _, role := range releasedRoles[f.Kind] {
			if c := f.Str(role); c != nil {
				*c = strcol.Column{}
			}
			for j, r := range IntRoles(f.Kind) {
				if r == role {
					f.Ints[j] = nil
				}
			}
		}
	}
}

// MemBytes estimates the store's heap size.
func (s *Store) MemBytes() int64 {
	b := s.RecordID.Bytes() + int64(cap(s.Source)+cap(s.File))*2 + int64(cap(s.Row)+cap(s.Flags)+cap(s.IDKey))*8
	for i := range s.Fields {
		f := &s.Fields[i]
		for j := range f.Strs {
			b += f.Strs[j].Bytes()
		}
		for j := range f.Ints {
			b += 4 * int64(cap(f.Ints[j]))
		}
		b += 8 * int64(cap(f.TS))
	}
	return b
}

// AppendRows appends the given rows of src (same config) to s, in order.
func (s *Store) AppendRows(src *Store, rows []int32) error {
	for _, i := range rows {
		if err := s.RecordID.Append(src.RecordID.Get(i)); err != nil {
			return err
		}
		s.Source = append(s.Source, src.Source[i])
		s.File = append(s.File, src.File[i])
		s.Row = append(s.Row, src.Row[i])
		s.Flags = append(s.Flags, src.Flags[i])
		s.IDKey = append(s.IDKey, src.IDKey[i])
	}
	for f := range s.Fields {
		d, o := &s.Fields[f], &src.Fields[f]
		for j := range d.Strs {
			for _, i := range rows {
				if err := d.Strs[j].Append(o.Strs[j].Get(i)); err != nil {
					return fmt.Errorf("field %s: %w", d.Name, err)
				}
			}
		}
		for j := range d.Ints {
			for _, i := range rows {
				d.Ints[j] = append(d.Ints[j], o.Ints[j][i])
			}
		}
		if len(o.TS) > 0 {
			for _, i := range rows {
				d.TS = append(d.TS, o.TS[i])
			}
		}
	}
	s.N += len(rows)
	return nil
}

// AppendRecord appends one record: its id, where it was read (source and
// file indexes, 1-based data row) and its normalized row, whose Values
// follow the store's fields. The row's stored columns, flags and
// cannot-link key go to the store; scratch is returned for reuse.
func (s *Store) AppendRecord(id []byte, source, file uint16, row int64, nrow *normalize.Row, scratch []byte) ([]byte, error) {
	if err := s.RecordID.Append(id); err != nil {
		return scratch, err
	}
	s.Source = append(s.Source, source)
	s.File = append(s.File, file)
	s.Row = append(s.Row, row)
	var idKey uint64
	for f := range s.Fields {
		fs := &s.Fields[f]
		v := &nrow.Values[f]
		for _, c := range kindRoles[fs.Kind].cols {
			switch c.col.Type {
			case normalize.ColumnString:
				sc := &fs.Strs[c.index] // written in place: no copy through scratch
				sc.Data = c.col.AppendBytes(sc.Data, v)
				if err := sc.EndRow(); err != nil {
					return scratch, err
				}
			case normalize.ColumnInt32:
				fs.Ints[c.index] = append(fs.Ints[c.index], int32(c.col.Int(v)))
			case normalize.ColumnInt64:
				fs.TS = append(fs.TS, c.col.Int(v))
			}
		}
		// A valid 12-digit CCCD is the cannot-link key; the last such
		// field's wins.
		if fs.Kind == normalize.KindNationalID && v.ID.Kind == normalize.IDCCCD && v.ID.Valid() {
			scratch = v.ID.AppendNumber(scratch[:0])
			idKey = blocking.HashBytes(scratch)
		}
	}
	s.Flags = append(s.Flags, uint64(nrow.Flags)) // the record checks included: golden quality_flags name them
	s.IDKey = append(s.IDKey, idKey)
	s.N++
	return scratch, nil
}

// Window is a view of rows [a, b) of s: the columns' slices over the same
// memory (a string column keeps its byte arena and slices its offsets).
// Columns let go of (ReleaseForOutput) stay empty.
func (s *Store) Window(a, b int) *Store {
	str := func(c *strcol.Column) strcol.Column {
		if len(c.Offs) == 0 {
			return strcol.Column{}
		}
		return strcol.Column{Data: c.Data, Offs: c.Offs[a : b+1]}
	}
	w := &Store{
		N: b - a, RecordID: str(&s.RecordID),
		Source: sliceOf(s.Source, a, b), File: sliceOf(s.File, a, b), Row: sliceOf(s.Row, a, b),
		Flags: sliceOf(s.Flags, a, b), IDKey: sliceOf(s.IDKey, a, b),
		Fields: make([]Field, len(s.Fields)),
	}
	for i := range s.Fields {
		f, d := &s.Fields[i], &w.Fields[i]
		d.Name, d.Kind = f.Name, f.Kind
		d.Strs = make([]strcol.Column, len(f.Strs))
		for j := range f.Strs {
			d.Strs[j] = str(&f.Strs[j])
		}
		d.Ints = make([][]int32, len(f.Ints))
		for j := range f.Ints {
			d.Ints[j] = sliceOf(f.Ints[j], a, b)
		}
		d.TS = sliceOf(f.TS, a, b)
	}
	return w
}

// sliceOf is v[a:b], or v itself when it is empty (a column let go of).
func sliceOf[T any](v []T, a, b int) []T {
	if len(v) == 0 {
		return v
	}
	return v[a:b:b]
}
