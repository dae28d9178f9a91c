package state

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/runfolder"
)

// tonightSet is tonight's register: every record, sorted by key, with
// what the next night needs of it, and the run that re-scored some of
// them (all of them on a full night).
type tonightSet struct {
	keys   []Key
	hashes []uint64
	loc    []rawLoc
	rules  [][]uint64 // per blocking rule, each record's key
	prevOf []int32    // the record in the last generation, -1 if new
	status []uint8    // recNew, recChanged, recUnchanged
	inS    []bool     // re-scored and re-clustered tonight
	capped []map[uint64]int32
	sr     *subRun
	// rejects are the night's rejected rows (an incremental night's:
	// the scan's and the first run's; a full night's are its run's).
	rejects []reject
	scan    *inputScan
	region  int64
	stages  []runfolder.StageTiming // an incremental night's steps before its run
	seconds float64                 // their time, and the run's
}

// fullNight runs the pipeline over the inputs: every record re-scored.
func fullNight(ctx context.Context, cfg *config.Config, popt pipeline.Options, work string, scan *inputScan, prev *generation) (*tonightSet, error) {
	runStart := time.Now()
	sr, err := runInputs(ctx, cfg, popt, filepath.Join(work, "run"), scan, true)
	if err != nil {
		return nil, err
	}
	runSeconds := time.Since(runStart).Seconds()
	keys, _, err := readClusters(filepath.Join(sr.dir, runfolder.FileClusters))
	if err != nil {
		return nil, err
	}
	// The run's records are the scan's rows it did not reject: match them
	// by key (of a key read twice, the run keeps the first row: the
	// stable sort keeps input order among equal keys).
	order := make([]int32, len(scan.dirty))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int { return compareKeys(scan.dirty[a].key, scan.dirty[b].key) })
	t := newTonight(len(keys), len(cfg.Blocking.AllRules()))
	t.sr, t.scan, t.seconds = sr, scan, runSeconds
	j := 0
	for i, k := range keys {
		for j < len(order) && compareKeys(scan.dirty[order[j]].key, k) < 0 {
			j++
		}
		if j == len(order) || scan.dirty[order[j]].key != k {
			return nil, fmt.Errorf("BUG: the run clustered a record the night did not read")
		}
		d := &scan.dirty[order[j]]
		t.keys[i], t.hashes[i], t.loc[i] = d.key, d.hash, d.loc
		for r := range t.rules {
			if sr.keys[r] != nil {
				t.rules[r][i] = sr.keys[r][d.idx]
			}
		}
		t.prevOf[i] = scan.prev[d.idx]
		t.status[i] = rowStatus(scan, d.idx)
		t.inS[i] = true
	}
	t.capped = cappedBlocks(t.rules, len(cfg.Blocking.Rules), maxBlockSize(cfg))
	t.region = int64(len(keys))
	return t, nil
}

// maxBlockSize is the size above which blocking caps a block.
func maxBlockSize(cfg *config.Config) int {
	if cfg.Blocking.MaxBlockSize > 0 {
		return cfg.Blocking.MaxBlockSize
	}
	return blocking.DefaultMaxBlockSize
}

func newTonight(n, rules int) *tonightSet {
	t := &tonightSet{keys: make([]Key, n), hashes: make([]uint64, n), loc: make([]rawLoc, n), rules: make([][]uint64, rules),
		prevOf: make([]int32, n), status: make([]uint8, n), inS: make([]bool, n)}
	for r := range t.rules {
		t.rules[r] = make([]uint64, n)
	}
	return t
}

func rowStatus(scan *inputScan, row int32) uint8 {
	switch {
	case scan.prev[row] < 0:
		return recNew
	case scan.same[row]:
		return recUnchanged
	}
	return recChanged
}

// cappedBlocks finds, per rule, the blocks larger than maxBlock; the link
// rules (from blocking) block nothing and have none.
func cappedBlocks(rules [][]uint64, blocking, maxBlock int) []map[uint64]int32 {
	out := make([]map[uint64]int32, len(rules))
	for r, keys := range rules {
		out[r] = map[uint64]int32{}
		if r >= blocking {
			continue
		}
		sorted := make([]uint64, 0, len(keys))
		for _, k := range keys {
			if k != 0 {
				sorted = append(sorted, k)
			}
		}
		slices.Sort(sorted)
		for i := 0; i < len(sorted); {
			j := i
			for j < len(sorted) && sorted[j] == sorted[i] {
				j++
			}
			if j-i > maxBlock {
				out[r][sorted[i]] = int32(j - i)
			}
			i = j
		}
	}
	return out
}

// incrementalNight normalizes the new and changed rows (the first run),
// finds the records whose pairs or clusters they can change, and re-runs
// those (the second run); everyone else keeps last night's pairs and
// clusters. Why that gives a full run's clusters: ARCHITECTURE.md, "The
// living register".
func incrementalNight(ctx context.Context, cfg *config.Config, popt pipeline.Options, work string, scan *inputScan, prev *generation, rr *rawReader) (*tonightSet, error) {
	nprev := len(prev.records)
	// A record id read twice tonight: a run keeps its first row and
	// rejects the others. Such rows go to the first run even when
	// unchanged, which does just that.
	hits := make([]uint8, nprev)
	for _, p := range scan.prev {
		if p >= 0 && hits[p] < 2 {
			hits[p]++
		}
	}
	dirtyAt := func(row int32) *dirtyRow {
		i, ok := slices.BinarySearchFunc(scan.dirty, row, func(d dirtyRow, r int32) int { return cmp.Compare(d.idx, r) })
		if !ok {
			return nil
		}
		return &scan.dirty[i]
	}
	var dRows []int32
	for row, p := range scan.prev {
		if !scan.same[row] || hits[p] > 1 {
			dRows = append(dRows, int32(row))
		}
	}
	locOf := func(row int32) rawLoc {
		if d := dirtyAt(row); d != nil {
			return d.loc
		}
		return prev.loc[scan.prev[row]]
	}
	quiet := popt
	quiet.Log = nil
	var dRun *subRun
	rejected := map[int32]bool{}
	var rejects []reject
	stepStart := time.Now()
	var stages []runfolder.StageTiming
	step := func(name string) {
		stages = append(stages, runfolder.StageTiming{Name: name, Seconds: time.Since(stepStart).Seconds()})
		stepStart = time.Now()
	}
	if len(dRows) > 0 {
		var err error
		if dRun, err = runRows(ctx, cfg, quiet, filepath.Join(work, "changed"), scan, dRows, locOf, rr, true); err != nil {
			return nil, err
		}
		rj, rows, err := dRun.readRejects()
		if err != nil {
			return nil, err
		}
		for i, r := range rj {
			row := rows[i]
			if row < 0 {
				return nil, fmt.Errorf("BUG: a rejected row the night did not read")
			}
			rejected[row] = true
			rejects = append(rejects, reject{file: scan.file[row], row: scan.row[row], column: r.column, reason: r.reason})
		}
	}
	step("normalize changed")
	rejects = append(rejects, scan.rejects...)
	slices.SortFunc(rejects, func(a, b reject) int {
		if c := cmp.Compare(a.file, b.file); c != 0 {
			return c
		}
		return cmp.Compare(a.row, b.row)
	})

	// Tonight's records: last night's unchanged ones, in their order, and
	// the first run's, sorted, merged by key.
	rowOfPrev := make([]int32, nprev)
	for i := range rowOfPrev {
		rowOfPrev[i] = -1
	}
	for row, p := range scan.prev {
		if p >= 0 && scan.same[row] && hits[p] == 1 {
			rowOfPrev[p] = int32(row)
		}
	}
	var loaded []*dirtyRow
	for _, row := range dRows {
		if rejected[row] {
			continue
		}
		d := dirtyAt(row)
		if d == nil {
			// An unchanged row whose id is read again later tonight: it
			// stays the record (a run keeps an id's first row), its cells
			// where they were.
			p := scan.prev[row]
			d = &dirtyRow{idx: row, key: prev.records[p], hash: prev.hashes[p], loc: prev.loc[p]}
		}
		loaded = append(loaded, d)
	}
	slices.SortFunc(loaded, func(a, b *dirtyRow) int { return compareKeys(a.key, b.key) })
	n := len(loaded)
	for _, r := range rowOfPrev {
		if r >= 0 {
			n++
		}
	}
	t := newTonight(n, len(cfg.Blocking.AllRules()))
	t.scan, t.rejects = scan, rejects
	rowOf := make([]int32, n)  // each record's snapshot row
	fromRun := make([]bool, n) // its keys are the first run's
	i, j := 0, 0
	for p := 0; p <= nprev; p++ {
		// The first run's records that sort before last night's p-th.
		for j < len(loaded) && (p == nprev || compareKeys(loaded[j].key, prev.records[p]) < 0) {
			d := loaded[j]
			t.keys[i], t.hashes[i], t.loc[i] = d.key, d.hash, d.loc
			t.prevOf[i], t.status[i], rowOf[i], fromRun[i] = scan.prev[d.idx], rowStatus(scan, d.idx), d.idx, true
			i, j = i+1, j+1
		}
		if p == nprev || rowOfPrev[p] < 0 {
			continue
		}
		t.keys[i], t.hashes[i], t.loc[i] = prev.records[p], prev.hashes[p], prev.loc[p]
		t.prevOf[i], t.status[i], rowOf[i] = int32(p), recUnchanged, rowOfPrev[p]
		i++
	}
	// The keys, a rule at a time (one column read and written in order).
	for r, dst := range t.rules {
		kept := prev.keys[r]
		for i := range dst {
			if fromRun[i] {
				dst[i] = dRun.keys[r][rowOf[i]]
			} else {
				dst[i] = kept[t.prevOf[i]]
			}
		}
	}
	// gone: last night's records that are not tonight's unchanged ones.
	gone := make([]bool, nprev)
	for p := range gone {
		gone[p] = rowOfPrev[p] < 0
	}

	// The touched keys of each rule: those of tonight's new and changed
	// records and of last night's changed and deleted ones; with last
	// night's capped blocks, whose window any insertion moves.
	var changed, goneAt []int
	for i, st := range t.status {
		if st != recUnchanged {
			changed = append(changed, i)
		}
	}
	for p, g := range gone {
		if g {
			goneAt = append(goneAt, p)
		}
	}
	// Only the rules the run blocks on: a link rule's keys pair nobody.
	nb := len(cfg.Blocking.Rules)
	touched := make([]map[uint64]int32, len(t.rules))
	for r := range nb {
		m := map[uint64]int32{}
		for k := range prev.capped[r] {
			m[k] = 0
		}
		for _, i := range changed {
			if k := t.rules[r][i]; k != 0 {
				m[k] = 0
			}
		}
		for _, p := range goneAt {
			if k := prev.keys[r][p]; k != 0 {
				m[k] = 0
			}
		}
		touched[r] = m
	}
	// The scan of every record's keys, rules shared out among the
	// workers, each marking its own copy of the region; a bit table of
	// the touched keys skips most map lookups.
	workers := min(max(popt.Workers, 1), nb)
	regions := make([][]bool, workers)
	var wg sync.WaitGroup
	for w := range workers {
		regions[w] = make([]bool, n)
		wg.Go(func() {
			for r := w; r < nb; r += workers {
				m := touched[r]
				const bitsLog = 22
				var filter [1 << bitsLog / 64]uint64
				for k := range m {
					filter[k>>6&(1<<(bitsLog-6)-1)] |= 1 << (k & 63)
				}
				for i, k := range t.rules[r] {
					if k == 0 || filter[k>>6&(1<<(bitsLog-6)-1)]&(1<<(k&63)) == 0 {
						continue
					}
					if c, ok := m[k]; ok {
						m[k] = c + 1
						regions[w][i] = true
					}
				}
			}
		})
	}
	wg.Wait()
	region := regions[0]
	for _, rg := range regions[1:] {
		for i, in := range rg {
			region[i] = region[i] || in
		}
	}
	t.capped = make([]map[uint64]int32, len(t.rules))
	for r, m := range touched {
		t.capped[r] = map[uint64]int32{}
		for k, c := range m {
			if int(c) > maxBlockSize(cfg) {
				t.capped[r][k] = c
			}
		}
	}

	// The components of last night's accepted pairs that the region or a
	// gone record touches are re-clustered whole.
	comp := components(nprev, prev.pairL, prev.pairR)
	marked := make([]bool, nprev)
	for i, in := range region {
		if in {
			t.region++
			if p := t.prevOf[i]; p >= 0 {
				marked[comp[p]] = true
			}
		}
	}
	for p, g := range gone {
		if g {
			marked[comp[p]] = true
		}
	}
	var sRows []int32
	for i := range t.keys {
		p := t.prevOf[i]
		t.inS[i] = region[i] || t.status[i] != recUnchanged || p >= 0 && marked[comp[p]]
		if t.inS[i] {
			sRows = append(sRows, rowOf[i])
		}
	}
	slices.Sort(sRows)
	recLoc := make(map[int32]rawLoc, len(sRows))
	for i, in := range t.inS {
		if in {
			recLoc[rowOf[i]] = t.loc[i]
		}
	}
	step("region")
	var err error
	if t.sr, err = runRows(ctx, cfg, popt, filepath.Join(work, "run"), scan, sRows, func(row int32) rawLoc { return recLoc[row] }, rr, false); err != nil {
		return nil, err
	}
	t.stages = stages
	for _, s := range stages {
		t.seconds += s.Seconds
	}
	t.seconds += time.Since(stepStart).Seconds()
	if rj, _, err := t.sr.readRejects(); err != nil || len(rj) > 0 {
		if err == nil {
			err = fmt.Errorf("BUG: %d records loaded on their first run were rejected on the second", len(rj))
		}
		return nil, err
	}
	return t, nil
}

// components labels each of n records with its connected component under
// the pairs (left[i], right[i]): the smallest record of the component.
func components(n int, left, right []uint32) []int32 {
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	for i := range left {
		a, b := find(int32(left[i])), find(int32(right[i]))
		if a != b {
			parent[max(a, b)] = min(a, b)
		}
	}
	for i := range parent {
		parent[i] = find(int32(i))
	}
	return parent
}

// finish carries the person IDs to the re-scored records' clusters, writes
// the night's outputs (the manifest last) and then the new generation.
func (t *tonightSet) finish(ctx context.Context, cfg *config.Config, out, stateDir string, night int, retrained, full bool, prev *generation, segments []string, start time.Time, fault func(string)) (*runfolder.Manifest, error) {
	run := t.sr.dir
	m := t.sr.m
	idsStart := time.Now()
	sKeys, rc, err := readClusters(filepath.Join(run, runfolder.FileClusters))
	if err != nil {
		return nil, err
	}
	var sIdx []int32 // the re-scored records, by key as sKeys
	for i, in := range t.inS {
		if in {
			sIdx = append(sIdx, int32(i))
		}
	}
	if len(sIdx) != len(sKeys) {
		return nil, fmt.Errorf("BUG: the night re-scored %d records, its run clustered %d", len(sIdx), len(sKeys))
	}
	for j, i := range sIdx {
		if t.keys[i] != sKeys[j] {
			return nil, fmt.Errorf("BUG: the night's run clustered another record than it was given")
		}
	}
	pairs, err := readAccepted(filepath.Join(run, runfolder.FilePairs), m.Threshold.MatchWeight)
	if err != nil {
		return nil, err
	}
	if int64(len(pairs)) != m.Pairs.Accepted {
		return nil, fmt.Errorf("pairs.parquet holds %d of the run's %d accepted pairs: --state needs output.pairs_min_weight at or below the threshold", len(pairs), m.Pairs.Accepted)
	}

	// The ID rules over the re-scored records, and last night's records
	// in play: theirs and those gone since.
	nprev := len(prev.records)
	present := make([]bool, nprev)
	for _, p := range t.prevOf {
		if p >= 0 {
			present[p] = true
		}
	}
	inPlay := make([]bool, nprev)
	stat := &runfolder.NightStat{Night: night, Generation: genName(night), Retrained: retrained, Full: full, Events: map[string]int64{},
		Region: t.region, Rescored: int64(len(sIdx))}
	for p := range inPlay {
		if !present[p] {
			inPlay[p] = true
			stat.Deleted++
		}
	}
	in := &tonight{night: night, keys: sKeys, pairs: pairs, reg: prev.reg}
	in.status = make([]uint8, len(sIdx))
	in.prev = make([]uint64, len(sIdx))
	for j, i := range sIdx {
		in.status[j] = t.status[i]
		if p := t.prevOf[i]; p >= 0 {
			in.prev[j] = prev.person[p]
			inPlay[p] = true
		}
	}
	for _, s := range t.status {
		switch s {
		case recNew:
			stat.New++
		case recChanged:
			stat.Changed++
		default:
			stat.Unchanged++
		}
	}
	for p, ok := range inPlay {
		if ok {
			in.prevKeys = append(in.prevKeys, prev.records[p])
			in.prevPerson = append(in.prevPerson, prev.person[p])
		}
	}
	for i, l := range prev.pairL {
		if r := prev.pairR[i]; inPlay[l] || inPlay[r] {
			in.prevPairs = append(in.prevPairs, Pair{prev.records[l], prev.records[r], prev.pairW[i]})
		}
	}
	var ordered []int32 // run cluster → cluster of in
	in.start, in.members, ordered = groupClusters(rc.of, len(rc.index))
	as, err := assign(in)
	if err != nil {
		return nil, err
	}
	person := make([]uint64, len(t.keys))
	for i, p := range t.prevOf {
		if !t.inS[i] {
			person[i] = prev.person[p]
		}
	}
	for c := 0; c < in.clusters(); c++ {
		for _, r := range in.cluster(c) {
			person[sIdx[r]] = as.person[c]
		}
	}
	touched := map[string]bool{}
	for _, ev := range as.events {
		stat.Events[ev.Kind]++
		if ev.Kind != EventRetired && ev.Kind != EventMergedInto {
			touched[ev.Person] = true
		}
	}
	stat.TouchedClusters = int64(len(touched))
	for _, p := range as.reg.Persons {
		if p.Status == StatusActive {
			stat.Persons++
		}
	}
	// Tonight's accepted pairs: last night's among records not re-scored
	// (still candidates, same weights), and the run's; by record index.
	tonightOf := make([]int32, nprev)
	for i, p := range t.prevOf {
		if p >= 0 {
			tonightOf[p] = int32(i)
		}
	}
	type ipair struct {
		l, r uint32
		w    float64
	}
	var all []ipair
	for i, l := range prev.pairL {
		if r := prev.pairR[i]; !inPlay[l] && !inPlay[r] {
			all = append(all, ipair{uint32(tonightOf[l]), uint32(tonightOf[r]), prev.pairW[i]})
		}
	}
	for _, p := range pairs {
		l, ok1 := slices.BinarySearchFunc(t.keys, p.Left, compareKeys)
		r, ok2 := slices.BinarySearchFunc(t.keys, p.Right, compareKeys)
		if !ok1 || !ok2 || l >= r {
			return nil, fmt.Errorf("BUG: an accepted pair of records the night does not hold")
		}
		all = append(all, ipair{uint32(l), uint32(r), p.Weight})
	}
	slices.SortFunc(all, func(a, b ipair) int {
		if c := cmp.Compare(a.l, b.l); c != 0 {
			return c
		}
		return cmp.Compare(a.r, b.r)
	})
	pairL, pairR, pairW := make([]uint32, len(all)), make([]uint32, len(all)), make([]float64, len(all))
	for i, p := range all {
		pairL[i], pairR[i], pairW[i] = p.l, p.r, p.w
	}

	// The night's outputs, the manifest last.
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create output folder: %w", err)
	}
	if err := pipeline.PrepareOutDir(out); err != nil {
		return nil, err
	}
	if err := moveFile(filepath.Join(run, runfolder.FilePairs), filepath.Join(out, runfolder.FilePairs)); err != nil {
		return nil, err
	}
	if full {
		err = moveFile(filepath.Join(run, runfolder.FileRejects), filepath.Join(out, runfolder.FileRejects))
	} else {
		err = t.writeRejects(cfg, filepath.Join(out, runfolder.FileRejects))
	}
	if err != nil {
		return nil, err
	}
	for _, f := range []string{runfolder.FileFreqs, runfolder.FileModel} {
		if _, err := os.Stat(filepath.Join(run, f)); err != nil {
			continue
		}
		if err := copyFile(filepath.Join(run, f), filepath.Join(out, f)); err != nil {
			return nil, err
		}
	}
	lookup := func(id string) (string, error) {
		c, ok := rc.index[id]
		if !ok {
			return "", errors.New("a cluster id that clusters.parquet does not hold")
		}
		return FormatPersonID(as.person[ordered[c]]), nil
	}
	// The two rewrites run side by side: each is one goroutine's decode
	// and encode of a whole table.
	tables := []string{runfolder.FileClusters, runfolder.FileGolden}
	errs := make([]error, len(tables))
	var wg sync.WaitGroup
	for i, f := range tables {
		wg.Go(func() {
			errs[i] = addPersonColumn(filepath.Join(run, f), filepath.Join(out, f), runfolder.ColClusterID, lookup)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	fault("outputs-partial")
	if err := writeChanges(filepath.Join(out, runfolder.FileChanges), as.events); err != nil {
		return nil, err
	}
	if full {
		m.Stages = append(t.stages[:1:1], m.Stages...)
	} else {
		t.countInputs(cfg, m)
		m.Stages = append(t.stages, runfolder.StageTiming{Name: "rescore", Seconds: m.WallSeconds})
	}
	m.RowsClustered = int64(len(t.keys))
	m.Night = stat
	m.Stages = append(m.Stages, runfolder.StageTiming{Name: "night", Seconds: time.Since(idsStart).Seconds()})
	m.WallSeconds = time.Since(start).Seconds()
	m.Outputs = append(m.Outputs, runfolder.FileChanges)
	if m.RowsIn != m.RowsClustered+m.RowsRejected {
		return nil, fmt.Errorf("BUG: night row accounting: %d in, %d records, %d rejected", m.RowsIn, m.RowsClustered, m.RowsRejected)
	}
	raw, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(out, runfolder.FileManifest), func(w io.Writer) error { _, err := w.Write(raw); return err }); err != nil {
		return nil, err
	}
	fault("outputs-written")

	// The new generation, then the switch.
	next := &generation{records: t.keys, hashes: t.hashes, person: person, loc: t.loc, keys: t.rules, pairL: pairL, pairR: pairR, pairW: pairW, reg: as.reg, capped: t.capped}
	next.meta = meta{Night: night, ConfigDigest: cfg.Digest(), Config: string(cfg.YAML()), Threshold: m.Threshold.MatchWeight}
	if err := next.write(stateDir, run, segments, fault); err != nil {
		return nil, err
	}
	return m, nil
}

// countInputs sets an incremental night's row counts from its scan (its
// runs read only some rows): every input file's rows and rejects.
func (t *tonightSet) countInputs(cfg *config.Config, m *runfolder.Manifest) {
	m.Inputs = nil
	m.RowsIn, m.RowsRejected = 0, int64(len(t.rejects))
	m.RejectReasons = map[string]int64{}
	rejected := make([]int64, len(t.scan.files))
	for _, r := range t.rejects {
		rejected[r.file]++
		m.RejectReasons[r.reason]++
	}
	for i, f := range t.scan.files {
		m.Inputs = append(m.Inputs, runfolder.InputStat{Source: cfg.Sources[f.Source].Name, File: f.Path, Rows: t.scan.rowsIn[i], Rejected: rejected[i]})
		m.RowsIn += t.scan.rowsIn[i]
	}
}

// writeRejects writes an incremental night's rejects.parquet.
func (t *tonightSet) writeRejects(cfg *config.Config, path string) error {
	return writeTable(path, runfolder.RejectsSchema, len(t.rejects), func(b *array.RecordBuilder, i int) {
		r := t.rejects[i]
		f := t.scan.files[r.file]
		b.Field(0).(*array.StringBuilder).Append(cfg.Sources[f.Source].Name)
		b.Field(1).(*array.StringBuilder).Append(f.Path)
		b.Field(2).(*array.Int64Builder).Append(r.row)
		b.Field(3).(*array.StringBuilder).Append(r.column)
		b.Field(4).(*array.StringBuilder).Append(r.reason)
	})
}
