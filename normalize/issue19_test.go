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

// TestNonLatinNameKeptWhole: a name in another script is kept whole and
// NFC, without the dots of abbreviations, the splits of the Vietnamese
// tokenizer or a reordering, and says so (name_non_latin).
func TestNonLatinNameKeptWhole(t *testing.T) {
	n := New(Options{RefYear: 2025})
	for _, tc := range []struct{ in, want string }{
		{"王小明", "王小明"},
		{"محمد علي", "محمد علي"},
		{"ស៊ុន សុខា", "ស៊ុន សុខា"},
		{"  иван   петров ", "Иван Петров"},
		{"ស៊ុ\u200bន", "ស៊ុន"},
		{"Ко\u0308рин", "Кӧрин"}, // NFC
	} {
		nm := n.Name([]byte(tc.in))
		if string(nm.Canonical) != tc.want || !nm.Flags.Has(FlagNameNonLatin) {
			t.Errorf("Name(%q) = %q %v, want %q with name_non_latin", tc.in, nm.Canonical, nm.Flags, tc.want)
		}
		if nm.Flags&(FlagNameNoise|FlagNameSingleToken|FlagNameUnknownSurname|FlagNameReordered) != 0 {
			t.Errorf("Name(%q): Vietnamese name rules applied: %v", tc.in, nm.Flags)
		}
		if string(nm.Given) != tc.want || len(nm.Family) != 0 || len(nm.Middle) != 0 {
			t.Errorf("Name(%q) parts %q|%q|%q, want the whole name as given", tc.in, nm.Family, nm.Middle, nm.Given)
		}
		if again := n.Name([]byte(tc.want)); string(again.Canonical) != tc.want {
			t.Errorf("Name(%q) = %q: not a fixed point", tc.want, again.Canonical)
		}
	}
	// Its matching key (the folded forms blocking and comparison read) is
	// the lower-cased name, never empty: two records of 王小明 can match.
	for _, tc := range []struct{ in, want string }{
		{"王小明", "王小明"},
		{" 王小明 ", "王小明"},
		{"محمد  علي", "محمد علي"},
		{"ស៊ុ\u200bន សុខា", "ស៊ុន សុខា"},
		{"Иван Петров", "иван петров"},
		{"王小明 Wang", "王小明 wang"},
		{"王小明.", "王小明"}, // punctuation is no part of the key
		{"محمد. علي", "محمد علي"},
	} {
		nm := n.Name([]byte(tc.in))
		for what, got := range map[string][]byte{"Folded": nm.Folded, "GivenFolded": nm.GivenFolded,
			"Phonetic": nm.Phonetic, "VariantKeyFolded": nm.VariantKeyFolded} {
			if string(got) != tc.want {
				t.Errorf("Name(%q).%s = %q, want %q", tc.in, what, got, tc.want)
			}
		}
	}
	// A Vietnamese name is no such name.
	if nm := n.Name([]byte("Nguyễn Thị Thủy")); nm.Flags.Has(FlagNameNonLatin) {
		t.Errorf("Nguyễn Thị Thủy flagged %v", nm.Flags)
	}
}

// TestInvisibleCharactersRemoved: zero-width and bidi characters, the BOM
// and (in text that is not TCVN3) the soft hyphen vanish before any
// normalizer tokenizes, in names, text and every kind of a row.
func TestInvisibleCharactersRemoved(t *testing.T) {
	n := New(Options{RefYear: 2025})
	for _, in := range []string{
		"Nguy\u200bễn Văn An", "Nguyễn Vă\u200cn An", "Nguyễn V\u200dăn An", "\u200eNguyễn Văn An\u200f",
		"\u202bNguyễn Văn An\u202c", "\u2066Nguyễn\u2069 Văn An", "Ngu\u2060yễn Văn An", "\ufeffNguyễn Văn\ufeff An",
		"Ngu\u00adyễn Văn An", "Nguyễn \u061cVăn An", "Nguyễn Văn A\u180en",
	} {
		nm := n.Name([]byte(in))
		if string(nm.Canonical) != "Nguyễn Văn An" || nm.Flags != 0 {
			t.Errorf("Name(%q) = %q %v, want Nguyễn Văn An, no flag", in, nm.Canonical, nm.Flags)
		}
		if tx := n.Text([]byte(in)); string(tx.Canonical) != "nguyễn văn an" {
			t.Errorf("Text(%q) = %q", in, tx.Canonical)
		}
	}
	r := NewRowNormalizer([]Field{{Kind: KindNationalID, Cells: []int{0}}, {Kind: KindDate, Cells: []int{1}},
		{Kind: KindPhone, Cells: []int{2}}, {Kind: KindGender, Cells: []int{3}}}, Options{RefYear: 2025})
	row := r.Cells([][]byte{[]byte("00109\u200b0012345"), []byte("05/0\u200b4/1990"), []byte("\ufeff0912\u200d345678"), []byte("N\u200bam")})
	if id := row.Values[0].ID; id.String() != "001090012345" || id.Kind != IDCCCD {
		t.Errorf("id %q %v", id.String(), id.Kind)
	}
	if d := row.Values[1].Date; d.String() != "1990-04-05" {
		t.Errorf("date %q %v", d.String(), d.Flags)
	}
	if p := row.Values[2].Phone; !p.Valid() {
		t.Errorf("phone %v", p.Flags)
	}
	if g := row.Values[3].Gender; g != GenderMale {
		t.Errorf("gender %v", g)
	}
}
