package blocking

import (
	"errors"
	"fmt"
	"math"

	"github.com/dedup-vn/dedup/internal/parallel"
	"github.com/dedup-vn/dedup/internal/radix"
)

// Defaults for Options fields left at zero.
const (
	DefaultMaxBlockSize = 1000    // ~500k pairs in the largest uncapped block
	DefaultWindow       = 20      // neighbours per record in a capped block
	DefaultChunkPairs   = 1 << 20 // pairs per enumeration chunk
	topBlocks           = 10      // largest blocks kept in RuleStats
)

// MaxRules is the most rules an Index takes (Pair.Rule is a uint8).
const MaxRules = 255

// Entry is one (key, row) pair of a rule's sorted keys; the index keeps
// them sorted by key (radix.Sort).
type Entry = radix.Entry

// Options tune Build. Zero fields take the defaults above.
type Options struct {
	// MaxBlockSize is the largest block enumerated in full. A larger block is
	// capped: its records are sorted by the rule's secondary key and each is
	// paired with the next Window records only.
	MaxBlockSize int
	// Window is the sorted-neighbourhood window of a capped block.
	Window int
	// ChunkPairs is the target number of candidate pairs per chunk. A chunk
	// may hold fewer after cross-rule deduplication, and more only when a
	// single record of an uncapped block has more partners than ChunkPairs
	// (possible only with MaxBlockSize > ChunkPairs).
	ChunkPairs int
	// Workers is how many rules Build sorts at once (default 1). Each
	// needs its own singleton filter table (at most 2 MiB) and 32 bytes of
	// sort space per record the filter keeps; the index is the same
	// whatever the number.
	Workers int

	// filterBits is log2 of the singleton filter's slots (see filter.go):
	// 0 sizes it from the rows, < 0 turns the filter off. Tests set it to
	// compare the filtered build with the plain one and to force slot
	// sharing with tiny tables.
	filterBits int
}

func (o Options) withDefaults() Options {
	if o.MaxBlockSize <= 0 {
		o.MaxBlockSize = DefaultMaxBlockSize
	}
	if o.Window <= 0 {
		o.Window = DefaultWindow
	}
	if o.ChunkPairs <= 0 {
		o.ChunkPairs = DefaultChunkPairs
	}
	return o
}

// Rule is one blocking rule's key column.
type Rule struct {
	// Name is the rule's name from the config; it is only reported.
	Name string
	// Keys holds one key per row; 0 means the row has no key under this rule.
	// The Index keeps a reference to it (no copy): do not modify it while the
	// Index is in use.
	Keys []uint64
	// Secondary is an optional per-row sort key for capped blocks (e.g. a
	// hash or sort key of the folded full name): records close in it are
	// compared. Nil means row order. Kept by reference like Keys.
	Secondary []uint64
}

// BlockInfo describes one block: its key and its number of records.
type BlockInfo struct {
	Key  uint64
	Size int
}

// RuleStats are one rule's blocking statistics.
type RuleStats struct {
	Name string
	// Records is the number of rows with a non-zero key.
	Records int
	// Blocks is the number of blocks of two or more records; Singletons the
	// number of keyed records alone in their block.
	Blocks, Singletons int
	// Largest are the largest blocks, by size descending then key ascending
	// (at most 10).
	Largest []BlockInfo
	// NaivePairs is what full enumeration of every block would give.
	NaivePairs int64
	// CandidatePairs is this rule's pairs after capping, before removing
	// pairs an earlier rule already produced.
	CandidatePairs int64
	// Pairs is the number of pairs this rule produces after cross-rule
	// deduplication; -1 until Index.Plan has counted it.
	Pairs int64
	// CappedBlocks blocks were larger than MaxBlockSize; they hold
	// CappedRecords records, and capping skipped CappedPairsSkipped pairs
	// (NaivePairs - CandidatePairs).
	CappedBlocks       int
	CappedRecords      int64
	CappedPairsSkipped int64
}

// ruleIndex is one rule's blocks.
type ruleIndex struct {
	keys []uint64
	// rows lists the rows of blocks of two or more records, block after
	// block. Uncapped blocks hold rows ascending; capped blocks hold them by
	// (secondary key, row).
	rows []int32
	// starts[b] is block b's first index into rows; len(starts) = blocks+1.
	starts []int32
	// pos is nil when the rule has no capped block; otherwise pos[row] is the
	// row's position inside its capped block, or -1 when the row is not in a
	// capped block.
	pos   []int32
	stats RuleStats
}

// chunk is a unit of enumeration: blocks [b0, b1) of one rule, or, when
// o1 > 0, the outer records [o0, o1) of the single block b0.
type chunk struct {
	rule   uint8
	b0, b1 int32
	o0, o1 int32
	pairs  int64 // candidate pairs before cross-rule dedup
}

// Index holds every rule's blocks and the enumeration plan.
type Index struct {
	n      int
	opt    Options
	rules  []ruleIndex
	chunks []chunk
	// maxChunk is the largest chunk's candidate pair count.
	maxChunk int
}

// Build sorts every rule's keys into blocks and plans the enumeration. n is
// the number of rows; every Keys (and non-nil Secondary) column must have n
// entries.
func Build(n int, rules []Rule, opt Options) (*Index, error) {
	if n < 0 || n > math.MaxInt32 {
		return nil, fmt.Errorf("blocking: %d rows: must be between 0 and %d", n, math.MaxInt32)
	}
	if len(rules) == 0 {
		return nil, errors.New("blocking: no rules")
	}
	if len(rules) > MaxRules {
		return nil, fmt.Errorf("blocking: %d rules: at most %d", len(rules), MaxRules)
	}
	for i, r := range rules {
		if len(r.Keys) != n {
			return nil, fmt.Errorf("blocking: rule %d (%s): %d keys, want one per row (%d)", i, r.Name, len(r.Keys), n)
		}
		if r.Secondary != nil && len(r.Secondary) != n {
			return nil, fmt.Errorf("blocking: rule %d (%s): %d secondary keys, want one per row (%d)", i, r.Name, len(r.Secondary), n)
		}
	}
	ix := &Index{n: n, opt: opt.withDefaults(), rules: make([]ruleIndex, len(rules))}
	// Rules are independent: each worker takes the next rule and keeps its
	// own sort buffers.
	bufs := make([]buildBuf, max(opt.Workers, 1))
	parallel.For(opt.Workers, len(rules), func(w, i int) { ix.buildRule(i, rules[i], &bufs[w]) })
	ix.plan()
	return ix, nil
}

// buildBuf is one Build worker's buffers, reused from rule to rule.
type buildBuf struct {
	ents, scratch []Entry
	table         []uint64 // the singleton filter's counters
}

// buildRule sorts one rule's keyed rows and cuts them into blocks.
func (ix *Index) buildRule(ri int, r Rule, buf *buildBuf) {
	ru := &ix.rules[ri]
	ru.keys = r.Keys
	st := &ru.stats
	st.Name = r.Name
	st.Pairs = -1
	// dropped records are singletons the filter kept out of the sort.
	dropped := 0
	ents := buf.ents[:0]
	filtered := false
	if tb := filterBitsFor(ix.n, ix.opt.filterBits); tb > 0 {
		if words := 2 << max(tb-6, 0); cap(buf.table) < words {
			buf.table = make([]uint64, words)
		}
		keyed, alone := filterCount(buf.table, tb, r.Keys)
		st.Records = keyed
		if alone > 0 && alone >= keyed/filterMinDrop {
			if kept := keyed - alone; cap(ents) < kept+1 {
				ents = make([]Entry, kept+1)
			}
			ents = filterKeep(ents[:cap(ents)], buf.table, tb, r.Keys)
			dropped, filtered = alone, true
		}
	}
	if !filtered {
		for row, k := range r.Keys {
			if k != 0 {
				ents = append(ents, Entry{Key: k, Row: int32(row)})
			}
		}
		st.Records = len(ents)
	}
	scratch := buf.scratch
	if cap(scratch) < len(ents) {
		scratch = make([]Entry, len(ents))
	}
	sorted := radix.Sort(ents, scratch[:len(ents)])
	if len(sorted) > 0 && &sorted[0] != &ents[0] {
		// The sorted data ended in scratch: swap roles so both stay reusable.
		ents, scratch = scratch, ents
	}
	buf.ents, buf.scratch = ents, scratch
	ents = sorted
	st.Singletons = dropped

	// First pass: count blocks and their rows to size the arrays exactly.
	nBlocks, nRows := 0, 0
	for s := 0; s < len(ents); {
		e := s + 1
		for e < len(ents) && ents[e].Key == ents[s].Key {
			e++
		}
		if e-s >= 2 {
			nBlocks++
			nRows += e - s
		} else {
			st.Singletons++
		}
		s = e
	}
	st.Blocks = nBlocks
	ru.rows = make([]int32, 0, nRows)
	ru.starts = make([]int32, 0, nBlocks+1)
	maxB, w := ix.opt.MaxBlockSize, ix.opt.Window
	var top topK
	var sec []Entry // secondary-key sort buffer, reused across capped blocks
	for s := 0; s < len(ents); {
		e := s + 1
		for e < len(ents) && ents[e].Key == ents[s].Key {
			e++
		}
		size := e - s
		if size < 2 {
			s = e
			continue
		}
		top.add(BlockInfo{Key: ents[s].Key, Size: size})
		start := len(ru.rows)
		ru.starts = append(ru.starts, int32(start))
		full := int64(size) * int64(size-1) / 2
		st.NaivePairs += full
		if size <= maxB {
			for _, en := range ents[s:e] {
				ru.rows = append(ru.rows, en.Row)
			}
			st.CandidatePairs += full
			s = e
			continue
		}
		// Capped block: order by (secondary key, row) and keep positions.
		sec = sec[:0]
		for _, en := range ents[s:e] {
			var k uint64
			if r.Secondary != nil {
				k = r.Secondary[en.Row]
			}
			sec = append(sec, Entry{Key: k, Row: en.Row})
		}
		// scratch is free at this point (the sorted entries are in ents).
		// Rows enter sec ascending, and the sort is stable, so ties in the
		// secondary key are broken by row.
		sortedSec := radix.Sort(sec, scratch[:size])
		if ru.pos == nil {
			ru.pos = make([]int32, ix.n)
			for i := range ru.pos {
				ru.pos[i] = -1
			}
		}
		for p, en := range sortedSec {
			ru.rows = append(ru.rows, en.Row)
			ru.pos[en.Row] = int32(p)
		}
		win := windowPairs(size, w)
		st.CandidatePairs += win
		st.CappedBlocks++
		st.CappedRecords += int64(size)
		st.CappedPairsSkipped += full - win
		s = e
	}
	ru.starts = append(ru.starts, int32(len(ru.rows)))
	st.Largest = top.sorted()
}

// windowPairs is the number of pairs a window of w gives on a block of n:
// record p is paired with records p+1..p+w.
func windowPairs(n, w int) int64 {
	if n-1 <= w {
		return int64(n) * int64(n-1) / 2
	}
	return int64(w)*int64(n-w) + int64(w)*int64(w-1)/2
}

// topK keeps the largest blocks, size descending then key ascending.
type topK struct{ b []BlockInfo }

func (t *topK) less(x, y BlockInfo) bool { // x ranks before y
	return x.Size > y.Size || (x.Size == y.Size && x.Key < y.Key)
}

func (t *topK) add(x BlockInfo) {
	if len(t.b) == topBlocks && !t.less(x, t.b[len(t.b)-1]) {
		return
	}
	if len(t.b) < topBlocks {
		t.b = append(t.b, x)
	} else {
		t.b[len(t.b)-1] = x
	}
	for i := len(t.b) - 1; i > 0 && t.less(t.b[i], t.b[i-1]); i-- {
		t.b[i], t.b[i-1] = t.b[i-1], t.b[i]
	}
}

func (t *topK) sorted() []BlockInfo { return t.b }

// outerPairs is a block's candidate pairs whose outer record is in [o0, o1).
func (ix *Index) outerPairs(size, o0, o1 int) int64 {
	if size <= ix.opt.MaxBlockSize {
		// Outer record a has size-1-a partners.
		return int64(o1-o0) * int64(2*size-1-o0-o1) / 2
	}
	var s int64
	w := ix.opt.Window
	for a := o0; a < o1; a++ {
		s += int64(min(w, size-1-a))
	}
	return s
}

// plan cuts every rule's blocks into chunks of about ChunkPairs pairs.
func (ix *Index) plan() {
	target := int64(ix.opt.ChunkPairs)
	for ri := range ix.rules {
		ru := &ix.rules[ri]
		nb := len(ru.starts) - 1
		cur := chunk{rule: uint8(ri), b0: 0}
		for b := 0; b < nb; b++ {
			size := int(ru.starts[b+1] - ru.starts[b])
			bp := ix.outerPairs(size, 0, size)
			if bp > target {
				if cur.pairs > 0 {
					cur.b1 = int32(b)
					ix.addChunk(cur)
				}
				// Split the block by outer records.
				o0 := 0
				for o0 < size-1 {
					o1, p := o0, int64(0)
					for o1 < size-1 {
						q := ix.outerPairs(size, o1, o1+1)
						if p > 0 && p+q > target {
							break
						}
						p += q
						o1++
					}
					ix.addChunk(chunk{rule: uint8(ri), b0: int32(b), b1: int32(b + 1), o0: int32(o0), o1: int32(o1), pairs: p})
					o0 = o1
				}
				cur = chunk{rule: uint8(ri), b0: int32(b + 1)}
				continue
			}
			if cur.pairs > 0 && cur.pairs+bp > target {
				cur.b1 = int32(b)
				ix.addChunk(cur)
				cur = chunk{rule: uint8(ri), b0: int32(b)}
			}
			cur.pairs += bp
		}
		if cur.pairs > 0 {
			cur.b1 = int32(nb)
			ix.addChunk(cur)
		}
	}
}

func (ix *Index) addChunk(c chunk) {
	ix.chunks = append(ix.chunks, c)
	if int(c.pairs) > ix.maxChunk {
		ix.maxChunk = int(c.pairs)
	}
}

// NumRows is the number of rows the Index was built for.
func (ix *Index) NumRows() int { return ix.n }

// NumChunks is the number of enumeration chunks, over all rules.
func (ix *Index) NumChunks() int { return len(ix.chunks) }

// MaxChunkPairs is the largest candidate pair count of any chunk: a buffer of
// this capacity never grows in AppendChunk.
func (ix *Index) MaxChunkPairs() int { return ix.maxChunk }

// Stats returns every rule's statistics known after Build (Pairs is -1; see
// Plan). The slice is a copy.
func (ix *Index) Stats() []RuleStats {
	out := make([]RuleStats, len(ix.rules))
	for i := range ix.rules {
		out[i] = ix.rules[i].stats
		out[i].Largest = append([]BlockInfo(nil), out[i].Largest...)
	}
	return out
}
