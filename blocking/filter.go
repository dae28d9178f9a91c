package blocking

import "math/bits"

// Singleton filter. Most keyed records of a rule are alone under their key
// (78% over the default rules of a 1M register) and Build discards them after
// sorting; sorting them is most of Build's time. The filter finds a superset
// of the records whose key occurs twice or more before sorting, exactly
// enough to leave the Index unchanged: each key is mapped to one slot of a
// table of 2-bit saturating counters (a "seen" and a "seen again" bit), and
// a record is kept when its slot was hit twice or more. A key that occurs
// twice always hits its slot twice (no record of a block is ever dropped);
// a slot shared by two distinct keys only lets their records through to the
// sort, which treats them as singletons as before. Records keep their row
// order, so the stable sort gives the same blocks in the same order.

const (
	// filterSlotsPerRow sizes the table: about 8 slots per row keeps the
	// share of singletons that share a slot (and so are sorted anyway)
	// around 1 - e^(-1/8) ≈ 12% when every key is distinct.
	filterSlotsPerRow = 8
	// filterMinBits, filterMaxBits bound the table: 2^23 slots are 2 MiB
	// (a core's L2 here); larger tables cost more in cache misses than
	// the extra singletons they drop.
	filterMinBits = 10
	filterMaxBits = 23
	// filterMinRows: below this the sort is cheap and the filter is not
	// worth its table.
	filterMinRows = 1 << 12
	// filterMinDrop: the filter pass is skipped (everything keyed is
	// sorted, as without the filter) unless it drops at least 1/filterMinDrop
	// of the keyed records.
	filterMinDrop = 8
	// filterMul spreads any key over the table (Fibonacci hashing): keys
	// are usually hashes already, but callers may give small integers.
	filterMul = 0x9e3779b97f4a7c15
)

// filterBitsFor is log2 of the table's slots for a rule over n rows, or 0
// for no filter. opt is Options.filterBits: < 0 turns the filter off, > 0
// forces that size (tests use tiny tables to force slot sharing).
func filterBitsFor(n, opt int) int {
	switch {
	case opt < 0:
		return 0
	case opt > 0:
		return opt
	case n < filterMinRows:
		return 0
	}
	b := bits.Len64(uint64(n)*filterSlotsPerRow - 1)
	return min(max(b, filterMinBits), filterMaxBits)
}

// filterCount clears t, sized for 2^tb slots (two words per 64 slots:
// seen then seen-again), marks every non-zero key's slot, and returns the
// number of keyed records and how many of them are alone in their slot
// (exactly the records filterKeep drops).
func filterCount(t []uint64, tb int, keys []uint64) (keyed, alone int) {
	t = t[:2<<max(tb-6, 0)]
	clear(t)
	shift := uint(64 - tb)
	for _, k := range keys {
		// nz is 1 for a key, 0 for "no key": a missing key marks nothing
		// (branch-free: missing keys are frequent and unpredictable).
		nz := (k | -k) >> 63
		h := (k * filterMul) >> shift
		j := (h >> 6) << 1
		m := nz << (h & 63)
		s := t[j]
		t[j+1] |= s & m
		t[j] = s | m
		keyed += int(nz)
	}
	// A slot seen once holds exactly one record.
	for j := 0; j < len(t); j += 2 {
		alone += bits.OnesCount64(t[j] &^ t[j+1])
	}
	return keyed, alone
}

// filterKeep writes the (key, row) entries of the keys whose slot was hit
// twice or more into ents, in row order, and returns them. ents must have
// room for the kept entries plus one (the loop stores every key and
// advances only past kept ones).
func filterKeep(ents []Entry, t []uint64, tb int, keys []uint64) []Entry {
	shift := uint(64 - tb)
	w := 0
	for row, k := range keys {
		nz := (k | -k) >> 63
		h := (k * filterMul) >> shift
		keep := (t[(h>>6)<<1+1] >> (h & 63)) & nz
		ents[w] = Entry{Key: k, Row: int32(row)}
		w += int(keep)
	}
	return ents[:w]
}
