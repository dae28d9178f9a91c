// Command export writes the normalized blocking and comparison fields of a
// register, one row per record that `dedup run` keeps, to a Parquet file
// that both sides of the peer benchmark read (benchmarks/README.md). It
// normalizes exactly as the pipeline's loader does for the default config:
// rows without a record id, rows with every field empty, and the second and
// later rows with the same record id are left out, and a key part that the
// pipeline treats as missing is written as NULL.
//
//	go run ./benchmarks/export --out norm.parquet DIR_OR_FILE...
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/normalize"
)

// Schema is the exported file's layout; benchmarks/peer and
// benchmarks/ours read these names.
var schema = arrow.NewSchema([]arrow.Field{
	{Name: "row", Type: arrow.PrimitiveTypes.Int32},
	{Name: "folded", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "family", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "given", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "phonetic", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "dob_full", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "dob_year", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "national_id", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "phone", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "province_2025", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
}, nil)

func main() {
	out := flag.String("out", "", "output Parquet file")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: export --out norm.parquet INPUT...")
		os.Exit(2)
	}
	n, err := export(*out, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "export: %d records to %s\n", n, *out)
}

func export(out string, inputs []string) (int, error) {
	cfg := config.Default()
	files, err := dataio.ListInputs(inputs)
	if err != nil {
		return 0, err
	}
	// Projected columns: the record id, then every field's columns (all of
	// them decide whether a row is empty, as in the pipeline).
	cols := []string{cfg.RecordID}
	colOf := map[string]int{cfg.RecordID: 0}
	for _, f := range cfg.Fields {
		for _, c := range f.Columns {
			if _, ok := colOf[c]; !ok {
				colOf[c] = len(cols)
				cols = append(cols, c)
			}
		}
	}
	field := func(name string) int {
		f := cfg.FieldByName(name)
		if f == nil || len(f.Columns) != 1 {
			panic("BUG: default config field " + name)
		}
		return colOf[f.Columns[0]]
	}
	cName, cDOB, cID, cPhone, cAddr := field("name"), field("dob"), field("national_id"), field("phone"), field("address")

	w, err := dataio.Create(out, schema)
	if err != nil {
		return 0, err
	}
	defer w.Abort()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	norm := normalize.New(normalize.Options{RefYear: cfg.ReferenceYear})
	addr := normalize.NewAddressParser()
	seen := map[string]bool{}
	row := int32(0)
	var buf []byte
	str := func(k int, v []byte) {
		sb := b.Field(k).(*array.StringBuilder)
		if len(v) == 0 {
			sb.AppendNull()
		} else {
			sb.BinaryBuilder.Append(v)
		}
	}
	i32 := func(k int, v int32, ok bool) {
		ib := b.Field(k).(*array.Int32Builder)
		if ok {
			ib.Append(v)
		} else {
			ib.AppendNull()
		}
	}
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		return w.Write(rec)
	}
	for _, path := range files {
		rd, err := dataio.Open(path, dataio.ReadOptions{Columns: cols, AsStrings: true, OnReject: func(dataio.Reject) {}})
		if err != nil {
			return 0, err
		}
		for rd.Next() {
			rec := rd.Batch()
			arrs := make([]*array.String, len(cols))
			for k := range cols {
				arrs[k] = rec.Column(k).(*array.String)
			}
			cell := func(k, i int) []byte {
				if arrs[k].IsNull(i) {
					return nil
				}
				return []byte(arrs[k].Value(i))
			}
			for i := 0; i < int(rec.NumRows()); i++ {
				id := cell(0, i)
				if len(id) == 0 {
					continue
				}
				empty := true
				for k := 1; k < len(cols); k++ {
					if len(cell(k, i)) > 0 {
						empty = false
						break
					}
				}
				if empty || seen[string(id)] {
					continue
				}
				seen[string(id)] = true

				b.Field(0).(*array.Int32Builder).Append(row)
				row++
				nm := norm.Name(bytes.TrimSpace(cell(cName, i)))
				str(1, nm.Folded)
				str(2, nm.FamilyFolded)
				str(3, nm.GivenFolded)
				str(4, nm.Phonetic)
				d := normalize.ParseDate(bytes.TrimSpace(cell(cDOB, i)), normalize.DateOptions{RefYear: cfg.ReferenceYear})
				packed := int32(0)
				if d.Valid() {
					packed = d.Packed()
				}
				i32(5, packed, packed != 0 && packed%100 != 0 && packed/100%100 != 0)
				i32(6, packed/10000, packed != 0)
				nid := normalize.ParseID(bytes.TrimSpace(cell(cID, i)))
				buf = nid.AppendNumber(buf[:0])
				if len(buf) != 9 && len(buf) != 12 {
					buf = buf[:0]
				}
				str(7, buf)
				ph := normalize.ParsePhone(bytes.TrimSpace(cell(cPhone, i)))
				buf = buf[:0]
				if ph.Valid() {
					buf = ph.AppendNumber(buf)
				}
				str(8, buf)
				t := norm.Text(bytes.TrimSpace(cell(cAddr, i)))
				a := addr.Parse(t.Canonical)
				i32(9, int32(a.NewProvince), a.NewProvince != 0)
				if b.Field(0).Len() >= 65536 {
					if err := flush(); err != nil {
						rd.Close()
						return 0, err
					}
				}
			}
		}
		err = rd.Err()
		rd.Close()
		if err != nil {
			return 0, err
		}
	}
	if err := flush(); err != nil {
		return 0, err
	}
	return int(row), w.Commit()
}
