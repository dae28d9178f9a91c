package main

import (
	"io"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/explain"
)

func init() {
	commands["explain"] = command{
		summary:  "why two records were (or were not) merged: the match-weight waterfall",
		synopsis: "dedup explain --run DIR [--config C] [--json] LEFT_ID RIGHT_ID",
		run:      runExplain,
	}
}

func runExplain(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("explain", stderr)
	var opt explain.Options
	fs.StringVar(&opt.RunDir, "run", "", "dedup run output `folder` (required)")
	cfgPath := fs.String("config", "", "the run's job config `file` (YAML); default: the embedded Vietnamese register config")
	fs.BoolVar(&opt.ShowPII, "show-pii", false, "show ID and phone numbers in full (names, dates and addresses are always shown)")
	fs.BoolVar(&opt.ScanTF, "tf-scan", false, "count term frequencies over the inputs even for a pair in pairs.parquet")
	jsonOut := fs.Bool("json", false, "write JSON instead of text")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if opt.RunDir == "" {
		return usagef("--run DIR is required")
	}
	if fs.NArg() != 2 {
		return usagef("want two record ids, got %d arguments", fs.NArg())
	}
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		opt.Config = cfg
	}
	e, err := explain.Explain(opt, fs.Arg(0), fs.Arg(1))
	if err != nil {
		return err
	}
	if *jsonOut {
		return e.WriteJSON(stdout)
	}
	return e.WriteText(stdout)
}
