package normalize

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Diacritic bits of one syllable: the tone in the low 3 bits, then one bit
// per vowel modifier. A syllable's tone is the same wherever it is placed
// (hòa = hoà), so the signature ignores tone placement.
const (
	toneMask   = 0x07
	modCirc    = 0x08 // â ê ô
	modBreve   = 0x10 // ă
	modHorn    = 0x20 // ơ ư
	modStroke  = 0x40 // đ
	sigPerSyll = 8    // bits per syllable in a signature
)

// markTable maps a precomposed rune below foldLimit, or a combining mark,
// to its diacritic bits; built once from the Unicode decompositions.
var markTable = func() *[foldLimit]uint8 {
	var t [foldLimit]uint8
	var buf [utf8.UTFMax * 4]byte
	for r := rune(0x80); r < foldLimit; r++ {
		if m := combiningBits(r); m != 0 {
			t[r] = m
			continue
		}
		d := norm.NFD.Append(buf[:0], []byte(string(r))...)
		var m uint8
		for i := 0; i < len(d); {
			c, n := utf8.DecodeRune(d[i:])
			i += n
			m |= combiningBits(c)
		}
		t[r] = m
	}
	t['đ'], t['Đ'] = modStroke, modStroke
	return &t
}()

func combiningBits(r rune) uint8 {
	switch r {
	case 0x300:
		return 1 // huyền
	case 0x301:
		return 2 // sắc
	case 0x303:
		return 3 // ngã
	case 0x309:
		return 4 // hỏi
	case 0x323:
		return 5 // nặng
	case 0x302:
		return modCirc
	case 0x306:
		return modBreve
	case 0x31B:
		return modHorn
	}
	return 0
}

// appendToneSig folds the diacritics of one syllable into sig.
func syllableBits(s []byte) uint8 {
	var m uint8
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		i += n
		if r < foldLimit {
			b := markTable[r]
			if b&toneMask != 0 {
				m = m&^toneMask | b&toneMask
			}
			m |= b &^ toneMask
		}
	}
	return m
}

// toneSig is the diacritic signature of a reference name: its syllables'
// bits, first syllable lowest. It tells apart names that fold to the same
// key (Minh Quán, Minh Quân) when the input kept its diacritics.
func toneSig(name string) uint64 {
	p := &AddressParser{}
	p.tokenize([]byte(name))
	return p.spanToneSig([]byte(name), 0, len(p.toks))
}

// spanToneSig is the signature of tokens [a, b) of the input s (p.src
// when the tokens are from tokenizeFolded, whose offsets off converts).
func (p *AddressParser) spanToneSig(s []byte, a, b int) uint64 {
	var sig uint64
	for i, j := a, 0; i < b && j < 64/sigPerSyll; i, j = i+1, j+1 {
		t := &p.toks[i]
		sig |= uint64(syllableBits(s[p.off(t.os):p.off(t.oe)])) << (sigPerSyll * j)
	}
	return sig
}
