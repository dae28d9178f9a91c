package strcol

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestColumn(t *testing.T) {
	for _, c := range []Column{{}, New(3, 4)} {
		rows := [][]byte{[]byte("nguyễn"), nil, []byte("văn"), []byte("")}
		for _, r := range rows {
			if err := c.Append(r); err != nil {
				t.Fatal(err)
			}
		}
		if c.Rows() != len(rows) || c.Offs[0] != 0 || int(c.Offs[len(rows)]) != len(c.Data) {
			t.Fatalf("rows %d, offsets %v for %d bytes", c.Rows(), c.Offs, len(c.Data))
		}
		for i, r := range rows {
			if got := c.Get(int32(i)); !bytes.Equal(got, r) {
				t.Fatalf("row %d = %q, want %q", i, got, r)
			}
		}
		var d Column
		if err := d.Append([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := d.AppendColumn(&c); err != nil {
			t.Fatal(err)
		}
		if d.Rows() != 1+len(rows) || string(d.Get(0)) != "x" || string(d.Get(1)) != "nguyễn" || string(d.Get(3)) != "văn" {
			t.Fatalf("appended column: %d rows, %q %q", d.Rows(), d.Get(1), d.Get(3))
		}
		if d.Bytes() < int64(len(d.Data))+4*int64(len(d.Offs)) {
			t.Fatalf("Bytes %d below what the column holds", d.Bytes())
		}
		c.Reset()
		if c.Rows() != 0 || len(c.Data) != 0 {
			t.Fatalf("after Reset: %d rows, %d bytes", c.Rows(), len(c.Data))
		}
	}
	if (&Column{}).Rows() != 0 {
		t.Fatal("zero column not empty")
	}
}

// TestColumnFull: a row that would push offsets past 32 bits is refused
// and leaves the column as it was.
func TestColumnFull(t *testing.T) {
	defer func(l uint64) { limit = l }(limit)
	limit = 8
	var c Column
	if err := c.Append([]byte("12345678")); err != nil {
		t.Fatalf("a full column refused: %v", err)
	}
	if err := c.Append([]byte("x")); !errors.Is(err, ErrFull) || c.Rows() != 1 || len(c.Data) != 8 {
		t.Fatalf("err = %v, rows %d; want ErrFull and the column unchanged", err, c.Rows())
	}
	o := Column{}
	_ = o.Append([]byte("y"))
	if err := c.AppendColumn(&o); !errors.Is(err, ErrFull) || c.Rows() != 1 {
		t.Fatalf("AppendColumn: err = %v, rows %d; want ErrFull and the column unchanged", err, c.Rows())
	}
}

// BenchmarkAppendGet: the loader appends every normalized value, the
// scorer reads two per comparison.
func BenchmarkAppendGet(b *testing.B) {
	vals := make([][]byte, 1024)
	for i := range vals {
		vals[i] = fmt.Appendf(nil, "nguyễn văn %d", i)
	}
	c := New(len(vals), 16)
	var n int
	for b.Loop() {
		c.Reset()
		for _, v := range vals {
			_ = c.Append(v)
		}
		for i := range vals {
			n += len(c.Get(int32(i)))
		}
	}
	_ = n
}

// TestEndRow: bytes appended to Data in place and ended with EndRow make
// the same column as Append; a row past the limit is dropped with ErrFull.
func TestEndRow(t *testing.T) {
	defer func(l uint64) { limit = l }(limit)
	limit = 9
	var a, b Column
	for _, r := range []string{"nguyễn", "", "a"} {
		if err := a.Append([]byte(r)); err != nil {
			t.Fatal(err)
		}
		b.Data = append(b.Data, r...)
		if err := b.EndRow(); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Data, b.Data) || fmt.Sprint(a.Offs) != fmt.Sprint(b.Offs) {
		t.Fatalf("EndRow column %q %v, Append's %q %v", b.Data, b.Offs, a.Data, a.Offs)
	}
	b.Data = append(b.Data, "xy"...)
	if err := b.EndRow(); !errors.Is(err, ErrFull) || b.Rows() != 3 || len(b.Data) != 9 {
		t.Fatalf("err = %v, rows %d, %d bytes; want ErrFull and the column unchanged", err, b.Rows(), len(b.Data))
	}
}
