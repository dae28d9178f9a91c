package main

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/eval"
)

func init() {
	commands["eval"] = command{
		summary:  "precision and recall of a run against a truth",
		synopsis: "dedup eval --truth FILE (--run DIR [--previous DIR] | --verdicts FILE | --links FILE) [flags]",
		run:      runEval,
	}
}

func runEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("eval", stderr)
	var opts eval.Options
	fs.StringVar(&opts.Truth, "truth", "", "truth `file`: dedup gen's truth, any table with id and entity columns, or a FEBRL file")
	fs.StringVar(&opts.RunDir, "run", "", "dedup run output `folder`")
	fs.StringVar(&opts.TruthID, "truth-id", "record_id", "truth record id `column`")
	fs.StringVar(&opts.TruthEntity, "truth-entity", "person_id", "truth entity id `column`")
	febrl := fs.String("febrl", "auto", "entity from FEBRL rec ids (rec-N-org, rec-N-dup-K): auto, true or false")
	threshold := fs.String("threshold", "", "match-weight threshold for pair-level figures (default: the run manifest's)")
	fs.Float64Var(&opts.SweepStep, "sweep-step", 1, "match-weight step of the threshold sweep")
	fs.IntVar(&opts.Samples, "samples", 10, "worst FP and FN pairs to show (negative: none)")
	fs.StringVar(&opts.Verdicts, "verdicts", "", "link mode: table of (subscription_id, verdict); --truth is then the subscriber truth")
	fs.StringVar(&opts.Previous, "previous", "", "the previous night's run `folder`: report the share of unchanged persons that kept their ID")
	fs.StringVar(&opts.Events, "events", "", "the night's events `file` for --previous (default: events.parquet beside --truth, as dedup gen --nights writes it)")
	fs.StringVar(&opts.Links, "links", "", "sector links (record_id, verdict, person_id); --truth is then the sector truth (truth/sectors/NAME)")
	fs.StringVar(&opts.PersonMap, "person-map", "", "with --links: table (person_id, truth_person_id) from the links' person ids to the truth's")
	fs.StringVar(&opts.RegisterRun, "register-run", "", "with --links, instead of --person-map: a `folder` naming each register record's person_id (dedup lookup --state writes one)")
	fs.StringVar(&opts.RegisterTruth, "register-truth", "", "with --register-run: the register's truth `file` (record_id, person_id)")
	jsonOut := fs.String("json", "", "also write the JSON report to `file` ('-' for stdout instead of the table)")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if (opts.RegisterRun == "") != (opts.RegisterTruth == "") || opts.RegisterRun != "" && (opts.Links == "" || opts.PersonMap != "") {
		return usagef("--register-run and --register-truth go together, with --links and without --person-map")
	}
	if opts.Truth == "" || (opts.RunDir == "" && opts.Verdicts == "" && opts.Links == "") {
		return usagef("--truth and --run (or --verdicts, or --links) are required")
	}
	switch *febrl {
	case "auto":
		opts.FEBRL = eval.FEBRLAuto
	case "true", "1", "yes":
		opts.FEBRL = eval.FEBRLOn
	case "false", "0", "no":
		opts.FEBRL = eval.FEBRLOff
	default:
		return usagef("--febrl %q: want auto, true or false", *febrl)
	}
	if *threshold != "" {
		w, err := strconv.ParseFloat(*threshold, 64)
		if err != nil || math.IsNaN(w) {
			return usagef("--threshold %q: not a number", *threshold)
		}
		opts.Threshold = &w
	}
	if opts.Samples == 0 {
		opts.Samples = -1 // 0 on the command line means none; eval's zero means default
	}
	rep, err := eval.Run(opts)
	if err != nil {
		return err
	}
	switch *jsonOut {
	case "":
		return rep.WriteTable(stdout)
	case "-":
		return rep.WriteJSON(stdout)
	}
	if err := writeJSONReport(*jsonOut, rep); err != nil {
		return err
	}
	return rep.WriteTable(stdout)
}

func writeJSONReport(path string, rep *eval.Report) error {
	var buf bytes.Buffer
	if err := rep.WriteJSON(&buf); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return dataio.WriteFileAtomic(path, buf.Bytes())
}
