package linkage

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// This file keeps CompareName and CompareDate (with their helpers) as they
// were at commit 4990691, as the reference that the faster versions must
// equal, level and similarity, on every pair.

type nameScratchRef struct {
	ta, tb tokensRef
}

// nameSeparatorRef marks the bytes that separate name tokens.
var nameSeparatorRef = [256]bool{' ': true, '.': true, '-': true}

type tokensRef struct {
	n    int
	sum  int // sum of the token bytes: equal token multisets have equal sums
	span [maxTokens][2]uint16
}

// split records the spans of the space-separated tokensRef of s (dots and
// hyphens also separate, for "v." initials). ok is false when s has more
// than maxTokens tokensRef or is longer than 65535 bytes.
func (t *tokensRef) split(s []byte) (ok bool) {
	t.n, t.sum = 0, 0
	if len(s) > 0xFFFF {
		return false
	}
	// A table lookup per byte and no per-byte switch: this loop was 18% of
	// a comparison vector's time.
	sum, n, start := 0, 0, 0
	for i, c := range s {
		if !nameSeparatorRef[c] {
			sum += int(c)
			continue
		}
		if i > start {
			if n == maxTokens {
				return false
			}
			t.span[n] = [2]uint16{uint16(start), uint16(i)}
			n++
		}
		start = i + 1
	}
	if len(s) > start {
		if n == maxTokens {
			return false
		}
		t.span[n] = [2]uint16{uint16(start), uint16(len(s))}
		n++
	}
	t.n, t.sum = n, sum
	return true
}

func (t *tokensRef) get(s []byte, k int) []byte { return s[t.span[k][0]:t.span[k][1]] }

// sort orders the token spans by their bytes (insertion sort: names have a
// handful of tokensRef).
func (t *tokensRef) sort(s []byte) {
	for i := 1; i < t.n; i++ {
		for j := i; j > 0 && bytes.Compare(t.get(s, j-1), t.get(s, j)) > 0; j-- {
			t.span[j-1], t.span[j] = t.span[j], t.span[j-1]
		}
	}
}

func compareNameRef(s *nameScratchRef, a, b NameForms, bands []float64) (int8, float32) {
	if len(a.Folded) == 0 || len(b.Folded) == 0 {
		return Null, 0
	}
	n := int8(len(bands))
	if len(a.Canonical) > 0 && bytes.Equal(a.Canonical, b.Canonical) {
		return n + nameCanonical, 1
	}
	if bytes.Equal(a.Folded, b.Folded) {
		return n + nameFolded, 1
	}
	jw := jaroWinklerRef(a.Folded, b.Folded)
	if len(a.Key) > 0 && bytes.Equal(a.Key, b.Key) {
		return n + nameVariant, float32(jw)
	}
	if s.ta.split(a.Folded) && s.tb.split(b.Folded) && s.ta.n > 0 && s.tb.n > 0 {
		if sameTokenSetRef(s, a.Folded, b.Folded) {
			return n + nameTokenSet, float32(jw)
		}
		if middleCompatibleRef(&s.ta, &s.tb, a.Folded, b.Folded) {
			return n + nameMiddle, float32(jw)
		}
		// One typo: the same tokensRef but one, and that one a single edit
		// away ("pyam"/"pham", "li"/"ly"). Jaro-Winkler undervalues a typo
		// near the start of a name, so it gets the top band directly.
		if n > 0 && oneTokenTypoRef(&s.ta, &s.tb, a.Folded, b.Folded) {
			return n, float32(jw)
		}
		// The bands take the weaker of the full-name and the given-name
		// similarity: Vietnamese names share a few family and middle names
		// ("nguyen thi "), which lift the full-name score of two different
		// people above 0.8, while the given name is what tells them apart.
		// A typo in a short given name ("anh"/"ahn") is one edit and keeps
		// the full-name score; Jaro-Winkler alone is harsh on short strings.
		if s.ta.n >= 2 && s.tb.n >= 2 {
			ga, gb := s.ta.get(a.Folded, s.ta.n-1), s.tb.get(b.Folded, s.tb.n-1)
			if !withinOneEdit(ga, gb) {
				if g := jaroWinklerRef(ga, gb); g < jw {
					jw = g
				}
			}
		}
	}
	return bandLevel(jw, bands), float32(jw)
}

// sameTokenSetRef reports whether the two token lists are equal as multisets.
// It sorts the spans, so it runs after anything that needs token order.
func sameTokenSetRef(s *nameScratchRef, a, b []byte) bool {
	if s.ta.n != s.tb.n || s.ta.sum != s.tb.sum {
		return false // cheap rejection of most pairs before sorting
	}
	// Copy the spans: middleCompatibleRef needs the original order after us.
	sa, sb := s.ta, s.tb
	sa.sort(a)
	sb.sort(b)
	for k := 0; k < sa.n; k++ {
		if !bytes.Equal(sa.get(a, k), sb.get(b, k)) {
			return false
		}
	}
	return true
}

func middleCompatibleRef(ta, tb *tokensRef, a, b []byte) bool {
	if ta.n < 2 || tb.n < 2 {
		return false
	}
	// The family names agree; the given names agree or differ by a typo
	// (a dropped middle name and a typo often come together).
	if !bytes.Equal(ta.get(a, 0), tb.get(b, 0)) {
		return false
	}
	if ga, gb := ta.get(a, ta.n-1), tb.get(b, tb.n-1); !bytes.Equal(ga, gb) && (ta.n == tb.n || !withinOneEdit(ga, gb)) {
		return false
	}
	if ta.n > tb.n {
		ta, tb, a, b = tb, ta, b, a
	}
	// Greedy subsequence match of a's middles into b's middles.
	j := 1
	for i := 1; i < ta.n-1; i++ {
		x := ta.get(a, i)
		for {
			if j >= tb.n-1 {
				return false
			}
			y := tb.get(b, j)
			j++
			if bytes.Equal(x, y) || len(x) == 1 && x[0] == y[0] || len(y) == 1 && y[0] == x[0] {
				break
			}
		}
	}
	return true
}

func compareDateRef(a, b int32) (int8, float32) {
	ya, ma, da := a/10000, a/100%100, a%100
	yb, mb, db := b/10000, b/100%100, b%100
	if a <= 0 || b <= 0 || ya == 0 || yb == 0 {
		return Null, 0
	}
	if ma == 0 || mb == 0 {
		sim := float32(equalDigitsRef(ya, yb, 4)) / 4
		if ya == yb {
			return DateYear, sim
		}
		return DateElse, sim
	}
	if da == 0 || db == 0 {
		sim := float32(equalDigitsRef(a/100, b/100, 6)) / 6
		switch {
		case ya == yb && ma == mb:
			return DateYearMonth, sim
		case ya == yb:
			return DateYear, sim
		}
		return DateElse, sim
	}
	sim := float32(equalDigitsRef(a, b, 8)) / 8
	switch {
	case a == b:
		return DateExact, 1
	case ya == yb && ma == db && da == mb:
		return DateSwap, sim
	case oneDigitOffRef(a, b):
		return DateOneDigit, sim
	case ya == yb && ma == mb:
		return DateYearMonth, sim
	case ya == yb:
		return DateYear, sim
	}
	return DateElse, sim
}

// equalDigitsRef counts the equal decimal digits of the n-digit numbers a, b.
func equalDigitsRef(a, b int32, n int) int {
	k := 0
	for range n {
		k += b2i(a%10 == b%10)
		a /= 10
		b /= 10
	}
	return k
}

// oneDigitOffRef reports whether the 8-digit numbers a != b differ by one
// substituted digit or by two adjacent digits swapped (Damerau distance 1
// without insertions, which cannot happen at fixed width).
func oneDigitOffRef(a, b int32) bool {
	var da, db [8]int32
	for i := 7; i >= 0; i-- {
		da[i], db[i] = a%10, b%10
		a /= 10
		b /= 10
	}
	return digitsOneOff(da[:], db[:])
}

func oneTokenTypoRef(ta, tb *tokensRef, a, b []byte) bool {
	if ta.n != tb.n || ta.n < 2 {
		return false
	}
	diff := 0
	for k := 0; k < ta.n; k++ {
		x, y := ta.get(a, k), tb.get(b, k)
		if bytes.Equal(x, y) {
			continue
		}
		if diff++; diff > 1 || !withinOneEdit(x, y) {
			return false
		}
	}
	return diff == 1
}

// namePairs generates name pairs of the kinds CompareName tells apart:
// equal, tones lost, regional variants (shared key), tokens reordered,
// middles dropped or abbreviated, one-token typos, unrelated names, and
// odd inputs (separator runs, more than 16 tokens, over 64 bytes, empty).
func namePairs(rng *rand.Rand, n int) [][2]NameForms {
	names := testNames(rng, 3000)
	forms := func(s string) NameForms {
		f := fold(s)
		return NameForms{Canonical: []byte(s), Folded: f, Key: f}
	}
	tok := func(s string) []string { return strings.Fields(s) }
	out := make([][2]NameForms, 0, n)
	for len(out) < n {
		a := names[rng.IntN(len(names))]
		fa := forms(a)
		var fb NameForms
		switch rng.IntN(12) {
		case 0:
			fb = forms(a)
		case 1: // tones lost: canonical differs, folded equal
			fb = forms(string(fold(a)))
		case 2: // a shared variant key only
			fb = forms(names[rng.IntN(len(names))])
			fb.Key = fa.Key
		case 3: // reordered
			t := tok(a)
			rng.Shuffle(len(t), func(i, j int) { t[i], t[j] = t[j], t[i] })
			fb = forms(strings.Join(t, " "))
		case 4: // middle dropped
			t := tok(a)
			fb = forms(t[0] + " " + t[len(t)-1])
		case 5: // middle abbreviated, with a dot or a hyphen
			t := tok(a)
			sep := []string{". ", " ", "-", ".."}[rng.IntN(4)]
			fb = forms(t[0] + " " + string([]rune(t[1])[:1]) + sep + t[len(t)-1])
		case 6, 7: // one edit somewhere
			fb = forms(mutateRunes(rng, a))
		case 8: // middle dropped and a typo
			t := tok(a)
			fb = forms(t[0] + " " + mutateRunes(rng, t[len(t)-1]))
		case 9: // many tokens, long
			fb = forms(strings.Repeat(a+" ", 1+rng.IntN(6)))
			if rng.IntN(2) == 0 {
				fa = forms(strings.Repeat(a+" ", 1+rng.IntN(6)))
			}
		case 10: // random bytes over the separators
			fa = NameForms{Folded: []byte(randString(rng, rng.IntN(30), "ab .-"))}
			fb = NameForms{Folded: []byte(randString(rng, rng.IntN(30), "ab .-"))}
		default:
			fb = forms(names[rng.IntN(len(names))])
		}
		if rng.IntN(20) == 0 {
			fb.Canonical = nil
		}
		if rng.IntN(10) == 0 {
			fb.Key = nil
		}
		if rng.IntN(50) == 0 {
			fa.Folded = nil
		}
		out = append(out, [2]NameForms{fa, fb})
	}
	return out
}

// TestCompareNameReference checks that CompareName gives the reference's
// level and similarity (to the bit) on every generated pair, both ways and
// with other band lists.
func TestCompareNameReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var s NameScratch
	var sr nameScratchRef
	levels := map[int8]int{}
	for _, bands := range [][]float64{DefaultBands, {0.92}, nil} {
		for _, p := range namePairs(rng, 60000) {
			for _, q := range [][2]NameForms{p, {p[1], p[0]}} {
				l, sim := CompareName(&s, q[0], q[1], bands)
				rl, rsim := compareNameRef(&sr, q[0], q[1], bands)
				if l != rl || math.Float32bits(sim) != math.Float32bits(rsim) {
					t.Fatalf("CompareName(%q, %q) = %d, %v; reference %d, %v", q[0].Folded, q[1].Folded, l, sim, rl, rsim)
				}
				if len(bands) == len(DefaultBands) {
					levels[l]++
				}
			}
		}
	}
	// The generator must reach every level, or the test proves little.
	for l := Null; l <= int8(len(DefaultBands))+nameExtra; l++ {
		if levels[l] == 0 {
			t.Errorf("no generated pair at level %d", l)
		}
	}
}

// TestCompareDateReference checks CompareDate against the reference over
// full, partial, swapped, one-digit-off and invalid dates.
func TestCompareDateReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	date := func() int32 {
		switch rng.IntN(10) {
		case 0:
			return int32(rng.IntN(3000)) * 10000 // year only
		case 1:
			return int32(rng.IntN(3000))*10000 + int32(rng.IntN(13))*100
		case 2:
			return int32(rng.Uint32())
		}
		return int32(1900+rng.IntN(130))*10000 + int32(1+rng.IntN(12))*100 + int32(1+rng.IntN(31))
	}
	for range 300000 {
		a := date()
		b := date()
		switch rng.IntN(4) {
		case 0:
			b = a
		case 1: // day and month swapped
			b = a/10000*10000 + a%100*100 + a/100%100
		case 2: // one digit changed
			p := int32(1)
			for range rng.IntN(8) {
				p *= 10
			}
			b = a + p*int32(rng.IntN(3)-1)
		}
		l, sim := CompareDate(a, b)
		rl, rsim := compareDateRef(a, b)
		if l != rl || math.Float32bits(sim) != math.Float32bits(rsim) {
			t.Fatalf("CompareDate(%d, %d) = %d, %v; reference %d, %v", a, b, l, sim, rl, rsim)
		}
	}
}

// TestTokensReference checks the tokenizer (the word-at-a-time scan up to
// 64 bytes, the byte loop above) against the reference loop: same result,
// token count, byte sum and spans, over random strings of letters and
// separators of every length to 70, and the edge bytes next to the
// separators' values.
func TestTokensReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	alphabets := []string{"ab ", "abc .-", "a-", "  .", "\x00\x1f!,/-.\xa0\xad\xae\xff"}
	var tk tokens
	var tr tokensRef
	for range 200000 {
		s := []byte(randString(rng, rng.IntN(71), alphabets[rng.IntN(len(alphabets))]))
		ok, rok := tk.split(s), tr.split(s)
		if ok != rok || ok && (tk.n != tr.n || tk.sum != tr.sum || !slices.Equal(tk.span[:tk.n], tr.span[:tr.n])) {
			t.Fatalf("split(%q) = %v, %d tokens, sum %d, %v; reference %v, %d, %d, %v", s, ok, tk.n, tk.sum, tk.span[:tk.n], rok, tr.n, tr.sum, tr.span[:tr.n])
		}
	}
}
