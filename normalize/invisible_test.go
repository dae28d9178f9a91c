package normalize

import (
	"bytes"
	"testing"
	"time"
	"unicode/utf8"
)

// invisibleRef is the definition: the characters invisible.go lists.
func invisibleRef(r rune) bool {
	return r == 0x061C || r == 0x180E || r >= 0x200B && r <= 0x200F || r >= 0x202A && r <= 0x202E ||
		r >= 0x2060 && r <= 0x2064 || r >= 0x2066 && r <= 0x2069 || r == 0xFEFF
}

// visibleRef drops the invisible characters of s one rune at a time
// (invalid bytes kept as they are).
func visibleRef(s []byte) []byte {
	var out []byte
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 || !invisibleRef(r) {
			out = append(out, s[i:i+n]...)
		}
		i += n
	}
	return out
}

// FuzzVisible: the word-at-a-time scans (ASCII runs skipped eight bytes
// at a time) agree with the rune-by-rune definition.
func FuzzVisible(f *testing.F) {
	for _, s := range []string{"", "Nguyễn Văn An", "0123456789\u200b0123", "abcdefgh\ufeffijklmnop", "\xe2\x80", "\xd8\x9c",
		"ស៊ុ\u200bន", "12345678\u2069", "\u00ad\u180e\u202e", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\u2060"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, s []byte) {
		want := visibleRef(s)
		if got := appendVisible([]byte("x"), s); !bytes.Equal(got[1:], want) || got[0] != 'x' {
			t.Fatalf("appendVisible(%q) = %q, want %q", s, got[1:], want)
		}
		if got := hasInvisible(s); got != (len(want) != len(s)) {
			t.Fatalf("hasInvisible(%q) = %v", s, got)
		}
	})
}

// TestRowScansCellsOnce: the row normalizer reads each cell for invisible
// characters once (in Values, which copies it), not again in Name and
// Text (issue 19's +17% read+normalize CPU at 1M), and the result is the
// same as the normalizers' own on the raw value. (A name that takes a
// second pass to its fixed point, unaccented or in another script, is
// read again in that pass, as Name reads it: the rows that count scans
// are of names done in one.)
func TestRowScansCellsOnce(t *testing.T) {
	fields := []Field{{Kind: KindPersonName, Cells: []int{0}}, {Kind: KindVNAddress, Cells: []int{1}},
		{Kind: KindText, Cells: []int{2}}, {Kind: KindNationalID, Cells: []int{3}}}
	rows := []struct {
		cells []string
		once  bool
	}{
		{[]string{"Nguyễn Văn An", "Số 3 Phố Huế, Hà Nội", "ghi chú", "001090012345"}, true},
		{[]string{" Nguy\u200bễn Thị  Thủy ", "\u200e12 Lê Lợi, Quận 1, TP HCM", "\ufeffa\u200bb", " 0010900\u200b12345"}, true},
		{[]string{"Nguyen Van An", "so 3 pho hue ha noi", "", ""}, false},
		{[]string{"王小明", "ស៊ុ\u200bន", "Ngu\u00adyễn", "x"}, false},
	}
	New(Options{RefYear: 2025}).Name([]byte("Nguyễn Văn An")) // the tables, built once, are read too
	var n int
	scanned = &n
	defer func() { scanned = nil }()
	for _, tc := range rows {
		cells := tc.cells
		r := NewRowNormalizer(fields, Options{RefYear: 2025})
		b := make([][]byte, len(cells))
		total := 0
		for i, c := range cells {
			b[i] = []byte(c)
			total += len(c)
		}
		n = 0
		row := r.Cells(b)
		if tc.once && n != total {
			t.Errorf("%q: %d bytes scanned for invisible characters, want %d (each cell once)", cells, n, total)
		}
		nz := New(Options{RefYear: 2025})
		if nm := nz.Name([]byte(cells[0])); string(nm.Canonical) != string(row.Values[0].Name.Canonical) || nm.Flags != row.Values[0].Name.Flags {
			t.Errorf("%q: row name %q %v, Name %q %v", cells[0], row.Values[0].Name.Canonical, row.Values[0].Name.Flags, nm.Canonical, nm.Flags)
		}
		for _, f := range []int{1, 2} {
			if tx := nz.Text([]byte(cells[f])); string(tx.Canonical) != string(row.Values[f].Text.Canonical) || tx.Flags != row.Values[f].Text.Flags {
				t.Errorf("%q: row text %q %v, Text %q %v", cells[f], row.Values[f].Text.Canonical, row.Values[f].Text.Flags, tx.Canonical, tx.Flags)
			}
		}
	}
}

// TestAppendBytesKeepsDst: every string column appends its value after
// dst's bytes and leaves them alone, as the store writes each column
// straight into its arena (an ID column that returned dst[:0] for a
// number of the wrong length emptied the whole arena).
func TestAppendBytesKeepsDst(t *testing.T) {
	kinds := []Kind{KindPersonName, KindDate, KindGender, KindNationalID, KindPhone, KindVNAddress, KindText, KindTimestamp}
	fields := make([]Field, len(kinds))
	for i, k := range kinds {
		fields[i] = Field{Kind: k, Cells: []int{i}}
	}
	r := NewRowNormalizer(fields, Options{RefYear: 2025})
	for _, cells := range [][]string{
		{"Nguyễn Văn An", "05/04/1990", "Nam", "001090012345", "0912345678", "Số 3 Phố Huế, Hà Nội", "x", "2024-01-01T00:00:00Z"},
		{"王小明", "31/02/2024", "1", "12345", "12", "", "", ""},
		{"", "", "", "0123456789012345", "abc", "Quận 1", "", "-"},
	} {
		b := make([][]byte, len(cells))
		for i, c := range cells {
			b[i] = []byte(c)
		}
		row := r.Cells(b)
		for i, k := range kinds {
			for _, c := range k.Columns() {
				if c.Type != ColumnString {
					continue
				}
				alone := string(c.AppendBytes(nil, &row.Values[i]))
				if got := string(c.AppendBytes([]byte("prefix|"), &row.Values[i])); got != "prefix|"+alone {
					t.Errorf("%s.%s of %q after a prefix: %q, want %q", k, c.Role, cells[i], got, "prefix|"+alone)
				}
			}
		}
	}
}

// parseTimestampRef tries every layout in order, as parseTimestamp did
// before it picked the layout by shape.
func parseTimestampRef(v []byte) int64 {
	for _, layout := range timestampLayouts {
		if t, err := time.Parse(layout, string(v)); err == nil {
			return t.Unix()
		}
	}
	return 0
}

// FuzzParseTimestamp: picking the layout by the value's shape gives what
// trying them all in order gives.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2024-05-03 10:22:11", "2024-05-03T10:22:11Z", "2024-05-03T10:22:11.5+07:00", "2024-05-03",
		"2024-02-30", "2024-05-03 25:00:00", "2024-05-03t10:22:11Z", "", "x", "2024-05-03 10:22:1x", "20240503  10:22:11"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		if got, want := parseTimestamp(v), parseTimestampRef(v); got != want {
			t.Fatalf("parseTimestamp(%q) = %d, want %d", v, got, want)
		}
	})
}

// TestParseTimestampAllocs: a "yyyy-mm-dd hh:mm:ss" value (dedup gen's
// updated_at) costs no failed parse, whose error allocates.
func TestParseTimestampAllocs(t *testing.T) {
	v := []byte("2024-05-03 10:22:11")
	if got := parseTimestamp(v); got != 1714731731 {
		t.Fatalf("parseTimestamp(%q) = %d", v, got)
	}
	if a := testing.AllocsPerRun(100, func() { parseTimestamp(v) }); a > 1 {
		t.Errorf("%.0f allocations a value, want at most 1", a)
	}
}
