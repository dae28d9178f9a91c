package state

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// world is a night in the tests' shorthand: clusters of record ids
// ("a b | c" = two clusters), each id optionally suffixed "*" for a
// changed record; the previous night is a map id → person ID.
type world struct {
	night    int
	clusters string
	prev     map[string]string // record → person, the previous night
	reg      map[uint64]Person
	next     uint64
}

func k(id string) Key { return Key{"s", id} }

func (w world) input() *tonight {
	// The registry lists every ID below next: the ones the test does not
	// name were retired on an earlier night.
	reg := Registry{Next: max(w.next, 1)}
	for n := uint64(1); n < w.next; n++ {
		p := Person{Created: 1, Status: StatusRetired, Retired: 1}
		if q, ok := w.reg[n]; ok {
			p = q
		}
		reg.Persons = append(reg.Persons, p)
	}
	in := &tonight{night: w.night, reg: reg}
	type rec struct {
		id      string
		changed bool
		c       int
	}
	var recs []rec
	for c, part := range strings.Split(w.clusters, "|") {
		for _, f := range strings.Fields(part) {
			id, changed := strings.CutSuffix(f, "*")
			recs = append(recs, rec{id, changed, c})
		}
	}
	slices.SortFunc(recs, func(a, b rec) int { return strings.Compare(a.id, b.id) })
	byCluster := map[int][]int32{}
	var order []int
	for i, r := range recs {
		in.keys = append(in.keys, k(r.id))
		p, _ := parsePersonID(w.prev[r.id])
		in.prev = append(in.prev, p)
		st := recUnchanged
		if p == 0 {
			st = recNew
		} else if r.changed {
			st = recChanged
		}
		in.status = append(in.status, st)
		if _, ok := byCluster[r.c]; !ok {
			order = append(order, r.c)
		}
		byCluster[r.c] = append(byCluster[r.c], int32(i))
	}
	in.start = []int32{0}
	for _, c := range order {
		in.members = append(in.members, byCluster[c]...)
		in.start = append(in.start, int32(len(in.members)))
	}
	ids := make([]string, 0, len(w.prev))
	for id := range w.prev {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p, _ := parsePersonID(w.prev[id])
		in.prevKeys = append(in.prevKeys, k(id))
		in.prevPerson = append(in.prevPerson, p)
	}
	return in
}

func pid(n uint64) string { return FormatPersonID(n) }

// regOf builds registry entries from "id:created:records" entries.
func regOf(entries ...string) map[uint64]Person {
	out := map[uint64]Person{}
	for _, e := range entries {
		var n uint64
		var created int32
		var records int64
		fmt.Sscanf(e, "%d:%d:%d", &n, &created, &records)
		out[n] = Person{Created: created, Status: StatusActive, Records: records}
	}
	return out
}

func TestAssignRules(t *testing.T) {
	p1, p2, p3 := pid(1), pid(2), pid(3)
	tests := []struct {
		name    string
		w       world
		persons string   // person per cluster, in cluster order (by smallest record)
		events  []string // "person event other records"
	}{
		{
			name:    "first night: every cluster a new ID, in order of its smallest record",
			w:       world{night: 1, clusters: "c d | a | b", next: 1},
			persons: "P000000000001 P000000000002 P000000000003", // a, b, c d
			events:  []string{p1 + " created  a", p2 + " created  b", p3 + " created  c,d"},
		},
		{
			name:    "continue: same records, nothing to say",
			w:       world{night: 2, clusters: "a b | c", prev: map[string]string{"a": p1, "b": p1, "c": p2}, reg: regOf("1:1:2", "2:1:1"), next: 3},
			persons: p1 + " " + p2,
		},
		{
			name:    "continue with a new and a changed record: updated",
			w:       world{night: 2, clusters: "a b* x | c", prev: map[string]string{"a": p1, "b": p1, "c": p2}, reg: regOf("1:1:2", "2:1:1"), next: 3},
			persons: p1 + " " + p2,
			events:  []string{p1 + " updated  b,x"},
		},
		{
			name:    "merge: the oldest ID survives",
			w:       world{night: 3, clusters: "a b c", prev: map[string]string{"a": p2, "b": p1, "c": p2}, reg: regOf("1:2:1", "2:1:2"), next: 3},
			persons: p2,
			events:  []string{p1 + " merged_into " + p2 + " b", p2 + " updated  b"},
		},
		{
			name:    "merge of persons born the same night: more records survives",
			w:       world{night: 2, clusters: "a b c", prev: map[string]string{"a": p1, "b": p2, "c": p2}, reg: regOf("1:1:1", "2:1:2"), next: 3},
			persons: p2,
			events:  []string{p1 + " merged_into " + p2 + " a", p2 + " updated  a"},
		},
		{
			name:    "merge tie on night and records: the smaller ID survives",
			w:       world{night: 2, clusters: "a b", prev: map[string]string{"a": p2, "b": p1}, reg: regOf("1:1:1", "2:1:1"), next: 3},
			persons: p1,
			events:  []string{p1 + " updated  a", p2 + " merged_into " + p1 + " a"},
		},
		{
			name:    "split: the largest share keeps the ID, the rest is new and split_from",
			w:       world{night: 2, clusters: "a | b c", prev: map[string]string{"a": p1, "b": p1, "c": p1}, reg: regOf("1:1:3"), next: 2},
			persons: p2 + " " + p1,
			events:  []string{p1 + " updated  a", p2 + " split_from " + p1 + " a"},
		},
		{
			name:    "split in halves: the part with the smaller record keeps the ID",
			w:       world{night: 2, clusters: "c d | a b", prev: map[string]string{"a": p1, "b": p1, "c": p1, "d": p1}, reg: regOf("1:1:4"), next: 7},
			persons: p1 + " " + pid(7),
			events:  []string{p1 + " updated  c,d", pid(7) + " split_from " + p1 + " c,d"},
		},
		{
			name:    "all records deleted: retired; IDs are never reused",
			w:       world{night: 2, clusters: "c", prev: map[string]string{"a": p1, "b": p1}, reg: regOf("1:1:2"), next: 2},
			persons: p2,
			events:  []string{p1 + " retired  a,b", p2 + " created  c"},
		},
		{
			name:    "a record moves from one person to another",
			w:       world{night: 2, clusters: "a | b c", prev: map[string]string{"a": p1, "b": p1, "c": p2}, reg: regOf("1:1:2", "2:1:1"), next: 3},
			persons: p1 + " " + p2,
			events:  []string{p1 + " updated  b", p2 + " updated  b"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			as, err := assign(tc.w.input())
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, p := range as.person {
				names = append(names, pid(p))
			}
			if got := strings.Join(names, " "); got != tc.persons {
				t.Errorf("persons %q, want %q", got, tc.persons)
			}
			var got []string
			for _, ev := range as.events {
				var ids []string
				for _, r := range ev.Records {
					ids = append(ids, r.ID)
				}
				got = append(got, fmt.Sprintf("%s %s %s %s", ev.Person, ev.Kind, ev.Other, strings.Join(ids, ",")))
			}
			if !slices.Equal(got, tc.events) {
				t.Errorf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.events, "\n"))
			}
			// Registry invariants: sorted, unique, every ID below Next,
			// every active person holds a cluster.
			holds := map[string]bool{}
			for _, p := range as.person {
				holds[pid(p)] = true
			}
			if as.reg.Next != uint64(len(as.reg.Persons)+1) {
				t.Errorf("registry of %d with next %d", len(as.reg.Persons), as.reg.Next)
			}
			for i, p := range as.reg.Persons {
				id := pid(uint64(i + 1))
				if (p.Status == StatusActive) != holds[id] {
					t.Errorf("%s is %s but holds a cluster: %v", id, p.Status, holds[id])
				}
			}
		})
	}
}

func TestAssignEvidence(t *testing.T) {
	p1 := pid(1)
	w := world{night: 2, clusters: "a | b c", prev: map[string]string{"a": p1, "b": p1, "c": p1}, reg: regOf("1:1:3"), next: 2}
	in := w.input()
	in.prevPairs = []Pair{{k("a"), k("b"), 9}, {k("b"), k("c"), 12}}
	in.pairs = []Pair{{k("b"), k("c"), 12}}
	as, err := assign(in)
	if err != nil {
		t.Fatal(err)
	}
	// P1 keeps b c; a splits off, and the pair a-b that held it no longer does.
	splits := 0
	for _, ev := range as.events {
		if ev.Kind == EventSplitFrom {
			splits++
			if len(ev.Pairs) != 1 || ev.Pairs[0] != in.prevPairs[0] {
				t.Errorf("split evidence %v, want the broken pair a-b", ev.Pairs)
			}
		}
	}
	if splits != 1 {
		t.Errorf("%d split events, want 1", splits)
	}
}

func TestPersonIDFormat(t *testing.T) {
	for _, n := range []uint64{1, 42, 999999999999} {
		id := FormatPersonID(n)
		if len(id) != PersonIDLen {
			t.Errorf("%s: length %d", id, len(id))
		}
		if got, ok := parsePersonID(id); !ok || got != n {
			t.Errorf("parse %s = %d %v", id, got, ok)
		}
	}
	for _, bad := range []string{"", "P", "P00000000000", "Q000000000001", "P000000000000", "P00000000000x"} {
		if _, ok := parsePersonID(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
