package normalize

import (
	"bytes"
	"testing"
)

// RecordInput holds the raw person fields of one input row. Any may be
// empty (missing).
type RecordInput struct {
	FullName, DOB, Gender, NationalID, Phone []byte
	// Encoding is the legacy encoding Text found in another field of the
	// row (its addresses), or EncodingNone: the name is read with it as
	// a hint (see NameHint).
	Encoding Encoding
}

// Record is a normalized person record with its combined quality flags.
// Name's slices point into the Normalizer (valid until its next call).
// Only tests use it: programs normalize rows with RowNormalizer.
type Record struct {
	Name   Name
	DOB    Date
	Gender Gender
	ID     ID
	Phone  Phone
	// Flags is the union of the fields' flags, the ID consistency checks
	// and the completeness reasons (Flags.Correct, Flags.Complete).
	Flags Flags
}

// Record normalizes the person fields of one row field by field, the way
// RowNormalizer does with the hint given, for the tests that dump each
// parser's output (digests, the name memo, the fuzzer). TestRecordRow
// checks it against RowNormalizer.
func (n *Normalizer) Record(in RecordInput) *Record {
	r := &Record{}
	r.Name = n.nameMemoized(in.FullName, in.Encoding)
	r.DOB = ParseDate(in.DOB, DateOptions{RefYear: n.opt.RefYear})
	r.Gender = ParseGender(in.Gender)
	r.ID = ParseID(in.NationalID)
	r.Phone = ParsePhone(in.Phone)
	f := r.Name.Flags | r.DOB.Flags | r.ID.Flags | r.Phone.Flags
	switch r.Gender {
	case GenderUnknown:
		f |= FlagGenderMissing
	case GenderInvalid:
		f |= FlagGenderInvalid
	}
	f |= CheckIDConsistency(r.ID, r.DOB, r.Gender)
	if r.ID.Kind == IDCCCD && n.opt.RefYear > 0 && int(r.ID.BirthYear) > n.opt.RefYear {
		f |= FlagIDFutureYear
	}
	r.Flags = f
	return r
}

// TestRecordRow: the RowNormalizer over the person fields gives the
// values and flags of Record, the field-by-field helper the digest and
// memo tests dump, with the hint its addresses give.
func TestRecordRow(t *testing.T) {
	rn := NewRowNormalizer([]Field{
		{Kind: KindVNAddress, Cells: []int{5}}, {Kind: KindVNAddress, Cells: []int{6}},
		{Kind: KindPersonName, Cells: []int{0}}, {Kind: KindDate, Cells: []int{1}}, {Kind: KindGender, Cells: []int{2}},
		{Kind: KindNationalID, Cells: []int{3}}, {Kind: KindPhone, Cells: []int{4}},
	}, Options{RefYear: 2025})
	n, p := New(Options{RefYear: 2025}), NewAddressParser()
	for k, in := range benchRecords {
		addrs := benchRowAddresses[k]
		row := rn.Cells([][]byte{in.FullName, in.DOB, in.Gender, in.NationalID, in.Phone, addrs[0], addrs[1]})
		var addrFlags Flags
		for _, a := range addrs {
			tx := n.Text(bytes.TrimSpace(a))
			if in.Encoding == EncodingNone {
				in.Encoding = tx.Encoding
			}
			addrFlags |= tx.Flags
			p.ParseText(tx)
		}
		in.FullName, in.DOB, in.Gender = bytes.TrimSpace(in.FullName), bytes.TrimSpace(in.DOB), bytes.TrimSpace(in.Gender)
		in.NationalID, in.Phone = bytes.TrimSpace(in.NationalID), bytes.TrimSpace(in.Phone)
		rec := n.Record(in)
		if got, want := row.Flags, rec.Flags|addrFlags; got != want {
			t.Errorf("row %d: flags %v, want %v", k, got, want)
		}
		if row.Encoding != in.Encoding || string(row.Values[2].Name.Canonical) != string(rec.Name.Canonical) ||
			row.Values[3].Date != rec.DOB || row.Values[4].Gender != rec.Gender || row.Values[5].ID != rec.ID || row.Values[6].Phone != rec.Phone {
			t.Errorf("row %d: values differ from Record's", k)
		}
	}
}
