package normalize

import (
	"bytes"
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
