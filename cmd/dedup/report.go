package main

import (
	"fmt"
	"io"

	"github.com/dedup-vn/dedup/report"
)

func init() {
	commands["report"] = command{
		summary:  "one self-contained HTML page on a run (and its eval, verify)",
		synopsis: "dedup report --run DIR [--eval EVAL.json] [--verify DIR] [--html FILE]",
		run:      runReport,
	}
}

func runReport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("report", stderr)
	var opt report.Options
	fs.StringVar(&opt.RunDir, "run", "", "dedup run output `folder` (required)")
	fs.StringVar(&opt.EvalPath, "eval", "", "`file` written by dedup eval --json: adds the evaluation section")
	fs.StringVar(&opt.VerifyDir, "verify", "", "dedup verify output `folder` (default: look in --run)")
	fs.StringVar(&opt.Title, "title", "", "page title")
	fs.BoolVar(&opt.ShowPII, "show-pii", false, "show ID and phone numbers in full (default: last 3 digits)")
	out := fs.String("html", "report.html", "output `file`")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if opt.RunDir == "" {
		return usagef("--run DIR is required")
	}
	if err := report.Write(*out, opt); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s\n", *out)
	return nil
}
