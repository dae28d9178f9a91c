package explain

// This file mirrors, for a handful of records, what package pipeline does
// for a whole run: planColumns and normalizeField (pipeline/load.go), the
// store's roles and column names (pipeline/store.go), columnFor and
// compileComparisons (pipeline/score.go) and compilePart (pipeline/block.go).
// pipeline keeps those unexported; the duplication should move into a
// pipeline.ComparePair API so that the two cannot drift apart. Until then
// the tests check this copy against the scores pipeline wrote.

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/normalize"
)

// Roles per field kind, in pipeline's order (pipeline/store.go).
var (
	nameRoles    = []string{"canonical", "folded", "variant_key", "family", "middle", "given", "phonetic"}
	addressInts  = []string{"ward_2025", "district_old", "province_2025", "ward_old", "province_old"}
	textRoles    = []string{"value", "canonical"}
	addressTexts = []string{"street"}
)

func stringRoles(kind string) []string {
	switch kind {
	case config.KindPersonName:
		return nameRoles
	case config.KindNationalID:
		return []string{"digits"}
	case config.KindPhone:
		return []string{"phones"}
	case config.KindText:
		return textRoles
	case config.KindVNAddress:
		return addressTexts
	}
	return nil
}

func intRoles(kind string) []string {
	switch kind {
	case config.KindDate:
		return []string{"date"}
	case config.KindGender:
		return []string{"value"}
	case config.KindVNAddress:
		return addressInts
	}
	return nil
}

// columnPlan maps config fields to the projected input columns.
type columnPlan struct {
	columns []string // projected columns; 0 is the record id
	fields  [][]int  // per config field, indexes into columns
}

func planColumns(cfg *config.Config) columnPlan {
	p := columnPlan{columns: []string{cfg.RecordID}}
	index := map[string]int{cfg.RecordID: 0}
	for _, f := range cfg.Fields {
		var idx []int
		for _, c := range f.Columns {
			i, ok := index[c]
			if !ok {
				i = len(p.columns)
				index[c] = i
				p.columns = append(p.columns, c)
			}
			idx = append(idx, i)
		}
		p.fields = append(p.fields, idx)
	}
	return p
}

// fieldVals holds one field's normalized roles for the few records.
type fieldVals struct {
	name, kind string
	strs       [][][]byte // [role][row]
	ints       [][]int32  // [role][row]
	ts         []int64
}

func (f *fieldVals) str(role string) [][]byte {
	for i, r := range stringRoles(f.kind) {
		if r == role {
			return f.strs[i]
		}
	}
	return nil
}

func (f *fieldVals) int32s(role string) []int32 {
	for i, r := range intRoles(f.kind) {
		if r == role {
			return f.ints[i]
		}
	}
	return nil
}

// miniStore is pipeline's columnar store for a few rows.
type miniStore struct {
	n      int
	fields []fieldVals
	norm   *normalize.Normalizer
	addr   *normalize.AddressParser
	cfg    *config.Config
	buf    []byte
}

func newMiniStore(cfg *config.Config) *miniStore {
	s := &miniStore{
		cfg:  cfg,
		norm: normalize.New(normalize.Options{RefYear: cfg.ReferenceYear}),
		addr: normalize.NewAddressParser(),
	}
	for _, f := range cfg.Fields {
		fv := fieldVals{name: f.Name, kind: f.Kind}
		fv.strs = make([][][]byte, len(stringRoles(f.Kind)))
		fv.ints = make([][]int32, len(intRoles(f.Kind)))
		s.fields = append(s.fields, fv)
	}
	return s
}

func (s *miniStore) field(name string) *fieldVals {
	for i := range s.fields {
		if s.fields[i].name == name {
			return &s.fields[i]
		}
	}
	return nil
}

// joinField joins a field's input cells as pipeline does: each cell
// trimmed, joined with one space, the result trimmed.
func joinField(cells []string) []byte {
	var b []byte
	for k, c := range cells {
		if k > 0 {
			b = append(b, ' ')
		}
		b = append(b, strings.TrimSpace(c)...)
	}
	return bytes.TrimSpace(b)
}

// add normalizes one record given its raw value per config field.
func (s *miniStore) add(raw [][]byte) error {
	for f := range s.cfg.Fields {
		if err := s.normalizeField(&s.cfg.Fields[f], &s.fields[f], raw[f]); err != nil {
			return err
		}
	}
	s.n++
	return nil
}

// normalizeField is pipeline's normalizeField (pipeline/load.go) storing
// copies of the normalized roles.
func (s *miniStore) normalizeField(f *config.Field, fs *fieldVals, v []byte) error {
	add := func(j int, b []byte) { fs.strs[j] = append(fs.strs[j], bytes.Clone(b)) }
	switch f.Kind {
	case config.KindPersonName:
		nm := s.norm.Name(v)
		add(0, nm.Canonical)
		add(1, nm.Folded)
		add(2, nm.VariantKeyFolded)
		add(3, nm.FamilyFolded)
		add(4, nm.MiddleFolded)
		add(5, nm.GivenFolded)
		add(6, nm.Phonetic)
	case config.KindDate:
		d := normalize.ParseDate(v, normalize.DateOptions{RefYear: s.cfg.ReferenceYear})
		packed := int32(0)
		if d.Valid() {
			packed = d.Packed()
		}
		fs.ints[0] = append(fs.ints[0], packed)
	case config.KindGender:
		g := normalize.ParseGender(v)
		code := int32(0)
		if g == normalize.GenderMale || g == normalize.GenderFemale {
			code = int32(g)
		}
		fs.ints[0] = append(fs.ints[0], code)
	case config.KindNationalID:
		id := normalize.ParseID(v)
		s.buf = id.AppendNumber(s.buf[:0])
		if len(s.buf) != 9 && len(s.buf) != 12 {
			s.buf = s.buf[:0]
		}
		add(0, s.buf)
	case config.KindPhone:
		p := normalize.ParsePhone(v)
		s.buf = s.buf[:0]
		if p.Valid() {
			s.buf = p.AppendNumber(s.buf)
		}
		add(0, s.buf)
	case config.KindVNAddress:
		t := s.norm.Text(v)
		a := s.addr.Parse(t.Canonical)
		s.buf = append(s.buf[:0], a.House...)
		if len(a.House) > 0 && len(a.Street) > 0 {
			s.buf = append(s.buf, ' ')
		}
		s.buf = append(s.buf, a.Street...)
		add(0, s.buf)
		fs.ints[0] = append(fs.ints[0], int32(a.NewWard))
		fs.ints[1] = append(fs.ints[1], int32(a.OldDistrict))
		fs.ints[2] = append(fs.ints[2], int32(a.NewProvince))
		fs.ints[3] = append(fs.ints[3], int32(a.OldWard))
		fs.ints[4] = append(fs.ints[4], int32(a.OldProvince))
	case config.KindText:
		t := s.norm.Text(v)
		add(0, t.Folded)
		add(1, t.Canonical)
	case config.KindTimestamp:
		fs.ts = append(fs.ts, parseTimestamp(v))
	default:
		return fmt.Errorf("field %s: unknown kind %q", f.Name, f.Kind)
	}
	return nil
}

// parseTimestamp is pipeline's: RFC 3339 or a date, else 0.
func parseTimestamp(v []byte) int64 {
	s := string(v)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Unix()
		}
	}
	return 0
}

// linkageColumns exposes the store to the comparisons by column name,
// "<field>.<role>" as in pipeline.
func (s *miniStore) linkageColumns() linkage.Columns {
	cols := linkage.Columns{Rows: s.n, Strings: map[string]linkage.StringColumn{}, Ints: map[string][]int32{}}
	for i := range s.fields {
		f := &s.fields[i]
		for j, role := range stringRoles(f.kind) {
			var c linkage.StringColumn
			c.Offsets = append(c.Offsets, 0)
			for _, v := range f.strs[j] {
				c.Data = append(c.Data, v...)
				c.Offsets = append(c.Offsets, uint32(len(c.Data)))
			}
			cols.Strings[f.name+"."+role] = c
		}
		for j, role := range intRoles(f.kind) {
			cols.Ints[f.name+"."+role] = f.ints[j]
		}
	}
	return cols
}

// columnFor is pipeline's columnFor (pipeline/score.go).
func columnFor(fs *fieldVals, role string) string {
	switch fs.kind {
	case config.KindPersonName:
		switch role {
		case "canonical", "folded", "variant_key":
			return fs.name + "." + role
		case "value":
			return fs.name + ".folded"
		}
	case config.KindDate:
		return fs.name + ".date"
	case config.KindGender:
		return fs.name + ".value"
	case config.KindNationalID:
		return fs.name + ".digits"
	case config.KindPhone:
		return fs.name + ".phones"
	case config.KindText:
		return fs.name + ".value"
	case config.KindVNAddress:
		return fs.name + "." + role
	}
	return ""
}

// compileComparisons is pipeline's compileComparisons.
func (s *miniStore) compileComparisons() (*linkage.Compiled, error) {
	specs := make([]linkage.Comparison, len(s.cfg.Comparisons))
	for i, c := range s.cfg.Comparisons {
		kind, err := linkage.ParseKind(c.Kind)
		if err != nil {
			return nil, fmt.Errorf("comparisons[%d].kind: %w", i, err)
		}
		spec := linkage.Comparison{Name: c.Name, Kind: kind, Bands: c.JWThresholds, TermFrequency: c.TermFrequency}
		for _, fname := range append([]string{c.Field}, c.Also...) {
			fs := s.field(fname)
			if fs == nil {
				return nil, fmt.Errorf("comparisons[%d]: unknown field %q", i, fname)
			}
			group := make([]string, 0, 3)
			for _, role := range kind.Roles() {
				group = append(group, columnFor(fs, role.Name))
			}
			spec.Inputs = append(spec.Inputs, group)
		}
		specs[i] = spec
	}
	return linkage.Compile(specs)
}

// tfColumn is the column whose value frequencies weigh comparison spec's
// exact levels (pipeline/score.go newScorer): the folded form for names,
// the first input otherwise.
func tfColumn(spec linkage.Comparison) string {
	if spec.Kind == linkage.KindName {
		return spec.Inputs[0][1]
	}
	return spec.Inputs[0][0]
}

// keyPart returns one part of a blocking key of a row as bytes, as
// pipeline's compilePart (pipeline/block.go) hashes it; ok is false when
// the row has no value for it.
func (s *miniStore) keyPart(spec string, row int) (val []byte, ok bool, err error) {
	name, sub, _ := strings.Cut(spec, ".")
	fs := s.field(name)
	if fs == nil {
		return nil, false, fmt.Errorf("blocking key %q: unknown field", spec)
	}
	str := func(role string) ([]byte, bool, error) {
		b := fs.str(role)[row]
		return b, len(b) > 0, nil
	}
	num := func(vals []int32, div int32, need func(int32) bool) ([]byte, bool, error) {
		v := vals[min(row, len(vals)-1)]
		if v == 0 || need != nil && !need(v) {
			return nil, false, nil
		}
		return fmt.Appendf(nil, "%d", v/div), true, nil
	}
	switch fs.kind {
	case config.KindPersonName:
		role := map[string]string{"": "folded", "family": "family", "middle": "middle", "given": "given", "phonetic": "phonetic", "variant": "variant_key"}[sub]
		if role == "" {
			break
		}
		return str(role)
	case config.KindDate:
		d := fs.int32s("date")
		switch sub {
		case "":
			return num(d, 1, func(v int32) bool { return v%100 != 0 && v/100%100 != 0 })
		case "year":
			return num(d, 10000, nil)
		case "year_month":
			return num(d, 100, func(v int32) bool { return v/100%100 != 0 })
		case "month_day":
			// The date without its year (full dates only).
			if v := d[row]; v%100 != 0 && v/100%100 != 0 {
				return num([]int32{v % 10000}, 1, nil)
			}
			return nil, false, nil
		}
	case config.KindGender:
		return num(fs.int32s("value"), 1, nil)
	case config.KindNationalID:
		return str("digits")
	case config.KindPhone:
		return str("phones")
	case config.KindText:
		return str("value")
	case config.KindVNAddress:
		role := map[string]string{"": "ward_2025", "ward_2025": "ward_2025", "province_2025": "province_2025", "district": "district_old", "ward_old": "ward_old"}[sub]
		if role == "" {
			break
		}
		return num(fs.int32s(role), 1, nil)
	}
	return nil, false, fmt.Errorf("blocking key %q: field kind %s has no part %q", spec, fs.kind, sub)
}
