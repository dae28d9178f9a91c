package normalize

import (
	"unicode/utf8"
)

// The quick scan. Almost every value dedup reads is plain NFC Vietnamese:
// ASCII and the precomposed Vietnamese letters, nothing else. scanQuick
// handles exactly that with one table lookup a letter (quickTab gives its
// lower-case bytes, fold, syllable-key code, tone and class) and gives up
// on anything else (another non-ASCII rune, a combining mark, invalid
// UTF-8), and scan then starts over on its general path. For what it
// takes it returns the general path's bytes, fold and scanStats exactly
// (TestQuickScanMatchesScan, FuzzQuickScan): it judges words through the
// same endWord.

// quickLetter is a precomposed Vietnamese letter of quickTab.
type quickLetter struct {
	b     [3]byte // the lower-case letter's UTF-8 bytes
	n     uint8   // how many (2 or 3); 0: not a Vietnamese letter
	base  uint8   // the base ASCII letter: the fold
	code  uint8   // letterCode of base and modifier
	tone  uint8
	flags uint8 // qlMod, qlNonLatin1
	vowel uint8 // 0x80 for a vowel (as quickASCII)
}

const (
	qlMod       = 1 << iota // the letter has a modifier (â ă ê ô ơ ư đ)
	qlNonLatin1             // Windows-1252 cannot encode the rune
)

// quickTab holds the runes U+00C0..U+01BF (two-byte sequences with lead
// bytes C3..C6, at 64*(lead-0xC3) + the low six bits of the second byte)
// and U+1E80..U+1EFF (E1 BA xx and E1 BB xx, at 256 + 64*(second-0xBA) +
// the low six bits of the third): every precomposed Vietnamese letter.
// It is built by init, after letterTab, composeTab (text.go) and
// letterCode (text_fast.go): files' init functions run in file name order.
var quickTab [384]quickLetter

func init() {
	if letterTab['a'].base == 0 || letterCode[vmNone][0] == 0 {
		panic("normalize: quickTab built before the letter tables")
	}
	t := &quickTab
	for i := range t {
		r := rune(0xC0 + i)
		if i >= 256 {
			r = rune(0x1E80 + i - 256)
		}
		l := letterTab[r]
		if l.base == 0 {
			continue
		}
		// What scan writes for the letter: its lower-case composition.
		b := utf8.AppendRune(nil, composeTab[l.base-'a'][l.mod][l.tone])
		if len(b) < 2 || len(b) > 3 {
			panic("normalize: quickTab: unexpected letter width")
		}
		e := quickLetter{n: uint8(len(b)), base: l.base, code: letterCode[l.mod][l.base-'a'], tone: l.tone}
		copy(e.b[:], b)
		if l.mod != 0 {
			e.flags |= qlMod
		}
		if vnIsVowel(l.base) {
			e.vowel = 0x80
		}
		if !isCP1252Rune(r) {
			e.flags |= qlNonLatin1
		}
		t[i] = e
	}
}

// quickASCII maps an ASCII letter to its lower case, with bit 7 set for
// a vowel (a e i o u y); anything else to 0.
var quickASCII = func() (t [utf8.RuneSelf]uint8) {
	for c := range utf8.RuneSelf {
		if lc := asciiLetter[c]; lc != 0 {
			t[c] = lc
			if vnIsVowel(lc) {
				t[c] |= 0x80
			}
		}
	}
	return t
}()

// quickScratch holds scanQuick's output and fold, written by masked
// index: an index masked to the array's size needs no bounds check, and
// with no growslice call in the loop either, the compiler keeps the
// loop's values in registers (with append it kept them on the stack).
type quickScratch struct {
	out  [2 * (quickMaxIn + 1)]byte
	fold [quickMaxIn + 1]byte
}

// quickMaxIn is the longest input scanQuick takes: each input byte gives
// at most one byte of output and one of fold, except where endWord moves
// a tone, which can lengthen a word, so out has room for twice as much.
const quickMaxIn = 255

const (
	quickOutMask  = 2*quickMaxIn + 1
	quickFoldMask = quickMaxIn
)

// scanQuick is scan(dst, s, fold) for s of at most quickMaxIn bytes made
// of ASCII and precomposed Vietnamese letters only; ok is false (and
// n.folded, when fold, is to be discarded) for any other s. Without fold
// it leaves n.folded alone (the fold it makes is its own scratch).
//
// A word is read in an inner loop of its own, with its syllable key and
// vowel flag in locals, its tones and modifiers (rarer) in ws.
func (n *Normalizer) scanQuick(dst, s []byte, fold bool) (_ []byte, st scanStats, ok bool) {
	if len(s) > quickMaxIn {
		return dst, st, false
	}
	q := &n.quick
	d, f := 0, 0
	var ws wordState
	space := false // a space is pending
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf && asciiLetter[c] == 0 {
			// Any other ASCII byte: as in scan (the word before it has
			// ended already).
			i++
			if viqrMark[c] && i >= 2 && vnIsVowel(asciiLower(s[i-2])) {
				st.viqr = true
			}
			if c <= ' ' || c == 0x7f {
				space = true
				continue
			}
			if space {
				if d > 0 {
					q.out[d&quickOutMask] = ' '
					q.fold[f&quickFoldMask] = ' '
					d++
					f++
				}
				space = false
			}
			q.out[d&quickOutMask] = c
			q.fold[f&quickFoldMask] = foldTable[c]
			d++
			f++
			continue
		}
		// A word starts: letters up to the next byte that is none.
		if space {
			if d > 0 {
				q.out[d&quickOutMask] = ' '
				q.fold[f&quickFoldMask] = ' '
				d++
				f++
			}
			space = false
		}
		wordAt := d
		var ok bool
		if i, d, f, ok = q.word(s, i, d, f, &ws, &st); !ok {
			return dst, st, false
		}
		out := n.endWord(q.out[:d], wordAt, &ws, &st)
		// endWord rewrites a word in place, within out's capacity; a word
		// it had to move elsewhere (never seen) or a lengthening that
		// leaves too little room for the rest is left to scan.
		if len(out) == 0 || &out[0] != &q.out[0] || len(out)+len(s)-i > len(q.out) {
			return dst, st, false
		}
		d = len(out)
	}
	if fold {
		n.folded = append(n.folded[:0], q.fold[:f]...)
	}
	return append(dst, q.out[:d]...), st, true
}

// word reads the letters of s from i on into q.out from d and q.fold
// from f, up to the next byte that is no letter, and returns where it
// stopped, with the word's state in ws; ok is false on a non-ASCII rune
// that is no precomposed Vietnamese letter. It calls nothing, so that its
// loop's values stay in registers.
func (q *quickScratch) word(s []byte, i, d, f int, ws *wordState, st *scanStats) (_, _, _ int, ok bool) {
	*ws = wordState{}
	foldAt := f
	var key uint64
	var vowel uint8 // bit 7: a vowel was seen
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			lc := quickASCII[c]
			if lc == 0 {
				break
			}
			i++
			vowel |= lc
			lc &= 0x7F
			key = key<<6 | uint64(lc-'a'+1)
			q.out[d&quickOutMask] = lc
			q.fold[f&quickFoldMask] = lc
			d++
			f++
			continue
		}
		var e *quickLetter
		if c-0xC3 < 4 && i+1 < len(s) && s[i+1]&0xC0 == 0x80 {
			e = &quickTab[int(c-0xC3)<<6|int(s[i+1]&0x3F)]
			i += 2
		} else if c == 0xE1 && i+2 < len(s) && s[i+1]-0xBA < 2 && s[i+2]&0xC0 == 0x80 {
			e = &quickTab[256+(int(s[i+1]-0xBA)<<6|int(s[i+2]&0x3F))]
			i += 3
		} else {
			return i, d, f, false
		}
		if e.n == 0 {
			return i, d, f, false
		}
		if e.flags != 0 {
			if e.flags&qlNonLatin1 != 0 {
				st.nonLatin1 = true
			}
			if e.flags&qlMod != 0 {
				ws.mod = true
			}
		}
		if e.tone != 0 {
			ws.toned++
			ws.tone, ws.tonePos = e.tone, f-foldAt
		}
		st.nonASCII = true
		key = key<<6 | uint64(e.code)
		vowel |= e.vowel
		q.out[d&quickOutMask] = e.b[0]
		q.out[(d+1)&quickOutMask] = e.b[1]
		q.out[(d+2)&quickOutMask] = e.b[2] // overwritten next when n is 2
		d += int(e.n)
		q.fold[f&quickFoldMask] = e.base
		f++
	}
	ws.key, ws.n, ws.vowel = key, f-foldAt, vowel&0x80 != 0
	return i, d, f, true
}
