package state

import (
	"bytes"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRawRoundTrip: records written to a segment read back cell for cell,
// nulls apart from empty strings; an altered byte fails its checksum.
func TestRawRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), rawName(1))
	w, err := createRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{{"r1", "Nguyễn Văn An", "", "0901"}, {"r2", "", "x"}, {"r3"}}
	valid := [][]bool{{true, true, true, false}, {true, false, true}, {true}}
	var locs []rawLoc
	for i, r := range rows {
		off, n, err := w.add(r, valid[i])
		if err != nil {
			t.Fatal(err)
		}
		locs = append(locs, rawLoc{off: off, len: n})
	}
	if _, err := w.close(); err != nil {
		t.Fatal(err)
	}
	rr, err := openRaw([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	defer rr.close()
	for i, l := range locs {
		cells, ok, err := rr.read(l, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(rows[i])
		for j := range want {
			if !valid[i][j] {
				want[j] = ""
			}
		}
		if !slices.Equal(cells, want) || !slices.Equal(ok, valid[i]) {
			t.Errorf("record %d: %q %v, want %q %v", i, cells, ok, want, valid[i])
		}
	}
	b, _ := os.ReadFile(path)
	b[locs[0].off+3] ^= 1
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	rr2, _ := openRaw([]string{path})
	defer rr2.close()
	if _, _, err := rr2.read(locs[0], nil, nil); err == nil {
		t.Error("an altered record read back without error")
	}
	if _, _, err := rr2.read(rawLoc{seg: 3, len: 9}, nil, nil); err == nil {
		t.Error("a place in a segment that does not exist read back")
	}
}

// FuzzRawRecord: any bytes at a record's place read back or fail, never
// panic.
func FuzzRawRecord(f *testing.F) {
	f.Add([]byte{2, 3, 'a', 'b', 0}, true)
	f.Add([]byte{}, false)
	f.Fuzz(func(t *testing.T, body []byte, withCRC bool) {
		path := filepath.Join(t.TempDir(), "seg")
		b := body
		if withCRC {
			// A record whose checksum holds, so the decoder is reached.
			sum := make([]byte, 0, 4)
			c := crc32.Checksum(body, castagnoli)
			sum = append(sum, byte(c), byte(c>>8), byte(c>>16), byte(c>>24))
			b = append(slices.Clone(body), sum...)
		}
		if err := os.WriteFile(path, append([]byte(rawMagic), b...), 0o600); err != nil {
			t.Fatal(err)
		}
		rr, err := openRaw([]string{path})
		if err != nil {
			t.Fatal(err)
		}
		defer rr.close()
		rr.read(rawLoc{off: uint64(len(rawMagic)), len: uint32(len(b))}, nil, nil)
	})
}

// TestColumnsRoundTrip: a table of columns reads back; every truncation
// is an error, never a panic.
func TestColumnsRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	c := newColWriter(&buf, magicPairs)
	column(c, []uint32{1, 2, 3})
	c.strings(2, func(i int) string { return []string{"an", "bình"}[i] })
	column(c, []float64{0.5})
	if err := c.flush(); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	read := func(b []byte) ([]uint32, []string, []float64, error) {
		r := newColReader(b, "t", magicPairs)
		u := readColumn[uint32](r, 3)
		var s []string
		r.readStrings(2, func(_ int, v []byte) { s = append(s, string(v)) })
		f := readColumn[float64](r, 1)
		return u, s, f, r.done()
	}
	u, s, f, err := read(b)
	if err != nil || !slices.Equal(u, []uint32{1, 2, 3}) || !slices.Equal(s, []string{"an", "bình"}) || !slices.Equal(f, []float64{0.5}) {
		t.Fatalf("read back %v %q %v %v", u, s, f, err)
	}
	for cut := 0; cut < len(b); cut++ {
		if _, _, _, err := read(slices.Clone(b[:cut])); err == nil {
			t.Fatalf("truncated at %d read without error", cut)
		}
	}
}

// FuzzColumns: any bytes read as a table fail or read, never panic.
func FuzzColumns(f *testing.F) {
	var buf bytes.Buffer
	c := newColWriter(&buf, magicPairs)
	column(c, []uint32{1, 2})
	c.strings(1, func(int) string { return "x" })
	c.flush()
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		r := newColReader(b, "t", magicPairs)
		readColumn[uint32](r, -1)
		r.readStrings(-1, func(int, []byte) {})
		readColumn[float64](r, 2)
		r.done()
	})
}
