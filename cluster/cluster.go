// Package cluster groups records linked by accepted pairs into clusters:
// union-find over int32 rows, with a cannot-link guard on conflicting
// national IDs and cluster IDs that depend only on the members.
//
// # Semantics
//
// Edges are processed in one total order that does not depend on the order
// they were added in, nor on the order of the input records: weight
// descending (as float32), then by the endpoints' stable keys (the smaller
// stable key of the two, then the larger). Before each union the guard looks
// at the ID of both components: a component's ID is the first non-zero ID
// it acquired (with the guard, a component never holds two different IDs, so
// "first" is also "only"). If both are non-zero and differ, the edge is
// rejected and counted. So in a chain A–B–C where A and C hold different IDs,
// the weakest edge of the chain is the one rejected.
//
// IDs are uint64 keys the caller derives from a valid, normalized national
// ID (e.g. a blocking.Hasher sum of the 12 digits). An invalid, missing or
// unverifiable ID must be passed as 0: it never conflicts. Only pass one kind
// of identifier: a 9-digit CMND and the 12-digit CCCD of the same person are
// different numbers and would be kept apart.
//
// # Stable IDs
//
// The caller supplies a per-record stable key (e.g. a hash of source and
// record_id). A cluster's representative is its member with the smallest
// stable key, and its ID is that key as 16 hex digits; the same records and
// edges give the same IDs whatever the input order. Stable keys should be
// unique; on a collision, ties are broken by row number, which then makes
// the result depend on record order for those two records only.
//
// # Memory
//
// For N records and E edges: New takes 32 bytes per record transiently
// (sorting the stable keys) and keeps 24 bytes per record (rank, inverse
// rank, parent, size as int32, component ID as uint64). Each edge takes 12
// bytes (float32 weight key and two int32 ranks); Finish radix-sorts them
// with a scratch copy, so 24 bytes per edge at peak. At N = 100M and
// E = 200M: 2.4 GB for records, 4.8 GB at the edge sort's peak, plus the
// caller's two uint64 columns (1.6 GB). Finish's last passes hold 4 more
// bytes per record (each record's root). The Result keeps 8 bytes per
// record.
//
// # Workers
//
// With Options.Workers above one, the key sort (sorted ranges merged
// pairwise) and Finish's passes over the records (initialising, finding
// each record's root, naming representatives) run on that many goroutines;
// the unions themselves stay in edge order on one. The result does not
// depend on the number of workers.
package cluster

import (
	"encoding/hex"
	"fmt"
	"math"
	"sync"

	"github.com/dedup-vn/dedup/internal/radix"
)

// Options tune how the work is done, never its result.
type Options struct {
	// Workers is how many goroutines New's key sort and Finish's passes
	// over the records use; 0 or 1 means one. The result is the same for
	// any number.
	Workers int
}

// edge is one accepted pair in rank space: w is the weight's order key
// (ascending w = descending weight), a < b are the endpoints' ranks.
type edge struct {
	w    uint32
	a, b int32
}

// Builder collects accepted edges and clusters them. It is not safe for
// concurrent use.
type Builder struct {
	n       int
	workers int
	keys    []uint64 // stable key per row (the caller's slice)
	ids     []uint64 // ID per row, or nil (the caller's slice)
	rank    []int32  // row → rank in stable key order
	byRank  []int32  // rank → row
	edges   []edge
	stats   Stats
	// conflict, if set, is asked about every pair of records across two
	// clusters before they merge (SetConflict).
	conflict func(a, b int32) Reason
}

// MaxPairChecks bounds the record pairs the pairwise cannot-link check
// looks at for one merge (the product of the two clusters' sizes). A
// larger merge is made unchecked and counted (Stats.Unchecked): such a
// component is a chain the pairwise rules cannot afford to police record
// by record; the national-ID guard still holds for it.
const MaxPairChecks = 1 << 12

// SetConflict installs a pairwise cannot-link test over rows: before two
// clusters merge, every pair of their records (at most MaxPairChecks) is
// tested, and any reason other than ReasonNone refuses the edge. It must
// be a pure function of the two rows, so that the clusters depend only on
// the edges and the records.
func (b *Builder) SetConflict(fn func(a, b int32) Reason) { b.conflict = fn }

// Stats counts what Finish did with the edges.
type Stats struct {
	Edges     int64 // edges added (self-loops excluded)
	SelfLoops int64 // edges with left == right, ignored
	Unions    int64 // edges that merged two clusters
	Redundant int64 // edges inside an existing cluster
	Rejected  int64 // edges refused by the cannot-link guard on national IDs
	// Splits counts the edges the pairwise cannot-link test refused, by
	// reason (index ReasonGivenName…).
	Splits [numReasons]int64
	// Unchecked counts merges too large for the pairwise test
	// (MaxPairChecks), made without it.
	Unchecked int64
	Clusters  int // clusters, singletons included
	Largest   int // size of the largest cluster
}

// New prepares a Builder for len(stableKeys) records. ids is nil (no guard)
// or holds one ID per record, 0 meaning none. Both slices are kept by
// reference until Finish returns.
func New(stableKeys, ids []uint64, opt Options) (*Builder, error) {
	n := len(stableKeys)
	if n > math.MaxInt32 {
		return nil, fmt.Errorf("cluster: %d records: at most %d", n, math.MaxInt32)
	}
	if ids != nil && len(ids) != n {
		return nil, fmt.Errorf("cluster: %d IDs for %d records: want one per record", len(ids), n)
	}
	b := &Builder{n: n, workers: max(1, opt.Workers), keys: stableKeys, ids: ids, rank: make([]int32, n), byRank: make([]int32, n)}
	sorted := sortKeys(stableKeys, b.workers)
	forRanges(b.workers, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			e := sorted[r]
			b.rank[e.Row] = int32(r)
			b.byRank[r] = e.Row
		}
	})
	return b, nil
}

// minParallel is the fewest records worth splitting across goroutines.
// It is a variable so that tests can drive the parallel paths with small
// inputs.
var minParallel = 1 << 16

// forRanges calls fn on consecutive ranges of [0, n), one per worker, and
// waits for them.
func forRanges(workers, n int, fn func(lo, hi int)) {
	if workers <= 1 || n < minParallel {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := n*w/workers, n*(w+1)/workers
		wg.Go(func() { fn(lo, hi) })
	}
	wg.Wait()
}

// sortKeys returns (key, row) entries sorted by key, equal keys in row
// order. With several workers each sorts a consecutive range of rows and
// the runs are merged pairwise, the earlier range winning ties: the order
// one stable sort gives.
func sortKeys(keys []uint64, workers int) []radix.Entry {
	n := len(keys)
	if workers <= 1 || n < minParallel {
		workers = 1
	}
	src := make([]radix.Entry, n)
	dst := make([]radix.Entry, n)
	bounds := make([]int, workers+1)
	for w := range bounds {
		bounds[w] = n * w / workers
	}
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := bounds[w], bounds[w+1]
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				src[i] = radix.Entry{Key: keys[i], Row: int32(i)}
			}
			if hi-lo < 2 {
				return
			}
			// radix.Sort leaves its result in the input or the scratch.
			if s := radix.Sort(src[lo:hi], dst[lo:hi]); &s[0] != &src[lo] {
				copy(src[lo:hi], s)
			}
		})
	}
	wg.Wait()
	for len(bounds) > 2 {
		next := []int{0}
		for i := 0; i+1 < len(bounds); i += 2 {
			lo := bounds[i]
			if i+2 >= len(bounds) { // the odd run out moves as it is
				hi := bounds[i+1]
				wg.Go(func() { copy(dst[lo:hi], src[lo:hi]) })
				next = append(next, hi)
				continue
			}
			mid, hi := bounds[i+1], bounds[i+2]
			wg.Go(func() { mergeEntries(dst[lo:hi], src[lo:mid], src[mid:hi]) })
			next = append(next, hi)
		}
		wg.Wait()
		src, dst = dst, src
		bounds = next
	}
	return src
}

// mergeEntries merges sorted runs a and b into dst (len(a)+len(b)), a's
// entry first among equal keys.
func mergeEntries(dst, a, b []radix.Entry) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if b[j].Key < a[i].Key {
			dst[k] = b[j]
			j++
		} else {
			dst[k] = a[i]
			i++
		}
		k++
	}
	k += copy(dst[k:], a[i:])
	copy(dst[k:], b[j:])
}

// Grow makes room for n more edges, avoiding the transient doubling of
// append when the count is known (e.g. from the scoring stage's tally).
func (b *Builder) Grow(n int) {
	if n > 0 && cap(b.edges)-len(b.edges) < n {
		e := make([]edge, len(b.edges), len(b.edges)+n)
		copy(e, b.edges)
		b.edges = e
	}
}

// weightKey maps a weight to a uint32 that sorts ascending as the weight
// descends. NaN sorts last (as -Inf would); -0 is taken as +0.
func weightKey(w float64) uint32 {
	f := float32(w)
	if f != f {
		f = float32(math.Inf(-1))
	}
	if f == 0 {
		f = 0
	}
	u := math.Float32bits(f)
	if u&0x80000000 != 0 {
		u = ^u
	} else {
		u |= 0x80000000
	}
	return ^u
}

// Add records an accepted pair. The weight is kept as float32; it only
// orders the edges for the guard. A row out of range is an error; an edge
// from a row to itself is counted and ignored.
func (b *Builder) Add(left, right int32, weight float64) error {
	if left < 0 || int(left) >= b.n || right < 0 || int(right) >= b.n {
		return fmt.Errorf("cluster: edge (%d, %d): row out of range [0, %d)", left, right, b.n)
	}
	if left == right {
		b.stats.SelfLoops++
		return nil
	}
	ra, rb := b.rank[left], b.rank[right]
	if ra > rb {
		ra, rb = rb, ra
	}
	b.edges = append(b.edges, edge{w: weightKey(weight), a: ra, b: rb})
	b.stats.Edges++
	return nil
}

// Result is the clustering of every record.
type Result struct {
	// Rep maps each row to its cluster's representative row: the member
	// with the smallest stable key. Rep[r] == r for a singleton.
	Rep    []int32
	Stats  Stats
	keys   []uint64
	byRank []int32 // rows in stable key order
	size   []int32 // cluster size, indexed by representative row
}

// Rejected describes an edge the cannot-link guard refused.
type Rejected struct {
	Left, Right int32
	Weight      float32
	Reason      Reason
}

// Finish sorts the edges, unions them under the guard and returns the
// clusters. onReject, if not nil, is called for each rejected edge in
// processing order. The Builder must not be used afterwards.
func (b *Builder) Finish(onReject func(Rejected)) *Result {
	n := b.n
	edges := sortEdges(b.edges)
	b.edges = nil
	parent := make([]int32, n)
	size := make([]int32, n)
	var comp []uint64
	if b.ids != nil {
		comp = make([]uint64, n)
	}
	// next rings each cluster's members (in rank space) for the pairwise
	// test; only kept when there is one.
	var next []int32
	if b.conflict != nil {
		next = make([]int32, n)
		for r := range next {
			next[r] = int32(r)
		}
	}
	forRanges(b.workers, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			parent[r] = int32(r)
			size[r] = 1
			if comp != nil {
				comp[r] = b.ids[b.byRank[r]]
			}
		}
	})
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]] // path halving
			x = parent[x]
		}
		return x
	}
	st := &b.stats
	for _, e := range edges {
		x, y := find(e.a), find(e.b)
		if x == y {
			st.Redundant++
			continue
		}
		if comp != nil {
			cx, cy := comp[x], comp[y]
			if cx != 0 && cy != 0 && cx != cy {
				st.Rejected++
				if onReject != nil {
					onReject(Rejected{Left: min(b.byRank[e.a], b.byRank[e.b]), Right: max(b.byRank[e.a], b.byRank[e.b]), Weight: weightOf(e.w), Reason: ReasonNationalID})
				}
				continue
			}
		}
		if b.conflict != nil {
			if int64(size[x])*int64(size[y]) > MaxPairChecks {
				st.Unchecked++
			} else if why := b.crossConflict(next, x, y); why != ReasonNone {
				st.Splits[why]++
				if onReject != nil {
					onReject(Rejected{Left: min(b.byRank[e.a], b.byRank[e.b]), Right: max(b.byRank[e.a], b.byRank[e.b]), Weight: weightOf(e.w), Reason: why})
				}
				continue
			}
			next[x], next[y] = next[y], next[x] // join the member rings
		}
		if comp != nil {
			cx, cy := comp[x], comp[y]
			if cx == 0 {
				cx = cy
			}
			comp[x], comp[y] = cx, cx
		}
		// Union by size. Which root survives does not matter outside this
		// loop: the representative is chosen afterwards by stable key.
		if size[x] < size[y] {
			x, y = y, x
		}
		parent[y] = x
		size[x] += size[y]
		st.Unions++
	}
	edges, comp, next = nil, nil, nil // let the GC take them before the result arrays
	// Every rank's root, found on all workers: the unions are done, so
	// the walks only read parent.
	roots := make([]int32, n)
	forRanges(b.workers, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x := int32(r)
			for parent[x] != x {
				x = parent[x]
			}
			roots[r] = x
		}
	})
	parent = nil
	// Representative = smallest rank of the component: walking ranks
	// ascending, the first met for a root is its minimum.
	first := make([]int32, n)
	forRanges(b.workers, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			first[r] = -1
		}
	})
	res := &Result{Rep: make([]int32, n), keys: b.keys, byRank: b.byRank, size: make([]int32, n)}
	for r := 0; r < n; r++ {
		root := roots[r]
		if first[root] < 0 {
			first[root] = int32(r)
			res.size[b.byRank[r]] = size[root]
			st.Clusters++
			st.Largest = max(st.Largest, int(size[root]))
		}
	}
	forRanges(b.workers, n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			res.Rep[b.byRank[r]] = b.byRank[first[roots[r]]]
		}
	})
	res.Stats = *st
	b.rank, b.byRank, b.ids = nil, nil, nil
	return res
}

// weightOf inverts weightKey (to float32).
func weightOf(w uint32) float32 {
	u := ^w
	if u&0x80000000 != 0 {
		u &^= 0x80000000
	} else {
		u = ^u
	}
	return math.Float32frombits(u)
}

// Size is the number of records in row's cluster.
func (r *Result) Size(row int32) int { return int(r.size[r.Rep[row]]) }

// Key is the stable key of row's cluster: the smallest stable key among its
// members.
func (r *Result) Key(row int32) uint64 { return r.keys[r.Rep[row]] }

// AppendID appends row's cluster ID, Key as 16 lower-case hex digits.
func (r *Result) AppendID(dst []byte, row int32) []byte {
	return AppendKeyID(dst, r.Key(row))
}

// ID returns row's cluster ID as a string.
func (r *Result) ID(row int32) string { return string(r.AppendID(nil, row)) }

// AppendKeyID formats a cluster key as 16 lower-case hex digits.
func AppendKeyID(dst []byte, key uint64) []byte {
	var b [8]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(key >> (56 - 8*uint(i)))
	}
	return hex.AppendEncode(dst, b[:])
}

// Groups lists the clusters' members: cluster c holds
// rows[starts[c]:starts[c+1]]. Clusters come in ascending cluster key, and
// members in ascending stable key, so the listing is independent of input
// order. It allocates 8 bytes per record plus 8 per cluster.
func (r *Result) Groups() (starts, rows []int32) {
	n := len(r.Rep)
	num := make([]int32, n) // cluster number, indexed by representative row
	starts = make([]int32, 0, r.Stats.Clusters+1)
	off := int32(0)
	// In stable key order a cluster's representative (its smallest key)
	// comes before its other members.
	for _, row := range r.byRank {
		if r.Rep[row] == row {
			num[row] = int32(len(starts))
			starts = append(starts, off)
			off += r.size[row]
		}
	}
	starts = append(starts, off)
	next := make([]int32, len(starts)-1)
	copy(next, starts)
	rows = make([]int32, n)
	for _, row := range r.byRank {
		c := num[r.Rep[row]]
		rows[next[c]] = row
		next[c]++
	}
	return starts, rows
}

// crossConflict tests every pair of members of the clusters rooted at x and
// y (rank space) and returns the first reason found, ReasonNone if none.
func (b *Builder) crossConflict(next []int32, x, y int32) Reason {
	i := x
	for {
		j := y
		for {
			if why := b.conflict(b.byRank[i], b.byRank[j]); why != ReasonNone {
				return why
			}
			if j = next[j]; j == y {
				break
			}
		}
		if i = next[i]; i == x {
			return ReasonNone
		}
	}
}
