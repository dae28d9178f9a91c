package normalize

import (
	"bytes"
	"time"
)

// Field is one field of a row as RowNormalizer reads it.
type Field struct {
	Kind Kind
	// Cells are the indexes of the row's cells that make the field's
	// value, joined with one space (see RowNormalizer.Values); none: the
	// field is absent from the input and normalizes as an empty value.
	Cells []int
	// DateOrder is the order of a date field's full dates.
	DateOrder DateOrder
}

// Value is one field's normalized value: the part of the kind's.
// Its slices point into the RowNormalizer and are valid until its next
// Row call.
type Value struct {
	Kind    Kind
	Name    Name    // KindPersonName
	Date    Date    // KindDate
	Gender  Gender  // KindGender
	ID      ID      // KindNationalID
	Phone   Phone   // KindPhone
	Text    Text    // KindText and KindVNAddress (the address as read)
	Address Address // KindVNAddress
	Unix    int64   // KindTimestamp: Unix seconds, 0 if unknown
	buf     []byte  // the value's copies of the Normalizer's slices
}

// Row is one normalized row.
type Row struct {
	Values []Value // by field
	// Flags is the union of the fields' quality flags and the record
	// checks (RecordChecks).
	Flags Flags
	// Encoding is the legacy encoding found in the row's addresses: the
	// hint its names were read with.
	Encoding Encoding
}

// RecordChecks are the flags a row gets from its fields together rather
// than from one value: a gender missing or not recognised, and a CCCD
// whose birth year or sex disagrees with the first date and gender field
// or lies after the reference year. A run stores them with the rest, so
// that golden records name them (their criteria also judge consistency on
// the chosen values).
const RecordChecks = FlagGenderMissing | FlagGenderInvalid | FlagIDDOBMismatch | FlagIDGenderMismatch | FlagIDFutureYear

// RowNormalizer turns input rows into normalized values and quality
// flags, the same way for every caller: a run's loader, explain, dedup
// normalize. It reads the addresses first: a row is typed in one system,
// so the legacy encoding found in the first address that has one (VIQR
// included) is the hint its names are read with (VNI "Hoà" is Hồ). The
// hint is the row's own, never a previous row's. Not safe for concurrent
// use: make one per goroutine.
type RowNormalizer struct {
	fields []Field
	order  []int // addresses first, then the rest in field order
	opt    Options
	nz     *Normalizer
	addr   *AddressParser
	row    Row
	vals   [][]byte
	spans  [][2]int
	join   []byte
}

// NewRowNormalizer returns a RowNormalizer for rows of the given fields.
func NewRowNormalizer(fields []Field, opt Options) *RowNormalizer {
	r := &RowNormalizer{fields: fields, opt: opt, nz: New(opt), addr: NewAddressParser(),
		row:  Row{Values: make([]Value, len(fields))},
		vals: make([][]byte, len(fields)), spans: make([][2]int, len(fields))}
	for pass := 0; pass < 2; pass++ {
		for i, f := range fields {
			if (f.Kind == KindVNAddress) == (pass == 0) {
				r.order = append(r.order, i)
			}
		}
	}
	for i, f := range fields {
		r.row.Values[i].Kind = f.Kind
	}
	return r
}

// Values returns each field's raw value from a row's cells (nil for a
// null cell): its cells, each without invisible characters (see
// invisible.go) and trimmed, joined with one space and trimmed;
// nil for an absent field. The slices are valid until the next call.
func (r *RowNormalizer) Values(cells [][]byte) [][]byte {
	r.join = r.join[:0]
	for i, f := range r.fields {
		r.spans[i][0] = len(r.join)
		for k, c := range f.Cells {
			if k > 0 {
				r.join = append(r.join, ' ')
			}
			// Invisible characters go before any kind reads the value
			// (a zero-width space splits a name, a date or an ID as much
			// as a word), in the one pass that copies the cell.
			from := len(r.join)
			r.join = appendVisible(r.join, cells[c])
			if t := bytes.TrimSpace(r.join[from:]); len(t) != len(r.join)-from {
				r.join = r.join[:from+copy(r.join[from:], t)]
			}
		}
		r.spans[i][1] = len(r.join)
	}
	for i, f := range r.fields {
		r.vals[i] = nil
		if len(f.Cells) > 0 {
			r.vals[i] = bytes.TrimSpace(r.join[r.spans[i][0]:r.spans[i][1]])
		}
	}
	return r.vals
}

// Row normalizes one row given each field's raw value (as Values returns
// them). The result is valid until the next call.
func (r *RowNormalizer) Row(values [][]byte) *Row {
	row := &r.row
	row.Flags, row.Encoding = 0, EncodingNone
	for _, i := range r.order {
		row.Flags |= r.field(&row.Values[i], &r.fields[i], values[i], &row.Encoding)
	}
	row.Flags |= r.checks()
	return row
}

// Cells is Row(Values(cells)).
func (r *RowNormalizer) Cells(cells [][]byte) *Row { return r.Row(r.Values(cells)) }

// field normalizes one value into v and returns its flags; an address
// sets the row's hint if it has none yet.
func (r *RowNormalizer) field(v *Value, f *Field, s []byte, hint *Encoding) Flags {
	switch f.Kind {
	case KindPersonName:
		r.nz.visible = true // Values removed them
		nm := r.nz.NameHint(s, *hint)
		r.nz.visible = false // a memo hit does not read it
		v.Name = nm
		v.keepName()
		return nm.Flags
	case KindDate:
		v.Date = ParseDate(s, DateOptions{RefYear: r.opt.RefYear, Order: f.DateOrder})
		return v.Date.Flags
	case KindGender:
		v.Gender = ParseGender(s)
		return 0 // a record check: see checks
	case KindNationalID:
		v.ID = ParseID(s)
		return v.ID.Flags
	case KindPhone:
		v.Phone = ParsePhone(s)
		return v.Phone.Flags
	case KindVNAddress:
		r.nz.visible = true
		t := r.nz.Text(s)
		if *hint == EncodingNone {
			*hint = t.Encoding
		}
		v.Text, v.Address = t, r.addr.ParseText(t)
		v.keepAddress()
		return t.Flags
	case KindText:
		r.nz.visible = true
		v.Text = r.nz.Text(s)
		v.keepText()
		return v.Text.Flags
	case KindTimestamp:
		v.Unix = parseTimestamp(s)
		return 0
	}
	return 0
}

// checks returns the row's RecordChecks: each gender field's, and each
// ID checked against the first date and the first gender field.
func (r *RowNormalizer) checks() Flags {
	var f Flags
	var dob Date
	var gender Gender
	haveDOB, haveGender := false, false
	for i := range r.fields {
		v := &r.row.Values[i]
		switch v.Kind {
		case KindDate:
			if !haveDOB {
				dob, haveDOB = v.Date, true
			}
		case KindGender:
			switch v.Gender {
			case GenderUnknown:
				f |= FlagGenderMissing
			case GenderInvalid:
				f |= FlagGenderInvalid
			}
			if !haveGender {
				gender, haveGender = v.Gender, true
			}
		}
	}
	for i := range r.fields {
		v := &r.row.Values[i]
		if v.Kind != KindNationalID {
			continue
		}
		f |= CheckIDConsistency(v.ID, dob, gender)
		if v.ID.Kind == IDCCCD && r.opt.RefYear > 0 && int(v.ID.BirthYear) > r.opt.RefYear {
			f |= FlagIDFutureYear
		}
	}
	return f
}

// keep copies the slices ps point at into v.buf and points them there:
// the Normalizer's buffers are overwritten by the next field.
func (v *Value) keep(ps []*[]byte) {
	n := 0
	for _, p := range ps {
		n += len(*p)
	}
	if cap(v.buf) < n {
		v.buf = make([]byte, 0, n+n/2)
	}
	v.buf = v.buf[:0]
	for _, p := range ps {
		at := len(v.buf)
		v.buf = append(v.buf, *p...)
		*p = v.buf[at:len(v.buf):len(v.buf)]
	}
}

func (v *Value) keepName() {
	nm := &v.Name
	v.keep([]*[]byte{&nm.Canonical, &nm.Folded, &nm.Family, &nm.Middle, &nm.Given,
		&nm.FamilyFolded, &nm.MiddleFolded, &nm.GivenFolded, &nm.VariantKey, &nm.VariantKeyIY, &nm.Phonetic, &nm.VariantKeyFolded})
}

func (v *Value) keepText() { v.keep([]*[]byte{&v.Text.Canonical, &v.Text.Folded}) }

func (v *Value) keepAddress() {
	v.keep([]*[]byte{&v.Text.Canonical, &v.Text.Folded, &v.Address.House, &v.Address.Street})
}

// timestampLayouts are the timestamp forms read, in the order tried.
var timestampLayouts = [...]string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"}

// parseTimestamp reads an RFC 3339 timestamp, a "yyyy-mm-dd hh:mm:ss" or a
// yyyy-mm-dd date as Unix seconds (UTC); anything else is 0 (unknown).
func parseTimestamp(v []byte) int64 {
	s := string(v)
	// The layout whose shape the value has goes first: a failed Parse
	// allocates its error, once a row for a register's "2024-05-03
	// 10:22:11" tried as RFC 3339 first. No value parses under two of
	// them (a 'T' at 10, a space at 10, or 10 bytes), so the order
	// changes no result.
	layouts := timestampLayouts[:]
	switch {
	case len(s) < 10: // shorter than every layout (an empty cell)
		return 0
	case len(s) == 19 && s[10] == ' ':
		layouts = []string{"2006-01-02 15:04:05"}
	case len(s) == 10:
		layouts = []string{"2006-01-02"}
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix()
		}
	}
	return 0
}
