package dataio

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// TestDeclaredEncoding: a CSV in a declared encoding is decoded to UTF-8;
// the same bytes read as UTF-8 are rejected; an unknown encoding is an
// error naming it.
func TestDeclaredEncoding(t *testing.T) {
	const text = "ho_ten,dia_chi\nNguyễn Văn An,Hà Nội\n"
	// Windows-1258 writes most tones as combining marks after the letter.
	win1258, err := charmap.Windows1258.NewEncoder().String("ho_ten,dia_chi\nNguyê\u0303n Văn An,Hà Nô\u0323i\n")
	if err != nil {
		t.Fatal(err)
	}
	utf16le, err := unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM).NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, tc := range []struct {
		enc, data string
		want      string
	}{
		{"windows-1258", win1258, "Nguyê\u0303n Văn An"},
		{"UTF-16LE", utf16le, "Nguyễn Văn An"},
		{"utf-8", text, "Nguyễn Văn An"},
	} {
		p := filepath.Join(dir, tc.enc+".csv")
		if err := os.WriteFile(p, []byte(tc.data), 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(p, ReadOptions{Encoding: tc.enc, Columns: []string{"ho_ten", "dia_chi"}})
		if err != nil {
			t.Fatalf("%s: %v", tc.enc, err)
		}
		if !r.Next() {
			t.Fatalf("%s: no row: %v", tc.enc, r.Err())
		}
		if got := r.Batch().Column(0).(*array.String).Value(0); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.enc, got, tc.want)
		}
		r.Close()
	}
	// Undeclared, the Windows-1258 bytes are not UTF-8: the row is refused.
	p := filepath.Join(dir, "windows-1258.csv")
	var rejects int
	r, err := Open(p, ReadOptions{OnReject: func(Reject) { rejects++ }})
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
	}
	r.Close()
	if rejects != 1 {
		t.Errorf("undeclared Windows-1258: %d rows rejected, want 1", rejects)
	}
	if _, err := Open(p, ReadOptions{Encoding: "latin9"}); err == nil || !strings.Contains(err.Error(), `unknown encoding "latin9"`) {
		t.Errorf("unknown encoding: %v", err)
	}
}
