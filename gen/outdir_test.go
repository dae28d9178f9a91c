package gen

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutDirModeAndReuse: the folders gen creates are 0700; a second
// generation into the same folder leaves none of the first one's files
// (a CSV generation over a Parquet one); a folder holding anything gen
// does not write is refused and left as it was.
func TestOutDirModeAndReuse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "g")
	ctx := context.Background()
	if _, err := Generate(ctx, Options{People: 200, Seed: 1, OutDir: dir, Format: "parquet", Quiet: true}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"", "population", "subscribers", "truth"} {
		st, err := os.Stat(filepath.Join(dir, d))
		if err != nil {
			t.Fatal(err)
		}
		if mode := st.Mode().Perm(); mode != 0o700 {
			t.Errorf("%s: mode %o, want 700", filepath.Join("g", d), mode)
		}
	}
	if _, err := Generate(ctx, Options{People: 100, Seed: 2, OutDir: dir, Format: "csv", Quiet: true}); err != nil {
		t.Fatal(err)
	}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".parquet") {
			t.Errorf("%s left from the earlier generation", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	other := t.TempDir()
	keep := filepath.Join(other, "notes.txt")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(ctx, Options{People: 100, Seed: 2, OutDir: other, Quiet: true}); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("generation into a folder with other files: %v, want a refusal naming the file", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the refused folder's file: %v", err)
	}
}
