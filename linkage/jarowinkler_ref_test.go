package linkage

import (
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

// This file keeps the Jaro-Winkler kernel as it was before the division
// table and the bit-walk transposition count (commit 47bc453), as the
// reference the faster kernel must equal to the bit.

// jaroWinklerRef is JaroWinkler over jaroBitsRef and the old jaroFormula.
func jaroWinklerRef(a, b []byte) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) <= 64 && len(b) <= 64 {
		j, p := jaroBitsRef(a, b)
		return winkler(j, min(p, winklerMaxPrefix))
	}
	if len(a) == len(b) && string(a) == string(b) {
		return 1
	}
	return winkler(jaroLoop(a, b), commonPrefix(a, b))
}

// jaroFormulaRef divides as the kernel did before the quotient table.
func jaroFormulaRef(common, trans, la, lb int) float64 {
	m := float64(common)
	return (m/float64(la) + m/float64(lb) + float64(common-trans)/m) / 3.0
}

// jaroBitsRef is Jaro for len(a), len(b) in [1, 64], with the length of the
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
func jaroBitsRef(a, b []byte) (float64, int) {
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
		return jaroFormulaRef(common, 0, la, lb), p
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
	return jaroFormulaRef(common, half/2, la, lb), p
}

func BenchmarkJaroWinklerRef(b *testing.B) {
	pairs := benchPairs()
	b.ReportAllocs()
	var sink float64
	for i := 0; b.Loop(); i++ {
		p := pairs[i&1023]
		sink += jaroWinklerRef(p[0], p[1])
	}
	_ = sink
}

// TestJaroWinklerReference checks that the kernel gives the very float64
// of the reference kernel, over random strings from several alphabets
// (lower-case with space, digits and punctuation, upper-case and non-ASCII
// bytes that take the split path) and lengths across the 64-byte limit,
// and over Vietnamese names, folded and accented, intact and mutated.
func TestJaroWinklerReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	alphabets := []string{
		"abcdefghijklmnopqrstuvwxyz ",
		"aeinhtg ",
		"abc 0123456789.-/',",
		"abcABC xyzXYZ",
		"ab\x80\xc3\xa1\xff\x00 ~^`",
	}
	check := func(a, b string) {
		t.Helper()
		got := JaroWinkler([]byte(a), []byte(b))
		want := jaroWinklerRef([]byte(a), []byte(b))
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("JaroWinkler(%q, %q) = %v; reference %v", a, b, got, want)
		}
		if len(a) > 0 && len(b) > 0 {
			if j, l := Jaro([]byte(a), []byte(b)), jaroLoop([]byte(a), []byte(b)); math.Float64bits(j) != math.Float64bits(l) {
				t.Fatalf("Jaro(%q, %q) = %v; textbook loop %v", a, b, j, l)
			}
		}
	}
	for range 100000 {
		alpha := alphabets[rng.IntN(len(alphabets))]
		a := randString(rng, rng.IntN(70), alpha)
		var b string
		switch {
		case rng.IntN(3) == 0 || len(a) == 0:
			b = randString(rng, rng.IntN(70), alpha)
		default:
			b = mutate(rng, a, max(1, len(a)+rng.IntN(7)-3), alpha)
		}
		check(a, b)
		check(b, a)
	}
	names := testNames(rng, 4000)
	for i := range 50000 {
		a := names[rng.IntN(len(names))]
		b := names[rng.IntN(len(names))]
		if i%2 == 0 {
			b = mutateRunes(rng, a)
		}
		check(a, b)
		check(string(fold(a)), string(fold(b)))
	}
}

// TestByteClass checks that byteClass tells apart every byte it does not
// call rare, with classes 1 to 31 (the bitmap table has 32 entries and
// entry rareClass must stay empty on the fast path).
func TestByteClass(t *testing.T) {
	seen := map[uint8]byte{}
	common := 0
	for c := range 256 {
		k := byteClass[c]
		switch {
		case k == rareClass:
			continue
		case k >= 32:
			t.Fatalf("byteClass[%#x] = %d", c, k)
		}
		if d, dup := seen[k]; dup {
			t.Fatalf("byteClass[%#x] = byteClass[%q] = %d", c, d, k)
		}
		seen[k] = byte(c)
		common++
	}
	for _, c := range []byte("abcz .-',") {
		if byteClass[c] == rareClass {
			t.Errorf("byteClass[%q] is rare; folded names need it", c)
		}
	}
	if common != 31 {
		t.Errorf("%d common classes; want 31", common)
	}
}

// TestJaroWinklerPaths walks the kernel's branches on purpose, each case
// against the reference to the bit: prefixes ending before, at and past
// the eight-byte words (and the overlapping last word), a remainder empty
// on one side, b's remainder too long for the offset window (len(b)+r >
// 64, the exact fallback), and rare bytes in a only or in b only.
func TestJaroWinklerPaths(t *testing.T) {
	ascii := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return r >= 0x80 }) < 0
	}
	f := func(a, b string) {
		t.Helper()
		for _, p := range [][2]string{{a, b}, {b, a}} {
			got := JaroWinkler([]byte(p[0]), []byte(p[1]))
			want := jaroWinklerRef([]byte(p[0]), []byte(p[1]))
			if math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("JaroWinkler(%q, %q) = %v; reference %v", p[0], p[1], got, want)
			}
			// matchr compares code points: the oracle only for ASCII.
			if !ascii(a) || !ascii(b) {
				continue
			}
			if o := oracleJW(p[0], p[1]); math.Abs(got-o) > 1e-12 {
				t.Fatalf("JaroWinkler(%q, %q) = %v; oracle %v", p[0], p[1], got, o)
			}
		}
	}
	// Prefix lengths 0 to 17 around the word boundaries, n from 7 to 17.
	base := "nguyen thi thu huong"
	for n := 7; n <= 17; n++ {
		for p := 0; p <= n; p++ {
			a := []byte(base[:n])
			b := []byte(base[:n])
			if p < n {
				b[p] = 'x'
			}
			f(string(a), string(b))
			f(string(a), string(b)+"ng")
		}
	}
	// One remainder empty: a is a prefix of b.
	f("nguyen van", "nguyen van an")
	f("le", "le thi")
	// len(b)+r > 64 sends the pair to jaroSplit.
	long := strings.Repeat("tran van binh ", 5)[:64]
	f(long[:40], long)
	f("x"+long[1:], long)
	f(long[:5]+"x"+long[6:50], long)
	// Rare bytes: in b only (fallback) and in a only (no match).
	f("nguyen van an", "nguyen van An")
	f("nguyen van An", "nguyen van an")
	f("pham 2 hung", "pham hung")
	f("đinh", "dinh")
}

// TestJaroWinklerRemainders crosses every length of the remainders past the
// common prefix, odd and even (b's bitmaps take two bytes a turn and the
// last byte once more), from 1 to the 64-byte limit (the found flags of a
// are reversed and shifted by 64-len(a), b's matched positions shifted by
// the prefix up to bit 63), with prefixes ending on and off the 8-byte
// words, each pair against the reference to the bit.
func TestJaroWinklerRemainders(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const alpha = "aeinhtg "
	check := func(a, b string) {
		t.Helper()
		got := JaroWinkler([]byte(a), []byte(b))
		want := jaroWinklerRef([]byte(a), []byte(b))
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("JaroWinkler(%q, %q) = %v; reference %v", a, b, got, want)
		}
		if j, l := Jaro([]byte(a), []byte(b)), jaroLoop([]byte(a), []byte(b)); math.Float64bits(j) != math.Float64bits(l) {
			t.Fatalf("Jaro(%q, %q) = %v; textbook loop %v", a, b, j, l)
		}
	}
	for _, p := range []int{0, 1, 7, 8, 9, 16, 23} {
		prefix := randString(rng, p, alpha)
		for na := 1; p+na <= 64; na++ {
			for nb := 1; p+nb <= 64; nb++ {
				// The remainders differ in their first byte, so that the
				// common prefix is exactly p.
				ra := "x" + randString(rng, na-1, alpha)
				rb := "y" + randString(rng, nb-1, alpha)
				if nb > 1 && rng.IntN(2) == 0 {
					rb = "y" + mutate(rng, ra[1:]+"a", nb-1, alpha)
				}
				check(prefix+ra, prefix+rb)
				check(prefix+rb, prefix+ra)
			}
		}
	}
	// The last byte of b matched at bit 63, with and without a prefix.
	full := strings.Repeat("ab", 32)
	check(full[:63]+"z", full[:62]+"za")
	check("z"+full[1:], "y"+full[1:])
}

// FuzzJaroWinklerPrefix builds pairs that share a prefix, which random
// bytes seldom do, so that the fuzzer drives the kernel past the prefix:
// a = prefix+x, b = prefix+y, cut to at most 64 bytes (the bit-parallel
// path) or not (the textbook loop). The kernel must equal the reference
// kernel to the bit, and Jaro the textbook loop.
func FuzzJaroWinklerPrefix(f *testing.F) {
	f.Add([]byte("nguyen "), []byte("van an"), []byte("avn an"), true)
	f.Add([]byte("tran thi "), []byte("thu huong"), []byte("huong"), true)
	f.Add([]byte(""), []byte("le minh"), []byte("pham minh"), true)
	f.Add([]byte("abcdefgh"), []byte("x"), []byte("yz"), true)
	f.Add([]byte("a"), []byte("Bc.d"), []byte("b\xc3\xa1cd"), false)
	f.Add([]byte(strings.Repeat("ab", 30)), []byte("xyz"), []byte("zyx"), true)
	f.Fuzz(func(t *testing.T, prefix, x, y []byte, cut bool) {
		a := append(append([]byte{}, prefix...), x...)
		b := append(append([]byte{}, prefix...), y...)
		if cut {
			a, b = a[:min(len(a), 64)], b[:min(len(b), 64)]
		}
		got := JaroWinkler(a, b)
		if want := jaroWinklerRef(a, b); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("JaroWinkler(%q, %q) = %v; reference %v", a, b, got, want)
		}
		if len(a) > 0 && len(b) > 0 {
			if j, l := Jaro(a, b), jaroLoop(a, b); math.Float64bits(j) != math.Float64bits(l) {
				t.Fatalf("Jaro(%q, %q) = %v; textbook loop %v", a, b, j, l)
			}
		}
	})
}
