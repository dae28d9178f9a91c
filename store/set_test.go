package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/dedup-vn/dedup/blocking"
)

// TestMemScan checks that an in-memory scan hands out every row once, in
// order, as views that read the store's own values, and that a gather is
// the store itself.
func TestMemScan(t *testing.T) {
	st := New(testSchema(), 1)
	n := 2*scanRows + 123
	fillStore(t, st, 0, n)
	set := InMemory(st, 3)
	next := 0
	err := set.Scan(context.Background(), nil, nil, func(first int, w *Store) error {
		if first != next {
			return fmt.Errorf("batch at row %d, want %d", first, next)
		}
		next += w.N
		for i := 0; i < w.N; i++ {
			if err := sameRecord(w, int32(i), st, int32(first+i)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next != n {
		t.Fatalf("scan covered %d rows, want %d", next, n)
	}
	if got, loc, err := set.Gather(context.Background(), []int32{1, 5}); err != nil || got != st || loc != nil {
		t.Fatalf("gather in memory: %p %v %v, want the store itself and no map", got, loc, err)
	}
}

// sameRecord reports how row i of a differs from row j of b, if it does.
func sameRecord(a *Store, i int32, b *Store, j int32) error {
	if !bytes.Equal(a.RecordID.Get(i), b.RecordID.Get(j)) || a.Source[i] != b.Source[j] || a.Flags[i] != b.Flags[j] ||
		a.File[i] != b.File[j] || a.Row[i] != b.Row[j] || a.IDKey[i] != b.IDKey[j] {
		return fmt.Errorf("row %d: reads another record than row %d", i, j)
	}
	for f := range a.Fields {
		fa, fb := &a.Fields[f], &b.Fields[f]
		for k := range fa.Strs {
			if !bytes.Equal(fa.Strs[k].Get(i), fb.Strs[k].Get(j)) {
				return fmt.Errorf("row %d field %s: string column %d differs", j, fa.Name, k)
			}
		}
		for k := range fa.Ints {
			if fa.Ints[k][i] != fb.Ints[k][j] {
				return fmt.Errorf("row %d field %s: int column %d differs", j, fa.Name, k)
			}
		}
		if len(fb.TS) > 0 && fa.TS[i] != fb.TS[j] {
			return fmt.Errorf("row %d field %s: timestamp differs", j, fa.Name)
		}
	}
	return nil
}

// TestSpilledReadsAsMem checks the spilled set against the in-memory one
// over the same records: a scan sees the same rows in order, a gather and
// each piece of pairs and each range of clusters read the records their
// rows name, and Remove leaves nothing on disk.
func TestSpilledReadsAsMem(t *testing.T) {
	ctx := context.Background()
	schema := testSchema()
	st := New(schema, 1)
	n := 5000
	fillStore(t, st, 0, n)
	parent := t.TempDir()
	sp, err := Spill(parent, schema, 3, 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	for a := 0; a < n; a += 777 {
		batch := New(schema, 1)
		fillStore(t, batch, a, min(777, n-a)) // rows a.. of st
		if err := sp.AppendBatch(batch, nil); err != nil {
			t.Fatal(err)
		}
	}
	thin, err := sp.Finish(300)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Len() != n || thin.N != n {
		t.Fatalf("spilled %d records, in-memory columns of %d, want %d", sp.Len(), thin.N, n)
	}
	for i := range thin.Source {
		if thin.Source[i] != st.Source[i] || thin.Row[i] != st.Row[i] || thin.IDKey[i] != st.IDKey[i] {
			t.Fatalf("row %d: the in-memory columns differ", i)
		}
	}
	next := 0
	err = sp.Scan(ctx, nil, nil, func(first int, b *Store) error {
		if first != next {
			return fmt.Errorf("batch at row %d, want %d", first, next)
		}
		for i := 0; i < b.N; i++ {
			if err := sameRecord(b, int32(i), st, int32(first+i)); err != nil {
				return err
			}
		}
		next += b.N
		return nil
	})
	if err != nil || next != n {
		t.Fatalf("scan: %v, %d rows, want %d", err, next, n)
	}
	rows := []int32{0, 3, 776, 777, 1800, 4999}
	got, loc, err := sp.Gather(ctx, rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := sameRecord(got, loc[r], st, r); err != nil {
			t.Fatalf("gather: %v", err)
		}
	}
	// Pairs over more rows than a partition holds come in several pieces,
	// in order.
	var pairs []blocking.Pair
	for i := int32(0); i < int32(n)-1; i += 3 {
		pairs = append(pairs, blocking.Pair{Left: i, Right: (i * 7) % int32(n)})
	}
	seen, pieces := 0, 0
	err = sp.EachPiece(ctx, pairs, func(part []blocking.Pair, sub *Store, loc []int32) error {
		pieces++
		for k, p := range part {
			if p != pairs[seen+k] {
				return fmt.Errorf("pair %d out of order", seen+k)
			}
			for _, r := range []int32{p.Left, p.Right} {
				if err := sameRecord(sub, loc[r], st, r); err != nil {
					return err
				}
			}
		}
		seen += len(part)
		return nil
	})
	if err != nil || seen != len(pairs) || pieces < 2 {
		t.Fatalf("pieces: %v, %d pairs in %d pieces, want %d in several", err, seen, pieces, len(pairs))
	}
	// Clusters of 1 to 5 members, every row; one row dropped.
	var starts, members []int32
	for r := 0; r < n; {
		starts = append(starts, int32(len(members)))
		for k := 0; k < 1+r%5 && r < n; k++ {
			members = append(members, int32(r))
			r++
		}
	}
	starts = append(starts, int32(len(members)))
	dropped := make([]bool, n)
	dropped[42] = true
	ranges, err := sp.Clusters(ctx, starts, members, dropped)
	if err != nil {
		t.Fatal(err)
	}
	c0 := 0
	for i, c1 := range ranges.Ends() {
		sub, loc, err := ranges.Members(i)
		if err != nil {
			t.Fatal(err)
		}
		if int(starts[c1]-starts[c0]) > 300 && c1 > c0+1 {
			t.Errorf("range %d holds %d members, more than a partition", i, starts[c1]-starts[c0])
		}
		for _, r := range members[starts[c0]:starts[c1]] {
			if dropped[r] {
				continue
			}
			if err := sameRecord(sub, loc[r], st, r); err != nil {
				t.Fatalf("range %d: %v", i, err)
			}
		}
		c0 = c1
	}
	if c0 != len(starts)-1 {
		t.Fatalf("ranges end at cluster %d, want %d", c0, len(starts)-1)
	}
	if err := sp.Remove(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(parent); len(left) != 0 {
		t.Fatalf("%d entries left on disk", len(left))
	}
}
