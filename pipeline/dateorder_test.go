package pipeline

import (
	"testing"
	"unicode/utf8"

	"github.com/dedup-vn/dedup/normalize"
)

func TestReorderDate(t *testing.T) {
	tests := []struct {
		order, in, want string
	}{
		{"dmy", "05/04/1990", "05/04/1990"},
		{"", "05/04/1990", "05/04/1990"},
		{"mdy", "05/04/1990", "04/05/1990"},
		{"mdy", "5-4-90", "4-5-90"},
		{"mdy", "12/25/1990 10:30", "25/12/1990 10:30"},
		{"mdy", "12251990", "25121990"},
		{"mdy", "122590", "251290"},
		{"mdy", "1990-12-25", "1990-12-25"}, // the year first says its order
		{"mdy", "04/1990", "04/1990"},       // month/year reads the same
		{"mdy", "1990", "1990"},
		{"mdy", "ngày 5 tháng 4 năm 1990", "ngày 5 tháng 4 năm 1990"},
		{"mdy", "", ""},
		{"ymd", "90/12/25", "25/12/90"},
		{"ymd", "1990-12-25", "1990-12-25"},
		{"ymd", "19901225", "25121990"},
		{"ymd", "901225", "251290"},
		{"ymd", "1990-12", "1990-12"},
		{"ymd", "25/12/1990", "25/12/1990"}, // a four-digit year last: left to ParseDate
	}
	for _, tc := range tests {
		if got := string(reorderDate(nil, []byte(tc.in), tc.order)); got != tc.want {
			t.Errorf("reorderDate(%q, %s) = %q, want %q", tc.in, tc.order, got, tc.want)
		}
	}
}

// TestDateOrderParses checks the whole path: each order's spelling of a
// date parses to the same day as its day-first spelling.
func TestDateOrderParses(t *testing.T) {
	opt := normalize.DateOptions{RefYear: 2025}
	for _, tc := range []struct{ order, in string }{
		{"mdy", "05/04/1990"}, {"mdy", "5.4.1990"}, {"mdy", "05041990"},
		{"ymd", "1990-05-04"}, {"ymd", "90/05/04"}, {"ymd", "19900504"}, {"ymd", "900504"},
		{"dmy", "04/05/1990"},
	} {
		d := normalize.ParseDate(reorderDate(nil, []byte(tc.in), tc.order), opt)
		if d.Packed() != 19900504 {
			t.Errorf("%s %q parsed as %d, want 19900504", tc.order, tc.in, d.Packed())
		}
	}
}

// FuzzReorderDate: never panics, keeps every byte (a permutation of the
// value's bytes, valid UTF-8 stays valid), and the dmy order is the
// identity.
func FuzzReorderDate(f *testing.F) {
	for _, s := range []string{"05/04/1990", "12251990", "90/12/25", "1990-12-25T10:00", "ngày 5 tháng 4", "1/2/3/4", "\xff12/13/14"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := reorderDate(nil, []byte(s), "dmy"); string(got) != s {
			t.Fatalf("dmy changed %q to %q", s, got)
		}
		for _, order := range []string{"mdy", "ymd"} {
			got := reorderDate(nil, []byte(s), order)
			if !sameBytes(got, []byte(s)) {
				t.Fatalf("%s: %q became %q: not the same bytes", order, s, got)
			}
			if utf8.ValidString(s) && !utf8.Valid(got) {
				t.Fatalf("%s: valid %q became invalid %q", order, s, got)
			}
		}
	})
}

// sameBytes reports whether a and b hold the same multiset of bytes.
func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var count [256]int
	for _, c := range a {
		count[c]++
	}
	for _, c := range b {
		count[c]--
	}
	return count == [256]int{}
}
