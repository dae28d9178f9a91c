package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/store"
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

// startSpill starts the spilled record set and writes the batches loaded
// so far to it.
func (r *runner) startSpill(chunks []*store.Store) error {
	parent := r.opt.SpillDir
	if parent == "" {
		parent = r.opt.OutDir
	}
	sp, err := store.Spill(parent, r.schema, r.opt.Workers, r.opt.MemoryLimit)
	if err != nil {
		return err
	}
	r.spill = sp
	loaded := 0
	for _, c := range chunks {
		loaded += c.N
	}
	r.logf("spilling the records to disk after %d of them (%s)", loaded, sp.Path())
	for _, c := range chunks {
		if err := sp.AppendBatch(c, nil); err != nil {
			return err
		}
	}
	r.spilling.Store(true)
	return nil
}

// finishSpill makes the spilled records readable and puts their
// in-memory columns in r.st.
func (r *runner) finishSpill() error {
	st, err := r.spill.Finish(r.opt.spillPartitionRows)
	if err != nil {
		return err
	}
	r.st = st
	r.manifest.Spill = &runfolder.SpillStat{RecordBytes: r.spill.RecordBytes(), PartitionRows: r.spill.PartitionRows()}
	return nil
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
	sp      *store.Spilled
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
func (r *runner) blockEachRule(ctx context.Context, sp *store.Spilled) (*eachRule, error) {
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
		err := sp.EachPiece(ctx, e.samples[k], func(pairs []blocking.Pair, sub *store.Store, loc []int32) error {
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
func (e *eachRule) earlierKeys(st *store.Store, k int) ([][]uint64, error) {
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
func partitions(ix *blocking.Index, partOf []uint16, maxRows int) (bounds []int, err error) {
	clear(partOf)
	rows := 0
	bounds = []int{0}
	for c := 0; c < ix.NumChunks(); c++ {
		members, continues := ix.ChunkRows(c)
		if !continues && rows > 0 && rows+len(members) > maxRows {
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

// score is the score stage of a spilled run: rule after rule, the rule's
// blocks cut into partitions, each partition's records read back and its
// pairs scored, in the order an in-memory run scores them.
func (e *eachRule) score(ctx context.Context, sc *scorer, pw *pairsWriter, acc *acceptedEdges) error {
	r, sp := e.r, e.sp
	partOf := make([]uint16, sp.Len())
	for k, rule := range r.cfg.Blocking.Rules {
		ix, err := r.ruleIndex(ctx, uint64(k), rule)
		if err != nil {
			return fmt.Errorf("blocking.rules[%d]: %w", k, err)
		}
		bounds, err := partitions(ix, partOf, sp.PartitionRows())
		if err != nil {
			return err
		}
		parts := len(bounds) - 1
		routed, err := sp.Route(ctx, partOf, parts)
		if err != nil {
			return err
		}
		r.manifest.Spill.Partitions = append(r.manifest.Spill.Partitions, parts)
		for _, rp := range routed {
			r.manifest.Spill.PartitionBytes += rp.Bytes()
		}
		for p := 0; p < parts; p++ {
			sub, loc, err := routed[p].Load()
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
			src := pairSource{ix: ix, c0: bounds[p], c1: bounds[p+1], rule: k, st: sub, loc: loc, comparers: cms}
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
