package survive

import (
	"slices"

	"github.com/dedup-vn/dedup/normalize"
)

// Strings is a string column as one byte arena plus offsets: value i is
// Data[Offs[i]:Offs[i+1]]. The caller's columns are used as they are, so a
// view over a store copies nothing.
type Strings struct {
	Data []byte
	Offs []uint32 // len = rows+1; Offs[0] = 0
}

// Get returns value i.
func (s *Strings) Get(i int32) []byte { return s.Data[s.Offs[i]:s.Offs[i+1]] }

// Field is one field's columns that survivorship reads; which are set
// depends on Kind (a normalize.Kind):
//
//	person_name, text: Text (the canonical form)
//	national_id:       Text (the digits)
//	phone:             Text (the phones)
//	date:              Ints (normalize.Date packed, 0 = none)
//	gender:            Ints (normalize.Gender, 0 = none)
//	vn_address:        Street, Ward, Province (2025 codes, 0 = none),
//	                   WardOld, DistrictOld, ProvinceOld (pre-2025 codes,
//	                   0 = none; nil: none known)
//	timestamp:         TS (Unix seconds, 0 = none)
type Field struct {
	Kind           normalize.Kind
	Text, Street   Strings
	Ints           []int32
	Ward, Province []int32
	// The pre-2025 units of an address, rendered in `<field>` beside the
	// 2025 form in `<field>_2025`.
	WardOld, DistrictOld, ProvinceOld []int32
	TS                                []int64
}

// Members is the columns of a set of records that survivorship reads, row
// by row: the whole store of an in-memory run, the gathered members of a
// range of clusters in a spilled run, or a batch of members.
type Members struct {
	RecordID Strings
	Flags    []uint64 // normalize.Flags of each record
	IDKey    []uint64 // hash of a valid CCCD, 0 if none
	Fields   []Field  // in the config's field order
	spans    [][2]uint32
}

// Gather sets m to the rows of src, in that order. Members of a cluster
// lie scattered over src; copying them column by column issues
// independent loads the CPU overlaps, where reading them in place waits
// on a cache and TLB miss per column per member.
func (m *Members) Gather(src *Members, rows []int32) {
	m.spans = gatherBytes(&m.RecordID, &src.RecordID, rows, m.spans)
	m.Flags = gatherInts(m.Flags, src.Flags, rows)
	m.IDKey = gatherInts(m.IDKey, src.IDKey, rows)
	if m.Fields == nil {
		m.Fields = make([]Field, len(src.Fields))
	}
	for i := range src.Fields {
		s, d := &src.Fields[i], &m.Fields[i]
		d.Kind = s.Kind
		if s.Text.Offs != nil {
			m.spans = gatherBytes(&d.Text, &s.Text, rows, m.spans)
		}
		if s.Street.Offs != nil {
			m.spans = gatherBytes(&d.Street, &s.Street, rows, m.spans)
		}
		for _, c := range [...][2]*[]int32{{&d.Ints, &s.Ints}, {&d.Ward, &s.Ward}, {&d.Province, &s.Province},
			{&d.WardOld, &s.WardOld}, {&d.DistrictOld, &s.DistrictOld}, {&d.ProvinceOld, &s.ProvinceOld}} {
			if *c[1] != nil {
				*c[0] = gatherInts(*c[0], *c[1], rows)
			}
		}
		if s.TS != nil {
			d.TS = gatherInts(d.TS, s.TS, rows)
		}
	}
}

// gatherInts sets dst to src[rows[0]], src[rows[1]], ...
func gatherInts[T any](dst, src []T, rows []int32) []T {
	dst = slices.Grow(dst[:0], len(rows))[:len(rows)]
	for j, r := range rows {
		dst[j] = src[r]
	}
	return dst
}

// gatherBytes sets dst to the values of src at rows, in two passes (the
// offsets, then the bytes) so that each pass's loads are independent.
func gatherBytes(dst, src *Strings, rows []int32, spans [][2]uint32) [][2]uint32 {
	spans = slices.Grow(spans[:0], len(rows))[:len(rows)]
	size := 0
	for j, r := range rows {
		s, e := src.Offs[r], src.Offs[r+1]
		spans[j] = [2]uint32{s, e}
		size += int(e - s)
	}
	dst.Data = slices.Grow(dst.Data[:0], size)
	dst.Offs = append(slices.Grow(dst.Offs[:0], len(rows)+1), 0)
	for _, sp := range spans {
		dst.Data = append(dst.Data, src.Data[sp[0]:sp[1]]...)
		dst.Offs = append(dst.Offs, uint32(len(dst.Data)))
	}
	return spans
}
