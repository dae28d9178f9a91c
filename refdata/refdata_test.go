package refdata

import "testing"

func TestTablesParseAndCrossReference(t *testing.T) {
	tb := Get()
	counts := []struct {
		name      string
		got, want int
	}{
		{"provinces before 2025", len(tb.ProvincesOld), 63},
		{"provinces from 2025", len(tb.ProvincesNew), 34},
		{"districts", len(tb.Districts), 696},
		{"wards before 2025", len(tb.WardsOld), 10047},
		{"wards from 2025", len(tb.WardsNew), 3321},
		{"ward links", len(tb.WardLinks), 10604},
		{"legacy chars", len(tb.LegacyChars), 134},
		{"century/gender codes", len(tb.CenturyGender), 10},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s: got %d rows, want %d", c.name, c.got, c.want)
		}
	}
	newProv := map[string]bool{}
	for _, p := range tb.ProvincesNew {
		newProv[p.Code] = true
	}
	for _, p := range tb.ProvincesOld {
		if !newProv[p.NewCode] {
			t.Errorf("province %s maps to unknown 2025 province %q", p.Code, p.NewCode)
		}
		if p.CCCDPrefix != "0"+p.Code {
			t.Errorf("province %s has CCCD prefix %q, want 0+code", p.Code, p.CCCDPrefix)
		}
	}
	var share float64
	for _, s := range tb.Surnames {
		share += s.NationalShare
	}
	if share < 85 || share > 100.5 {
		t.Errorf("surname shares add up to %.1f%%, want about 85-100%%", share)
	}
	for _, c := range tb.LegacyChars {
		if len(c.VNI) == 0 || c.VIQR == "" {
			t.Errorf("char %q lacks a VNI or VIQR form", c.Char)
		}
	}
}

// TestUnitNames: the full names of units by code, old and 2025; "" for a
// code no unit has.
func TestUnitNames(t *testing.T) {
	for _, tc := range []struct {
		name      func(int32) string
		code      int32
		want, why string
	}{
		{WardNameOld, 1, "Phường Phúc Xá", "old ward"},
		{DistrictNameOld, 1, "Quận Ba Đình", "old district"},
		{ProvinceNameOld, 2, "Tỉnh Hà Giang", "old province"},
		{WardName2025, 97, "Phường Hồng Hà", "2025 ward"},
		{ProvinceName2025, 1, "Thành phố Hà Nội", "2025 province"},
		{WardNameOld, 0, "", "no old ward"},
		{DistrictNameOld, 999999, "", "no district"},
		{WardNameOld, -1, "", "a negative code"},
		{ProvinceNameOld, 0, "", "no old province"},
	} {
		if got := tc.name(tc.code); got != tc.want {
			t.Errorf("%s %d: %q, want %q", tc.why, tc.code, got, tc.want)
		}
	}
}
