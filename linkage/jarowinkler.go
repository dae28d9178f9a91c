package linkage

import (
	"encoding/binary"
	"math/bits"
	"strings"
	"unicode/utf8"
)

// Winkler's prefix boost: scale 0.1, at most 4 characters, applied only when
// the Jaro similarity exceeds 0.7 (Winkler 1990).
const (
	winklerScale     = 0.1
	winklerMaxPrefix = 4
	winklerThreshold = 0.7
)

// JaroWinkler returns the Jaro-Winkler similarity of a and b compared byte
// by byte (meant for folded ASCII forms), in [0, 1]: 0 when either is empty
// or nothing matches, 1 when they are equal. The prefix boost counts digits
// like letters (matchr and strcmp95 stop the prefix at a digit; for
// identifiers a shared leading digit is evidence too).
//
// Strings of at most 64 bytes take a bit-parallel path with no allocation;
// longer ones take the textbook loop (allocating only past 256 bytes).
// Matching is greedy from a into b, as in matchr, so the result equals
// matchr.JaroWinkler(a, b, false) whenever the common prefix has no digit.
func JaroWinkler(a, b []byte) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	la, lb := len(a), len(b)
	if la > 64 || lb > 64 {
		if la == lb && string(a) == string(b) {
			return 1
		}
		return winkler(jaroLoop(a, b), commonPrefix(a, b))
	}
	// This is jaroBits written out: one call less per pair was worth 3 ns
	// of the 50.
	// commonPrefixBits written out: it is over the inlining budget.
	// min(la, lb) compiled to a branch, mispredicted in 43% of the
	// benchmark pairs (which of two names is longer is a coin toss); this
	// form has none.
	d := la - lb
	p, n := 0, lb+d&(d>>63)
	for p+8 <= n {
		x := binary.LittleEndian.Uint64(a[p:]) ^ binary.LittleEndian.Uint64(b[p:])
		if x != 0 {
			p += bits.TrailingZeros64(x) >> 3
			goto found
		}
		p += 8
	}
	if n >= 8 {
		x := binary.LittleEndian.Uint64(a[n-8:]) ^ binary.LittleEndian.Uint64(b[n-8:])
		p = n - 8 + bits.TrailingZeros64(x)>>3
	} else {
		for p < n && a[p] == b[p] {
			p++
		}
	}
found:
	if p == la && p == lb {
		return 1
	}
	if p == la || p == lb {
		return winkler(jaroQuot(p, 0, la, lb), min(p, winklerMaxPrefix))
	}
	r := jaroWindow(la, lb)
	common, half, ok := jaroClasses(a, b, uint(p), r)
	if !ok {
		common, half = jaroSplit(a[p:], b[p:], r)
	}
	return winkler(jaroQuot(p+common, half/2, la, lb), min(p, winklerMaxPrefix))
}

// commonPrefixBits returns the length of the common prefix of a and b,
// comparing eight bytes at a time.
func commonPrefixBits(a, b []byte) int {
	p, n := 0, min(len(a), len(b))
	for p+8 <= n {
		x := binary.LittleEndian.Uint64(a[p:]) ^ binary.LittleEndian.Uint64(b[p:])
		if x != 0 {
			return p + bits.TrailingZeros64(x)>>3
		}
		p += 8
	}
	if n >= 8 {
		// The last eight bytes, overlapping those compared: the first
		// difference among them is at or past p, and none means n
		// (TrailingZeros64(0) is 64). No byte loop to mispredict.
		x := binary.LittleEndian.Uint64(a[n-8:]) ^ binary.LittleEndian.Uint64(b[n-8:])
		return n - 8 + bits.TrailingZeros64(x)>>3
	}
	for p < n && a[p] == b[p] {
		p++
	}
	return p
}

// Jaro returns the Jaro similarity of a and b compared byte by byte.
func Jaro(a, b []byte) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) <= 64 && len(b) <= 64 {
		j, _ := jaroBits(a, b)
		return j
	}
	return jaroLoop(a, b)
}

// JaroWinklerRunes is [JaroWinkler] over code points, for accented forms.
func JaroWinklerRunes(a, b []rune) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	return winkler(jaroLoop(a, b), commonPrefix(a, b))
}

// RuneScratch decodes UTF-8 into reusable rune buffers so that
// [RuneScratch.JaroWinkler] does not allocate once the buffers have grown.
// One per worker; not safe for concurrent use.
type RuneScratch struct {
	a, b []rune
}

// JaroWinkler returns the Jaro-Winkler similarity of the UTF-8 strings a and
// b compared by code point. Invalid bytes decode as U+FFFD.
func (s *RuneScratch) JaroWinkler(a, b []byte) float64 {
	s.a = appendRunes(s.a[:0], a)
	s.b = appendRunes(s.b[:0], b)
	return JaroWinklerRunes(s.a, s.b)
}

func appendRunes(dst []rune, s []byte) []rune {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			dst = append(dst, rune(c))
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		dst = append(dst, r)
		i += n
	}
	return dst
}

func winkler(j float64, prefix int) float64 {
	if j > winklerThreshold && prefix > 0 {
		// Same expression order as matchr so that results agree to the bit.
		j += float64(prefix) * winklerScale * (1.0 - j)
	}
	return j
}

func commonPrefix[T byte | rune](a, b []T) int {
	n := min(len(a), len(b), winklerMaxPrefix)
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// jaroWindow is the match distance: half the longer length, less one.
func jaroWindow(la, lb int) int {
	return max(max(la, lb)/2-1, 0)
}

// jaroBits is Jaro for len(a), len(b) in [1, 64], with the length of the
// common prefix. It is bit-parallel: for every byte of b a bitmap of its
// positions, and each byte of a takes the lowest unmatched position of its
// byte inside its window, which is the greedy choice the textbook loop
// makes.
//
// The common prefix is settled first, eight bytes at a time: by induction
// each of its bytes a[i] finds every b[j<i] already taken and b[i] equal, so
// it matches b[i] and adds no transposition. What remains is matching
// a[p:] into b[p:] with the same window r, in positions relative to p.
// Near duplicates, the pairs that matter, share long prefixes.
//
// The loops are in small functions kept out of line: inlined here, with
// a, b and p live across them, they spilled registers on every byte, which
// cost more than the calls.
func jaroBits(a, b []byte) (float64, int) {
	la, lb := len(a), len(b)
	p := commonPrefixBits(a, b)
	if p == la && p == lb {
		return 1, p
	}
	if p == la || p == lb {
		return jaroQuot(p, 0, la, lb), p
	}
	r := jaroWindow(la, lb)
	common, half, ok := jaroClasses(a, b, uint(p), r)
	if !ok {
		common, half = jaroSplit(a[p:], b[p:], r)
	}
	return jaroQuot(p+common, half/2, la, lb), p
}

// rareClass marks the bytes that byteClass does not tell apart.
const rareClass = 0

// byteClass gives classes 1 to 31 to the bytes of folded names: the
// lower-case letters, space and .-', (32 bitmaps zero in 256 bytes; 64 for
// digits too cost 3 ns more per pair). Every other byte is rareClass and
// sends a pair whose b holds one to jaroSplit, which is exact for all
// bytes.
var byteClass = func() (t [256]uint8) {
	k := uint8(1)
	for c := byte(' '); c <= '~'; c++ {
		if !('a' <= c && c <= 'z' || strings.IndexByte(" .-',", c) >= 0) {
			continue
		}
		t[c] = k
		k++
	}
	if k != 32 {
		panic("linkage: byteClass needs 31 classes")
	}
	return t
}()

// jaroClasses matches each byte of a[p:] to the lowest unmatched position
// of b[p:] holding the same byte inside the window [i-r, i+r], and returns
// the number of matches and of half-transpositions past the common prefix
// p; ok is false (and nothing computed) when b[p:] holds a rareClass byte
// or len(b)-p+r > 64. p < len(a), len(b) <= 64.
//
// For every byte class of b it sets the bitmap of its positions: one per
// class costs 256 bytes of zeroing, where one per byte value would cost
// 2 KiB (stores are what this kernel is short of). A rareClass byte of a
// needs no care: b has none, so that bitmap is empty and the byte finds no
// match. Position p+j of b is bit j+r, so that the window of a[p+i] is
// bits [i, i+2r], a mask that only shifts: no clipping at 0, and one loop over
// a where there were two (a loop exit is a likely misprediction). It is
// kept out of line so that its loops have the registers to themselves:
// inlined into JaroWinkler they spilled on every byte.
//
//go:noinline
func jaroClasses(a, b []byte, p uint, r int) (common, half int, ok bool) {
	if len(b)-int(p)+r > 64 {
		return 0, 0, false
	}
	var pos [32]uint64
	bit := uint64(1) << (uint(r) & 63)
	// Unsigned indices from p: the loop condition proves them in range,
	// where b[p:] would cost a bounds check and a pointer mask. Two bytes
	// a turn, and then the last byte once more: setting its bit twice is
	// harmless, and there is no odd tail to branch on.
	bb := b[:len(b)-1]
	for j := p; j < uint(len(bb)); j += 2 {
		pos[byteClass[bb[j]]&31] |= bit
		pos[byteClass[b[j+1]]&31] |= bit << 1
		bit <<= 2
	}
	last := uint(len(b)) - 1
	pos[byteClass[b[last]]&31] |= 1 << ((last - p + uint(r)) & 63)
	if pos[rareClass] != 0 {
		return 0, 0, false
	}
	// r <= 31 as len(a), len(b) <= 64, so the shift is below 64. avail
	// holds the positions of b not yet matched.
	win := uint64(1)<<(uint(2*r+1)&63) - 1
	avail := ^uint64(0)
	// matched gets a's "found a partner" flags shifted in from the bottom.
	// 0 - cand borrows exactly when cand != 0: the borrow is the flag,
	// added in by an add-with-carry straight from the subtraction (three
	// instructions; the flag by compare and shift took six). The loop is
	// branch-free: a mispredicted "matched?" branch per byte cost more
	// than the arithmetic. Unrolling it by two cost more than it saved
	// (a bounds check per pair and a register spilled).
	var matched uint64
	for i := p; i < uint(len(a)); i++ {
		cand := pos[byteClass[a[i]]&31] & win & avail
		neg, found := bits.Sub64(0, cand, 0)
		matched, _ = bits.Add64(matched, matched, found)
		avail ^= cand & neg
		win <<= 1
	}
	// The flags and b's matched positions, made absolute: the flag of a[i]
	// is at bit len(a)-1-i, so at bit 64-len(a)+i once reversed, and the
	// bits for the prefix are zero.
	common, half = jaroTranspositions(a, b, bits.Reverse64(matched)>>((64-uint(len(a)))&63), ^avail>>(uint(r)&63)<<(p&63))
	return common, half, true
}

// jaroTranspositions returns the number of matches and of
// half-transpositions, given the matched positions of a and b: the k-th
// matched byte of a against the k-th matched byte of b, walking both bit
// sets upwards.
func jaroTranspositions(a, b []byte, ma, mb uint64) (common, half int) {
	common = bits.OnesCount64(ma)
	for ; ma != 0; ma &= ma - 1 {
		// mb has as many bits as ma, so it is not zero here; the top bit
		// tells the compiler, which then drops its zero fix-up.
		half += b2i(a[bits.TrailingZeros64(ma)] != b[bits.TrailingZeros64(mb|1<<63)])
		mb &= mb - 1
	}
	return common, half
}

// jaroSplit is jaroClasses for any bytes: the bitmaps are split by the low
// 5 and high 3 bits of the byte, so that the positions equal to c are
// lo[c&31] & hi[c>>5], exactly, for 320 bytes of zeroing.
//
//go:noinline
func jaroSplit(a, b []byte, r int) (common, half int) {
	var lo [32]uint64
	var hi [8]uint64
	bit := uint64(1)
	for _, c := range b {
		lo[c&31] |= bit
		hi[c>>5] |= bit
		bit <<= 1
	}
	win := ^uint64(0)
	if r < 63 {
		win = uint64(1)<<(uint(r+1)&63) - 1
	}
	avail := ^uint64(0)
	var matched uint64
	for i, c := range a {
		cand := lo[c&31] & hi[c>>5] & win & avail
		avail ^= cand & -cand
		matched = matched>>1 | uint64(b2i(cand != 0))<<63
		win = win<<1 | uint64(b2i(i < r))
	}
	return jaroTranspositions(a, b, matched>>(uint(64-len(a))&63), ^avail)
}

// quotients[d][n] is float64(n)/float64(d) for d, n <= 64: the three
// divisions of the Jaro formula become loads giving the same float64, as
// IEEE division is correctly rounded.
var quotients = func() (q [65][65]float64) {
	for d := 1; d <= 64; d++ {
		for n := 0; n <= 64; n++ {
			q[d][n] = float64(n) / float64(d)
		}
	}
	return q
}()

// jaroQuot is jaroFormula for la, lb <= 64 (and so common <= 64), with the
// quotients from the table and the same order of additions.
func jaroQuot(common, trans, la, lb int) float64 {
	return (quotients[la&127][common&127] + quotients[lb&127][common&127] + quotients[common&127][(common-trans)&127]) / 3.0
}

func jaroFormula(common, trans, la, lb int) float64 {
	m := float64(common)
	return (m/float64(la) + m/float64(lb) + float64(common-trans)/m) / 3.0
}

// jaroLoop is the textbook Jaro (greedy from a into b) for any length.
func jaroLoop[T byte | rune](a, b []T) float64 {
	la, lb := len(a), len(b)
	if la == 0 || lb == 0 {
		return 0
	}
	var bufA, bufB [256]bool
	var fa, fb []bool
	if la <= len(bufA) && lb <= len(bufB) {
		fa, fb = bufA[:la], bufB[:lb]
	} else {
		fa, fb = make([]bool, la), make([]bool, lb)
	}
	r := jaroWindow(la, lb)
	common := 0
	for i := range a {
		start := max(i-r, 0)
		end := min(i+r, lb-1)
		for j := start; j <= end; j++ {
			if !fb[j] && b[j] == a[i] {
				fb[j], fa[i] = true, true
				common++
				break
			}
		}
	}
	if common == 0 {
		return 0
	}
	half, k := 0, 0
	for i := range a {
		if !fa[i] {
			continue
		}
		for !fb[k] {
			k++
		}
		if a[i] != b[k] {
			half++
		}
		k++
	}
	return jaroFormula(common, half/2, la, lb)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
