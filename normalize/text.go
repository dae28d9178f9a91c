package normalize

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Vietnamese letters are handled as a base ASCII letter, a vowel modifier and
// a tone, so that NFC, NFD, old- and new-style tone placement and case all
// reduce to one decomposition and one recomposition in a single pass.

// Vowel and consonant modifiers.
const (
	vmNone   = 0
	vmCirc   = 1 // â ê ô
	vmBreve  = 2 // ă
	vmHorn   = 3 // ơ ư
	vmStroke = 4 // đ
	vmCount  = 5
)

// Tones, in the usual order: ngang, huyền, sắc, hỏi, ngã, nặng.
const (
	vtNone  = 0
	vtGrave = 1
	vtAcute = 2
	vtHook  = 3
	vtTilde = 4
	vtDot   = 5
	vtCount = 6
)

// vnLetter is a decomposed Vietnamese (or plain ASCII) letter. base is 0
// for a rune that is not one.
type vnLetter struct {
	base, mod, tone uint8
	upper           bool
}

// letterTab decomposes every rune below foldLimit that is an ASCII letter or
// an ASCII letter carrying only Vietnamese marks.
var letterTab [foldLimit]vnLetter

// composeTab recomposes a lower-case letter from base, mod and tone; 0 where
// the combination does not exist in Vietnamese.
var composeTab [26][vmCount][vtCount]rune

// markMod and markTone give the Vietnamese meaning of a combining mark
// U+0300..U+036F (0 = none).
var markMod, markTone [0x70]uint8

func init() {
	markMod[0x02], markMod[0x06], markMod[0x1B] = vmCirc, vmBreve, vmHorn
	markTone[0x00], markTone[0x01], markTone[0x09] = vtGrave, vtAcute, vtHook
	markTone[0x03], markTone[0x23] = vtTilde, vtDot
	// U+0340/U+0341 are deprecated tone marks some Vietnamese keyboards emit.
	markTone[0x40], markTone[0x41] = vtGrave, vtAcute

	var buf [32]byte
	for r := rune(0); r < foldLimit; r++ {
		var l vnLetter
		if r < utf8.RuneSelf {
			c := byte(r)
			if !isLetter(c) {
				continue
			}
			if c <= 'Z' {
				l.upper, c = true, c+'a'-'A'
			}
			l.base = c
		} else {
			d := norm.NFD.AppendString(buf[:0], string(r))
			if len(d) < 2 || !isLetter(d[0]) {
				continue
			}
			c := d[0]
			if c <= 'Z' {
				l.upper, c = true, c+'a'-'A'
			}
			l.base = c
			ok := true
			for _, m := range string(d[1:]) {
				if m < 0x300 || m >= 0x370 {
					ok = false
					break
				}
				if mm := markMod[m-0x300]; mm != 0 && l.mod == 0 && vnModFits(c, mm) {
					l.mod = mm
				} else if t := markTone[m-0x300]; t != 0 && l.tone == 0 && m < 0x340 {
					l.tone = t
				} else {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
		}
		letterTab[r] = l
		if !l.upper {
			composeTab[l.base-'a'][l.mod][l.tone] = r
		}
	}
	letterTab['đ'] = vnLetter{base: 'd', mod: vmStroke}
	letterTab['Đ'] = vnLetter{base: 'd', mod: vmStroke, upper: true}
	composeTab['d'-'a'][vmStroke][0] = 'đ'
}

// vnModFits reports whether modifier m can sit on base letter c.
func vnModFits(c, m uint8) bool {
	switch m {
	case vmCirc:
		return c == 'a' || c == 'e' || c == 'o'
	case vmBreve:
		return c == 'a'
	case vmHorn:
		return c == 'o' || c == 'u'
	case vmStroke:
		return c == 'd'
	}
	return false
}

func vnIsVowel(c uint8) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// Encoding names the encoding a text was found in.
type Encoding uint8

// Encodings Text detects. EncodingNone means the input was ordinary
// Unicode (or ASCII) and was not decoded.
const (
	EncodingNone  Encoding = iota
	EncodingTCVN3          // TCVN3 (ABC) bytes, read as Windows-1252 or raw
	EncodingVNI            // VNI-Windows bytes, read as Windows-1252 or raw
	EncodingVIQR           // VIQR ASCII mnemonics (Nguye^~n)
	EncodingUTF8           // UTF-8 bytes read as Windows-1252 (Nguyá»…n)
)

var encodingNames = [...]string{"", "tcvn3", "vni", "viqr", "utf8_cp1252"}

// String returns the stable name of e ("" for EncodingNone).
func (e Encoding) String() string {
	if int(e) < len(encodingNames) {
		return encodingNames[e]
	}
	return "unknown"
}

// Text is a normalized text value. Canonical is the comparison form with
// its diacritics: NFC, valid UTF-8, lower case, one tone placement (hòa,
// thủy, khỏe, never hoà, thuỷ, khoẻ), runs of white space collapsed to one
// ASCII space and trimmed, punctuation kept. Folded is Canonical without
// diacritics (AppendFold: đ→d, ASCII only); the two are separate
// comparison levels. Encoding is the legacy encoding that was detected and
// decoded, if any. Flags holds FlagTextInvalidUTF8 and
// FlagTextLegacyEncoding.
//
// The slices of a Text returned by a Normalizer point into its buffers and
// stay valid only until its next call.
type Text struct {
	Canonical, Folded []byte
	Encoding          Encoding
	Flags             Flags
	suspicious        bool // not plain Vietnamese, yet not decoded
}

// Options configures a Normalizer.
type Options struct {
	// RefYear is the reference year for dates: two-digit years resolve to
	// the latest year not after it, and a birth year after it is flagged
	// dob_future. 0 means unknown: two-digit years resolve to 19yy and no
	// future check is made. The normalizer never reads the clock.
	RefYear int
}

// Normalizer normalizes values with reusable scratch buffers. It is not
// safe for concurrent use: make one per worker goroutine. Slices in the
// results it returns point into its buffers and are valid only until the
// next call of any of its methods; copy what must be kept. A long-lived
// Normalizer keeps a memo of recent names (about 7 MiB, see memo.go).
type Normalizer struct {
	opt Options

	repair  []byte     // UTF-8 repair of invalid input
	vis     []byte     // the input without its invisible characters
	soft    []byte     // the input without its soft hyphens
	inSoft  bool       // text1 is reading soft
	cand    []byte     // legacy decoding candidate
	dec     []byte     // decoded candidate
	dec2    []byte     // re-check of a canonical form
	tmp2    []byte     // scratch canonical for the re-check
	tmp     []byte     // canonical form of a candidate
	best    []byte     // accepted legacy decoding
	inCanon []byte     // canonical form of detectLegacy's input
	word    []vnLetter // letters of the current word
	canon   []byte     // Text.Canonical
	folded  []byte     // Text.Folded
	nfc     []byte     // rare NFC fallback
	nfc2    []byte     // its input to the second scan
	inNFC   bool       // appendCanonical is scanning composed text

	noLexicon  bool // set while building the lexicon itself
	fullLegacy bool // detectLegacy tries every decoding (tests check its shortcut)
	refScan    bool // use appendCanonicalRef (tests compare the two)
	noQuick    bool // scan skips scanQuick (tests compare the two)

	// visible says the next text or name1 call's input has no invisible
	// characters (its caller removed them: the row normalizer's Values,
	// or name1 before it calls text), so it need not scan for them again.
	// The call that reads it clears it.
	visible bool

	name  nameScratch
	quick quickScratch // scanQuick's output

	// The last text call, for a repeat of its input (a row's current
	// address is most often its permanent one): the input, hint and scan
	// mode, and the result, whose slices still hold it as long as no other
	// text call ran, since only text writes canon and folded.
	lastIn   []byte
	lastHint Encoding
	lastRef  bool
	lastOK   bool
	last     Text

	// The memo of Name results (memo.go), allocated after memoWarmup
	// calls counted in calls.
	calls  int
	noMemo bool // tests compare results with and without the memo
	nmemo  *nameMemo
}

// New returns a Normalizer with the given options.
func New(opt Options) *Normalizer {
	return &Normalizer{
		opt:    opt,
		canon:  make([]byte, 0, 128),
		folded: make([]byte, 0, 128),
		word:   make([]vnLetter, 0, 16),
	}
}

// Text normalizes s: invalid UTF-8 is repaired (stray bytes read as
// Windows-1252 and flagged), legacy encodings are detected and decoded
// (see DetectLegacy), then the canonical and folded forms are built.
func (n *Normalizer) Text(s []byte) Text { return n.text(s, EncodingNone) }

// TextHint is Text for a value whose row has another field found in legacy
// encoding hint (TCVN3, VNI or UTF-8 read as Windows-1252; other values
// are ignored): a row is typed in one system, so the value is decoded in
// that encoding on weaker evidence than Text asks of it alone (see
// decodeHint). Use the encoding Text reported for the row's addresses as
// the name's hint, and the name's for an address Text left undecoded.
// The hint applies to the raw value: the result is a fixed point of Text,
// not of TextHint.
func (n *Normalizer) TextHint(s []byte, hint Encoding) Text { return n.text(s, hint) }

func (n *Normalizer) text(s []byte, hint Encoding) Text {
	visible := n.visible
	n.visible = false
	if n.lastOK && n.lastHint == hint && n.lastRef == n.refScan && string(n.lastIn) == string(s) {
		return n.last
	}
	// The key is copied first: s may alias canon (Text of a Canonical),
	// which text1 overwrites. A nested call (the lexicon's) must not leave
	// its entry behind.
	n.lastOK = false
	n.lastIn = append(n.lastIn[:0], s...)
	t := n.text1(s, hint, visible)
	n.lastOK = false
	if string(n.lastIn) != string(s) {
		return t // s changed under text1 (it aliased canon): not cacheable
	}
	n.lastHint, n.lastRef = hint, n.refScan
	n.last, n.lastOK = t, true
	return t
}

func (n *Normalizer) text1(s []byte, hint Encoding, visible bool) Text {
	var t Text
	if !visible && hasInvisible(s) {
		n.vis = appendVisible(n.vis[:0], s)
		s = n.vis
	}
	// The first scan validates the input and builds the fold too; the
	// fold is made again below only if the canonical form is replaced.
	var st scanStats
	var valid bool
	n.canon, st, valid = n.scanFold(n.canon[:0], s)
	foldOK := valid
	if !valid {
		t.Flags |= FlagTextInvalidUTF8
		n.repair = appendRepairUTF8(n.repair[:0], s)
		s = n.repair
		n.canon, st, foldOK = n.scanFold(n.canon[:0], s)
	}
	// Detection runs on the input as written (case matters to the legacy
	// bytes), then again on the result until nothing more decodes, so that
	// Text is idempotent: lower-casing garbage can make it decodable.
	canon := n.canon // the canonical form of s, in the first round
	for round := 0; st.suspicious() && round < 3; round++ {
		enc, dec := n.detectLegacy(s, canon, st, hint)
		canon = nil
		hint = EncodingNone // later rounds re-check the result alone
		if enc == EncodingNone {
			break
		}
		if t.Encoding == EncodingNone {
			t.Encoding = enc
		}
		t.Flags |= FlagTextLegacyEncoding
		n.repair = append(n.repair[:0], dec...)
		s = n.repair
		n.canon, st = n.appendCanonical(n.canon[:0], s)
		foldOK = false
		if round < 2 {
			// Re-check the canonical form itself.
			n.dec2 = append(n.dec2[:0], n.canon...)
			s = n.dec2
			n.tmp2, st = n.appendCanonical(n.tmp2[:0], s) // kept: it grows once
		}
	}
	// The re-check is skipped where it cannot decode anything: ASCII
	// without VIQR marks lower-cases to the same (detectLegacy settles both
	// at once), and a canonical form equal to the input was just checked
	// (a hint that failed leaves the plain detection, which failed too).
	if t.Encoding == EncodingNone && (st.suspicious() || st.composed || st.marks) &&
		(st.nonASCII || st.viqr) && string(n.canon) != string(s) {
		// Not decoded as written: the lower-case canonical form must not
		// decode either, or a second pass would change it (NFD A\u0303
		// is no Latin-1 text, its canonical ã is).
		// Its decoding is re-checked in turn, as above.
		n.dec2 = append(n.dec2[:0], n.canon...)
		var cst scanStats
		n.tmp2, cst = n.appendCanonical(n.tmp2[:0], n.dec2)
		for round := 0; cst.suspicious() && round < 3; round++ {
			enc, dec := n.detectLegacy(n.dec2, n.tmp2, cst, EncodingNone)
			if enc == EncodingNone {
				break
			}
			if t.Encoding == EncodingNone {
				t.Encoding = enc
			}
			t.Flags |= FlagTextLegacyEncoding
			n.repair = append(n.repair[:0], dec...)
			n.canon, st = n.appendCanonical(n.canon[:0], n.repair)
			foldOK = false
			n.dec2 = append(n.dec2[:0], n.canon...)
			n.tmp2, cst = n.appendCanonical(n.tmp2[:0], n.dec2)
		}
	}
	if t.Encoding == EncodingNone && !n.inSoft && bytes.Contains(n.canon, []byte(softHyphen)) {
		// Not legacy text, so its soft hyphens are invisible characters:
		// read it again without them (TCVN3's ư is the same byte).
		n.soft = append(n.soft[:0], s...)
		n.soft = bytes.ReplaceAll(n.soft, []byte(softHyphen), nil)
		n.inSoft = true
		t2 := n.text1(n.soft, hint, true)
		n.inSoft = false
		t2.Flags |= t.Flags
		return t2
	}
	t.suspicious = t.Encoding == EncodingNone && (st.suspicious() || st.composed)
	t.Canonical = n.canon
	if !foldOK {
		n.folded = AppendFold(n.folded[:0], n.canon)
	}
	t.Folded = n.folded
	return t
}

// TextString is a convenience for tests and tools: it normalizes s with a
// fresh Normalizer and returns copies.
func TextString(s string) (canonical, folded string, enc Encoding) {
	t := New(Options{}).Text([]byte(s))
	return string(t.Canonical), string(t.Folded), t.Encoding
}

// appendRepairUTF8 appends s with every byte that is not part of a valid
// UTF-8 sequence replaced by its Windows-1252 rune, so that raw legacy
// bytes become the same mojibake that legacy detection already handles.
func appendRepairUTF8(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size <= 1 {
			dst = utf8.AppendRune(dst, cp1252[s[i]])
			i++
			continue
		}
		dst = append(dst, s[i:i+size]...)
		i += size
	}
	return dst
}

// scanStats says what appendCanonical saw, for legacy detection.
type scanStats struct {
	vowelWords   int // words with at least one vowel
	invalidWords int // of which not a valid Vietnamese syllable
	// Words with a modifier or tone (what a legacy decoding produces): the
	// plain-letter words read the same in every decoding, so only these
	// weigh in choosing one.
	markedWords, invalidMarked int
	foreign                    bool // a letter or Latin-1 symbol that Vietnamese text does not use
	viqr                       bool // ASCII marks that VIQR uses follow a vowel
	nonASCII                   bool
	nonLatin1                  bool // a rune Windows-1252 cannot encode
	composed                   bool // non-Vietnamese combining marks went through NFC
	marks                      bool // combining marks joined their letters (NFD input)
}

// suspicious reports whether the text may be legacy-encoded: something in
// it is not plain Vietnamese.
func (st scanStats) suspicious() bool {
	return st.foreign || st.invalidWords > 0 || st.viqr || st.nonASCII && !st.nonLatin1
}

// plausible reports whether a decoding candidate reads as Vietnamese: it
// has syllables, all of them valid, and no foreign letters.
func (st scanStats) plausible() bool {
	return !st.foreign && st.invalidWords == 0 && st.vowelWords > 0
}

// appendCanonicalRef appends the canonical form of valid UTF-8 s (see Text)
// and reports what it saw. It is the reference implementation: the
// straightforward scan that appendCanonical (text_fast.go) must match byte
// for byte, kept for the tests and for Normalizer.refScan.
func (n *Normalizer) appendCanonicalRef(dst, s []byte) ([]byte, scanStats) {
	var st scanStats
	start := len(dst)
	word := n.word[:0]
	space := false // a space is pending
	needNFC := false
	for i := 0; i < len(s); {
		c := s[i]
		var r rune
		size := 1
		if c < utf8.RuneSelf {
			r = rune(c)
		} else {
			st.nonASCII = true
			r, size = utf8.DecodeRune(s[i:])
		}
		i += size
		if r >= 0x100 && !isCP1252Rune(r) {
			st.nonLatin1 = true
		}
		if r < foldLimit {
			if l := letterTab[r]; l.base != 0 {
				if len(word) == 0 && space {
					if len(dst) > start {
						dst = append(dst, ' ')
					}
					space = false
				}
				word = append(word, l)
				continue
			}
			if r >= 0x300 && r < 0x370 && len(word) > 0 {
				// A combining mark (NFD input) modifies the letter before it.
				last := &word[len(word)-1]
				if m := markMod[r-0x300]; m != 0 && last.mod == 0 && vnModFits(last.base, m) {
					last.mod = m
					st.marks = true
					continue
				}
				if t := markTone[r-0x300]; t != 0 && last.tone == 0 && vnIsVowel(last.base) {
					last.tone = t
					st.marks = true
					continue
				}
			}
		}
		// Not a Vietnamese letter: the word ends here.
		if len(word) > 0 {
			dst = appendWord(dst, word, &st)
			word = word[:0]
		}
		if r < utf8.RuneSelf {
			if c == '\'' || c == '`' || c == '^' || c == '~' || c == '?' || c == '(' || c == '+' || c == '.' {
				if i >= 2 && vnIsVowel(asciiLower(s[i-2])) {
					st.viqr = true
				}
			}
			if c <= ' ' || c == 0x7f {
				space = true
				continue
			}
		} else {
			if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError || r == 0xFEFF || r == 0x200B {
				space = true
				continue
			}
			if r < 0x100 || unicode.IsLetter(r) || isCP1252Special(r) {
				// Latin-1 symbols (¸ ª µ ¨ …), letters Vietnamese lacks
				// (Ô is one, Þ ñ å are not) and the CP1252 extras are
				// what legacy bytes look like when read as CP1252.
				st.foreign = true
			}
			// Marks, and the runes NFC replaces alone (CJK compatibility
			// ideographs, Ω for the ohm sign).
			if unicode.Is(unicode.Mn, r) || r >= 0x300 && norm.NFC.QuickSpan(s[i-size:i]) < size {
				needNFC = true
			}
		}
		if space {
			if len(dst) > start {
				dst = append(dst, ' ')
			}
			space = false
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	if len(word) > 0 {
		dst = appendWord(dst, word, &st)
	}
	n.word = word[:0]
	if needNFC {
		n.nfc = norm.NFC.Append(n.nfc[:0], dst[start:]...)
		if !n.inNFC {
			// Composing can join what the scan split (A and U+0308 are
			// Ä, no Vietnamese letter, which ends the word before it):
			// scan the composed text once more, for a fixed point.
			n.inNFC = true
			n.nfc2 = append(n.nfc2[:0], n.nfc...)
			dst, st = n.appendCanonicalRef(dst[:start], n.nfc2)
			n.inNFC = false
		} else {
			dst = append(dst[:start], n.nfc...)
		}
		st.composed = true
	}
	return dst, st
}

// upperOf upper-cases a rune (Vietnamese letters have simple case pairs).
func upperOf(r rune) rune { return unicode.ToUpper(r) }

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// isCP1252Rune reports whether Windows-1252 can encode r. The range test
// keeps the map lookup off the Vietnamese letters.
func isCP1252Rune(r rune) bool {
	if r < 0x100 {
		return true
	}
	if r < 0x152 || r > 0x2122 || r > 0x192 && r < 0x2C6 || r > 0x2DC && r < 0x2013 {
		return false
	}
	_, ok := cp1252Byte[r]
	return ok
}

// isCP1252Special reports whether r is one of the letters or modifier
// marks that Windows-1252 puts at 0x80..0x9F.
func isCP1252Special(r rune) bool {
	switch r {
	case 'ƒ', 'ˆ', 'Š', 'Œ', 'Ž', '˜', 'š', 'œ', 'ž', 'Ÿ':
		return true
	}
	return false
}

// appendWord appends the lower-case letters of one word with its tone
// moved to the canonical vowel, and records its validity in st.
func appendWord(dst []byte, w []vnLetter, st *scanStats) []byte {
	tone, toned, vowels, marked := uint8(0), 0, false, false
	for _, l := range w {
		if l.tone != 0 {
			tone = l.tone
			toned++
		}
		if l.mod != 0 {
			marked = true
		}
		if vnIsVowel(l.base) {
			vowels = true
		}
	}
	if vowels {
		st.vowelWords++
	}
	marked = marked || toned > 0
	if marked {
		st.markedWords++
	}
	pos, valid := vnSyllable(w, tone)
	if vowels && (!valid || toned > 1) {
		st.invalidWords++
		if marked {
			st.invalidMarked++
		}
	}
	// Only a valid syllable has its tone moved: José and Renée keep theirs.
	if toned == 1 && pos >= 0 && valid {
		for i, l := range w {
			t := uint8(0)
			if i == pos {
				t = tone
			}
			dst = appendLetter(dst, l.base, l.mod, t)
		}
		return dst
	}
	for _, l := range w {
		dst = appendLetter(dst, l.base, l.mod, l.tone)
	}
	return dst
}

func appendLetter(dst []byte, base, mod, tone uint8) []byte {
	if mod == 0 && tone == 0 {
		return append(dst, base)
	}
	return utf8.AppendRune(dst, composeTab[base-'a'][mod][tone])
}

// vowelCode names a vowel with its modifier in one byte, for the nucleus
// table: a ă(1) â(2) e ê(3) i o ô(4) ơ(5) u ư(6) y.
func vowelCode(l vnLetter) byte {
	switch l.mod {
	case vmBreve:
		return '1'
	case vmCirc:
		switch l.base {
		case 'a':
			return '2'
		case 'e':
			return '3'
		}
		return '4'
	case vmHorn:
		if l.base == 'o' {
			return '5'
		}
		return '6'
	}
	return l.base
}

// Nucleus properties, in nucleusTab by nucleusIndex.
const (
	nucValid   = 1 << iota // a vowel group of Vietnamese
	nucClosed              // may take a final consonant
	nucOpenBad             // needs a final consonant
)

// vowelIndex numbers the vowel codes 1..12 (0 = none).
var vowelIndex = func() (t [256]uint8) {
	for i, c := range []byte("a12e3io456uy") {
		t[c] = uint8(i + 1)
	}
	return t
}()

// nucleusTab gives the properties of a nucleus of up to 3 vowel codes.
var nucleusTab = func() *[13 * 13 * 13]uint8 {
	var t [13 * 13 * 13]uint8
	for s := range nuclei {
		t[nucleusIndex([]byte(s))] |= nucValid
	}
	for s := range closedNuclei {
		t[nucleusIndex([]byte(s))] |= nucClosed
	}
	for s := range openInvalid {
		t[nucleusIndex([]byte(s))] |= nucOpenBad
	}
	return &t
}()

func nucleusIndex(code []byte) int {
	i := 0
	for _, c := range code {
		i = i*13 + int(vowelIndex[c])
	}
	return i
}

// nuclei are the vowel groups of Vietnamese syllables (in vowelCode).
var nuclei = func() map[string]bool {
	m := map[string]bool{}
	for _, s := range []string{
		"a", "1", "2", "e", "3", "i", "o", "4", "5", "u", "6", "y",
		"ai", "ao", "au", "ay", "2u", "2y", "eo", "3u", "ia", "i3", "iu", "oa", "o1", "oe",
		"oi", "4i", "5i", "oo", "ua", "u2", "u3", "ui", "u4", "u5", "uy", "6a", "6i", "65", "6u", "y3", "ya",
		"i3u", "y3u", "oai", "oao", "oay", "oeo", "u2y", "u4i", "uya", "uy3", "uyu", "65i", "65u",
	} {
		m[s] = true
	}
	return m
}()

// closedNuclei are the nuclei that may take a final consonant: the others
// end in a glide (ai, ao, êu, ươi …) or are the open ia, ua, ưa, and a lone
// y never takes one (yên is spelt with yê).
var closedNuclei = map[string]bool{
	"a": true, "1": true, "2": true, "e": true, "3": true, "i": true, "o": true, "4": true, "5": true,
	"u": true, "6": true, "i3": true, "y3": true, "u4": true, "65": true, "oa": true, "o1": true,
	"oe": true, "u2": true, "u3": true, "uy": true, "uy3": true, "oo": true,
}

// openInvalid are the nuclei that need a final consonant (tiên, muốn,
// người, xoăn, tuân, chuyên).
var openInvalid = map[string]bool{
	"i3": true, "y3": true, "u4": true, "65": true, "o1": true, "u2": true, "uy3": true, "1": true, "2": true, "oo": true,
}

// validOnset reports whether onset (lower-case ASCII, đ handled by the
// caller) is in onsets, without a map lookup for the common ones.
func validOnset(o []byte) bool {
	switch len(o) {
	case 0:
		return true
	case 1:
		switch o[0] {
		case 'b', 'c', 'd', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'x':
			return true
		}
		return false
	}
	return onsets[string(o)]
}

// onsets are the initial consonant clusters ("gi" and "qu" are handled in
// syllable).
var onsets = func() map[string]bool {
	m := map[string]bool{"": true}
	for _, s := range []string{"b", "c", "ch", "d", "đ", "g", "gh", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
		"nh", "p", "ph", "r", "s", "t", "th", "tr", "v", "x"} {
		m[s] = true
	}
	return m
}()

// syllable finds where the tone of word w goes under the modern rule and
// whether w is a valid Vietnamese syllable. pos is -1 when w has no vowel
// or is not a single syllable (the tone is then left where it was).
//
// The rule: skip the onset (with the u of "qu" and the i of "gi" before
// another vowel); in the vowel nucleus, a vowel with a modifier (â ê ô ơ ư
// ă) takes the tone, the last one for ươ; otherwise with a final consonant
// the last vowel (hoàng, toán); otherwise the middle one of three (khoái,
// khuỷu) and the first of one or two: hòa, khỏe, thủy as well as mái, của.
// This is the placement of the reference name lists (Hòa, Thủy, Thúy); the
// other style (hoà, khoẻ, thuỷ) compares equal after normalization.
func vnSyllable(w []vnLetter, tone uint8) (pos int, valid bool) {
	v0 := 0
	for v0 < len(w) && !vnIsVowel(w[v0].base) {
		v0++
	}
	if v0 == len(w) {
		return -1, false
	}
	var on [4]byte
	if v0 > len(on) {
		return -1, false
	}
	for i := 0; i < v0; i++ {
		if w[i].mod == vmStroke {
			on[i] = 0xFF // đ, checked below
		} else {
			on[i] = w[i].base
		}
	}
	onset := on[:v0]
	next := func(i int) bool { return i+1 < len(w) && vnIsVowel(w[i+1].base) }
	qu := false
	switch {
	case v0 == 1 && w[0].base == 'q' && w[v0].base == 'u' && w[v0].mod == 0 && next(v0):
		v0++
		onset = nil
		qu = true
	case v0 == 1 && w[0].base == 'g' && w[0].mod == 0 && w[v0].base == 'i' && w[v0].mod == 0 && next(v0):
		v0++
		onset = nil
	}
	v1 := v0
	for v1 < len(w) && vnIsVowel(w[v1].base) {
		v1++
	}
	k := v1 - v0
	// Validity: onset, nucleus, final.
	valid = true
	if len(onset) == 1 && onset[0] == 0xFF {
		onset = nil
	} else if !validOnset(onset) {
		valid = false
	}
	if k > 3 {
		return -1, false
	}
	var code [3]byte
	for i := 0; i < k; i++ {
		code[i] = vowelCode(w[v0+i])
	}
	nuc := nucleusTab[nucleusIndex(code[:k])]
	if qu && k == 1 && code[0] == 'y' {
		nuc |= nucClosed // the uy of quỳnh, quýt: u is written in the onset
	}
	if nuc&nucValid == 0 {
		valid = false
	}
	final := w[v1:]
	if len(final) > 0 && nuc&nucClosed == 0 || len(final) == 0 && nuc&nucOpenBad != 0 {
		valid = false
	}
	switch len(final) {
	case 0:
	case 1:
		switch final[0].base {
		case 'c', 'm', 'n', 'p', 't':
		default:
			valid = false
		}
	case 2:
		f0, f1 := final[0].base, final[1].base
		if !(f1 == 'h' && (f0 == 'c' || f0 == 'n') || f0 == 'n' && f1 == 'g') {
			valid = false
		}
	default:
		valid = false
	}
	for _, l := range final {
		if l.tone != 0 || l.mod != 0 {
			valid = false
		}
	}
	for i := 0; i < v0; i++ {
		if w[i].tone != 0 && !(i == v0-1 && onset == nil) {
			valid = false
		}
	}
	if len(final) > 0 {
		switch final[len(final)-1].base {
		case 'c', 'p', 't', 'h':
			if !(final[len(final)-1].base == 'h' && final[0].base == 'n') &&
				tone != vtNone && tone != vtAcute && tone != vtDot {
				valid = false
			}
		}
	}
	// Placement.
	pos = -1
	for i := v1 - 1; i >= v0; i-- {
		if w[i].mod != 0 {
			pos = i
			break
		}
	}
	if pos >= 0 {
		return pos, valid
	}
	if len(final) > 0 {
		return v1 - 1, valid
	}
	if k == 3 {
		return v0 + 1, valid
	}
	return v0, valid
}
