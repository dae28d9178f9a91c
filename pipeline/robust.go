package pipeline

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dedup-vn/dedup/dataio"
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
		if !e.Type().IsRegular() || !dataio.IsWriterTemp(e.Name()) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot remove a stale temporary file: %w", err)
		}
	}
	// Lstat first: in a read-only folder, removing a missing file fails
	// with "permission denied", which would blame a manifest that is not
	// there.
	if _, err := os.Lstat(filepath.Join(dir, runfolder.FileManifest)); err == nil {
		if err := os.Remove(filepath.Join(dir, runfolder.FileManifest)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("cannot remove the previous %s: %w", runfolder.FileManifest, err)
		}
	}
	if err := checkWritable(dir); err != nil {
		return err
	}
	return nil
}

// checkWritable fails, naming dir, when no file can be created in it: a
// read-only output folder is reported before the run reads anything.
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".dedup-write-check-")
	if err != nil {
		return fmt.Errorf("the output folder %s is not writable: %w", dir, errors.Unwrap(err))
	}
	f.Close()
	return os.Remove(f.Name())
}
