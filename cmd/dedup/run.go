package main

import (
	"fmt"
	"io"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/state"
)

func init() {
	commands["run"] = command{
		summary:  "block, score, cluster and write golden records with evidence",
		synopsis: "dedup run [--config C] --out DIR [flags] [INPUT...]",
		run:      runRun,
	}
}

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run", stderr)
	cfgPath := fs.String("config", "", "job config (YAML); default: the embedded Vietnamese register config")
	out := fs.String("out", "", "output folder (required unless --plan)")
	workers := fs.Int("workers", 0, "worker goroutines (0: all cores)")
	batch := fs.Int("batch-size", 65536, "rows per input batch")
	model := fs.String("model", "", "reuse a trained model.json instead of training")
	plan := fs.Bool("plan", false, "print the candidate pairs per blocking rule and stop")
	verbose := fs.Bool("verbose", false, "print stage timings")
	quiet := fs.Bool("quiet", false, "no progress output")
	memory := fs.String("memory", "", "memory budget the run keeps under, e.g. 6GiB (default: a quarter of the machine's memory)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	spill := fs.String("spill", "auto", "keep the records on disk: auto (when they pass 60% of --memory), always or never")
	delimiter := fs.String("delimiter", "", "CSV field separator of every source (one character or \"tab\"; default: ',' or, from the header line, ';', tab or '|')")
	format := fs.String("format", "parquet", "format of the table outputs: parquet, or csv for people without Parquet tools (eval and report read either; explain reads Parquet)")
	stateDir := fs.String("state", "", "state folder of a nightly register: the first night writes it, each later night reads the previous generation, carries person IDs forward and writes the next (see README, nightly runs)")
	retrain := fs.Bool("retrain", false, "with --state: train a new model tonight instead of using the state's (re-scores every record)")
	full := fs.Bool("full", false, "with --state: re-read and re-score every record with the state's model instead of only what changed (a check, or to rewrite the state's raw segments whole)")
	changes := fs.Bool("changes", false, "with --state: INPUT holds only tonight's upserts (new records and new versions of stored ones), not a whole snapshot")
	deletes := fs.String("deletes", "", "with --changes: a table (record_id, and source when the config has several) of stored records to delete")
	spillDir := fs.String("spill-dir", "", "folder for the spill files (default: a hidden folder in --out); removed when the run ends")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *retrain && *stateDir == "" {
		return usagef("--retrain needs --state DIR")
	}
	if *full && *stateDir == "" {
		return usagef("--full needs --state DIR")
	}
	if *changes && *stateDir == "" {
		return usagef("--changes needs --state DIR")
	}
	if *deletes != "" && !*changes {
		return usagef("--deletes goes with --changes")
	}
	if *stateDir != "" && *plan {
		return usagef("--plan writes nothing: run it without --state")
	}
	if *out == "" && !*plan {
		return usagef("--out DIR is required (or --plan)")
	}
	if err := checkWorkers(*workers); err != nil {
		return err
	}
	if *batch <= 0 {
		return usagef("--batch-size %d: want a positive number of rows", *batch)
	}
	memLimit, restore, err := memoryBudget(*memory)
	if err != nil {
		return err
	}
	defer restore()
	if *format != "parquet" && *format != "csv" {
		return usagef("--format %q: want parquet or csv", *format)
	}
	spillMode, err := pipeline.ParseSpillMode(*spill)
	if err != nil {
		return usagef("--spill: %v", err)
	}
	cfg := config.Default()
	if *cfgPath != "" {
		var err error
		if cfg, err = config.Load(*cfgPath); err != nil {
			return err
		}
	}
	if *delimiter != "" {
		if _, err := config.ParseDelimiter(*delimiter); err != nil {
			return usagef("--delimiter: %v", err)
		}
		for i := range cfg.Sources {
			cfg.Sources[i].Delimiter = *delimiter
		}
	}
	ctx, done, outcome, err := startJob(*cpuProfile)
	if err != nil {
		return err
	}
	defer done()
	opt := pipeline.Options{
		OutDir: *out, Inputs: fs.Args(), Workers: *workers, BatchSize: *batch,
		ModelPath: *model, Plan: *plan, MemoryLimit: memLimit, Progress: progress.Options{Out: stderr, Quiet: *quiet},
		Warn: stderr, Spill: spillMode, SpillDir: *spillDir, CSV: *format == "csv",
	}
	if *verbose || *plan {
		opt.Log = stderr
	}
	var m *runfolder.Manifest
	if *stateDir != "" {
		m, err = state.Run(ctx, cfg, opt, state.Options{Dir: *stateDir, Retrain: *retrain, Full: *full, Changes: *changes, Deletes: *deletes})
	} else {
		m, err = pipeline.Run(ctx, cfg, opt)
	}
	if err != nil {
		return outcome(err)
	}
	if *plan {
		return nil
	}
	fmt.Fprintf(stdout, "rows in %d: clustered %d, rejected %d; %d candidate pairs, %d accepted; %d clusters (%d golden records) in %.1fs\n",
		m.RowsIn, m.RowsClustered, m.RowsRejected, m.Pairs.Candidates, m.Pairs.Accepted, m.Clusters.Clusters, m.Clusters.Golden, m.WallSeconds)
	if n := m.Night; n != nil {
		fmt.Fprintf(stdout, "night %d: records new %d, changed %d, unchanged %d, deleted %d; %d persons, events %v\n",
			n.Night, n.New, n.Changed, n.Unchanged, n.Deleted, n.Persons, n.Events)
	}
	return nil
}
