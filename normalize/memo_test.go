package normalize

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"unsafe"
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

// newMemoNormalizer returns a Normalizer whose name memo starts at its
// next call (rather than after memoWarmup calls).
func newMemoNormalizer() *Normalizer {
	n := New(Options{RefYear: 2025})
	n.calls = memoWarmup - 1
	return n
}

// plainNormalizer returns a Normalizer without the name memo.
func plainNormalizer() *Normalizer {
	n := New(Options{RefYear: 2025})
	n.noMemo = true
	return n
}

// memoSyllables returns Vietnamese syllables (onset, rhyme, tone) enough
// for names that overflow the name memo.
func memoSyllables() []string {
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
	return syl
}

// TestNameMemoMatchesPlain: a Normalizer with the name memo gives, call
// after call, the same Name as one without, over the golden inputs,
// trickyInputs, more distinct names than the memo holds (each three times
// at a distance, so that they are kept, hit and evicted), with and without
// a hint, and with DEDUP_GEN_DIR the first 50,000 names of a generated
// population. The caller scribbles over each result, as it may: a hit
// must not have handed out the memo's own bytes.
func TestNameMemoMatchesPlain(t *testing.T) {
	type call struct {
		s    []byte
		hint Encoding
	}
	var calls []call
	var base [][]byte
	for _, s := range goldenInputs(t) {
		base = append(base, s)
	}
	for _, s := range trickyInputs {
		base = append(base, []byte(s))
	}
	for r := range 3 {
		for i, s := range base {
			calls = append(calls, call{s, Encoding(r*len(base)+i) % 3 * EncodingTCVN3})
		}
	}
	syl := memoSyllables()
	distinct := 3 * nameMemoSets
	const gap = 1000
	for j := range distinct + 2*gap {
		for _, k := range []int{j, j - gap, j - 2*gap} {
			if k >= 0 && k < distinct {
				calls = append(calls, call{[]byte("Trần " + syl[k%len(syl)] + " " + syl[k/len(syl)%len(syl)]), EncodingNone})
			}
		}
	}
	if dir := os.Getenv("DEDUP_GEN_DIR"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "population", "*.parquet"))
		if len(files) > 0 {
			sort.Strings(files)
			cols := readStringColumns(t, files[0], "full_name")
			for _, s := range cols[0][:min(len(cols[0]), 50000)] {
				calls = append(calls, call{[]byte(s), EncodingNone})
			}
		}
	}
	m, p := newMemoNormalizer(), plainNormalizer()
	var got, want bytes.Buffer
	for i, c := range calls {
		got.Reset()
		want.Reset()
		nm := m.NameHint(c.s, c.hint)
		digestWriter{&got}.name("name", nm)
		digestWriter{&want}.name("name", p.NameHint(c.s, c.hint))
		if got.String() != want.String() {
			t.Fatalf("call %d NameHint(%q, %v) with the memo:\n%s\nwithout:\n%s", i, c.s, c.hint, got.String(), want.String())
		}
		for _, b := range [][]byte{nm.Canonical, nm.Folded, nm.VariantKey, nm.VariantKeyIY, nm.Phonetic, nm.VariantKeyFolded} {
			for k := range b {
				b[k] = 'X'
			}
		}
	}
	if m.nmemo == nil {
		t.Fatal("the memo was not allocated")
	}
	mm := m.nmemo.memoTags
	if mm.hits < uint64(distinct/2) || mm.kept <= 2*nameMemoSets {
		t.Fatalf("the memo was not exercised: %+v (want hits, and more names kept than it holds)", mm)
	}
	t.Logf("%d calls: %d hits, %d misses, %d kept", len(calls), mm.hits, mm.misses, mm.kept)
}

// TestNameMemoRecord: Record, which goes through the memo, gives what a
// memo-less Normalizer gives, also for a name repeated with another
// row's hint and for Name of a result's own Canonical (the input then
// aliases the buffer a hit is copied into).
func TestNameMemoRecord(t *testing.T) {
	m, p := newMemoNormalizer(), plainNormalizer()
	for round := range 3 {
		for k, in := range benchRecords {
			for _, hint := range []Encoding{EncodingNone, EncodingTCVN3, EncodingVNI} {
				in.Encoding = hint
				var got, want bytes.Buffer
				digestWriter{&got}.record("r", m.Record(in))
				digestWriter{&want}.record("r", p.Record(in))
				if got.String() != want.String() {
					t.Fatalf("round %d row %d hint %v:\n%s\nwant\n%s", round, k, hint, got.String(), want.String())
				}
				nm := m.Name(in.FullName)
				again := m.Name(nm.Canonical)
				fresh := p.Name(bytes.Clone(p.Name(in.FullName).Canonical))
				got.Reset()
				want.Reset()
				digestWriter{&got}.name("again", again)
				digestWriter{&want}.name("again", fresh)
				if got.String() != want.String() {
					t.Fatalf("round %d row %d: Name(Name(%q).Canonical):\n%s\nwant\n%s", round, k, in.FullName, got.String(), want.String())
				}
			}
		}
	}
	if m.nmemo.hits == 0 {
		t.Fatal("no memo hits")
	}
}

// TestNameMemoBytes states the memory of a Normalizer's name memo and
// keeps it under 8 MiB a worker.
func TestNameMemoBytes(t *testing.T) {
	size := unsafe.Sizeof(nameMemo{})
	t.Logf("name memo: %d bytes (%d entries of %d bytes, %d sets of %d bytes)",
		size, 2*nameMemoSets, unsafe.Sizeof(nameMemoEnt{}), nameMemoSets, unsafe.Sizeof(memoSet{}))
	if size > 8<<20 {
		t.Fatalf("name memo takes %d bytes, over 8 MiB a worker", size)
	}
	if n := New(Options{}); n.Name([]byte("Nguyễn Văn A")).Tokens != 3 || n.nmemo != nil {
		t.Fatal("a new Normalizer allocated its memo before memoWarmup calls")
	}
}

// fuzzMemo is the memo Normalizer FuzzNameMemo keeps across inputs (a
// fresh one would allocate the memo each time).
var fuzzMemo = newMemoNormalizer()

// FuzzNameMemo: names split from the input at '|', three times over,
// through a Normalizer whose memo holds every earlier input, give what a
// memo-less Normalizer gives.
func FuzzNameMemo(f *testing.F) {
	for _, s := range trickyInputs {
		f.Add([]byte(s+"|"+s+"|Nguyễn Văn A"), uint8(0))
	}
	f.Add([]byte("Lan Nguyễn Thị|NguyÔn ThÞ Thñy|Nguyeenx Thij Thuyr"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, h uint8) {
		hint := Encoding(h % 6)
		p := plainNormalizer()
		var got, want bytes.Buffer
		for range 3 {
			for _, s := range bytes.Split(data, []byte("|")) {
				got.Reset()
				want.Reset()
				digestWriter{&got}.name("n", fuzzMemo.NameHint(s, hint))
				digestWriter{&want}.name("n", p.NameHint(s, hint))
				if got.String() != want.String() {
					t.Fatalf("NameHint(%q, %v) with the memo:\n%s\nwithout:\n%s", s, hint, got.String(), want.String())
				}
			}
		}
	})
}
