package normalize

import (
	"fmt"
	"testing"
	"time"
	"unicode/utf8"
)

func TestReorderDate(t *testing.T) {
	tests := []struct {
		order    DateOrder
		in, want string
	}{
		{"dmy", "05/04/1990", "05/04/1990"},
		{"", "05/04/1990", "05/04/1990"},
		{"mdy", "05/04/1990", "04/05/1990"},
		{"mdy", "5-4-90", "4-5-90"},
		{"mdy", "12/25/1990 10:30", "25/12/1990 10:30"},
		{"mdy", "12251990", "25/12/1990"},
		{"mdy", "122590", "25/12/90"},
		{"mdy", "1990-12-25", "1990-12-25"}, // the year first says its order
		{"mdy", "04/1990", "04/1990"},       // month/year reads the same
		{"mdy", "1990", "1990"},
		{"mdy", "ngày 5 tháng 4 năm 1990", "ngày 5 tháng 4 năm 1990"},
		{"mdy", "", ""},
		{"ymd", "90/12/25", "25/12/90"},
		{"ymd", "1990-12-25", "1990-12-25"},
		{"ymd", "19901225", "25/12/1990"},
		{"ymd", "901225", "25/12/90"},
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
	opt := DateOptions{RefYear: 2025}
	for _, tc := range []struct {
		order DateOrder
		in    string
	}{
		{"mdy", "05/04/1990"}, {"mdy", "5.4.1990"}, {"mdy", "05041990"},
		{"ymd", "1990-05-04"}, {"ymd", "90/05/04"}, {"ymd", "19900504"}, {"ymd", "900504"},
		{"dmy", "04/05/1990"},
	} {
		d := ParseDate(reorderDate(nil, []byte(tc.in), tc.order), opt)
		if d.Packed() != 19900504 {
			t.Errorf("%s %q parsed as %d, want 19900504", tc.order, tc.in, d.Packed())
		}
	}
}

// TestDateOrderEveryDay: every day from 1900 to 2025, spelt in each
// order with and without separators, parses to that day. (Run together,
// ymd's 19310318 once became 18031931, which ParseDate read as the year
// 1803: 656 of FEBRL3's 5,000 dates.)
func TestDateOrderEveryDay(t *testing.T) {
	opt := DateOptions{RefYear: 2025}
	day := time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	for ; day.Year() <= 2025; day = day.AddDate(0, 0, 1) {
		y, m, d := day.Year(), int(day.Month()), day.Day()
		want := int32(y*10000 + m*100 + d)
		for _, tc := range []struct {
			order DateOrder
			in    string
		}{
			{"ymd", fmt.Sprintf("%04d%02d%02d", y, m, d)},
			{"ymd", fmt.Sprintf("%04d-%02d-%02d", y, m, d)},
			{"mdy", fmt.Sprintf("%02d%02d%04d", m, d, y)},
			{"mdy", fmt.Sprintf("%d/%d/%04d", m, d, y)},
			{"dmy", fmt.Sprintf("%02d/%02d/%04d", d, m, y)},
		} {
			if got := ParseDate(reorderDate(nil, []byte(tc.in), tc.order), opt).Packed(); got != want {
				t.Fatalf("%s %q parsed as %d, want %d", tc.order, tc.in, got, want)
			}
		}
		if y >= 1926 { // two-digit years resolve to the century before RefYear's
			for _, tc := range []struct {
				order DateOrder
				in    string
			}{
				{"ymd", fmt.Sprintf("%02d%02d%02d", y%100, m, d)},
				{"mdy", fmt.Sprintf("%02d%02d%02d", m, d, y%100)},
			} {
				if got := ParseDate(reorderDate(nil, []byte(tc.in), tc.order), opt).Packed(); got != want {
					t.Fatalf("%s %q parsed as %d, want %d", tc.order, tc.in, got, want)
				}
			}
		}
	}
}

// FuzzReorderDate: never panics, keeps every byte (a permutation of the
// value's bytes, plus the two slashes that separate digits written run
// together), valid UTF-8 stays valid, and the dmy order is the identity.
func FuzzReorderDate(f *testing.F) {
	for _, s := range []string{"05/04/1990", "12251990", "90/12/25", "1990-12-25T10:00", "ngày 5 tháng 4", "1/2/3/4", "\xff12/13/14"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := reorderDate(nil, []byte(s), "dmy"); string(got) != s {
			t.Fatalf("dmy changed %q to %q", s, got)
		}
		for _, order := range []DateOrder{MonthFirst, YearFirst} {
			got := reorderDate(nil, []byte(s), order)
			in := s
			if len(got) == len(s)+2 {
				in += "//"
			}
			if !sameBytes(got, []byte(in)) {
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
