package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dedup-vn/dedup/runfolder"
)

// PrepareOutDir readies an existing output folder for a new run. It
// removes the temporary files (".NAME.tmp-*", as dataio's writers name
// them) that a killed run left behind, and the previous run's manifest.json:
// outputs are replaced one rename at a time, so a folder holds a
// consistent set of outputs exactly when it holds a manifest, which Run
// writes last. Only one run may write to a folder at a time: the
// temporaries of a concurrent run would be removed too. A folder that does
// not exist is not an error.
func PrepareOutDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read output folder: %w", err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !isWriterTemp(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot remove a stale temporary file: %w", err)
		}
	}
	if err := os.Remove(filepath.Join(dir, runfolder.FileManifest)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("cannot remove the previous %s: %w", runfolder.FileManifest, err)
	}
	return nil
}

// isWriterTemp reports whether name is a temporary file of dataio.Create or
// dataio.WriteFileAtomic: "." + base + ".tmp-" + a random suffix of digits.
func isWriterTemp(name string) bool {
	if !strings.HasPrefix(name, ".") {
		return false
	}
	i := strings.LastIndex(name, ".tmp-")
	if i <= 1 || i+len(".tmp-") == len(name) {
		return false
	}
	for _, c := range name[i+len(".tmp-"):] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
