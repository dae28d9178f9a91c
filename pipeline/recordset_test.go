package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/dedup-vn/dedup/config"
)

// TestMemSetScan checks that an in-memory scan hands out every row once,
// in order, as views that read the store's own values, and that a
// rule's keys computed a window at a time on several workers are the keys
// of the whole store.
func TestMemSetScan(t *testing.T) {
	cfg := config.Default()
	st := newStore(cfg, 1)
	n := 2*scanRows + 123
	fillStore(t, st, 0, n)
	set := &memSet{st: st, workers: 3}
	next := 0
	err := set.scan(context.Background(), nil, nil, func(first int, w *store) error {
		if first != next {
			return fmt.Errorf("batch at row %d, want %d", first, next)
		}
		next += w.n
		for i := 0; i < w.n; i++ {
			g := int32(first + i)
			if !bytes.Equal(w.recordID.Get(int32(i)), st.recordID.Get(g)) || w.source[i] != st.source[g] || w.flags[i] != st.flags[g] {
				return fmt.Errorf("row %d: the window reads another record", g)
			}
			for f := range w.fields {
				for j := range w.fields[f].strs {
					if !bytes.Equal(w.fields[f].strs[j].Get(int32(i)), st.fields[f].strs[j].Get(g)) {
						return fmt.Errorf("row %d field %s: string column %d differs", g, w.fields[f].name, j)
					}
				}
				for j := range w.fields[f].ints {
					if w.fields[f].ints[j][i] != st.fields[f].ints[j][g] {
						return fmt.Errorf("row %d field %s: int column %d differs", g, w.fields[f].name, j)
					}
				}
				if len(st.fields[f].ts) > 0 && w.fields[f].ts[i] != st.fields[f].ts[g] {
					return fmt.Errorf("row %d field %s: timestamp differs", g, w.fields[f].name)
				}
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
	if got, loc, err := set.gather(context.Background(), []int32{1, 5}); err != nil || got != st || loc != nil {
		t.Fatalf("gather in memory: %p %v %v, want the store itself and no map", got, loc, err)
	}

	dropped := make([]bool, n)
	dropped[7] = true
	r := &runner{cfg: cfg, opt: Options{Workers: 3}, set: set, st: st, dropped: dropped}
	for k, rule := range cfg.Blocking.Rules {
		got, err := r.keys(context.Background(), uint64(k), rule)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ruleKeys(st, dropped, uint64(k), rule)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("rule %s: keys by window differ from the whole store's", rule.Name)
		}
	}
}
