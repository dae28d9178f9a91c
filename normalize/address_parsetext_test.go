package normalize

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// checkParseText fails unless ParseText(t) gives what Parse gives on
// t.Canonical (each with its own parser, so that neither answers from the
// other's last-call memo), and unless t.Folded is the fold of
// t.Canonical, which ParseText's token scan relies on.
func checkParseText(t *testing.T, p, q *AddressParser, tx Text) {
	t.Helper()
	if f := AppendFold(nil, tx.Canonical); string(f) != string(tx.Folded) {
		t.Fatalf("Folded %q is not the fold of Canonical %q (%q)", tx.Folded, tx.Canonical, f)
	}
	a, b := p.ParseText(tx), q.Parse(tx.Canonical)
	if fa, fb := formatAddress(a), formatAddress(b); fa != fb {
		t.Fatalf("%q: ParseText %s, Parse %s", tx.Canonical, fa, fb)
	}
}

func TestParseTextMatchesParse(t *testing.T) {
	n := New(Options{})
	p, q := NewAddressParser(), NewAddressParser()
	var texts []string
	for _, s := range synthAddresses(5, 3000) {
		texts = append(texts, s.text)
	}
	texts = append(texts,
		"Số 12 Nguyễn Huệ, P. Bến Nghé, Q.1, TP.HCM",
		norm.NFD.String("Phường Thuận Hóa, Thành phố Huế"),
		"12 – Lê Lợi × P.3 ™ Q1", // runes with no fold: ParseText reads Canonical
		"Ấp 3 Xã Tân Phú \u0301 huyện Củ Chi",
		"", ",,", "P12a Q1 12/3A",
	)
	for _, s := range texts {
		checkParseText(t, p, q, n.Text([]byte(s)))
		checkParseText(t, p, q, n.TextHint([]byte(s), EncodingTCVN3))
	}
	// The rows of a generated population, when there is one.
	dir := os.Getenv("DEDUP_GEN_DIR")
	if dir == "" {
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "population", "*.parquet"))
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatal("no population files in " + dir)
	}
	cols := readStringColumns(t, files[0], "permanent_address", "current_address")
	for i := range min(len(cols[0]), 50000) {
		for _, c := range cols {
			checkParseText(t, p, q, n.Text([]byte(c[i])))
		}
	}
}

func FuzzParseText(f *testing.F) {
	for _, s := range []string{
		"Số 12 Nguyễn Huệ, P. Bến Nghé, Q.1, TP.HCM",
		"Xã Tân Phú, H. Củ Chi, TP HCM",
		"12 – Lê Lợi × P.3",
		"\xff\xfe, P\xcc, Q.\x80",
		"Nguyễn Thị Minh Khai 123456789 Đường Lê Lợi ấp",
		"Ph\xfd\xf4ng 3, Qu\xe9n 5", // TCVN3
	} {
		f.Add([]byte(s))
	}
	n := New(Options{})
	p, q := NewAddressParser(), NewAddressParser()
	f.Fuzz(func(t *testing.T, s []byte) {
		checkParseText(t, p, q, n.Text(s))
		// oneFoldEach counts runes as utf8.RuneCount does on valid text
		if c := utf8.RuneCount(s); utf8.Valid(s) && (!oneFoldEach(make([]byte, c), s) || oneFoldEach(make([]byte, c+1), s)) {
			t.Fatalf("oneFoldEach miscounts the %d runes of %q", c, s)
		}
	})
}

// TestAddrIndexLookup checks the open-addressing table and its presence
// bits against the map they are built from: every key is found with its
// entry, and keys not in the map are not.
func TestAddrIndexLookup(t *testing.T) {
	ix := getAddrIndex()
	for k, ei := range ix.keys {
		if got, ok := ix.lookup([]byte(k)); !ok || got != ei {
			t.Fatalf("lookup(%q) = %d, %v; want %d", k, got, ok, ei)
		}
		for _, miss := range []string{k + "x", "0" + k, k[1:]} {
			want, in := ix.keys[miss]
			if got, ok := ix.lookup([]byte(miss)); ok != in || ok && got != want {
				t.Fatalf("lookup(%q) = %d, %v; want %d, %v", miss, got, ok, want, in)
			}
		}
	}
}
