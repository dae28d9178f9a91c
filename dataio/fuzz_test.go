package dataio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// csvDataRows counts the data rows encoding/csv sees in data with the
// reader's settings: records after the header, including those it fails
// to parse. ok is false when the header itself cannot be read.
func csvDataRows(data []byte, opt ReadOptions) (n int, ok bool) {
	data = bytes.TrimPrefix(data, utf8BOM)
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = opt.Delimiter
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = opt.LazyQuotes
	if _, err := cr.Read(); err != nil {
		return 0, false
	}
	for {
		_, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return n, true
		}
		var pe *csv.ParseError
		if err != nil && !errors.As(err, &pe) {
			return n, false
		}
		n++
	}
}

// FuzzCSVReader: arbitrary bytes as a CSV file never panic, and every data
// row is either delivered or rejected, never lost; delivered cells are
// valid UTF-8 without NUL and within the size limit.
func FuzzCSVReader(f *testing.F) {
	seeds := []string{
		"a,b\n1,2\n",
		"\xEF\xBB\xBFa,b\r\n1,2\r\n",
		"a,b\n1\n1,2,3\n\"x\"\"y\",z\n",
		"a,b\n1,\"unclosed\n2,3\n",
		"a,b\n1,x\"y\n\xFF,\x00\n",
		"a;b;c\n1;2;3\n",
		"a,a\n1,2\n",
		"a,,c\n",
		"a,b\n\n\n1,2",
		"a,b\n" + strings.Repeat("x", 100) + ",y\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), false, uint8(0))
		f.Add([]byte(s), true, uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, lazy bool, batch uint8) {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var rejected int
		opt := ReadOptions{
			LazyQuotes:   lazy,
			BatchSize:    int(batch%8) + 1,
			MaxCellBytes: 64,
			OnReject:     func(Reject) { rejected++ },
		}
		r, err := Open(path, opt)
		if err != nil {
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("Open error %v is not a *dataio.Error", err)
			}
			return
		}
		defer r.Close()
		delivered := 0
		for r.Next() {
			rec := r.Batch()
			for _, col := range rec.Columns() {
				s := col.(*array.String)
				for i := 0; i < s.Len(); i++ {
					v := s.Value(i)
					if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 || len(v) > 64 {
						t.Fatalf("delivered a faulty cell %q", v)
					}
				}
			}
			delivered += int(rec.NumRows())
		}
		if err := r.Err(); err != nil {
			t.Fatalf("read error with OnReject set: %v", err)
		}
		opt.Delimiter = ','
		want, ok := csvDataRows(data, opt)
		if !ok {
			t.Fatalf("reader opened a file whose header encoding/csv cannot read")
		}
		if delivered+rejected != want {
			t.Fatalf("delivered %d + rejected %d != %d data rows", delivered, rejected, want)
		}
	})
}

// smallParquet is the seed of FuzzParquetReader: a few rows of string,
// integer and timestamp columns with nulls, in two row groups' worth of
// pages.
func smallParquet(t testing.TB) []byte {
	path := filepath.Join(t.TempDir(), "s.parquet")
	writeStrings(t, path, threeCols, append(someRows, []string{"4", nullMark, "+84 912"}))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func typedParquet(t testing.TB) []byte {
	path := filepath.Join(t.TempDir(), "typed.parquet")
	writeBatch(t, path, typedBatch(t))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzParquetReader: mutated Parquet files give an error or rows, never a
// panic or a hang.
func FuzzParquetReader(f *testing.F) {
	for _, seed := range [][]byte{smallParquet(f), typedParquet(f)} {
		f.Add(seed)
		f.Add(seed[:len(seed)/2])
		f.Add(seed[len(seed)/3:])
		for _, at := range []int{4, len(seed) / 2, len(seed) - 12, len(seed) - 9} {
			m := bytes.Clone(seed)
			m[at] ^= 0xFF
			f.Add(m)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "f.parquet")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, ReadOptions{AsStrings: true, BatchSize: 2, OnReject: func(Reject) {}})
		if err != nil {
			return
		}
		defer r.Close()
		for r.Next() {
			_ = r.Batch().NumRows()
		}
		_ = r.Err()
	})
}
