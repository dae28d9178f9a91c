package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
)

// inputFile is one table file of one source.
type inputFile struct {
	source int // index into Config.Sources
	path   string
}

// resolveInputs lists the input files. Command-line inputs replace the
// config's paths: "NAME=PATH" assigns PATH to source NAME; a plain PATH goes
// to the first source (in link modes every input must name its source).
// Files are listed in a stable order (source, then path) so the input order
// on the command line does not change the output.
//
// outDir (empty for --plan) must not lie inside an input folder: the next
// run over that folder would read this run's outputs as records.
func resolveInputs(cfg *config.Config, args []string, outDir string) ([]inputFile, error) {
	paths := make([][]string, len(cfg.Sources))
	if len(args) > 0 {
		for _, a := range args {
			src := 0
			if name, path, ok := strings.Cut(a, "="); ok && !strings.ContainsAny(name, `/\.`) {
				src = -1
				for i, s := range cfg.Sources {
					if s.Name == name {
						src = i
					}
				}
				if src < 0 {
					return nil, fmt.Errorf("input %q: no source named %q in the config", a, name)
				}
				a = path
			} else if cfg.Mode != config.ModeDedupe {
				return nil, fmt.Errorf("input %q: in %s mode each input must name its source (NAME=PATH)", a, cfg.Mode)
			}
			paths[src] = append(paths[src], a)
		}
	} else {
		for i, s := range cfg.Sources {
			paths[i] = s.Paths
		}
	}
	var files []inputFile
	for i, ps := range paths {
		if len(ps) == 0 {
			if cfg.Mode == config.ModeDedupe && i > 0 {
				continue
			}
			return nil, fmt.Errorf("source %q has no input files (give INPUT arguments or sources[%d].paths)", cfg.Sources[i].Name, i)
		}
		list, err := dataio.ListInputs(ps)
		if err != nil {
			return nil, err
		}
		if err := checkOutsideInputs(outDir, ps); err != nil {
			return nil, err
		}
		for _, p := range list {
			files = append(files, inputFile{source: i, path: filepath.Clean(p)})
		}
	}
	return files, nil
}

// checkOutsideInputs fails when outDir is one of the input folders in
// paths or lies below one.
func checkOutsideInputs(outDir string, paths []string) error {
	if outDir == "" {
		return nil
	}
	out, err := filepath.Abs(outDir)
	if err != nil {
		return nil
	}
	out = resolveLinks(out)
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil || !st.IsDir() {
			continue
		}
		in, err := filepath.Abs(p)
		if err != nil {
			continue
		}
		in = resolveLinks(in)
		if rel, err := filepath.Rel(in, out); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return fmt.Errorf("the output folder %s is inside the input folder %s: the next run would read its outputs as records; choose an --out outside it", outDir, p)
		}
	}
	return nil
}

// resolveLinks is path with its symbolic links resolved as far as it
// exists (an output folder may not exist yet).
func resolveLinks(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	dir, base := filepath.Split(path)
	if dir == path || dir == "" {
		return path
	}
	return filepath.Join(resolveLinks(filepath.Clean(dir)), base)
}

// CheckSources opens every input file of cfg's sources (args as a run's
// INPUT arguments replace the config's paths; a source without files is
// skipped) and checks that its header has the columns its source reads:
// the record id and each field's columns, under the source's own names
// where it maps them. It returns the number of files checked and one
// error per faulty file, naming the file, the source, the fields and the
// missing columns. No data row is read.
func CheckSources(cfg *config.Config, args []string) (int, error) {
	paths := make([][]string, len(cfg.Sources))
	if len(args) > 0 {
		for _, a := range args {
			src := 0
			if name, path, ok := strings.Cut(a, "="); ok && !strings.ContainsAny(name, `/\.`) {
				src = slices.IndexFunc(cfg.Sources, func(s config.Source) bool { return s.Name == name })
				if src < 0 {
					return 0, fmt.Errorf("input %q: no source named %q in the config", a, name)
				}
				a = path
			}
			paths[src] = append(paths[src], a)
		}
	} else {
		for i, s := range cfg.Sources {
			paths[i] = s.Paths
		}
	}
	var errs []error
	n := 0
	for src, ps := range paths {
		if len(ps) == 0 {
			continue
		}
		list, err := dataio.ListInputs(ps)
		if err != nil {
			errs = append(errs, fmt.Errorf("source %q: %w", cfg.Sources[src].Name, err))
			continue
		}
		plan := planSource(cfg, src)
		for _, p := range list {
			n++
			rd, err := dataio.Open(p, dataio.ReadOptions{
				Columns: plan.columns, AsStrings: true,
				Delimiter: cfg.Sources[src].DelimiterRune(), Encoding: cfg.Sources[src].Encoding,
			})
			if err == nil {
				rd.Close()
				continue
			}
			errs = append(errs, sourceColumnError(cfg, src, plan, err))
		}
	}
	return n, errors.Join(errs...)
}

// sourceColumnError names, for a file that lacks columns, the config
// field (or record_id) that reads each missing column.
func sourceColumnError(cfg *config.Config, src int, plan columnPlan, err error) error {
	var de *dataio.Error
	if !errors.As(err, &de) || !errors.Is(err, dataio.ErrMissingColumn) {
		return fmt.Errorf("source %q: %w", cfg.Sources[src].Name, err)
	}
	var uses []string
	for _, col := range strings.Split(de.Column, ", ") {
		c := slices.Index(plan.columns, col)
		if c == 0 {
			uses = append(uses, fmt.Sprintf("record_id reads column %q", col))
			continue
		}
		for f, idx := range plan.fields {
			if slices.Contains(idx, c) {
				uses = append(uses, fmt.Sprintf("field %s reads column %q", cfg.Fields[f].Name, col))
			}
		}
	}
	return fmt.Errorf("source %q, file %s: %s, which the file lacks (map it in sources[%d].columns, or give it [] when the source has no such column): %w",
		cfg.Sources[src].Name, de.File, strings.Join(uses, "; "), src, de.Err)
}

// InputFile is one input table file and the index of its source in
// Config.Sources, as a run lists them.
type InputFile struct {
	Source int
	Path   string
	// Columns are the columns the run reads of the file under its
	// source's mapping: the record id first, then each field's columns in
	// config order, each once.
	Columns []string
}

// InputFiles lists the files a run over args reads, in the run's order
// (source, then path), for the nightly state's diff (package state); like
// Run, it fails when outDir (if not empty) lies inside an input folder.
func InputFiles(cfg *config.Config, args []string, outDir string) ([]InputFile, error) {
	files, err := resolveInputs(cfg, args, outDir)
	if err != nil {
		return nil, err
	}
	plans := planColumns(cfg)
	out := make([]InputFile, len(files))
	for i, f := range files {
		out[i] = InputFile{Source: f.source, Path: f.path, Columns: plans[f.source].columns}
	}
	return out, nil
}

// SourceColumns is the columns a run reads of source src's files: the
// record id first, then each field's columns in config order, each once.
func SourceColumns(cfg *config.Config, src int) []string {
	return planColumns(cfg)[src].columns
}
