package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/pipeline"
)

func init() {
	commands["config"] = command{
		summary:  "print an embedded config (default, febrl, bhxh, vehicles, passports) or check one (check FILE [NAME=PATH...])",
		synopsis: "dedup config default|febrl|bhxh|vehicles|passports|check FILE [NAME=PATH...]",
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
	case fs.NArg() == 1 && config.SectorYAML(fs.Arg(0)) != nil:
		_, err := stdout.Write(config.SectorYAML(fs.Arg(0)))
		return err
	case fs.NArg() >= 2 && fs.Arg(0) == "check":
		c, err := config.Load(fs.Arg(1))
		if err != nil {
			return err
		}
		// The sources' files, when the config or the arguments give
		// some: each must have the columns its source reads.
		n, err := pipeline.CheckSources(c, fs.Args()[2:])
		if err != nil {
			return err
		}
		files := ""
		if n > 0 {
			files = fmt.Sprintf(", %d input files have its columns", n)
		}
		fmt.Fprintf(stdout, "%s: ok (%d fields, %d blocking rules, %d comparisons, digest %s%s)\n",
			fs.Arg(1), len(c.Fields), len(c.Blocking.Rules), len(c.Comparisons), c.Digest()[:12], files)
		return nil
	}
	return usagef("want default, febrl, %s or check FILE [NAME=PATH...]", strings.Join(config.SectorNames(), ", "))
}
