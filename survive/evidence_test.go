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
		{"a typo loses to the spelling the name tables know",
			[]rec{{id: "a", name: "Nguyễn Văn Nam", updated: 1}, {id: "b", name: "Nguyễn Văb Nam", updated: 2}},
			map[string]string{"name": "Nguyễn Văn Nam", "name_from": "a", "name_support": "0.5"}},
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
