package linkage

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/antzucaro/matchr"
	"github.com/dedup-vn/dedup/refdata"
	"golang.org/x/text/unicode/norm"
)

// oracleJW is matchr's Jaro-Winkler adjusted for the one documented
// difference: our prefix boost counts digits, matchr's stops at one.
func oracleJW(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	p := 0
	for p < len(ra) && p < len(rb) && p < 4 && ra[p] == rb[p] {
		p++
	}
	if strings.ContainsAny(string(ra[:p]), "0123456789") {
		j := matchr.Jaro(a, b)
		if j > 0.7 {
			j += float64(p) * 0.1 * (1.0 - j)
		}
		return j
	}
	return matchr.JaroWinkler(a, b, false)
}

var jwTests = []struct {
	a, b string
	want float64
}{
	{"", "", 0},
	{"a", "", 0},
	{"", "a", 0},
	{"a", "a", 1},
	{"a", "b", 0},
	{"abc", "xyz", 0},
	{"martha", "marhta", 0.9611111111111111},
	{"dwayne", "duane", 0.84},
	{"dixon", "dicksonx", 0.8133333333333332},
	{"nguyen van an", "nguyen van an", 1},
	{"crate", "trace", 0.7333333333333334},
	// Digits count in the prefix: Jaro 0.9333..., prefix 3.
	{"12345", "12354", 0.9533333333333334},
}

func TestJaroWinklerTable(t *testing.T) {
	for _, tt := range jwTests {
		got := JaroWinkler([]byte(tt.a), []byte(tt.b))
		if math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("JaroWinkler(%q, %q) = %v; want %v", tt.a, tt.b, got, tt.want)
		}
		if o := oracleJW(tt.a, tt.b); math.Abs(got-o) > 1e-12 {
			t.Errorf("JaroWinkler(%q, %q) = %v; oracle %v", tt.a, tt.b, got, o)
		}
		var s RuneScratch
		if r := s.JaroWinkler([]byte(tt.a), []byte(tt.b)); math.Abs(r-got) > 1e-12 {
			t.Errorf("RuneScratch.JaroWinkler(%q, %q) = %v; want %v", tt.a, tt.b, r, got)
		}
	}
}

// TestJaroWinklerLengths crosses the 64-byte boundary of the bit-parallel
// path: both paths must agree with the oracle at 63, 64, 65 and beyond.
func TestJaroWinklerLengths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, la := range []int{1, 2, 3, 31, 32, 33, 63, 64, 65, 100, 300} {
		for _, lb := range []int{1, 2, 63, 64, 65, 129, 300} {
			for range 20 {
				a := randString(rng, la, "abcd")
				b := mutate(rng, a, lb, "abcd")
				got := JaroWinkler([]byte(a), []byte(b))
				if want := oracleJW(a, b); math.Abs(got-want) > 1e-12 {
					t.Fatalf("JaroWinkler(len %d, len %d) = %v; oracle %v\na=%q\nb=%q", la, lb, got, want, a, b)
				}
				if lp := jaroLoop([]byte(a), []byte(b)); math.Abs(lp-Jaro([]byte(a), []byte(b))) > 1e-12 {
					t.Fatalf("jaroLoop and Jaro disagree for len %d, %d", la, lb)
				}
			}
		}
	}
}

func randString(rng *rand.Rand, n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

// mutate derives a string of length n from a by random edits, so that pairs
// share characters in and out of the match window.
func mutate(rng *rand.Rand, a string, n int, alphabet string) string {
	b := []byte(a)
	for len(b) < n {
		b = append(b, alphabet[rng.IntN(len(alphabet))])
	}
	b = b[:n]
	for range 1 + rng.IntN(4) {
		switch i := rng.IntN(len(b)); rng.IntN(3) {
		case 0:
			b[i] = alphabet[rng.IntN(len(alphabet))]
		case 1:
			if i+1 < len(b) {
				b[i], b[i+1] = b[i+1], b[i]
			}
		default:
			j := rng.IntN(len(b))
			b[i], b[j] = b[j], b[i]
		}
	}
	return string(b)
}

// TestJaroWinklerProperty compares with matchr over random ASCII pairs
// (with digits and spaces) and over Vietnamese names, folded and accented.
func TestJaroWinklerProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const ascii = "abcdefghij 0123456789xyz."
	for range 20000 {
		a := randString(rng, rng.IntN(20), ascii)
		var b string
		if rng.IntN(2) == 0 || len(a) == 0 {
			b = randString(rng, rng.IntN(20), ascii)
		} else {
			b = mutate(rng, a, max(1, len(a)+rng.IntN(5)-2), ascii)
		}
		got := JaroWinkler([]byte(a), []byte(b))
		if want := oracleJW(a, b); math.Abs(got-want) > 1e-12 {
			t.Fatalf("JaroWinkler(%q, %q) = %v; oracle %v", a, b, got, want)
		}
	}
	names := testNames(rng, 4000)
	var s RuneScratch
	for i := range 20000 {
		a := names[rng.IntN(len(names))]
		b := names[rng.IntN(len(names))]
		if i%2 == 0 {
			b = mutateRunes(rng, a)
		}
		got := s.JaroWinkler([]byte(a), []byte(b))
		if want := oracleJW(a, b); math.Abs(got-want) > 1e-12 {
			t.Fatalf("RuneScratch.JaroWinkler(%q, %q) = %v; matchr %v", a, b, got, want)
		}
		fa := string(fold(a))
		fb := string(fold(b))
		got = JaroWinkler([]byte(fa), []byte(fb))
		if want := oracleJW(fa, fb); math.Abs(got-want) > 1e-12 {
			t.Fatalf("JaroWinkler(%q, %q) = %v; matchr %v", fa, fb, got, want)
		}
	}
}

func mutateRunes(rng *rand.Rand, s string) string {
	r := []rune(s)
	if len(r) < 2 {
		return s
	}
	i := rng.IntN(len(r) - 1)
	switch rng.IntN(3) {
	case 0:
		r[i], r[i+1] = r[i+1], r[i]
	case 1:
		r = append(r[:i], r[i+1:]...)
	default:
		r[i] = 'ư'
	}
	return string(r)
}

// testNames draws n full names (family, middle, given) from refdata with a
// fixed generator.
func testNames(rng *rand.Rand, n int) []string {
	t := refdata.Get()
	out := make([]string, n)
	for i := range out {
		f := t.Surnames[rng.IntN(len(t.Surnames))].Name
		m := t.MiddleNames[rng.IntN(len(t.MiddleNames))].Name
		g := t.GivenNames[rng.IntN(len(t.GivenNames))].Name
		out[i] = f + " " + m + " " + g
	}
	return out
}

func TestJaroWinklerAllocs(t *testing.T) {
	a, b := []byte("nguyen thi thu huong"), []byte("nguyen thi huong")
	if n := testing.AllocsPerRun(100, func() { JaroWinkler(a, b) }); n != 0 {
		t.Errorf("JaroWinkler allocates %v times; want 0", n)
	}
	var s RuneScratch
	s.JaroWinkler([]byte("Nguyễn Thị Thu Hương"), []byte("Nguyễn Thị Hương"))
	if n := testing.AllocsPerRun(100, func() { s.JaroWinkler([]byte("Nguyễn Thị Thu Hương"), []byte("Nguyễn Thị Hương")) }); n != 0 {
		t.Errorf("RuneScratch.JaroWinkler allocates %v times; want 0", n)
	}
}

// benchPairs builds realistic folded name pairs: half near-duplicates (one
// edit), half unrelated names that share the common surnames.
func benchPairs() [][2][]byte {
	rng := rand.New(rand.NewPCG(5, 6))
	names := testNames(rng, 2048)
	pairs := make([][2][]byte, 1024)
	for i := range pairs {
		a := names[2*i]
		b := names[2*i+1]
		if i%2 == 0 {
			b = mutateRunes(rng, a)
		}
		pairs[i] = [2][]byte{fold(a), fold(b)}
	}
	return pairs
}

func BenchmarkJaroWinkler(b *testing.B) {
	pairs := benchPairs()
	b.ReportAllocs()
	var sink float64
	for i := 0; b.Loop(); i++ {
		p := pairs[i&1023]
		sink += JaroWinkler(p[0], p[1])
	}
	_ = sink
}

func BenchmarkJaroWinklerMatchr(b *testing.B) {
	bp := benchPairs()
	pairs := make([][2]string, len(bp))
	for i, p := range bp {
		pairs[i] = [2]string{string(p[0]), string(p[1])}
	}
	b.ReportAllocs()
	var sink float64
	for i := 0; b.Loop(); i++ {
		p := pairs[i&1023]
		sink += matchr.JaroWinkler(p[0], p[1], false)
	}
	_ = sink
}

func BenchmarkJaroWinklerRunes(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	names := testNames(rng, 2048)
	bs := make([][]byte, len(names))
	for i, n := range names {
		bs[i] = []byte(n)
	}
	var s RuneScratch
	b.ReportAllocs()
	var sink float64
	for i := 0; b.Loop(); i++ {
		k := (2 * i) & 2047
		sink += s.JaroWinkler(bs[k], bs[k+1])
	}
	_ = sink
}

// fold is a test-local lower-case ASCII fold (NFD, marks dropped, đ → d):
// the tests must not depend on package normalize, which is built beside us.
func fold(s string) []byte {
	var out []byte
	for _, r := range norm.NFD.String(s) {
		switch {
		case r == 'đ' || r == 'Đ':
			out = append(out, 'd')
		case r < 0x80:
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			out = append(out, byte(r))
		}
	}
	return out
}
