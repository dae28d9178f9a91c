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

// Person is one entry of the person ID registry.
type Person struct {
	ID         string
	Created    int    // night the ID was created
	SplitFrom  string // the person it split from, or ""
	Status     string // StatusActive, StatusMerged or StatusRetired
	MergedInto string // StatusMerged: the person that survived
	Retired    int    // night it was retired, 0 while active
	Records    int64  // records it holds (0 once retired)
}

// Registry is every person ID ever issued, sorted by ID, and the counter
// of the next one.
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
// clusters and accepted pairs, and the previous generation.
type tonight struct {
	night    int
	keys     []Key    // tonight's records, sorted
	status   []uint8  // recNew, recChanged, recUnchanged per record
	prev     []string // the record's person in the previous generation, "" if new
	clusters [][]int  // record indexes per cluster, each sorted; clusters sorted by their first record
	pairs    []Pair   // tonight's accepted pairs
	// The previous generation: its records by person (deleted ones too),
	// its accepted pairs and its registry.
	prevRecords map[string][]Key
	prevPairs   []Pair
	reg         Registry
}

// assignment is the ID rules' result.
type assignment struct {
	person []string // per cluster
	events []Event  // sorted by person, then event
	reg    Registry
}

// assign carries person IDs from the previous generation to tonight's
// clusters by the rules (ARCHITECTURE.md, "Person IDs"):
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
	reg := Registry{Persons: slices.Clone(in.reg.Persons), Next: max(in.reg.Next, 1)}
	byID := make(map[string]int, len(reg.Persons))
	for i, p := range reg.Persons {
		byID[p.ID] = i
	}
	// Earlier records of each person per cluster, and each person's heir.
	type share struct {
		cluster int
		n       int
	}
	heir := map[string]share{}
	clusterOf := make([]int, len(in.keys))
	earlier := make([]map[string]int, len(in.clusters))
	for c, members := range in.clusters {
		for _, r := range members {
			clusterOf[r] = c
			if p := in.prev[r]; p != "" {
				if earlier[c] == nil {
					earlier[c] = map[string]int{}
				}
				earlier[c][p]++
			}
		}
		for p, n := range earlier[c] {
			if h, ok := heir[p]; !ok || n > h.n {
				heir[p] = share{c, n} // clusters come in order: a tie keeps the first
			}
		}
	}
	claims := make([][]string, len(in.clusters))
	for p, h := range heir {
		if _, ok := byID[p]; !ok {
			return nil, fmt.Errorf("state: a record belongs to person %s, who is not in the registry", p)
		}
		claims[h.cluster] = append(claims[h.cluster], p)
	}
	prevCount := func(p string) int64 { return reg.Persons[byID[p]].Records }

	out := &assignment{person: make([]string, len(in.clusters))}
	var events []Event
	for c, members := range in.clusters {
		cl := claims[c]
		if len(cl) == 0 {
			id := FormatPersonID(reg.Next)
			reg.Next++
			out.person[c] = id
			p := Person{ID: id, Created: in.night, Status: StatusActive}
			ev := Event{Person: id, Kind: EventCreated}
			if from := largestShare(earlier[c]); from != "" {
				p.SplitFrom, ev.Kind, ev.Other = from, EventSplitFrom, from
			}
			byID[id] = len(reg.Persons)
			reg.Persons = append(reg.Persons, p)
			events = append(events, ev)
			continue
		}
		slices.SortFunc(cl, func(a, b string) int {
			pa, pb := reg.Persons[byID[a]], reg.Persons[byID[b]]
			if c := cmp.Compare(pa.Created, pb.Created); c != 0 {
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
			events = append(events, Event{Person: p, Kind: EventMergedInto, Other: survivor})
		}
		changed := len(cl) > 1 || int64(len(members)) != prevCount(survivor)
		for _, r := range members {
			if in.status[r] != recUnchanged || in.prev[r] != survivor {
				changed = true
				break
			}
		}
		if changed {
			events = append(events, Event{Person: survivor, Kind: EventUpdated})
		}
	}
	for _, p := range in.reg.Persons { // the previous registry: not tonight's new IDs
		if _, ok := heir[p.ID]; !ok && p.Status == StatusActive {
			events = append(events, Event{Person: p.ID, Kind: EventRetired})
		}
	}
	// Registry updates: counts of the active, statuses of the retired.
	counts := map[string]int64{}
	for c, members := range in.clusters {
		counts[out.person[c]] = int64(len(members))
	}
	for _, ev := range events {
		p := &reg.Persons[byID[ev.Person]]
		switch ev.Kind {
		case EventMergedInto:
			p.Status, p.MergedInto, p.Retired, p.Records = StatusMerged, ev.Other, in.night, 0
		case EventRetired:
			p.Status, p.Retired, p.Records = StatusRetired, in.night, 0
		}
	}
	for id, n := range counts {
		reg.Persons[byID[id]].Records = n
	}
	slices.SortFunc(reg.Persons, func(a, b Person) int { return cmp.Compare(a.ID, b.ID) })
	addEvidence(in, out.person, clusterOf, events)
	slices.SortFunc(events, func(a, b Event) int {
		if c := cmp.Compare(a.Person, b.Person); c != 0 {
			return c
		}
		return cmp.Compare(a.Kind, b.Kind)
	})
	out.events, out.reg = events, reg
	return out, nil
}

// largestShare is the person with most records in shares (ties: the
// smaller ID), or "" for none.
func largestShare(shares map[string]int) string {
	best, bestN := "", 0
	for p, n := range shares {
		if n > bestN || n == bestN && p < best {
			best, bestN = p, n
		}
	}
	return best
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
func addEvidence(in *tonight, person []string, clusterOf []int, events []Event) {
	index := make(map[Key]int, len(in.keys))
	for i, k := range in.keys {
		index[k] = i
	}
	inCluster := map[int][]Pair{}
	for _, p := range in.pairs {
		a, b := clusterOf[index[p.Left]], clusterOf[index[p.Right]]
		if a == b {
			inCluster[a] = append(inCluster[a], p)
		}
	}
	prevOf := map[Key]string{}
	for p, ks := range in.prevRecords {
		for _, k := range ks {
			prevOf[k] = p
		}
	}
	clusterByPerson := make(map[string]int, len(person))
	for c, p := range person {
		clusterByPerson[p] = c
	}
	for i := range events {
		ev := &events[i]
		switch ev.Kind {
		case EventCreated:
			c := clusterByPerson[ev.Person]
			for _, r := range in.clusters[c] {
				ev.Records = append(ev.Records, in.keys[r])
			}
			ev.Pairs = inCluster[c]
		case EventUpdated:
			c := clusterByPerson[ev.Person]
			involved := map[Key]bool{}
			for _, r := range in.clusters[c] {
				if in.status[r] != recUnchanged || in.prev[r] != ev.Person {
					involved[in.keys[r]] = true
				}
			}
			for _, k := range in.prevRecords[ev.Person] {
				if r, ok := index[k]; !ok || clusterOf[r] != c {
					involved[k] = true
				}
			}
			for k := range involved {
				ev.Records = append(ev.Records, k)
			}
			for _, p := range inCluster[c] {
				if involved[p.Left] || involved[p.Right] {
					ev.Pairs = append(ev.Pairs, p)
				}
			}
		case EventMergedInto:
			c := clusterByPerson[ev.Other]
			mine := map[Key]bool{}
			for _, r := range in.clusters[c] {
				if in.prev[r] == ev.Person {
					mine[in.keys[r]] = true
					ev.Records = append(ev.Records, in.keys[r])
				}
			}
			for _, p := range inCluster[c] {
				if mine[p.Left] != mine[p.Right] {
					ev.Pairs = append(ev.Pairs, p)
				}
			}
		case EventSplitFrom:
			c := clusterByPerson[ev.Person]
			mine := map[Key]bool{}
			for _, r := range in.clusters[c] {
				mine[in.keys[r]] = true
				ev.Records = append(ev.Records, in.keys[r])
			}
			for _, p := range in.prevPairs {
				if prevOf[p.Left] == ev.Other && prevOf[p.Right] == ev.Other && mine[p.Left] != mine[p.Right] {
					ev.Pairs = append(ev.Pairs, p)
				}
			}
		case EventRetired:
			ev.Records = slices.Clone(in.prevRecords[ev.Person])
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
