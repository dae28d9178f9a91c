package pipeline

import (
	"testing"

	"github.com/dedup-vn/dedup/normalize"
)

// TestGivenTone: tone placement, case and legacy forms give one tone key,
// an unaccented name none, another tone on the same letters another key.
func TestGivenTone(t *testing.T) {
	n := normalize.New(normalize.Options{})
	tone := func(s string) uint32 {
		v := n.Name([]byte(s))
		return givenTone(v.Canonical, v.GivenFolded)
	}
	same := [][]string{
		{"Nguyễn Thị Hoà", "Nguyễn Thị Hòa", "NGUYỄN THỊ HOÀ"},
		{"Nguyễn Thị Thuỷ", "Nguyễn Thị Thủy"},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if tone(s) != tone(group[0]) || tone(s) == 0 {
				t.Errorf("%q and %q: tone keys %d %d, want one non-zero key", group[0], s, tone(group[0]), tone(s))
			}
		}
	}
	if k := tone("Nguyen Thi Hoa"); k != 0 {
		t.Errorf("unaccented name: tone key %d, want 0", k)
	}
	if a, b := tone("Kiều Thị Thanh"), tone("Kiều Thị Thành"); a == b || a == 0 || b == 0 {
		t.Errorf("Thanh and Thành: tone keys %d %d, want two non-zero keys", a, b)
	}
}
