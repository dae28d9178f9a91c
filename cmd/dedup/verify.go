package main

import (
	"io"
	"runtime/debug"
	"strings"

	"github.com/dedup-vn/dedup/internal/sysmem"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/verify"
)

func init() {
	commands["verify"] = command{
		summary:  "check SIM-subscriber lists against a population register",
		synopsis: "dedup verify --register PATH --subscribers PATH --out DIR [flags]",
		run:      runVerify,
	}
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", stderr)
	var opts verify.Options
	var reg, subs listFlag
	fs.Var(&reg, "register", "population register `path`: raw extracts (files or folders), a dedup run golden.parquet, or a nightly run's state folder (dedup run --state; alone, with the run's --config) (repeatable)")
	fs.Var(&subs, "subscribers", "carrier subscriber lists `path`: files or folders (repeatable)")
	fs.StringVar(&opts.OutDir, "out", "", "output `folder`")
	cfgPath := fs.String("config", "", "job config `file` whose verify section sets limits, columns and reference year")
	perCarrier := fs.Int("max-per-carrier", 0, "SIM limit per ID per network (rule R1; default 3 from refdata.SIMRules; negative: off)")
	total := fs.Int("max-total", 0, "SIM limit per ID in total (rule R6, low confidence; default 10; negative: off)")
	fs.IntVar(&opts.Workers, "workers", 0, "worker goroutines (0: all cores)")
	quiet := fs.Bool("quiet", false, "no progress lines")
	memory := fs.String("memory", "", "memory budget verify keeps under, e.g. 6GiB (default: a quarter of the machine's memory)")
	spill := fs.String("spill", "auto", "keep the register on disk and take the subscriptions in partitions: auto (when the register would pass 60% of --memory), always or never")
	fs.StringVar(&opts.SpillDir, "spill-dir", "", "folder for the spill files (default: a hidden folder in --out); removed when verify ends")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (go tool pprof) to this `file`")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if len(reg) == 0 || len(subs) == 0 || opts.OutDir == "" {
		return usagef("--register, --subscribers and --out are required")
	}
	err := checkWorkers(opts.Workers)
	if err != nil {
		return err
	}
	if opts.MemoryLimit, err = memoryFlag(*memory); err != nil {
		return err
	}
	if opts.MemoryLimit == 0 {
		opts.MemoryLimit = verify.DefaultMemoryLimit()
	}
	spillMode, err := pipeline.ParseSpillMode(*spill)
	if err != nil {
		return usagef("--spill: %v", err)
	}
	opts.ForceSpill, opts.NoSpill = spillMode == pipeline.SpillAlways, spillMode == pipeline.SpillNever
	// The garbage collector keeps the process under the budget, as in
	// dedup run.
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(sysmem.HeapLimit(opts.MemoryLimit)))
	opts.Register, opts.Subscribers = reg, subs
	opts.Config = verify.DefaultConfig()
	if *cfgPath != "" {
		c, err := verify.LoadConfig(*cfgPath)
		if err != nil {
			return err
		}
		opts.Config = c
	}
	if *perCarrier != 0 {
		opts.Config.MaxPerCarrier = *perCarrier
	}
	if *total != 0 {
		opts.Config.MaxTotal = *total
	}
	opts.Progress = !*quiet
	ctx, done, outcome, err := startJob(*cpuProfile)
	if err != nil {
		return err
	}
	defer done()
	m, err := verify.Run(ctx, opts)
	err = outcome(err)
	if err != nil {
		return err
	}
	return verify.SummaryOf(m).WriteTable(stdout)
}
