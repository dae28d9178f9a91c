package pipeline

import (
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/store"
)

// TestDateKeyParts checks which dates share a key under each date part:
// the parts that tolerate one wrong date part must join exactly the dates
// that differ in that part, and a partial date has no key where the part
// needs the missing piece.
func TestDateKeyParts(t *testing.T) {
	dates := []int32{
		19900517, // 0
		19900518, // 1: day differs
		19901117, // 2: month differs
		19910517, // 3: year differs
		19901705, // 4: not a real date, but the swap of 0 packs like this
		19900500, // 5: month only
		19900000, // 6: year only
		19900715, // 7: other day and month
		0,        // 8: none
	}
	st := store.New(store.SchemaOf(config.Default().Fields), len(dates))
	st.N = len(dates)
	dob := st.Field("dob")
	dob.Ints[0] = append(dob.Ints[0], dates...)
	same := func(part string) map[[2]int]bool {
		keys, err := ruleKeys(st, nil, 1, config.BlockingRule{Name: part, Keys: []string{part}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[[2]int]bool{}
		for i := range keys {
			for j := i + 1; j < len(keys); j++ {
				if keys[i] != 0 && keys[i] == keys[j] {
					out[[2]int{i, j}] = true
				}
			}
		}
		return out
	}
	for _, c := range []struct {
		part  string
		pairs [][2]int
	}{
		{"dob", nil},
		{"dob.year", [][2]int{{0, 1}, {0, 2}, {0, 4}, {0, 5}, {0, 6}, {0, 7}, {1, 2}, {1, 4}, {1, 5}, {1, 6}, {1, 7}, {2, 4}, {2, 5}, {2, 6}, {2, 7}, {4, 5}, {4, 6}, {4, 7}, {5, 6}, {5, 7}, {6, 7}}},
		{"dob.year_month", [][2]int{{0, 1}, {0, 5}, {1, 5}}},
		{"dob.year_day", [][2]int{{0, 2}}},
		{"dob.year_unordered", [][2]int{{0, 4}}},
		{"dob.month_day", [][2]int{{0, 3}}},
	} {
		got := same(c.part)
		if len(got) != len(c.pairs) {
			t.Errorf("%s: %d pairs share a key, want %d: %v", c.part, len(got), len(c.pairs), got)
			continue
		}
		for _, p := range c.pairs {
			if !got[p] {
				t.Errorf("%s: dates %d and %d do not share a key", c.part, dates[p[0]], dates[p[1]])
			}
		}
	}
}
