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
