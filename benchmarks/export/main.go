// Command export writes the normalized blocking fields of a register, one
// row per record that `dedup run` keeps, to a Parquet file that both sides
// of the peer benchmark read (benchmarks/README.md), and prints the
// blocking rules of the config in terms of that file's columns.
//
// It normalizes exactly as the pipeline's loader does (pipeline/load.go):
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
	flag.Parse()
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
	kind  string
	sub   string
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
			if kind == config.KindPersonName && fi != p.name {
				// One Normalizer holds one name at a time (see export).
				return nil, fmt.Errorf("blocking key %q: only the first person_name field is supported by the benchmark", spec)
			}
			ok, isInt := false, false
			switch kind {
			case config.KindPersonName:
				ok = sub == "" || sub == "family" || sub == "middle" || sub == "given" || sub == "phonetic" || sub == "variant"
			case config.KindDate:
				ok, isInt = sub == "" || sub == "year" || sub == "year_month" || sub == "year_day" || sub == "year_unordered" || sub == "month_day", true
			case config.KindNationalID, config.KindPhone:
				ok = sub == ""
			case config.KindGender:
				ok, isInt = sub == "", true
			case config.KindVNAddress:
				ok, isInt = sub == "" || sub == "ward_2025" || sub == "province_2025" || sub == "district" || sub == "ward_old", true
			}
			if !ok {
				return nil, fmt.Errorf("blocking key %q: kind %s part %q is not supported by the benchmark", spec, kind, sub)
			}
			col := "k_" + strings.NewReplacer(".", "__", "-", "_").Replace(spec)
			p.byName[spec] = len(p.list)
			p.list = append(p.list, part{spec: spec, col: col, field: fi, kind: kind, sub: sub, isInt: isInt})
		}
	}
	return p, nil
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

// fieldValue is one normalized field of the current record.
type fieldValue struct {
	name  normalize.Name // slices valid until the next Name call
	date  int32
	sex   int32 // normalize.Gender code, 0 when unknown
	str   []byte
	addr  normalize.Address
	enc   normalize.Encoding // an address's legacy encoding, if any
	ready bool
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
	// One Normalizer per field kind that keeps slices: a name's slices
	// must survive normalizing the next field.
	nameNorm := normalize.New(normalize.Options{RefYear: cfg.ReferenceYear})
	textNorm := normalize.New(normalize.Options{RefYear: cfg.ReferenceYear})
	addr := normalize.NewAddressParser()
	vals := make([]fieldValue, len(cfg.Fields))
	var bufs = make([][]byte, len(cfg.Fields))
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
			cell := func(k, i int) []byte {
				if arrs[k].IsNull(i) {
					return nil
				}
				return []byte(arrs[k].Value(i))
			}
			// value normalizes field f of row i once, as pipeline/load.go.
			var join []byte
			var value func(f, i int) *fieldValue
			value = func(f, i int) *fieldValue {
				v := &vals[f]
				if v.ready {
					return v
				}
				// As pipeline/load.go: the first legacy encoding found in
				// the row's addresses decides a name that reads plausibly
				// either way. The addresses go first: they reuse join.
				hint := normalize.EncodingNone
				if cfg.Fields[f].Kind == config.KindPersonName {
					for g := range cfg.Fields {
						if cfg.Fields[g].Kind == config.KindVNAddress && hint == normalize.EncodingNone {
							hint = value(g, i).enc
						}
					}
				}
				join = join[:0]
				for k, c := range cfg.Fields[f].Columns {
					if k > 0 {
						join = append(join, ' ')
					}
					join = append(join, cell(colOf[c], i)...)
				}
				in := bytes.TrimSpace(join)
				switch cfg.Fields[f].Kind {
				case config.KindPersonName:
					v.name = nameNorm.NameHint(in, hint)
				case config.KindDate:
					d := normalize.ParseDate(in, normalize.DateOptions{RefYear: cfg.ReferenceYear})
					v.date = 0
					if d.Valid() {
						v.date = d.Packed()
					}
				case config.KindGender:
					// As pipeline/load.go: male or female, else unknown.
					v.sex = 0
					if g := normalize.ParseGender(in); g == normalize.GenderMale || g == normalize.GenderFemale {
						v.sex = int32(g)
					}
				case config.KindNationalID:
					id := normalize.ParseID(in)
					bufs[f] = id.AppendNumber(bufs[f][:0])
					if len(bufs[f]) != 9 && len(bufs[f]) != 12 {
						bufs[f] = bufs[f][:0]
					}
					v.str = bufs[f]
				case config.KindPhone:
					ph := normalize.ParsePhone(in)
					bufs[f] = bufs[f][:0]
					if ph.Valid() {
						bufs[f] = ph.AppendNumber(bufs[f])
					}
					v.str = bufs[f]
				case config.KindVNAddress:
					t := textNorm.Text(in)
					v.addr = addr.Parse(t.Canonical)
					v.enc = t.Encoding
				}
				v.ready = true
				return v
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
				for f := range vals {
					vals[f].ready = false
				}
				// Names first: a later Name call would overwrite them, and
				// only one person-name field is read per record here.
				b.Field(0).(*array.Int32Builder).Append(row)
				row++
				appendStr(b.Field(1), value(plan.name, i).name.Folded)
				for k, pt := range plan.list {
					v := value(pt.field, i)
					fb := b.Field(2 + k)
					switch pt.kind {
					case config.KindPersonName:
						nm := &v.name
						s := map[string][]byte{"": nm.Folded, "family": nm.FamilyFolded, "middle": nm.MiddleFolded,
							"given": nm.GivenFolded, "phonetic": nm.Phonetic, "variant": nm.VariantKeyFolded}[pt.sub]
						appendStr(fb, s)
					case config.KindNationalID, config.KindPhone:
						appendStr(fb, v.str)
					case config.KindGender:
						appendInt(fb, v.sex, v.sex != 0)
					case config.KindDate:
						d := v.date
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
					case config.KindVNAddress:
						a := &v.addr
						code := map[string]uint32{"": a.NewWard, "ward_2025": a.NewWard, "province_2025": a.NewProvince,
							"district": a.OldDistrict, "ward_old": a.OldWard}[pt.sub]
						appendInt(fb, int32(code), code != 0)
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
