package dataio

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ListInputs expands paths into table files: a file is kept as it is (its
// extension must name a table format), a folder becomes its .parquet,
// .csv and .arrow files (not recursively), sorted by name. Hidden files and
// writers' temporary files (".name.tmp-*") are skipped, and so are
// sub-folders and devices. The result keeps the order of paths and drops
// repeats. A path that does not exist, a table in a folder that cannot be
// opened (a dangling symlink, a symlink loop), or a folder without tables
// is an error naming the path.
func ListInputs(paths []string) ([]string, error) {
	var out []string
	seen := make(map[string]bool)
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, &Error{File: p, Err: unwrapPath(err)}
		}
		if !st.IsDir() {
			if _, err := FormatOf(p); err != nil {
				return nil, &Error{File: p, Err: errors.New("unknown table format (want .parquet, .csv or .arrow)")}
			}
			add(p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, &Error{File: p, Err: unwrapPath(err)}
		}
		var found []string
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") || strings.Contains(name, ".tmp-") {
				continue
			}
			if _, err := FormatOf(name); err != nil {
				continue
			}
			full := filepath.Join(p, name)
			if !e.Type().IsRegular() {
				// Follow symlinks to files; skip folders and devices. A
				// table the run cannot open (a dangling symlink, a loop)
				// stops it: skipping it would drop its records silently.
				st, err := os.Stat(full)
				if err != nil {
					return nil, &Error{File: full, Err: unwrapPath(err)}
				}
				if !st.Mode().IsRegular() {
					continue
				}
			}
			found = append(found, full)
		}
		if len(found) == 0 {
			return nil, &Error{File: p, Err: fmt.Errorf("folder has no .parquet, .csv or .arrow files")}
		}
		slices.Sort(found)
		for _, f := range found {
			add(f)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no input tables given")
	}
	return out, nil
}
