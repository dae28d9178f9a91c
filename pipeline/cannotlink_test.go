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

// TestGivenKey: a regional variant or an i/y spelling of a given name
// shares one of its keys (variant or phonetic) with it, another name
// shares neither.
func TestGivenKey(t *testing.T) {
	n := normalize.New(normalize.Options{})
	keys := func(s string) [2]uint32 {
		v := n.Name([]byte(s))
		return [2]uint32{givenKey(v.Folded, v.VariantKeyFolded, v.GivenFolded), givenKey(v.Folded, v.Phonetic, v.GivenFolded)}
	}
	shares := func(a, b [2]uint32) bool { return a[0] != 0 && a[0] == b[0] || a[1] != 0 && a[1] == b[1] }
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"Nguyễn Thị Phước", "Nguyen Thi Phuc", true},
		{"Lê Thị Tòng", "Le Thi Tung", true},
		{"Nguyen Van Tong", "Nguyễn Văn Tùng", true},
		{"Trịnh Thị Thy", "Trịnh Thị Thi", true},
		{"Trần Việt Mĩ", "Trần Việt Mỹ", true},
		{"Nguyễn Thị Bửu", "Nguyễn Thị Bảo", true},
		{"Đỗ Thanh An", "Đỗ Thanh Anh", false},
		{"Kiều Thị Thanh", "Kiều Thị Hoàng", false},
		{"Phạm Thị Du", "Phạm Thị Duy", false},
	} {
		if got := shares(keys(tc.a), keys(tc.b)); got != tc.same {
			t.Errorf("%q and %q: share a key %v, want %v", tc.a, tc.b, got, tc.same)
		}
	}
	if k := givenKey([]byte("nguyen van an"), []byte("nguyen an"), []byte("an")); k != 0 {
		t.Errorf("key with other tokens than the name: %d, want 0", k)
	}
}
