package dataio

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tempFiles lists the writer temporaries left in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriterAtomic(t *testing.T) {
	for _, ext := range []string{"parquet", "csv", "arrow"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "out."+ext)
		sc := StringSchema("a", "b")
		w, err := Create(path, sc)
		if err != nil {
			t.Fatal(err)
		}
		b := NewStringBatchBuilder(sc)
		b.Append([]string{"1", "Ngô"})
		rec := b.NewBatch()
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
		b.Release()
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: final path exists before Commit (%v)", ext, err)
		}
		tmps := tempFiles(t, dir)
		if len(tmps) != 1 {
			t.Fatalf("%s: temporaries %v, want one", ext, tmps)
		}
		if st, err := os.Stat(tmps[0]); err != nil || st.Mode().Perm() != FileMode {
			t.Errorf("%s: temporary mode %v (%v), want %v", ext, st.Mode().Perm(), err, os.FileMode(FileMode))
		}
		if err := w.Commit(); err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		st, err := os.Stat(path)
		if err != nil {
			t.Fatalf("%s: %v", ext, err)
		}
		if st.Mode().Perm() != FileMode {
			t.Errorf("%s: mode %v, want %v", ext, st.Mode().Perm(), os.FileMode(FileMode))
		}
		if tmps := tempFiles(t, dir); len(tmps) != 0 {
			t.Errorf("%s: temporaries left after Commit: %v", ext, tmps)
		}
		if w.Rows() != 1 {
			t.Errorf("%s: Rows %d, want 1", ext, w.Rows())
		}
		w.Abort() // after Commit: a no-op that must not remove the file
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s: Abort after Commit removed the file: %v", ext, err)
		}
		if err := w.Write(rec); err == nil {
			t.Errorf("%s: Write after Commit gave no error", ext)
		}
	}
}

func TestWriterAbort(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.parquet")
	w, err := Create(path, StringSchema("a"))
	if err != nil {
		t.Fatal(err)
	}
	w.Abort()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("final path exists after Abort (%v)", err)
	}
	if tmps := tempFiles(t, dir); len(tmps) != 0 {
		t.Errorf("temporaries left after Abort: %v", tmps)
	}
	if err := w.Commit(); err == nil {
		t.Error("Commit after Abort gave no error")
	}
}

func TestWriterFailedCommit(t *testing.T) {
	dir := t.TempDir()
	// A non-empty folder at the final path makes the rename fail.
	path := filepath.Join(dir, "out.csv")
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	w, err := Create(path, StringSchema("a"))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err == nil {
		t.Fatal("Commit over a folder gave no error")
	}
	if tmps := tempFiles(t, dir); len(tmps) != 0 {
		t.Errorf("temporaries left after a failed Commit: %v", tmps)
	}
}

func TestWriterSchemaMismatch(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "o.arrow"), StringSchema("a"))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	b := NewStringBatchBuilder(StringSchema("b"))
	defer b.Release()
	rec := b.NewBatch()
	defer rec.Release()
	if err := w.Write(rec); err == nil {
		t.Error("Write of a batch with another schema gave no error")
	}
}

func TestCreateInMissingFolder(t *testing.T) {
	_, err := Create(filepath.Join(t.TempDir(), "no", "such", "o.parquet"), StringSchema("a"))
	if err == nil || !strings.Contains(err.Error(), "o.parquet") {
		t.Errorf("error %v, want one naming the file", err)
	}
	if _, err := Create(filepath.Join(t.TempDir(), "o.xlsx"), StringSchema("a")); err == nil {
		t.Error("Create of an unknown format gave no error")
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "manifest.json")
	if err := WriteFileAtomic(path, []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != `{"a":1}` {
		t.Fatalf("read %q, %v", got, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != FileMode {
		t.Errorf("mode %v, want %v", st.Mode().Perm(), os.FileMode(FileMode))
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "m.json"), nil); err == nil {
		t.Error("WriteFileAtomic into a missing folder gave no error")
	}
	if tmps := tempFiles(t, dir); len(tmps) != 0 {
		t.Errorf("temporaries left: %v", tmps)
	}
}
