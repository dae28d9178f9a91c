package normalize

import (
	"encoding/binary"
	"unicode"
	"unicode/utf8"
)

// Invisible characters: format characters that render as nothing but
// split or join words when they reach a tokenizer. Pasted text carries
// them (a zero-width space inside "Nguyễn" made it "Nguy Ễn", an unknown
// surname), so every normalizer drops them before it reads a value: the
// Arabic letter mark U+061C, the Mongolian vowel separator U+180E, ZWSP,
// ZWNJ, ZWJ, LRM and RLM (U+200B–U+200F), the bidi embeddings and
// overrides U+202A–U+202E, the word joiner and the invisible operators
// U+2060–U+2064, the bidi isolates U+2066–U+2069 and the BOM (zero-width
// no-break space) U+FEFF. The soft hyphen U+00AD is one too, but it is
// also how TCVN3's ư (byte 0xAD) reads as Latin-1: Text drops it only from
// a value that did not decode as a legacy encoding (see text1).

// invisibleLead marks the first bytes of their UTF-8 forms.
var invisibleLead = [256]bool{0xD8: true, 0xE1: true, 0xE2: true, 0xEF: true}

// invisibleAt returns the length of the invisible character starting at
// s[i], 0 if there is none.
func invisibleAt(s []byte, i int) int {
	switch s[i] {
	case 0xD8: // U+061C
		if i+1 < len(s) && s[i+1] == 0x9C {
			return 2
		}
	case 0xE1: // U+180E
		if i+2 < len(s) && s[i+1] == 0xA0 && s[i+2] == 0x8E {
			return 3
		}
	case 0xE2:
		if i+2 < len(s) {
			switch c1, c2 := s[i+1], s[i+2]; {
			case c1 == 0x80 && (c2 >= 0x8B && c2 <= 0x8F || c2 >= 0xAA && c2 <= 0xAE), // U+200B–200F, U+202A–202E
				c1 == 0x81 && (c2 >= 0xA0 && c2 <= 0xA4 || c2 >= 0xA6 && c2 <= 0xA9): // U+2060–2064, U+2066–2069
				return 3
			}
		}
	case 0xEF: // U+FEFF
		if i+2 < len(s) && s[i+1] == 0xBB && s[i+2] == 0xBF {
			return 3
		}
	}
	return 0
}

// scanned counts the bytes the two scans below read, for a test that a
// row's cell is scanned once; nil outside that test.
var scanned *int

// nextLead returns the index of the first byte at or after i that may
// start an invisible character, len(s) if none. Every such byte is over
// 0x7F, so ASCII runs (IDs, dates, phones, unaccented text) are skipped
// eight bytes at a time.
func nextLead(s []byte, i int) int {
	for i+8 <= len(s) {
		if binary.LittleEndian.Uint64(s[i:])&0x8080808080808080 == 0 {
			i += 8
			continue
		}
		for end := i + 8; i < end; i++ {
			if invisibleLead[s[i]] {
				return i
			}
		}
	}
	for ; i < len(s); i++ {
		if invisibleLead[s[i]] {
			return i
		}
	}
	return i
}

// hasInvisible reports whether s holds an invisible character.
func hasInvisible(s []byte) bool {
	if scanned != nil {
		*scanned += len(s)
	}
	for i := nextLead(s, 0); i < len(s); i = nextLead(s, i+1) {
		if invisibleAt(s, i) > 0 {
			return true
		}
	}
	return false
}

// appendVisible appends s to dst without its invisible characters.
func appendVisible(dst, s []byte) []byte {
	if scanned != nil {
		*scanned += len(s)
	}
	from := 0
	for i := nextLead(s, 0); i < len(s); i = nextLead(s, i+1) {
		if n := invisibleAt(s, i); n > 0 {
			dst = append(dst, s[from:i]...)
			i += n - 1
			from = i + 1
		}
	}
	return append(dst, s[from:]...)
}

// nonLatin reports whether s (canonical text) holds a letter of a script
// other than Latin: a name in Chinese, Arabic, Khmer or Cyrillic, which
// the Vietnamese name rules must not split, reorder or abbreviate.
func nonLatin(s []byte) bool {
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		if r < foldLimit && letterTab[r].base != 0 {
			continue // a Vietnamese letter
		}
		if unicode.IsLetter(r) && !unicode.Is(unicode.Latin, r) {
			return true
		}
	}
	return false
}

// softHyphen is U+00AD in UTF-8.
const softHyphen = "\u00ad"
