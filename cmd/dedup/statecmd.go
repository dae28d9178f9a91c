package main

import (
	"fmt"
	"io"

	"github.com/dedup-vn/dedup/state"
)

func init() {
	commands["lookup"] = command{
		summary:  "write a nightly state's whole register (record → person_id) as a folder eval reads",
		synopsis: "dedup lookup --state DIR --out DIR",
		run:      runLookup,
	}
}

// runLookup writes the record → person ID table of a state's current
// generation: the register a night's outputs (its changes) apply to.
func runLookup(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("lookup", stderr)
	stateDir := fs.String("state", "", "the state folder of `dedup run --state`")
	out := fs.String("out", "", "the folder to write: clusters.parquet (source, record_id, cluster_id = person_id, person_id) and manifest.json")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if *stateDir == "" || *out == "" {
		return usagef("--state and --out are required")
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	n, err := state.WriteRegister(*stateDir, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d records written to %s\n", n, *out)
	return nil
}
