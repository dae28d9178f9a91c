package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// recordDerived are the record flags that Record adds on top of its
// fields' own flags: gender and the cross-field ID checks.
const recordDerived = FlagGenderMissing | FlagGenderInvalid | FlagIDDOBMismatch | FlagIDGenderMismatch | FlagIDFutureYear

// idConsistency are the cross-field flags, which depend only on the parsed
// ID, date and gender, never on how they were written.
const idConsistency = FlagIDDOBMismatch | FlagIDGenderMismatch | FlagIDFutureYear

// canonicalInput is the record written back in its canonical forms: the
// canonical name, the ISO date, the gender word, the ID and phone numbers.
// A field that did not parse is passed as it came, so that it means the
// same thing the second time; so is an impossible date, which has no ISO
// form.
func canonicalInput(in RecordInput, r *Record) RecordInput {
	out := RecordInput{FullName: append([]byte(nil), r.Name.Canonical...)}
	if r.DOB.Valid() {
		out.DOB = r.DOB.AppendISO(nil)
	} else {
		out.DOB = in.DOB
	}
	if r.Gender == GenderMale || r.Gender == GenderFemale {
		out.Gender = []byte(r.Gender.String())
	} else {
		out.Gender = in.Gender
	}
	if r.ID.Valid() {
		out.NationalID = r.ID.AppendNumber(nil)
	} else {
		out.NationalID = in.NationalID
	}
	if r.Phone.Valid() {
		out.Phone = r.Phone.AppendNumber(nil)
	} else {
		out.Phone = in.Phone
	}
	return out
}

// FuzzRecord: arbitrary bytes in every person field never panic; the name
// forms are valid UTF-8 (the folded ones ASCII); the record's flags are the
// union of its fields' flags plus only the gender and ID-consistency
// reasons; and normalizing the canonical forms again gives the same values
// with the same completeness and consistency flags and no new error.
func FuzzRecord(f *testing.F) {
	seeds := []RecordInput{
		{[]byte("Nguyễn Thị Thủy"), []byte("05/04/1990"), []byte("Nữ"), []byte("001190012345"), []byte("0912345678"), EncodingNone},
		{[]byte("Tran Van Binh"), []byte("5/4/90"), []byte("nam"), []byte("79 090 012 345"), []byte("+84 912 345 678"), EncodingNone},
		{[]byte("Bà Nguyễn T. Lan"), []byte("31/02/2024"), []byte("female"), []byte("123456789"), []byte("0162.345.6789"), EncodingNone},
		{[]byte("NguyÔn ThÞ Thñy"), []byte("1990"), []byte("Nöõ"), []byte("0010900A2345"), []byte("024 3825 1234"), EncodingNone},
		{[]byte("Nguyeenx Thij Thuyr"), []byte("ngày 5 tháng 4 năm 1990"), []byte("x"), []byte("001090012345"), []byte("0912345678 / 0987"), EncodingNone},
		{[]byte("Lan Nguyễn Thị"), []byte("19900405"), []byte(""), []byte("001299012345"), []byte("84"), EncodingNone},
		{[]byte("\xff\xfe\x00"), []byte("99999999999"), []byte("\xc3"), []byte("\x00"), []byte("+"), EncodingNone},
		{nil, nil, nil, nil, nil, EncodingNone},
		{[]byte("Mr. A (x) 12"), []byte("04/25/1990"), []byte("Nam"), []byte("001090012345"), []byte("0912345678"), EncodingNone},
		{[]byte("H'Hen Niê"), []byte("12/2030"), []byte("NAM"), []byte("001230012345"), []byte("0912 345 678"), EncodingNone},
	}
	for _, s := range seeds {
		f.Add(s.FullName, s.DOB, s.Gender, s.NationalID, s.Phone)
	}
	n := New(Options{RefYear: 2025})
	f.Fuzz(func(t *testing.T, name, dob, gender, id, phone []byte) {
		in := RecordInput{FullName: name, DOB: dob, Gender: gender, NationalID: id, Phone: phone}
		r := n.Record(in)
		nm := r.Name
		for _, b := range [][]byte{nm.Canonical, nm.Family, nm.Middle, nm.Given, nm.VariantKey, nm.VariantKeyIY} {
			if !utf8.Valid(b) {
				t.Fatalf("Record name %q: invalid UTF-8 %q", name, b)
			}
		}
		for _, b := range [][]byte{nm.Folded, nm.FamilyFolded, nm.MiddleFolded, nm.GivenFolded, nm.VariantKeyFolded, nm.Phonetic} {
			for _, c := range b {
				if c >= utf8.RuneSelf {
					t.Fatalf("Record name %q: folded form %q is not ASCII", name, b)
				}
			}
		}
		fields := nm.Flags | r.DOB.Flags | r.ID.Flags | r.Phone.Flags
		if r.Flags&fields != fields {
			t.Fatalf("record flags %v lack field flags %v", r.Flags, fields&^r.Flags)
		}
		if extra := r.Flags &^ fields &^ recordDerived; extra != 0 {
			t.Fatalf("record flags %v hold %v, from no field", r.Flags, extra)
		}
		if !utf8.ValidString(r.Flags.String()) || strings.Contains(r.Flags.String(), "||") {
			t.Fatalf("flag names %q", r.Flags.String())
		}

		// Keep what the second call will overwrite.
		first := struct {
			canon, id, phone string
			dob              int32
			prec             Precision
			gender           Gender
			flags            Flags
		}{string(nm.Canonical), r.ID.String(), r.Phone.String(), r.DOB.Packed(), r.DOB.Precision, r.Gender, r.Flags}
		c := canonicalInput(in, r)
		r2 := n.Record(c)
		if string(r2.Name.Canonical) != first.canon {
			t.Fatalf("name %q -> %q -> %q", name, first.canon, r2.Name.Canonical)
		}
		if first.prec != PrecisionNone && (r2.DOB.Packed() != first.dob || r2.DOB.Precision != first.prec) {
			t.Fatalf("date %q -> %q -> %v", dob, c.DOB, r2.DOB)
		}
		if r2.Gender != first.gender {
			t.Fatalf("gender %q -> %q -> %v", gender, c.Gender, r2.Gender)
		}
		if r2.ID.String() != first.id || r2.Phone.String() != first.phone {
			t.Fatalf("id/phone %q %q -> %q %q", first.id, first.phone, r2.ID.String(), r2.Phone.String())
		}
		if got, want := r2.Flags&CompleteMask, first.flags&CompleteMask; got != want {
			t.Fatalf("completeness flags changed on the canonical forms: %v -> %v (input %q %q %q %q %q)", want, got, name, dob, gender, id, phone)
		}
		if got, want := r2.Flags&idConsistency, first.flags&idConsistency; got != want {
			t.Fatalf("ID consistency flags changed on the canonical forms: %v -> %v (input %q %q %q %q %q)", want, got, name, dob, gender, id, phone)
		}
		if added := r2.Flags & CorrectMask &^ first.flags; added != 0 {
			t.Fatalf("the canonical forms gained errors %v (input %q %q %q %q %q -> %q %q %q %q %q)", added,
				name, dob, gender, id, phone, c.FullName, c.DOB, c.Gender, c.NationalID, c.Phone)
		}
	})
}

// FuzzParseFlags: ParseFlags never panics; it accepts exactly the strings
// whose '|'- or ';'-separated parts are all flag names, and it inverts
// String and AppendNames for every set of defined flags.
func FuzzParseFlags(f *testing.F) {
	for _, s := range []string{"", "dob_missing", "dob_missing|id_cmnd", "name_missing;phone_invalid", "|", ";;", "nope", "dob_missing|nope", "DOB_MISSING", "dob_missing||id_cmnd", " dob_missing"} {
		f.Add(s, uint64(0))
	}
	f.Add("", uint64(CorrectMask))
	f.Add("", uint64(flagEnd-1))
	f.Add("", ^uint64(0))
	known := map[string]Flags{}
	for i, name := range FlagNames() {
		known[name] = 1 << i
	}
	f.Fuzz(func(t *testing.T, s string, v uint64) {
		got, ok := ParseFlags(s)
		var want Flags
		wantOK := true
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ';' }) {
			b, found := known[part]
			if !found {
				wantOK = false
				break
			}
			want |= b
		}
		if ok != wantOK || (ok && got != want) {
			t.Fatalf("ParseFlags(%q) = %v, %v; want %v, %v", s, got, ok, want, wantOK)
		}
		if ok {
			if back, ok2 := ParseFlags(got.String()); !ok2 || back != got {
				t.Fatalf("ParseFlags(String(%v)) = %v, %v", got, back, ok2)
			}
		}
		fl := Flags(v) & (flagEnd - 1)
		for _, sep := range []byte{'|', ';'} {
			str := string(fl.AppendNames(nil, sep))
			if back, ok := ParseFlags(str); !ok || back != fl {
				t.Fatalf("ParseFlags(%q) = %v, %v; want %v", str, back, ok, fl)
			}
		}
	})
}
