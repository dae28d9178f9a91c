package store

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/internal/strcol"
)

// testSchema is the default configuration's fields.
func testSchema() Schema { return SchemaOf(config.Default().Fields) }

// fillStore appends n synthetic records, numbered from first, to every
// column of s: record k's values all derive from k, so a row that lands in
// the wrong place or is lost shows.
func fillStore(t testing.TB, s *Store, first, n int) {
	t.Helper()
	for k := first; k < first+n; k++ {
		if err := s.RecordID.Append(fmt.Appendf(nil, "id-%d", k)); err != nil {
			t.Fatal(err)
		}
		s.Source = append(s.Source, uint16(k%3))
		s.File = append(s.File, uint16(k%5))
		s.Row = append(s.Row, int64(k+1))
		s.Flags = append(s.Flags, uint64(k)*7)
		s.IDKey = append(s.IDKey, uint64(k)*11)
		for i := range s.Fields {
			f := &s.Fields[i]
			for j := range f.Strs {
				// Some values empty, lengths varying, so offsets matter.
				v := fmt.Appendf(nil, "%s/%d/%*d", f.Name, j, k%4, k)
				if err := f.Strs[j].Append(v[:min(len(v), (k+j)%9*2)]); err != nil {
					t.Fatal(err)
				}
			}
			for j := range f.Ints {
				f.Ints[j] = append(f.Ints[j], int32(k*(j+1)))
			}
			if f.Kind == config.KindTimestamp {
				f.TS = append(f.TS, int64(k))
			}
		}
		s.N++
	}
}

// TestConcatStores checks that joining batch stores gives the store that
// one pass over all records builds, column for column, at exact sizes.
func TestConcatStores(t *testing.T) {
	schema := testSchema()
	want := New(schema, 1)
	fillStore(t, want, 0, 1000)

	var chunks []*Store
	first := 0
	for _, n := range []int{1, 0, 250, 7, 742} {
		c := New(schema, 1)
		fillStore(t, c, first, n)
		first += n
		chunks = append(chunks, c)
	}
	got, err := Concat(schema, chunks)
	if err != nil {
		t.Fatal(err)
	}
	assertSameStore(t, got, want)
	if got.RecordID.Rows() != 1000 || cap(got.RecordID.Data) != len(got.RecordID.Data) || cap(got.RecordID.Offs) != 1001 {
		t.Errorf("record id column not at its exact size: %d rows, data %d/%d, offsets cap %d",
			got.RecordID.Rows(), len(got.RecordID.Data), cap(got.RecordID.Data), cap(got.RecordID.Offs))
	}
	for _, c := range chunks {
		if c.RecordID.Data != nil || c.Source != nil || c.Fields[0].Strs[0].Data != nil {
			t.Fatal("a chunk column was not released after the copy")
		}
	}
}

// TestCompactKeepsScratch checks that compact copies a batch and leaves
// the worker's scratch store usable for the next batch.
func TestCompactKeepsScratch(t *testing.T) {
	schema := testSchema()
	scratch := New(schema, 1)
	fillStore(t, scratch, 0, 300)
	want := New(schema, 1)
	fillStore(t, want, 0, 300)
	c, err := scratch.Compact()
	if err != nil {
		t.Fatal(err)
	}
	assertSameStore(t, c, want)
	assertSameStore(t, scratch, want)
	scratch.Reset()
	fillStore(t, scratch, 300, 5)
	assertSameStore(t, c, want) // the copy does not share the scratch's arrays
}

func assertSameStore(t *testing.T, got, want *Store) {
	t.Helper()
	if got.N != want.N {
		t.Fatalf("%d records, want %d", got.N, want.N)
	}
	eq := func(name string, a, b any) {
		t.Helper()
		if !reflect.DeepEqual(a, b) {
			t.Errorf("column %s differs", name)
		}
	}
	eqBytes := func(name string, a, b *strcol.Column) {
		t.Helper()
		for i := 0; i < want.N; i++ {
			if string(a.Get(int32(i))) != string(b.Get(int32(i))) {
				t.Fatalf("column %s row %d: %q, want %q", name, i, a.Get(int32(i)), b.Get(int32(i)))
			}
		}
	}
	eqBytes("record_id", &got.RecordID, &want.RecordID)
	eq("source", got.Source, want.Source)
	eq("file", got.File, want.File)
	eq("row", got.Row, want.Row)
	eq("flags", got.Flags, want.Flags)
	eq("idKey", got.IDKey, want.IDKey)
	for i := range want.Fields {
		for j := range want.Fields[i].Strs {
			eqBytes(want.Fields[i].Name, &got.Fields[i].Strs[j], &want.Fields[i].Strs[j])
		}
		for j := range want.Fields[i].Ints {
			eq(want.Fields[i].Name, got.Fields[i].Ints[j], want.Fields[i].Ints[j])
		}
		if len(got.Fields[i].TS) != len(want.Fields[i].TS) {
			t.Errorf("field %s: %d timestamps, want %d", want.Fields[i].Name, len(got.Fields[i].TS), len(want.Fields[i].TS))
		}
	}
}
