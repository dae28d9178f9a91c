package pipeline

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/dedup-vn/dedup/config"
)

// fillStore appends n synthetic records, numbered from first, to every
// column of s: record k's values all derive from k, so a row that lands in
// the wrong place or is lost shows.
func fillStore(t *testing.T, s *store, first, n int) {
	t.Helper()
	for k := first; k < first+n; k++ {
		if err := s.recordID.Append(fmt.Appendf(nil, "id-%d", k)); err != nil {
			t.Fatal(err)
		}
		s.source = append(s.source, uint16(k%3))
		s.file = append(s.file, uint16(k%5))
		s.row = append(s.row, int64(k+1))
		s.flags = append(s.flags, uint64(k)*7)
		s.idKey = append(s.idKey, uint64(k)*11)
		for i := range s.fields {
			f := &s.fields[i]
			for j := range f.strs {
				// Some values empty, lengths varying, so offsets matter.
				v := fmt.Appendf(nil, "%s/%d/%*d", f.name, j, k%4, k)
				if err := f.strs[j].Append(v[:min(len(v), (k+j)%9*2)]); err != nil {
					t.Fatal(err)
				}
			}
			for j := range f.ints {
				f.ints[j] = append(f.ints[j], int32(k*(j+1)))
			}
			if f.kind == config.KindTimestamp {
				f.ts = append(f.ts, int64(k))
			}
		}
		s.n++
	}
}

// TestConcatStores checks that joining batch stores gives the store that
// one pass over all records builds, column for column, at exact sizes.
func TestConcatStores(t *testing.T) {
	cfg := config.Default()
	want := newStore(cfg, 1)
	fillStore(t, want, 0, 1000)

	var chunks []*store
	first := 0
	for _, n := range []int{1, 0, 250, 7, 742} {
		c := newStore(cfg, 1)
		fillStore(t, c, first, n)
		first += n
		chunks = append(chunks, c)
	}
	got, err := concatStores(cfg, chunks)
	if err != nil {
		t.Fatal(err)
	}
	assertSameStore(t, got, want)
	if got.recordID.Rows() != 1000 || cap(got.recordID.Data) != len(got.recordID.Data) || cap(got.recordID.Offs) != 1001 {
		t.Errorf("record id column not at its exact size: %d rows, data %d/%d, offsets cap %d",
			got.recordID.Rows(), len(got.recordID.Data), cap(got.recordID.Data), cap(got.recordID.Offs))
	}
	for _, c := range chunks {
		if c.recordID.Data != nil || c.source != nil || c.fields[0].strs[0].Data != nil {
			t.Fatal("a chunk column was not released after the copy")
		}
	}
}

// TestCompactKeepsScratch checks that compact copies a batch and leaves
// the worker's scratch store usable for the next batch.
func TestCompactKeepsScratch(t *testing.T) {
	cfg := config.Default()
	scratch := newStore(cfg, 1)
	fillStore(t, scratch, 0, 300)
	want := newStore(cfg, 1)
	fillStore(t, want, 0, 300)
	c, err := scratch.compact(cfg)
	if err != nil {
		t.Fatal(err)
	}
	assertSameStore(t, c, want)
	assertSameStore(t, scratch, want)
	scratch.reset()
	fillStore(t, scratch, 300, 5)
	assertSameStore(t, c, want) // the copy does not share the scratch's arrays
}

func assertSameStore(t *testing.T, got, want *store) {
	t.Helper()
	if got.n != want.n {
		t.Fatalf("%d records, want %d", got.n, want.n)
	}
	eq := func(name string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("column %s differs", name)
		}
	}
	eqBytes := func(name string, a, b *bytesColumn) {
		t.Helper()
		for i := 0; i < want.n; i++ {
			if string(a.Get(int32(i))) != string(b.Get(int32(i))) {
				t.Fatalf("column %s row %d: %q, want %q", name, i, a.Get(int32(i)), b.Get(int32(i)))
			}
		}
	}
	eqBytes("record_id", &got.recordID, &want.recordID)
	eq("source", got.source, want.source)
	eq("file", got.file, want.file)
	eq("row", got.row, want.row)
	eq("flags", got.flags, want.flags)
	eq("idKey", got.idKey, want.idKey)
	for i := range want.fields {
		for j := range want.fields[i].strs {
			eqBytes(want.fields[i].name, &got.fields[i].strs[j], &want.fields[i].strs[j])
		}
		for j := range want.fields[i].ints {
			eq(want.fields[i].name, got.fields[i].ints[j], want.fields[i].ints[j])
		}
		if len(got.fields[i].ts) != len(want.fields[i].ts) {
			t.Errorf("field %s: %d timestamps, want %d", want.fields[i].name, len(got.fields[i].ts), len(want.fields[i].ts))
		}
	}
}
