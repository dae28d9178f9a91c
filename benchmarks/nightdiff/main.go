// Command nightdiff turns two snapshots of a register (folders of tables
// of one source, as `dedup gen --nights` writes them) into the change
// files a source that sends changes would send: the rows of the new
// snapshot that are new or differ from the old one (same schema, in the
// new snapshot's order) and the record ids the new snapshot no longer
// has. Nulls are written as empty strings. benchmarks/nights.sh uses it to time `dedup run --state --changes`
// against the snapshot nights.
//
//	go run ./benchmarks/nightdiff --old A/population --new B/population \
//	    --upserts CH/population/upserts.parquet --deletes CH/deletes.parquet
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/dataio"
)

func main() {
	oldDir := flag.String("old", "", "the earlier snapshot's folder")
	newDir := flag.String("new", "", "the later snapshot's folder")
	upserts := flag.String("upserts", "", "table to write: the later snapshot's new and changed rows")
	deletes := flag.String("deletes", "", "table to write: record_id of the rows the later snapshot lacks")
	idCol := flag.String("id", "record_id", "the record id column")
	flag.Parse()
	if err := run(*oldDir, *newDir, *upserts, *deletes, *idCol); err != nil {
		fmt.Fprintln(os.Stderr, "nightdiff:", err)
		os.Exit(1)
	}
}

// each calls fn with every row of the folder's tables, as strings.
func each(dir string, fn func(cols []string, row []string, valid []bool) error) error {
	files, err := dataio.ListInputs([]string{dir})
	if err != nil {
		return err
	}
	for _, f := range files {
		r, err := dataio.Open(f, dataio.ReadOptions{AsStrings: true})
		if err != nil {
			return err
		}
		var cols []string
		for _, fl := range r.Schema().Fields() {
			cols = append(cols, fl.Name)
		}
		row, valid := make([]string, len(cols)), make([]bool, len(cols))
		for r.Next() {
			b := r.Batch()
			for i := 0; i < int(b.NumRows()); i++ {
				for j := range cols {
					c := b.Column(j).(*array.String)
					row[j], valid[j] = c.Value(i), c.IsValid(i)
				}
				if err := fn(cols, row, valid); err != nil {
					r.Close()
					return err
				}
			}
		}
		err = r.Err()
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func rowHash(row []string, valid []bool) uint64 {
	h := blocking.NewHasher()
	for j, v := range row {
		if valid[j] {
			h = h.Uint64(1).String(v)
		} else {
			h = h.Uint64(0)
		}
	}
	return h.Sum()
}

func run(oldDir, newDir, upserts, deletes, idCol string) error {
	old := map[string]uint64{}
	err := each(oldDir, func(cols, row []string, valid []bool) error {
		id := indexOf(cols, idCol)
		if id < 0 {
			return fmt.Errorf("no %s column", idCol)
		}
		old[row[id]] = rowHash(row, valid)
		return nil
	})
	if err != nil {
		return err
	}
	var w *dataio.Writer
	var b *dataio.StringBatchBuilder
	seen := map[string]bool{}
	n := 0
	err = each(newDir, func(cols, row []string, valid []bool) error {
		id := indexOf(cols, idCol)
		if id < 0 {
			return fmt.Errorf("no %s column", idCol)
		}
		seen[row[id]] = true
		if h, ok := old[row[id]]; ok && h == rowHash(row, valid) {
			return nil
		}
		if w == nil {
			if err := os.MkdirAll(filepath.Dir(upserts), 0o700); err != nil {
				return err
			}
			var err error
			if w, err = dataio.Create(upserts, dataio.StringSchema(cols...)); err != nil {
				return err
			}
			b = dataio.NewStringBatchBuilder(dataio.StringSchema(cols...))
		}
		b.Append(row)
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if w != nil {
		rec := b.NewBatch()
		if err := w.Write(rec); err != nil {
			return err
		}
		rec.Release()
		if err := w.Commit(); err != nil {
			return err
		}
	}
	dw, err := dataio.Create(deletes, dataio.StringSchema("record_id"))
	if err != nil {
		return err
	}
	db := dataio.NewStringBatchBuilder(dataio.StringSchema("record_id"))
	var gone []string
	for id := range old {
		if !seen[id] {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	for _, id := range gone {
		db.Append([]string{id})
	}
	d := len(gone)
	rec := db.NewBatch()
	if err := dw.Write(rec); err != nil {
		return err
	}
	rec.Release()
	if err := dw.Commit(); err != nil {
		return err
	}
	fmt.Printf("%d upserts, %d deletes\n", n, d)
	return nil
}

func indexOf(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	return -1
}
