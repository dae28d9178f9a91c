package normalize

import (
	"math/rand/v2"
	"testing"
)

func TestWithinOneEdit(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"nguyen", "nguyen", true},
		{"nguen", "nguyen", true},   // deletion
		{"nguyyen", "nguyen", true}, // insertion
		{"nguyem", "nguyen", true},  // substitution
		{"ngyuen", "nguyen", true},  // adjacent transposition
		{"nguyne", "nguyen", true},  // transposition at the end
		{"tran", "trna", true},
		{"", "a", true},
		{"", "", true},
		{"ngyen", "nguyne", false}, // two edits
		{"nguyen", "ngu", false},
		{"tran", "tarn", true},
		{"tran", "rtna", false},
		{"abc", "cba", false}, // a transposition of non-adjacent letters is two edits
		{"pham", "phma", true},
		{"dean", "doan", true},
	} {
		if got := withinOneEdit([]byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("withinOneEdit(%q, %q) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := withinOneEdit([]byte(c.b), []byte(c.a)); got != c.want {
			t.Errorf("withinOneEdit(%q, %q) = %v, want %v", c.b, c.a, got, c.want)
		}
	}
}

// osa is the optimal string alignment distance, the reference for
// withinOneEdit.
func osa(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// TestWithinOneEditMatchesOSA checks withinOneEdit against the distance on
// random short strings over a small alphabet (so that near strings are
// common), seeded.
func TestWithinOneEditMatchesOSA(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func() string {
		b := make([]byte, r.IntN(6))
		for i := range b {
			b[i] = "abc"[r.IntN(3)]
		}
		return string(b)
	}
	near := 0
	for range 100000 {
		a, b := word(), word()
		want := osa(a, b) <= 1
		near += b2i(want)
		if got := withinOneEdit([]byte(a), []byte(b)); got != want {
			t.Fatalf("withinOneEdit(%q, %q) = %v, distance %d", a, b, got, osa(a, b))
		}
	}
	if near < 1000 {
		t.Fatalf("only %d near pairs drawn", near)
	}
}

func TestNearSurname(t *testing.T) {
	nt := getNameTables()
	for _, c := range []struct {
		tok   string
		plain bool
		want  bool
	}{
		{"nguen", false, true},   // Nguyễn less its y
		{"ngyuen", false, true},  // transposed
		{"phamm", false, true},   // Phạm doubled
		{"tdan", false, true},    // Trần with a wrong key
		{"tdan", true, false},    // …but unaccented in an accented name
		{"giag", true, true},     // Giang is written without diacritics
		{"mguyen", false, false}, // the first letter differs
		{"nguyen", false, false}, // a known name (Nguyễn) is no misspelling
		{"trang", false, false},  // a given name, one edit from Tran
		{"lea", false, false},    // one edit from Lê: too short a surname
		{"bu", false, false},     // Bùi less its i: too short
		{"nhan", false, false},   // a known name
		{"xyzw", false, false},
	} {
		f := []byte(c.tok)
		if got := nt.nearSurname(nt.byFold[c.tok], f, c.plain); got != c.want {
			t.Errorf("nearSurname(%q, plain %v) = %v, want %v", c.tok, c.plain, got, c.want)
		}
	}
}
