package state

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// Key names a record: its source and its record id.
type Key struct{ Source, ID string }

func compareKeys(a, b Key) int {
	if c := cmp.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// Person ID format: "P" and 12 decimal digits, a counter the registry
// never winds back, so an ID is never reused. It says nothing about the
// person (opaque); fixed width, so IDs sort as their numbers.
const (
	personPrefix = "P"
	personDigits = 12
	// PersonIDLen is the length of every person ID.
	PersonIDLen = len(personPrefix) + personDigits
)

// FormatPersonID is the person ID of counter value n (n ≥ 1).
func FormatPersonID(n uint64) string {
	return fmt.Sprintf("%s%0*d", personPrefix, personDigits, n)
}

// parsePersonID is FormatPersonID's inverse.
func parsePersonID(s string) (uint64, bool) {
	if len(s) != PersonIDLen || s[:len(personPrefix)] != personPrefix {
		return 0, false
	}
	n, err := strconv.ParseUint(s[len(personPrefix):], 10, 64)
	return n, err == nil && n > 0
}

// optionalPersonID parses an ID or "" (0).
func optionalPersonID(s string) (uint64, bool) {
	if s == "" {
		return 0, true
	}
	return parsePersonID(s)
}

// formatOptional is the ID of counter n, or "" for 0.
func formatOptional(n uint64) string {
	if n == 0 {
		return ""
	}
	return FormatPersonID(n)
}

// Person statuses in the registry.
const (
	StatusActive  = "active"
	StatusMerged  = "merged"  // retired: merged into MergedInto
	StatusRetired = "retired" // retired: all its records were deleted
)

// Events of changes.parquet.
const (
	EventCreated    = "created"
	EventUpdated    = "updated"
	EventMergedInto = "merged_into"
	EventSplitFrom  = "split_from"
	EventRetired    = "retired"
)

// Person is one entry of the person ID registry; its ID is its place
// (entry i is FormatPersonID(i+1)).
type Person struct {
	Created    int32  // night the ID was created
	Retired    int32  // night it was retired, 0 while active
	Status     string // StatusActive, StatusMerged or StatusRetired
	SplitFrom  uint64 // the person it split from (its counter), or 0
	MergedInto uint64 // StatusMerged: the person that survived, or 0
	Records    int64  // records it holds (0 once retired)
}

// Registry is every person ID ever issued, by ID (person n is Persons[n-1]),
// and the counter of the next one, len(Persons)+1.
type Registry struct {
	Persons []Person
	Next    uint64 // counter of the next new ID; starts at 1
}

// Pair is an accepted pair of records and its match weight.
type Pair struct {
	Left, Right Key
	Weight      float64
}

// Event is one row of changes.parquet.
type Event struct {
	Person  string
	Kind    string
	Other   string
	Records []Key
	Pairs   []Pair
}

// Record statuses of a night's diff.
const (
	recUnchanged uint8 = iota
	recChanged
	recNew
)

// tonight is what the ID rules read of a night: its records, their
// clusters and accepted pairs, and the previous generation. Persons are
// numbered by their ID's counter; the registry holds every ID ever issued,
// so person n is reg.Persons[n-1].
type tonight struct {
	night  int
	keys   []Key    // tonight's records, sorted
	status []uint8  // recNew, recChanged, recUnchanged per record
	prev   []uint64 // the record's person last night, 0 if new
	// Cluster c's records are members[start[c]:start[c+1]], ascending;
	// clusters are ordered by their first record.
	start   []int32
	members []int32
	pairs   []Pair // tonight's accepted pairs
	// Last night: its records (sorted) and their persons, its accepted
	// pairs and registry. An incremental night passes the records it
	// re-clusters and those gone since, and the pairs among them; the
	// registry is whole.
	prevKeys   []Key
	prevPerson []uint64
	prevPairs  []Pair
	reg        Registry
}

func (in *tonight) clusters() int { return len(in.start) - 1 }

func (in *tonight) cluster(c int) []int32 { return in.members[in.start[c]:in.start[c+1]] }

// assignment is the ID rules' result.
type assignment struct {
	person []uint64 // per cluster
	events []Event  // sorted by person, then event
	reg    Registry
}

// shares appends to dst the persons of last night among records, with how
// many of the records each holds, by person.
func shares(dst []share, prev []uint64, records []int32, scratch []uint64) ([]share, []uint64) {
	scratch = scratch[:0]
	for _, r := range records {
		if p := prev[r]; p != 0 {
			scratch = append(scratch, p)
		}
	}
	slices.Sort(scratch)
	for i := 0; i < len(scratch); {
		j := i
		for j < len(scratch) && scratch[j] == scratch[i] {
			j++
		}
		dst = append(dst, share{scratch[i], int32(j - i)})
		i = j
	}
	return dst, scratch
}

type share struct {
	person uint64
	n      int32
}

// assign carries person IDs from the previous generation to tonight's
// clusters by the rules (ARCHITECTURE.md, "Person ID rules"):
//   - a person's heir is the cluster holding most of its earlier records
//     still present (ties: the cluster whose smallest record sorts first);
//   - a cluster that is no one's heir gets a new ID: created, or split_from
//     the person with most earlier records in it (ties: the smaller ID);
//   - a cluster that is the heir of one person keeps its ID (updated when
//     its records or membership changed);
//   - a cluster that is the heir of several keeps the oldest ID (created on
//     the earliest night; ties: more earlier records, then the smaller ID)
//     and the others are retired as merged_into it;
//   - a person who is no cluster's heir had all its records deleted: retired.
//
// The result depends only on its input, never on order of work.
func assign(in *tonight) (*assignment, error) {
	np := len(in.reg.Persons)
	if in.reg.Next != uint64(np+1) && !(np == 0 && in.reg.Next == 0) {
		return nil, fmt.Errorf("state: registry of %d IDs with next ID %d", np, in.reg.Next)
	}
	// The registry is updated in place, once nothing reads last night's
	// entries any more (a copy would cost a registry's size at the peak).
	reg := Registry{Persons: in.reg.Persons, Next: uint64(np + 1)}
	nc := in.clusters()
	// Each person's heir.
	heirC := make([]int32, np+1)
	heirN := make([]int32, np+1)
	for i := range heirC {
		heirC[i] = -1
	}
	var sh []share
	var scratch []uint64
	for c := 0; c < nc; c++ {
		sh, scratch = shares(sh[:0], in.prev, in.cluster(c), scratch)
		for _, s := range sh {
			if s.person > uint64(np) {
				return nil, fmt.Errorf("state: a record belongs to person %s, who is not in the registry", FormatPersonID(s.person))
			}
			if s.n > heirN[s.person] { // clusters come in order: a tie keeps the first
				heirC[s.person], heirN[s.person] = int32(c), s.n
			}
		}
	}
	// Claims by cluster: persons in ascending order within a cluster.
	type claim struct {
		cluster int32
		person  uint64
	}
	var claims []claim
	for p := 1; p <= np; p++ {
		if heirC[p] >= 0 {
			claims = append(claims, claim{heirC[p], uint64(p)})
		}
	}
	slices.SortStableFunc(claims, func(a, b claim) int { return cmp.Compare(a.cluster, b.cluster) })
	person := func(n uint64) *Person { return &reg.Persons[n-1] }
	prevCount := func(n uint64) int64 { return reg.Persons[n-1].Records } // until the updates below

	out := &assignment{person: make([]uint64, nc)}
	var events []Event
	var cl []uint64
	for c, k := 0, 0; c < nc; c++ {
		cl = cl[:0]
		for ; k < len(claims) && claims[k].cluster == int32(c); k++ {
			cl = append(cl, claims[k].person)
		}
		members := in.cluster(c)
		if len(cl) == 0 {
			n := reg.Next
			reg.Next++
			out.person[c] = n
			p := Person{Created: int32(in.night), Status: StatusActive}
			ev := Event{Person: FormatPersonID(n), Kind: EventCreated}
			sh, scratch = shares(sh[:0], in.prev, members, scratch)
			if len(sh) > 0 {
				best := sh[0] // by person ascending: a tie keeps the smaller ID
				for _, s := range sh[1:] {
					if s.n > best.n {
						best = s
					}
				}
				p.SplitFrom, ev.Kind, ev.Other = best.person, EventSplitFrom, FormatPersonID(best.person)
			}
			reg.Persons = append(reg.Persons, p)
			events = append(events, ev)
			continue
		}
		slices.SortFunc(cl, func(a, b uint64) int {
			if c := cmp.Compare(person(a).Created, person(b).Created); c != 0 {
				return c
			}
			if c := cmp.Compare(prevCount(b), prevCount(a)); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		survivor := cl[0]
		out.person[c] = survivor
		for _, p := range cl[1:] {
			events = append(events, Event{Person: FormatPersonID(p), Kind: EventMergedInto, Other: FormatPersonID(survivor)})
		}
		changed := len(cl) > 1 || int64(len(members)) != prevCount(survivor)
		for _, r := range members {
			if in.status[r] != recUnchanged || in.prev[r] != survivor {
				changed = true
				break
			}
		}
		if changed {
			events = append(events, Event{Person: FormatPersonID(survivor), Kind: EventUpdated})
		}
	}
	// Only the persons of the records the night re-clustered can lose
	// their records; the others are not in this night's input.
	involved := make([]bool, np+1)
	for _, p := range in.prevPerson {
		if p <= uint64(np) {
			involved[p] = true
		}
	}
	for p := 1; p <= np; p++ {
		if heirC[p] < 0 && involved[p] && reg.Persons[p-1].Status == StatusActive {
			events = append(events, Event{Person: FormatPersonID(uint64(p)), Kind: EventRetired})
		}
	}
	// Registry updates: statuses of the retired, counts of the active.
	for _, ev := range events {
		n, _ := parsePersonID(ev.Person)
		p := person(n)
		switch ev.Kind {
		case EventMergedInto:
			into, _ := parsePersonID(ev.Other)
			p.Status, p.MergedInto, p.Retired, p.Records = StatusMerged, into, int32(in.night), 0
		case EventRetired:
			p.Status, p.Retired, p.Records = StatusRetired, int32(in.night), 0
		}
	}
	for c := 0; c < nc; c++ {
		person(out.person[c]).Records = int64(in.start[c+1] - in.start[c])
	}
	addEvidence(in, out.person, events)
	slices.SortFunc(events, func(a, b Event) int {
		if c := cmp.Compare(a.Person, b.Person); c != 0 {
			return c
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
	out.events, out.reg = events, reg
	return out, nil
}

// addEvidence fills each event's records and pairs:
//   - created: the cluster's records and its accepted pairs;
//   - updated: the records new, changed, joined from another person or
//     gone since the last night, and tonight's pairs inside the cluster
//     that touch one of them;
//   - merged_into: the retired person's earlier records and tonight's
//     pairs joining them to the rest of the survivor's cluster;
//   - split_from: the new person's records and the earlier pairs that
//     joined them to the rest of the earlier person, which no longer hold;
//   - retired: the person's earlier records, all deleted.
func addEvidence(in *tonight, person []uint64, events []Event) {
	if len(events) == 0 {
		return
	}
	clusterOf := make([]int32, len(in.keys))
	for c := 0; c < in.clusters(); c++ {
		for _, r := range in.cluster(c) {
			clusterOf[r] = int32(c)
		}
	}
	index := func(k Key) (int, bool) { return slices.BinarySearchFunc(in.keys, k, compareKeys) }
	inCluster := map[int32][]Pair{}
	for _, p := range in.pairs {
		l, _ := index(p.Left)
		r, _ := index(p.Right)
		if a, b := clusterOf[l], clusterOf[r]; a == b {
			inCluster[a] = append(inCluster[a], p)
		}
	}
	// Last night's records by person.
	np := len(in.reg.Persons)
	pstart := make([]int32, np+2)
	for _, p := range in.prevPerson {
		pstart[p+1]++
	}
	for i := 1; i < len(pstart); i++ {
		pstart[i] += pstart[i-1]
	}
	byPerson := make([]int32, len(in.prevPerson))
	fill := slices.Clone(pstart)
	for i, p := range in.prevPerson {
		byPerson[fill[p]] = int32(i)
		fill[p]++
	}
	prevRecords := func(n uint64) []Key {
		var out []Key
		for _, i := range byPerson[pstart[n]:pstart[n+1]] {
			out = append(out, in.prevKeys[i])
		}
		return out
	}
	clusterByPerson := make(map[uint64]int, len(events))
	for _, ev := range events {
		n, _ := parsePersonID(ev.Person)
		clusterByPerson[n] = -1
		if o, ok := parsePersonID(ev.Other); ok {
			clusterByPerson[o] = -1
		}
	}
	for c, p := range person {
		if _, ok := clusterByPerson[p]; ok {
			clusterByPerson[p] = c
		}
	}
	for i := range events {
		ev := &events[i]
		n, _ := parsePersonID(ev.Person)
		switch ev.Kind {
		case EventCreated:
			c := clusterByPerson[n]
			for _, r := range in.cluster(c) {
				ev.Records = append(ev.Records, in.keys[r])
			}
			ev.Pairs = inCluster[int32(c)]
		case EventUpdated:
			c := clusterByPerson[n]
			involved := map[Key]bool{}
			for _, r := range in.cluster(c) {
				if in.status[r] != recUnchanged || in.prev[r] != n {
					involved[in.keys[r]] = true
				}
			}
			for _, k := range prevRecords(n) {
				if r, ok := index(k); !ok || clusterOf[r] != int32(c) {
					involved[k] = true
				}
			}
			for k := range involved {
				ev.Records = append(ev.Records, k)
			}
			for _, p := range inCluster[int32(c)] {
				if involved[p.Left] || involved[p.Right] {
					ev.Pairs = append(ev.Pairs, p)
				}
			}
		case EventMergedInto:
			o, _ := parsePersonID(ev.Other)
			c := clusterByPerson[o]
			mine := map[Key]bool{}
			for _, r := range in.cluster(c) {
				if in.prev[r] == n {
					mine[in.keys[r]] = true
					ev.Records = append(ev.Records, in.keys[r])
				}
			}
			for _, p := range inCluster[int32(c)] {
				if mine[p.Left] != mine[p.Right] {
					ev.Pairs = append(ev.Pairs, p)
				}
			}
		case EventSplitFrom:
			o, _ := parsePersonID(ev.Other)
			c := clusterByPerson[n]
			mine := map[Key]bool{}
			for _, r := range in.cluster(c) {
				mine[in.keys[r]] = true
				ev.Records = append(ev.Records, in.keys[r])
			}
			theirs := map[Key]bool{}
			for _, k := range prevRecords(o) {
				theirs[k] = true
			}
			for _, p := range in.prevPairs {
				if theirs[p.Left] && theirs[p.Right] && mine[p.Left] != mine[p.Right] {
					ev.Pairs = append(ev.Pairs, p)
				}
			}
		case EventRetired:
			ev.Records = prevRecords(n)
		}
		slices.SortFunc(ev.Records, compareKeys)
		ev.Pairs = slices.Clone(ev.Pairs)
		slices.SortFunc(ev.Pairs, comparePairs)
	}
}

func comparePairs(a, b Pair) int {
	if c := compareKeys(a.Left, b.Left); c != 0 {
		return c
	}
	return compareKeys(a.Right, b.Right)
}
