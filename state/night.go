package state

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/runfolder"
)

// Options are a night's state settings; the run's own are pipeline.Options.
type Options struct {
	Dir     string // the state folder (--state)
	Retrain bool   // train a new model instead of the state's (--retrain)
	// fault, if set, is called at each step that a kill could interrupt
	// (tests kill the process there).
	fault func(point string)
}

// Run is one night of `dedup run --state DIR`: on an empty state a full run
// that writes the first generation; later, a run over tonight's full
// snapshot with the state's model (frozen unless Retrain), whose clusters
// get person IDs carried from the previous generation by the ID rules.
// The outputs (popt.OutDir) are written whole before the state switches to
// the new generation, so a night killed at any point leaves the previous
// generation in place, and its rerun gives the same outputs and state.
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
	files, err := pipeline.InputFiles(cfg, popt.Inputs, popt.OutDir)
	if err != nil {
		return nil, err
	}
	digest := cfg.Digest()
	prev, err := load(opt.Dir, digest)
	if err != nil {
		return nil, err
	}
	if err := cleanStale(opt.Dir, prev); err != nil {
		return nil, err
	}
	night, retrained := 1, true
	if prev != nil {
		night = prev.meta.Night + 1
		if popt.ModelPath != "" {
			return nil, errors.New("--model with a state that has a model: the state's model is used (--retrain trains a new one)")
		}
		if !opt.Retrain {
			popt.ModelPath = filepath.Join(prev.dir, fileModel)
			retrained = false
		}
	} else {
		prev = &generation{}
		retrained = popt.ModelPath == ""
	}

	// The run itself, into the state's work folder.
	work := filepath.Join(opt.Dir, workDir)
	defer os.RemoveAll(work) // on error too: it holds a whole run's outputs
	out := popt.OutDir
	popt.OutDir = filepath.Join(work, "run")
	m, err := pipeline.Run(ctx, cfg, popt)
	if err != nil {
		return nil, err
	}
	nightStart := time.Now()
	// The run's garbage goes back before the night's own tables are read,
	// so that the night's peak memory is the run's.
	debug.FreeOSMemory()
	// Last night's tables are read beside tonight's clusters and hashes.
	var prevErr error
	var prevRead sync.WaitGroup
	prevRead.Go(func() {
		if prev.dir != "" {
			prevErr = prev.readTables(opt.Dir)
		}
	})
	defer prevRead.Wait() // never leave it running
	fault("after-run")
	run := popt.OutDir

	// Tonight's records and clusters, their content hashes, the diff.
	keys, rc, err := readClusters(filepath.Join(run, runfolder.FileClusters))
	if err != nil {
		return nil, err
	}
	hashes, err := contentHashes(ctx, cfg, files, keys)
	if err != nil {
		return nil, err
	}
	pairs, err := readAccepted(filepath.Join(run, runfolder.FilePairs), m.Threshold.MatchWeight)
	if err != nil {
		return nil, err
	}
	if int64(len(pairs)) != m.Pairs.Accepted {
		return nil, fmt.Errorf("pairs.parquet holds %d of the run's %d accepted pairs: --state needs output.pairs_min_weight at or below the threshold", len(pairs), m.Pairs.Accepted)
	}
	prevRead.Wait()
	if prevErr != nil {
		return nil, prevErr
	}
	in := &tonight{night: night, keys: keys, pairs: pairs, prevKeys: prev.records, prevPerson: prev.person, prevPairs: prev.pairs, reg: prev.reg}
	stat := &runfolder.NightStat{Night: night, Generation: genName(night), Retrained: retrained, Events: map[string]int64{}}
	in.status = make([]uint8, len(keys))
	in.prev = make([]uint64, len(keys))
	j := 0
	for i, k := range keys {
		for j < len(prev.records) && compareKeys(prev.records[j], k) < 0 {
			j++
			stat.Deleted++
		}
		switch {
		case j < len(prev.records) && prev.records[j] == k:
			in.prev[i] = prev.person[j]
			if prev.hashes[j] == hashes[i] {
				in.status[i] = recUnchanged
				stat.Unchanged++
			} else {
				in.status[i] = recChanged
				stat.Changed++
			}
			j++
		default:
			in.status[i] = recNew
			stat.New++
		}
	}
	stat.Deleted += int64(len(prev.records) - j)
	var ordered []int32 // run cluster → cluster of in
	in.start, in.members, ordered = groupClusters(rc.of, len(rc.index))
	as, err := assign(in)
	if err != nil {
		return nil, err
	}
	person := make([]uint64, len(keys))
	for c := 0; c < in.clusters(); c++ {
		for _, r := range in.cluster(c) {
			person[r] = as.person[c]
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

	// The night's outputs, the manifest last.
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create output folder: %w", err)
	}
	if err := pipeline.PrepareOutDir(out); err != nil {
		return nil, err
	}
	for _, f := range []string{runfolder.FilePairs, runfolder.FileRejects} {
		if err := moveFile(filepath.Join(run, f), filepath.Join(out, f)); err != nil {
			return nil, err
		}
	}
	if err := copyFile(filepath.Join(run, runfolder.FileModel), filepath.Join(out, runfolder.FileModel)); err != nil {
		return nil, err
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
	m.Night = stat
	// The night's own work (diff, IDs, outputs) is a stage of its own; the
	// state's write after the manifest is not in it.
	took := time.Since(nightStart).Seconds()
	m.Stages = append(m.Stages, runfolder.StageTiming{Name: "night", Seconds: took})
	m.WallSeconds += took
	m.Outputs = append(m.Outputs, runfolder.FileChanges)
	raw, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(out, runfolder.FileManifest), func(w io.Writer) error { _, err := w.Write(raw); return err }); err != nil {
		return nil, err
	}
	fault("outputs-written")

	// The new generation, then the switch.
	next := &generation{records: keys, hashes: hashes, person: person, pairs: pairs, reg: as.reg}
	next.meta = meta{Night: night, ConfigDigest: digest, Threshold: m.Threshold.MatchWeight}
	if err := next.write(opt.Dir, filepath.Join(run, runfolder.FileModel), fault); err != nil {
		return nil, err
	}
	return m, nil
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

// contentHashes is, per record of keys, a hash of its input row: the
// record id and every column the config's fields read, in a fixed order.
// A record id that occurs twice (the run rejected both rows) is not among
// keys; a row the reader rejected is not hashed.
func contentHashes(ctx context.Context, cfg *config.Config, files []pipeline.InputFile, keys []Key) ([]uint64, error) {
	out := make([]uint64, len(keys))
	found := make([]bool, len(keys))
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src := cfg.Sources[f.Source]
		// The run's own projection of the file (its source's column
		// mapping), so the hash covers exactly the cells the run read.
		r, err := dataio.Open(f.Path, dataio.ReadOptions{Columns: f.Columns, AsStrings: true, Delimiter: src.DelimiterRune(), Encoding: src.Encoding, OnReject: func(dataio.Reject) {}})
		if err != nil {
			return nil, err
		}
		for r.Next() {
			rec := r.Batch()
			arrs := stringColumns(rec)
			for i := 0; i < int(rec.NumRows()); i++ {
				at, ok := slices.BinarySearchFunc(keys, Key{src.Name, arrs[0].Value(i)}, compareKeys)
				if !ok {
					continue
				}
				h := blocking.NewHasher()
				for _, a := range arrs {
					if a.IsValid(i) {
						h = h.Uint64(1).String(a.Value(i))
					} else {
						h = h.Uint64(0)
					}
				}
				out[at], found[at] = h.Sum(), true
			}
		}
		err = r.Err()
		r.Close()
		if err != nil {
			return nil, err
		}
	}
	for i, ok := range found {
		if !ok {
			return nil, fmt.Errorf("BUG: the %d-th record of source %s was clustered but not found in the inputs", i+1, keys[i].Source)
		}
	}
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
