package normalize

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// sameQuick checks scanQuick against scan's general path on s: where the
// quick scan takes s, the same canonical bytes (after a prefix already in
// dst), fold, statistics and validity. It reports whether it took s.
func sameQuick(t *testing.T, quick, plain *Normalizer, s []byte) bool {
	t.Helper()
	prefix := []byte("prefix ")
	got, st1, ok := quick.scanQuick(append([]byte(nil), prefix...), s, true)
	if !ok {
		return false
	}
	gotFold := append([]byte(nil), quick.folded...)
	want, st2, valid := plain.scan(append([]byte(nil), prefix...), s, true)
	if !valid || !bytes.Equal(got, want) || st1 != st2 || !bytes.Equal(gotFold, plain.folded) {
		t.Fatalf("scanQuick(%q) = %q fold %q %+v, scan %q fold %q %+v valid %v",
			s, got, gotFold, st1, want, plain.folded, st2, valid)
	}
	// Without the fold: the same, and n.folded left as it was.
	kept := quick.folded
	got2, st3, ok2 := quick.scanQuick(nil, s, false)
	want2, st4 := plain.appendCanonical(nil, s)
	if !ok2 || !bytes.Equal(got2, want2) || st3 != st4 || !bytes.Equal(quick.folded, gotFold) ||
		len(kept) != len(quick.folded) || len(kept) > 0 && &kept[0] != &quick.folded[0] {
		t.Fatalf("scanQuick(%q, no fold) = %q %+v %v, folded %q; appendCanonical %q %+v",
			s, got2, st3, ok2, quick.folded, want2, st4)
	}
	return true
}

func quickPair() (quick, plain *Normalizer) {
	quick, plain = New(Options{}), New(Options{})
	plain.noQuick = true
	return quick, plain
}

// quickWords are words of every kind scanQuick meets: plain and toned
// syllables in both tone styles, upper case, words endWord rewrites or
// leaves to appendWord, non-syllables, foreign words, and the letters at
// the edges of quickTab's ranges.
var quickWords = []string{
	"Nguyễn", "Thị", "THỦY", "hoà", "Hòa", "khoẻ", "KHOẺ", "thuỷ", "Quỳnh", "quýt", "gìn", "giữ", "Đặng",
	"đường", "Phường", "Quận", "Thành", "phố", "Hà", "Nội", "Hanoi", "Pasteur", "TP.HCM", "nghiêngnghiêng",
	"xyzà", "Renée", "José", "ƯƠI", "uơ", "ưo", "oà", "óa", "uỷ", "ủy", "Ấp", "Xã", "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ",
	"àáâãèéêìíòóôõùúý", "ĂăĐđĨĩŨũƠơƯư", "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ",
	"a", "y", "b", "x", "ng", "qu", "gi", "giá", "quá", "ở", "ủa", "ÿ", "ÀA", "aÀ", "ễa",
}

// quickSeps are what goes between words: spaces, punctuation, digits,
// VIQR marks after a vowel, controls, and bytes and runes the quick scan
// gives up on (so that both outcomes are drawn).
var quickSeps = []string{
	" ", "  ", ", ", ".", "-", "/", "\t", "\n", "0", "12", "'", "`", "^", "~", "?", "(", "+", "\x7f", "\x00",
	"\u00a0", "«", "\xff", "\xc3", "\u0300", "Ω", "ñ", "ß", "\u200b",
}

// randomQuickInput joins random words and separators, mostly ones the
// quick scan takes.
func randomQuickInput(r *rand.Rand) []byte {
	var b []byte
	for k := r.IntN(12); k >= 0; k-- {
		if r.IntN(3) > 0 {
			b = append(b, quickWords[r.IntN(len(quickWords))]...)
		}
		sep := quickSeps[r.IntN(len(quickSeps))]
		if r.IntN(4) > 0 {
			sep = quickSeps[r.IntN(10)] // the ASCII ones, mostly
		}
		b = append(b, sep...)
	}
	return b
}

// TestQuickScanMatchesScan: on the golden inputs, trickyInputs,
// scanRewriteInputs and random joins of Vietnamese words and separators,
// scanQuick, where it takes the input, gives scan's general result; and it
// takes most plain inputs (or it would not be tested at all).
func TestQuickScanMatchesScan(t *testing.T) {
	quick, plain := quickPair()
	ins := goldenInputs(t)
	for _, s := range trickyInputs {
		ins = append(ins, []byte(s))
	}
	for _, s := range scanRewriteInputs {
		ins = append(ins, []byte(s))
	}
	for _, s := range quickWords {
		ins = append(ins, []byte(s))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		ins = append(ins, randomQuickInput(r))
	}
	took := 0
	for _, s := range ins {
		if sameQuick(t, quick, plain, s) {
			took++
		}
	}
	if took < len(ins)/4 {
		t.Fatalf("scanQuick took %d of %d inputs", took, len(ins))
	}
	t.Logf("scanQuick took %d of %d inputs", took, len(ins))
}

// TestQuickScanTakes: the quick scan takes plain NFC Vietnamese and ASCII
// up to quickMaxIn bytes, and nothing else: other runes, combining marks,
// invalid UTF-8, longer input, a word endWord would rewrite.
func TestQuickScanTakes(t *testing.T) {
	quick, plain := quickPair()
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"", true},
		{"Số 12 Đ. Nguyễn Trãi, P.2, Q.5, TP.HCM", true},
		{"Thôn 6, Xã Uy Nỗ, Huyện Đông Anh, Thành phố Hà Nội", true},
		{"HÒA THỦY KHỎE", true},
		{"HOÀ", false},                 // the tone moves
		{"nghiêngnghiêng", false},      // more than sylMaxLetters letters
		{"bcdfghjklmnpqrstvwxz", true}, // as many, but no vowel
		{"x. y' z` a^ e~ o? u( a+ i.", true},
		{"Nguye\u0302\u0303n", false},
		{"Th«n 6", false},
		{"Nguyá»…n", false},
		{"A\xc3", false},
		{"\xe1\xba", false},
		{"Nguyễn\u00a0Văn", false},
		{"Ñoño", true}, // a letter with Vietnamese marks, for letterTab
		{"Þór", false},
		{"ḿ ǹ", false}, // such letters outside quickTab's ranges
		{string(bytes.Repeat([]byte("ba "), quickMaxIn/3)), true},
		{string(bytes.Repeat([]byte("ba "), quickMaxIn/3)) + "b", false},
	} {
		_, _, ok := quick.scanQuick(nil, []byte(tc.s), true)
		if ok != tc.want {
			t.Errorf("scanQuick(%q) ok = %v, want %v", tc.s, ok, tc.want)
		}
		sameQuick(t, quick, plain, []byte(tc.s))
	}
}

// TestQuickTab: every entry is a letter letterTab decomposes, written as
// its lower-case composition, every letter of letterTab in quickTab's
// ranges has its entry, and every Vietnamese one (a vowel, or đ) is in
// them (the others, such as ǹ and ḿ, are left to scan).
func TestQuickTab(t *testing.T) {
	for r := rune(0x80); r < foldLimit; r++ {
		l := letterTab[r]
		var e quickLetter
		in := r >= 0xC0 && r < 0x1C0 || r >= 0x1E80 && r < 0x1F00
		switch {
		case r >= 0xC0 && r < 0x1C0:
			e = quickTab[r-0xC0]
		case r >= 0x1E80 && r < 0x1F00:
			e = quickTab[256+r-0x1E80]
		}
		if l.base == 0 {
			if e.n != 0 {
				t.Errorf("quickTab has %U, no Vietnamese letter", r)
			}
			continue
		}
		if !in {
			if vnIsVowel(l.base) || l.mod != 0 {
				t.Errorf("%U is a Vietnamese letter outside quickTab's ranges", r)
			}
			continue
		}
		want := utf8.AppendRune(nil, composeTab[l.base-'a'][l.mod][l.tone])
		if int(e.n) != len(want) || !bytes.Equal(e.b[:e.n], want) || e.base != l.base || e.tone != l.tone ||
			e.code != letterCode[l.mod][l.base-'a'] || (e.flags&qlMod != 0) != (l.mod != 0) ||
			(e.vowel != 0) != vnIsVowel(l.base) || (e.flags&qlNonLatin1 != 0) == isCP1252Rune(r) {
			t.Errorf("quickTab entry of %U = %+v", r, e)
		}
		if utf8.RuneLen(r) != len(want) {
			t.Errorf("%U lower-cases to %d bytes from %d", r, len(want), utf8.RuneLen(r))
		}
	}
}

// FuzzQuickScan: scanQuick gives scan's general result wherever it takes
// the input, and Text, TextHint and Name agree with the reference scan.
func FuzzQuickScan(f *testing.F) {
	for _, s := range quickWords {
		f.Add(s)
	}
	for _, s := range trickyInputs {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		f.Add(string(randomQuickInput(r)))
	}
	quick, plain := quickPair()
	ref := refNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		sameQuick(t, quick, plain, []byte(s))
		sameText(t, quick, ref, []byte(s))
	})
}
