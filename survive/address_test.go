package survive

import (
	"testing"

	"github.com/dedup-vn/dedup/config"
)

// addr is one member's address as the store keeps it: the house and
// street lower-cased, the 2025 and the old unit codes (0 = none).
type addr struct {
	street                  string
	ward, prov              int32 // 2025
	wardOld, distOld, prOld int32
	updated                 int64
}

// Units of the tests (refdata): old ward 00001 Phúc Xá, district 001 Ba
// Đình, province 01 Hà Nội, now in 2025 ward 00097 Hồng Hà of Hà Nội;
// old ward 00004 Trúc Bạch, also of Ba Đình; 2025 ward 00004 Ba Đình.
const (
	phucXa, trucBach, baDinhOld, haNoi = 1, 4, 1, 1
	hongHa, baDinh2025                 = 97, 4
)

// TestGoldenAddress pins the two texts of a golden address: `<field>` in
// the old units, `<field>_2025` in the 2025 units, both with the house
// and street in proper case and the units' full names; the old units
// borrowed from a member in the same 2025 ward when the chosen one wrote
// only the 2025 units; an unresolved address kept as written in both.
func TestGoldenAddress(t *testing.T) {
	full := addr{street: "163 đường nguyễn văn cừ", ward: hongHa, prov: haNoi, wardOld: phucXa, distOld: baDinhOld, prOld: haNoi}
	mod := func(a addr, f func(*addr)) addr { f(&a); return a }
	only2025 := mod(full, func(a *addr) { a.wardOld, a.distOld, a.prOld = 0, 0, 0 })
	const (
		street  = "163 Đường Nguyễn Văn Cừ"
		old     = street + ", Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội"
		new2025 = street + ", Phường Hồng Hà, Thành phố Hà Nội"
	)
	tests := []struct {
		what    string
		members []addr
		keepOld bool // the caller keeps the old-unit columns
		want    map[string]string
	}{
		{"old and 2025 units", []addr{full}, true, map[string]string{
			"address": old, "address_2025": new2025, "address_from": "a",
			"address_ward_2025": "00097", "address_province_2025": "01", "quality_flags": ""}},
		{"no street", []addr{mod(full, func(a *addr) { a.street = "" })}, true, map[string]string{
			"address":      "Phường Phúc Xá, Quận Ba Đình, Thành phố Hà Nội",
			"address_2025": "Phường Hồng Hà, Thành phố Hà Nội"}},
		{"written in the 2025 units only: the street alone", []addr{only2025}, true, map[string]string{
			"address": street, "address_2025": new2025, "address_ward_2025": "00097"}},
		{"old units borrowed from a member in the same 2025 ward",
			[]addr{mod(full, func(a *addr) { a.street = "" }), mod(only2025, func(a *addr) { a.updated = 200 })}, true,
			map[string]string{"address": old, "address_2025": new2025, "address_from": "b"}},
		{"the first such member's old units",
			[]addr{mod(full, func(a *addr) { a.wardOld = trucBach }), full, mod(only2025, func(a *addr) { a.updated = 200 })}, true,
			map[string]string{"address": street + ", Phường Trúc Bạch, Quận Ba Đình, Thành phố Hà Nội", "address_from": "c"}},
		{"never from a member in another 2025 ward",
			[]addr{mod(full, func(a *addr) { a.ward = baDinh2025 }), mod(only2025, func(a *addr) { a.updated = 200 })}, true,
			map[string]string{"address": street, "address_2025": new2025, "address_from": "b"}},
		{"only the district known", []addr{mod(full, func(a *addr) { a.wardOld = 0 })}, true, map[string]string{
			"address": street + ", Quận Ba Đình, Thành phố Hà Nội"}},
		{"old columns not kept", []addr{full}, false, map[string]string{
			"address": street, "address_2025": new2025}},
		{"unresolved: as written in both, flagged",
			[]addr{{street: "thôn 1"}, {street: "thôn 2", wardOld: phucXa, distOld: baDinhOld, prOld: haNoi}}, true,
			map[string]string{"address": "Thôn 1", "address_2025": "Thôn 1", "address_from": "a",
				"address_ward_2025": "", "address_province_2025": "", "quality_flags": "addr_unresolved"}},
	}
	cfg := &config.Config{
		Fields:       []config.Field{{Name: "address", Kind: config.KindVNAddress}, {Name: "updated_at", Kind: config.KindTimestamp}},
		Survivorship: config.Survivorship{Default: config.SurviveMostRecent},
	}
	for _, tc := range tests {
		m := &Members{Fields: []Field{{Kind: config.KindVNAddress}, {Kind: config.KindTimestamp}}}
		a, ts := &m.Fields[0], &m.Fields[1]
		members := []int32{}
		for i, p := range tc.members {
			appendStr(&m.RecordID, string(rune('a'+i)))
			m.Flags, m.IDKey = append(m.Flags, 0), append(m.IDKey, 0)
			appendStr(&a.Street, p.street)
			a.Ward, a.Province = append(a.Ward, p.ward), append(a.Province, p.prov)
			if tc.keepOld {
				a.WardOld = append(a.WardOld, p.wardOld)
				a.DistrictOld = append(a.DistrictOld, p.distOld)
				a.ProvinceOld = append(a.ProvinceOld, p.prOld)
			}
			ts.TS = append(ts.TS, p.updated+100)
			members = append(members, int32(i))
		}
		row := goldenRow(cfg, m, members)
		for col, want := range tc.want {
			if got, ok := row[col]; !ok || got != want {
				t.Errorf("%s: %s = %q, want %q", tc.what, col, got, want)
			}
		}
	}
}

// TestGoldenAddressColumns: `<field>_2025` stands beside `<field>`, the
// codes after the provenance.
func TestGoldenAddressColumns(t *testing.T) {
	cfg := &config.Config{Fields: []config.Field{{Name: "address", Kind: config.KindVNAddress}}}
	var got []string
	for _, f := range New(cfg).Schema().Fields()[3:] {
		got = append(got, f.Name)
	}
	want := []string{"address", "address_2025", "address_from", "address_ward_2025", "address_province_2025", "address_support"}
	for i, n := range want {
		if i >= len(got) || got[i] != n {
			t.Fatalf("golden columns %v, want %v first", got, want)
		}
	}
}
