package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/runfolder"
)

// Options are a night's state settings; the run's own are pipeline.Options.
type Options struct {
	Dir     string // the state folder (--state)
	Retrain bool   // train a new model instead of the state's (--retrain)
	// Full re-reads and re-scores every record with the state's model
	// (--full), as the first night does: the check that an incremental
	// night gives the clusters a full run gives, and the way to rewrite
	// the raw segments whole.
	Full bool
	// Changes says the inputs hold only tonight's upserts (new records
	// and new versions of stored ones), not a snapshot; Deletes, if set,
	// is a table of stored record ids to remove (changes.go).
	Changes bool
	Deletes string
	// fault, if set, is called at each step that a kill could interrupt
	// (tests kill the process there).
	fault func(point string)
}

// Run is one night of `dedup run --state DIR`. On an empty state (and
// with --retrain or --full) it is a full run that writes the state; on a
// later night it diffs tonight's snapshot against the state, normalizes
// the new and changed rows, and re-scores and re-clusters only the records
// they can affect (the region that shares a blocking key with a new,
// changed or deleted record, and the components it touches), with the
// state's model and term frequencies, frozen; everyone else keeps their
// clusters and person IDs. The clusters are those of a full run over the
// snapshot with the state's model (ARCHITECTURE.md, "The living
// register"). The outputs (popt.OutDir) are written whole before the
// state switches to the new generation, so a night killed at any point
// leaves the previous generation in place, and its rerun gives the same
// outputs and state.
func Run(ctx context.Context, cfg *config.Config, popt pipeline.Options, opt Options) (*runfolder.Manifest, error) {
	fault := opt.fault
	if fault == nil {
		fault = func(string) {}
	}
	if opt.Dir == "" {
		return nil, errors.New("no state folder")
	}
	if popt.Plan {
		return nil, errors.New("--plan with --state: a plan writes nothing; run it without --state")
	}
	if popt.CSV {
		return nil, errors.New("--format csv with --state: a night's outputs are Parquet (the state reads them back)")
	}
	if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the state folder: %w", err)
	}
	if abs, err := filepath.Abs(popt.OutDir); err == nil {
		if sd, err := filepath.Abs(opt.Dir); err == nil && (abs == sd || isBelow(abs, sd)) {
			return nil, fmt.Errorf("--out %s lies inside the state folder %s: give another folder", popt.OutDir, opt.Dir)
		}
	}
	unlock, err := lock(opt.Dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// The inputs, listed before the run: --out must not lie inside one.
	// A change night may have no upserts (only deletes).
	var files []pipeline.InputFile
	if !opt.Changes || len(popt.Inputs) > 0 {
		var err error
		if files, err = pipeline.InputFiles(cfg, popt.Inputs, popt.OutDir); err != nil {
			return nil, err
		}
	}
	if opt.Deletes != "" && !opt.Changes {
		return nil, errors.New("a deletes table goes with --changes (a snapshot night deletes what the snapshot lacks)")
	}
	digest := cfg.Digest()
	prev, err := load(opt.Dir, digest)
	if err != nil {
		return nil, err
	}
	if err := cleanStale(opt.Dir, prev); err != nil {
		return nil, err
	}
	if prev == nil && opt.Changes {
		return nil, errors.New("the first night on a state reads the whole register: give it a snapshot, not changes")
	}
	start := time.Now()
	if popt.Workers <= 0 {
		popt.Workers = runtime.GOMAXPROCS(0)
	}
	night, full := 1, true
	if prev != nil {
		night = prev.meta.Night + 1
		if popt.ModelPath != "" {
			return nil, errors.New("--model with a state that has a model: the state's model is used (--retrain trains a new one)")
		}
		if err := prev.readTables(opt.Dir); err != nil {
			return nil, err
		}
		if len(prev.keys) != len(cfg.Blocking.AllRules()) {
			return nil, damaged(opt.Dir, "generation %s holds keys of %d blocking rules, the config has %d", filepath.Base(prev.dir), len(prev.keys), len(cfg.Blocking.AllRules()))
		}
		full = opt.Retrain || opt.Full
		if full && opt.Changes {
			return nil, errors.New("--retrain and --full read tonight's whole snapshot, not changes")
		}
		if !opt.Retrain {
			popt.ModelPath = filepath.Join(prev.dir, fileModel)
		}
	}
	retrained := popt.ModelPath == ""
	popt.FreezeFrequencies = true

	work := filepath.Join(opt.Dir, workDir)
	if err := os.RemoveAll(work); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the state's work folder: %w", err)
	}
	defer os.RemoveAll(work) // on error too: it holds a whole run's outputs

	// Tonight's input, read once: the diff, and the cells of every row
	// not stored already (a full night stores them all afresh).
	var segments []string
	if !full {
		segments = prev.segmentPaths()
	}
	segPath := filepath.Join(work, rawName(night))
	seg, err := createRaw(segPath)
	if err != nil {
		return nil, err
	}
	scanStart := time.Now()
	var scan *inputScan
	if opt.Changes {
		scan, err = readChanges(ctx, cfg, files, opt.Deletes, prev, seg, uint32(len(segments)), popt.Workers)
	} else {
		scan, err = readSnapshot(ctx, cfg, files, prev, seg, uint32(len(segments)), full, popt.Workers)
	}
	if err == nil {
		_, err = seg.close()
	} else {
		seg.abort()
	}
	if err != nil {
		return nil, err
	}
	segments = append(segments, segPath)
	rr, err := openRaw(segments)
	if err != nil {
		return nil, err
	}
	defer rr.close()
	fault("after-scan")

	var t *tonightSet
	if full {
		t, err = fullNight(ctx, cfg, popt, work, scan, prev)
	} else {
		t, err = incrementalNight(ctx, cfg, popt, work, scan, prev, rr)
	}
	if err != nil {
		return nil, err
	}
	t.stages = append([]runfolder.StageTiming{{Name: "read+diff", Seconds: time.Since(scanStart).Seconds() - t.seconds}}, t.stages...)
	fault("after-run")
	if prev == nil {
		prev = &generation{}
	}
	return t.finish(ctx, cfg, popt.OutDir, opt.Dir, night, retrained, full, prev, segments, start, fault)
}

// cleanStale removes what a killed night left in the state folder. With no
// pointer yet (a first night that never finished), everything of ours goes.
func cleanStale(dir string, prev *generation) error {
	if prev != nil {
		return clean(dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cannot read the state folder: %w", err)
	}
	for _, e := range entries {
		n := e.Name()
		if n == workDir || len(n) > len(genPrefix) && n[:len(genPrefix)] == genPrefix {
			if err := os.RemoveAll(filepath.Join(dir, n)); err != nil {
				return err
			}
		}
	}
	return nil
}

func isBelow(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != "." && !filepath.IsAbs(rel) && rel != ".." && !startsDotDot(rel)
}

func startsDotDot(rel string) bool {
	return len(rel) >= 3 && rel[:3] == ".."+string(filepath.Separator)
}

// runClusters is a run's clusters.parquet: index numbers the run's
// cluster ids in first-seen order, of[r] is the cluster of record r (by
// index into the sorted keys).
type runClusters struct {
	index map[string]int32
	of    []int32
}

// readClusters reads a run's clusters.parquet: its records sorted by key,
// and their clusters.
func readClusters(path string) ([]Key, *runClusters, error) {
	type row struct {
		k Key
		c int32
	}
	var rows []row
	rc := &runClusters{index: map[string]int32{}}
	in := interner{}
	err := dataio.EachRow(path, []string{runfolder.ColSource, runfolder.ColRecordID, runfolder.ColClusterID}, func(v []string) error {
		c, ok := rc.index[v[2]]
		if !ok {
			c = int32(len(rc.index))
			rc.index[strings.Clone(v[2])] = c
		}
		rows = append(rows, row{in.keyOf(v[0], v[1]), c})
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(rows, func(a, b row) int { return compareKeys(a.k, b.k) })
	keys := make([]Key, len(rows))
	rc.of = make([]int32, len(rows))
	for i, r := range rows {
		if i > 0 && keys[i-1] == r.k {
			return nil, nil, fmt.Errorf("%s: a record id of source %s appears twice", path, r.k.Source)
		}
		keys[i], rc.of[i] = r.k, r.c
	}
	return keys, rc, nil
}

// groupClusters lays out each cluster's records (CSR: cluster c holds
// members[start[c]:start[c+1]], ascending), clusters ordered by their first
// record; ordered maps a run cluster to its place.
func groupClusters(of []int32, n int) (start, members, ordered []int32) {
	ordered = make([]int32, n)
	for i := range ordered {
		ordered[i] = -1
	}
	count := make([]int32, 0, n)
	next := int32(0)
	for _, c := range of {
		if ordered[c] < 0 {
			ordered[c] = next
			next++
			count = append(count, 0)
		}
		count[ordered[c]]++
	}
	start = make([]int32, len(count)+1)
	for c, k := range count {
		start[c+1] = start[c] + k
	}
	fill := slices.Clone(start[:len(count)])
	members = make([]int32, len(of))
	for r, c := range of {
		o := ordered[c]
		members[fill[o]] = int32(r)
		fill[o]++
	}
	return start, members, ordered
}

// readAccepted reads the pairs of a run's pairs.parquet at or above the
// threshold, each with its smaller key on the left, sorted.
func readAccepted(path string, threshold float64) ([]Pair, error) {
	var out []Pair
	in := interner{}
	cols := []string{runfolder.ColLeftSource, runfolder.ColLeftID, runfolder.ColRightSource, runfolder.ColRightID, runfolder.ColMatchWeight}
	var parseErr error
	err := dataio.EachRow(path, cols, func(v []string) error {
		var w float64
		if _, err := fmt.Sscan(v[4], &w); err != nil {
			parseErr = fmt.Errorf("%s: match_weight is not a number", path)
			return parseErr
		}
		if w < threshold {
			return nil
		}
		p := Pair{in.keyOf(v[0], v[1]), in.keyOf(v[2], v[3]), w}
		if compareKeys(p.Left, p.Right) > 0 {
			p.Left, p.Right = p.Right, p.Left
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, comparePairs)
	return out, nil
}

// writeChanges writes changes.parquet: one row per event.
func writeChanges(path string, events []Event) error {
	return writeTable(path, runfolder.ChangesSchema, len(events), func(b *array.RecordBuilder, i int) {
		ev := events[i]
		b.Field(0).(*array.StringBuilder).Append(ev.Person)
		b.Field(1).(*array.StringBuilder).Append(ev.Kind)
		b.Field(2).(*array.StringBuilder).Append(ev.Other)
		list := func(f int, n int, val func(j int) string) {
			lb := b.Field(f).(*array.ListBuilder)
			lb.Append(true)
			vb := lb.ValueBuilder().(*array.StringBuilder)
			for j := 0; j < n; j++ {
				vb.Append(val(j))
			}
		}
		list(3, len(ev.Records), func(j int) string { return ev.Records[j].ID })
		list(4, len(ev.Records), func(j int) string { return ev.Records[j].Source })
		list(5, len(ev.Pairs), func(j int) string { return ev.Pairs[j].Left.ID })
		list(6, len(ev.Pairs), func(j int) string { return ev.Pairs[j].Right.ID })
		lb := b.Field(7).(*array.ListBuilder)
		lb.Append(true)
		vb := lb.ValueBuilder().(*array.Float64Builder)
		for _, p := range ev.Pairs {
			vb.Append(p.Weight)
		}
	})
}
