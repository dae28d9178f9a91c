package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"github.com/dedup-vn/dedup/internal/strcol"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// spillTestStore fills a store of a few hundred synthetic records.
func spillTestStore(t testing.TB) (Schema, *Store) {
	t.Helper()
	schema := testSchema()
	st := New(schema, 1)
	fillStore(t, st, 0, 500)
	return schema, st
}

// TestSpillFileRoundTrip: batches written to a spill file read back equal,
// column for column; a damaged batch is an error, not a panic.
func TestSpillFileRoundTrip(t *testing.T) {
	schema, st := spillTestStore(t)
	dir, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.Remove()
	f, err := dir.Create("records")
	if err != nil {
		t.Fatal(err)
	}
	halves := []*Store{New(schema, 0), New(schema, 0)}
	var rows [2][]int32
	for i := 0; i < st.N; i++ {
		rows[i%2] = append(rows[i%2], int32(i))
	}
	for h := range halves {
		if err := halves[h].AppendRows(st, rows[h]); err != nil {
			t.Fatal(err)
		}
		if err := f.Append(halves[h]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for h := range halves {
		got, nb, err := f.Read(schema, h, buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		buf = nb
		a, _ := encodeStore(nil, got, nil)
		b, _ := encodeStore(nil, halves[h], nil)
		if !bytes.Equal(a, b) {
			t.Fatalf("batch %d reads back different (%d vs %d bytes encoded)", h, len(a), len(b))
		}
		// Reading one field decodes that field and the small columns only.
		part, _, err := f.Read(schema, h, nil, Groups(schema, false, "name"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(part.Row, halves[h].Row) || !bytes.Equal(part.Field("name").Str("folded").Data, halves[h].Field("name").Str("folded").Data) {
			t.Errorf("batch %d: the name field or the row numbers read back different alone", h)
		}
		if len(part.RecordID.Offs) > 1 || len(part.Field("address").Str("street").Offs) > 1 {
			t.Errorf("batch %d: columns not asked for were decoded", h)
		}
	}
	// Damage the second batch's compressed bytes.
	data, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int64{f.offsets[1] + 3, f.offsets[1] + 20, int64(len(data)) - 5} {
		bad := bytes.Clone(data)
		bad[at] ^= 0x5a
		if err := os.WriteFile(f.path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.Read(schema, 1, nil, nil); err == nil && at < f.offsets[1]+16 {
			t.Errorf("damaged header at byte %d read without error", at)
		}
	}
}

// FuzzDecodeSpillBatch: decoding arbitrary bytes as a spilled batch never
// panics; what decodes re-encodes to the same bytes.
func FuzzDecodeSpillBatch(f *testing.F) {
	schema := testSchema()
	small := New(schema, 0)
	enc, _ := encodeStore(nil, small, nil)
	f.Add(enc, 0)
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 'x', 0, 0, 0, 0, 0, 0, 0}, 1)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'x', 0, 0, 0, 0, 0, 0, 0}, 1)
	f.Fuzz(func(t *testing.T, raw []byte, rows int) {
		if rows < 0 || rows > 1<<16 {
			return
		}
		aligned := make([]uint64, (len(raw)+7)/8)
		b := asBytesU64(aligned)[:len(raw)]
		copy(b, raw)
		st, err := decodeStore(schema, b, rows, nil, nil)
		if err != nil {
			return
		}
		// Every value of a decoded batch can be read.
		for _, c := range append([]*strcol.Column{&st.RecordID}, stringColumns(st)...) {
			for i := 0; i < st.N; i++ {
				c.Get(int32(i))
			}
		}
		if got, _ := encodeStore(nil, st, nil); !bytes.Equal(got, raw) {
			t.Fatalf("decoded batch re-encodes to %d bytes, want the %d read", len(got), len(raw))
		}
	})
}

func asBytesU64(v []uint64) []byte {
	if len(v) == 0 {
		return []byte{}
	}
	return asBytes(v)
}

func stringColumns(st *Store) []*strcol.Column {
	var cols []*strcol.Column
	for i := range st.Fields {
		for j := range st.Fields[i].Strs {
			cols = append(cols, &st.Fields[i].Strs[j])
		}
	}
	return cols
}

// FuzzDecodeSpillBatchBlock: a damaged compressed batch (directory and
// blocks) is an error, never a panic.
func FuzzDecodeSpillBatchBlock(f *testing.F) {
	schema := testSchema()
	enc, _ := EncodeBatch(New(schema, 0), nil)
	f.Add(enc, 0, false)
	f.Fuzz(func(t *testing.T, enc []byte, rows int, partial bool) {
		if rows < 0 || rows > 1<<16 {
			return
		}
		var want []bool
		if partial {
			want = Groups(schema, false, "name")
		}
		decodeBatch(schema, enc, rows, want)
	})
}

// TestStaleSpillFoldersRemoved: a spill folder left by a killed run (its
// lock file not held, or no lock file and older than lockGrace) is removed
// when the next run makes its own; the folder of a live run (its lock
// held, or just made and not locked yet) is kept.
func TestStaleSpillFoldersRemoved(t *testing.T) {
	parent := t.TempDir()
	live, err := NewDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Remove()
	killed := filepath.Join(parent, spillPrefix+"killed")
	if err := os.MkdirAll(killed, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{spillLockName, "records-1.spill"} {
		if err := os.WriteFile(filepath.Join(killed, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	early := filepath.Join(parent, spillPrefix+"early") // killed before its lock file
	if err := os.MkdirAll(early, 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * lockGrace)
	if err := os.Chtimes(early, old, old); err != nil {
		t.Fatal(err)
	}
	starting := filepath.Join(parent, spillPrefix+"starting") // a live run, lock not made yet
	if err := os.MkdirAll(starting, 0o700); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(parent, "user-data")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}
	next, err := NewDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Remove()
	for _, gone := range []string{killed, early} {
		if _, err := os.Stat(gone); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: left (%v), want removed", filepath.Base(gone), err)
		}
	}
	for _, kept := range []string{live.path, other, next.path, starting} {
		if _, err := os.Stat(kept); err != nil {
			t.Errorf("%s: %v, want kept", filepath.Base(kept), err)
		}
	}
}

// TestOpenFile: a spill file written and flushed reads back, batch for
// batch, once opened again by its path; a file cut short, or one that is
// not a spill file, is an error.
func TestOpenFile(t *testing.T) {
	schema, st := spillTestStore(t)
	dir := t.TempDir()
	d, err := NewDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Remove()
	f, err := d.Create("records")
	if err != nil {
		t.Fatal(err)
	}
	for a := 0; a < st.N; a += 200 {
		part := New(schema, 0)
		fillStore(t, part, a, min(200, st.N-a))
		if err := f.Append(part); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Flush(); err != nil {
		t.Fatal(err)
	}
	g, err := OpenFile(f.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if !slices.Equal(g.Batches(), f.Batches()) || !slices.Equal(g.Batches(), []int{200, 200, 100}) {
		t.Fatalf("batches %v, want %v", g.Batches(), f.Batches())
	}
	first := 0
	for b, n := range g.Batches() {
		got, _, err := g.Read(schema, b, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if err := sameRecord(got, int32(i), st, int32(first+i)); err != nil {
				t.Fatalf("batch %d: %v", b, err)
			}
		}
		first += n
	}
	data, err := os.ReadFile(f.Path())
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string][]byte{"cut": data[:len(data)-1], "other": []byte("PAR1 not a spill file, at all")} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := OpenFile(p); err == nil {
			t.Errorf("%s: opened without error", name)
		}
	}
}

// FuzzOpenFile: opening arbitrary bytes as a spill file, and reading each
// batch it finds, is an error or works, never a panic.
func FuzzOpenFile(f *testing.F) {
	schema, st := spillTestStore(f)
	enc, _ := EncodeBatch(st, nil)
	var hdr [16]byte
	binary.LittleEndian.PutUint32(hdr[0:], spillMagic)
	binary.LittleEndian.PutUint32(hdr[4:], uint32(st.N))
	binary.LittleEndian.PutUint64(hdr[8:], uint64(len(enc)))
	f.Add(append(hdr[:], enc...))
	f.Add(hdr[:])
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.spill")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		g, err := OpenFile(p)
		if err != nil {
			return
		}
		defer g.Close()
		for b := range g.Batches() {
			g.Read(schema, b, nil, nil)
		}
	})
}
