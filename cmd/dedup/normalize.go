package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/dataio"
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
	cols := fs.String("columns", "", "role=column,... for another schema; roles: "+strings.Join(normalizeRoles, ", "))
	refYear := fs.Int("ref-year", 0, "reference year for two-digit years and future birth dates (0: none)")
	quiet := fs.Bool("quiet", false, "no progress on stderr")
	// Accept the input before or after the flags: dedup normalize IN --out OUT.
	var in string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		in, args = args[0], args[1:]
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if in == "" && fs.NArg() == 1 {
		in = fs.Arg(0)
	} else if fs.NArg() > 0 {
		in = ""
	}
	if in == "" || *out == "" {
		fmt.Fprintln(stderr, "usage: dedup normalize INPUT --out OUTPUT [--columns role=column,...] [--ref-year YYYY]")
		return errUsage
	}
	roles, explicit, err := parseRoles(*cols)
	if err != nil {
		fmt.Fprintln(stderr, "dedup normalize:", err)
		return errUsage
	}
	var rejects []dataio.Reject
	n, err := normalizeTable(in, *out, roles, explicit, *refYear, *quiet, func(rj dataio.Reject) { rejects = append(rejects, rj) })
	if err != nil {
		return err
	}
	m, err := writeNormalizeSidecars(in, *out, n, rejects)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "rows in %d: normalized %d, rejected %d; output %s, rejects %s\n", m.RowsIn, m.RowsOut, m.RowsRejected, *out, m.Rejects)
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

// parseRoles reads --columns; roles not named keep their default column.
func parseRoles(s string) (map[string]string, map[string]bool, error) {
	roles := map[string]string{}
	for _, r := range normalizeRoles {
		roles[r] = r
	}
	explicit := map[string]bool{}
	if s == "" {
		return roles, explicit, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if _, known := roles[k]; !ok || !known || v == "" {
			return nil, nil, fmt.Errorf("--columns: %q is not role=column with a role among %s", kv, strings.Join(normalizeRoles, ", "))
		}
		roles[k] = v
		explicit[k] = true
	}
	return roles, explicit, nil
}

// outCol is one output column being built.
type outCol struct {
	name string
	typ  arrow.DataType
}

// normalizeTable streams in to out: the input columns (as strings) and the
// normalized ones. A role whose column the input lacks is skipped unless it
// was named in --columns.
func normalizeTable(in, out string, roles map[string]string, explicit map[string]bool, refYear int, quiet bool, onReject func(dataio.Reject)) (int64, error) {
	probe, err := dataio.Open(in, dataio.ReadOptions{AsStrings: true, BatchSize: 1})
	if err != nil {
		return 0, err
	}
	inSchema := probe.Schema()
	probe.Close()
	colIndex := map[string]int{}
	for i, f := range inSchema.Fields() {
		colIndex[f.Name] = i
	}
	src := map[string]int{} // role → input column
	for _, r := range normalizeRoles {
		if i, ok := colIndex[roles[r]]; ok {
			src[r] = i
		} else if explicit[r] {
			return 0, fmt.Errorf("%s: no column %q for role %s", in, roles[r], r)
		}
	}
	var extra []outCol
	add := func(name string, typ arrow.DataType) { extra = append(extra, outCol{name, typ}) }
	str, i32, boo := arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32, arrow.FixedWidthTypes.Boolean
	if _, ok := src["full_name"]; ok {
		for _, c := range []string{"name_canonical", "name_folded", "name_family", "name_middle", "name_given",
			"name_variant_key", "name_variant_key_iy", "name_phonetic", "name_order", "name_encoding"} {
			add(c, str)
		}
	}
	if _, ok := src["date_of_birth"]; ok {
		add("dob", str)
		add("dob_packed", i32)
		add("dob_precision", str)
	}
	if _, ok := src["gender"]; ok {
		add("gender_norm", str)
	}
	if _, ok := src["national_id"]; ok {
		for _, c := range []string{"id_number", "id_kind", "id_province", "id_gender"} {
			add(c, str)
		}
		add("id_birth_year", i32)
	}
	if _, ok := src["phone"]; ok {
		for _, c := range []string{"phone_number", "phone_kind", "phone_carrier"} {
			add(c, str)
		}
	}
	for _, r := range addrRoles {
		if _, ok := src[r]; ok {
			for _, c := range []string{"old_province", "old_district", "old_ward", "new_province", "new_ward", "flags"} {
				add(r+"_"+c, str)
			}
		}
	}
	add("flags", str)
	add("correct", boo)
	add("complete", boo)

	fields := append([]arrow.Field(nil), inSchema.Fields()...)
	for i := range fields {
		fields[i].Type, fields[i].Nullable = str, true
	}
	for _, c := range extra {
		fields = append(fields, arrow.Field{Name: c.name, Type: c.typ, Nullable: true})
	}
	schema := arrow.NewSchema(fields, nil)

	r, err := dataio.Open(in, dataio.ReadOptions{AsStrings: true, OnReject: onReject})
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
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	nz := normalize.New(normalize.Options{RefYear: refYear})
	ap := normalize.NewAddressParser()
	var rows int64
	var buf []byte
	for r.Next() {
		batch := r.Batch()
		nin := int(batch.NumCols())
		cols := make([]*array.String, nin)
		for i := range cols {
			c, ok := batch.Column(i).(*array.String)
			if !ok {
				return rows, errors.New(in + ": reader did not deliver strings")
			}
			cols[i] = c
		}
		get := func(role string, row int) []byte {
			i, ok := src[role]
			if !ok || cols[i].IsNull(row) {
				return nil
			}
			return []byte(cols[i].Value(row))
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
			// Addresses first: a row is typed in one system, so the
			// legacy encoding found in an address is the name's hint,
			// and the name's the hint of an address that alone did not
			// decode.
			var addrs [2]normalize.Address
			var addrEnc [2]normalize.Encoding
			hint := normalize.EncodingNone
			for i, role := range addrRoles {
				if _, ok := src[role]; ok {
					t := nz.Text(get(role, row))
					addrEnc[i] = t.Encoding
					addrs[i] = ap.Parse(t.Canonical)
					if hint == normalize.EncodingNone && t.Encoding != normalize.EncodingVIQR {
						hint = t.Encoding
					}
				}
			}
			rec := nz.Record(normalize.RecordInput{FullName: get("full_name", row), DOB: get("date_of_birth", row),
				Gender: get("gender", row), NationalID: get("national_id", row), Phone: get("phone", row), Encoding: hint})
			k := nin
			s := func(v string) { b.Field(k).(*array.StringBuilder).Append(v); k++ }
			if _, ok := src["full_name"]; ok {
				nm := rec.Name
				for _, v := range [][]byte{nm.Canonical, nm.Folded, nm.Family, nm.Middle, nm.Given, nm.VariantKey, nm.VariantKeyIY, nm.Phonetic} {
					s(string(v))
				}
				s(nm.Order.String())
				s(nm.Encoding.String())
			}
			if _, ok := src["date_of_birth"]; ok {
				s(rec.DOB.String())
				b.Field(k).(*array.Int32Builder).Append(rec.DOB.Packed())
				k++
				s(rec.DOB.Precision.String())
			}
			if _, ok := src["gender"]; ok {
				s(rec.Gender.String())
			}
			if _, ok := src["national_id"]; ok {
				s(rec.ID.String())
				s(rec.ID.Kind.String())
				prov := ""
				if rec.ID.Province != 0 {
					prov = fmt.Sprintf("%02d", rec.ID.Province)
				}
				s(prov)
				s(rec.ID.Gender.String())
				b.Field(k).(*array.Int32Builder).Append(int32(rec.ID.BirthYear))
				k++
			}
			if _, ok := src["phone"]; ok {
				s(rec.Phone.String())
				s(rec.Phone.Kind.String())
				s(rec.Phone.Carrier)
			}
			nameEnc := rec.Name.Encoding // rec is overwritten by the next call of nz
			for i, role := range addrRoles {
				if _, ok := src[role]; !ok {
					continue
				}
				a := addrs[i]
				if addrEnc[i] == normalize.EncodingNone && nameEnc != normalize.EncodingNone {
					a = ap.Parse(nz.TextHint(get(role, row), nameEnc).Canonical)
				}
				for _, c := range []struct {
					code   uint32
					digits int
				}{{a.OldProvince, normalize.ProvinceDigits}, {a.OldDistrict, normalize.DistrictDigits}, {a.OldWard, normalize.WardDigits},
					{a.NewProvince, normalize.ProvinceDigits}, {a.NewWard, normalize.WardDigits}} {
					buf = normalize.AppendCode(buf[:0], c.code, c.digits)
					s(string(buf))
				}
				s(a.Flags.String())
			}
			s(rec.Flags.String())
			b.Field(k).(*array.BooleanBuilder).Append(rec.Flags.Correct())
			b.Field(k + 1).(*array.BooleanBuilder).Append(rec.Flags.Complete())
		}
		out := b.NewRecordBatch()
		err := w.Write(out)
		out.Release()
		if err != nil {
			return rows, err
		}
		rows += batch.NumRows()
		if rep != nil {
			rep.Add(batch.NumRows())
		}
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
