package normalize

import "testing"

// TestImpossibleDateNotISO: dedup normalize's date column (the kind
// table's "iso") stays empty for an impossible date, which keeps its
// dob_impossible flag; a run stores it as no date.
func TestImpossibleDateNotISO(t *testing.T) {
	iso, stored := KindDate.Column("iso"), KindDate.Column("date")
	r := NewRowNormalizer([]Field{{Kind: KindDate, Cells: []int{0}}}, Options{RefYear: 2025})
	for _, s := range []string{"31/02/2024", "0000-00-00", "29/02/2023", "13/13/1990", "-1"} {
		row := r.Cells([][]byte{[]byte(s)})
		v := &row.Values[0]
		if got := iso.AppendBytes(nil, v); len(got) != 0 {
			t.Errorf("%q: iso column %q, want empty", s, got)
		}
		if stored.Int(v) != 0 {
			t.Errorf("%q: stored date %d, want 0", s, stored.Int(v))
		}
		if row.Flags&(FlagDOBImpossible|FlagDOBUnparsed) == 0 {
			t.Errorf("%q: flags %v lack dob_impossible or dob_unparsed", s, row.Flags)
		}
	}
	// A packed date read back (survive's golden dob) is checked too.
	if got := DateFromPacked(20240231).String(); got != "" {
		t.Errorf("DateFromPacked(20240231) renders %q", got)
	}
}

// TestIDTwoZerosRestored: an int64 national_id column drops both leading
// zeros of a CCCD of provinces 001–009 (Hà Nội is 001): ten digits that
// decode as a CCCD with "00" before them get it back, flagged.
func TestIDTwoZerosRestored(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"1090012345", "001090012345"},  // Hà Nội, a man born 1990
		{"8195012345", "008195012345"},  // Tuyên Quang, a woman born 1995
		{"10900123456", "010900123456"}, // one zero lost: as before
	} {
		id := ParseID([]byte(tc.in))
		if id.Kind != IDCCCD || id.String() != tc.want || !id.Flags.Has(FlagIDZeroRestored) {
			t.Errorf("ParseID(%q) = %q %v %v, want CCCD %q with id_leading_zero_restored", tc.in, id.String(), id.Kind, id.Flags, tc.want)
		}
	}
	// Ten digits that do not decode stay invalid: neither province 00
	// (a phone number's leading zero) nor 03 exists.
	for _, in := range []string{"0912345678", "3990012345"} {
		if id := ParseID([]byte(in)); id.Kind != IDInvalid || !id.Flags.Has(FlagIDInvalidLength) {
			t.Errorf("ParseID(%q) = %q %v %v, want invalid length", in, id.String(), id.Kind, id.Flags)
		}
	}
}
