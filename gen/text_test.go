package gen

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestLegacyMojibake(t *testing.T) {
	f := func(in, tcvn3, vni string) {
		t.Helper()
		if got := string(appendLegacy(nil, []byte(in), text.tcvn3)); got != tcvn3 {
			t.Errorf("TCVN3(%q) = %q; want %q", in, got, tcvn3)
		}
		if got := string(appendLegacy(nil, []byte(in), text.vni)); got != vni {
			t.Errorf("VNI(%q) = %q; want %q", in, got, vni)
		}
	}
	f("Nguyễn Thị Thủy", "NguyÔn ThÞ Thñy", "Nguyeãn Thò Thuûy")
	f("Trần Văn An", "TrÇn V¨n An", "Traàn Vaên An")
	// TCVN3 has no upper-case toned letters: the lower-case byte stands in
	f("NGUYỄN", "NGUYÔN", "NGUYEÃN")
	f("Đặng", "§Æng", "Ñaëng")
}

func TestOldTone(t *testing.T) {
	f := func(in, want string, changed bool) {
		t.Helper()
		got, ch := appendOldTone(nil, []byte(in))
		if string(got) != want || ch != changed {
			t.Errorf("oldTone(%q) = %q, %v; want %q, %v", in, got, ch, want, changed)
		}
	}
	f("Hòa", "Hoà", true)
	f("Nguyễn Thị Thủy", "Nguyễn Thị Thuỷ", true)
	f("Khỏe", "Khoẻ", true)
	f("HÒA", "HOÀ", true)
	f("Hoàng", "Hoàng", false) // not a final vowel pair
	f("Quý", "Quý", false)     // qu: the u is part of the consonant
	f("Lan", "Lan", false)
}

func TestTelexAndStrip(t *testing.T) {
	f := func(in, telex, ascii string) {
		t.Helper()
		if got := string(appendTelex(nil, []byte(in))); got != telex {
			t.Errorf("telex(%q) = %q; want %q", in, got, telex)
		}
		if got := string(appendASCII(nil, []byte(in))); got != ascii {
			t.Errorf("ascii(%q) = %q; want %q", in, got, ascii)
		}
	}
	f("Nguyễn", "Nguyeenx", "Nguyen")
	f("Đức", "DDuwcs", "Duc")
	f("Thủy", "Thuyr", "Thuy")
	f("Lan", "Lan", "Lan")
}

func TestNFD(t *testing.T) {
	for _, s := range []string{"Nguyễn Thị Thủy", "Đặng Văn Ước", "Phường Bến Nghé, Quận 1"} {
		got := appendNFD(nil, []byte(s))
		if string(got) != norm.NFD.String(s) {
			t.Errorf("NFD(%q) = %q", s, got)
		}
		if norm.NFC.String(string(got)) != s {
			t.Errorf("NFC(NFD(%q)) differs", s)
		}
	}
}

func TestTypoChangesOneThing(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 500; i++ {
		in := "Nguyễn Văn Thành"
		got := string(appendTypo(nil, []byte(in), r))
		if got == in || !utf8.ValidString(got) {
			t.Fatalf("typo(%q) = %q", in, got)
		}
		if d := len(got) - len(in); d < -1 || d > 1 {
			t.Fatalf("typo(%q) = %q: more than one edit", in, got)
		}
	}
}

// FuzzTextTransforms: no transform panics or writes invalid UTF-8 from
// valid input.
func FuzzTextTransforms(f *testing.F) {
	for _, s := range []string{"Nguyễn Thị Thủy", "HÒA", "", "a", "qúy", "Đ", "x y  z", "\u0301"} {
		f.Add(s, uint64(1))
	}
	f.Fuzz(func(t *testing.T, s string, seed uint64) {
		if !utf8.ValidString(s) {
			return
		}
		b := []byte(s)
		r := rand.New(rand.NewPCG(seed, 3))
		outs := [][]byte{appendASCII(nil, b), appendNFD(nil, b), appendLegacy(nil, b, text.tcvn3),
			appendLegacy(nil, b, text.vni), appendUpper(nil, b), appendTelex(nil, b), appendTypo(nil, b, r)}
		o, _ := appendOldTone(nil, b)
		outs = append(outs, o)
		for i, o := range outs {
			if !utf8.Valid(o) {
				t.Fatalf("transform %d of %q: invalid UTF-8", i, s)
			}
		}
	})
}
