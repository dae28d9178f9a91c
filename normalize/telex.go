package normalize

import (
	"unicode"
	"unicode/utf8"
)

// Telex is the most common Vietnamese keyboard input method: the letters
// are typed as ASCII keys (aa → â, aw → ă, ee → ê, oo → ô, ow → ơ, uw → ư,
// dd → đ) and the tone as a key after the vowels (s sắc, f huyền, r hỏi,
// x ngã, j nặng). When the input method is off, or the field rejects the
// composed letters, the keys stay as typed: "Nguyeenx Thij Thuyr" for
// Nguyễn Thị Thủy. The repair below undoes that for one ASCII token.
//
// It must never touch a plain name, so a token is decoded only when
//   - it holds a Telex marker that no plain Vietnamese ASCII syllable can
//     hold (a doubled aa ee oo, a w, a leading dd, or a tone key s f r x j
//     after a vowel: a syllable's letters after its vowels are only the
//     finals c ch m n ng nh p t),
//   - the token as written is not a reference name syllable, and if it is
//     a valid syllable at all (xoong, coong), the decoding must be one
//     (Coong → Công, but xoong stays as xông is no name),
//   - the decoding is a valid Vietnamese syllable (onset, nucleus, final
//     and tone as vnSyllable checks them), and
//   - when the only evidence is one weak marker (a tone key alone, or a
//     doubled vowel alone: Max, Bus, Lee, See), the decoded syllable is a
//     syllable of the reference person names (Thij → Thị, Max → Mã, but Bus
//     stays as bú is no name).
//
// A w or two markers (Vawn, Traanf, DDawng) are strong evidence and need
// validity only. Western names fail validity (Ross: a second tone key;
// James: onset j; Alex: final lex). The tone key may also stand before the
// final consonants (Nguyeexn), as Telex input methods accept it there.

// telexTone maps a tone key to its tone (0 = not a tone key).
var telexTone = func() (t [256]uint8) {
	t['s'], t['f'], t['r'], t['x'], t['j'] = vtAcute, vtGrave, vtHook, vtTilde, vtDot
	return t
}()

// telexMarked reports whether the ASCII token tok (either case) holds a
// Telex marker (see above). It is the cheap test run on every ASCII token.
func telexMarked(tok []byte) bool {
	if len(tok) >= 2 && tok[0]|0x20 == 'd' && tok[1]|0x20 == 'd' {
		return true
	}
	vowel := false
	var prev byte
	for _, c := range tok {
		c |= 0x20 // lower case: tok holds ASCII letters only
		switch {
		case c == 'w':
			return true
		case vnIsVowel(c):
			if vowel && prev == c && (c == 'a' || c == 'e' || c == 'o') {
				return true
			}
			vowel = true
		case vowel && telexTone[c] != 0:
			return true
		}
		prev = c
	}
	return false
}

// appendTelexDecode appends the decoding of lower-case ASCII letters tok
// (see above) to dst, using w as scratch. ok is false, and dst unchanged,
// when tok is not a Telex-typed syllable; strong reports evidence beyond
// one weak marker.
func appendTelexDecode(dst, tok []byte, w []vnLetter) (out []byte, wOut []vnLetter, ok, strong bool) {
	w = w[:0]
	if len(tok) < 2 || len(tok) > 16 {
		return dst, w, false, false
	}
	markers, hasW := 0, false
	var tone uint8
	i, vowel := 0, false
	if tok[0] == 'd' && tok[1] == 'd' {
		w = append(w, vnLetter{base: 'd', mod: vmStroke})
		markers++
		i = 2
	}
	for ; i < len(tok); i++ {
		c := tok[i]
		if c < 'a' || c > 'z' {
			return dst, w, false, false
		}
		switch {
		case vowel && telexTone[c] != 0:
			if tone != 0 {
				return dst, w, false, false // two tone keys: Ross, Jess
			}
			tone = telexTone[c]
			markers++
		case c == 'w':
			markers++
			hasW = true
			k := len(w)
			if k == 0 || !vnIsVowel(w[k-1].base) {
				// A w on its own types ư (Nhw → Như, Twf → Từ).
				w = append(w, vnLetter{base: 'u', mod: vmHorn})
				vowel = true
				continue
			}
			last := &w[k-1]
			if last.mod != 0 {
				return dst, w, false, false
			}
			switch last.base {
			case 'a':
				last.mod = vmBreve
			case 'o', 'u':
				last.mod = vmHorn
				// uo + w types ươ (Thuowng → Thương), but not the u of qu.
				if last.base == 'o' && k >= 2 && w[k-2].base == 'u' && w[k-2].mod == 0 &&
					!(k >= 3 && w[k-3].base == 'q') {
					w[k-2].mod = vmHorn
				}
			default:
				return dst, w, false, false
			}
		case (c == 'a' || c == 'e' || c == 'o') && len(w) > 0 && i > 0 && tok[i-1] == c &&
			w[len(w)-1].base == c && w[len(w)-1].mod == 0:
			w[len(w)-1].mod = vmCirc
			markers++
		default:
			w = append(w, vnLetter{base: c})
			if vnIsVowel(c) {
				vowel = true
			}
		}
	}
	if markers == 0 {
		return dst, w, false, false
	}
	pos, valid := vnSyllable(w, tone)
	if !valid || pos < 0 {
		return dst, w, false, false
	}
	w[pos].tone = tone
	start := len(dst)
	for _, l := range w {
		if l.mod == 0 && l.tone == 0 {
			dst = append(dst, l.base)
			continue
		}
		r := composeTab[l.base-'a'][l.mod][l.tone]
		if r == 0 {
			return dst[:start], w, false, false
		}
		dst = utf8.AppendRune(dst, r)
	}
	return dst, w, true, hasW || markers >= 2
}

// plainSyllable reports whether lower-case ASCII tok is a valid Vietnamese
// syllable as written (xoong, boong), using w as scratch.
func plainSyllable(tok []byte, w []vnLetter) (bool, []vnLetter) {
	w = w[:0]
	for _, c := range tok {
		w = append(w, vnLetter{base: c})
	}
	_, valid := vnSyllable(w, 0)
	return valid, w
}

// telexScratch holds the buffers of the Telex repair.
type telexScratch struct {
	mask []byte     // the input with each Telex token replaced by #k#
	dec  []byte     // the decoded tokens, one after another
	ends []int      // end of each decoded token in dec
	low  []byte     // one token in lower case
	w    []vnLetter // decoding scratch
}

// maxTelexTokens bounds the tokens one value may have repaired.
const maxTelexTokens = 10

// mask finds the Telex-typed tokens of valid UTF-8 s and decodes them.
// If there are any, ts.mask holds s with each one replaced by the
// placeholder #k# (k its index) and mask reports true. A token is a run of
// ASCII letters between spaces, punctuation or digits; one that touches
// another letter or an apostrophe (H'Wen) is part of a longer word and is
// left alone. syllables is the set of reference name syllables.
//
// The placeholders are what lets legacy detection see the rest: a Telex
// token is not a valid syllable, so "Huyønh Thò Hoangf" (VNI with one
// Telex word) reads as Vietnamese only without it, and its decoding
// (hoàng) must not go through the VNI decoder either. Text keeps ASCII
// punctuation and digits through every decoding. Input that holds a # is
// not repaired, so that a placeholder is never ambiguous.
func (ts *telexScratch) find(s []byte, syllables map[string]bool) bool {
	ts.dec, ts.ends = ts.dec[:0], ts.ends[:0]
	last := 0 // s[last:] not yet copied to ts.mask
	for i := 0; i < len(s); {
		if !isLetter(s[i]) {
			if s[i] == '#' {
				return false
			}
			i++
			continue
		}
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		if j-i > 16 || !telexMarked(s[i:j]) || !telexBoundary(s, i, j) {
			i = j
			continue
		}
		ts.low = ts.low[:0]
		for _, c := range s[i:j] {
			ts.low = append(ts.low, asciiLower(c))
		}
		tok := ts.low
		var plain bool
		plain, ts.w = plainSyllable(tok, ts.w)
		if plain && syllables[string(tok)] {
			i = j
			continue
		}
		mark := len(ts.dec)
		var ok, strong bool
		ts.dec, ts.w, ok, strong = appendTelexDecode(ts.dec, tok, ts.w)
		if ok && (!strong || plain) && !syllables[string(ts.dec[mark:])] {
			// Weak evidence, or a valid syllable as written (coong is a
			// word, công a name): only a reference name syllable will do.
			ok = false
		}
		if !ok {
			ts.dec = ts.dec[:mark]
			i = j
			continue
		}
		if len(ts.ends) == 0 {
			ts.mask = ts.mask[:0]
		}
		k := len(ts.ends)
		ts.ends = append(ts.ends, len(ts.dec))
		ts.mask = append(ts.mask, s[last:i]...)
		ts.mask = append(ts.mask, '#', byte('0'+k), '#')
		last = j
		i = j
		if len(ts.ends) == maxTelexTokens {
			break
		}
	}
	if len(ts.ends) == 0 {
		return false
	}
	ts.mask = append(ts.mask, s[last:]...)
	return true
}

// appendUnmask appends text (the canonical form of ts.mask) with each
// placeholder replaced by its decoded token; ok is false if a placeholder
// did not come through exactly once.
func (ts *telexScratch) appendUnmask(dst, text []byte) ([]byte, bool) {
	seen := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == '#' && i+2 < len(text) && text[i+2] == '#' && '0' <= text[i+1] && int(text[i+1]-'0') < len(ts.ends) {
			k := int(text[i+1] - '0')
			if seen&(1<<k) != 0 {
				return dst, false
			}
			seen |= 1 << k
			start := 0
			if k > 0 {
				start = ts.ends[k-1]
			}
			dst = append(dst, ts.dec[start:ts.ends[k]]...)
			i += 2
			continue
		}
		dst = append(dst, c)
	}
	return dst, seen == 1<<len(ts.ends)-1
}

// telexBoundary reports whether the ASCII letter run s[i:j] is a whole
// word: no letter, combining mark or apostrophe touches it. An invalid
// UTF-8 byte counts as the Windows-1252 rune Text will repair it to.
func telexBoundary(s []byte, i, j int) bool {
	if i > 0 {
		r, size := utf8.DecodeLastRune(s[:i])
		if r == utf8.RuneError && size == 1 {
			r = cp1252[s[i-1]]
		}
		if !telexEdge(r) {
			return false
		}
	}
	if j < len(s) {
		r, size := utf8.DecodeRune(s[j:])
		if r == utf8.RuneError && size == 1 {
			r = cp1252[s[j]]
		}
		if !telexEdge(r) {
			return false
		}
	}
	return true
}

// telexEdge reports whether r may stand next to a Telex token.
func telexEdge(r rune) bool {
	return r != '\'' && r != '’' && (r < utf8.RuneSelf || !isWordRune(r))
}

// isWordRune reports whether r continues a word: a letter or a combining
// mark.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)
}
