package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dedup-vn/dedup/refdata"
)

// telexKeys types lower-case canonical text s as Telex keystrokes with the
// input method off: each word's letters as keys, its tone key last
// (Nguyễn → nguyeenx), as the generator and real users do.
func telexKeys(s string) string {
	var b strings.Builder
	for i, w := range strings.Split(s, " ") {
		if i > 0 {
			b.WriteByte(' ')
		}
		var tone uint8
		for _, r := range w {
			var l vnLetter
			if r < foldLimit {
				l = letterTab[r]
			}
			if l.base == 0 {
				b.WriteRune(r)
				continue
			}
			if l.tone != 0 {
				tone = l.tone
			}
			b.WriteByte(l.base)
			switch l.mod {
			case vmCirc:
				b.WriteByte(l.base)
			case vmBreve, vmHorn:
				b.WriteByte('w')
			case vmStroke:
				b.WriteByte('d')
			}
		}
		if tone != 0 {
			b.WriteByte(" fsrxj"[tone])
		}
	}
	return b.String()
}

func TestTelexRepair(t *testing.T) {
	n := New(Options{})
	for _, c := range []struct {
		in, want string
		repaired bool
	}{
		{"Nguyeenx Thij Thuyr", "Nguyễn Thị Thủy", true},
		{"Traanf DDawng Khoa", "Trần Đăng Khoa", true},
		{"Vox Vawn Hieeus", "Võ Văn Hiếu", true},
		{"NGUYEENX VAWN NAM", "Nguyễn Văn Nam", true},
		{"Nguyeexn Vawn Nam", "Nguyễn Văn Nam", true},               // tone key before the final
		{"Truwowngf Thij Thuowng", "Trường Thị Thương", true},       // uw ow, and uo + w
		{"Nguyễn Thị Phuwowng", "Nguyễn Thị Phương", true},          // one Telex word among accented ones
		{"Huyønh Thò Hoangf", "Huỳnh Thị Hoàng", true},              // VNI with one Telex word
		{"Nguyeãn Vaên Nhaatj", "Nguyễn Văn Nhật", true},            // VNI elsewhere
		{"NguyÔn ThÞ Thuyr", "Nguyễn Thị Thủy", true},               // TCVN3 elsewhere
		{"Nguyễn Sown", "Nguyễn Sơn", true},                         // a w after o
		{"Nguyeenx Coong Minh", "Nguyễn Công Minh", true},           // coong is a word, công a name
		{"Pham Thij Lan", "Pham Thị Lan", true},                     // only the Telex token changes
		{"Lan Nguyeenx Thij", "Nguyễn Thị Lan", true},               // order detection sees the repair
		{"Nguyeenx Thij Thuyr (chết)", "Nguyễn Thị Thủy", true},     // remarks still dropped
		{"Ross James", "Ross James", false},                         // two tone keys; onset j
		{"Alex Bus", "Alex Bus", false},                             // final lex; bú is no name syllable
		{"Xoong Lan", "Xoong Lan", false},                           // valid as written, xông no name
		{"H'Wen Niê", "H'wen Niê", false},                           // the run touches an apostrophe
		{"Nguyễn Thị Thủy", "Nguyễn Thị Thủy", false},               // plain
		{"Nguyen Thi Thuy", "Nguyen Thi Thuy", false},               // plain unaccented
		{"Nguyen#Thij", "Nguyen Thị", true},                         // a # is noise: the repair waits for the pass without it
		{"Nguyeenx Thij\x80", "Nguyễn Thị", true},                   // invalid UTF-8 repaired first
		{"Lê Thị Tungf Wilson", "Lê Thị Tùng Wilson", true},         // wilson is no syllable
		{"Dawson Owen Aaron Shaw", "Dawson Owen Aaron Shaw", false}, // strong markers, invalid decodings
	} {
		nm := n.Name([]byte(c.in))
		if got := string(nm.Canonical); got != c.want {
			t.Errorf("Name(%q) = %q, want %q", c.in, got, c.want)
		}
		if nm.Flags.Has(FlagNameTelexRepaired) != c.repaired {
			t.Errorf("Name(%q): flags %v, telex repaired want %v", c.in, nm.Flags, c.repaired)
		}
	}
}

// TestTelexNeverOnPlainNames: no reference name, accented, folded or upper
// case, is touched by the Telex repair; neither is any reference name
// token on its own.
func TestTelexNeverOnPlainNames(t *testing.T) {
	n := New(Options{})
	names := testNames(t)
	r := refdata.Get()
	for _, s := range r.Surnames {
		names = append(names, s.Name)
	}
	for _, s := range r.MiddleNames {
		names = append(names, s.Name)
	}
	for _, s := range r.GivenNames {
		names = append(names, s.Name)
	}
	for _, s := range names {
		folded := string(n.Text([]byte(s)).Folded)
		for _, in := range []string{s, folded, strings.ToUpper(folded)} {
			if nm := n.Name([]byte(in)); nm.Flags.Has(FlagNameTelexRepaired) {
				t.Fatalf("Name(%q) repaired as Telex: %q", in, nm.Canonical)
			}
		}
	}
}

// TestTelexRoundTrip: every reference name typed in Telex comes back as
// the name.
func TestTelexRoundTrip(t *testing.T) {
	n := New(Options{})
	bad := 0
	for i, s := range testNames(t) {
		if i%3 != 0 {
			continue // a third is enough and keeps the test quick
		}
		want := string(n.Name([]byte(s)).Canonical)
		if _, st := n.appendCanonical(nil, []byte(want)); st.invalidWords > 0 {
			continue // Niê, Êban: minority names outside the syllable rules
		}
		in := telexKeys(strings.ToLower(want))
		nm := n.Name([]byte(in))
		if got := string(nm.Canonical); got != want {
			bad++
			if bad <= 10 {
				t.Errorf("Name(%q) = %q, want %q", in, got, want)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d names did not round-trip through Telex", bad)
	}
}

// TestTelexWesternNames: Western names that look like Telex keys, when
// their decoding is not a Vietnamese name syllable, stay as written.
func TestTelexWesternNames(t *testing.T) {
	n := New(Options{})
	for _, s := range []string{"Ross", "James", "Alex", "John Smith", "William Lewis", "Chris Wilson",
		"Owen", "Aaron", "Shaw", "Dawson", "Rex", "Bus", "Jess", "Wendy", "Andrew", "Edward", "Howard",
		"Steve Jobs", "Mars", "Paris", "Swift", "Maxwell"} {
		nm := n.Name([]byte(s))
		if nm.Flags.Has(FlagNameTelexRepaired) {
			t.Errorf("Name(%q) repaired as Telex: %q", s, nm.Canonical)
		}
	}
}

// TestTelexMarked checks the cheap pre-test against the full decoder: a
// token the decoder accepts always has a marker.
func TestTelexMarked(t *testing.T) {
	for _, c := range []struct {
		tok    string
		marked bool
	}{
		{"nguyeenx", true}, {"ddang", true}, {"vawn", true}, {"thij", true}, {"coong", true},
		{"nguyen", false}, {"son", false}, {"sa", false}, {"xuan", false}, {"ross", true}, {"dung", false},
	} {
		if got := telexMarked([]byte(c.tok)); got != c.marked {
			t.Errorf("telexMarked(%q) = %v", c.tok, got)
		}
	}
	var w []vnLetter
	for _, tok := range []string{"nguyen", "son", "xuan", "dung", "hoa", "thanh"} {
		var ok bool
		if _, w, ok, _ = appendTelexDecode(nil, []byte(tok), w); ok {
			t.Errorf("appendTelexDecode(%q) decoded a token without markers", tok)
		}
	}
}

func TestVariantKeyFoldedPairs(t *testing.T) {
	n := New(Options{})
	key := func(s string) string { return string(n.Name([]byte(s)).VariantKeyFolded) }
	for _, group := range [][]string{
		{"Hoàng Văn Phúc", "Huỳnh Văn Phước", "Huynh Van Phuoc", "Hoang Van Phuc", "HUỲNH VĂN PHƯỚC", "Huỳnh Văn Phuoc"},
		{"Vũ Thị Lan", "Võ Thị Lan", "Vo Thi Lan", "Vu Thi Lan"},
		{"Chu Văn An", "Châu Văn An", "Chau Van An"},  // surname
		{"Lê Thị Chu", "Lê Thị Châu", "Le Thi Chau"},  // given
		{"Lê Thiên Vũ", "Lê Thiên Võ", "Le Thien Vo"}, // given, and Võ is not read as a surname
		{"Nguyễn Hồng Phúc", "Nguyễn Hồng Phước", "nguyen hong phuoc"},
		{"Trần Văn Tùng", "Trần Văn Tòng", "Tran Van Tong"},
		{"Phạm Thị Hoa", "Phạm Thị Bông", "Pham Thi Bong"},
	} {
		want := key(group[0])
		for _, s := range group[1:] {
			if got := key(s); got != want {
				t.Errorf("VariantKeyFolded(%q) = %q, want %q as for %q", s, got, want, group[0])
			}
		}
	}
	for _, pair := range [][2]string{
		{"Nguyễn Thị Vy", "Nguyễn Thị Vi"},    // i/y: kept out (VariantKeyIY is the weak key)
		{"Phạm Quý Hiệp", "Phạm Quí Hiệp"},    // i/y
		{"Nguyễn Thị Huệ", "Nguyễn Thị Hoa"},  // Huê→Hoa would fold Huệ into Hoa
		{"Nguyễn Châu Anh", "Nguyễn Chu Anh"}, // Chu/Châu applies to surname and given, not middle
		{"Phước Lan Anh", "Phúc Lan Anh"},     // Phúc/Phước applies to given and middle, not family
		{"Tống Văn Nam", "Tùng Văn Nam"},      // Tòng/Tùng is a given variant only
	} {
		if a, b := key(pair[0]), key(pair[1]); a == b {
			t.Errorf("VariantKeyFolded(%q) = VariantKeyFolded(%q) = %q, want different", pair[0], pair[1], a)
		}
	}
	// Where it differs from Folded it is only by mapped tokens: same count.
	for _, s := range []string{"Huỳnh T. Lan", "Bà Võ Thị Phước", "Lan Huỳnh Thị"} {
		nm := n.Name([]byte(s))
		if strings.Count(string(nm.VariantKeyFolded), " ") != strings.Count(string(nm.Folded), " ") {
			t.Errorf("Name(%q): VariantKeyFolded %q, Folded %q", s, nm.VariantKeyFolded, nm.Folded)
		}
	}
}

// TestVariantKeyFoldedIgnoresDiacritics: for every reference name, the key
// of the name equals the key of its ASCII fold.
func TestVariantKeyFoldedIgnoresDiacritics(t *testing.T) {
	n := New(Options{})
	for _, s := range testNames(t) {
		a := string(n.Name([]byte(s)).VariantKeyFolded)
		f := string(n.Text([]byte(s)).Folded)
		if b := string(n.Name([]byte(f)).VariantKeyFolded); a != b {
			t.Fatalf("VariantKeyFolded(%q) = %q but VariantKeyFolded(%q) = %q", s, a, f, b)
		}
		for i := 0; i < len(a); i++ {
			if a[i] >= utf8.RuneSelf {
				t.Fatalf("VariantKeyFolded(%q) = %q: not ASCII", s, a)
			}
		}
	}
}

func FuzzNameTelex(f *testing.F) {
	for _, s := range []string{"Nguyeenx Thij Thuyr", "Traanf DDawng Khoa", "Huyønh Thò Hoangf", "#0# Thij", "uwowuwow",
		"Ddddd", "w w w", "Thij#1#", "Coong\xff", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa s"} {
		f.Add(s)
	}
	n := New(Options{})
	f.Fuzz(func(t *testing.T, s string) {
		nm := n.Name([]byte(s))
		canon := string(nm.Canonical)
		for _, b := range [][]byte{nm.Canonical, nm.Folded, nm.VariantKeyFolded} {
			if !utf8.Valid(b) {
				t.Fatalf("Name(%q): invalid UTF-8 %q", s, b)
			}
		}
		nm2 := n.Name([]byte(canon))
		if string(nm2.Canonical) != canon {
			t.Fatalf("Name not idempotent: %q -> %q -> %q", s, canon, nm2.Canonical)
		}
		if nm2.Flags.Has(FlagNameTelexRepaired) {
			t.Fatalf("Name(%q) = %q repaired again", s, canon)
		}
	})
}

func BenchmarkNameTelex(b *testing.B) {
	n := New(Options{RefYear: 2025})
	in := []byte("Nguyeenx Thij Thuyr")
	b.ReportAllocs()
	for b.Loop() {
		n.Name(in)
	}
}

func BenchmarkNameUnaccented(b *testing.B) {
	n := New(Options{RefYear: 2025})
	in := []byte("Huynh Van Phuoc")
	b.ReportAllocs()
	for b.Loop() {
		n.Name(in)
	}
}
