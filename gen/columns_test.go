package gen

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
)

// Parquet page types (parquet.thrift's PageType; arrow-go keeps the enum
// in an internal package).
const (
	pageData   = 0
	pageDataV2 = 3
)

// TestNoDictionaryFallback writes a row group whose unique column would
// overflow a default-sized dictionary and checks that no column chunk
// mixes dictionary and plain data pages: that mix is where arrow-go lists
// the page encodings in map order, so that equal rows gave different
// bytes (seen in 1 of 3 generations of 50k persons). The dictionary
// columns stay dictionary-encoded.
func TestNoDictionaryFallback(t *testing.T) {
	dir := t.TempDir()
	cols := []string{"record_id", "gender", "date_of_birth"}
	s, err := newSink(dir, "x.parquet", "parquet", cols, 64<<20)
	if err != nil {
		t.Fatal(err)
	}
	b := newBatch(len(cols))
	for i := range 128 * 1024 {
		// 40 unique bytes a row: 5 MiB, five times the default dictionary page.
		b.set(0, fmt.Appendf(nil, "%040d", i))
		b.setStr(1, []string{"Nam", "Nữ"}[i%2])
		b.set(2, fmt.Appendf(nil, "%02d/%02d/%04d", 1+i%28, 1+i/28%12, 1930+i/336%90))
		b.endRow()
	}
	if err := s.add(b); err != nil {
		t.Fatal(err)
	}
	if err := s.commit(); err != nil {
		t.Fatal(err)
	}
	r, err := file.OpenParquetFile(filepath.Join(dir, "x.parquet"), false)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for g := range r.NumRowGroups() {
		md := r.RowGroup(g).MetaData()
		for c := range cols {
			cc, err := md.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			dataEncodings := map[parquet.Encoding]bool{}
			for _, st := range cc.EncodingStats() {
				if pt := int(st.PageType); pt == pageData || pt == pageDataV2 {
					dataEncodings[st.Encoding] = true
				}
			}
			if len(dataEncodings) != 1 {
				t.Errorf("row group %d column %s: data pages in %d encodings %v (a dictionary fell back)", g, cols[c], len(dataEncodings), dataEncodings)
			}
			if want := dictionaryColumns[cols[c]]; cc.HasDictionaryPage() != want {
				t.Errorf("column %s: dictionary page %v, want %v", cols[c], cc.HasDictionaryPage(), want)
			}
		}
	}
}
