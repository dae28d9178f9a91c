package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/survive"
)

// SpillMode says when a run keeps its records on disk.
type SpillMode int

const (
	// SpillAuto spills once the record store passes spillPercent of the
	// memory budget.
	SpillAuto SpillMode = iota
	// SpillNever keeps every record in memory, and stops with an error when
	// the store outgrows the machine.
	SpillNever
	// SpillAlways spills from the first record (tests, and registers known
	// to be large).
	SpillAlways
)

// ParseSpillMode reads --spill: auto, never or always.
func ParseSpillMode(s string) (SpillMode, error) {
	switch s {
	case "", "auto":
		return SpillAuto, nil
	case "never":
		return SpillNever, nil
	case "always":
		return SpillAlways, nil
	}
	return 0, fmt.Errorf("%q: want auto, never or always", s)
}

// spillPercent is the share of the memory budget the record store may
// take before the run spills: blocking, scoring and writing need about as
// much again beside it.
const spillPercent = 60

// spillSet is the record set of a spilled run (see recordSet): the
// records on disk, in load order, read back a batch at a time. The few
// columns every stage reads by row stay in memory (runner.st holds them:
// source, file, row, flags, cannot-link key; its field columns are
// empty).
//
// A spilled run produces the same bytes as one in memory. Its blocking
// rules are indexed one at a time (eachRule); model training reads back
// only the records its pairs touch (eachPiece), and the golden records are
// built a range of clusters at a time (clusterSource).
type spillSet struct {
	cfg     *config.Config
	workers int
	budget  int64 // the run's memory budget
	dir     *spillDir
	records *spillFile
	first   []int    // first row of each batch of records
	n       int      // records so far
	thin    []*store // per batch: the in-memory columns, joined at the end
	// loc maps a row to its position in the records read back last
	// (gather, a partition).
	loc []int32
	// maxRows is how many records one partition holds.
	maxRows int
}

// Len is the number of records.
func (sp *spillSet) Len() int { return sp.n }

// remove deletes the spill folder; nil-safe.
func (sp *spillSet) remove() {
	if sp != nil {
		sp.dir.remove()
	}
}

// startSpill opens the spill folder and writes the batches loaded so far.
func (r *runner) startSpill(chunks []*store) error {
	parent := r.opt.SpillDir
	if parent == "" {
		parent = r.opt.OutDir
	}
	dir, err := newSpillDir(parent)
	if err != nil {
		return err
	}
	r.spill = &spillSet{cfg: r.cfg, workers: r.opt.Workers, budget: r.opt.MemoryLimit, dir: dir}
	loaded := 0
	for _, c := range chunks {
		loaded += c.n
	}
	r.logf("spilling the records to disk after %d of them (%s)", loaded, dir.path)
	if r.spill.records, err = dir.create("records"); err != nil {
		return err
	}
	for _, c := range chunks {
		if err := r.spill.appendBatch(c, nil); err != nil {
			return err
		}
	}
	r.spilling.Store(true)
	return nil
}

// appendBatch writes one loaded batch to disk and keeps its small columns;
// enc is the batch as encodeSpillBatch left it (on a load worker), or nil.
func (sp *spillSet) appendBatch(st *store, enc []byte) error {
	if enc == nil {
		enc, _ = encodeSpillBatch(st, nil)
	}
	sp.first = append(sp.first, sp.n)
	sp.n += st.n
	if err := sp.records.appendEncoded(enc, st.n); err != nil {
		return err
	}
	thin := newStore(sp.cfg, 0)
	thin.n, thin.source, thin.file, thin.row, thin.flags, thin.idKey = st.n, st.source, st.file, st.row, st.flags, st.idKey
	thin.recordID = bytesColumn{Offs: make([]uint32, 1)}
	sp.thin = append(sp.thin, thin)
	return nil
}

// finishSpill makes the spilled records readable and joins the in-memory
// columns into r.st.
func (r *runner) finishSpill() error {
	sp := r.spill
	if err := sp.records.flush(); err != nil {
		return err
	}
	st, err := concatStores(r.cfg, sp.thin)
	if err != nil {
		return err
	}
	sp.thin = nil
	r.st = st
	sp.loc = make([]int32, st.n)
	// A partition holds what a tenth of the budget holds of records as
	// they were loaded (their size in memory is known from the file).
	perRecord := max(int64(256), sp.storeBytesEstimate()/int64(max(st.n, 1)))
	sp.maxRows = int(max(r.opt.MemoryLimit/10/perRecord, 1024))
	if r.opt.spillPartitionRows > 0 {
		sp.maxRows = r.opt.spillPartitionRows
	}
	r.manifest.Spill = &runfolder.SpillStat{RecordBytes: sp.records.size, PartitionRows: sp.maxRows}
	return nil
}

// storeBytesEstimate is the in-memory size of the spilled records, from a
// sample batch.
func (sp *spillSet) storeBytesEstimate() int64 {
	if len(sp.first) == 0 {
		return 0
	}
	st, _, err := sp.records.read(sp.cfg, 0, nil, nil)
	if err != nil || st.n == 0 {
		return 0
	}
	return st.memBytes() * int64(sp.n) / int64(st.n)
}

// scan reads the spilled records batch by batch, decoded on the workers.
func (sp *spillSet) scan(ctx context.Context, cols []bool, work, consume func(first int, st *store) error) error {
	return scanBatches(ctx, sp, nil, cols, func(first int, st *store) (struct{}, error) {
		if work != nil {
			return struct{}{}, work(first, st)
		}
		return struct{}{}, nil
	}, func(first int, st *store, _ struct{}) error {
		if consume != nil {
			return consume(first, st)
		}
		return nil
	})
}

// scanBatches is scan whose work hands a value of its own to consume;
// need (may be nil) skips batches whose rows are not needed.
func scanBatches[T any](ctx context.Context, sp *spillSet, need func(first, rows int) bool, cols []bool, work func(first int, st *store) (T, error), consume func(first int, st *store, v T) error) error {
	f := sp.records
	bufs := make([][]byte, sp.workers)
	type item struct {
		first int
		st    *store
		v     T
	}
	next := 0
	p := orderedPool[int, item]{
		workers: sp.workers,
		work: func(w, b int) (item, error) {
			st, buf, err := f.read(sp.cfg, b, bufs[w], cols)
			bufs[w] = buf
			if err != nil {
				return item{}, err
			}
			v, err := work(sp.first[b], st)
			return item{sp.first[b], st, v}, err
		},
		consume: func(it item) error {
			err := consume(it.first, it.st, it.v)
			recycleDecoded(it.st)
			return err
		},
	}
	return p.run(ctx, func() (int, bool, error) {
		for next < len(f.rows) && need != nil && !need(sp.first[next], f.rows[next]) {
			next++
		}
		if next >= len(f.rows) {
			return 0, false, nil
		}
		next++
		return next - 1, true, nil
	})
}

// gather reads the given rows (ascending, distinct) back into a new store,
// in that order, and points sp.loc of each at its position there.
func (sp *spillSet) gather(ctx context.Context, rows []int32) (*store, []int32, error) {
	span := func(first, n int) (int, int) {
		lo := sort.Search(len(rows), func(i int) bool { return rows[i] >= int32(first) })
		hi := sort.Search(len(rows), func(i int) bool { return rows[i] >= int32(first+n) })
		return lo, hi
	}
	var parts []*store
	err := scanBatches(ctx, sp, func(first, n int) bool {
		lo, hi := span(first, n)
		return hi > lo
	}, nil, func(first int, st *store) (*store, error) {
		// The copy is made on the worker; the caller only collects.
		lo, hi := span(first, st.n)
		sel := make([]int32, 0, hi-lo)
		for _, g := range rows[lo:hi] {
			sel = append(sel, g-int32(first))
		}
		part := newStore(sp.cfg, 0)
		return part, part.appendRows(st, sel)
	}, func(_ int, _ *store, part *store) error {
		parts = append(parts, part)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	out, err := concatStores(sp.cfg, parts)
	if err != nil {
		return nil, nil, err
	}
	for i, g := range rows {
		sp.loc[g] = int32(i)
	}
	return out, sp.loc, nil
}

// eachPiece cuts pairs into pieces whose rows number at most a
// partition's and gathers each piece's records back.
func (sp *spillSet) eachPiece(ctx context.Context, pairs []blocking.Pair, fn func([]blocking.Pair, *store, []int32) error) error {
	seen := map[int32]struct{}{}
	var rows []int32
	for start := 0; start < len(pairs); {
		clear(seen)
		end := start
		for end < len(pairs) {
			p := pairs[end]
			_, l := seen[p.Left]
			_, rr := seen[p.Right]
			grow := 0
			if !l {
				grow++
			}
			if !rr && p.Right != p.Left {
				grow++
			}
			if end > start && len(seen)+grow > sp.maxRows {
				break
			}
			seen[p.Left], seen[p.Right] = struct{}{}, struct{}{}
			end++
		}
		rows = rows[:0]
		for row := range seen {
			rows = append(rows, row)
		}
		slices.Sort(rows)
		sub, loc, err := sp.gather(ctx, rows)
		if err != nil {
			return err
		}
		if err := fn(pairs[start:end], sub, loc); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// clusterSource cuts the clusters into ranges of at most a partition's
// records and routes each range's members to its own partition in one
// pass over the records.
func (sp *spillSet) clusterSource(ctx context.Context, starts, rows []int32, dropped []bool) (survive.Source, error) {
	clusters := len(starts) - 1
	s := &spilledGolden{sp: sp}
	partOf := make([]uint16, sp.n)
	for c0 := 0; c0 < clusters; {
		c1 := c0 + 1
		for c1 < clusters && int(starts[c1+1]-starts[c0]) <= sp.maxRows {
			c1++
		}
		s.ends = append(s.ends, c1)
		if len(s.ends) >= 1<<16-1 {
			return nil, fmt.Errorf("the golden records need more than %d partitions: give the run more memory", 1<<16-2)
		}
		for _, row := range rows[starts[c0]:starts[c1]] {
			if !dropped[row] {
				partOf[row] = uint16(len(s.ends))
			}
		}
		c0 = c1
	}
	var err error
	s.routed, err = sp.routePartitions(ctx, partOf, len(s.ends))
	return s, err
}

// spilledGolden is the survive.Source of a spilled run: range i's members
// are routed partition i.
type spilledGolden struct {
	sp     *spillSet
	ends   []int
	routed []*routedPartition
}

func (s *spilledGolden) Ranges() []int { return s.ends }

func (s *spilledGolden) Members(i int) (*survive.Members, []int32, error) {
	sub, err := s.routed[i].load(s.sp)
	s.routed[i] = nil
	if err != nil {
		return nil, nil, err
	}
	return survivalView(sub), s.sp.loc, nil
}

// eachRule is the block, train and score strategy of a spilled run (see
// candidates): one blocking rule at a time. The block stage computes a
// rule's keys in a pass over the records, indexes that rule from its keys
// alone and keeps its statistics, its capped blocks' positions and its
// training sample of blocks; the score stage indexes it again, cuts its
// blocks, in key order, into partitions of at most maxRows records, routes
// each partition's records to its own spill file in one pass and scores
// the partitions one after another, each read back by itself. Pairs an
// earlier rule produces are recognised from the records' own keys under
// the earlier rules (recomputed from the partition's records) and the
// earlier rules' capped-block positions (blocking.Produces).
type eachRule struct {
	r       *runner
	sp      *spillSet
	ruleSts []blocking.RuleStats
	capped  []map[int32]int32 // capped rows' positions in their block
	samples [][]blocking.Pair // training sample of the rule's blocks (rule's own rows, before cross-rule de-duplication)
	kept    []int64           // candidate pairs of the sampled blocks
	// window is the blocking index's sorted-neighbourhood window.
	window int
}

// blockEachRule is the block stage of a spilled run: every rule's keys,
// its statistics, its capped blocks' positions and its training sample of
// blocks, one rule at a time.
func (r *runner) blockEachRule(ctx context.Context, sp *spillSet) (*eachRule, error) {
	rules := r.cfg.Blocking.Rules
	e := &eachRule{r: r, sp: sp,
		ruleSts: make([]blocking.RuleStats, len(rules)),
		capped:  make([]map[int32]int32, len(rules)),
		samples: make([][]blocking.Pair, len(rules)),
		kept:    make([]int64, len(rules)),
	}
	for k, rule := range rules {
		if r.opt.BlockingKeys != nil {
			// Computed once more for the hook: the index keeps no keys.
			keys, err := r.keys(ctx, uint64(k), rule)
			if err == nil {
				err = r.reportKeys(k, keys)
			}
			if err != nil {
				return nil, fmt.Errorf("blocking.rules[%d]: %w", k, err)
			}
		}
		ix, err := r.ruleIndex(ctx, uint64(k), rule)
		if err != nil {
			return nil, fmt.Errorf("blocking.rules[%d]: %w", k, err)
		}
		e.ruleSts[k] = ix.Stats()[0]
		e.window = ix.Window()
		ix.CappedPositions(0, func(row, pos int32) {
			if e.capped[k] == nil {
				e.capped[k] = map[int32]int32{}
			}
			e.capped[k][row] = pos
		})
		// The blocks the in-memory run's Index.SampleForCap keeps: the
		// same probability (from the rule's candidate pairs) and the
		// same per-rule seed.
		s := ix.SampleForCap(r.cfg.Model.SamplePairsPerRule, blocking.RuleSeed(r.cfg.Seed, k))
		var buf []blocking.Pair
		for c := 0; c < ix.NumChunks(); c++ {
			var kept int64
			buf, kept = ix.AppendChunkSample(buf[:0], c, &s)
			e.kept[k] += kept
			for _, p := range buf {
				p.Rule = uint8(k)
				e.samples[k] = append(e.samples[k], p)
			}
		}
		r.logf("rule %s: %d keyed records, %d blocks, %d candidate pairs", rule.Name, e.ruleSts[k].Records, e.ruleSts[k].Blocks, e.ruleSts[k].CandidatePairs)
	}
	return e, nil
}

// plan: pairs after cross-rule de-duplication are only counted by
// scoring a spilled register.
func (e *eachRule) plan(int) ([]blocking.RuleStats, error) { return e.ruleSts, nil }

func (e *eachRule) stats() []blocking.RuleStats { return e.ruleSts }

// sampleVectors compares each rule's sampled blocks (drawn by the block
// stage), less the pairs an earlier rule produces, on the records read
// back.
func (e *eachRule) sampleVectors(ctx context.Context, sc *scorer, hists [][]*linkage.Histogram) ([]float64, error) {
	r, sp := e.r, e.sp
	scales := make([]float64, len(hists))
	var kept []blocking.Pair
	for k := range hists {
		scales[k] = blocking.SampleScale(e.ruleSts[k].CandidatePairs, e.kept[k])
		err := sp.eachPiece(ctx, e.samples[k], func(pairs []blocking.Pair, sub *store, loc []int32) error {
			keys, err := e.earlierKeys(sub, k)
			if err != nil {
				return err
			}
			kept = kept[:0]
			for _, p := range pairs {
				if !r.skipPair(p.Left, p.Right) && !e.earlierPair(keys, p.Left, p.Right, loc[p.Left], loc[p.Right]) {
					kept = append(kept, p)
				}
			}
			cms, err := r.comparersFor(sc, sub)
			if err != nil {
				return err
			}
			r.compareOn(cms, kept, loc, nil, sc.width, func(w int) *linkage.Histogram { return hists[k][w] })
			return nil
		})
		if err != nil {
			return nil, err
		}
		e.samples[k] = nil
	}
	return scales, nil
}

// earlierKeys computes, for the records of st, the keys of blocking rules
// 0..k-1, for earlierPair.
func (e *eachRule) earlierKeys(st *store, k int) ([][]uint64, error) {
	keys := make([][]uint64, k)
	for j := 0; j < k; j++ {
		var err error
		if keys[j], err = ruleKeys(st, nil, uint64(j), e.r.cfg.Blocking.Rules[j]); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// earlierPair reports whether a rule before k produces the pair of rows
// (gi, gj), whose positions in the records read back are li and lj, as
// blocking.Index does for the whole register (blocking.Produces): keys
// are the earlier rules' keys by read-back row, e.capped their capped
// blocks' positions by row. Dropped records have no key, so a dropped row
// never counts (keys of the read-back records do not know they were
// dropped: the caller never asks about dropped rows).
func (e *eachRule) earlierPair(keys [][]uint64, gi, gj, li, lj int32) bool {
	for j := range keys {
		ki, kj := keys[j][li], keys[j][lj]
		pi, pj := int32(blocking.NotCapped), int32(blocking.NotCapped)
		if capped := e.capped[j]; ki != 0 && ki == kj && capped != nil {
			if p, ok := capped[gi]; ok {
				pi, pj = p, capped[gj]
			}
		}
		if blocking.Produces(ki, kj, pi, pj, e.window) {
			return true
		}
	}
	return false
}

// partitions cuts rule index ix's chunks into partitions of at most
// maxRows records (a block is never split), in chunk order: partition p
// is chunks [bounds[p], bounds[p+1]). partOf[row] is 1 + the partition of
// a row in a block, 0 for others.
func (sp *spillSet) partitions(ix *blocking.Index, partOf []uint16) (bounds []int, err error) {
	clear(partOf)
	rows := 0
	bounds = []int{0}
	for c := 0; c < ix.NumChunks(); c++ {
		members, continues := ix.ChunkRows(c)
		if !continues && rows > 0 && rows+len(members) > sp.maxRows {
			bounds = append(bounds, c)
			rows = 0
		}
		p := len(bounds)
		if p >= 1<<16-1 {
			return nil, fmt.Errorf("a blocking rule needs more than %d partitions: give the run more memory", 1<<16-2)
		}
		if !continues {
			rows += len(members)
			for _, row := range members {
				partOf[row] = uint16(p)
			}
		}
	}
	return append(bounds, ix.NumChunks()), nil
}

// routedPartition collects one partition's records during the routing
// pass: in memory up to a flush size, then in its own spill file.
type routedPartition struct {
	rows  []int32  // global rows, ascending
	parts []*store // in memory, in row order
	bytes int64    // of parts
	file  *spillFile
}

// routePartitions reads the records once and hands each record with a
// non-zero partOf to partition partOf-1. With one partition nothing is
// written: it stays in memory (partitions are cut to fit).
func (sp *spillSet) routePartitions(ctx context.Context, partOf []uint16, parts int) ([]*routedPartition, error) {
	out := make([]*routedPartition, parts)
	for p := range out {
		out[p] = &routedPartition{}
	}
	// The routing buffers together take at most a tenth of the budget.
	flushBytes := min(max(sp.budget/10/int64(parts), 1<<20), 32<<20)
	type routed struct {
		part  int
		rows  []int32
		store *store
	}
	return out, scanBatches(ctx, sp, func(first, n int) bool {
		for _, p := range partOf[first : first+n] {
			if p != 0 {
				return true
			}
		}
		return false
	}, nil, func(first int, st *store) ([]routed, error) {
		// Selecting and copying is done on the worker.
		var sel [][]int32
		var order []int
		for i, p := range partOf[first : first+st.n] {
			if p == 0 {
				continue
			}
			for len(sel) < int(p) {
				sel = append(sel, nil)
			}
			if sel[p-1] == nil {
				order = append(order, int(p-1))
			}
			sel[p-1] = append(sel[p-1], int32(i))
		}
		slices.Sort(order)
		res := make([]routed, 0, len(order))
		for _, p := range order {
			part := newStore(sp.cfg, 0)
			if err := part.appendRows(st, sel[p]); err != nil {
				return nil, err
			}
			rows := make([]int32, len(sel[p]))
			for k, i := range sel[p] {
				rows[k] = int32(first) + i
			}
			res = append(res, routed{p, rows, part})
		}
		return res, nil
	}, func(_ int, _ *store, res []routed) error {
		for _, rt := range res {
			rp := out[rt.part]
			rp.rows = append(rp.rows, rt.rows...)
			rp.parts = append(rp.parts, rt.store)
			rp.bytes += rt.store.memBytes()
			if parts > 1 && rp.bytes > flushBytes {
				if err := sp.flushPartition(rp); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (sp *spillSet) flushPartition(rp *routedPartition) error {
	if rp.file == nil {
		var err error
		if rp.file, err = sp.dir.create("partition"); err != nil {
			return err
		}
	}
	st, err := concatStores(sp.cfg, rp.parts)
	if err != nil {
		return err
	}
	rp.parts, rp.bytes = nil, 0
	return rp.file.append(st)
}

// load reads a routed partition back into one store and points sp.loc of
// its rows at their positions.
func (rp *routedPartition) load(sp *spillSet) (*store, error) {
	chunks := []*store{}
	if rp.file != nil {
		if err := rp.file.flush(); err != nil {
			return nil, err
		}
		var buf []byte
		for b := range rp.file.rows {
			st, nb, err := rp.file.read(sp.cfg, b, buf, nil)
			if err != nil {
				return nil, err
			}
			buf = nb
			chunks = append(chunks, st)
		}
		rp.file.close()
	}
	chunks = append(chunks, rp.parts...)
	rp.parts = nil
	st, err := concatStores(sp.cfg, chunks)
	if err != nil {
		return nil, err
	}
	for i, g := range rp.rows {
		sp.loc[g] = int32(i)
	}
	return st, nil
}

// score is the score stage of a spilled run: rule after rule, the rule's
// blocks cut into partitions, each partition's records read back and its
// pairs scored, in the order an in-memory run scores them.
func (e *eachRule) score(ctx context.Context, sc *scorer, pw *pairsWriter, acc *acceptedEdges) error {
	r, sp := e.r, e.sp
	partOf := make([]uint16, sp.n)
	for k, rule := range r.cfg.Blocking.Rules {
		ix, err := r.ruleIndex(ctx, uint64(k), rule)
		if err != nil {
			return fmt.Errorf("blocking.rules[%d]: %w", k, err)
		}
		bounds, err := sp.partitions(ix, partOf)
		if err != nil {
			return err
		}
		parts := len(bounds) - 1
		routed, err := sp.routePartitions(ctx, partOf, parts)
		if err != nil {
			return err
		}
		r.manifest.Spill.Partitions = append(r.manifest.Spill.Partitions, parts)
		for _, rp := range routed {
			if rp.file != nil {
				r.manifest.Spill.PartitionBytes += rp.file.size
			}
		}
		for p := 0; p < parts; p++ {
			sub, err := routed[p].load(sp)
			if err != nil {
				return err
			}
			routed[p] = nil
			keys, err := e.earlierKeys(sub, k)
			if err != nil {
				return err
			}
			cms, err := r.comparersFor(sc, sub)
			if err != nil {
				return err
			}
			src := pairSource{ix: ix, c0: bounds[p], c1: bounds[p+1], rule: k, st: sub, loc: sp.loc, comparers: cms}
			if k > 0 {
				src.earlier = func(gi, gj, li, lj int32) bool { return e.earlierPair(keys, gi, gj, li, lj) }
				src.earlierKeys = keys
			}
			if err := r.score(ctx, src, sc, pw, acc); err != nil {
				return err
			}
		}
		r.logf("rule %s: %d partitions, %d pairs", rule.Name, parts, sc.rulePairs[k])
	}
	return nil
}

// ruleFields names the fields a blocking rule's keys read.
func ruleFields(rule config.BlockingRule) []string {
	var names []string
	for _, part := range rule.Keys {
		name, _, _ := strings.Cut(part, ".")
		names = append(names, name)
	}
	return names
}
