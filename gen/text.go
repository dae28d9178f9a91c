package gen

import (
	"math/rand/v2"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/unicode/norm"

	"github.com/dedup-vn/dedup/refdata"
)

// Tone marks in NFD order of Vietnamese: 1 acute, 2 grave, 3 hook, 4 tilde, 5 dot.
var toneMarks = [...]rune{0, 0x0301, 0x0300, 0x0309, 0x0303, 0x0323}

// Telex keys of the tones, in the same order.
var telexTone = [...]byte{0, 's', 'f', 'r', 'x', 'j'}

// textTables are the per-letter transforms, built once from refdata's
// legacy table and Unicode decompositions.
type textTables struct {
	tone     map[rune]uint8   // letter → its tone (0 none)
	untoned  map[rune]rune    // letter → the same letter without tone
	withTone map[[2]rune]rune // (untoned letter, tone) → letter
	ascii    map[rune]byte    // letter → ASCII base (Đ → D)
	nfd      map[rune]string  // letter → NFD form
	telex    map[rune]string  // untoned letter → Telex keys (â → aa, ư → uw, đ → dd)
	tcvn3    map[rune]string  // letter → TCVN3 bytes read as Windows-1252
	vni      map[rune]string  // letter → VNI bytes read as Windows-1252
}

var text = buildText(refdata.Get())

func buildText(rd *refdata.Tables) *textTables {
	t := &textTables{
		tone: map[rune]uint8{}, untoned: map[rune]rune{}, withTone: map[[2]rune]rune{},
		ascii: map[rune]byte{}, nfd: map[rune]string{}, telex: map[rune]string{},
		tcvn3: map[rune]string{}, vni: map[rune]string{},
	}
	cp := func(b []byte) string {
		rs := make([]rune, 0, len(b))
		for _, c := range b {
			rs = append(rs, charmap.Windows1252.DecodeByte(c))
		}
		return string(rs)
	}
	byChar := map[rune]refdata.LegacyChar{}
	for _, c := range rd.LegacyChars {
		byChar[c.Char] = c
	}
	for _, c := range rd.LegacyChars {
		r := c.Char
		d := norm.NFD.String(string(r))
		t.nfd[r] = d
		var base rune
		var tone uint8
		var rest []rune
		for i, m := range d {
			if i == 0 {
				base = m
				continue
			}
			found := false
			for k := 1; k < len(toneMarks); k++ {
				if m == toneMarks[k] {
					tone, found = uint8(k), true
				}
			}
			if !found {
				rest = append(rest, m)
			}
		}
		if r == 'Đ' || r == 'đ' {
			base = r - ('Đ' - 'D')
			if r == 'đ' {
				base = 'd'
			}
		}
		t.ascii[r] = byte(base)
		un := []rune(norm.NFC.String(string(append([]rune{base}, rest...))))
		if r == 'Đ' || r == 'đ' {
			un = []rune{r}
		}
		if len(un) == 1 {
			t.tone[r] = tone
			t.untoned[r] = un[0]
			t.withTone[[2]rune{un[0], rune(tone)}] = r
		}
		if len(c.TCVN3) > 0 {
			t.tcvn3[r] = cp(c.TCVN3)
		}
		if len(c.VNI) > 0 {
			t.vni[r] = cp(c.VNI)
		}
	}
	// TCVN3 (ABC) has no upper-case letters with a tone mark: the .VnTimeH
	// fonts drew the lower-case byte as a capital, so that is what the file holds.
	for _, c := range rd.LegacyChars {
		if _, ok := t.tcvn3[c.Char]; !ok && unicode.IsUpper(c.Char) {
			if lc, ok := byChar[unicode.ToLower(c.Char)]; ok && len(lc.TCVN3) > 0 {
				t.tcvn3[c.Char] = cp(lc.TCVN3)
			}
		}
	}
	for _, p := range []struct {
		r rune
		k string
	}{{'â', "aa"}, {'ê', "ee"}, {'ô', "oo"}, {'ă', "aw"}, {'ơ', "ow"}, {'ư', "uw"}, {'đ', "dd"},
		{'Â', "AA"}, {'Ê', "EE"}, {'Ô', "OO"}, {'Ă', "AW"}, {'Ơ', "OW"}, {'Ư', "UW"}, {'Đ', "DD"}} {
		t.telex[p.r] = p.k
	}
	return t
}

// appendASCII appends s with every diacritic removed (Nguyễn → Nguyen).
func appendASCII(dst []byte, s []byte) []byte {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else if a, ok := text.ascii[r]; ok {
			dst = append(dst, a)
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

// appendNFD appends s in Unicode NFD (base letters and combining marks).
func appendNFD(dst []byte, s []byte) []byte {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if d, ok := text.nfd[r]; ok {
			dst = append(dst, d...)
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

// appendLegacy appends s as it reads when its TCVN3 or VNI bytes are
// decoded as Windows-1252, the mojibake a legacy file shows today.
func appendLegacy(dst []byte, s []byte, m map[rune]string) []byte {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if d, ok := m[r]; ok {
			dst = append(dst, d...)
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}

// appendUpper appends s in upper case.
func appendUpper(dst []byte, s []byte) []byte {
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r < utf8.RuneSelf {
			if 'a' <= r && r <= 'z' {
				r -= 'a' - 'A'
			}
			dst = append(dst, byte(r))
		} else {
			dst = utf8.AppendRune(dst, unicode.ToUpper(r))
		}
		s = s[n:]
	}
	return dst
}

// isVowelPair reports whether a, b (untoned, any case) form one of the
// open diphthongs whose tone placement changed in the new style: oa, oe, uy.
func isVowelPair(a, b rune) bool {
	a, b = unicode.ToLower(a), unicode.ToLower(b)
	return (a == 'o' && (b == 'a' || b == 'e')) || (a == 'u' && b == 'y')
}

// appendOldTone appends s with the tone of a final oa/oe/uy moved to the
// second vowel, the old style (Hòa → Hoà, Thủy → Thuỷ). changed reports
// whether any word changed. The u of qu is a consonant, so "Quý" stays.
func appendOldTone(dst []byte, s []byte) (out []byte, changed bool) {
	var w [32]rune
	for len(s) > 0 {
		// one word at a time
		n := 0
		i := 0
		for i < len(s) && s[i] != ' ' && n < len(w) {
			r, sz := utf8.DecodeRune(s[i:])
			w[n] = r
			n++
			i += sz
		}
		if n >= 2 {
			a, b := w[n-2], w[n-1]
			ta := text.tone[a]
			if ta != 0 && text.tone[b] == 0 && isVowelPair(text.untoned[a], b) &&
				!(n >= 3 && unicode.ToLower(w[n-3]) == 'q') {
				if nb, ok := text.withTone[[2]rune{b, rune(ta)}]; ok {
					w[n-2], w[n-1] = text.untoned[a], nb
					changed = true
				}
			}
		}
		for k := 0; k < n; k++ {
			dst = utf8.AppendRune(dst, w[k])
		}
		s = s[i:]
		for len(s) > 0 && s[0] == ' ' {
			dst = append(dst, ' ')
			s = s[1:]
		}
	}
	return dst, changed
}

// appendTelex appends one word as the Telex keystrokes that type it when
// the input method is off (Nguyễn → Nguyeenx).
func appendTelex(dst []byte, word []byte) []byte {
	var tone uint8
	for len(word) > 0 {
		r, n := utf8.DecodeRune(word)
		word = word[n:]
		if t := text.tone[r]; t != 0 {
			tone = t
			r = text.untoned[r]
		}
		if k, ok := text.telex[r]; ok {
			dst = append(dst, k...)
		} else if r < utf8.RuneSelf {
			dst = append(dst, byte(r))
		} else {
			dst = utf8.AppendRune(dst, r)
		}
	}
	if tone != 0 {
		dst = append(dst, telexTone[tone])
	}
	return dst
}

// qwerty neighbours of each lower-case letter, for keyboard typos.
var neighbours = [26]string{
	"qwsz", "vghn", "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv", "gyujnb", "ujko", "huikmn",
	"jiolm", "kop", "njk", "bhjm", "iklp", "ol", "wa", "edft", "awedxz", "rfgy",
	"yhji", "cfgb", "qase", "zsdc", "tghu", "asx",
}

// appendTypo appends s with one keyboard slip on an ASCII letter: a
// neighbouring key, a dropped letter, a doubled letter or two letters
// swapped. It returns s unchanged when s has no ASCII letter after the first.
func appendTypo(dst []byte, s []byte, r *rand.Rand) []byte {
	// pick an ASCII letter position, not the first byte
	var cand [64]int
	n := 0
	for i := 1; i < len(s) && n < len(cand); i++ {
		c := s[i] | 0x20
		if c >= 'a' && c <= 'z' {
			cand[n] = i
			n++
		}
	}
	if n == 0 {
		return append(dst, s...)
	}
	p := cand[r.IntN(n)]
	switch r.IntN(4) {
	case 0: // neighbouring key
		nb := neighbours[(s[p]|0x20)-'a']
		c := nb[r.IntN(len(nb))]
		if s[p] < 'a' {
			c -= 'a' - 'A'
		}
		dst = append(dst, s[:p]...)
		dst = append(dst, c)
		return append(dst, s[p+1:]...)
	case 1: // dropped
		dst = append(dst, s[:p]...)
		return append(dst, s[p+1:]...)
	case 2: // doubled
		dst = append(dst, s[:p+1]...)
		return append(dst, s[p:]...)
	default: // swapped with the next ASCII byte, if any
		if p+1 < len(s) && s[p+1] < utf8.RuneSelf && s[p+1] != ' ' && s[p+1] != s[p] {
			dst = append(dst, s[:p]...)
			dst = append(dst, s[p+1], s[p])
			return append(dst, s[p+2:]...)
		}
		dst = append(dst, s[:p]...)
		return append(dst, s[p+1:]...)
	}
}
