// Package link links the rows of sector tables (social insurance, vehicle
// registrations, passports) to the persons of the population register as
// a nightly run's state holds it (`dedup link --register STATE`).
//
// A link never re-reads the register's inputs. It runs the pipeline's
// load and block stages over the sector rows alone to get their blocking
// keys, finds in the state the register records sharing a key with them
// (the records a link run over the whole register would block with them),
// writes those records' stored input cells to a temporary table, and runs
// the pipeline in link mode over that table and the sector tables: the
// sector's comparisons are scored with a model trained on those blocks
// (or --model), names weighed by the register's term frequencies (the
// state's). Each sector row then takes, per register person, its best
// pair, and its verdict: linked, ambiguous or not_found (decide).
// Only the candidate register records are normalized again, from the
// stored cells: the state keeps input cells, not normalized records.
package link

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/state"
)

// Options are a link's settings beside its config.
type Options struct {
	Register string // the state folder of the nightly run (--register)
	// Pipeline holds the run settings (OutDir, Inputs: the sector tables
	// as NAME=PATH, Workers, MemoryLimit, ModelPath, Log, Progress).
	Pipeline pipeline.Options
}

// workName is the folder inside the output folder a link works in,
// removed when it ends.
const workName = ".link-work"

// Run links the sector tables in opt.Pipeline.Inputs to the register in
// the state opt.Register and writes links.parquet, rejects.parquet, the
// model it scored with and the manifest into opt.Pipeline.OutDir.
func Run(ctx context.Context, cfg *config.Config, opt Options) (*runfolder.Manifest, error) {
	start := time.Now()
	popt := opt.Pipeline
	if cfg.Mode != config.ModeLink {
		return nil, fmt.Errorf("dedup link needs a config in link mode (mode: link), this one is %s", cfg.Mode)
	}
	if popt.Plan || popt.CSV {
		return nil, errors.New("dedup link writes Parquet and has no plan")
	}
	regSrc, args, err := splitSources(cfg, popt.Inputs)
	if err != nil {
		return nil, err
	}
	t := time.Now()
	reg, err := state.Open(opt.Register)
	if err != nil {
		return nil, err
	}
	defer reg.Close()
	if err := checkCompatible(reg.Config(), cfg, regSrc); err != nil {
		return nil, fmt.Errorf("state %s: %w", opt.Register, err)
	}
	out := popt.OutDir
	if err := os.MkdirAll(out, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create output folder: %w", err)
	}
	if err := pipeline.PrepareOutDir(out); err != nil {
		return nil, err
	}
	work := filepath.Join(out, workName)
	if err := os.RemoveAll(work); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(work, 0o700); err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	logf := func(format string, a ...any) {
		if popt.Log != nil {
			fmt.Fprintf(popt.Log, format+"\n", a...)
		}
	}

	logf("stage open state: %.1fs", time.Since(t).Seconds())
	t = time.Now()
	used := make([]bool, len(reg.Config().Blocking.AllRules()))
	for _, rule := range cfg.Blocking.Rules {
		used[nightRule(reg.Config(), rule)] = true
	}
	keys, err := sectorKeys(ctx, cfg, reg.Config(), used, regSrc, popt, args)
	if err != nil {
		return nil, err
	}
	logf("stage sector keys: %.1fs", time.Since(t).Seconds())
	t = time.Now()
	workers := popt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	cands := candidates(reg, keys, workers)
	keys = nil
	regPath := filepath.Join(work, "register.arrow")
	if err := writeRegister(reg, cfg, regSrc, cands, regPath, workers); err != nil {
		return nil, err
	}
	logf("stage register candidates: %d of %d records in %.1fs", len(cands), reg.Len(), time.Since(t).Seconds())

	runDir := filepath.Join(work, "run")
	sub := popt
	sub.OutDir = runDir
	sub.NoGolden = true
	if sub.Frequencies, err = registerFrequencies(reg, cfg); err != nil {
		return nil, err
	}
	sub.Inputs = append([]string{cfg.Sources[regSrc].Name + "=" + regPath}, args...)
	// The verdicts read the pairs, never the clusters: the run clusters
	// by components, the cheapest way.
	rc := *cfg
	rc.Cluster.Method = config.ClusterComponents
	m, err := pipeline.Run(ctx, &rc, sub)
	if err != nil {
		return nil, err
	}
	t = time.Now()
	margin := cfg.Link.AmbiguityMargin
	if margin == 0 {
		margin = config.DefaultAmbiguityMargin
	}
	d, err := decideRun(runDir, cfg, regSrc, reg, stateIndex, m.Threshold.MatchWeight, margin)
	if err != nil {
		return nil, err
	}
	stat := &runfolder.LinkStat{State: opt.Register, Night: reg.Night(), Records: int64(reg.Len()), Candidates: int64(len(cands)),
		AmbiguityMargin: margin, OnePerPerson: d.onePerPerson, Verdicts: map[string]int64{}}
	for _, v := range runfolder.LinkVerdicts {
		stat.Verdicts[v] = 0
	}
	for _, v := range d.verdicts {
		stat.Verdicts[v.verdict]++
	}
	if err := writeLinks(filepath.Join(out, runfolder.FileLinks), d.comps, d.rows, d.verdicts, d.pairs); err != nil {
		return nil, err
	}
	logf("stage verdicts: %.1fs", time.Since(t).Seconds())

	// The run's rejects are the sector's (the register's stored records
	// were all accepted by their night), and its model is the link's.
	outputs := []string{runfolder.FileLinks}
	for _, f := range []string{runfolder.FileRejects, runfolder.FileModel, runfolder.FileFreqs} {
		if _, err := os.Stat(filepath.Join(runDir, f)); err == nil {
			if err := os.Rename(filepath.Join(runDir, f), filepath.Join(out, f)); err != nil {
				return nil, err
			}
			outputs = append(outputs, f)
		}
	}
	man := linkManifest(m, cfg, regSrc, stat, outputs, start)
	raw, err := man.Marshal()
	if err != nil {
		return nil, err
	}
	if err := dataio.WriteFileAtomic(filepath.Join(out, runfolder.FileManifest), raw); err != nil {
		return nil, err
	}
	return man, nil
}

// decided is what a link run's folder decides.
type decided struct {
	rows         *sectorRows
	verdicts     []verdict
	pairs        *pairsRead
	comps        []string
	onePerPerson []string // the sources decided one to one
}

// decideRun reads the sector rows and pairs of the link-mode run in runDir
// (recordOf maps a register id of the run to its state record, -1: none)
// and decides every row's verdict, source by source (one_per_person is a
// source's).
func decideRun(runDir string, cfg *config.Config, regSrc int, reg *state.Register, recordOf func(string) int32, threshold, margin float64) (*decided, error) {
	names := make([]string, len(cfg.Sources))
	for i, s := range cfg.Sources {
		names[i] = s.Name
	}
	rows, err := readSectorRows(filepath.Join(runDir, runfolder.FileClusters), cfg.Sources[regSrc].Name, names)
	if err != nil {
		return nil, err
	}
	d := &decided{rows: rows, verdicts: make([]verdict, len(rows.ids)), comps: make([]string, len(cfg.Comparisons))}
	for i, c := range cfg.Comparisons {
		d.comps[i] = c.Name
	}
	if d.pairs, err = readPairs(filepath.Join(runDir, runfolder.FilePairs), cfg.Sources[regSrc].Name, d.comps, rows, reg, recordOf); err != nil {
		return nil, err
	}
	claims := bestPerPerson(d.pairs.claims)
	for s := range cfg.Sources {
		lo, hi := rows.span(s)
		if lo == hi {
			continue
		}
		one := cfg.Sources[s].OnePerPerson
		if one {
			d.onePerPerson = append(d.onePerPerson, cfg.Sources[s].Name)
		}
		copy(d.verdicts[lo:hi], decide(int(hi-lo), claimsOf(claims, lo, hi), threshold, margin, one))
	}
	return d, nil
}

// stateIndex is the state record a register id of the link's run names:
// writeRegister writes each record's index as its id.
func stateIndex(id string) int32 {
	i, err := strconv.ParseInt(id, 10, 32)
	if err != nil {
		return -1
	}
	return int32(i)
}

// registerFrequencies is the state's term-frequency tables of the
// config's term-frequency comparisons: a sector row's name is as rare as
// it is in the whole register, not among the few register records the
// link reads.
func registerFrequencies(reg *state.Register, cfg *config.Config) (map[string]*linkage.FreqTable, error) {
	m, err := linkage.LoadModel(reg.ModelPath())
	if err != nil {
		return nil, err
	}
	out := map[string]*linkage.FreqTable{}
	for _, c := range cfg.Comparisons {
		if !c.TermFrequency {
			continue
		}
		t := m.Freqs[c.Name]
		if t == nil {
			return nil, fmt.Errorf("comparison %s weighs by term frequency, but the state's model keeps no frequencies of a comparison of that name: "+
				"name it as the nights' config does, or drop term_frequency", c.Name)
		}
		out[c.Name] = t
	}
	return out, nil
}

// splitSources finds the config's register source, the one source the
// inputs do not name, and checks that every input names a sector source.
func splitSources(cfg *config.Config, inputs []string) (int, []string, error) {
	named := make([]bool, len(cfg.Sources))
	for _, a := range inputs {
		name, _, ok := strings.Cut(a, "=")
		i := slices.IndexFunc(cfg.Sources, func(s config.Source) bool { return s.Name == name })
		if !ok || i < 0 {
			return 0, nil, fmt.Errorf("input %q: name the sector source it belongs to (NAME=PATH, a source of the config)", a)
		}
		named[i] = true
	}
	reg := -1
	for i, n := range named {
		if !n {
			if reg >= 0 {
				return 0, nil, fmt.Errorf("sources %s and %s have no input: give each sector table as NAME=PATH; the one source without an input is the register", cfg.Sources[reg].Name, cfg.Sources[i].Name)
			}
			reg = i
		}
	}
	if reg < 0 {
		return 0, nil, errors.New("every source of the config has an input: leave the register's source without one (it comes from --register)")
	}
	return reg, inputs, nil
}

// linkManifest is the link's manifest: the sub-run's, with its counts
// narrowed to the sector rows.
func linkManifest(m *runfolder.Manifest, cfg *config.Config, regSrc int, stat *runfolder.LinkStat, outputs []string, start time.Time) *runfolder.Manifest {
	man := *m
	man.Tool = "dedup link"
	man.ConfigDigest = cfg.Digest()
	man.Inputs = nil
	man.RowsIn, man.RowsClustered = 0, 0
	for _, in := range m.Inputs {
		if in.Source == cfg.Sources[regSrc].Name {
			continue
		}
		man.Inputs = append(man.Inputs, in)
		man.RowsIn += in.Rows
	}
	for _, n := range stat.Verdicts {
		man.RowsClustered += n
	}
	man.Clusters = runfolder.ClusterStats{}
	man.Linkage = nil
	man.Outputs = append(outputs, runfolder.FileManifest)
	man.WallSeconds = time.Since(start).Seconds()
	man.Link = stat
	return &man
}

// claimsOf is the claims of rows lo..hi (claims sorted by row), renumbered
// from 0.
func claimsOf(cs []claim, lo, hi int32) []claim {
	a, _ := slices.BinarySearchFunc(cs, lo, func(c claim, r int32) int { return cmp.Compare(c.row, r) })
	b, _ := slices.BinarySearchFunc(cs, hi, func(c claim, r int32) int { return cmp.Compare(c.row, r) })
	own := slices.Clone(cs[a:b])
	for i := range own {
		own[i].row -= lo
	}
	return own
}
