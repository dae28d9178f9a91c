// Command export writes the normalized blocking fields of a register, one
// row per record that `dedup run` keeps, to a Parquet file that both sides
// of the peer benchmark read (benchmarks/README.md), and prints the
// blocking rules of the config in terms of that file's columns.
//
// It normalizes with the pipeline loader's row normalizer
// (normalize.RowNormalizer, date_format included), and keeps the rows it keeps:
// rows without a record id, rows with every field empty, and the second
// and later rows with the same record id are left out; each key part of
// the config's blocking rules becomes one column, computed as
// pipeline/block.go computes it, NULL where the pipeline treats the part as
// missing. "folded" (the first person-name field, folded) is always
// written: it is the secondary key of capped blocks and what the
// benchmark's Jaro-Winkler compares.
//
//	go run ./benchmarks/export --out norm.parquet DIR_OR_FILE...
//	go run ./benchmarks/export --rules     # prints NAME=COL,COL;NAME=...
//	go run ./benchmarks/export --refdata DIR  # lookup tables for benchmarks/peer/e2e
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/normalize"
)

func main() {
	out := flag.String("out", "", "output Parquet file")
	cfgPath := flag.String("config", "", "job config (default: the embedded Vietnamese config)")
	rules := flag.Bool("rules", false, "print the blocking rules as NAME=COL,COL;... and exit")
	refDir := flag.String("refdata", "", "write the reference tables the whole-pipeline peer loads (provinces.csv, cmnd.csv) into this folder and exit")
	flag.Parse()
	if *refDir != "" {
		if err := writeRefdata(*refDir); err != nil {
			fmt.Fprintln(os.Stderr, "export:", err)
			os.Exit(1)
		}
		return
	}
	cfg := config.Default()
	if *cfgPath != "" {
		var err error
		if cfg, err = config.Load(*cfgPath); err != nil {
			fmt.Fprintln(os.Stderr, "export:", err)
			os.Exit(1)
		}
	}
	plan, err := planParts(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
	if *rules {
		fmt.Println(plan.rulesSpec(cfg))
		return
	}
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: export --out norm.parquet INPUT... | export --rules")
		os.Exit(2)
	}
	n, err := export(cfg, plan, *out, flag.Args())
	if err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "export: %d records to %s\n", n, *out)
}

// part is one blocking key part ("name.family", "dob.year") as a column.
type part struct {
	spec  string // as in the config
	col   string // column name in the exported file
	field int    // index in cfg.Fields
	kind  normalize.Kind
	sub   string
	role  *normalize.Column // the stored column the part reads
	isInt bool
}

type parts struct {
	list   []part
	byName map[string]int
	name   int // the first person-name field: "folded" comes from it
}

// planParts lists the distinct key parts of the config's rules.
func planParts(cfg *config.Config) (*parts, error) {
	p := &parts{byName: map[string]int{}, name: -1}
	for i, f := range cfg.Fields {
		if f.Kind == config.KindPersonName {
			p.name = i
			break
		}
	}
	if p.name < 0 {
		return nil, fmt.Errorf("the config has no person_name field to compare")
	}
	for _, r := range cfg.Blocking.Rules {
		for _, spec := range r.Keys {
			if _, ok := p.byName[spec]; ok {
				continue
			}
			name, sub, _ := strings.Cut(spec, ".")
			fi := -1
			for i, f := range cfg.Fields {
				if f.Name == name {
					fi = i
				}
			}
			if fi < 0 {
				return nil, fmt.Errorf("blocking key %q: unknown field", spec)
			}
			kind := cfg.Fields[fi].Kind
			role, ok := partRoles[kind][sub]
			if !ok {
				return nil, fmt.Errorf("blocking key %q: kind %s part %q is not supported by the benchmark", spec, kind, sub)
			}
			col := "k_" + strings.NewReplacer(".", "__", "-", "_").Replace(spec)
			p.byName[spec] = len(p.list)
			c := kind.Column(role)
			p.list = append(p.list, part{spec: spec, col: col, field: fi, kind: kind, sub: sub, role: c, isInt: c.Type != normalize.ColumnString})
		}
	}
	return p, nil
}

// partRoles maps each key part the benchmark supports to the stored
// column it reads, as pipeline/block.go does.
var partRoles = map[normalize.Kind]map[string]string{
	normalize.KindPersonName: {"": "folded", "family": "family", "middle": "middle", "given": "given", "phonetic": "phonetic", "variant": "variant_key"},
	normalize.KindDate:       {"": "date", "year": "date", "year_month": "date", "year_day": "date", "year_unordered": "date", "month_day": "date"},
	normalize.KindNationalID: {"": "digits"},
	normalize.KindPhone:      {"": "phones"},
	normalize.KindGender:     {"": "value"},
	normalize.KindVNAddress:  {"": "ward_2025", "ward_2025": "ward_2025", "province_2025": "province_2025", "district": "district_old", "ward_old": "ward_old"},
}

// rulesSpec is the rules as NAME=COL,COL;NAME=COL...
func (p *parts) rulesSpec(cfg *config.Config) string {
	var rs []string
	for _, r := range cfg.Blocking.Rules {
		var cols []string
		for _, spec := range r.Keys {
			cols = append(cols, p.list[p.byName[spec]].col)
		}
		rs = append(rs, r.Name+"="+strings.Join(cols, ","))
	}
	return strings.Join(rs, ";")
}

func export(cfg *config.Config, plan *parts, out string, inputs []string) (int, error) {
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
	fields := []arrow.Field{
		{Name: "row", Type: arrow.PrimitiveTypes.Int32},
		{Name: "folded", Type: arrow.BinaryTypes.String, Nullable: true},
	}
	for _, pt := range plan.list {
		typ := arrow.DataType(arrow.BinaryTypes.String)
		if pt.isInt {
			typ = arrow.PrimitiveTypes.Int32
		}
		fields = append(fields, arrow.Field{Name: pt.col, Type: typ, Nullable: true})
	}
	schema := arrow.NewSchema(fields, nil)

	w, err := dataio.Create(out, schema)
	if err != nil {
		return 0, err
	}
	defer w.Abort()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	// The row normalizer of dedup run (pipeline/load.go), over the
	// projected columns.
	rowFields := make([]normalize.Field, len(cfg.Fields))
	for i := range cfg.Fields {
		var idx []int
		for _, c := range cfg.Fields[i].Columns {
			idx = append(idx, colOf[c])
		}
		rowFields[i] = cfg.Fields[i].RowField(idx)
	}
	rn := normalize.NewRowNormalizer(rowFields, normalize.Options{RefYear: cfg.ReferenceYear})
	cells := make([][]byte, len(cols))
	folded := normalize.KindPersonName.Column("folded")
	var buf []byte
	seen := map[string]bool{}
	row := int32(0)
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
			for i := 0; i < int(rec.NumRows()); i++ {
				for k := range cols {
					cells[k] = nil
					if !arrs[k].IsNull(i) {
						cells[k] = []byte(arrs[k].Value(i))
					}
				}
				id := bytes.TrimSpace(cells[0])
				if len(id) == 0 {
					continue
				}
				vals := rn.Values(cells)
				empty := true
				for _, v := range vals {
					if len(v) > 0 {
						empty = false
					}
				}
				if empty || seen[string(id)] {
					continue
				}
				seen[string(id)] = true
				nr := rn.Row(vals)
				b.Field(0).(*array.Int32Builder).Append(row)
				row++
				buf = folded.AppendBytes(buf[:0], &nr.Values[plan.name])
				appendStr(b.Field(1), buf)
				for k, pt := range plan.list {
					v := &nr.Values[pt.field]
					fb := b.Field(2 + k)
					if !pt.isInt {
						buf = pt.role.AppendBytes(buf[:0], v)
						appendStr(fb, buf)
						continue
					}
					d := int32(pt.role.Int(v))
					switch pt.kind {
					case normalize.KindGender, normalize.KindVNAddress:
						appendInt(fb, d, d != 0)
					case normalize.KindDate:
						switch pt.sub {
						case "":
							appendInt(fb, d, d%100 != 0 && d/100%100 != 0)
						case "year":
							appendInt(fb, d/10000, d != 0)
						case "year_month":
							appendInt(fb, d/100, d != 0 && d/100%100 != 0)
						case "year_day":
							appendInt(fb, d/10000*100+d%100, d%100 != 0 && d/100%100 != 0)
						case "year_unordered":
							day, month := d%100, d/100%100
							appendInt(fb, d/10000*10000+min(day, month)*100+max(day, month), day != 0 && month != 0)
						case "month_day":
							appendInt(fb, d%10000, d%100 != 0 && d/100%100 != 0)
						}
					}
				}
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

func appendStr(b array.Builder, v []byte) {
	sb := b.(*array.StringBuilder)
	if len(v) == 0 {
		sb.AppendNull()
	} else {
		sb.BinaryBuilder.Append(v)
	}
}

func appendInt(b array.Builder, v int32, ok bool) {
	ib := b.(*array.Int32Builder)
	if ok {
		ib.Append(v)
	} else {
		ib.AppendNull()
	}
}
