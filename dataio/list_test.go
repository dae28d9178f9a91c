package dataio

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestListAsText: a list of strings (golden.parquet's member_ids and
// quality_flags) reads as its values joined by ';', in Parquet read
// AsStrings with Lists (without, it is an unsupported type) and in CSV
// written from the same batch; an empty list is the empty string.
func TestListAsText(t *testing.T) {
	// A second column keeps the CSV row of an empty list from being a
	// blank line, which CSV readers skip.
	schema := arrow.NewSchema([]arrow.Field{{Name: "ids", Type: arrow.ListOf(arrow.BinaryTypes.String)},
		{Name: "k", Type: arrow.BinaryTypes.String}}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	lb := b.Field(0).(*array.ListBuilder)
	vb := lb.ValueBuilder().(*array.StringBuilder)
	want := []string{"a;b", "", "c"}
	for _, row := range [][]string{{"a", "b"}, {}, {"c"}} {
		b.Field(1).(*array.StringBuilder).Append("x")
		lb.Append(true)
		for _, v := range row {
			vb.Append(v)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	for i, w := range want {
		if got := FormatValue(rec.Column(0), i); got != w {
			t.Errorf("FormatValue row %d = %q, want %q", i, got, w)
		}
	}
	dir := t.TempDir()
	for _, name := range []string{"l.parquet", "l.csv"} {
		path := filepath.Join(dir, name)
		rec.Retain() // writeBatch releases it
		writeBatch(t, path, rec)
		if name == "l.parquet" {
			if _, err := Open(path, ReadOptions{AsStrings: true}); !errors.Is(err, ErrUnsupportedType) {
				t.Errorf("a list read without Lists: %v, want %v", err, ErrUnsupportedType)
			}
		}
		r, err := Open(path, ReadOptions{AsStrings: true, Lists: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for r.Next() {
			c := r.Batch().Column(0).(*array.String)
			for i := 0; i < c.Len(); i++ {
				got = append(got, c.Value(i))
			}
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("%s read as %q, want %q", name, got, want)
		}
	}
}
