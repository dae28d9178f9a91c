package normalize

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// foldLimit bounds the rune table: every Latin letter Vietnamese uses sits
// below U+1F00 (Latin-1, Latin Extended-A/B, Latin Extended Additional).
const foldLimit = 0x1F00

// foldTable maps a rune below foldLimit to its lower-case, diacritic-free
// ASCII letter, or 0 where the rune has none. It is built once from the
// Unicode decompositions, so it agrees with the x/text oracle by construction
// and the hot loop is a table lookup.
var foldTable = func() *[foldLimit]byte {
	var t [foldLimit]byte
	var buf [utf8.UTFMax * 4]byte
	for r := rune(0); r < foldLimit; r++ {
		if r < utf8.RuneSelf {
			c := byte(r)
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			t[r] = c
			continue
		}
		d := norm.NFD.Append(buf[:0], []byte(string(r))...)
		if len(d) > 0 && d[0] < utf8.RuneSelf && isLetter(d[0]) {
			c := d[0]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			t[r] = c
		}
	}
	t['đ'], t['Đ'] = 'd', 'd'
	t['Ð'], t['ð'] = 'd', 'd' // Icelandic eth, a common mis-typing of Đ
	return &t
}()

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// AppendFold appends to dst the lower-case ASCII fold of s: diacritics are
// removed (đ becomes d), letters are lower-cased, runes with no ASCII letter
// are dropped unless they are ASCII, and combining marks (NFD input) vanish.
// It does not allocate when dst has room. Invalid UTF-8 bytes are dropped.
func AppendFold(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, foldTable[c])
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		if r < foldLimit {
			if f := foldTable[r]; f != 0 {
				dst = append(dst, f)
			}
		}
	}
	return dst
}

// FoldString returns the lower-case ASCII fold of s (see AppendFold).
func FoldString(s string) string {
	return string(AppendFold(make([]byte, 0, len(s)), []byte(s)))
}
