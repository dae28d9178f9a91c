package main

import (
	"testing"
	"unicode/utf8"
)

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{in: "6GiB", want: 6 << 30},
		{in: "6G", want: 6 << 30},
		{in: "6gb", want: 6 << 30},
		{in: "1.5 GiB", want: 3 << 29},
		{in: "512M", want: 512 << 20},
		{in: "512MiB", want: 512 << 20},
		{in: "64k", want: 64 << 10},
		{in: "1T", want: 1 << 40},
		{in: "1000", want: 1000},
		{in: "1000b", want: 1000},
		{in: " 2 g ", want: 2 << 30},
		{in: "", bad: true},
		{in: "G", bad: true},
		{in: "six GiB", bad: true},
		{in: "-1G", bad: true},
		{in: "NaN", bad: true},
		{in: "Inf", bad: true},
		{in: "1e30T", bad: true},
		{in: "6GiBs", bad: true},
	} {
		got, err := parseSize(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("parseSize(%q) = %d, want an error", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

// FuzzParseSize: never panics, never negative, errors name the input.
func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"6GiB", "1.5 g", "0", "-3", "1e400", "kib", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseSize(s)
		if err != nil {
			if !utf8.ValidString(err.Error()) && utf8.ValidString(s) {
				t.Fatalf("error text not valid UTF-8: %q", err)
			}
			return
		}
		if v < 0 {
			t.Fatalf("parseSize(%q) = %d < 0", s, v)
		}
	})
}
