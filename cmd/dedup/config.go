package main

import (
	"fmt"
	"io"

	"github.com/dedup-vn/dedup/config"
)

func init() {
	commands["config"] = command{
		summary:  "print an embedded config (default, febrl) or check one (check FILE)",
		synopsis: "dedup config default|febrl|check FILE",
		run:      runConfig,
	}
}

func runConfig(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("config", stderr)
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	switch {
	case fs.NArg() == 1 && fs.Arg(0) == "default":
		_, err := stdout.Write(config.DefaultYAML())
		return err
	case fs.NArg() == 1 && fs.Arg(0) == "febrl":
		_, err := stdout.Write(config.FEBRLYAML())
		return err
	case fs.NArg() == 2 && fs.Arg(0) == "check":
		c, err := config.Load(fs.Arg(1))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: ok (%d fields, %d blocking rules, %d comparisons, digest %s)\n",
			fs.Arg(1), len(c.Fields), len(c.Blocking.Rules), len(c.Comparisons), c.Digest()[:12])
		return nil
	}
	return usagef("want default, febrl or check FILE")
}
