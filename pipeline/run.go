// Package pipeline runs `dedup run`: it reads the input extracts, normalizes
// them into a columnar store, blocks, compares and scores candidate pairs
// with a Fellegi-Sunter model, clusters the accepted pairs and writes the
// clusters, the scored pairs with their evidence, the golden records, the
// rejects and a manifest. Every stage is a function of the inputs and the
// config: the output bytes do not depend on the number of workers.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/cluster"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/store"
)

// Options are the run's settings that are not part of the job config.
type Options struct {
	OutDir    string
	Inputs    []string // INPUT arguments; empty means the config's sources
	Workers   int      // default runtime.GOMAXPROCS(0)
	BatchSize int      // rows per input batch; default 64k
	ModelPath string   // a trained model to reuse instead of training
	// MemoryLimit is the run's memory budget in bytes (--memory); 0 means
	// DefaultMemoryLimit. The run fits its store, spill and partitions to
	// it; keeping the heap under it is the process's part (a library does
	// not set the process-wide GC limit): cmd/dedup sets
	// debug.SetMemoryLimit(sysmem.HeapLimit(budget)) before calling Run.
	MemoryLimit int64
	// Spill says when the records go to disk (default SpillAuto); SpillDir
	// is where (default: a hidden folder in OutDir).
	Spill    SpillMode
	SpillDir string
	// CSV writes clusters, pairs, golden and rejects as CSV (clusters.csv
	// ...) instead of Parquet, for people without Parquet tools: a list
	// cell is its values joined by ';', a date ISO text. eval, report
	// and explain read the Parquet outputs.
	CSV bool
	// FreezeFrequencies writes the term-frequency tables the run counted
	// beside its model (model.freq, named in model.json), so that a later
	// run with this model weighs by them: the nightly state's frozen
	// model. A model loaded with its own tables always keeps them.
	FreezeFrequencies bool
	// Frequencies, when set and the model brings no tables of its own,
	// are the term-frequency tables the run weighs by (and trains with),
	// by comparison name, instead of counting its own records': `dedup
	// link` scores a sector against the register's frequencies, not
	// those of the few register records it reads. A term-frequency
	// comparison without a table here is an error.
	Frequencies map[string]*linkage.FreqTable
	// NoGolden writes no golden.parquet: `dedup link` reads only the
	// pairs and the clusters of its run.
	NoGolden bool
	// BlockingKeys, when set, receives in the block stage each blocking
	// rule's key (then each blocking.link_rules', as rules
	// len(rules)...) of every record (0: no key, or a record rejected
	// as a duplicate id), with each record's input file (an index into
	// the files in InputFiles order) and 1-based data row. The slices are
	// the run's: valid only during the call.
	BlockingKeys func(rule int, files []uint16, rows []int64, keys []uint64) error
	// spillPartitionRows, when set, replaces the partition size the memory
	// budget gives (tests: many partitions from a small register).
	spillPartitionRows int
	Plan               bool      // only print the blocking plan
	Log                io.Writer // stage timings and plan; nil = quiet
	// Warn receives warnings as they happen (also kept in the manifest);
	// nil: the manifest only.
	Warn     io.Writer
	Progress progress.Options
}

// runner carries one run's state between stages.
type runner struct {
	cfg    *config.Config
	opt    Options
	files  []inputFile
	inputs []runfolder.InputStat
	// set is the records, in memory or spilled, from the end of load;
	// st holds the columns every stage reads by row (in memory: all of
	// them, the store set reads).
	set store.Set
	st  *store.Store
	// schema is the fields' names and kinds, as the store knows them.
	schema store.Schema
	// spill is set once load starts spilling (it then is the set).
	spill     *store.Spilled
	spilling  atomic.Bool // spill is set: load's workers encode batches for it
	dropped   []bool      // rows rejected after loading (duplicate ids)
	secondary []uint64    // sort key of capped blocks
	rejects   *rejectSink
	rowsIn    int64
	progress  *progress.Reporter
	timer     stageTimer
	manifest  runfolder.Manifest
}

func (r *runner) logf(format string, args ...any) {
	if r.opt.Log != nil {
		fmt.Fprintf(r.opt.Log, format+"\n", args...)
	}
}

// warnf records a warning in the manifest and writes it to Options.Warn.
// Warnings never name a person's values.
func (r *runner) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.manifest.Warnings = append(r.manifest.Warnings, msg)
	if r.opt.Warn != nil {
		fmt.Fprintf(r.opt.Warn, "dedup run: warning: %s\n", msg)
	}
}

// errTooFewRecords stops a run that has nothing to link, often because
// every row was rejected.
var errTooFewRecords = errors.New("fewer than two usable records: nothing to link")

func (r *runner) addReject(rj rejectRow) {
	r.rejects.add(rj)
	r.inputs[rj.file].Rejected++
}

// Run executes a whole `dedup run`. On error no output file is left half
// written: every output is published by rename only when complete.
func Run(ctx context.Context, cfg *config.Config, opt Options) (*runfolder.Manifest, error) {
	m, err := run(ctx, cfg, opt)
	return m, canceled(ctx, err)
}

func run(ctx context.Context, cfg *config.Config, opt Options) (*runfolder.Manifest, error) {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.BatchSize <= 0 {
		opt.BatchSize = 64 * 1024
	}
	if opt.MemoryLimit <= 0 {
		opt.MemoryLimit = DefaultMemoryLimit()
	}
	start := time.Now()
	r := &runner{cfg: cfg, opt: opt, schema: store.SchemaOf(cfg.Fields)}
	r.timer.log = r.logf
	var err error
	outDir := opt.OutDir
	if opt.Plan {
		outDir = "" // --plan writes nothing
	}
	if r.files, err = resolveInputs(cfg, opt.Inputs, outDir); err != nil {
		return nil, err
	}
	for _, f := range r.files {
		r.inputs = append(r.inputs, runfolder.InputStat{Source: cfg.Sources[f.source].Name, File: f.path})
	}
	if len(r.files) > 1<<16-1 {
		return nil, fmt.Errorf("%d input files: at most 65535", len(r.files))
	}
	if !opt.Plan {
		if err := os.MkdirAll(opt.OutDir, 0o700); err != nil {
			return nil, fmt.Errorf("cannot create output folder: %w", err)
		}
		// A killed run leaves temporaries and perhaps an old manifest:
		// clear them, so a manifest only stands beside a whole set.
		if err := PrepareOutDir(opt.OutDir); err != nil {
			return nil, err
		}
	}
	out := newOutputs(opt.OutDir, opt.Plan)
	out.csv = opt.CSV
	defer out.abort()
	if r.rejects, err = out.rejectSink(r); err != nil {
		return nil, err
	}

	// Spill files go on success, error and Ctrl-C alike (a canceled
	// context ends the run through here).
	defer func() { r.spill.Remove() }()

	r.timer.begin("read+normalize")
	r.progress = progress.New("normalize", r.inputRows(), opt.Progress)
	err = r.load(ctx)
	r.progress.Done()
	if err != nil {
		if errors.Is(err, dataio.ErrNotUTF8) {
			err = out.keepRejects(r, err)
		}
		return nil, err
	}
	r.logf("loaded %d records from %d files (%d rejected); record store %d MiB of a %d MiB budget",
		r.st.N, len(r.files), r.rejects.count, r.st.MemBytes()>>20, opt.MemoryLimit>>20)

	r.timer.begin("block")
	cands, err := r.block(ctx)
	if err != nil {
		return nil, err
	}
	if opt.Plan {
		stats, err := cands.plan(opt.Workers)
		if err != nil {
			return nil, err
		}
		r.timer.end()
		for _, s := range stats {
			r.logf("%s", s.String())
		}
		r.manifest.Blocking = ruleStats(stats)
		return &r.manifest, nil
	}

	r.timer.begin("train")
	// The training and scoring stages report the pairs they compare (no
	// total: samples are drawn by block, and a pair an earlier rule found
	// is not counted again, so neither count is known ahead).
	r.progress = progress.New("train: pairs compared", 0, opt.Progress)
	sc, err := r.newScorer(ctx, cands)
	r.progress.Done()
	if err != nil {
		if errors.Is(err, errTooFewRecords) {
			err = out.keepRejects(r, err)
		}
		return nil, err
	}
	if err := out.writeModel(sc.model); err != nil {
		return nil, err
	}

	r.timer.begin("score")
	pw, err := out.pairsWriter(r, sc)
	if err != nil {
		return nil, err
	}
	acc := &acceptedEdges{}
	r.progress = progress.New("score: candidate pairs", 0, opt.Progress)
	err = cands.score(ctx, sc, pw, acc)
	r.progress.Done()
	stats := cands.stats()
	if err == nil {
		err = pw.flush()
	}
	if err != nil {
		return nil, err
	}

	rulePairs := sc.rulePairs
	threshold := sc.threshold
	cands, r.secondary = nil, nil // blocking's, no longer read

	r.timer.begin("cluster")
	// The cannot-link evidence is read, and the pairs inside components
	// scored, before the name keys are let go.
	in := &clusterInput{acc: acc, ids: acc.clusterKeys(r.st.IDKey)}
	in.conflict, err = r.cannotLinkTest(ctx, acc, r.st.IDKey)
	if err != nil {
		return nil, err
	}
	if in.stable, err = r.stableKeys(ctx); err != nil {
		return nil, err
	}
	if cl := cfg.Cluster.CannotLink.NationalID; cl != nil && !*cl {
		in.ids = nil
	}
	comps, err := r.components(in)
	if err != nil {
		return nil, err
	}
	var res *cluster.Result
	if cfg.Cluster.Method == config.ClusterComponents {
		if res, err = r.clusterComponents(in, nil); err != nil {
			return nil, err
		}
		r.manifest.Pairs.CannotLinkRejected = res.Stats.Rejected
		if in.conflict != nil {
			splits := map[string]int64{}
			for why := cluster.ReasonGivenName; why <= cluster.ReasonGender; why++ {
				splits[why.String()] = res.Stats.Splits[why]
			}
			r.manifest.Pairs.CannotLinkSplits = splits
			r.manifest.Pairs.CannotLinkUnchecked = res.Stats.Unchecked
		}
	} else {
		if res, r.manifest.Linkage, err = r.clusterAverage(ctx, sc, in, comps); err != nil {
			return nil, err
		}
		r.manifest.Pairs.CannotLinkRejected = r.manifest.Linkage.CannotLinkPairs[cluster.ReasonNationalID.String()] + r.manifest.Linkage.FallbackRejected
	}
	evidence := buildClusterEvidence(res, comps, acc)
	in, acc, comps = nil, nil, nil
	// What only blocking and scoring read is let go before the last
	// stages, so that the write stage's buffers fit the memory budget.
	sc = nil
	r.st.ReleaseForOutput()

	r.timer.begin("write")
	if err := out.writeResults(ctx, r, res, evidence); err != nil {
		return nil, err
	}
	r.manifest.Blocking = ruleStats(stats)
	for i := range r.manifest.Blocking {
		r.manifest.Blocking[i].Pairs = rulePairs[i]
	}
	r.timer.end()

	m := &r.manifest
	m.Tool = "dedup"
	m.ConfigDigest = cfg.Digest()
	m.Mode = cfg.Mode
	m.Workers = opt.Workers
	m.MemoryBudgetBytes = opt.MemoryLimit
	m.Inputs = r.inputs
	m.RowsIn = r.rowsIn
	m.RowsRejected = r.rejects.count
	m.RejectReasons = r.rejects.reasons
	m.Threshold = runfolder.ThresholdInfo{MatchWeight: threshold, MatchProbability: linkage.Probability(threshold)}
	m.Stages = r.timer.stages
	m.WallSeconds = time.Since(start).Seconds()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.PeakHeapBytes = ms.HeapSys
	if m.RowsIn != m.RowsClustered+m.RowsRejected {
		return nil, fmt.Errorf("BUG: row accounting: %d in, %d clustered, %d rejected", m.RowsIn, m.RowsClustered, m.RowsRejected)
	}
	if err := out.commit(m); err != nil {
		return nil, err
	}
	return m, nil
}

func ruleStats(stats []blocking.RuleStats) []runfolder.RuleStat {
	out := make([]runfolder.RuleStat, len(stats))
	for i, s := range stats {
		var largest []int64
		for _, b := range s.Largest {
			largest = append(largest, int64(b.Size))
		}
		out[i] = runfolder.RuleStat{
			Name: s.Name, KeyedRecords: int64(s.Records), Blocks: int64(s.Blocks), LargestBlocks: largest,
			NaivePairs: s.NaivePairs, Pairs: s.Pairs, CappedBlocks: int64(s.CappedBlocks), CappedRecords: s.CappedRecords,
		}
	}
	return out
}

// stableKeys gives each record a key that does not depend on run order:
// the hash of its source name and record id. Cluster ids derive from it.
func (r *runner) stableKeys(ctx context.Context) ([]uint64, error) {
	keys := make([]uint64, r.set.Len())
	err := r.set.Scan(ctx, store.Groups(r.schema, true), func(first int, st *store.Store) error {
		for i := 0; i < st.N; i++ {
			keys[first+i] = stableKey(r.cfg.Sources[st.Source[i]].Name, st.RecordID.Get(int32(i)))
		}
		return nil
	}, nil)
	return keys, err
}

// stableKey is the hash of a record's source name and id.
func stableKey(source string, id []byte) uint64 {
	return blocking.NewHasher().String(source).Bytes(id).Sum()
}

// errCanceled reports a run stopped by its context (SIGINT, SIGTERM).
var errCanceled = errors.New("run canceled")

// outputPath is the final path of an output file.
func outputPath(dir, name string) string { return filepath.Join(dir, name) }

// inputRows is the number of rows the inputs hold, for the normalize
// stage's progress total (dataio.CountRows: Parquet and Arrow IPC footers
// and batch headers, a CSV's line ends); 0 (unknown) as soon as one input
// cannot be counted.
func (r *runner) inputRows() int64 {
	var total int64
	for _, f := range r.files {
		n, known := dataio.CountRows(f.path)
		if !known {
			return 0
		}
		total += n
	}
	return total
}
