package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"

	"github.com/dedup-vn/dedup/gen"
)

func init() {
	commands["gen"] = command{summary: "synthetic Vietnamese registers with ground truth", run: runGen}
}

func runGen(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gen", stderr)
	var o gen.Options
	fs.Int64Var(&o.People, "people", 100000, "number of distinct persons")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed: the same seed and options give the same bytes")
	fs.StringVar(&o.OutDir, "out", "", "output folder (required)")
	fs.StringVar(&o.Profile, "profile", "default", "error rates: clean, default or dirty")
	fs.IntVar(&o.Workers, "workers", 2, "generating goroutines (does not change the output)")
	fs.StringVar(&o.Format, "format", "parquet", "file format: parquet or csv")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.OutDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "dedup gen: --out DIR is required and no positional arguments are taken")
		return errUsage
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The generator keeps about 250 MiB live (one row group's buffer
		// per output file); a soft limit stops the GC from doubling it.
		debug.SetMemoryLimit(600 << 20)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	m, err := gen.Generate(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d persons: %d population records in %d files, %d subscriptions, to %s\n",
		m.People, m.Records, len(m.Files), m.Subscriptions, o.OutDir)
	return nil
}
