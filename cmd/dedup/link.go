package main

import (
	"fmt"
	"io"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/link"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/runfolder"
)

func init() {
	commands["link"] = command{
		summary:  "link sector tables to the persons of a nightly register's state",
		synopsis: "dedup link --register STATE --config C --out DIR NAME=PATH...",
		run:      runLink,
	}
}

func runLink(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("link", stderr)
	register := fs.String("register", "", "the state folder of the nightly `dedup run --state` to link against (required)")
	cfgPath := fs.String("config", "", "link config (mode: link; its source without an input is the register), e.g. `dedup config bhxh` (required)")
	out := fs.String("out", "", "output folder: links.parquet, rejects.parquet, model.json, manifest.json (required)")
	workers := fs.Int("workers", 0, "worker goroutines (0: all cores)")
	model := fs.String("model", "", "score with this model.json instead of training one on the sector's blocks")
	verbose := fs.Bool("verbose", false, "print stage timings")
	quiet := fs.Bool("quiet", false, "no progress output")
	memory := fs.String("memory", "", "memory budget the link keeps under, e.g. 6GiB (default: a quarter of the machine's memory)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to this file")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *register == "" || *cfgPath == "" || *out == "" {
		return usagef("--register, --config and --out are required")
	}
	if fs.NArg() == 0 {
		return usagef("give the sector tables to link as NAME=PATH")
	}
	if err := checkWorkers(*workers); err != nil {
		return err
	}
	memLimit, restore, err := memoryBudget(*memory)
	if err != nil {
		return err
	}
	defer restore()
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return err
	}
	ctx, done, outcome, err := startJob(*cpuProfile)
	if err != nil {
		return err
	}
	defer done()
	opt := link.Options{Register: *register, Pipeline: pipeline.Options{
		OutDir: *out, Inputs: fs.Args(), Workers: *workers, ModelPath: *model, MemoryLimit: memLimit,
		Progress: progress.Options{Out: stderr, Quiet: *quiet}, Warn: stderr,
	}}
	if *verbose {
		opt.Pipeline.Log = stderr
	}
	m, err := link.Run(ctx, cfg, opt)
	if err != nil {
		return outcome(err)
	}
	v := m.Link.Verdicts
	fmt.Fprintf(stdout, "rows in %d: linked %d, ambiguous %d, not_found %d, rejected %d; %d of %d register records were candidates; in %.1fs\n",
		m.RowsIn, v[runfolder.VerdictLinked], v[runfolder.VerdictAmbiguous], v[runfolder.VerdictNotFound], m.RowsRejected,
		m.Link.Candidates, m.Link.Records, m.WallSeconds)
	return nil
}
