package normalize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// oracleFold is the x/text transform chain that AppendFold replaces: NFD,
// drop non-spacing marks, map đ, lower-case, keep ASCII only.
func oracleFold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), runes.Map(func(r rune) rune {
		switch r {
		case 'đ', 'Đ', 'ð', 'Ð':
			return 'd'
		}
		return unicode.ToLower(r)
	}), norm.NFC)
	out, _, _ := transform.String(t, s)
	var b strings.Builder
	for _, r := range out {
		if r < utf8.RuneSelf {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var foldTests = []struct{ in, want string }{
	{"Nguyễn Thị Thủy", "nguyen thi thuy"},
	{"NGUYỄN THỊ THUỶ", "nguyen thi thuy"},
	{"Đặng Văn Đức", "dang van duc"},
	{"Nguye\u0302\u0303n", "nguyen"}, // NFD
	{"Hoà Hòa", "hoa hoa"},
	{"Phường Bến Nghé, Quận 1", "phuong ben nghe, quan 1"},
	{"", ""},
	{"abc\xffdef", "abcdef"},
}

func TestAppendFold(t *testing.T) {
	for _, tt := range foldTests {
		if got := string(AppendFold(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("AppendFold(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// TestAppendFoldMatchesOracle checks every Vietnamese letter of the
// reference tables and every rune of the table's range against x/text.
func TestAppendFoldMatchesOracle(t *testing.T) {
	for r := rune(1); r < foldLimit; r++ {
		if unicode.Is(unicode.Mn, r) || !unicode.IsLetter(r) && r >= utf8.RuneSelf {
			continue
		}
		s := string(r)
		if got, want := string(AppendFold(nil, []byte(s))), oracleFold(s); got != want {
			t.Errorf("AppendFold(%q U+%04X) = %q; oracle %q", s, r, got, want)
		}
	}
}

func TestAppendFoldNoAlloc(t *testing.T) {
	in := []byte("Nguyễn Thị Minh Khai")
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() { buf = AppendFold(buf[:0], in) }); n != 0 {
		t.Errorf("AppendFold allocates %v times per call; want 0", n)
	}
}

func FuzzAppendFold(f *testing.F) {
	for _, tt := range foldTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := AppendFold(nil, []byte(s))
		if !utf8.Valid(once) {
			t.Fatalf("fold of %q is not valid UTF-8", s)
		}
		for _, c := range once {
			if c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
				t.Fatalf("fold of %q has byte %#x", s, c)
			}
		}
		if twice := AppendFold(nil, once); string(twice) != string(once) {
			t.Fatalf("fold not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}

func BenchmarkAppendFold(b *testing.B) {
	in := []byte("Nguyễn Thị Minh Khai")
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		buf = AppendFold(buf[:0], in)
	}
}

func BenchmarkOracleFold(b *testing.B) {
	in := "Nguyễn Thị Minh Khai"
	b.ReportAllocs()
	for b.Loop() {
		oracleFold(in)
	}
}
