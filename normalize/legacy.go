package normalize

import (
	"math/bits"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dedup-vn/dedup/refdata"
)

// Legacy Vietnamese text reaches us as mojibake: TCVN3 (ABC) or VNI-Windows
// bytes that a program read as Windows-1252 (or Latin-1), UTF-8 bytes read
// the same way, raw legacy bytes (invalid UTF-8, repaired to CP1252 runes by
// Text first), or VIQR typed in ASCII. Detection maps the text back to
// bytes, decodes each candidate and keeps one only when it reads as
// Vietnamese (every syllable valid, no foreign letters) while the input did
// not. Plain Vietnamese, NFD and ASCII text are never decoded: they either
// read as Vietnamese already or cannot be mapped back to bytes.

// cp1252 maps a Windows-1252 byte to its rune. The five undefined bytes map
// to the C1 control of the same value, as Windows and Latin-1 readers do.
var cp1252 = func() (t [256]rune) {
	for i := range t {
		t[i] = rune(i)
	}
	hi := [32]rune{'€', 0x81, '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', 0x8D, 'Ž', 0x8F,
		0x90, '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', 0x9D, 'ž', 'Ÿ'}
	copy(t[0x80:], hi[:])
	return t
}()

// cp1252Byte is the inverse of cp1252 for the runes above 0xFF.
var cp1252Byte = func() map[rune]byte {
	m := map[rune]byte{}
	for i := 0x80; i < 0xA0; i++ {
		if cp1252[i] > 0xFF {
			m[cp1252[i]] = byte(i)
		}
	}
	return m
}()

// appendCP1252 appends the Windows-1252 bytes of s; ok is false when a
// rune has no byte there (so s cannot be mojibake of 8-bit text).
func appendCP1252(dst, s []byte) ([]byte, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		i += size
		switch {
		case r < 0x100:
			dst = append(dst, byte(r))
		default:
			b, ok := cp1252Byte[r]
			if !ok {
				return dst, false
			}
			dst = append(dst, b)
		}
	}
	return dst, true
}

var (
	// tcvn3Rune maps a TCVN3 byte to its letter (0 = not a letter).
	tcvn3Rune [256]rune
	// vniSingle maps a one-byte VNI letter (ư ơ đ í ì ỉ ĩ ị ỵ and capitals).
	vniSingle [256]rune
	// vniPair maps a base byte and a mark byte to a letter.
	vniPair map[[2]byte]rune
	// viqrOf maps a lower-case letter to its VIQR spelling, for tests.
	viqrOf map[rune]string
)

func init() {
	vniPair = map[[2]byte]rune{}
	viqrOf = map[rune]string{}
	for _, c := range refdata.Get().LegacyChars {
		if len(c.TCVN3) == 1 {
			tcvn3Rune[c.TCVN3[0]] = c.Char
		}
		switch len(c.VNI) {
		case 1:
			vniSingle[c.VNI[0]] = c.Char
		case 2:
			vniPair[[2]byte{c.VNI[0], c.VNI[1]}] = c.Char
			// Text title-cased after the damage has an upper-case base with
			// a lower-case mark ("Uùt" for Út): accept the pair too.
			if lb, lm := c.VNI[0]|0x20, c.VNI[1]|0x20; c.VNI[0] != lb || c.VNI[1] != lm {
				k := [2]byte{c.VNI[0], lm}
				if _, ok := vniPair[k]; !ok && c.VNI[1] >= 0xC0 {
					vniPair[k] = c.Char
				}
			}
		}
		viqrOf[c.Char] = c.VIQR
	}
}

// appendDecodeTCVN3 decodes TCVN3 bytes; bytes that are no TCVN3 letter
// keep their Windows-1252 meaning.
func appendDecodeTCVN3(dst, b []byte) []byte {
	for _, c := range b {
		switch {
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		case tcvn3Rune[c] != 0:
			dst = utf8.AppendRune(dst, tcvn3Rune[c])
		default:
			dst = utf8.AppendRune(dst, cp1252[c])
		}
	}
	return dst
}

// appendDecodeVNI decodes VNI-Windows bytes: a letter is a base byte
// followed by up to one mark byte, or one byte of its own.
func appendDecodeVNI(dst, b []byte) []byte {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if i+1 < len(b) && b[i+1] >= 0xC0 {
			if r, ok := vniPair[[2]byte{c, b[i+1]}]; ok {
				dst = utf8.AppendRune(dst, r)
				i++
				continue
			}
		}
		switch {
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		case vniSingle[c] != 0:
			dst = utf8.AppendRune(dst, vniSingle[c])
		default:
			dst = utf8.AppendRune(dst, cp1252[c])
		}
	}
	return dst
}

// VIQR marks: modifiers after the vowel, then the tone.
func viqrMod(base, c byte) uint8 {
	switch c {
	case '^':
		if base == 'a' || base == 'e' || base == 'o' {
			return vmCirc
		}
	case '(':
		if base == 'a' {
			return vmBreve
		}
	case '+', '*':
		if base == 'o' || base == 'u' {
			return vmHorn
		}
	}
	return 0
}

func viqrTone(c byte) uint8 {
	switch c {
	case '\'':
		return vtAcute
	case '`':
		return vtGrave
	case '?':
		return vtHook
	case '~':
		return vtTilde
	case '.':
		return vtDot
	}
	return 0
}

// appendDecodeVIQR decodes VIQR in ASCII text and reports the evidence:
// strong counts marks that cannot be ordinary punctuation (a modifier, a
// tone mark between two letters, dd for đ); weak counts a '.', '?' or '\”
// after a word's last vowel, which may be punctuation. The caller decodes
// on one strong or two weak marks, so "Ha Noi." stays as it is.
func appendDecodeVIQR(dst, b []byte) (out []byte, strong, weak int) {
	for i := 0; i < len(b); i++ {
		c := b[i]
		lc := asciiLower(c)
		if lc == 'd' && i+1 < len(b) && asciiLower(b[i+1]) == 'd' && (i == 0 || !isLetter(b[i-1])) &&
			i+2 < len(b) && vnIsVowel(asciiLower(b[i+2])) {
			if c == 'D' {
				dst = append(dst, "Đ"...)
			} else {
				dst = append(dst, "đ"...)
			}
			i++
			strong++
			continue
		}
		if !vnIsVowel(lc) || c >= utf8.RuneSelf {
			if c == '\\' && i+1 < len(b) && viqrTone(b[i+1]) != 0 {
				continue // escaped mark: literal punctuation
			}
			dst = append(dst, c)
			continue
		}
		mod, tone := uint8(0), uint8(0)
		j := i + 1
		for ; j < len(b) && j <= i+2; j++ {
			if m := viqrMod(lc, b[j]); m != 0 && mod == 0 {
				mod = m
				strong++
			} else if t := viqrTone(b[j]); t != 0 && tone == 0 {
				tone = t
				if b[j] != '.' && b[j] != '?' && b[j] != '\'' || j+1 < len(b) && isLetter(b[j+1]) {
					strong++
				} else {
					weak++
				}
			} else {
				break
			}
		}
		if mod == 0 && tone == 0 {
			dst = append(dst, c)
			continue
		}
		r := composeTab[lc-'a'][mod][tone]
		if c != lc {
			r = toUpperVN(r)
		}
		dst = utf8.AppendRune(dst, r)
		i = j - 1
	}
	return dst, strong, weak
}

// toUpperVN upper-cases a Vietnamese letter.
func toUpperVN(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	return upperOf(r)
}

var (
	lexiconOnce sync.Once
	lexicon     map[string]uint8 // canonical word → lexKnown | lexInvalid
	// lexTable is lexicon as an open-addressing table probed with keyHash
	// (as addrIndex.table): knownWords looks up every word of every
	// suspicious text, and the Go map's string hash and group match were
	// most of its cost.
	lexTable []lexSlot
	lexKeys  []string
)

// lexSlot is one slot of lexTable: the word's hash, and the index of the
// word in lexKeys + 1 (0 = empty) shifted left by two over its lexicon
// flags (lexKnown | lexInvalid).
type lexSlot struct {
	h, v uint32
}

// buildLexTable fills lexTable from lexicon at a load factor of at most
// 1/4.
func buildLexTable() {
	size := 1 << bits.Len(uint(4*len(lexicon)))
	lexTable = make([]lexSlot, size)
	lexKeys = make([]string, 0, len(lexicon))
	mask := uint64(size - 1)
	for w, f := range lexicon {
		lexKeys = append(lexKeys, w)
		h := keyHash([]byte(w))
		for i := h & mask; ; i = (i + 1) & mask {
			if lexTable[i].v == 0 {
				lexTable[i] = lexSlot{h: uint32(h >> 32), v: uint32(len(lexKeys))<<2 | uint32(f)}
				break
			}
		}
	}
}

// lexLookup returns lexicon[string(w)].
func lexLookup(w []byte) uint8 {
	h := keyHash(w)
	mask := uint64(len(lexTable) - 1)
	hi := uint32(h >> 32)
	for i := h & mask; ; i = (i + 1) & mask {
		sl := lexTable[i]
		if sl.v == 0 {
			return 0
		}
		if sl.h == hi && lexKeys[sl.v>>2-1] == string(w) {
			return uint8(sl.v & 3)
		}
	}
}

const (
	lexKnown   = 1 << iota
	lexInvalid // not a Vietnamese syllable by the spelling rules (Đắk, Lắk)
)

// addressWords are the words that address lines repeat and the reference
// tables do not hold (they name units, not streets and hamlets).
const addressWords = "số nhà đường phố ngõ ngách hẻm kiệt thôn ấp xóm bản làng tổ khu khóm đội " +
	"phường xã quận huyện thị trấn thành tỉnh đặc dân chung cư lô tầng căn hộ tòa đ " +
	"cách mạng tháng tám"

// knownSyllables counts the words of canonical text s that occur in the
// reference names and place names, and of those the ones that break the
// syllable rules (minority place names: Đắk Lắk, Krông). The lexicon is
// built on first use: only text that needs a legacy decision needs it.
func knownSyllables(s []byte) (known, knownInvalid int) {
	known, knownInvalid, _ = knownWords(s)
	return known, knownInvalid
}

// knownWords is knownSyllables that also counts the words of s.
func knownWords(s []byte) (known, knownInvalid, words int) {
	lexiconOnce.Do(func() {
		lexicon = map[string]uint8{}
		n := New(Options{})
		n.noLexicon = true // the lexicon is being built
		var canon []byte
		add := func(s string) {
			// Split as knownSyllables does: M'Đrắk is m and đrắk.
			for _, w := range strings.FieldsFunc(string(n.Text([]byte(s)).Canonical), func(r rune) bool {
				return r < utf8.RuneSelf && !isLetter(byte(r))
			}) {
				if lexicon[w] != 0 {
					continue
				}
				f := uint8(lexKnown)
				var st scanStats
				canon, st = n.appendCanonical(canon[:0], []byte(w))
				if st.invalidMarked > 0 {
					f |= lexInvalid
				}
				lexicon[w] = f
			}
		}
		t := refdata.Get()
		for _, x := range t.Surnames {
			add(x.Name)
		}
		for _, x := range t.MiddleNames {
			add(x.Name)
		}
		for _, x := range t.GivenNames {
			add(x.Name)
		}
		for _, x := range t.ProvincesOld {
			add(x.FullName)
		}
		for _, x := range t.Districts {
			add(x.FullName)
		}
		for _, x := range t.WardsOld {
			add(x.FullName)
		}
		for _, x := range t.WardsNew {
			add(x.FullName)
		}
		for _, x := range t.Abbreviations {
			add(x.Expansion)
		}
		for _, x := range t.ProvinceAliases {
			add(x.Alias)
		}
		add(addressWords)
		buildLexTable()
	})
	// Words end at spaces and ASCII punctuation ("nghé," is nghé).
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && (s[i] >= utf8.RuneSelf || isLetter(s[i])) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			words++
			if f := lexLookup(s[start:i]); f != 0 {
				known++
				if f&lexInvalid != 0 {
					knownInvalid++
				}
			}
			start = -1
		}
	}
	return known, knownInvalid, words
}

// countRunesTones counts the runes of s and the letters with a tone.
func countRunesTones(s []byte) (runes, tones int) {
	// Decoded by hand: ranging over string(s) copied long texts.
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(s[i:])
		}
		i += size
		runes++
		if r < foldLimit && letterTab[r].tone != 0 {
			tones++
		}
	}
	return runes, tones
}

// detectLegacy tries the legacy decodings of s (valid UTF-8 whose scan gave
// st) and returns the one accepted, or EncodingNone. The decoded text
// points into n.best.
//
// A decoding is accepted when it reads as Vietnamese: no foreign letters,
// and every word it decoded (a word with a mark) a valid syllable. Words
// of plain letters read the same in every decoding ("Hanoi", "Pasteur", a
// name left in Telex keys), so they neither block nor help. Two cases need
// the lexicon of reference names and places as well:
//   - a decoded word that is no syllable (a typo made before the text was
//     encoded: "Hooaøng" is hooàng) is allowed when most decoded words are
//     valid and the decoding has more known syllables than the input;
//   - input that already reads as Vietnamese in Latin-1 letters only
//     ("Mai Thò Minh", VNI for Mai Thị Minh; "Lý Thanh TuÊn", TCVN3 for Lý
//     Thanh Tuấn) is decoded only into a valid reading with more known
//     syllables than it has.
//
// canon is the canonical form of s where the caller has it (nil if not),
// which spares the lexicon check a scan of s.
func (n *Normalizer) detectLegacy(s, canon []byte, st scanStats, hint Encoding) (Encoding, []byte) {
	// Unicode beyond Windows-1252 (ă, ư, ạ …) is no 8-bit mojibake, and
	// ASCII without VIQR marks has nothing to decode: the common cases,
	// settled before any lexicon work (an address with "Hanoi" in it is
	// suspicious, not legacy).
	if !st.suspicious() || st.nonLatin1 || !st.nonASCII && !st.viqr {
		return EncodingNone, nil
	}
	inKnown, inKnownInvalid, inWords := -1, 0, 0
	inputKnown := func() int {
		if inKnown < 0 {
			if canon == nil {
				n.inCanon, _ = n.appendCanonical(n.inCanon[:0], s)
				canon = n.inCanon
			}
			inKnown, inKnownInvalid, inWords = knownWords(canon)
		}
		return inKnown
	}
	// Text that reads as Vietnamese: no foreign letter, and the words with
	// a mark syllables, or places the lexicon knows, but for a minority (a
	// typo). A plain-letter word that is none, "Hanoi" or a name left in
	// Telex keys, reads the same whatever the encoding. This is also what
	// a decoding must read as: the result of one is plain, so that Text
	// does not decode it again.
	invalidIn := st.invalidMarked
	if invalidIn > 0 && !st.foreign && !n.noLexicon {
		inputKnown()
		invalidIn -= inKnownInvalid
	}
	// (VIQR marks matter to ASCII text only: "A. Hoài" is plain.)
	plain := !st.foreign && 2*invalidIn <= st.markedWords && st.vowelWords > 0 && !(st.viqr && !st.nonASCII)
	if plain && (!st.nonASCII || st.nonLatin1 || n.noLexicon) {
		return EncodingNone, nil
	}
	if enc, dec := n.decodeHint(s, st, hint, inputKnown); enc != EncodingNone {
		return enc, dec
	}
	best, bestScore := EncodingNone, int64(0)
	try := func(enc Encoding, dec []byte) {
		var cst scanStats
		n.tmp, cst = n.appendCanonical(n.tmp[:0], dec)
		if cst.foreign || cst.vowelWords == 0 {
			return
		}
		known, invalid := 0, cst.invalidMarked
		if !n.noLexicon {
			var knownInvalid int
			known, knownInvalid = knownSyllables(n.tmp)
			invalid -= knownInvalid // Đắk, Lắk: place names, not typos
		}
		strict := invalid == 0
		if !strict && (n.noLexicon || plain || 2*invalid > cst.markedWords) {
			return
		}
		// A decoding never loses known words; where it keeps a word it
		// cannot read, or replaces text that reads as Vietnamese, it must
		// find more of them. (Latin-1 that is valid multi-byte UTF-8 is
		// evidence enough; VIQR's marks split its input into fragments
		// that prove nothing, and it has its own test.)
		if !n.noLexicon && enc != EncodingUTF8 && enc != EncodingVIQR {
			if in := inputKnown(); known < in || (!strict || plain) && known == in {
				return
			}
		}
		// Prefer the decoding with more syllables seen in reference names
		// and places, less the decoded words that are none (TCVN3 LÖ is
		// Lệ, VNI LƯ; VNI Leâ Thò Taâ is lê thị tâ with a letter lost,
		// TCVN3 the valid but unknown lẽo thũ tão), then the one with more
		// valid syllables, then the shorter one (a VNI pair read as TCVN3
		// gives two vowels where VNI gives one: Leâ is TCVN3 lẽo, VNI lê),
		// then the one with fewer tones (VNI's one-byte ư ơ read as TCVN3
		// are toned: Löu is TCVN3 lửu, VNI lưu). On a full tie keep the
		// earlier.
		runes, tones := countRunesTones(dec)
		score := int64(known-invalid)<<40 + int64(cst.vowelWords-cst.invalidWords)<<24 -
			int64(runes)<<8 - int64(tones)
		if score > bestScore || best == EncodingNone {
			best, bestScore = enc, score
			n.best = append(n.best[:0], dec...)
		}
	}
	if !st.nonASCII {
		if st.viqr {
			var strong, weak int
			n.cand, strong, weak = appendDecodeVIQR(n.cand[:0], s)
			if strong > 0 || weak > 1 {
				try(EncodingVIQR, n.cand)
			}
		}
		return best, n.best
	}
	if st.nonLatin1 {
		return EncodingNone, nil
	}
	raw, ok := appendCP1252(n.cand[:0], s)
	n.cand = raw
	if !ok {
		return EncodingNone, nil
	}
	// raw holds the bytes before the bad decoding. Latin-1 text that is
	// also valid multi-byte UTF-8 is UTF-8 mojibake almost surely, even
	// when it reads as Vietnamese (Hoà → HoÃ\u00a0: hõa).
	if utf8.Valid(raw) {
		try(EncodingUTF8, raw)
	}
	// Text that reads as Vietnamese with every word known (Lê Thành
	// Công, the common case here) decodes into no more known words: TCVN3
	// and VNI keep the ASCII bytes, where knownWords splits, and turn no
	// other byte into one (a letter, or the same Windows-1252 rune), so
	// a decoding has at most the input's words. Plain text needs more
	// known words than it has, so neither is tried (n.fullLegacy makes
	// the tests try them).
	if best == EncodingNone && plain && !n.noLexicon && !n.fullLegacy && inputKnown() == inWords {
		return EncodingNone, nil
	}
	if best == EncodingNone {
		n.dec = appendDecodeTCVN3(n.dec[:0], raw)
		try(EncodingTCVN3, n.dec)
		n.dec = appendDecodeVNI(n.dec[:0], raw)
		try(EncodingVNI, n.dec)
	}
	return best, n.best
}

// decodeHint decodes s in the encoding another field of the same row was
// found in (the row was typed in one system). Such a decoding is taken on
// weaker evidence than detectLegacy asks of text alone: no foreign letter
// left, and no fewer known syllables than the input. It settles the text
// that reads as Vietnamese in either form (VNI Hoà Trung Bình is Hồ Trung
// Bình, TCVN3 Vò is Vũ) and keeps a typo made before the encoding
// (VNI Hoaøngg is hoàngg).
func (n *Normalizer) decodeHint(s []byte, st scanStats, hint Encoding, inputKnown func() int) (Encoding, []byte) {
	if hint != EncodingTCVN3 && hint != EncodingVNI && hint != EncodingUTF8 || !st.nonASCII || st.nonLatin1 {
		return EncodingNone, nil
	}
	raw, ok := appendCP1252(n.cand[:0], s)
	n.cand = raw
	if !ok {
		return EncodingNone, nil
	}
	switch hint {
	case EncodingTCVN3:
		n.dec = appendDecodeTCVN3(n.dec[:0], raw)
	case EncodingVNI:
		n.dec = appendDecodeVNI(n.dec[:0], raw)
	default:
		if !utf8.Valid(raw) {
			return EncodingNone, nil
		}
		n.dec = append(n.dec[:0], raw...)
	}
	if string(n.dec) == string(s) {
		return EncodingNone, nil
	}
	var cst scanStats
	n.tmp, cst = n.appendCanonical(n.tmp[:0], n.dec)
	if cst.foreign || cst.vowelWords == 0 {
		return EncodingNone, nil
	}
	if !n.noLexicon {
		if known, _ := knownSyllables(n.tmp); known < inputKnown() {
			return EncodingNone, nil
		}
	}
	n.best = append(n.best[:0], n.dec...)
	return hint, n.best
}
