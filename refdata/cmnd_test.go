package refdata

import (
	"slices"
	"strings"
	"testing"
)

// TestCMNDJoin: every prefix of a province that still existed before 2025
// is joined to it (whatever the list's spelling), nothing else is, and
// CMNDProvinces finds them by a number's first digits.
func TestCMNDJoin(t *testing.T) {
	tb := Get()
	folded := map[string]string{}
	for _, p := range tb.ProvincesOld {
		if o, dup := folded[foldName(p.Name)]; dup {
			t.Fatalf("%s and %s fold alike", o, p.Name)
		}
		folded[foldName(p.Name)] = p.Name
	}
	joined := map[string][]string{}
	for _, is := range tb.CMNDIssuers() {
		joined[is.Prefix] = append(joined[is.Prefix], tb.ProvincesOld[is.Province].Code)
	}
	for _, c := range tb.CMNDPrefixes {
		historical := strings.Contains(c.Province, "former") || strings.Contains(c.Province, "/")
		if historical != (joined[c.Prefix] == nil) && c.Prefix != "11" { // 11 is Hoà Bình's too
			t.Errorf("prefix %s (%s): joined to %v", c.Prefix, c.Province, joined[c.Prefix])
		}
	}
	if n := len(tb.CMNDIssuers()); n != 35 {
		t.Errorf("%d prefixes joined, want the list's 35 of provinces", n)
	}
	codes := func(number string) []string {
		var out []string
		for _, i := range tb.CMNDProvinces([]byte(number)) {
			out = append(out, tb.ProvincesOld[i].Code)
		}
		return out
	}
	for number, want := range map[string][]string{
		"011234567": {"01"},       // Hà Nội
		"021234567": {"79"},       // listed as TP. Hồ Chí Minh
		"111234567": {"17"},       // listed as Hòa Bình, the table's Hoà Bình
		"121234567": {"27", "24"}, // Bắc Ninh and Bắc Giang share 12
		"095123456": {"06"},       // Bắc Kạn (Bắc Cạn)
		"231123456": {"64"},       // Gia Lai
		"096123456": nil,          // 3-digit prefixes cover only themselves
		"041234567": nil,          // unlisted
		"12":        nil,          // too short
		"1x1234567": nil,
	} {
		if got := codes(number); !slices.Equal(got, want) {
			t.Errorf("CMNDProvinces(%s) = %v, want %v", number, got, want)
		}
	}
}
