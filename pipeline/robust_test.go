package pipeline

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

func TestIsWriterTemp(t *testing.T) {
	for name, want := range map[string]bool{
		".clusters.parquet.tmp-123456": true,
		".manifest.json.tmp-1":         true,
		".x.tmp-":                      false, // no suffix
		".tmp-123":                     false, // no base name
		"clusters.parquet.tmp-123":     false, // not hidden
		".clusters.parquet.tmp-12a":    false, // not os.CreateTemp's digits
		".hidden":                      false,
		"clusters.parquet":             false,
	} {
		if got := dataio.IsWriterTemp(name); got != want {
			t.Errorf("IsWriterTemp(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestPrepareOutDir: the temporaries dataio really creates, and the old
// manifest, go; finished outputs and unrelated files stay.
func TestPrepareOutDir(t *testing.T) {
	dir := t.TempDir()
	// A writer that is never committed leaves its temporary file, as a
	// killed run does.
	w, err := dataio.Create(filepath.Join(dir, runfolder.FileClusters), dataio.StringSchema("a"))
	if err != nil {
		t.Fatal(err)
	}
	_ = w // deliberately neither committed nor aborted
	for name, data := range map[string]string{
		runfolder.FileGolden:   "finished output",
		runfolder.FileManifest: "{}",
		"notes.txt":            "user file",
		".model.json.tmp-977":  "partial",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".sub.tmp-1"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := PrepareOutDir(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{".sub.tmp-1", runfolder.FileGolden, "notes.txt"}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("after PrepareOutDir: %v, want %v", got, want)
	}
	if err := PrepareOutDir(filepath.Join(dir, "absent")); err != nil {
		t.Errorf("missing folder: %v", err)
	}
}

// TestReadOnlyOutDir: a read-only output folder is reported as such
// before anything is read, not as a manifest that cannot be removed (no
// manifest is there). Root writes anywhere, so this runs only as another
// user.
func TestReadOnlyOutDir(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write into a read-only folder")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o700)
	err := PrepareOutDir(dir)
	if err == nil || !strings.Contains(err.Error(), "not writable") || strings.Contains(err.Error(), "manifest") {
		t.Errorf("PrepareOutDir(read-only): %v, want 'not writable'", err)
	}
}
