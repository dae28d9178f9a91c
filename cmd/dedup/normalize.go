package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/dedup-vn/dedup/cleanse"
	"github.com/dedup-vn/dedup/config"
)

func init() {
	commands["normalize"] = command{
		summary:  "normalize one table: names, dates, genders, IDs, phones, addresses, quality flags",
		synopsis: "dedup normalize INPUT --out OUTPUT [--config C | --columns role=column,...] [--ref-year YYYY]",
		run:      runNormalize,
	}
}

// runNormalize parses dedup normalize's flags; package cleanse does the work.
func runNormalize(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("normalize", stderr)
	out := fs.String("out", "", "output `table` (.parquet, .csv or .arrow; required)")
	cfgPath := fs.String("config", "", "job config (YAML) whose fields map the input columns, as for dedup run; default: the embedded config")
	cols := fs.String("columns", "", "role=column,... to map the default config to another schema; roles: "+strings.Join(cleanse.Roles, ", "))
	refYear := fs.Int("ref-year", 0, "reference year for two-digit years and future birth dates (0: none; with --config, default the config's reference_year)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	workers := fs.Int("workers", 0, "worker goroutines (0: all cores); the output is the same for any number")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() != 1:
		return usagef("want one INPUT table, got %d arguments", fs.NArg())
	case *out == "":
		return usagef("--out OUTPUT is required")
	case *cfgPath != "" && *cols != "":
		return usagef("--config and --columns together: map the columns in the config")
	case *refYear != 0 && (*refYear < 1900 || *refYear > 2200):
		return usagef("--ref-year %d: want a year from 1900 to 2200 (or 0: none)", *refYear)
	}
	if err := checkWorkers(*workers); err != nil {
		return err
	}
	in := fs.Arg(0)
	refSet := false
	fs.Visit(func(f *flag.Flag) { refSet = refSet || f.Name == "ref-year" })
	var m cleanse.Mapping
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		m = cleanse.ConfigMapping(cfg)
		if !refSet {
			*refYear = cfg.ReferenceYear
		}
	} else {
		var err error
		if m, err = cleanse.DefaultMapping(*cols); err != nil {
			return usagef("--columns: %v", err)
		}
	}
	ctx, done, outcome, err := startJob("")
	if err != nil {
		return err
	}
	defer done()
	man, err := cleanse.Table(ctx, in, *out, cleanse.Options{Mapping: m, RefYear: *refYear, Workers: *workers, Quiet: *quiet})
	err = outcome(err)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rows in %d: normalized %d, rejected %d; output %s, rejects %s\n", man.RowsIn, man.RowsOut, man.RowsRejected, *out, man.Rejects)
	return nil
}
