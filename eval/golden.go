package eval

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/runfolder"
)

// GoldenFields are the golden.parquet columns eval compares with the
// truth, each with its truth column: the default config's field names
// against `dedup gen`'s truth. A pair whose columns are not both present
// is skipped.
var GoldenFields = [][2]string{
	{"name", "true_full_name"},
	{"dob", "true_date_of_birth"},
	{"gender", "true_gender"},
	{"national_id", "true_national_id"},
	{"phone", "true_phone"},
	{"address" + runfolder.Ward2025Suffix, "true_permanent_ward_2025"},
	{"address" + runfolder.Province2025Suffix, "true_permanent_province_2025"},
	{"current_address" + runfolder.Ward2025Suffix, "true_current_ward_2025"},
	{"current_address" + runfolder.Province2025Suffix, "true_current_province_2025"},
}

// goldenExamples is how many cluster ids each corruption label keeps.
const goldenExamples = 3

// GoldenReport measures golden records against the truth's true values.
// A golden record stands for the person most of its members belong to (on
// a tie, its first member's); it is compared with that person's values.
type GoldenReport struct {
	Records int64 `json:"records"` // golden records with a member in the truth
	// Fields: one per compared column, in GoldenFields order.
	Fields []GoldenField `json:"fields"`
}

// GoldenField is one column's agreement with the truth.
type GoldenField struct {
	Field       string `json:"field"`
	TruthColumn string `json:"truth_column"`
	// Singletons and Multi: golden records of one member and of two or more.
	Singletons GoldenAgreement `json:"singletons"`
	Multi      GoldenAgreement `json:"multi"`
	// Mismatches by the corruption labels of the member the value came
	// from (`<field>_from`; "(no value)" when the golden value is empty),
	// most first, each with a few cluster ids.
	MismatchByCorruption []GoldenMismatch `json:"mismatch_by_corruption"`
}

// GoldenAgreement counts golden records whose value equals the truth's.
//
// Supported counts the golden records where at least one member of the
// person holds the true value, as written or as normalization restores it
// (no corruption label of the field but those in fixableLabels): what the
// members could support. The rest (every member's value lost, e.g. an ID
// missing or an old CMND where the truth holds the person's CCCD the
// register never saw) no survivorship can recover; they are reported,
// never dropped: Records = Supported + the rest.
type GoldenAgreement struct {
	Records        int64   `json:"records"` // with a true value to compare
	Equal          int64   `json:"equal"`
	Share          float64 `json:"share"`
	Supported      int64   `json:"supported"`
	SupportedEqual int64   `json:"supported_equal"`
	SupportedShare float64 `json:"supported_share"`
}

// fixableLabels are the corruption labels normalization undoes: a member
// carrying only these (for a field) still holds the field's true value.
var fixableLabels = map[string]bool{
	"name_upper": true, "name_nfd": true, "name_tcvn3": true, "name_vni": true, "name_old_tone": true,
	"name_telex": true, "name_reorder": true, "dob_format": true, "gender_format": true,
	"phone_format": true, "phone_old_prefix": true, "addr_abbrev": true, "addr_2025_units": true,
}

// holds tells whether a record with corruption labels corr holds the true
// value of truthCol: no label of that field but fixable ones.
func holds(truthCol, corr string) bool {
	for l := range strings.SplitSeq(corr, ";") {
		if l = strings.TrimSpace(l); l != "" && labelOf(truthCol, l) && !fixableLabels[l] {
			return false
		}
	}
	return true
}

// GoldenMismatch counts one label's mismatches, with a few cluster ids
// of singletons (Examples) and of clusters of 2+ (ExamplesMulti).
type GoldenMismatch struct {
	Label         string   `json:"label"`
	Singletons    int64    `json:"singletons"`
	Multi         int64    `json:"multi"`
	Examples      []string `json:"examples"`
	ExamplesMulti []string `json:"examples_multi"`
}

// goldenTruth is the truth's values by record: rows sorted by id hash.
type goldenTruth struct {
	hash   []uint64 // sorted
	row    []int32  // truth row of hash[i]
	person []uint64 // hash of the person id, by truth row
	corr   []string // corruptions cell, by truth row
	vals   [][]byte // per compared field: the values' arena
	offs   [][]uint32
}

func (t *goldenTruth) value(f int, row int32) []byte {
	return t.vals[f][t.offs[f][row]:t.offs[f][row+1]]
}

func (t *goldenTruth) find(id []byte) (int32, bool) {
	i, ok := slices.BinarySearch(t.hash, HashID(id))
	if !ok {
		return -1, false
	}
	return t.row[i], true
}

// sameValue tells whether a golden value equals the true one: byte for
// byte, or but for the tone marks' placement (the truth may write Thuý or
// Hoà, golden records write the new style Thúy, Hòa), letter case kept.
func sameValue(got, want []byte) bool {
	if bytes.Equal(got, want) {
		return true
	}
	if utf8.RuneCount(got) != utf8.RuneCount(want) {
		return false
	}
	g, _, _ := normalize.TextString(string(got))
	w, _, _ := normalize.TextString(string(want))
	if g != w {
		return false
	}
	rg, rw := []rune(string(got)), []rune(string(want))
	for i := range rg {
		if unicode.IsUpper(rg[i]) != unicode.IsUpper(rw[i]) {
			return false
		}
	}
	return true
}

// labelOf tells whether a corruption label bears on a truth column:
// dob_* on true_date_of_birth, addr_* on the addresses' units, and so on;
// eval counts the others as "(other)".
func labelOf(truthCol, label string) bool {
	for _, p := range [][2]string{
		{"true_full_name", "name_"}, {"true_date_of_birth", "dob_"}, {"true_gender", "gender_"},
		{"true_national_id", "id_"}, {"true_phone", "phone_"},
		{"_ward_", "addr_"}, {"_province_", "addr_"}, {"_ward_", "moved_"}, {"_province_", "moved_"},
	} {
		if strings.Contains(truthCol, p[0]) && strings.HasPrefix(label, p[1]) {
			return true
		}
	}
	return false
}

// measureGolden measures path (golden.parquet) against the truth file; nil, nil
// when the truth holds none of GoldenFields' truth columns.
func measureGolden(path, truthPath, idCol, entCol string) (*GoldenReport, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	cols := []string{idCol, entCol, "corruptions"}
	for _, p := range GoldenFields {
		cols = append(cols, p[1])
	}
	tr, err := openTable(truthPath, cols, 0)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	if !tr.has(0) || !tr.has(1) {
		return nil, nil
	}
	var fields []int // index into GoldenFields of each truth column present
	for i := range GoldenFields {
		if tr.has(3 + i) {
			fields = append(fields, i)
		}
	}
	if len(fields) == 0 {
		return nil, nil
	}
	t := &goldenTruth{vals: make([][]byte, len(fields)), offs: make([][]uint32, len(fields))}
	for k := range fields {
		t.offs[k] = []uint32{0}
	}
	var buf []byte
	for tr.next() {
		for i := 0; i < tr.n; i++ {
			buf = tr.cols[0].appendText(buf[:0], i)
			t.hash = append(t.hash, HashID(buf))
			buf = tr.cols[1].appendText(buf[:0], i)
			t.person = append(t.person, HashID(buf))
			corr := ""
			if tr.cols[2] != nil {
				corr = string(tr.cols[2].appendText(buf[:0], i))
			}
			t.corr = append(t.corr, corr)
			for k, f := range fields {
				t.vals[k] = tr.cols[3+f].appendText(t.vals[k], i)
				t.offs[k] = append(t.offs[k], uint32(len(t.vals[k])))
			}
		}
	}
	if tr.err != nil {
		return nil, tr.err
	}
	t.row = make([]int32, len(t.hash))
	for i := range t.row {
		t.row[i] = int32(i)
	}
	slices.SortFunc(t.row, func(a, b int32) int { return cmp.Compare(t.hash[a], t.hash[b]) })
	sorted := make([]uint64, len(t.hash))
	for i, r := range t.row {
		sorted[i] = t.hash[r]
	}
	t.hash = sorted

	gcols := []string{runfolder.ColClusterID, runfolder.ColMemberIDs}
	for _, f := range fields {
		gcols = append(gcols, GoldenFields[f][0], GoldenFields[f][0]+runfolder.FromSuffix)
	}
	gr, err := openTable(path, gcols, 2)
	if err != nil {
		return nil, err
	}
	defer gr.close()
	rep := &GoldenReport{}
	type mis struct {
		single, multi int64
		examples      [2][]string // singletons, 2+ records
	}
	byLabel := make([]map[string]*mis, len(fields))
	for k, f := range fields {
		byLabel[k] = map[string]*mis{}
		rep.Fields = append(rep.Fields, GoldenField{Field: GoldenFields[f][0], TruthColumn: GoldenFields[f][1]})
	}
	var members, val, from []byte
	var rows []int32
	for gr.next() {
		for i := 0; i < gr.n; i++ {
			members = gr.cols[1].appendText(members[:0], i)
			rows = rows[:0]
			n := 0
			for _, id := range bytes.Split(members, []byte(";")) {
				if len(id) == 0 {
					continue
				}
				n++
				if r, ok := t.find(id); ok {
					rows = append(rows, r)
				}
			}
			if len(rows) == 0 {
				continue
			}
			rep.Records++
			// The person most members belong to; the first on a tie.
			best, bestN := rows[0], 0
			for _, r := range rows {
				c := 0
				for _, o := range rows {
					if t.person[o] == t.person[r] {
						c++
					}
				}
				if c > bestN {
					best, bestN = r, c
				}
			}
			for k := range fields {
				want := t.value(k, best)
				if len(want) == 0 {
					continue
				}
				agr := &rep.Fields[k].Singletons
				if n > 1 {
					agr = &rep.Fields[k].Multi
				}
				agr.Records++
				supported := false
				for _, r := range rows {
					if t.person[r] == t.person[best] && holds(GoldenFields[fields[k]][1], t.corr[r]) {
						supported = true
						break
					}
				}
				if supported {
					agr.Supported++
				}
				if gr.cols[2+2*k] != nil {
					val = gr.cols[2+2*k].appendText(val[:0], i)
				}
				if sameValue(val, want) {
					agr.Equal++
					if supported {
						agr.SupportedEqual++
					}
					continue
				}
				labels := []string{"(no value)"}
				if len(val) > 0 {
					labels = []string{"(none)"}
					if c := gr.cols[3+2*k]; c != nil {
						from = c.appendText(from[:0], i)
						if r, ok := t.find(from); ok && t.corr[r] != "" {
							labels = nil
							for _, l := range bytes.Split([]byte(t.corr[r]), []byte(";")) {
								if l = bytes.TrimSpace(l); len(l) > 0 {
									labels = append(labels, string(l))
								}
							}
						}
					}
				}
				labels = slices.DeleteFunc(labels, func(l string) bool {
					return l[0] != '(' && !labelOf(GoldenFields[fields[k]][1], l)
				})
				if len(labels) == 0 {
					labels = append(labels, "(other)") // only labels of other fields
				}
				for _, l := range labels {
					m := byLabel[k][l]
					if m == nil {
						m = &mis{}
						byLabel[k][l] = m
					}
					if n > 1 {
						m.multi++
					} else {
						m.single++
					}
					if e := &m.examples[min(n-1, 1)]; len(*e) < goldenExamples {
						*e = append(*e, string(gr.cols[0].appendText(nil, i)))
					}
				}
			}
		}
	}
	if gr.err != nil {
		return nil, gr.err
	}
	for k := range rep.Fields {
		f := &rep.Fields[k]
		for _, a := range []*GoldenAgreement{&f.Singletons, &f.Multi} {
			a.Share = Recall(a.Equal, a.Records)
			a.SupportedShare = Recall(a.SupportedEqual, a.Supported)
		}
		f.MismatchByCorruption = []GoldenMismatch{}
		for l, m := range byLabel[k] {
			f.MismatchByCorruption = append(f.MismatchByCorruption, GoldenMismatch{Label: l, Singletons: m.single, Multi: m.multi,
				Examples: m.examples[0], ExamplesMulti: m.examples[1]})
		}
		slices.SortFunc(f.MismatchByCorruption, func(a, b GoldenMismatch) int {
			if c := cmp.Compare(b.Singletons+b.Multi, a.Singletons+a.Multi); c != 0 {
				return c
			}
			return cmp.Compare(a.Label, b.Label)
		})
	}
	return rep, nil
}

// goldenTable writes the golden section of the table report.
func (g *GoldenReport) table(line func(string, ...any)) {
	line("")
	// "held": the records where a member holds the true value (as written
	// or as normalization restores it); for singletons, what normalization
	// should have got right.
	line("GOLDEN vs TRUTH\tsingletons\t\tsingletons, held\t\t2+ records\t\t2+, held\t\t2+, no member holds it\t(%d golden records)", g.Records)
	for _, f := range g.Fields {
		o, m := &f.Singletons, &f.Multi
		line("  %s\t%s\t(%d)\t%s\t(%d)\t%s\t(%d)\t%s\t(%d)\t%d of %d right", f.Field, pct(o.Share), o.Records, pct(o.SupportedShare), o.Supported,
			pct(m.Share), m.Records, pct(m.SupportedShare), m.Supported, m.Equal-m.SupportedEqual, m.Records-m.Supported)
	}
	for _, f := range g.Fields {
		if len(f.MismatchByCorruption) == 0 {
			continue
		}
		line("  %s mismatches by corruption\tsingletons\t2+ records\texamples", f.Field)
		for i, m := range f.MismatchByCorruption {
			if i == 8 {
				line("    ... %d more labels", len(f.MismatchByCorruption)-i)
				break
			}
			line("    %s\t%d\t%d\t%s", m.Label, m.Singletons, m.Multi, fmt.Sprint(m.ExamplesMulti, m.Examples))
		}
	}
}

// RunFile is the path of a run folder's table name (runfolder.FileGolden,
// FileClusters, FilePairs…): the Parquet file, or its CSV sibling when
// only that exists (a run written with --format csv). The Parquet path
// when neither does, so an error names the file expected.
func RunFile(dir, name string) string {
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if c := strings.TrimSuffix(p, ".parquet") + ".csv"; c != p {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	return p
}
