package linkage

import (
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/refdata"
)

func TestCompareName(t *testing.T) {
	bands := DefaultBands // levels: 8 canonical, 7 folded, 6 key, 5 token set, 4 middle, 3..1 bands, 0 else
	f := func(a, b NameForms, want int8) {
		t.Helper()
		var s NameScratch
		got, sim := CompareName(&s, a, b, bands)
		if got != want {
			t.Errorf("CompareName(%q, %q) = %d (sim %v); want %d", a.Folded, b.Folded, got, sim, want)
		}
		// Symmetric in its arguments.
		if back, _ := CompareName(&s, b, a, bands); back != got {
			t.Errorf("CompareName(%q, %q) = %d; reversed %d", a.Folded, b.Folded, got, back)
		}
	}
	n := func(canon, folded, key string) NameForms {
		return NameForms{[]byte(canon), []byte(folded), []byte(key)}
	}
	// Null when either folded form is missing.
	f(n("", "", ""), n("Nguyễn An", "nguyen an", ""), Null)
	f(n("Nguyễn An", "nguyen an", ""), n("", "", ""), Null)
	// Exact canonical, then folded (tones lost or changed).
	f(n("Nguyễn Văn An", "nguyen van an", "k"), n("Nguyễn Văn An", "nguyen van an", "k"), 8)
	f(n("Nguyễn Văn An", "nguyen van an", ""), n("Nguyen Van An", "nguyen van an", ""), 7)
	f(n("", "nguyen van an", ""), n("", "nguyen van an", ""), 7)
	// Regional variant: Hoàng/Huỳnh share a key.
	f(n("Hoàng Văn An", "hoang van an", "hoang van an"), n("Huỳnh Văn An", "huynh van an", "hoang van an"), 6)
	// Reordered tokens.
	f(n("", "van an nguyen", ""), n("", "nguyen van an", ""), 5)
	// Middle dropped, abbreviated, one of two middles dropped.
	f(n("", "nguyen an", ""), n("", "nguyen van an", ""), 4)
	f(n("", "nguyen v an", ""), n("", "nguyen van an", ""), 4)
	f(n("", "nguyen v. an", ""), n("", "nguyen van an", ""), 4)
	f(n("", "tran thi minh thu", ""), n("", "tran minh thu", ""), 4)
	// Middle dropped and a typo in the given name.
	f(n("", "cao hoai anh", ""), n("", "cao abh", ""), 4)
	// One token one edit away: the top band, whatever Jaro-Winkler says
	// of a typo near the start.
	f(n("", "pyam thi phuong", ""), n("", "pham thi phuong", ""), 3)
	f(n("", "li thi hau", ""), n("", "ly thi hau", ""), 3)
	f(n("", "pan minh thang", ""), n("", "phan minh thang", ""), 3)
	// Two tokens off, or one token two edits off: no shortcut.
	f(n("", "pyam thi phuonh", ""), n("", "pham thi phuong", ""), 1)
	// Different middle: not a middle-name case; JW decides.
	f(n("", "nguyen van an", ""), n("", "nguyen thi an", ""), 2)
	// Different given name with the same family: the bands follow the
	// weaker of the full-name and given-name similarity, unless the given
	// names are one edit apart (a typo, or An/Anh: the other fields decide).
	// Tuyết and Thắm share nothing but "nguyen", which alone put the full
	// names above 0.80.
	f(n("", "nguyen van an", ""), n("", "nguyen van anh", ""), 3)
	f(n("", "nguyen quang tuyet", ""), n("", "nguyen thi tham", ""), 0)
	f(n("", "nguyen thi hoa", ""), n("", "nguyen thi chau", ""), 0)
	// A typo in the given name stays in the top band: one edit apart, the
	// given-name guard does not apply.
	f(n("", "nguyen thi phuong", ""), n("", "nguyen thi phuogn", ""), 3)
	f(n("", "tran van anh", ""), n("", "tran van ahn", ""), 3)
	f(n("", "le thi lan", ""), n("", "le thi lam", ""), 3)
	f(n("", "le thi hoa", ""), n("", "pham quoc bao", ""), 0)
}

func TestCompareDate(t *testing.T) {
	f := func(a, b int32, want int8) {
		t.Helper()
		got, _ := CompareDate(a, b)
		if got != want {
			t.Errorf("CompareDate(%d, %d) = %d; want %d", a, b, got, want)
		}
		if back, _ := CompareDate(b, a); back != got {
			t.Errorf("CompareDate(%d, %d) = %d; reversed %d", a, b, got, back)
		}
	}
	f(0, 19900512, Null)
	f(19900512, 0, Null)
	f(-5, 19900512, Null)
	f(512, 19900512, Null) // year 0
	f(19900512, 19900512, DateExact)
	f(19900512, 19901205, DateSwap)
	f(19900512, 19900513, DateOneDigit) // substitution
	f(19900512, 19900521, DateOneDigit) // adjacent transposition
	f(19900512, 19090512, DateOneDigit) // transposition in the year
	f(19900512, 19910512, DateOneDigit)
	f(19900512, 19900528, DateYearMonth)
	f(19900512, 19900718, DateYear)
	f(19900512, 19850713, DateElse)
	// Partial dates compare only what both have.
	f(19900000, 19900512, DateYear)
	f(19900000, 19900000, DateYear)
	f(19900000, 19910000, DateElse)
	f(19900500, 19900512, DateYearMonth)
	f(19900500, 19900600, DateYear)
	f(19900500, 19910500, DateElse)
}

func TestCompareID(t *testing.T) {
	f := func(a, b string, want int8) {
		t.Helper()
		got, _ := CompareID([]byte(a), []byte(b))
		if got != want {
			t.Errorf("CompareID(%q, %q) = %d; want %d", a, b, got, want)
		}
	}
	f("", "001090012345", Null)
	f("001090012345", "", Null)
	f("001090012345", "001090012345", IDExact)
	f("001090012345", "001090012346", IDOneDigit)
	f("001090012345", "001090013245", IDOneDigit)
	f("001090012345", "001090032145", IDElse) // swap not adjacent
	f("001090012345", "991090012399", IDElse)
	// CMND vs CCCD: no digits in common; the provinces are compared. 01 is
	// Hà Nội's CMND prefix, 001 its CCCD code; 02 is Hồ Chí Minh City's.
	f("012345678", "001090012345", IDCrossAgrees)
	f("001090012345", "012345678", IDCrossAgrees)
	f("022345678", "001090012345", IDCrossDiffers)
	f("022345678", "079090012345", IDCrossAgrees)
	f("231234567", "064090012345", IDCrossAgrees) // a 3-digit prefix (Gia Lai)
	f("232345678", "064090012345", IDCrossDiffers)
	f("111234567", "017090012345", IDCrossAgrees) // Hòa Bình, written Hoà Bình in the province table
	f("012345678", "004090012345", Null)          // Cao Bằng: not in the partial prefix list
	f("012345678", "9x1090012345", Null)
	f("012345678", "012345678", IDExact)
	f("12345", "123456", IDElse)
}

func TestComparePhones(t *testing.T) {
	f := func(a, b string, want int8) {
		t.Helper()
		got, _ := ComparePhones([]byte(a), []byte(b))
		if got != want {
			t.Errorf("ComparePhones(%q, %q) = %d; want %d", a, b, got, want)
		}
	}
	f("", "0912345678", Null)
	f(";", "0912345678", Null)
	f("0912345678", "0912345678", PhoneExact)
	f("0987654321;0912345678", "0912345678", PhoneExact)
	f("0911111111", "0922222222;0933333333;0911111111", PhoneExact)
	f("0911111111", "0922222222;0933333333", PhoneElse)
	f("091111111", "0911111111", PhoneElse) // a prefix is not a match
}

func TestCompareAddress(t *testing.T) {
	f := func(a, b AddressCodes, want int8) {
		t.Helper()
		got, _ := CompareAddress(a, b)
		if got != want {
			t.Errorf("CompareAddress(%+v, %+v) = %d; want %d", a, b, got, want)
		}
	}
	f(AddressCodes{}, AddressCodes{1, 2, 3}, Null)
	f(AddressCodes{Ward2025: 5}, AddressCodes{DistrictOld: 2}, Null) // nothing known on both sides
	f(AddressCodes{10, 20, 1}, AddressCodes{10, 21, 1}, AddrWard)
	f(AddressCodes{10, 20, 1}, AddressCodes{11, 20, 1}, AddrDistrictOld)
	f(AddressCodes{10, 20, 1}, AddressCodes{11, 21, 1}, AddrProvince)
	f(AddressCodes{10, 20, 1}, AddressCodes{11, 21, 2}, AddrElse)
	f(AddressCodes{Province2025: 1}, AddressCodes{10, 21, 1}, AddrProvince)
	f(AddressCodes{Province2025: 1}, AddressCodes{10, 21, 2}, AddrElse)
}

func TestCompareString(t *testing.T) {
	bands := []float64{0.92, 0.80} // levels: 3 exact, 2 >=0.92, 1 >=0.80, 0 else
	f := func(a, b string, want int8) {
		t.Helper()
		got, _ := CompareString([]byte(a), []byte(b), bands)
		if got != want {
			t.Errorf("CompareString(%q, %q) = %d; want %d", a, b, got, want)
		}
	}
	f("", "smith", Null)
	f("smith", "smith", 3)
	f("martha", "marhta", 2)
	f("dwayne", "duane", 1)
	f("smith", "jones", 0)

	if l, _ := CompareExact([]byte("vic"), []byte("vic")); l != 1 {
		t.Errorf("CompareExact(vic, vic) = %d; want 1", l)
	}
	if l, _ := CompareExact([]byte("vic"), []byte("nsw")); l != 0 {
		t.Errorf("CompareExact(vic, nsw) = %d; want 0", l)
	}
	if l, _ := CompareExact(nil, []byte("nsw")); l != Null {
		t.Errorf("CompareExact(nil, nsw) = %d; want null", l)
	}
	if l, _ := CompareExactInt(1, 2); l != 0 {
		t.Errorf("CompareExactInt(1, 2) = %d; want 0", l)
	}
	if l, _ := CompareExactInt(0, 2); l != Null {
		t.Errorf("CompareExactInt(0, 2) = %d; want null", l)
	}
}

func TestWithinOneEdit(t *testing.T) {
	f := func(a, b string, want bool) {
		t.Helper()
		if got := withinOneEdit([]byte(a), []byte(b)); got != want {
			t.Errorf("withinOneEdit(%q, %q) = %v; want %v", a, b, got, want)
		}
		if got := withinOneEdit([]byte(b), []byte(a)); got != want {
			t.Errorf("withinOneEdit(%q, %q) = %v; want %v (swapped)", b, a, got, want)
		}
	}
	f("", "", true)
	f("", "a", true)
	f("anh", "anh", true)
	f("anh", "an", true)  // deletion at the end
	f("anh", "nh", true)  // deletion at the start
	f("anh", "ahn", true) // transposition
	f("lan", "lam", true) // substitution
	f("hung", "hai", false)
	f("anh", "a", false)
	f("abcd", "badc", false) // two transpositions
}

// BenchmarkTokensSplit tokenizes folded Vietnamese full names, as
// CompareName does for both sides of most pairs.
func BenchmarkTokensSplit(b *testing.B) {
	pairs := benchPairs()
	var t tokens
	b.ReportAllocs()
	n := 0
	for i := 0; b.Loop(); i++ {
		p := pairs[i&1023]
		t.split(p[0])
		n += t.n
		t.split(p[1])
		n += t.n
	}
	_ = n
}

// TestCMNDPrefixTable checks the join of the partial CMND prefix list to
// the CCCD province codes: every digit prefix of a province that still
// existed in 2025 lands under its province's code, and nothing else does.
func TestCMNDPrefixTable(t *testing.T) {
	tab := cmndPrefixes()
	joined := map[string]bool{}
	n := 0
	for _, ps := range tab {
		for _, p := range ps {
			joined[p] = true
			n++
		}
	}
	for _, c := range refdata.Get().CMNDPrefixes {
		historical := strings.Contains(c.Province, "former") || strings.Contains(c.Province, "/")
		if joined[c.Prefix] == historical && !(historical && c.Prefix == "11") { // 11 is Hòa Bình's too
			t.Errorf("prefix %s (%s): joined %v", c.Prefix, c.Province, joined[c.Prefix])
		}
	}
	if n < 35 {
		t.Errorf("%d prefixes joined, want the list's 35 province prefixes", n)
	}
	if got := tab[1]; len(got) != 1 || got[0] != "01" {
		t.Errorf("Hà Nội (001): %v, want [01]", got)
	}
}

func TestCompareIDProvince(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cccd  string
		provs [][2]int32
		want  int8
	}{
		{"old province of the CCCD", "001190123456", [][2]int32{{1, 1}}, IDProvinceOld},
		{"current address in it", "002190123456", [][2]int32{{79, 79}, {2, 8}}, IDProvinceOld},
		{"2025 province that absorbed it", "002190123456", [][2]int32{{0, 8}}, IDProvince2025},
		{"elsewhere", "002190123456", [][2]int32{{79, 79}}, IDProvinceElse},
		{"no address", "002190123456", [][2]int32{{0, 0}}, Null},
		{"no addresses at all", "002190123456", nil, Null},
		{"not a CCCD", "123456789", [][2]int32{{1, 1}}, Null},
		{"not digits", "0A1190123456", [][2]int32{{1, 1}}, Null},
	} {
		if got, _ := CompareIDProvince([]byte(tc.cccd), tc.provs); got != tc.want {
			t.Errorf("%s: level %d, want %d", tc.name, got, tc.want)
		}
	}
}
