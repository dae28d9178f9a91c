package dataio

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestWriterFinish: Finish completes the temporary file without publishing
// it; Commit then publishes, Abort still removes it, and Write is refused.
func TestWriterFinish(t *testing.T) {
	for _, ext := range []string{"parquet", "csv", "arrow"} {
		for _, publish := range []bool{true, false} {
			dir := t.TempDir()
			path := filepath.Join(dir, "t."+ext)
			sc := StringSchema("id")
			w, err := Create(path, sc)
			if err != nil {
				t.Fatal(err)
			}
			b := NewStringBatchBuilder(sc)
			b.Append([]string{"1"})
			rec := b.NewBatch()
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := w.Finish(); err != nil {
				t.Fatalf("%s: Finish: %v", ext, err)
			}
			if w.Write(rec) == nil {
				t.Errorf("%s: Write after Finish succeeded", ext)
			}
			rec.Release()
			b.Release()
			if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: final path exists before Commit (%v)", ext, err)
			}
			if tmps := tempFiles(t, dir); len(tmps) != 1 {
				t.Errorf("%s: temporaries %v after Finish, want one", ext, tmps)
			}
			if publish {
				if err := w.Commit(); err != nil {
					t.Fatalf("%s: Commit after Finish: %v", ext, err)
				}
				r, err := Open(path, ReadOptions{})
				if err != nil {
					t.Fatalf("%s: reopen: %v", ext, err)
				}
				n := int64(0)
				for r.Next() {
					n += r.Batch().NumRows()
				}
				if r.Err() != nil || n != 1 {
					t.Errorf("%s: read back %d rows, err %v", ext, n, r.Err())
				}
				r.Close()
			} else {
				w.Abort()
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("%s: final path exists after Abort", ext)
				}
			}
			if tmps := tempFiles(t, dir); len(tmps) != 0 {
				t.Errorf("%s: temporaries left: %v", ext, tmps)
			}
		}
	}
}
