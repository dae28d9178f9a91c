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
