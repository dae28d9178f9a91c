// Package radix sorts (key, row) entries by key: the blocking index's and
// the cluster stage's sorts of hashed keys, and verify's register indexes.
package radix

import (
	"cmp"
	"slices"
)

// Entry is one (key, row) pair to sort.
type Entry struct {
	Key uint64
	Row int32
}

// Sort sorts a by Key with an LSD radix sort, 8 bits per pass, and
// returns the sorted slice, which is either a or scratch (the two are used as
// ping-pong buffers). The sort is stable: entries with equal keys keep their
// input order, so rows given in ascending order stay ascending within a key.
// Passes whose byte is the same in every key are skipped. scratch must have
// len >= len(a); when it is shorter a new one is allocated.
func Sort(a, scratch []Entry) []Entry {
	n := len(a)
	if n < 2 {
		return a
	}
	if len(scratch) < n {
		scratch = make([]Entry, n)
	}
	scratch = scratch[:n]
	if n <= 64 {
		insertionSort(a)
		return a
	}
	// One read pass builds all eight histograms.
	var counts [8][256]int
	for i := range a {
		k := a[i].Key
		counts[0][byte(k)]++
		counts[1][byte(k>>8)]++
		counts[2][byte(k>>16)]++
		counts[3][byte(k>>24)]++
		counts[4][byte(k>>32)]++
		counts[5][byte(k>>40)]++
		counts[6][byte(k>>48)]++
		counts[7][byte(k>>56)]++
	}
	// A byte that is constant over all keys leaves the order unchanged.
	var vary [8]int
	nv := 0
	for pass := 0; pass < 8; pass++ {
		if counts[pass][byte(a[0].Key>>uint(pass*8))] != n {
			vary[nv] = pass
			nv++
		}
	}
	varying := vary[:nv]
	// Keys that vary in more than four bytes (hashes) are sorted on their
	// four highest varying bytes only, which already groups almost every
	// distinct key apart; the rare runs that share those bytes but not the
	// whole key are then sorted within. Half the scatter passes, same
	// result. Up to 2^20 evenly spread keys, three bytes (2^24 values)
	// still leave few keys sharing a run: one pass fewer (Build's sorts of
	// the records its singleton filter keeps are that size).
	partial := len(varying) > 4
	if partial {
		varying = varying[len(varying)-4:]
		if n <= 1<<20 && uniformBytes(&counts, varying[1:], n) {
			varying = varying[1:]
		}
	}
	src, dst := a, scratch
	for _, pass := range varying {
		c := &counts[pass]
		shift := uint(pass * 8)
		var offs [256]int
		sum := 0
		for b := 0; b < 256; b++ {
			offs[b] = sum
			sum += c[b]
		}
		for i := range src {
			e := src[i]
			b := byte(e.Key >> shift)
			dst[offs[b]] = e
			offs[b]++
		}
		src, dst = dst, src
	}
	if partial {
		fixRuns(src, ^uint64(0)<<uint(varying[0]*8))
	}
	return src
}

// fixRuns sorts, stably by the whole key, every run of a whose keys agree
// on the bits of high (the bytes the radix passes sorted on). A run of one
// key is already in order and costs one comparison per entry.
func fixRuns(a []Entry, high uint64) {
	for s := 0; s < len(a); {
		e := s + 1
		sorted := true
		for e < len(a) && a[e].Key&high == a[s].Key&high {
			if a[e].Key < a[e-1].Key {
				sorted = false
			}
			e++
		}
		if !sorted {
			run := a[s:e]
			if len(run) <= 64 {
				insertionSort(run)
			} else {
				slices.SortStableFunc(run, func(x, y Entry) int { return cmp.Compare(x.Key, y.Key) })
			}
		}
		s = e
	}
}

// insertionSort is stable and beats radix on tiny inputs.
func insertionSort(a []Entry) {
	for i := 1; i < len(a); i++ {
		e := a[i]
		j := i
		for j > 0 && a[j-1].Key > e.Key {
			a[j] = a[j-1]
			j--
		}
		a[j] = e
	}
}

// uniformBytes reports whether every byte position in passes is spread
// evenly over its 256 values (no value more than twice its share), as
// hashed keys are.
func uniformBytes(counts *[8][256]int, passes []int, n int) bool {
	limit := 2*n/256 + 16
	for _, p := range passes {
		for _, c := range counts[p] {
			if c > limit {
				return false
			}
		}
	}
	return true
}
