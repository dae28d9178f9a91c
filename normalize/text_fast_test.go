package normalize

import (
	"bytes"
	"fmt"
	"testing"
	"unicode/utf8"
)

// codeLetter inverts letterCode.
func codeLetter(c uint8) vnLetter {
	for m := range uint8(vmCount) {
		for b := range 26 {
			if letterCode[m][b] == c {
				return vnLetter{base: byte('a' + b), mod: m}
			}
		}
	}
	panic("no letter for code")
}

// appendLetters appends the lower-case letters of w as they are.
func appendLetters(dst []byte, w []vnLetter) []byte {
	for _, l := range w {
		if l.mod == 0 && l.tone == 0 {
			dst = append(dst, l.base)
		} else {
			dst = utf8.AppendRune(dst, composeTab[l.base-'a'][l.mod][l.tone])
		}
	}
	return dst
}

// wordStateOf is what the fast scan gathers for w.
func wordStateOf(w []vnLetter) wordState {
	var ws wordState
	for i, l := range w {
		ws.key = ws.key<<6 | uint64(letterCode[l.mod][l.base-'a'])
		if l.tone != 0 {
			ws.toned++
			ws.tone, ws.tonePos = l.tone, i
		}
		ws.mod = ws.mod || l.mod != 0
		ws.vowel = ws.vowel || vnIsVowel(l.base)
		ws.n++
	}
	return ws
}

// TestSyllableTable checks every entry of sylTab, through endWord,
// against appendWord (the reference) with no tone, each tone on each
// letter, and two tones: the bytes and the statistics must be the same.
func TestSyllableTable(t *testing.T) {
	entries, cases := 0, 0
	n := New(Options{})
	check := func(w []vnLetter) {
		for _, l := range w {
			if composeTab[l.base-'a'][l.mod][l.tone] == 0 {
				return // a toned đ: no rune, so no scan meets it
			}
		}
		cases++
		ws := wordStateOf(w)
		var st1, st2 scanStats
		got := n.endWord(appendLetters(nil, w), 0, &ws, &st1)
		want := appendWord(nil, w, &st2)
		if !bytes.Equal(got, want) || st1 != st2 {
			t.Fatalf("word %q: fast %q %+v, reference %q %+v", appendLetters(nil, w), got, st1, want, st2)
		}
	}
	for _, e := range sylTab {
		if e.key == 0 {
			continue
		}
		entries++
		var w []vnLetter
		for k := e.key; k != 0; k >>= 6 {
			w = append([]vnLetter{codeLetter(uint8(k & 63))}, w...)
		}
		check(w)
		for i := range w {
			for tone := uint8(1); tone < vtCount; tone++ {
				w[i].tone = tone
				check(w)
				if j := (i + 1) % len(w); j != i {
					w[j].tone = vtAcute
					check(w)
					w[j].tone = 0
				}
				w[i].tone = 0
			}
		}
	}
	if entries < 1000 {
		t.Fatalf("only %d syllables in the table", entries)
	}
	t.Logf("%d syllables, %d cases", entries, cases)
}

// sameText compares the fast and the reference scan on s: appendCanonical
// against appendCanonicalRef for valid UTF-8, and Text, TextHint and Name
// of a Normalizer on each path.
func sameText(t *testing.T, fast, ref *Normalizer, s []byte) {
	t.Helper()
	if utf8.Valid(s) {
		got, st1 := fast.appendCanonical(nil, s)
		want, st2 := ref.appendCanonicalRef(nil, s)
		if !bytes.Equal(got, want) || st1 != st2 {
			t.Fatalf("appendCanonical(%q) = %q %+v, reference %q %+v", s, got, st1, want, st2)
		}
	}
	for h := EncodingNone; h <= EncodingUTF8; h++ {
		a, b := fast.TextHint(s, h), ref.TextHint(s, h)
		if fa, fb := fmt.Sprintf("%q %q %v %v %v", a.Canonical, a.Folded, a.Encoding, a.Flags, a.suspicious),
			fmt.Sprintf("%q %q %v %v %v", b.Canonical, b.Folded, b.Encoding, b.Flags, b.suspicious); fa != fb {
			t.Fatalf("TextHint(%q, %v) = %s, reference %s", s, h, fa, fb)
		}
	}
	var da, db bytes.Buffer
	digestWriter{&da}.name("name", fast.Name(s))
	digestWriter{&db}.name("name", ref.Name(s))
	if da.String() != db.String() {
		t.Fatalf("Name(%q) = %s, reference %s", s, da.String(), db.String())
	}
}

func refNormalizer() *Normalizer {
	n := New(Options{})
	n.refScan = true
	return n
}

// TestFastScanMatchesRef runs sameText over the golden inputs and
// trickyInputs.
func TestFastScanMatchesRef(t *testing.T) {
	fast, ref := New(Options{}), refNormalizer()
	ins := goldenInputs(t)
	for _, s := range trickyInputs {
		ins = append(ins, []byte(s))
	}
	for _, s := range scanRewriteInputs {
		ins = append(ins, []byte(s))
	}
	for _, s := range ins {
		sameText(t, fast, ref, s)
	}
}

// scanRewriteInputs reach the paths where scan rewrites what it already
// wrote of a word: a combining mark on the last letter, a tone moved to
// its canonical vowel (also after a combining mark), and the words left
// to appendWord (more than sylMaxLetters letters, not in sylTab).
var scanRewriteInputs = []string{
	"hoa\u0300 thuy\u0309 kho\u0309e Hoa\u0300ng", "A\u0306\u0300 a\u0300\u0306 U\u031b\u0301", "HOÀ THUỶ KHOẺ",
	"nghiêngnghiêng thuỷthuỷ hoàhoà", "ǹg ḿ xyzà Renée", "Nguyê\u0303n Thi\u0323 ĐA\u0300", "quỳ gìn qúy gí",
	"Hoà,Thuỷ.Khoẻ-Hoà", "oà óa uỷ ủy",
}

// FuzzAppendCanonical: the fast scan gives the reference scan's bytes and
// statistics, and Text, TextHint and Name the same results on both paths,
// for any input.
func FuzzAppendCanonical(f *testing.F) {
	for _, s := range trickyInputs {
		f.Add(s)
	}
	for _, s := range scanRewriteInputs {
		f.Add(s)
	}
	fast, ref := New(Options{}), refNormalizer()
	f.Fuzz(func(t *testing.T, s string) {
		sameText(t, fast, ref, []byte(s))
	})
}

// TestSyllableTableComplete: endWord takes a word that sylTab lacks for
// no syllable, so the table must hold every word vnSyllable finds valid
// without tones: all words of up to four letters, and random words of
// five to sylMaxLetters letters drawn from the onsets, vowels and finals.
func TestSyllableTableComplete(t *testing.T) {
	var alpha []vnLetter
	for c := uint8(1); c <= 33; c++ {
		alpha = append(alpha, codeLetter(c))
	}
	checked := 0
	check := func(w []vnLetter) {
		checked++
		_, valid := vnSyllable(w, vtNone)
		_, inTab := sylLookup(wordStateOf(w).key)
		if valid != inTab {
			t.Fatalf("word %q: vnSyllable valid %v, in sylTab %v", appendLetters(nil, w), valid, inTab)
		}
	}
	var rec func(w []vnLetter, k int)
	rec = func(w []vnLetter, k int) {
		if len(w) > 0 {
			check(w)
		}
		if len(w) == k {
			return
		}
		for _, l := range alpha {
			rec(append(w, l), k)
		}
	}
	rec(nil, 4)
	parts := [][]string{
		{"", "b", "ch", "đ", "g", "gh", "gi", "kh", "ng", "ngh", "nh", "ph", "qu", "q", "th", "tr", "x", "đh", "ghi"},
		{"a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"},
		{"", "c", "ch", "m", "n", "ng", "nh", "p", "t", "g", "h", "k", "đ", "ngh"},
	}
	letters := func(s string) (w []vnLetter) {
		for _, r := range s {
			w = append(w, letterTab[r])
		}
		return w
	}
	seed := uint64(1)
	next := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int(seed>>33) % n
	}
	for range 300000 {
		s := parts[0][next(len(parts[0]))]
		for range 1 + next(4) {
			s += parts[1][next(len(parts[1]))]
		}
		s += parts[2][next(len(parts[2]))]
		if w := letters(s); len(w) >= 5 && len(w) <= sylMaxLetters {
			check(w)
		}
	}
	t.Logf("%d words", checked)
}

// TestLowerLettersCompose: the scan copies a lower-case letter's bytes
// instead of composing it from letterTab's decomposition, so the two must
// agree for every letter letterTab holds.
func TestLowerLettersCompose(t *testing.T) {
	lower := 0
	for r := rune(0); r < foldLimit; r++ {
		l := letterTab[r]
		if l.base == 0 || l.upper {
			continue
		}
		lower++
		if got := appendLetter(nil, l.base, l.mod, l.tone); string(got) != string(r) {
			t.Errorf("%U %c: composes to %q", r, r, got)
		}
	}
	if lower < 26+67 { // a..z, and the 67 lower-case Vietnamese letters beyond them
		t.Fatalf("only %d lower-case letters", lower)
	}
}
