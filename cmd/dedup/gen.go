package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/dedup-vn/dedup/gen"
)

func init() {
	commands["gen"] = command{
		summary:  "synthetic Vietnamese registers with ground truth",
		synopsis: "dedup gen --out DIR [--people N] [--seed S] [--profile clean|default|dirty|noids|twins] [--format parquet|csv] [--nights K [--night-rate R]] [--sectors bhxh,vehicles,passports]",
		run:      runGen,
	}
}

func runGen(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gen", stderr)
	var o gen.Options
	fs.Int64Var(&o.People, "people", 100000, "number of distinct persons")
	fs.Uint64Var(&o.Seed, "seed", 1, "random seed: the same seed and options give the same bytes")
	fs.StringVar(&o.OutDir, "out", "", "output `folder` (required)")
	fs.StringVar(&o.Profile, "profile", "default", "error rates: clean, default, dirty; noids (no ID or phone), twins (many hard negatives)")
	fs.IntVar(&o.Workers, "workers", 2, "generating goroutines (does not change the output)")
	fs.StringVar(&o.Format, "format", "parquet", "file format: parquet or csv")
	fs.BoolVar(&o.Quiet, "quiet", false, "no progress on stderr")
	fs.IntVar(&o.Nights, "nights", 0, "also write K nightly snapshots into DIR/nights/1..K")
	fs.Float64Var(&o.NightRate, "night-rate", gen.DefaultNightRate, "events per person per night (births, deaths, moves, corrections…)")
	sectors := fs.String("sectors", "", "also write these sector `tables` (bhxh, vehicles, passports or all) with their truth")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usagef("unexpected argument %q: gen takes flags only", fs.Arg(0))
	case o.OutDir == "":
		return usagef("--out DIR is required")
	case o.People <= 0:
		return usagef("--people %d: want a positive number of persons", o.People)
	case o.Workers <= 0:
		return usagef("--workers %d: want 1 or more", o.Workers)
	case o.Format != "parquet" && o.Format != "csv":
		return usagef("--format %q: want parquet or csv", o.Format)
	case o.Nights < 0:
		return usagef("--nights %d: want 0 or more", o.Nights)
	case !(o.NightRate > 0 && o.NightRate <= 0.05):
		return usagef("--night-rate %g: want more than 0 and at most 0.05", o.NightRate)
	}
	var err error
	if o.Sectors, err = gen.ParseSectors(*sectors); err != nil {
		return usagef("--sectors: %v", err)
	}
	if _, err := gen.GetProfile(o.Profile); err != nil {
		return usagef("--profile: %v", err)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// The generator keeps about 250 MiB live (one row group's buffer
		// per output file); a soft limit stops the GC from doubling it.
		debug.SetMemoryLimit(600 << 20)
	}
	ctx, done, outcome, err := startJob("")
	if err != nil {
		return err
	}
	defer done()
	m, err := gen.Generate(ctx, o)
	if err != nil {
		return outcome(err)
	}
	fmt.Fprintf(stdout, "wrote %d persons: %d population records in %d files, %d subscriptions, to %s\n",
		m.People, m.Records, len(m.Files), m.Subscriptions, o.OutDir)
	if m.Nights > 0 {
		fmt.Fprintf(stdout, "wrote nights 1..%d into %s\n", m.Nights, filepath.Join(o.OutDir, "nights"))
	}
	return nil
}
