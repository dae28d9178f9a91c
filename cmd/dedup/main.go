// Command dedup cleans, deduplicates and links person registers.
//
//	dedup gen       synthetic Vietnamese registers with ground truth
//	dedup normalize normalize one table (names, addresses, phones, dates, IDs)
//	dedup run       block, score, cluster and write golden records
//	dedup eval      precision and recall of a run against a truth
//
// Each subcommand parses its own flags; the work is done by the packages.
// Every subcommand follows the same conventions: flags and positional
// arguments in any order, `--help` prints to stdout and exits 0, a bad
// command line (an unknown flag, a bad flag value, a missing argument)
// says why on stderr and exits 2, a failed job exits 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand: it parses args and does the work.
type command struct {
	summary string
	// synopsis is the usage line after "usage: ", e.g.
	// "dedup run [flags] --out DIR [INPUT...]".
	synopsis string
	run      func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

// errUsage marks a bad command line whose reason has been printed.
var errUsage = errors.New("usage")

// errHelpShown marks a --help that was answered: exit 0.
var errHelpShown = errors.New("help shown")

// usageError is a bad command line: mainWithExit prints the reason and the
// command's usage line on stderr and exits 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// usagef reports a bad command line.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

func main() {
	os.Exit(mainWithExit(os.Args[1:], os.Stdout, os.Stderr))
}

func mainWithExit(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "dedup: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	err := cmd.run(args[1:], stdout, stderr)
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "dedup %s: %s\n", args[0], ue.msg)
		shortUsage(stderr, args[0])
		return 2
	case errors.Is(err, errUsage) || errors.Is(err, flag.ErrHelp):
		return 2
	}
	fmt.Fprintf(stderr, "dedup %s: %v\n", args[0], err)
	return 1
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: dedup COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'dedup COMMAND --help' for a command's flags; 'dedup --version' for the version.")
}

// versionLine is the module version and VCS revision the binary was
// built from, as far as the build recorded them.
func versionLine() string {
	v, rev, dirty := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	line := "dedup " + v
	if rev != "" {
		line += " " + rev[:min(12, len(rev))]
		if dirty {
			line += "+dirty"
		}
	}
	return line
}

// synopsisOf is the command's usage line.
func synopsisOf(name string) string {
	if s := commands[name].synopsis; s != "" {
		return s
	}
	return "dedup " + name + " [flags]"
}

// shortUsage is what follows a command-line error: the usage line and
// where to find the rest.
func shortUsage(w io.Writer, name string) {
	fmt.Fprintf(w, "usage: %s\nRun 'dedup %s --help' for its flags.\n", synopsisOf(name), name)
}

// newFlagSet returns a flag set that reports errors instead of exiting;
// name is the subcommand (its synopsis comes from its command entry).
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("dedup "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { shortUsage(fs.Output(), name) }
	return fs
}

// parseFlags parses args with flags and positional arguments in any order
// (`dedup run INPUT --out DIR` is `dedup run --out DIR INPUT`; after "--"
// every argument is positional). --help prints the command's usage and
// flags to stdout (errHelpShown); a bad flag is errUsage, its reason
// printed by the flag package.
func parseFlags(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	flags, positional, help := splitArgs(fs, args)
	if help {
		longUsage(fs, stdout)
		return errHelpShown
	}
	if err := fs.Parse(append(append(flags, "--"), positional...)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelpShown
		}
		return errUsage
	}
	return nil
}

// longUsage prints the command's synopsis, summary and flags.
func longUsage(fs *flag.FlagSet, w io.Writer) {
	name := strings.TrimPrefix(fs.Name(), "dedup ")
	fmt.Fprintf(w, "usage: %s\n\n%s\n\nflags:\n", synopsisOf(name), commands[name].summary)
	out := fs.Output()
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(out)
}

// splitArgs separates flags (with their values) from positional arguments,
// so that they may come in any order. A flag that takes a value and is
// written without "=" takes the next argument. help reports -h or --help
// among the flags (not as another flag's value: `--out -h` is a folder).
func splitArgs(fs *flag.FlagSet, args []string) (flags, positional []string, help bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(positional, args[i+1:]...), help
		}
		if len(a) < 2 || a[0] != '-' {
			positional = append(positional, a)
			continue
		}
		switch a {
		case "-h", "-help", "--help", "--h":
			help = true
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue // the flag package reports it
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	return flags, positional, help
}

// errCanceled is what a command says when a signal stopped it: whatever
// stage it stopped in ("model.training_rules[0]: run canceled"), the user
// wants the outcome.
var errCanceled = errors.New("canceled by a signal; no output written (temporary files removed)")

// startJob starts what a long command runs under: a context that SIGINT
// and SIGTERM cancel (the job then aborts its writers and removes its
// temporaries) and, for a non-empty cpuProfile, a CPU profile. done
// undoes both; outcome maps an error of a canceled job to errCanceled.
func startJob(cpuProfile string) (ctx context.Context, done func(), outcome func(error) error, err error) {
	stopProfile := func() {}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return nil, nil, nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, nil, nil, err
		}
		stopProfile = func() {
			pprof.StopCPUProfile()
			f.Close()
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	outcome = func(err error) error {
		if err != nil && ctx.Err() != nil {
			return errCanceled
		}
		return err
	}
	return ctx, func() { stop(); stopProfile() }, outcome, nil
}
