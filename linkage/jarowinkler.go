package linkage

import (
	"encoding/binary"
	"math/bits"
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
	if len(a) <= 64 && len(b) <= 64 {
		// jaroBits finds the common prefix anyway (and returns 1 for equal
		// strings, which the boost leaves at 1).
		j, p := jaroBits(a, b)
		return winkler(j, min(p, winklerMaxPrefix))
	}
	if len(a) == len(b) && string(a) == string(b) {
		return 1
	}
	return winkler(jaroLoop(a, b), commonPrefix(a, b))
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
// common prefix. For every byte value
// present in b it needs the bitmap of its positions; a [256]uint64 table
// would cost 2 KiB of zeroing per call, so the table is split by the low 5
// and high 3 bits of the byte: positions equal to c are lo[c&31] & hi[c>>5],
// exactly, for 320 bytes of zeroing. Each byte of a then takes the lowest
// unmatched candidate inside its window, which is the greedy choice the
// textbook loop makes.
//
// The common prefix is settled first, eight bytes at a time: by induction
// each of its bytes a[i] finds every b[j<i] already taken and b[i] equal, so
// it matches b[i] and adds no transposition; only b's prefix bits need
// setting. Near duplicates, the pairs that matter, share long prefixes. The
// match loop is branch-free (a mispredicted "matched?" branch per byte cost
// more than the arithmetic) and keeps few live variables, so that nothing
// spills to the stack inside it. Transpositions are counted eight bytes at
// a time: the matched bytes of a and of b past the prefix, each in string
// order, are gathered into ma and mb (every byte is stored, and the index
// advances only on a match) and compared by words.
func jaroBits(a, b []byte) (float64, int) {
	la, lb := len(a), len(b)
	p, n := 0, min(la, lb)
	for p+8 <= n {
		x := binary.LittleEndian.Uint64(a[p:]) ^ binary.LittleEndian.Uint64(b[p:])
		if x != 0 {
			p += bits.TrailingZeros64(x) >> 3
			n = p // the first difference is found
			break
		}
		p += 8
	}
	for p < n && a[p] == b[p] {
		p++
	}
	if p == la && p == lb {
		return 1, p
	}
	// Only b[p:] goes in the tables: b[:p] is matched by the prefix.
	var lo [32]uint64
	var hi [8]uint64
	bit := uint64(1) << (uint(p) & 63)
	for _, c := range b[p:] {
		lo[c&31] |= bit
		hi[c>>5] |= bit
		bit <<= 1
	}
	r := jaroWindow(la, lb)
	// matchedB starts with the prefix taken. Shift counts are masked to 63
	// (all are below 64 here) so the compiler drops its shift-by-64
	// fix-ups, and per-byte shifts are by the constant 1.
	matchedB := uint64(1)<<(uint(p)&63) - 1
	// win is the window [i-r, i+r] for the current i; bits at or past lb
	// never match since b's bitmaps have none there. It grows by one bit
	// per step while i < r (g = r - i > 0), then slides.
	win := ^uint64(0)
	if h := p + r + 1; h < 64 {
		win = uint64(1)<<uint(h) - 1
	}
	win &^= uint64(1)<<(uint(max(p-r, 0))&63) - 1
	var ma, mb [72]byte
	k := 0
	g := r - p
	for _, c := range a[p:] {
		cand := lo[c&31] & hi[c>>5] & win &^ matchedB
		low := cand & -cand
		matchedB |= low
		ma[k&63] = c
		k += b2i(low != 0)
		win = win<<1 | uint64(uint(-g)>>63)
		g--
	}
	common := k + p
	if common == 0 {
		return 0, p
	}
	if k == 0 {
		return jaroFormula(common, 0, la, lb), p
	}
	m := 0
	for j := p; j < lb; j++ {
		mb[m&63] = b[j]
		m += int(matchedB>>(uint(j)&63)) & 1
	}
	half := 0
	for w := 0; w < k; w += 8 {
		x := binary.LittleEndian.Uint64(ma[w:]) ^ binary.LittleEndian.Uint64(mb[w:])
		if rest := k - w; rest < 8 {
			x &= uint64(1)<<(uint(rest)*8) - 1
		}
		// High bit of each byte set iff the byte is non-zero.
		x = ((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f | x) & 0x8080808080808080
		half += bits.OnesCount64(x)
	}
	return jaroFormula(common, half/2, la, lb), p
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
