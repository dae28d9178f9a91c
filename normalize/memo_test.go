package normalize

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// TestTextRepeat: a repeat of the last input (the memo in text) gives what
// a fresh Normalizer gives, also when the input aliases the last result and
// when the hint differs.
func TestTextRepeat(t *testing.T) {
	n := New(Options{})
	for _, s := range []string{"Số 12 Đ. Nguyễn Trãi, P.2, Q.5, TP.HCM", "NguyÔn ThÞ Thñy", "Nguyen Van A", "Lê Thành Công"} {
		want := New(Options{}).Text([]byte(s))
		for _, hint := range []Encoding{EncodingNone, EncodingTCVN3, EncodingNone} {
			wantH := New(Options{}).TextHint([]byte(s), hint)
			got := n.TextHint([]byte(s), hint)
			if !bytes.Equal(got.Canonical, wantH.Canonical) || !bytes.Equal(got.Folded, wantH.Folded) || got.Encoding != wantH.Encoding || got.Flags != wantH.Flags {
				t.Errorf("TextHint(%q, %v) = %q %v, fresh %q %v", s, hint, got.Canonical, got.Encoding, wantH.Canonical, wantH.Encoding)
			}
		}
		got := n.Text([]byte(s))
		again := n.Text(got.Canonical) // aliases the buffer text writes
		fresh := New(Options{}).Text(want.Canonical)
		if !bytes.Equal(again.Canonical, fresh.Canonical) || again.Encoding != fresh.Encoding {
			t.Errorf("Text(Text(%q).Canonical) = %q, fresh %q", s, again.Canonical, fresh.Canonical)
		}
	}
}

// TestParseRepeat: a repeat of the last address, in another buffer, gives
// the same result with House and Street slicing the new buffer.
func TestParseRepeat(t *testing.T) {
	p := NewAddressParser()
	s1 := []byte("số 94 đ. phan chu trinh, p. lĩnh nam, q. hoàng mai, tp. hà nội")
	a1 := p.Parse(s1)
	s2 := bytes.Clone(s1)
	a2 := p.Parse(s2)
	if string(a2.House) != string(a1.House) || string(a2.Street) != string(a1.Street) || a2.NewWard != a1.NewWard || a2.OldWard != a1.OldWard || a2.Flags != a1.Flags {
		t.Fatalf("repeat differs: %+v vs %+v", a2, a1)
	}
	if len(a2.House) == 0 || len(a2.Street) == 0 {
		t.Fatalf("house %q street %q: want both", a2.House, a2.Street)
	}
	s2[len(s2)-1] = 'X' // the result must alias s2, not s1
	clear(s1)
	if &a2.Street[0] == &a1.Street[0] || string(a2.House) == "" || a2.House[0] == 0 {
		t.Fatal("repeat's House/Street do not slice its own input")
	}
	if got := p.Parse([]byte("Thôn 6, Xã Uy Nỗ, Huyện Đông Anh, Thành phố Hà Nội")); got.NewWard == a1.NewWard {
		t.Fatal("a different address returned the memo")
	}
}

// TestTokenMemoColdWarm: Name gives the same results from a Normalizer
// whose token memo is warm (and full of colliding entries) as from a
// fresh one, over the golden inputs, trickyInputs, names made of more
// distinct syllables than the memo has entries, and, with DEDUP_GEN_DIR,
// the first rows of a generated population.
func TestTokenMemoColdWarm(t *testing.T) {
	var ins []string
	for _, s := range goldenInputs(t) {
		ins = append(ins, string(s))
	}
	ins = append(ins, trickyInputs...)
	onsets := []string{"", "b", "ch", "đ", "gh", "gi", "kh", "ngh", "nh", "ph", "qu", "th", "tr", "x"}
	rhymes := []string{"a", "ai", "anh", "ăng", "âu", "ê", "iêng", "oa", "oai", "uy", "uyên", "ươi", "ưng", "y", "yêu"}
	tones := []string{"", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
	var syl []string
	for _, o := range onsets {
		for _, r := range rhymes {
			for _, tn := range tones {
				syl = append(syl, o+r+tn)
			}
		}
	}
	if len(syl) <= tokenMemoSize {
		t.Fatalf("%d syllables: too few to overflow the memo", len(syl))
	}
	for i := range syl {
		ins = append(ins, "Nguyễn "+syl[i]+" "+syl[(i*7+3)%len(syl)])
	}
	if dir := os.Getenv("DEDUP_GEN_DIR"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "population", "*.parquet"))
		if len(files) > 0 {
			sort.Strings(files)
			cols := readStringColumns(t, files[0], "full_name")
			ins = append(ins, cols[0][:min(len(cols[0]), 20000)]...)
		}
	}
	warm := New(Options{})
	for _, s := range ins { // fill the memo
		warm.Name([]byte(s))
	}
	for _, s := range ins {
		var got, want bytes.Buffer
		digestWriter{&got}.name("name", warm.Name([]byte(s)))
		digestWriter{&want}.name("name", New(Options{}).Name([]byte(s)))
		if got.String() != want.String() {
			t.Fatalf("warm Name(%q):\n%s\ncold:\n%s", s, got.String(), want.String())
		}
	}
}
