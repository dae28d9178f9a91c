package normalize

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// sameTokens checks that tokenizeNameQuick, where it takes s, gives
// tokenizeNameGeneral's tokens and adds no flag; it reports whether the
// quick path took s.
func sameTokens(t *testing.T, s []byte) bool {
	t.Helper()
	// A token already in the slice must stay as it is, taken or not.
	pre := []nameToken{{start: 7, end: 9}}
	q, ok := tokenizeNameQuick(slices.Clone(pre), s)
	if !ok {
		if !slices.Equal(q, pre) {
			t.Errorf("%q: quick path gave up but changed the slice: %+v", s, q)
		}
		return false
	}
	g, f := tokenizeNameGeneral(slices.Clone(pre), s, 0)
	if f != 0 {
		t.Errorf("%q: quick path took a name the general path flags %v", s, f)
	}
	if !slices.Equal(q, g) {
		t.Errorf("%q: quick tokens %+v, general %+v", s, q, g)
	}
	return true
}

func TestTokenizeNameQuick(t *testing.T) {
	for _, c := range []struct {
		in   string
		take bool
	}{
		{"", true},
		{"nguyễn văn an", true},
		{"trần thị thu-hà", true},
		{"  lê   văn  ", true},
		{"đặng v thị", true},
		{"ng th hà", true},
		{"ĐẶNG VĂN AN", true},
		{"nguyễn v. an", false},
		{"o'neil", false},
		{"trần (chết) an", false},
		{"lê [x] an", false},
		{"lê văn 2", false},
		{"lê\tvăn", false},
		{"lê ω", false},
		{"le\u0301", false},
		{"lê \xc3", false},
		{"lê ß", false},
		{"lê văn\u00a0an", false},
	} {
		if got := sameTokens(t, []byte(c.in)); got != c.take {
			t.Errorf("%q: quick path took it %v, want %v", c.in, got, c.take)
		}
	}
	n := New(Options{})
	ins := goldenInputs(t)
	for _, s := range trickyInputs {
		ins = append(ins, []byte(s))
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 20000 {
		ins = append(ins, randomQuickInput(r))
	}
	for _, s := range ins {
		sameTokens(t, s)
		// What tokenizeName meets: Text's lower-case canonical form.
		sameTokens(t, n.Text(s).Canonical)
	}
	// Names of Vietnamese words, spaces and hyphens: the quick path takes
	// every one.
	words := []string{"Nguyễn", "Thị", "THỦY", "hoà", "Quỳnh", "Đặng", "ƯƠI", "v", "th", "ng", "y",
		"ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ",
		"ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư"}
	for range 5000 {
		var b []byte
		for k := r.IntN(6); k >= 0; k-- {
			b = append(b, words[r.IntN(len(words))]...)
			b = append(b, " -"[r.IntN(2)])
			if r.IntN(3) == 0 {
				b = append(b, ' ')
			}
		}
		for _, s := range [][]byte{b, n.Text(b).Canonical} {
			if !sameTokens(t, s) {
				t.Errorf("%q: quick path gave up on a plain name", s)
			}
		}
	}
}

// FuzzTokenizeName: tokenizeNameQuick gives the general path's tokens
// wherever it takes the input.
func FuzzTokenizeName(f *testing.F) {
	for _, s := range quickWords {
		f.Add(s)
	}
	for _, s := range trickyInputs {
		f.Add(s)
	}
	for _, s := range []string{"nguyễn văn an", "đặng v. thị", "o'neil", "trần (chết) an", "lê-văn"} {
		f.Add(s)
	}
	r := rand.New(rand.NewPCG(7, 8))
	for range 50 {
		f.Add(string(randomQuickInput(r)))
	}
	f.Fuzz(func(t *testing.T, s string) {
		sameTokens(t, []byte(s))
	})
}
