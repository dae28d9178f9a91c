package normalize

import "strconv"

// Kind is a field's kind: which normalizer reads its value and which
// columns it yields (see Columns). The names are those of a job config's
// fields[].kind.
type Kind string

// Field kinds.
const (
	KindPersonName Kind = "person_name"
	KindDate       Kind = "date"
	KindGender     Kind = "gender"
	KindNationalID Kind = "national_id"
	KindPhone      Kind = "phone"
	KindVNAddress  Kind = "vn_address"
	KindText       Kind = "text"
	KindTimestamp  Kind = "timestamp"
)

// ColumnType is the type of a normalized column's values.
type ColumnType uint8

// Column types.
const (
	ColumnString ColumnType = iota // bytes; empty for none
	ColumnInt32                    // 0 for none
	ColumnInt64                    // 0 for none
)

// Column is one normalized column of a field kind: a role of the field's
// value. Stored columns are the ones a run keeps in its record store,
// named "<field>.<role>" there (comparisons and blocking keys bind to
// them by that name). Written columns are the ones `dedup normalize`
// writes, named "<prefix>_<Suffix>" (the prefix alone when Suffix is
// empty). Both read the same Value, so they cannot disagree.
type Column struct {
	Role    string
	Type    ColumnType
	Stored  bool
	Written bool
	Suffix  string
	bytes   func(dst []byte, v *Value) []byte
	int     func(v *Value) int64
}

// AppendBytes appends the value of a ColumnString column to dst, leaving
// dst's bytes as they are (the store appends to its column's arena).
func (c *Column) AppendBytes(dst []byte, v *Value) []byte { return c.bytes(dst, v) }

// Int returns the value of a ColumnInt32 or ColumnInt64 column.
func (c *Column) Int(v *Value) int64 { return c.int(v) }

// Name returns the column's name in `dedup normalize`'s table for a field
// written under prefix.
func (c *Column) Name(prefix string) string {
	if c.Suffix == "" {
		return prefix
	}
	return prefix + "_" + c.Suffix
}

// kindColumns is the one table of the kinds and their columns. The order
// of the stored columns of each type is the record store's (and its spill
// file's); the order of the written ones is that of dedup normalize's
// output (README.md lists it).
var kindColumns = []struct {
	kind Kind
	cols []Column
}{
	{KindPersonName, []Column{
		str("canonical", both, "canonical", func(v *Value) []byte { return v.Name.Canonical }),
		str("folded", both, "folded", func(v *Value) []byte { return v.Name.Folded }),
		// Folded, so that unaccented records share them.
		str("variant_key", stored, "", func(v *Value) []byte { return v.Name.VariantKeyFolded }),
		str("family", stored, "", func(v *Value) []byte { return v.Name.FamilyFolded }),
		str("middle", stored, "", func(v *Value) []byte { return v.Name.MiddleFolded }),
		str("given", stored, "", func(v *Value) []byte { return v.Name.GivenFolded }),
		str("family_canonical", written, "family", func(v *Value) []byte { return v.Name.Family }),
		str("middle_canonical", written, "middle", func(v *Value) []byte { return v.Name.Middle }),
		str("given_canonical", written, "given", func(v *Value) []byte { return v.Name.Given }),
		str("variant_key_canonical", written, "variant_key", func(v *Value) []byte { return v.Name.VariantKey }),
		str("variant_key_iy", written, "variant_key_iy", func(v *Value) []byte { return v.Name.VariantKeyIY }),
		str("phonetic", both, "phonetic", func(v *Value) []byte { return v.Name.Phonetic }),
		strAppend("order", written, "order", func(dst []byte, v *Value) []byte { return append(dst, v.Name.Order.String()...) }),
		strAppend("encoding", written, "encoding", func(dst []byte, v *Value) []byte { return append(dst, v.Name.Encoding.String()...) }),
	}},
	{KindDate, []Column{
		// A run keeps only valid dates; dedup normalize writes what was read.
		i32("date", stored, "", func(v *Value) int32 {
			if !v.Date.Valid() {
				return 0
			}
			return v.Date.Packed()
		}),
		strAppend("iso", written, "", func(dst []byte, v *Value) []byte { return v.Date.AppendISO(dst) }),
		i32("packed", written, "packed", func(v *Value) int32 { return v.Date.Packed() }),
		strAppend("precision", written, "precision", func(dst []byte, v *Value) []byte { return append(dst, v.Date.Precision.String()...) }),
	}},
	{KindGender, []Column{
		// normalize.Gender code, 0 unless male or female.
		i32("value", stored, "", func(v *Value) int32 {
			if v.Gender == GenderMale || v.Gender == GenderFemale {
				return int32(v.Gender)
			}
			return 0
		}),
		strAppend("norm", written, "norm", func(dst []byte, v *Value) []byte { return append(dst, v.Gender.String()...) }),
	}},
	{KindNationalID, []Column{
		// The digits of a 9- or 12-digit number, else none.
		strAppend("digits", stored, "", func(dst []byte, v *Value) []byte {
			n := len(dst)
			dst = v.ID.AppendNumber(dst)
			if l := len(dst) - n; l != 9 && l != 12 {
				return dst[:n]
			}
			return dst
		}),
		strAppend("number", written, "number", func(dst []byte, v *Value) []byte { return v.ID.AppendNumber(dst) }),
		strAppend("kind", written, "kind", func(dst []byte, v *Value) []byte { return append(dst, v.ID.Kind.String()...) }),
		strAppend("province", written, "province", func(dst []byte, v *Value) []byte {
			if v.ID.Province == 0 {
				return dst
			}
			if v.ID.Province < 10 {
				dst = append(dst, '0')
			}
			return strconv.AppendUint(dst, uint64(v.ID.Province), 10)
		}),
		strAppend("gender", written, "gender", func(dst []byte, v *Value) []byte { return append(dst, v.ID.Gender.String()...) }),
		i32("birth_year", written, "birth_year", func(v *Value) int32 { return int32(v.ID.BirthYear) }),
	}},
	{KindPhone, []Column{
		strAppend("phones", stored, "", func(dst []byte, v *Value) []byte {
			if !v.Phone.Valid() {
				return dst
			}
			return v.Phone.AppendNumber(dst)
		}),
		strAppend("number", written, "number", func(dst []byte, v *Value) []byte { return v.Phone.AppendNumber(dst) }),
		strAppend("kind", written, "kind", func(dst []byte, v *Value) []byte { return append(dst, v.Phone.Kind.String()...) }),
		strAppend("carrier", written, "carrier", func(dst []byte, v *Value) []byte { return append(dst, v.Phone.Carrier...) }),
	}},
	{KindVNAddress, []Column{
		// House number and street, one space between.
		strAppend("street", stored, "", func(dst []byte, v *Value) []byte {
			a := &v.Address
			dst = append(dst, a.House...)
			if len(a.House) > 0 && len(a.Street) > 0 {
				dst = append(dst, ' ')
			}
			return append(dst, a.Street...)
		}),
		i32("ward_2025", stored, "", func(v *Value) int32 { return int32(v.Address.NewWard) }),
		i32("district_old", stored, "", func(v *Value) int32 { return int32(v.Address.OldDistrict) }),
		i32("province_2025", stored, "", func(v *Value) int32 { return int32(v.Address.NewProvince) }),
		i32("ward_old", stored, "", func(v *Value) int32 { return int32(v.Address.OldWard) }),
		i32("province_old", stored, "", func(v *Value) int32 { return int32(v.Address.OldProvince) }),
		code("old_province", func(a *Address) uint32 { return a.OldProvince }, ProvinceDigits),
		code("old_district", func(a *Address) uint32 { return a.OldDistrict }, DistrictDigits),
		code("old_ward", func(a *Address) uint32 { return a.OldWard }, WardDigits),
		code("new_province", func(a *Address) uint32 { return a.NewProvince }, ProvinceDigits),
		code("new_ward", func(a *Address) uint32 { return a.NewWard }, WardDigits),
		strAppend("flags", written, "flags", func(dst []byte, v *Value) []byte { return v.Address.Flags.AppendNames(dst) }),
	}},
	{KindText, []Column{
		str("canonical", both, "canonical", func(v *Value) []byte { return v.Text.Canonical }),
		str("value", both, "folded", func(v *Value) []byte { return v.Text.Folded }),
	}},
	{KindTimestamp, []Column{
		// Unix seconds; dedup normalize keeps the input column as it is.
		{Role: "unix", Type: ColumnInt64, Stored: true, int: func(v *Value) int64 { return v.Unix }},
	}},
}

// Where a column goes.
const (
	stored = 1 << iota
	written
	both = stored | written
)

func str(role string, to int, suffix string, get func(*Value) []byte) Column {
	return Column{Role: role, Type: ColumnString, Stored: to&stored != 0, Written: to&written != 0, Suffix: suffix,
		bytes: func(dst []byte, v *Value) []byte { return append(dst, get(v)...) }}
}

func strAppend(role string, to int, suffix string, get func([]byte, *Value) []byte) Column {
	return Column{Role: role, Type: ColumnString, Stored: to&stored != 0, Written: to&written != 0, Suffix: suffix,
		bytes: get}
}

func i32(role string, to int, suffix string, get func(*Value) int32) Column {
	return Column{Role: role, Type: ColumnInt32, Stored: to&stored != 0, Written: to&written != 0, Suffix: suffix,
		int: func(v *Value) int64 { return int64(get(v)) }}
}

// code is an address unit code written zero-padded (AppendCode).
func code(role string, get func(*Address) uint32, digits int) Column {
	return strAppend(role, written, role, func(dst []byte, v *Value) []byte { return AppendCode(dst, get(&v.Address), digits) })
}

// Kinds returns every field kind, in table order.
func Kinds() []Kind {
	out := make([]Kind, len(kindColumns))
	for i, k := range kindColumns {
		out[i] = k.kind
	}
	return out
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k.Columns() != nil }

// Columns returns the kind's columns, stored and written; nil for an
// unknown kind. The caller must not modify them.
func (k Kind) Columns() []Column {
	for i := range kindColumns {
		if kindColumns[i].kind == k {
			return kindColumns[i].cols
		}
	}
	return nil
}

// Column returns the kind's column of the given role, or nil.
func (k Kind) Column(role string) *Column {
	cols := k.Columns()
	for i := range cols {
		if cols[i].Role == role {
			return &cols[i]
		}
	}
	return nil
}
