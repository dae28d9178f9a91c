package normalize

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The fast scan. appendCanonical gives the same bytes and scanStats as
// appendCanonicalRef for every input (FuzzAppendCanonical, the output
// digests); it differs only in how a word is judged: instead of a second
// pass over its letters and the syllable analysis, the word's key (its
// letters without tones) and its tone are gathered while it is scanned,
// and the tone-independent part of vnSyllable is looked up in sylTab, a
// table of every valid toneless syllable built from vnSyllable itself.
// Words the table does not hold (foreign words, more than sylMaxLetters
// letters) go through appendWord as before.

// letterCode numbers a letter's base and modifier 1..33 (a..z, then â ă ê
// ô ơ ư đ, the only pairs letterTab holds), 6 bits in a syllable key.
var letterCode [vmCount][26]uint8

// sylMaxLetters is the longest word a 64-bit key holds (6 bits a letter).
const sylMaxLetters = 10

// sylEntry is the tone-independent analysis of a valid toneless syllable:
// where the tone goes, where the vowel nucleus starts (after the u of qu
// and the i of gi) and ends, whether the onset counts as empty (qu, gi, đ),
// and whether the final is a stop (c, ch, p, t: only sắc and nặng).
type sylEntry struct {
	key         uint64
	pos, v0, v1 int8
	flags       uint8
}

const (
	sylOnsetNil = 1 << iota
	sylStop
)

const sylBits = 14

var sylTab [1 << sylBits]sylEntry

func sylHash(key uint64) uint32 { return uint32((key * 0x9E3779B97F4A7C15) >> (64 - sylBits)) }

func sylLookup(key uint64) (*sylEntry, bool) {
	for h := sylHash(key); ; h = (h + 1) & (1<<sylBits - 1) {
		e := &sylTab[h]
		if e.key == key {
			return e, true
		}
		if e.key == 0 {
			return nil, false
		}
	}
}

func init() {
	for b := range 26 {
		letterCode[vmNone][b] = uint8(b + 1)
	}
	code := uint8(27)
	for _, p := range []struct {
		b byte
		m uint8
	}{{'a', vmCirc}, {'a', vmBreve}, {'e', vmCirc}, {'o', vmCirc}, {'o', vmHorn}, {'u', vmHorn}, {'d', vmStroke}} {
		letterCode[p.m][p.b-'a'] = code
		code++
	}
	letters := func(s string) []vnLetter {
		var w []vnLetter
		for _, r := range s {
			w = append(w, letterTab[r])
		}
		return w
	}
	onsetList := []string{"", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
		"nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x"}
	finalList := []string{"", "c", "ch", "m", "n", "ng", "nh", "p", "t"}
	vowelOf := map[byte]string{'1': "ă", '2': "â", '3': "ê", '4': "ô", '5': "ơ", '6': "ư"}
	used := 0
	for nuc := range nuclei {
		var ns []byte
		for i := 0; i < len(nuc); i++ {
			if v, ok := vowelOf[nuc[i]]; ok {
				ns = append(ns, v...)
			} else {
				ns = append(ns, nuc[i])
			}
		}
		for _, on := range onsetList {
			for _, fi := range finalList {
				w := letters(on + string(ns) + fi)
				if len(w) > sylMaxLetters {
					continue
				}
				pos, valid := vnSyllable(w, vtNone)
				if !valid {
					continue // not cached: appendWord judges it
				}
				var key uint64
				for _, l := range w {
					key = key<<6 | uint64(letterCode[l.mod][l.base-'a'])
				}
				e := sylEntry{key: key, pos: int8(pos)}
				v0, v1, onsetNil, stop := sylShape(w)
				e.v0, e.v1 = int8(v0), int8(v1)
				if onsetNil {
					e.flags |= sylOnsetNil
				}
				if stop {
					e.flags |= sylStop
				}
				h := sylHash(key)
				for sylTab[h].key != 0 && sylTab[h].key != key {
					h = (h + 1) & (1<<sylBits - 1)
				}
				if sylTab[h].key == 0 {
					used++
				}
				sylTab[h] = e
			}
		}
	}
	if used > len(sylTab)*3/4 {
		panic("normalize: syllable table too full")
	}
}

// sylShape is the part of vnSyllable's analysis that the tone checks need,
// for a word vnSyllable found valid: the nucleus bounds v0, v1, whether the
// onset counts as empty, and whether the final is a stop.
func sylShape(w []vnLetter) (v0, v1 int, onsetNil, stop bool) {
	for v0 < len(w) && !vnIsVowel(w[v0].base) {
		v0++
	}
	next := v0+1 < len(w) && vnIsVowel(w[v0+1].base)
	switch {
	case v0 == 1 && w[0].base == 'q' && w[1].base == 'u' && w[1].mod == 0 && next,
		v0 == 1 && w[0].base == 'g' && w[0].mod == 0 && w[1].base == 'i' && w[1].mod == 0 && next:
		v0++
		onsetNil = true
	case v0 == 1 && w[0].mod == vmStroke:
		onsetNil = true
	}
	v1 = v0
	for v1 < len(w) && vnIsVowel(w[v1].base) {
		v1++
	}
	if f := w[v1:]; len(f) > 0 {
		switch last := f[len(f)-1].base; last {
		case 'c', 'p', 't', 'h':
			stop = !(last == 'h' && f[0].base == 'n')
		}
	}
	return v0, v1, onsetNil, stop
}

// wordState is what the fast scan gathers about the current word.
type wordState struct {
	key     uint64 // letterCode of each letter, 6 bits each (the first sylMaxLetters)
	toned   int    // letters with a tone
	tonePos int    // the last of them
	tone    uint8  // its tone
	n       int    // letters
	mod     bool   // a letter has a modifier
	vowel   bool   // a letter is a vowel
}

// appendCanonical appends the canonical form of valid UTF-8 s (see Text)
// and reports what it saw: appendCanonicalRef's result, faster.
func (n *Normalizer) appendCanonical(dst, s []byte) ([]byte, scanStats) {
	if n.refScan {
		return n.appendCanonicalRef(dst, s)
	}
	dst, st, _ := n.scan(dst, s, false)
	return dst, st
}

// scanFold is appendCanonical for Text's first scan of its input, which
// it need not have validated: it also reports whether s is valid UTF-8
// (when not, the result is to be discarded) and, when valid, leaves the
// fold of the canonical form in n.folded, as AppendFold would make it.
func (n *Normalizer) scanFold(dst, s []byte) ([]byte, scanStats, bool) {
	if n.refScan {
		if !utf8.Valid(s) {
			return dst, scanStats{}, false
		}
		dst, st := n.appendCanonicalRef(dst, s)
		n.folded = AppendFold(n.folded[:0], dst)
		return dst, st, true
	}
	return n.scan(dst, s, true)
}

// pendingSpace writes the space pending before a letter or a symbol to
// dst (none at its start) and, with fold, to fd.
func pendingSpace(dst, fd []byte, start int, fold bool) ([]byte, []byte) {
	if len(dst) > start {
		dst = append(dst, ' ')
		if fold {
			fd = append(fd, ' ')
		}
	}
	return dst, fd
}

// scan is the fast scan; with fold it also builds n.folded (the letters'
// bases, the other runes through foldTable).
//
// A word's letters are written to dst as they come, each with its own
// tone (what the judgement of the word keeps for every word but a valid
// syllable whose tone sits on another vowel), and their bases to the fold; at the
// word's end, endWord judges it and rewrites it in the rare cases that
// need it, from the letters it reads back from dst.
func (n *Normalizer) scan(dst, s []byte, fold bool) ([]byte, scanStats, bool) {
	if !n.noQuick {
		if d, st, ok := n.scanQuick(dst, s, fold); ok {
			return d, st, true
		}
	}
	var st scanStats
	valid := true
	fd := n.folded[:0]
	start := len(dst)
	var ws wordState
	inWord := false
	wordAt, lastAt := 0, 0 // where the word and its last letter start in dst
	space := false         // a space is pending
	needNFC := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if lc := asciiLetter[c]; lc != 0 {
				// An ASCII letter, the common case.
				i++
				if !inWord {
					if space {
						dst, fd = pendingSpace(dst, fd, start, fold)
						space = false
					}
					ws = wordState{}
					inWord, wordAt = true, len(dst)
				}
				// This letter and the ASCII letters after it, in one loop.
				key, n0, vowel := ws.key, i-1, ws.vowel
				for {
					key = key<<6 | uint64(lc-'a'+1)
					vowel = vowel || vowelMask>>(lc-'a')&1 != 0
					dst = append(dst, lc)
					if fold {
						fd = append(fd, lc)
					}
					if i == len(s) || s[i] >= utf8.RuneSelf || asciiLetter[s[i]] == 0 {
						break
					}
					lc = asciiLetter[s[i]]
					i++
				}
				ws.key, ws.vowel = key, vowel
				ws.n += i - n0
				lastAt = len(dst) - 1
				continue
			}
			// Any other ASCII byte ends the word: what the general path
			// below does with it, without its rune tests.
			i++
			if inWord {
				dst = n.endWord(dst, wordAt, &ws, &st)
				inWord = false
			}
			if viqrMark[c] && i >= 2 && vnIsVowel(asciiLower(s[i-2])) {
				st.viqr = true
			}
			if c <= ' ' || c == 0x7f {
				space = true
				continue
			}
			if space {
				dst, fd = pendingSpace(dst, fd, start, fold)
				space = false
			}
			dst = append(dst, c)
			if fold {
				fd = append(fd, foldTable[c])
			}
			continue
		}
		// Not ASCII (so r >= 0x80 below, RuneError for a bad byte).
		st.nonASCII = true
		var r rune
		var size int
		// The two- and three-byte forms of the Vietnamese letters
		// (U+00C0..U+01B0, U+1EA0..U+1EF9) inline; the rest as usual.
		switch {
		case c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			r, size = rune(c&0x1F)<<6|rune(s[i+1]&0x3F), 2
		case c == 0xE1 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
			r, size = 0x1000|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F), 3
		default:
			r, size = utf8.DecodeRune(s[i:])
			if size == 1 {
				valid = false
			}
		}
		if r >= 0x100 && !isCP1252Rune(r) {
			st.nonLatin1 = true
		}
		i += size
		if r < foldLimit {
			if l := letterTab[r]; l.base != 0 {
				if !inWord {
					if space {
						dst, fd = pendingSpace(dst, fd, start, fold)
						space = false
					}
					ws = wordState{}
					inWord, wordAt = true, len(dst)
				}
				ws.key = ws.key<<6 | uint64(letterCode[l.mod][l.base-'a'])
				if l.tone != 0 {
					ws.toned++
					ws.tone, ws.tonePos = l.tone, ws.n
				}
				ws.mod = ws.mod || l.mod != 0
				ws.vowel = ws.vowel || vnIsVowel(l.base)
				ws.n++
				lastAt = len(dst)
				if l.upper {
					dst = appendLetter(dst, l.base, l.mod, l.tone)
				} else {
					// A lower-case letter is its own composition
					// (TestLowerLettersCompose): copy its bytes.
					dst = append(dst, s[i-size:i]...)
				}
				if fold {
					fd = append(fd, l.base)
				}
				continue
			}
			if r >= 0x300 && r < 0x370 && inWord {
				// A combining mark (NFD input) modifies the letter before it.
				last := readLetter(dst[lastAt:])
				if m := markMod[r-0x300]; m != 0 && last.mod == 0 && vnModFits(last.base, m) {
					ws.key = ws.key&^63 | uint64(letterCode[m][last.base-'a'])
					ws.mod = true
					st.marks = true
					dst = appendLetter(dst[:lastAt], last.base, m, last.tone)
					continue
				}
				if t := markTone[r-0x300]; t != 0 && last.tone == 0 && vnIsVowel(last.base) {
					ws.toned++
					ws.tone, ws.tonePos = t, ws.n-1
					st.marks = true
					dst = appendLetter(dst[:lastAt], last.base, last.mod, t)
					continue
				}
			}
		}
		// Not a Vietnamese letter: the word ends here.
		if inWord {
			dst = n.endWord(dst, wordAt, &ws, &st)
			inWord = false
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError || r == 0xFEFF || r == 0x200B {
			space = true
			continue
		}
		if r < 0x100 || unicode.IsLetter(r) || isCP1252Special(r) {
			st.foreign = true
		}
		if unicode.Is(unicode.Mn, r) || r >= 0x300 && norm.NFC.QuickSpan(s[i-size:i]) < size {
			needNFC = true
		}
		if space {
			dst, fd = pendingSpace(dst, fd, start, fold)
			space = false
		}
		lr := unicode.ToLower(r)
		dst = utf8.AppendRune(dst, lr)
		if fold && lr < foldLimit {
			if f := foldTable[lr]; f != 0 {
				fd = append(fd, f)
			}
		}
	}
	if inWord {
		dst = n.endWord(dst, wordAt, &ws, &st)
	}
	if needNFC {
		n.nfc = norm.NFC.Append(n.nfc[:0], dst[start:]...)
		if !n.inNFC {
			n.inNFC = true
			n.nfc2 = append(n.nfc2[:0], n.nfc...)
			dst, st = n.appendCanonical(dst[:start], n.nfc2)
			n.inNFC = false
		} else {
			dst = append(dst[:start], n.nfc...)
		}
		st.composed = true
		if fold {
			fd = AppendFold(fd[:0], dst[start:])
		}
	}
	if fold {
		n.folded = fd
	}
	return dst, st, valid
}

// asciiLetter maps an ASCII letter to its lower case, anything else to 0.
var asciiLetter = func() (t [utf8.RuneSelf]uint8) {
	for c := range utf8.RuneSelf {
		if isLetter(byte(c)) {
			t[c] = asciiLower(byte(c))
		}
	}
	return t
}()

// viqrMark marks the ASCII bytes VIQR writes after a vowel.
var viqrMark = func() (t [utf8.RuneSelf]bool) {
	for _, c := range []byte("'`^~?(+.") {
		t[c] = true
	}
	return t
}()

// vowelMask has bit c-'a' set for the vowels a e i o u y.
const vowelMask = 1<<('a'-'a') | 1<<('e'-'a') | 1<<('i'-'a') | 1<<('o'-'a') | 1<<('u'-'a') | 1<<('y'-'a')

// readLetter decodes the lower-case letter at the start of b, as
// appendLetter wrote it.
func readLetter(b []byte) vnLetter {
	if b[0] < utf8.RuneSelf {
		return vnLetter{base: b[0]}
	}
	r, _ := utf8.DecodeRune(b)
	return letterTab[r]
}

// endWord ends the word that scan wrote to dst[at:] as it came, letter by
// letter with its own tone: it records the word in st as appendWord does
// and, where that changes the letters (a tone moved to its canonical
// vowel) or appendWord must judge the word (more than sylMaxLetters
// letters), writes it again from its letters read back from dst. The tone-independent part of vnSyllable comes from sylTab.
func (n *Normalizer) endWord(dst []byte, at int, ws *wordState, st *scanStats) []byte {
	marked := ws.mod || ws.toned > 0
	if !ws.vowel {
		// No vowel: no syllable, nothing to judge or move.
		if marked {
			st.markedWords++
		}
		return dst
	}
	if ws.n > sylMaxLetters {
		return appendWord(dst[:at], n.readWord(dst[at:]), st)
	}
	e, ok := sylLookup(ws.key)
	st.vowelWords++
	if marked {
		st.markedWords++
	}
	if !ok {
		// No valid syllable without its tones (sylTab holds them all, see
		// TestSyllableTableComplete), so none with them: tones only add
		// checks. appendWord would count it invalid and keep its letters.
		st.invalidWords++
		if marked {
			st.invalidMarked++
		}
		return dst
	}
	valid := true
	if ws.toned == 1 {
		ti := ws.tonePos
		v0, v1 := int(e.v0), int(e.v1)
		if ti >= v1 || ti < v0 && !(ti == v0-1 && e.flags&sylOnsetNil != 0) ||
			e.flags&sylStop != 0 && ws.tone != vtAcute && ws.tone != vtDot {
			valid = false
		}
	}
	if !valid || ws.toned > 1 {
		st.invalidWords++
		if marked {
			st.invalidMarked++
		}
	}
	if ws.toned == 1 && valid {
		pos := int(e.pos)
		if pos == ws.tonePos {
			return dst
		}
		w := n.readWord(dst[at:])
		dst = dst[:at]
		for i, l := range w {
			t := uint8(0)
			if i == pos {
				t = ws.tone
			}
			dst = appendLetter(dst, l.base, l.mod, t)
		}
	}
	return dst
}

// readWord decodes the lower-case letters of b (as appendLetter wrote
// them) into n.word.
func (n *Normalizer) readWord(b []byte) []vnLetter {
	w := n.word[:0]
	for i := 0; i < len(b); {
		l := readLetter(b[i:])
		w = append(w, l)
		if b[i] < utf8.RuneSelf {
			i++
		} else {
			_, size := utf8.DecodeRune(b[i:])
			i += size
		}
	}
	n.word = w[:0]
	return w
}

// appendBases appends the base letters of w: the fold of its canonical
// form, since every letter Vietnamese composes folds to its base (đ to d).
func appendBases(dst []byte, w []vnLetter) []byte {
	for _, l := range w {
		dst = append(dst, l.base)
	}
	return dst
}
