package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/ordered"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/progress"
)

func init() {
	commands["normalize"] = command{summary: "normalize one table: names, dates, genders, IDs, phones, addresses, quality flags", run: runNormalize}
}

// normalizeRoles are the person fields and their default columns (the
// dedup gen population schema).
var normalizeRoles = []string{"full_name", "date_of_birth", "gender", "national_id", "phone", "permanent_address", "current_address"}

// addrRoles are the address roles, in output order.
var addrRoles = [2]string{"permanent_address", "current_address"}

func runNormalize(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("normalize", stderr)
	out := fs.String("out", "", "output table (.parquet, .csv or .arrow; required)")
	cfgPath := fs.String("config", "", "job config (YAML) whose fields map the input columns, as for dedup run; default: the embedded config")
	cols := fs.String("columns", "", "role=column,... to map the default config to another schema; roles: "+strings.Join(normalizeRoles, ", "))
	refYear := fs.Int("ref-year", 0, "reference year for two-digit years and future birth dates (0: none; with --config, default the config's reference_year)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	workers := fs.Int("workers", 0, "worker goroutines (default: all cores); the output is the same for any number")
	// Accept the input before or after the flags: dedup normalize IN --out OUT.
	var in string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		in, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if in == "" && fs.NArg() == 1 {
		in = fs.Arg(0)
	} else if fs.NArg() > 0 {
		in = ""
	}
	const usage = "usage: dedup normalize INPUT --out OUTPUT [--config C | --columns role=column,...] [--ref-year YYYY]"
	if in == "" || *out == "" {
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	if *cfgPath != "" && *cols != "" {
		fmt.Fprintln(stderr, "dedup normalize: --config and --columns together: map the columns in the config")
		fmt.Fprintln(stderr, usage)
		return errUsage
	}
	refSet := false
	fs.Visit(func(f *flag.Flag) { refSet = refSet || f.Name == "ref-year" })
	var m normalizeMapping
	if *cfgPath != "" {
		cfg, err := config.Load(*cfgPath)
		if err != nil {
			return err
		}
		m = normalizeMapping{cfg: cfg, required: func(int) bool { return true }}
		if !refSet {
			*refYear = cfg.ReferenceYear
		}
	} else {
		var err error
		if m, err = defaultMapping(*cols); err != nil {
			fmt.Fprintln(stderr, "dedup normalize:", err)
			return errUsage
		}
	}
	var rejects []dataio.Reject
	n, err := normalizeTable(in, *out, m, *refYear, *workers, *quiet, func(rj dataio.Reject) { rejects = append(rejects, rj) })
	if err != nil {
		return err
	}
	man, err := writeNormalizeSidecars(in, *out, n, rejects)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rows in %d: normalized %d, rejected %d; output %s, rejects %s\n", man.RowsIn, man.RowsOut, man.RowsRejected, *out, man.Rejects)
	return nil
}

// normalizeManifest is OUTPUT.manifest.json of dedup normalize: every input
// row is either normalized or rejected, and the counts add up.
type normalizeManifest struct {
	Input         string           `json:"input"`
	Output        string           `json:"output"`
	Rejects       string           `json:"rejects"`
	RowsIn        int64            `json:"rows_in"`
	RowsOut       int64            `json:"rows_out"`
	RowsRejected  int64            `json:"rows_rejected"`
	RejectReasons map[string]int64 `json:"reject_reasons"`
}

// writeNormalizeSidecars writes the rejects table and the manifest beside
// the output: OUT.rejects.parquet (file, row, column, reason; never cell
// values) and OUT.manifest.json.
func writeNormalizeSidecars(in, out string, rows int64, rejects []dataio.Reject) (*normalizeManifest, error) {
	base := strings.TrimSuffix(out, filepath.Ext(out))
	m := &normalizeManifest{Input: in, Output: out, Rejects: base + ".rejects.parquet", RowsOut: rows,
		RowsRejected: int64(len(rejects)), RejectReasons: map[string]int64{}}
	m.RowsIn = m.RowsOut + m.RowsRejected
	b := dataio.NewStringBatchBuilder(dataio.StringSchema("file", "row", "column", "reason"))
	defer b.Release()
	for _, rj := range rejects {
		b.Append([]string{rj.File, strconv.FormatInt(rj.Row, 10), rj.Column, rj.Reason})
		m.RejectReasons[rj.Reason]++
	}
	w, err := dataio.Create(m.Rejects, b.Schema())
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	rec := b.NewBatch()
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	if err := w.Commit(); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return m, dataio.WriteFileAtomic(base+".manifest.json", append(data, '\n'))
}

// normalizeMapping is the schema mapping of dedup normalize: a config's
// fields, and which of them the input must have.
type normalizeMapping struct {
	cfg *config.Config
	// required reports whether field i's columns must be in the input
	// (an error otherwise); a field that is not required and whose
	// columns are missing writes no columns.
	required func(i int) bool
	// roles names the --columns role of each field, for errors.
	roles map[int]string
}

// defaultMapping is the embedded default config with the --columns
// overrides: a role is the default column of a field (full_name feeds
// name, permanent_address feeds address...). Fields named in --columns are
// required; the others are written when the input has their column.
func defaultMapping(s string) (normalizeMapping, error) {
	cfg := config.Default()
	byRole := map[string]int{}
	for i, f := range cfg.Fields {
		if len(f.Columns) == 1 && slices.Contains(normalizeRoles, f.Columns[0]) {
			byRole[f.Columns[0]] = i
		}
	}
	m := normalizeMapping{cfg: cfg, roles: map[int]string{}}
	if s != "" {
		for _, kv := range strings.Split(s, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			i, known := byRole[k]
			if !ok || !known || v == "" {
				return m, fmt.Errorf("--columns: %q is not role=column with a role among %s", kv, strings.Join(normalizeRoles, ", "))
			}
			cfg.Fields[i].Columns = []string{v}
			m.roles[i] = k
		}
	}
	m.required = func(i int) bool { _, ok := m.roles[i]; return ok }
	return m, nil
}

// Legacy output prefixes: before --config, dedup normalize named the ID
// columns id_* and the permanent address ones permanent_address_*. The
// default config's fields national_id and address keep those names; every
// other field's columns are named after the field.
var legacyPrefix = map[[2]string]string{
	{"national_id", config.KindNationalID}: "id",
	{"address", config.KindVNAddress}:      "permanent_address",
}

// normalizedColumns returns the output columns of a field of the given
// kind, in order: prefix_part, except a date's value, which is the prefix
// itself. A timestamp writes none (the input column is kept as is).
func normalizedColumns(kind, prefix string) []outCol {
	str, i32 := arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32
	var cols []outCol
	add := func(typ arrow.DataType, parts ...string) {
		for _, p := range parts {
			name := prefix
			if p != "" {
				name += "_" + p
			}
			cols = append(cols, outCol{name, typ})
		}
	}
	switch kind {
	case config.KindPersonName:
		add(str, "canonical", "folded", "family", "middle", "given", "variant_key", "variant_key_iy", "phonetic", "order", "encoding")
	case config.KindDate:
		add(str, "")
		add(i32, "packed")
		add(str, "precision")
	case config.KindGender:
		add(str, "norm")
	case config.KindNationalID:
		add(str, "number", "kind", "province", "gender")
		add(i32, "birth_year")
	case config.KindPhone:
		add(str, "number", "kind", "carrier")
	case config.KindVNAddress:
		add(str, "old_province", "old_district", "old_ward", "new_province", "new_ward", "flags")
	case config.KindText:
		add(str, "canonical", "folded")
	}
	return cols
}

// outCol is one output column being built.
type outCol struct {
	name string
	typ  arrow.DataType
}

// normField is one config field as dedup normalize reads and writes it.
type normField struct {
	kind string
	src  []int // input columns, joined as dedup run joins them; nil: absent
	col  int   // its first output column
}

// planNormalize maps the config's fields onto the input schema and lays
// out the output: the input columns (as strings), each present field's
// normalized columns in config order, then flags, correct and complete.
// Errors name the config key (or the --columns role) at fault.
func planNormalize(in string, inSchema *arrow.Schema, m normalizeMapping) ([]normField, *arrow.Schema, error) {
	colIndex := map[string]int{}
	fields := append([]arrow.Field(nil), inSchema.Fields()...)
	names := map[string]string{} // output column → what made it
	for i := range fields {
		fields[i].Type, fields[i].Nullable = arrow.BinaryTypes.String, true
		colIndex[fields[i].Name] = i
		names[fields[i].Name] = "an input column"
	}
	var plan []normField
	for i, f := range m.cfg.Fields {
		nf := normField{kind: f.Kind, col: -1}
		for j, c := range f.Columns {
			k, ok := colIndex[c]
			if ok {
				nf.src = append(nf.src, k)
				continue
			}
			if m.required(i) {
				if role, ok := m.roles[i]; ok {
					return nil, nil, fmt.Errorf("%s: no column %q for role %s", in, c, role)
				}
				return nil, nil, fmt.Errorf("%s: fields[%d].columns[%d]: no input column %q", in, i, j, c)
			}
			nf.src = nil
			break
		}
		if nf.src != nil {
			prefix, ok := legacyPrefix[[2]string{f.Name, f.Kind}]
			if !ok {
				prefix = f.Name
			}
			for _, c := range normalizedColumns(f.Kind, prefix) {
				if prev, dup := names[c.name]; dup {
					return nil, nil, fmt.Errorf("%s: fields[%d].name: output column %q of field %s is already %s; rename the field", in, i, c.name, f.Name, prev)
				}
				names[c.name] = "a column of field " + f.Name
				if nf.col < 0 {
					nf.col = len(fields)
				}
				fields = append(fields, arrow.Field{Name: c.name, Type: c.typ, Nullable: true})
			}
		}
		plan = append(plan, nf)
	}
	for _, c := range []outCol{{"flags", arrow.BinaryTypes.String}, {"correct", arrow.FixedWidthTypes.Boolean}, {"complete", arrow.FixedWidthTypes.Boolean}} {
		if prev, dup := names[c.name]; dup {
			return nil, nil, fmt.Errorf("%s: output column %q is already %s; rename it", in, c.name, prev)
		}
		fields = append(fields, arrow.Field{Name: c.name, Type: c.typ, Nullable: true})
	}
	return plan, arrow.NewSchema(fields, nil), nil
}

// normalizeBatchRows is the rows per input batch; 0 is the reader's
// default. Tests lower it to exercise many batches on small inputs.
var normalizeBatchRows = 0

// normalizeTable streams in to out: the input columns (as strings) and the
// normalized columns of the mapped fields (see planNormalize). Batches are
// normalized on workers goroutines, each with its own normalizer, and
// written in input order, so the output does not depend on workers; at
// most 2 × workers batches are in memory.
func normalizeTable(in, out string, m normalizeMapping, refYear, workers int, quiet bool, onReject func(dataio.Reject)) (int64, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	probe, err := dataio.Open(in, dataio.ReadOptions{AsStrings: true, BatchSize: 1})
	if err != nil {
		return 0, err
	}
	inSchema := probe.Schema()
	probe.Close()
	plan, schema, err := planNormalize(in, inSchema, m)
	if err != nil {
		return 0, err
	}

	r, err := dataio.Open(in, dataio.ReadOptions{AsStrings: true, OnReject: onReject, BatchSize: normalizeBatchRows})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	w, err := dataio.Create(out, schema)
	if err != nil {
		return 0, err
	}
	committed := false
	defer func() {
		if !committed {
			w.Abort()
		}
	}()
	var rep *progress.Reporter
	if !quiet {
		rep = progress.New("normalize", 0, progress.Options{})
	}

	// An ordered pool: the workers normalize the batches, the writer takes
	// them in input order.
	builders := make([]*array.RecordBuilder, workers)
	normalizers := make([]*rowNormalizer, workers)
	for k := range workers {
		builders[k] = array.NewRecordBuilder(memory.DefaultAllocator, schema)
		defer builders[k].Release()
		normalizers[k] = newRowNormalizer(plan, refYear)
	}
	var rows int64
	err = ordered.Pool[arrow.RecordBatch, arrow.RecordBatch]{
		Workers: workers,
		Work: func(k int, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
			defer batch.Release()
			return normalizeBatch(in, builders[k], normalizers[k], batch)
		},
		Consume: func(out arrow.RecordBatch) error {
			defer out.Release()
			if err := w.Write(out); err != nil {
				return err
			}
			rows += out.NumRows()
			if rep != nil {
				rep.Add(out.NumRows())
			}
			return nil
		},
		Discard: func(out arrow.RecordBatch) { out.Release() },
	}.Stream(context.Background(), func(emit func(arrow.RecordBatch) bool) error {
		for r.Next() {
			batch := r.Batch()
			batch.Retain()
			if !emit(batch) {
				batch.Release()
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return rows, err
	}
	if err := r.Err(); err != nil {
		return rows, err
	}
	if rep != nil {
		rep.Done()
	}
	if err := w.Commit(); err != nil {
		return rows, err
	}
	committed = true
	return rows, nil
}

// normalizeBatch builds the output batch of one input batch with b and rn
// (one of each per worker).
func normalizeBatch(in string, b *array.RecordBuilder, rn *rowNormalizer, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	nin := int(batch.NumCols())
	cols := make([]*array.String, nin)
	for i := range cols {
		c, ok := batch.Column(i).(*array.String)
		if !ok {
			return nil, errors.New(in + ": reader did not deliver strings")
		}
		cols[i] = c
	}
	for row := 0; row < int(batch.NumRows()); row++ {
		for i := 0; i < nin; i++ {
			sb := b.Field(i).(*array.StringBuilder)
			if cols[i].IsNull(row) {
				sb.AppendNull()
			} else {
				sb.Append(cols[i].Value(row))
			}
		}
		rn.row(b, func(col int) []byte {
			if cols[col].IsNull(row) {
				return nil
			}
			return bytes.TrimSpace([]byte(cols[col].Value(row)))
		})
	}
	return b.NewRecordBatch(), nil
}

// rowNormalizer normalizes the fields of one row into the output columns;
// its buffers are reused from row to row.
type rowNormalizer struct {
	plan    []normField
	refYear int
	nz      *normalize.Normalizer
	ap      *normalize.AddressParser
	vals    [][]byte // per field, its raw value (nil when absent)
	span    [][2]int // per field, its value's bounds in join
	join    []byte
	buf     []byte
	addrs   []normalize.Address
	addrEnc []normalize.Encoding
}

func newRowNormalizer(plan []normField, refYear int) *rowNormalizer {
	return &rowNormalizer{plan: plan, refYear: refYear,
		nz: normalize.New(normalize.Options{RefYear: refYear}), ap: normalize.NewAddressParser(),
		vals: make([][]byte, len(plan)), span: make([][2]int, len(plan)), addrs: make([]normalize.Address, len(plan)), addrEnc: make([]normalize.Encoding, len(plan))}
}

// row normalizes one row; cell returns a trimmed input cell (nil when
// null). Fields of the person kinds the config has are checked even when
// the input lacks their column (a missing value is flagged, as it would be
// if the column were there and empty); other absent fields are skipped.
func (rn *rowNormalizer) row(b *array.RecordBuilder, cell func(col int) []byte) {
	// A field's value is its cells joined with one space, as dedup run
	// joins them. The values share one buffer, sliced once it is whole.
	rn.join = rn.join[:0]
	for i, f := range rn.plan {
		rn.span[i][0] = len(rn.join)
		for k, c := range f.src {
			if k > 0 {
				rn.join = append(rn.join, ' ')
			}
			rn.join = append(rn.join, cell(c)...)
		}
		rn.span[i][1] = len(rn.join)
	}
	for i, f := range rn.plan {
		rn.vals[i] = nil
		if f.src != nil {
			rn.vals[i] = bytes.TrimSpace(rn.join[rn.span[i][0]:rn.span[i][1]])
		}
	}
	// Addresses first: a row is typed in one system, so the legacy
	// encoding found in an address is the name's hint, and the name's the
	// hint of an address that alone did not decode.
	hint := normalize.EncodingNone
	for i, f := range rn.plan {
		if f.kind == config.KindVNAddress && f.src != nil {
			t := rn.nz.Text(rn.vals[i])
			rn.addrEnc[i] = t.Encoding
			rn.addrs[i] = rn.ap.ParseText(t)
			if hint == normalize.EncodingNone && t.Encoding != normalize.EncodingVIQR {
				hint = t.Encoding
			}
		}
	}
	str := func(k int, v string) { b.Field(k).(*array.StringBuilder).Append(v) }
	var flags normalize.Flags
	nameEnc, haveName := normalize.EncodingNone, false
	var dob normalize.Date
	var gender normalize.Gender
	haveDOB, haveGender := false, false
	var ids []int // national_id fields, checked against the first date and gender
	for i, f := range rn.plan {
		v, k := rn.vals[i], f.col
		switch f.kind {
		case config.KindPersonName:
			// Name's slices live in the Normalizer: written out before the
			// next Text call.
			nm := rn.nz.NameHint(v, hint)
			flags |= nm.Flags
			if !haveName {
				nameEnc, haveName = nm.Encoding, true
			}
			if f.src != nil {
				for j, p := range [][]byte{nm.Canonical, nm.Folded, nm.Family, nm.Middle, nm.Given, nm.VariantKey, nm.VariantKeyIY, nm.Phonetic} {
					str(k+j, string(p))
				}
				str(k+8, nm.Order.String())
				str(k+9, nm.Encoding.String())
			}
		case config.KindDate:
			d := normalize.ParseDate(v, normalize.DateOptions{RefYear: rn.refYear})
			flags |= d.Flags
			if !haveDOB {
				dob, haveDOB = d, true
			}
			if f.src != nil {
				str(k, d.String())
				b.Field(k + 1).(*array.Int32Builder).Append(d.Packed())
				str(k+2, d.Precision.String())
			}
		case config.KindGender:
			g := normalize.ParseGender(v)
			switch g {
			case normalize.GenderUnknown:
				flags |= normalize.FlagGenderMissing
			case normalize.GenderInvalid:
				flags |= normalize.FlagGenderInvalid
			}
			if !haveGender {
				gender, haveGender = g, true
			}
			if f.src != nil {
				str(k, g.String())
			}
		case config.KindNationalID:
			ids = append(ids, i)
		case config.KindPhone:
			p := normalize.ParsePhone(v)
			flags |= p.Flags
			if f.src != nil {
				str(k, p.String())
				str(k+1, p.Kind.String())
				str(k+2, p.Carrier)
			}
		case config.KindText:
			if f.src != nil {
				t := rn.nz.Text(v)
				flags |= t.Flags
				str(k, string(t.Canonical))
				str(k+1, string(t.Folded))
			}
		}
	}
	for _, i := range ids {
		f := rn.plan[i]
		id := normalize.ParseID(rn.vals[i])
		flags |= id.Flags | normalize.CheckIDConsistency(id, dob, gender)
		if id.Kind == normalize.IDCCCD && rn.refYear > 0 && int(id.BirthYear) > rn.refYear {
			flags |= normalize.FlagIDFutureYear
		}
		if k := f.col; f.src != nil {
			str(k, id.String())
			str(k+1, id.Kind.String())
			prov := ""
			if id.Province != 0 {
				prov = fmt.Sprintf("%02d", id.Province)
			}
			str(k+2, prov)
			str(k+3, id.Gender.String())
			b.Field(k + 4).(*array.Int32Builder).Append(int32(id.BirthYear))
		}
	}
	for i, f := range rn.plan {
		if f.kind != config.KindVNAddress || f.src == nil {
			continue
		}
		a := rn.addrs[i]
		if rn.addrEnc[i] == normalize.EncodingNone && nameEnc != normalize.EncodingNone {
			a = rn.ap.ParseText(rn.nz.TextHint(rn.vals[i], nameEnc))
		}
		k := f.col
		for j, c := range []struct {
			code   uint32
			digits int
		}{{a.OldProvince, normalize.ProvinceDigits}, {a.OldDistrict, normalize.DistrictDigits}, {a.OldWard, normalize.WardDigits},
			{a.NewProvince, normalize.ProvinceDigits}, {a.NewWard, normalize.WardDigits}} {
			rn.buf = normalize.AppendCode(rn.buf[:0], c.code, c.digits)
			str(k+j, string(rn.buf))
		}
		str(k+5, a.Flags.String())
	}
	k := b.Schema().NumFields() - 3
	str(k, flags.String())
	b.Field(k + 1).(*array.BooleanBuilder).Append(flags.Correct())
	b.Field(k + 2).(*array.BooleanBuilder).Append(flags.Complete())
}
