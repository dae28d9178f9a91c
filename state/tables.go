package state

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

// batchRows is the number of rows per batch the state writes.
const batchRows = 64 * 1024

// stringColumns is a batch's columns, read with AsStrings.
func stringColumns(rec arrow.RecordBatch) []*array.String {
	arrs := make([]*array.String, rec.NumCols())
	for j := range arrs {
		arrs[j] = rec.Column(j).(*array.String)
	}
	return arrs
}

// writeTable writes n rows to path (atomically, mode 0600) in batches;
// fill appends row i to the builder's columns.
func writeTable(path string, schema *arrow.Schema, n int, fill func(b *array.RecordBuilder, i int)) error {
	w, err := dataio.Create(path, schema)
	if err != nil {
		return err
	}
	defer w.Abort()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for lo := 0; lo < n || lo == 0; lo += batchRows {
		hi := min(n, lo+batchRows)
		for i := lo; i < hi; i++ {
			fill(b, i)
		}
		rec := b.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	return w.Commit()
}

// addPersonColumn copies the table at src to dst with a person_id column
// appended, the person of each row being person(value of column key).
func addPersonColumn(src, dst, key string, person func(string) (string, error)) error {
	r, err := dataio.Open(src, dataio.ReadOptions{BatchSize: 8192}) // small batches: golden rows are wide
	if err != nil {
		return err
	}
	defer r.Close()
	in := r.Schema()
	ki := in.FieldIndices(key)
	if len(ki) != 1 {
		return fmt.Errorf("%s: no column %s", src, key)
	}
	fields := append(in.Fields(), arrow.Field{Name: runfolder.ColPersonID, Type: arrow.BinaryTypes.String})
	schema := arrow.NewSchema(fields, nil)
	w, err := dataio.Create(dst, schema)
	if err != nil {
		return err
	}
	defer w.Abort()
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	defer sb.Release()
	for r.Next() {
		rec := r.Batch()
		keys, ok := rec.Column(ki[0]).(*array.String)
		if !ok {
			return fmt.Errorf("%s: column %s is not text", src, key)
		}
		for i := 0; i < keys.Len(); i++ {
			p, err := person(keys.Value(i))
			if err != nil {
				return fmt.Errorf("%s row %d: %w", src, i+1, err)
			}
			sb.Append(p)
		}
		col := sb.NewArray()
		cols := append(append([]arrow.Array(nil), rec.Columns()...), col)
		out := array.NewRecordBatch(schema, cols, rec.NumRows())
		err := w.Write(out)
		out.Release()
		col.Release()
		if err != nil {
			return err
		}
	}
	if err := r.Err(); err != nil {
		return err
	}
	return w.Commit()
}

// copyFile copies src to dst atomically (temporary name, mode 0600,
// synced, renamed).
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeAtomic(dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// moveFile renames src to dst, or copies it where they lie on different
// file systems (the state and --out may).
func moveFile(src, dst string) error {
	if err := os.Rename(src, dst); err == nil {
		return syncDir(filepath.Dir(dst))
	}
	return copyFile(src, dst)
}

// writeAtomic writes dst through a temporary file in its folder, synced
// and renamed; dataio.IsWriterTemp recognises the temporary's name, so a
// killed night's leftovers are cleared like a run's.
func writeAtomic(dst string, write func(io.Writer) error) error {
	dir, base := filepath.Split(dst)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", dst, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := f.Chmod(dataio.FileMode); err != nil {
		return err
	}
	if err := write(f); err != nil {
		return fmt.Errorf("cannot write %s: %w", dst, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("cannot write %s: %w", dst, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w", dst, err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fmt.Errorf("cannot write %s: %w", dst, err)
	}
	ok = true
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	d.Sync() // not every file system syncs a folder; the rename stands either way
	return nil
}

// fileSum is the size and SHA-256 of a file.
func fileSum(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// interner gives one copy of each repeated string (the sources).
type interner map[string]string

func (in interner) get(s string) string {
	if v, ok := in[s]; ok {
		return v
	}
	v := strings.Clone(s)
	in[v] = v
	return v
}

// keyOf is a record key that owns its strings.
func (in interner) keyOf(source, id string) Key {
	return Key{in.get(source), strings.Clone(id)}
}
