package normalize

import (
	"unicode/utf8"
)

// The quick scan. Almost every value dedup reads is plain NFC Vietnamese:
// ASCII and the precomposed Vietnamese letters, nothing else. scanQuick
// handles exactly that with one table lookup a letter (quickTab gives its
// lower-case bytes, fold, syllable-key code, tone and class) and gives up
// on anything else (another non-ASCII rune, a combining mark, invalid
// UTF-8, a word whose tone moves), and scan then starts over on its
// general path. For what it takes it returns the general path's bytes,
// fold and scanStats exactly (TestQuickScanMatchesScan, FuzzQuickScan):
// it judges words as endWord does, with the same syllable table.

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

// letter is the letter as quickASCII gives an ASCII one (never 0, bit 7
// for a vowel), or 0 where quickTab holds no letter.
func (e *quickLetter) letter() uint8 {
	if e.n == 0 {
		return 0
	}
	return e.vowel | 1
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
// with no growslice call in the loop either, the compiler keeps more of
// the loop's values in registers.
type quickScratch struct {
	out  [quickMaxIn + 1]byte
	fold [quickMaxIn + 1]byte
}

// quickMaxIn is the longest input scanQuick takes: each input byte gives
// at most one byte of output and one of fold (a word whose letters would
// change is left to scan), so neither index wraps.
const quickMaxIn = 255

const (
	quickOutMask  = quickMaxIn
	quickFoldMask = quickMaxIn
)

// scanQuick is scan(dst, s, fold) for s of at most quickMaxIn bytes made
// of ASCII and precomposed Vietnamese letters only, whose words keep
// their letters (no tone to move to its canonical vowel, no more than
// sylMaxLetters letters in a word with a vowel); ok is false (and
// n.folded, when fold, is to be discarded) for any other s, which scan's
// general path then reads. Without fold it leaves n.folded alone (the
// fold it makes is its own scratch).
//
// It calls nothing in its loop (a call made the compiler keep the loop's
// values on the stack): it judges each word as endWord does, inline, and
// gives up where endWord would rewrite the word.
func (n *Normalizer) scanQuick(dst, s []byte, fold bool) (_ []byte, st scanStats, ok bool) {
	if len(s) > quickMaxIn {
		return dst, st, false
	}
	q := &n.quick
	d, f := 0, 0
	space := false // a space is pending
	i := 0
	for i < len(s) {
		c := s[i]
		other := c < utf8.RuneSelf && asciiLetter[c] == 0
		if other {
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
		}
		// A symbol or a word follows: the pending space first.
		if space {
			if d > 0 {
				q.out[d&quickOutMask] = ' '
				q.fold[f&quickFoldMask] = ' '
				d++
				f++
			}
			space = false
		}
		if other {
			q.out[d&quickOutMask] = c
			q.fold[f&quickFoldMask] = foldTable[c]
			d++
			f++
			continue
		}
		// A word starts: letters up to the next byte that is none.
		foldAt := f
		var key uint64
		// The word's state but its key, packed: bit 7 a vowel, bit 8 a
		// modifier, bits 9.. the count of toned letters (4 bits: a word
		// past sylMaxLetters letters is given up before it counts), bits
		// 13..15 the last tone, bits 16.. its letter's index.
		var meta uint32
		for i < len(s) {
			c = s[i]
			if c < utf8.RuneSelf {
				lc := quickASCII[c]
				if lc == 0 {
					break
				}
				i++
				meta |= uint32(lc) // bit 7; the lower bits are ignored
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
				return dst, st, false
			}
			if e.n == 0 {
				return dst, st, false
			}
			if e.flags&qlNonLatin1 != 0 {
				st.nonLatin1 = true
			}
			meta |= uint32(e.vowel) | uint32(e.flags&qlMod)<<8
			if e.tone != 0 {
				meta = meta&0x1FF + (meta>>9&15+1)<<9 | uint32(e.tone)<<13 | uint32(f-foldAt)<<16
			}
			st.nonASCII = true
			key = key<<6 | uint64(e.code)
			q.out[d&quickOutMask] = e.b[0]
			q.out[(d+1)&quickOutMask] = e.b[1]
			q.out[(d+2)&quickOutMask] = e.b[2] // overwritten next when n is 2
			d += int(e.n)
			q.fold[f&quickFoldMask] = e.base
			f++
		}
		// The word's end: endWord's judgement, for a word it keeps.
		toned := int(meta >> 9 & 15)
		marked := meta&(1<<8) != 0 || toned > 0
		if meta&0x80 == 0 {
			if marked {
				st.markedWords++
			}
			continue
		}
		if f-foldAt > sylMaxLetters {
			return dst, st, false // appendWord's
		}
		st.vowelWords++
		if marked {
			st.markedWords++
		}
		e, found := sylLookup(key)
		if !found {
			st.invalidWords++
			if marked {
				st.invalidMarked++
			}
			continue
		}
		valid := true
		if toned == 1 {
			ti, tone := int(meta>>16), uint8(meta>>13&7)
			v0, v1 := int(e.v0), int(e.v1)
			if ti >= v1 || ti < v0 && !(ti == v0-1 && e.flags&sylOnsetNil != 0) ||
				e.flags&sylStop != 0 && tone != vtAcute && tone != vtDot {
				valid = false
			} else if int(e.pos) != ti {
				return dst, st, false // the tone moves
			}
		}
		if !valid || toned > 1 {
			st.invalidWords++
			if marked {
				st.invalidMarked++
			}
		}
	}
	if fold {
		n.folded = append(n.folded[:0], q.fold[:f]...)
	}
	return append(dst, q.out[:d]...), st, true
}
