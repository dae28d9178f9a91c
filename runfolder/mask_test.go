package runfolder

import (
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"12", "12"},
		{"123", "123"},
		{"0912345678", "•••••••678"},
		{"+84 912 345 678", "+•• ••• ••• 678"},
		{"001203004567", "•••••••••567"},
		{"AB12", "•B12"},
		{"09-1234", "••-•234"},
		{"ß123", "•123"},
	} {
		if got := Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzMask: the mask keeps the length in characters, shows at most
// MaskKeep letters or digits, and keeps the tail.
func FuzzMask(f *testing.F) {
	for _, s := range []string{"", "0912345678", "+84 912 345 678", "001203004567", "ab", "é12345"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := Mask(s)
		visible := 0
		for i := 0; i < len(m); i++ {
			if isAlnum(m[i]) {
				visible++
			}
		}
		if visible > MaskKeep {
			t.Errorf("Mask(%q) = %q shows %d characters", s, m, visible)
		}
		if strings.Count(m, "•")+visible > len([]rune(s)) {
			t.Errorf("Mask(%q) = %q is longer than its input", s, m)
		}
	})
}
