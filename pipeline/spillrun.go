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

// spillState is a spilled run's records: on disk, in load order, with the
// few columns every stage reads by row kept in memory (runner.st holds
// them: source, file, row, flags, cannot-link key; its field columns are
// empty).
//
// A spilled run produces the same bytes as one in memory. Blocking rules
// are processed one at a time: the rule's keys are computed in a pass over
// the records, its index is built from the keys alone, and its blocks, in
// key order, are cut into partitions of at most maxRows records; a second
// pass routes each partition's records to its own spill file, and the
// partitions are then scored one after another, each read back into
// memory by itself. Pairs a previous rule already produced are recognised
// from the records' own keys under the earlier rules (recomputed from the
// partition's records) and the earlier rules' capped-block positions.
// Model training reads back only the records its sampled pairs touch, and
// the golden records are built a range of clusters at a time.
type spillState struct {
	dir     *spillDir
	records *spillFile
	first   []int    // first row of each batch of records
	n       int      // records so far
	thin    []*store // per batch: the in-memory columns, joined at the end
	stable  []uint64 // stable key by row (cluster ids)
	dupKey  []uint64 // duplicateKey by row, until duplicates are marked
	// loc maps a row to its position in the records read back last
	// (gather, a partition).
	loc []int32
	// secondary is the capped-block sort key of every row.
	secondary []uint64
	// per blocking rule, from the block stage
	stats   []blocking.RuleStats
	capped  []map[int32]int32 // capped rows' positions in their block
	samples [][]blocking.Pair // training sample of the rule's blocks (rule's own rows, before cross-rule de-duplication)
	kept    []int64           // candidate pairs of the sampled blocks
	// maxRows is how many records one partition holds.
	maxRows int
	// window is the blocking index's sorted-neighbourhood window.
	window int
}

// remove deletes the spill folder; nil-safe.
func (sp *spillState) remove() {
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
	r.sp = &spillState{dir: dir}
	loaded := 0
	for _, c := range chunks {
		loaded += c.n
	}
	r.logf("spilling the records to disk after %d of them (%s)", loaded, dir.path)
	if r.sp.records, err = dir.create("records"); err != nil {
		return err
	}
	for _, c := range chunks {
		if err := r.spillBatch(c, nil); err != nil {
			return err
		}
	}
	r.spilling.Store(true)
	return nil
}

// spilledBatch is a loaded batch prepared for the spill file by a worker:
// compressed, with its stable and duplicate keys.
type spilledBatch struct {
	enc            []byte
	stable, dupKey []uint64
}

// prepareSpill encodes st and hashes its keys (a worker's part of
// spillBatch); raw is the worker's scratch.
func (r *runner) prepareSpill(st *store, raw []byte) (*spilledBatch, []byte) {
	b := &spilledBatch{stable: make([]uint64, st.n), dupKey: make([]uint64, st.n)}
	for i := 0; i < st.n; i++ {
		id := st.recordID.get(int32(i))
		b.stable[i] = stableKey(r.cfg.Sources[st.source[i]].Name, id)
		b.dupKey[i] = duplicateKey(st.source[i], id)
	}
	b.enc, raw = encodeSpillBatch(st, raw)
	return b, raw
}

// spillBatch writes one loaded batch to disk and keeps its small columns;
// pre is the batch as prepareSpill left it, or nil.
func (r *runner) spillBatch(st *store, pre *spilledBatch) error {
	sp := r.sp
	if pre == nil {
		pre, _ = r.prepareSpill(st, nil)
	}
	sp.first = append(sp.first, sp.n)
	sp.n += st.n
	sp.stable = append(sp.stable, pre.stable...)
	sp.dupKey = append(sp.dupKey, pre.dupKey...)
	if err := sp.records.appendEncoded(pre.enc, st.n); err != nil {
		return err
	}
	thin := newStore(r.cfg, 0)
	thin.n, thin.source, thin.file, thin.row, thin.flags, thin.idKey = st.n, st.source, st.file, st.row, st.flags, st.idKey
	thin.recordID = bytesColumn{offs: make([]uint32, 1)}
	sp.thin = append(sp.thin, thin)
	return nil
}

// finishSpill makes the spilled records readable and joins the in-memory
// columns into r.st.
func (r *runner) finishSpill() error {
	sp := r.sp
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
	perRecord := max(int64(256), r.storeBytesEstimate()/int64(max(st.n, 1)))
	sp.maxRows = int(max(r.opt.MemoryLimit/10/perRecord, 1024))
	if r.opt.spillPartitionRows > 0 {
		sp.maxRows = r.opt.spillPartitionRows
	}
	r.manifest.Spill = &runfolder.SpillStat{RecordBytes: sp.records.size, PartitionRows: sp.maxRows}
	return nil
}

// storeBytesEstimate is the in-memory size of the spilled records, from a
// sample batch.
func (r *runner) storeBytesEstimate() int64 {
	if len(r.sp.first) == 0 {
		return 0
	}
	st, _, err := r.sp.records.read(r.cfg, 0, nil, nil)
	if err != nil || st.n == 0 {
		return 0
	}
	return st.memBytes() * int64(r.sp.n) / int64(st.n)
}

// markSpilledDuplicateIDs is markDuplicateIDs for spilled records: the
// ids of rows sharing a hash are read back to compare them.
func (r *runner) markSpilledDuplicateIDs(ctx context.Context) error {
	sp := r.sp
	err := r.markDuplicates(sp.dupKey, func(rows []int32) (func(int32) []byte, error) {
		sub, err := r.gather(ctx, rows)
		if err != nil {
			return nil, err
		}
		return func(row int32) []byte { return sub.recordID.get(sp.loc[row]) }, nil
	})
	sp.dupKey = nil
	return err
}

// scan reads the spilled records batch by batch: work (may be nil) runs
// on the workers in any order, consume (may be nil) on the caller in
// batch order. need (may be nil) skips batches whose rows are not needed;
// cols (nil: all) are the column groups to decode (spillGroups). Neither
// callback may keep st past its call: its memory is reused.
func (r *runner) scan(ctx context.Context, need func(first, rows int) bool, cols []bool, work func(first int, st *store) error, consume func(first int, st *store) error) error {
	return scanBatches(ctx, r, need, cols, func(first int, st *store) (struct{}, error) {
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

// scanBatches is scan whose work hands a value of its own to consume.
func scanBatches[T any](ctx context.Context, r *runner, need func(first, rows int) bool, cols []bool, work func(first int, st *store) (T, error), consume func(first int, st *store, v T) error) error {
	f := r.sp.records
	bufs := make([][]byte, r.opt.Workers)
	type item struct {
		first int
		st    *store
		v     T
	}
	next := 0
	p := orderedPool[int, item]{
		workers: r.opt.Workers,
		work: func(w, b int) (item, error) {
			st, buf, err := f.read(r.cfg, b, bufs[w], cols)
			bufs[w] = buf
			if err != nil {
				return item{}, err
			}
			v, err := work(r.sp.first[b], st)
			return item{r.sp.first[b], st, v}, err
		},
		consume: func(it item) error {
			err := consume(it.first, it.st, it.v)
			recycleDecoded(it.st)
			return err
		},
	}
	return p.run(ctx, func() (int, bool, error) {
		for next < len(f.rows) && need != nil && !need(r.sp.first[next], f.rows[next]) {
			next++
		}
		if next >= len(f.rows) {
			return 0, false, nil
		}
		next++
		return next - 1, true, nil
	})
}

// spillKeys computes one rule's key for every record (0 for dropped ones).
func (r *runner) spillKeys(ctx context.Context, salt uint64, rule config.BlockingRule) ([]uint64, error) {
	keys := make([]uint64, r.st.n)
	err := r.scan(ctx, nil, spillGroups(r.cfg, false, ruleFields(rule)...), func(first int, st *store) error {
		k, err := ruleKeys(st, r.dropped[first:first+st.n], salt, rule)
		copy(keys[first:], k)
		return err
	}, nil)
	return keys, err
}

// gather reads the given rows (ascending, distinct) back into a new store,
// in that order, and points sp.loc of each at its position there.
func (r *runner) gather(ctx context.Context, rows []int32) (*store, error) {
	span := func(first, n int) (int, int) {
		lo := sort.Search(len(rows), func(i int) bool { return rows[i] >= int32(first) })
		hi := sort.Search(len(rows), func(i int) bool { return rows[i] >= int32(first+n) })
		return lo, hi
	}
	var parts []*store
	err := scanBatches(ctx, r, func(first, n int) bool {
		lo, hi := span(first, n)
		return hi > lo
	}, nil, func(first int, st *store) (*store, error) {
		// The copy is made on the worker; the caller only collects.
		lo, hi := span(first, st.n)
		sel := make([]int32, 0, hi-lo)
		for _, g := range rows[lo:hi] {
			sel = append(sel, g-int32(first))
		}
		part := newStore(r.cfg, 0)
		return part, part.appendRows(st, sel)
	}, func(_ int, _ *store, part *store) error {
		parts = append(parts, part)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out, err := concatStores(r.cfg, parts)
	if err != nil {
		return nil, err
	}
	for i, g := range rows {
		r.sp.loc[g] = int32(i)
	}
	return out, nil
}

// spillBlock is the block stage of a spilled run: every rule's keys, its
// statistics, its capped blocks' positions and its training sample of
// blocks, one rule at a time.
func (r *runner) spillBlock(ctx context.Context) error {
	sp := r.sp
	sp.secondary = make([]uint64, r.st.n)
	var textFields []string
	for _, f := range r.cfg.Fields {
		if f.Kind == config.KindPersonName || f.Kind == config.KindText {
			textFields = append(textFields, f.Name)
		}
	}
	if err := r.scan(ctx, nil, spillGroups(r.cfg, false, textFields...), func(first int, st *store) error {
		copy(sp.secondary[first:], secondaryKeysOf(st))
		return nil
	}, nil); err != nil {
		return err
	}
	rules := r.cfg.Blocking.Rules
	sp.stats = make([]blocking.RuleStats, len(rules))
	sp.capped = make([]map[int32]int32, len(rules))
	sp.samples = make([][]blocking.Pair, len(rules))
	sp.kept = make([]int64, len(rules))
	for k, rule := range rules {
		ix, err := r.spillRuleIndex(ctx, k, rule)
		if err != nil {
			return err
		}
		sp.stats[k] = ix.Stats()[0]
		sp.window = ix.Window()
		ix.CappedPositions(0, func(row, pos int32) {
			if sp.capped[k] == nil {
				sp.capped[k] = map[int32]int32{}
			}
			sp.capped[k][row] = pos
		})
		// The blocks the in-memory run's Index.SampleForCap keeps: the
		// same probability (from the rule's candidate pairs) and the
		// same per-rule seed.
		s := ix.SampleForCap(r.cfg.Model.SamplePairsPerRule, blocking.RuleSeed(r.cfg.Seed, k))
		var buf []blocking.Pair
		for c := 0; c < ix.NumChunks(); c++ {
			var kept int64
			buf, kept = ix.AppendChunkSample(buf[:0], c, &s)
			sp.kept[k] += kept
			for _, p := range buf {
				p.Rule = uint8(k)
				sp.samples[k] = append(sp.samples[k], p)
			}
		}
		r.logf("rule %s: %d keyed records, %d blocks, %d candidate pairs", rule.Name, sp.stats[k].Records, sp.stats[k].Blocks, sp.stats[k].CandidatePairs)
	}
	return nil
}

// spillRuleIndex computes blocking rule k's keys and builds its index.
func (r *runner) spillRuleIndex(ctx context.Context, k int, rule config.BlockingRule) (*blocking.Index, error) {
	keys, err := r.spillKeys(ctx, uint64(k), rule)
	if err != nil {
		return nil, fmt.Errorf("blocking.rules[%d]: %w", k, err)
	}
	return blocking.Build(r.st.n, []blocking.Rule{{Name: rule.Name, Keys: keys, Secondary: r.sp.secondary}}, r.blockingOptions())
}

// earlierKeys computes, for the records of st, the keys of blocking rules
// 0..k-1, for earlierLocal.
func (r *runner) earlierKeys(st *store, k int) ([][]uint64, error) {
	keys := make([][]uint64, k)
	for j := 0; j < k; j++ {
		var err error
		if keys[j], err = ruleKeys(st, nil, uint64(j), r.cfg.Blocking.Rules[j]); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// earlierPair reports whether a rule before k produces the pair of rows
// (gi, gj), whose positions in the records read back are li and lj, as
// blocking.Index does for the whole register (blocking.Produces): keys
// are the earlier rules' keys by read-back row, sp.capped their capped
// blocks' positions by row. Dropped records have no key, so a dropped row
// never counts (keys of the read-back records do not know they were
// dropped: the caller never asks about dropped rows).
func (r *runner) earlierPair(keys [][]uint64, gi, gj, li, lj int32) bool {
	for j := range keys {
		ki, kj := keys[j][li], keys[j][lj]
		pi, pj := int32(blocking.NotCapped), int32(blocking.NotCapped)
		if capped := r.sp.capped[j]; ki != 0 && ki == kj && capped != nil {
			if p, ok := capped[gi]; ok {
				pi, pj = p, capped[gj]
			}
		}
		if blocking.Produces(ki, kj, pi, pj, r.sp.window) {
			return true
		}
	}
	return false
}

// bindComparers binds the comparisons to st's columns, one comparer per
// worker.
func (r *runner) bindComparers(sc *scorer, st *store) ([]*linkage.Comparer, error) {
	cols := st.linkageColumns()
	cols.Freqs = sc.freqs
	base, err := sc.compiled.Bind(cols)
	if err != nil {
		return nil, err
	}
	cms := []*linkage.Comparer{base}
	for w := 1; w < r.opt.Workers; w++ {
		cms = append(cms, base.Clone())
	}
	return cms, nil
}

// spillFreqs counts the values of the term-frequency comparisons over the
// spilled records.
func (r *runner) spillFreqs(ctx context.Context, compiled *linkage.Compiled) (map[string]*linkage.FreqTable, error) {
	freqs := map[string]*linkage.FreqTable{}
	for k := 0; k < compiled.Len(); k++ {
		if compiled.Spec(k).TermFrequency {
			freqs[compiled.Spec(k).Name] = &linkage.FreqTable{}
		}
	}
	if len(freqs) == 0 {
		return freqs, nil
	}
	var fields []string
	for k := 0; k < compiled.Len(); k++ {
		if spec := compiled.Spec(k); spec.TermFrequency {
			name, _, _ := strings.Cut(tfColumn(spec), ".")
			fields = append(fields, name)
		}
	}
	err := r.scan(ctx, nil, spillGroups(r.cfg, false, fields...), nil, func(_ int, st *store) error {
		cols := st.linkageColumns()
		for k := 0; k < compiled.Len(); k++ {
			spec := compiled.Spec(k)
			if spec.TermFrequency {
				freqs[spec.Name].AddColumn(cols.Strings[tfColumn(spec)])
			}
		}
		return nil
	})
	return freqs, err
}

// comparePairsOf compares pairs (global rows) and adds each vector, with
// the masked comparisons set to null, to hist(worker): in memory, or from
// the spill a piece at a time (spillPairs).
func (r *runner) comparePairsOf(ctx context.Context, sc *scorer, pairs []blocking.Pair, mask []bool, hist func(w int) *linkage.Histogram) error {
	if r.sp != nil {
		return r.spillPairs(ctx, sc, pairs, nil, mask, hist)
	}
	r.comparePairs(sc.comparers, pairs, mask, sc.width, hist)
	return nil
}

// comparePairs compares pairs of rows of st (after mapping through
// sp.loc when spilled) on the workers and adds each vector, with the
// masked comparisons set to null, to hist(worker).
func (r *runner) comparePairs(cms []*linkage.Comparer, pairs []blocking.Pair, mask []bool, width int, hist func(w int) *linkage.Histogram) {
	const span = 4096
	bufs := make([][]int8, r.opt.Workers)
	sims := make([][]float32, r.opt.Workers)
	parallelFor(r.opt.Workers, (len(pairs)+span-1)/span, func(w, c int) {
		if bufs[w] == nil {
			bufs[w], sims[w] = make([]int8, width), make([]float32, width)
		}
		var loc []int32
		if r.sp != nil {
			loc = r.sp.loc
		}
		part := pairs[c*span : min(len(pairs), (c+1)*span)]
		for k, p := range part {
			prefetchPairs(cms[w], part, k, loc, nil)
			i, j := p.Left, p.Right
			if loc != nil {
				i, j = loc[i], loc[j]
			}
			cms[w].Compare(i, j, bufs[w], sims[w], nil)
			hist(w).AddMasked(bufs[w], mask)
		}
	})
}

// spillPartitions cuts rule index ix's chunks into partitions of at most
// maxRows records (a block is never split), in chunk order: partition p
// is chunks [bounds[p], bounds[p+1]). partOf[row] is 1 + the partition of
// a row in a block, 0 for others.
func (r *runner) spillPartitions(ix *blocking.Index, partOf []uint16) (bounds []int, err error) {
	clear(partOf)
	rows := 0
	bounds = []int{0}
	for c := 0; c < ix.NumChunks(); c++ {
		members, continues := ix.ChunkRows(c)
		if !continues && rows > 0 && rows+len(members) > r.sp.maxRows {
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
func (r *runner) routePartitions(ctx context.Context, partOf []uint16, parts int) ([]*routedPartition, error) {
	out := make([]*routedPartition, parts)
	for p := range out {
		out[p] = &routedPartition{}
	}
	// The routing buffers together take at most a tenth of the budget.
	flushBytes := min(max(r.opt.MemoryLimit/10/int64(parts), 1<<20), 32<<20)
	type routed struct {
		part  int
		rows  []int32
		store *store
	}
	return out, scanBatches(ctx, r, func(first, n int) bool {
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
			part := newStore(r.cfg, 0)
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
				if err := r.flushPartition(rp); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (r *runner) flushPartition(rp *routedPartition) error {
	if rp.file == nil {
		var err error
		if rp.file, err = r.sp.dir.create("partition"); err != nil {
			return err
		}
	}
	st, err := concatStores(r.cfg, rp.parts)
	if err != nil {
		return err
	}
	rp.parts, rp.bytes = nil, 0
	return rp.file.append(st)
}

// load reads a routed partition back into one store and points sp.loc of
// its rows at their positions.
func (rp *routedPartition) load(r *runner) (*store, error) {
	chunks := []*store{}
	if rp.file != nil {
		if err := rp.file.flush(); err != nil {
			return nil, err
		}
		var buf []byte
		for b := range rp.file.rows {
			st, nb, err := rp.file.read(r.cfg, b, buf, nil)
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
	st, err := concatStores(r.cfg, chunks)
	if err != nil {
		return nil, err
	}
	for i, g := range rp.rows {
		r.sp.loc[g] = int32(i)
	}
	return st, nil
}

// spillScore is the score stage of a spilled run: rule after rule, the
// rule's blocks cut into partitions, each partition's records read back
// and its pairs scored, in the order an in-memory run scores them.
func (r *runner) spillScore(ctx context.Context, sc *scorer, pw *pairsWriter, acc *acceptedEdges) error {
	sp := r.sp
	partOf := make([]uint16, r.st.n)
	for k, rule := range r.cfg.Blocking.Rules {
		ix, err := r.spillRuleIndex(ctx, k, rule)
		if err != nil {
			return err
		}
		bounds, err := r.spillPartitions(ix, partOf)
		if err != nil {
			return err
		}
		parts := len(bounds) - 1
		routed, err := r.routePartitions(ctx, partOf, parts)
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
			sub, err := routed[p].load(r)
			if err != nil {
				return err
			}
			routed[p] = nil
			keys, err := r.earlierKeys(sub, k)
			if err != nil {
				return err
			}
			cms, err := r.bindComparers(sc, sub)
			if err != nil {
				return err
			}
			src := pairSource{ix: ix, c0: bounds[p], c1: bounds[p+1], rule: k, st: sub, loc: sp.loc, comparers: cms}
			if k > 0 {
				src.earlier = func(gi, gj, li, lj int32) bool { return r.earlierPair(keys, gi, gj, li, lj) }
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

// spillPairs compares pairs of spilled records (global rows) a piece at a
// time, each piece's records (at most a partition's) read back: keep,
// made by prepare from the piece's records (nil: keep all), drops pairs
// before comparing; mask sets comparisons to null; each vector is added
// to hist(worker).
func (r *runner) spillPairs(ctx context.Context, sc *scorer, pairs []blocking.Pair, prepare func(sub *store) (func(blocking.Pair) bool, error), mask []bool, hist func(w int) *linkage.Histogram) error {
	seen := map[int32]struct{}{}
	var rows []int32
	var kept []blocking.Pair
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
			if end > start && len(seen)+grow > r.sp.maxRows {
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
		sub, err := r.gather(ctx, rows)
		if err != nil {
			return err
		}
		var keep func(blocking.Pair) bool
		if prepare != nil {
			if keep, err = prepare(sub); err != nil {
				return err
			}
		}
		kept = kept[:0]
		for _, p := range pairs[start:end] {
			if keep == nil || keep(p) {
				kept = append(kept, p)
			}
		}
		cms, err := r.bindComparers(sc, sub)
		if err != nil {
			return err
		}
		r.comparePairs(cms, kept, mask, sc.width, hist)
		start = end
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
