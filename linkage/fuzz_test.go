package linkage

import (
	"math"
	"testing"
)

// FuzzKernels feeds arbitrary bytes and ints to every kernel: none may
// panic, levels stay in range, and Jaro-Winkler stays in [0, 1] and agrees
// to the bit between its bit-parallel and textbook paths and with the
// reference kernel.
func FuzzKernels(f *testing.F) {
	f.Add([]byte("nguyen van an"), []byte("nguyen v. an"), int32(19900512), int32(19901205))
	f.Add([]byte("001090012345"), []byte("012345678"), int32(0), int32(19900000))
	f.Add([]byte("0912345678;0987654321"), []byte(""), int32(-1), int32(99991399))
	f.Add([]byte("\xff\xfe a  b..c-"), []byte("a"), int32(math.MaxInt32), int32(math.MinInt32))
	f.Add([]byte("Nguyen Van An nguyen van an 0123456789 nguyen van an nguyen van anh"), []byte("Nguyen Van An nguyen van an 0123456789 nguyen van an nguyen van an"), int32(1), int32(2))
	f.Add([]byte("tr\xc3\xa2n th\xe1\xbb\x8b"), []byte("tran thi"), int32(0), int32(0))
	f.Fuzz(func(t *testing.T, a, b []byte, da, db int32) {
		jw := JaroWinkler(a, b)
		if !(jw >= 0 && jw <= 1) {
			t.Fatalf("JaroWinkler(%q, %q) = %v out of [0, 1]", a, b, jw)
		}
		if len(a) > 0 && len(b) > 0 && math.Float64bits(Jaro(a, b)) != math.Float64bits(jaroLoop(a, b)) {
			t.Fatalf("Jaro paths disagree on %q, %q", a, b)
		}
		if ref := jaroWinklerRef(a, b); math.Float64bits(jw) != math.Float64bits(ref) {
			t.Fatalf("JaroWinkler(%q, %q) = %v; reference kernel %v", a, b, jw, ref)
		}
		var rs RuneScratch
		if r := rs.JaroWinkler(a, b); !(r >= 0 && r <= 1) {
			t.Fatalf("RuneScratch.JaroWinkler(%q, %q) = %v", a, b, r)
		}
		var s NameScratch
		check := func(what string, l int8, sim float32, top int8) {
			if l < Null || l > top || !(sim >= 0 && sim <= 1) {
				t.Fatalf("%s(%q, %q) = %d, %v out of range", what, a, b, l, sim)
			}
		}
		l, sim := CompareName(&s, NameForms{a, a, b}, NameForms{b, b, a}, DefaultBands)
		check("CompareName", l, sim, int8(len(DefaultBands))+nameExtra)
		l, sim = CompareDate(da, db)
		check("CompareDate", l, sim, DateExact)
		l, sim = CompareID(a, b)
		check("CompareID", l, sim, IDExact)
		l, sim = ComparePhones(a, b)
		check("ComparePhones", l, sim, PhoneExact)
		l, sim = CompareString(a, b, DefaultBands)
		check("CompareString", l, sim, int8(len(DefaultBands))+1)
		l, sim = CompareAddress(AddressCodes{da, db, da}, AddressCodes{db, da, db})
		check("CompareAddress", l, sim, AddrWard)
	})
}
