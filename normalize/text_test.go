package normalize

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/dedup-vn/dedup/refdata"
	"golang.org/x/text/unicode/norm"
)

func TestTextCanonical(t *testing.T) {
	n := New(Options{})
	f := func(in, canonical, folded string) {
		t.Helper()
		tx := n.Text([]byte(in))
		if string(tx.Canonical) != canonical || string(tx.Folded) != folded {
			t.Errorf("Text(%q) = %q, %q; want %q, %q", in, tx.Canonical, tx.Folded, canonical, folded)
		}
		if tx.Encoding != EncodingNone {
			t.Errorf("Text(%q) detected %v", in, tx.Encoding)
		}
	}
	// Tone placement: both styles give hòa, khỏe, thủy.
	f("Hoà", "hòa", "hoa")
	f("Hòa", "hòa", "hoa")
	f("Thuỷ", "thủy", "thuy")
	f("Khoẻ", "khỏe", "khoe")
	f("Thuý", "thúy", "thuy")
	f("Hoá", "hóa", "hoa")
	// qu and gi onsets: the u and i belong to the consonant.
	f("Quý", "quý", "quy")
	f("Qúy", "quý", "quy")
	f("Quyển", "quyển", "quyen")
	f("Giáp", "giáp", "giap")
	f("gìn giữ", "gìn giữ", "gin giu")
	// Finals take the tone to the last vowel; modifiers take it first.
	f("Hoàng Toán", "hoàng toán", "hoang toan")
	f("Nguyễn Người Thuở", "nguyễn người thuở", "nguyen nguoi thuo")
	f("Khoái Khuỷu Rượu Của Mía", "khoái khuỷu rượu của mía", "khoai khuyu ruou cua mia")
	// NFD, case, white space.
	f("Nguye\u0302\u0303n  Thi\u0323\n", "nguyễn thị", "nguyen thi")
	f("Nguye\u0303\u0302n", "nguyễn", "nguyen") // marks in the other order
	f("\u00a0NGUYỄN\tVĂN  A ", "nguyễn văn a", "nguyen van a")
	f("Đặng Đức", "đặng đức", "dang duc")
	// Non-Vietnamese text passes through, NFC.
	f("Müller", "müller", "muller")
	f("Mu\u0308ller", "müller", "muller")
	f("Ha Noi.", "ha noi.", "ha noi.")
	f("O'Brien", "o'brien", "o'brien")
	f("", "", "")
}

// legacy encoders for tests: the inverse of what Text decodes.

var legacyOf = func() map[rune]refdata.LegacyChar {
	m := map[rune]refdata.LegacyChar{}
	for _, c := range refdata.Get().LegacyChars {
		m[c.Char] = c
	}
	return m
}()

// encodeLegacy returns the raw legacy bytes of NFC s.
func encodeLegacy(s string, enc Encoding) []byte {
	var b []byte
	for _, r := range s {
		if r < utf8.RuneSelf {
			b = append(b, byte(r))
			continue
		}
		c, ok := legacyOf[r]
		if !ok {
			panic(fmt.Sprintf("no legacy form for %q", r))
		}
		switch enc {
		case EncodingTCVN3:
			if len(c.TCVN3) == 0 { // TCVN3 has no upper-case toned letters
				c = legacyOf[unicode.ToLower(r)]
			}
			b = append(b, c.TCVN3...)
		case EncodingVNI:
			b = append(b, c.VNI...)
		case EncodingVIQR:
			b = append(b, c.VIQR...)
		}
	}
	return b
}

// asCP1252 reads bytes as Windows-1252, as the programs that made the
// mojibake did.
func asCP1252(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		sb.WriteRune(cp1252[c])
	}
	return sb.String()
}

// testNames returns full names built from the reference lists so that every
// surname, middle and given name appears (entries that are themselves
// mojibake in the source lists are skipped).
func testNames(t testing.TB) []string {
	r := refdata.Get()
	n := New(Options{})
	clean := func(s string) (string, bool) {
		tx := n.Text([]byte(s))
		if tx.Encoding != EncodingNone {
			return "", false
		}
		return norm.NFC.String(s), true
	}
	var sur, mid, giv []string
	for _, s := range r.Surnames {
		if c, ok := clean(s.Name); ok {
			sur = append(sur, c)
		}
	}
	for _, s := range r.MiddleNames {
		if c, ok := clean(s.Name); ok {
			mid = append(mid, c)
		}
	}
	for _, s := range r.GivenNames {
		if c, ok := clean(s.Name); ok {
			giv = append(giv, c)
		}
	}
	if len(sur) < 50 || len(mid) < 150 || len(giv) < 400 {
		t.Fatalf("reference lists too short: %d %d %d", len(sur), len(mid), len(giv))
	}
	var names []string
	for i, s := range sur {
		for j, m := range mid {
			names = append(names, s+" "+m+" "+giv[(i*31+j*7)%len(giv)])
		}
	}
	for k, g := range giv {
		for i := 0; i < 5; i++ {
			names = append(names, sur[(k+i*13)%len(sur)]+" "+mid[(k*3+i)%len(mid)]+" "+g)
		}
		names = append(names, sur[k%len(sur)]+" "+g, g)
	}
	return names
}

// TestLegacyNeverOnPlainNames: plain NFC names, their NFD forms, upper-case
// forms and ASCII folds are never taken for legacy text.
func TestLegacyNeverOnPlainNames(t *testing.T) {
	n := New(Options{})
	bad := 0
	for _, name := range testNames(t) {
		for _, in := range []string{name, norm.NFD.String(name), strings.ToUpper(name), FoldString(name)} {
			tx := n.Text([]byte(in))
			if tx.Encoding != EncodingNone || tx.Flags != 0 {
				if bad++; bad < 20 {
					t.Errorf("Text(%q): encoding %v flags %v", in, tx.Encoding, tx.Flags)
				}
			}
		}
	}
}

// TestLegacyRoundTrip: TCVN3, VNI and VIQR encodings of every name, as
// Windows-1252 mojibake and as raw bytes, decode back to the name (after
// case folding: TCVN3 has no upper-case toned letters).
func TestLegacyRoundTrip(t *testing.T) {
	n := New(Options{})
	bad, missed, total := 0, 0, 0
	check := func(name, in string, want Encoding) {
		t.Helper()
		total++
		tx := n.Text([]byte(in))
		canon, _, _ := TextString(name)
		if string(tx.Canonical) == canon {
			return // decoded, or the encoding left this name unchanged
		}
		if tx.Encoding == EncodingNone {
			// A miss is allowed (where the damaged text reads as plain
			// Vietnamese itself, "Thò" for "Thị", or VIQR has one lone
			// mark, "Ly' Minh"), a wrong decoding is not; misses are
			// counted below.
			missed++
			if missed < 15 {
				t.Logf("missed: Text(%q) = %q; want %q (%v)", in, tx.Canonical, canon, want)
			}
			return
		}
		// A wrong decoding happens only where TCVN3 and VNI bytes both
		// read as names (TCVN3 LÖ is Lệ, VNI LƯ; old-style Thuỷ in TCVN3
		// is VNI Thủ); the lexicon tie-break settles most.
		if tx.Encoding == want || tx.Encoding != EncodingTCVN3 && tx.Encoding != EncodingVNI {
			t.Errorf("Text(%q) = %q (%v); want %q (%v)", in, tx.Canonical, tx.Encoding, canon, want)
		}
		if bad++; bad < 10 {
			t.Logf("ambiguous: Text(%q) = %q (%v); want %q (%v)", in, tx.Canonical, tx.Encoding, canon, want)
		}
	}
	defer func() {
		t.Logf("legacy round trip: %d of %d encoded names left undecoded (they read as plain Vietnamese), %d decoded as the other 8-bit encoding",
			missed, total, bad)
		if missed*20 > total {
			t.Errorf("too many undecoded: %d of %d", missed, total)
		}
		if bad*500 > total {
			t.Errorf("too many wrong decodings: %d of %d", bad, total)
		}
	}()
	for _, name := range testNames(t) {
		if FoldString(name) == strings.ToLower(name) {
			continue // nothing to encode
		}
		for _, enc := range []Encoding{EncodingTCVN3, EncodingVNI} {
			raw := encodeLegacy(name, enc)
			check(name, asCP1252(raw), enc)
			check(name, string(raw), enc)
		}
		check(name, string(encodeLegacy(name, EncodingVIQR)), EncodingVIQR)
		check(name, asCP1252([]byte(name)), EncodingUTF8)
	}
}

func TestLegacyExamples(t *testing.T) {
	n := New(Options{})
	f := func(in, want string, enc Encoding) {
		t.Helper()
		tx := n.Text([]byte(in))
		if string(tx.Canonical) != want || tx.Encoding != enc {
			t.Errorf("Text(%q) = %q (%v); want %q (%v)", in, tx.Canonical, tx.Encoding, want, enc)
		}
	}
	f("NguyÔn ThÞ Thñy", "nguyễn thị thủy", EncodingTCVN3)
	f("Nguyeãn Thò Thuûy", "nguyễn thị thủy", EncodingVNI)
	f("Nguye^~n Thi. Thu?y", "nguyễn thị thủy", EncodingVIQR)
	f("Nguyá»…n Thá»‹ Thá»§y", "nguyễn thị thủy", EncodingUTF8)
	f("Nguy\xd4n Th\xde Th\xf1y", "nguyễn thị thủy", EncodingTCVN3)
	f("NGUYÔN V¡N HïNG", "nguyễn văn hùng", EncodingTCVN3) // upper-case TCVN3: Ă is A1, toned letters lower
	f("Ñaëng Vaên Ñöùc", "đặng văn đức", EncodingVNI)
	f("DDa(.ng Va(n DDu+'c", "đặng văn đức", EncodingVIQR)
	// Not legacy: punctuation, foreign names, lone marks.
	f("Ha Noi.", "ha noi.", EncodingNone)
	f("Nguyen Van A.", "nguyen van a.", EncodingNone)
	f("José Nguyễn", "josé nguyễn", EncodingNone)
	f("Renée Lê", "renée lê", EncodingNone)
	f("O'Brien", "o'brien", EncodingNone)
}

func TestTextInvalidUTF8(t *testing.T) {
	tx := New(Options{}).Text([]byte("abc\xffdef"))
	if !tx.Flags.Has(FlagTextInvalidUTF8) || !utf8.Valid(tx.Canonical) {
		t.Errorf("Text(invalid) = %q flags %v; want valid UTF-8 and text_invalid_utf8", tx.Canonical, tx.Flags)
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"Nguyễn Thị Thủy", "NguyÔn ThÞ Thñy", "Nguyeãn Thò Thuûy", "Nguye^~n Thi. Thu?y",
		"Nguyá»…n", "Nguy\xd4n", "Hoà Khoẻ Quý Giáp", "Mu\u0308ller", "a\u0302\u0302\u0301\u0301", "\xff\xfe", "DDa(ng",
		"Nguy\u200bễn\u202e", "Ngu\u00adyễn", "Tr\u00ad¬ng", "Tr\xad\xacng", "王小明\u200d"} {
		f.Add(s)
	}
	n := New(Options{})
	f.Fuzz(func(t *testing.T, s string) {
		tx := n.Text([]byte(s))
		once := string(tx.Canonical)
		folded := string(tx.Folded)
		if !utf8.ValidString(once) || !utf8.ValidString(folded) {
			t.Fatalf("Text(%q) not valid UTF-8: %q %q", s, once, folded)
		}
		if !norm.NFC.IsNormalString(once) {
			t.Fatalf("Text(%q) = %q not NFC", s, once)
		}
		tx2 := n.Text([]byte(once))
		if string(tx2.Canonical) != once {
			t.Fatalf("Text not idempotent: %q -> %q -> %q", s, once, tx2.Canonical)
		}
		if string(tx2.Folded) != folded {
			t.Fatalf("fold not stable: %q -> %q -> %q", s, folded, tx2.Folded)
		}
	})
}

// FuzzTextHint: TextHint never panics, gives valid NFC UTF-8, and its
// result is a fixed point of Text (the hint applies to the raw value only).
func FuzzTextHint(f *testing.F) {
	for _, s := range []string{"Hoà Trung Bình", "Vò LÖ", "Hoaøngg Anh", "Ph¹m YÊn Duy", "PHAN BAÙ DUY", "Nguyá»…n VÄƒn An",
		"Lê Thu Hà", "Café Hòa", "TP. Hoà Chí Minh", "Th«n 3, X. Ea Pil, H. M'§r¾k, §¾kL¾k", "\xff\xfe", ""} {
		for h := EncodingNone; h <= EncodingUTF8; h++ {
			f.Add(s, uint8(h))
		}
	}
	n := New(Options{})
	f.Fuzz(func(t *testing.T, s string, h uint8) {
		tx := n.TextHint([]byte(s), Encoding(h))
		once := string(tx.Canonical)
		if !utf8.ValidString(once) || !utf8.ValidString(string(tx.Folded)) {
			t.Fatalf("TextHint(%q, %d) not valid UTF-8: %q", s, h, once)
		}
		if !norm.NFC.IsNormalString(once) {
			t.Fatalf("TextHint(%q, %d) = %q not NFC", s, h, once)
		}
		if tx.Encoding != EncodingNone && tx.Flags&FlagTextLegacyEncoding == 0 {
			t.Fatalf("TextHint(%q, %d): encoding %v without the flag", s, h, tx.Encoding)
		}
		if again := string(n.Text([]byte(once)).Canonical); again != once {
			t.Fatalf("TextHint(%q, %d) = %q, not a fixed point of Text: %q", s, h, once, again)
		}
	})
}
