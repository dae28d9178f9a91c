package survive

import (
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/normalize"
)

// TestEvidence pins the votes by evidence: in each case the corrupted
// spelling is the most recent record, so recency alone would choose it.
func TestEvidence(t *testing.T) {
	const noDia = normalize.FlagNameNoDiacritics
	cfg := testConfig(config.SurviveMostRecent, map[string]string{"name": config.SurviveMostFrequent, "nid": config.SurviveValidFirst})
	tests := []struct {
		what string
		recs []rec
		want map[string]string
	}{
		{"a slip another member wrote right is repaired; the rendering is the member who wrote it",
			[]rec{{id: "a", name: "Nguyễn Văn Nam", updated: 1}, {id: "b", name: "Nguyễn Văb Nam", updated: 2}},
			map[string]string{"name": "Nguyễn Văn Nam", "name_from": "a", "name_support": "1"}},
		{"a typo loses to the spelling the name tables know",
			[]rec{{id: "a", name: "Nguyễn Văn Nam", updated: 1}, {id: "b", name: "Nguyễn Văb Nam", updated: 2}, {id: "c", name: "Nguyễn Vân Nam", updated: 3}},
			map[string]string{"name": "Nguyễn Văn Nam", "name_from": "a"}}, // Văb: two candidates, left as written
		{"a full name with a slip, repaired, beats a shorter name",
			[]rec{{id: "a", name: "Ttần Đắc Lâm", updated: 1}, {id: "b", name: "Trần Lâm", updated: 2}},
			map[string]string{"name": "Trần Đắc Lâm", "name_from": "a", "name_support": "0.5"}},
		{"born in the north: the northern form of the surname",
			[]rec{{id: "a", name: "Vũ Thành Lịnh", nid: "025081340513", idKey: 1, updated: 1}, {id: "b", name: "Võ Thành Lịnh", nid: "025081340513", idKey: 1, updated: 2}},
			map[string]string{"name": "Vũ Thành Lịnh", "name_from": "a"}},
		{"born in the south: the tables' commoner form",
			[]rec{{id: "a", name: "Vũ Thành Lịnh", nid: "079081340513", idKey: 1, updated: 2}, {id: "b", name: "Võ Thành Lịnh", nid: "079081340513", idKey: 1, updated: 1}},
			map[string]string{"name": "Võ Thành Lịnh", "name_from": "b"}},
		{"the order the tables make likelier: surname, middle, given",
			[]rec{{id: "a", name: "Đặng Văn Nguyên", updated: 1}, {id: "b", name: "Nguyên Đặng Văn", updated: 2}},
			map[string]string{"name": "Đặng Văn Nguyên", "name_from": "a"}},
		{"an order normalization guessed loses to the order as written",
			[]rec{{id: "a", name: "Đặng Võ Danh", updated: 1}, {id: "b", name: "Võ Danh Đặng", flags: normalize.FlagNameReordered, updated: 2}},
			map[string]string{"name": "Đặng Võ Danh", "name_from": "a"}},
		{"a dropped middle name loses to the full name",
			[]rec{{id: "a", name: "Lê Văn Hùng", updated: 1}, {id: "b", name: "Lê Hùng", updated: 2}},
			map[string]string{"name": "Lê Văn Hùng", "name_from": "a"}},
		{"an initial loses to the name written out",
			[]rec{{id: "a", name: "Trần Thị Mai", updated: 1}, {id: "b", name: "Trần T. Mai", updated: 2}},
			map[string]string{"name": "Trần Thị Mai"}},
		{"the accented spelling of the winning form is written",
			[]rec{{id: "a", name: "Pham Van Duc", flags: noDia, updated: 3}, {id: "b", name: "Pham Van Duc", flags: noDia, updated: 2}, {id: "c", name: "Phạm Văn Đức", updated: 1}},
			map[string]string{"name": "Phạm Văn Đức", "name_from": "c", "name_support": "1"}},
		{"an unaccented winner takes the diacritics other members wrote",
			[]rec{{id: "a", name: "Pham Van Duc", flags: noDia, updated: 3}, {id: "b", name: "Phạm Đức", updated: 1}},
			map[string]string{"name": "Phạm Văn Đức", "name_from": "a"}},
		{"no member accented: the spelling the tables make dominant in each place (Đặng as a surname, not Đăng)",
			[]rec{{id: "a", name: "Dang Van Nam", flags: noDia, updated: 1}, {id: "b", name: "Dang Van Nam", flags: noDia, updated: 2}},
			map[string]string{"name": "Đặng Văn Nam", "name_from": "b"}},
		{"surname first: the commoner surname leads",
			[]rec{{id: "a", name: "Nguyễn Nhân", updated: 1}, {id: "b", name: "Nhân Nguyễn", updated: 2}},
			map[string]string{"name": "Nguyễn Nhân", "name_from": "a"}},
		{"votes: two members outweigh a later third",
			[]rec{{id: "a", name: "Hoàng Văn Hà", updated: 1}, {id: "b", name: "Hoàng Văn Hà", updated: 2}, {id: "c", name: "Huỳnh Văn Hà", updated: 3}},
			map[string]string{"name": "Hoàng Văn Hà", "name_from": "b", "name_support": "0.6666667"}},
		{"a CCCD over a later CMND",
			[]rec{{id: "a", nid: "001090012345", idKey: 7, updated: 1}, {id: "b", nid: "012345678", updated: 2}},
			map[string]string{"nid": "001090012345", "nid_from": "a", "nid_support": "0.5"}},
	}
	for _, tc := range tests {
		got := golden(cfg, tc.recs)
		for k, want := range tc.want {
			if got[k] != want {
				t.Errorf("%s: %s = %q, want %q", tc.what, k, got[k], want)
			}
		}
	}
}

// TestEvidenceDate: a date that could only be read month first (12/15)
// weighs less than one read day first, whatever the recency.
func TestEvidenceDate(t *testing.T) {
	cfg := &config.Config{
		Fields: []config.Field{{Name: "dob", Kind: config.KindDate}, {Name: "updated_at", Kind: config.KindTimestamp}},
		Survivorship: config.Survivorship{Default: config.SurviveMostRecent,
			Fields: map[string]string{"dob": config.SurviveMostFrequent}},
	}
	for _, tc := range []struct {
		what  string
		flags []uint64
		want  string
	}{
		{"recency decides a tie", []uint64{0, 0}, "2013-12-15"},
		{"the month-first reading loses", []uint64{0, uint64(normalize.FlagDOBMonthFirst)}, "2013-05-12"},
	} {
		m := &Members{
			RecordID: Strings{Data: []byte("ab"), Offs: []uint32{0, 1, 2}},
			Flags:    tc.flags,
			IDKey:    []uint64{0, 0},
			Fields: []Field{
				{Kind: config.KindDate, Ints: []int32{20130512, 20131215}},
				{Kind: config.KindTimestamp, TS: []int64{1, 2}},
			},
		}
		rec := New(cfg).Golden(0xabc, m, []int32{0, 1})
		got := rowsOf(rec)[0]["dob"]
		rec.Release()
		if got != tc.want {
			t.Errorf("%s: dob %q, want %q", tc.what, got, tc.want)
		}
	}
}

// TestEvidenceIDProvince: of two valid CCCDs, the one whose province of
// birth registration is one a member lived in wins over a more recent one,
// read in the old units or, for an address in the 2025 units, the
// province the old one merged into.
func TestEvidenceIDProvince(t *testing.T) {
	cfg := &config.Config{
		Fields: []config.Field{{Name: "nid", Kind: config.KindNationalID}, {Name: "addr", Kind: config.KindVNAddress},
			{Name: "updated_at", Kind: config.KindTimestamp}},
		Survivorship: config.Survivorship{Default: config.SurviveMostRecent, Fields: map[string]string{"nid": config.SurviveValidFirst}},
	}
	for _, tc := range []struct {
		what              string
		provOld, prov2025 []int32
		ts                []int64
		want              string
	}{
		{"no address: recency", []int32{0, 0}, []int32{0, 0}, []int64{1, 2}, "002090012345"},
		{"old units: Hà Nội", []int32{1, 0}, []int32{1, 0}, []int64{1, 2}, "001090012345"},
		{"2025 units: Hà Giang merged into Tuyên Quang", []int32{0, 0}, []int32{8, 0}, []int64{2, 1}, "002090012345"},
		{"2025 units: Hà Nội", []int32{0, 0}, []int32{1, 0}, []int64{1, 2}, "001090012345"},
	} {
		ward := []int32{0, 0}
		for i := range ward {
			if tc.prov2025[i] != 0 {
				ward[i] = 1
			}
		}
		m := &Members{
			RecordID: Strings{Data: []byte("ab"), Offs: []uint32{0, 1, 2}},
			Flags:    []uint64{0, 0},
			IDKey:    []uint64{1, 2},
			Fields: []Field{
				{Kind: config.KindNationalID, Text: Strings{Data: []byte("001090012345002090012345"), Offs: []uint32{0, 12, 24}}},
				{Kind: config.KindVNAddress, Text: Strings{Offs: []uint32{0, 0, 0}}, Street: Strings{Offs: []uint32{0, 0, 0}},
					Ward: ward, Province: tc.prov2025, WardOld: []int32{0, 0}, DistrictOld: []int32{0, 0}, ProvinceOld: tc.provOld},
				{Kind: config.KindTimestamp, TS: tc.ts},
			},
		}
		rec := New(cfg).Golden(0xabc, m, []int32{0, 1})
		got := rowsOf(rec)[0]["nid"]
		rec.Release()
		if got != tc.want {
			t.Errorf("%s: nid %q, want %q", tc.what, got, tc.want)
		}
	}
}
