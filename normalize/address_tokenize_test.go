package normalize

import (
	"slices"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// tokenizeRef is the byte-at-a-time tokenizer that tokenize replaced (it
// takes runs of ASCII letters and digits in inner loops); the fuzz target
// checks that the two agree on tokens and folded bytes.
func (p *AddressParser) tokenizeRef(s []byte) {
	// Work on locals and store them back once: appending through p made
	// the compiler reload p.fb and p.toks on every byte.
	fb, toks, ft := p.fb[:0], p.toks[:0], foldTable
	var seg int32
	in, prevDigit := false, false
	var cur tok
	for i := 0; i < len(s); {
		c := s[i]
		size := 1
		var f byte
		if c < utf8.RuneSelf {
			f = ft[c]
		} else {
			// Vietnamese letters are two-byte (U+00C0–U+01B0, the combining
			// marks) or three-byte E1 sequences (U+1EA0–U+1EF9): decode
			// those inline, as utf8.DecodeRune would, and leave anything
			// else (and every invalid sequence) to it.
			var r rune
			switch {
			case c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
				r, size = rune(c&0x1F)<<6|rune(s[i+1]&0x3F), 2
			case c == 0xE1 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
				r, size = rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F)|0x1000, 3
			default:
				r, size = utf8.DecodeRune(s[i:])
			}
			if r < foldLimit {
				f = ft[r]
			}
			if f == 0 && r >= 0x300 && r < 0x370 {
				if in {
					cur.oe = int32(i + size)
				}
				i += size
				continue
			}
		}
		digit := '0' <= f && f <= '9'
		if digit || 'a' <= f && f <= 'z' {
			if in && digit && !prevDigit {
				cur.fe = int32(len(fb))
				toks = append(toks, cur)
				in = false
			}
			if !in {
				cur = tok{fs: int32(len(fb)), os: int32(i), seg: seg, num: true}
				in = true
			}
			fb = append(fb, f)
			cur.num = cur.num && digit
			cur.oe = int32(i + size)
			prevDigit = digit
		} else {
			if in {
				cur.fe = int32(len(fb))
				toks = append(toks, cur)
				in = false
			}
			switch f {
			case ',', ';', '|', '(', ')', '\n', '\r':
				seg++
			}
		}
		i += size
	}
	if in {
		cur.fe = int32(len(fb))
		toks = append(toks, cur)
	}
	p.fb, p.toks = fb, toks
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		"Số 12 Nguyễn Huệ, P. Bến Nghé, Q.1, TP.HCM",
		"P12a, Q1 HCM; 12/3A Lê Lợi (cũ)",
		norm.NFD.String("Phường Thuận Hóa, Thành phố Huế"),
		"\xff\xfe, P\xcc, Q.\x80\x00x\u0301\u2013y",
		"abc123def456 7 a\u0300\u0301, 0x",
	} {
		f.Add([]byte(s))
	}
	p, q := NewAddressParser(), NewAddressParser()
	f.Fuzz(func(t *testing.T, s []byte) {
		p.tokenize(s)
		q.tokenizeRef(s)
		if string(p.fb) != string(q.fb) || !slices.Equal(p.toks, q.toks) {
			t.Fatalf("tokenize %q: %q %v, reference %q %v", s, p.fb, p.toks, q.fb, q.toks)
		}
	})
}
