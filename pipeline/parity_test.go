package pipeline

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/cleanse"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/store"
)

// parityRows are rows whose names and addresses are typed in TCVN3, VNI,
// VIQR and NFD, next to rows that need no hint (so that a hint left over
// from the row before would show), with dates in every order.
var parityRows = [][]string{
	{"r1", "NguyÔn ThÞ Thñy", "05/04/1990", "Nữ", "001190012345", "0912345678", "Sè 94 §. Phan Chu Trinh, P. LÜnh Nam, Q. Hoµng Mai, TP. Hµ Néi", "", "2024-01-01"},
	{"r2", "Hoà Trung Bình", "12/25/1990", "Nam", "079090001234", "abc", "Phöôøng Beán Ngheù, Quaän 1, TP. Hoà Chí Minh", "", "2024-01-02"},
	{"r3", "Hoà Trung Bình", "1990-12-25", "", "", "", "Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh", "", ""},
	{"r4", "Nguye^~n Va(n An", "19901225", "x", "123456789", "+84 912 345 678", "Phu+o+`ng Be^'n Nghe', Qua^.n 1, TP. Ho^` Chi' Minh", "Phöôøng Beán Ngheù, Quaän 1", "2024-01-03"},
	{"r5", "Hoà Trung Bình", "04/05/90", "Nam", "", "", "", "Sè 94 §. Phan Chu Trinh, P. LÜnh Nam, Q. Hoµng Mai, TP. Hµ Néi", ""},
	{"r6", "Nguye\u0302\u0303n Thi\u0323 Lan", "25/12/1990", "Nu\u031b\u0303", "001290012345", "0987654321", "Pho\u031b\u0300ng Be\u0302\u0301n Nghe\u0301, Qua\u0302\u0323n 1, TP. Ho\u0302\u0300 Chi\u0301 Minh", "", "2024-01-04"},
	{"r7", "Hoà Trung Bình", "901225", "Nữ", "", "", "Phường Bến Nghé, Quận 1", "", ""},
}

var parityHeader = []string{"record_id", "full_name", "date_of_birth", "gender", "national_id", "phone", "permanent_address", "current_address", "updated_at"}

// TestRowParity: for every date_format, the row explain builds
// (Records), the row dedup normalize writes (cleanse) and the row the run
// stores are the same row: the same names, dates, genders, IDs, phones,
// address codes and flags.
func TestRowParity(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	f, err := os.Create(in)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	_ = w.Write(parityHeader)
	_ = w.WriteAll(parityRows)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, order := range []string{"dmy", "mdy", "ymd"} {
		t.Run(order, func(t *testing.T) {
			yml := strings.Replace(string(config.DefaultYAML()), "columns: [date_of_birth]}", "columns: [date_of_birth], date_format: "+order+"}", 1)
			cfgPath := filepath.Join(dir, order+".yaml")
			if err := os.WriteFile(cfgPath, []byte(yml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(cfgPath)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.FieldByName("dob").DateFormat != order {
				t.Fatalf("date_format not set")
			}
			run := loadStore(t, cfg, []string{in}, 3)
			explain := parityRecords(t, cfg, in)
			table := parityTable(t, cfgPath, in, filepath.Join(dir, order+".out.parquet"))
			if run.N != len(parityRows) || explain.N != len(parityRows) || len(table) != len(parityRows) {
				t.Fatalf("rows: run %d, explain %d, dedup normalize %d; want %d", run.N, explain.N, len(table), len(parityRows))
			}
			// The rows test what they should: the VNI address makes r2's
			// name Hồ, r3's Unicode one stays Hòa, r5's date is read in
			// the field's order.
			if got := string(run.Field("name").Str("canonical").Get(1)); got != "Hồ Trung Bình" {
				t.Errorf("r2 name %q, want Hồ Trung Bình", got)
			}
			if got := string(run.Field("name").Str("canonical").Get(2)); got != "Hòa Trung Bình" {
				t.Errorf("r3 name %q, want Hòa Trung Bình", got)
			}
			if got, want := run.Field("dob").Int32s("date")[4], map[string]int32{"dmy": 19900504, "mdy": 19900405}[order]; order != "ymd" && got != want {
				t.Errorf("r5 date %d, want %d", got, want)
			}
			for i := range parityRows {
				want := storedRow(run, i)
				if got := storedRow(explain, i); got != want {
					t.Errorf("row %d: explain builds\n%s\nthe run stores\n%s", i+1, got, want)
				}
				if got := tableRow(table[i]); got != want {
					t.Errorf("row %d: dedup normalize writes\n%s\nthe run stores\n%s", i+1, got, want)
				}
			}
		})
	}
}

// storedRow renders row i of a store in the terms dedup normalize writes.
func storedRow(st *store.Store, i int) string {
	row := int32(i)
	s := func(field, role string) string { return string(st.Field(field).Str(role).Get(row)) }
	n := func(field, role string) int32 { return st.Field(field).Int32s(role)[i] }
	code := func(v int32, digits int) string { return string(normalize.AppendCode(nil, uint32(v), digits)) }
	gender := ""
	switch normalize.Gender(n("gender", "value")) {
	case normalize.GenderMale, normalize.GenderFemale:
		gender = normalize.Gender(n("gender", "value")).String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "name %q %q %q\n", s("name", "canonical"), s("name", "folded"), s("name", "phonetic"))
	fmt.Fprintf(&b, "dob %d gender %q id %q phone %q\n", n("dob", "date"), gender, s("national_id", "digits"), s("phone", "phones"))
	for _, a := range []string{"address", "current_address"} {
		fmt.Fprintf(&b, "%s %s %s %s %s %s\n", a, code(n(a, "province_old"), 2), code(n(a, "district_old"), 3), code(n(a, "ward_old"), 5),
			code(n(a, "province_2025"), 2), code(n(a, "ward_2025"), 5))
	}
	fmt.Fprintf(&b, "flags %s", normalize.Flags(st.Flags[i]))
	return b.String()
}

// tableRow renders a row of dedup normalize's output as storedRow does:
// the values a run keeps (a valid date, a male or female gender, a 9- or
// 12-digit ID, a valid phone) and the flags, the record checks included
// (a run stores them too).
func tableRow(r map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name %q %q %q\n", r["name_canonical"], r["name_folded"], r["name_phonetic"])
	flags, _ := normalize.ParseFlags(r["flags"])
	dob := r["dob_packed"]
	if r["dob_precision"] == "" || r["dob_precision"] == "none" || flags&(normalize.FlagDOBImpossible|normalize.FlagDOBUnparsed) != 0 {
		dob = "0"
	}
	gender := r["gender_norm"]
	if gender != "Nam" && gender != "Nữ" {
		gender = ""
	}
	id := r["id_number"]
	if len(id) != 9 && len(id) != 12 {
		id = ""
	}
	phone := r["phone_number"]
	if k := r["phone_kind"]; k != "mobile" && k != "landline" {
		phone = ""
	}
	fmt.Fprintf(&b, "dob %s gender %q id %q phone %q\n", dob, gender, id, phone)
	for _, a := range []string{"permanent_address", "current_address"} {
		name := a
		if a == "permanent_address" {
			name = "address"
		}
		fmt.Fprintf(&b, "%s %s %s %s %s %s\n", name, r[a+"_old_province"], r[a+"_old_district"], r[a+"_old_ward"], r[a+"_new_province"], r[a+"_new_ward"])
	}
	fmt.Fprintf(&b, "flags %s", flags)
	return b.String()
}

// parityRecords builds explain's store of every row of in, in order.
func parityRecords(t *testing.T, cfg *config.Config, in string) *store.Store {
	t.Helper()
	st, err := NewRecords(cfg)
	if err != nil {
		t.Fatal(err)
	}
	index := map[string]int{}
	for i, c := range parityHeader {
		index[c] = i
	}
	for _, row := range parityRows {
		cells := make([]string, len(st.InputColumns()))
		for i, c := range st.InputColumns() {
			cells[i] = row[index[c]]
		}
		raw, ok := st.FieldValues(cells)
		if !ok {
			t.Fatalf("row %s not stored", row[0])
		}
		if err := st.Append(raw); err != nil {
			t.Fatal(err)
		}
	}
	return st.st
}

// parityTable runs dedup normalize --config cfgPath over in and returns
// its rows, read back from Parquet as strings.
func parityTable(t *testing.T, cfgPath, in, out string) []map[string]string {
	t.Helper()
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cleanse.Table(context.Background(), in, out, cleanse.Options{Mapping: cleanse.ConfigMapping(cfg), RefYear: cfg.ReferenceYear, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	r, err := dataio.Open(out, dataio.ReadOptions{AsStrings: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows []map[string]string
	for r.Next() {
		b := r.Batch()
		for i := 0; i < int(b.NumRows()); i++ {
			m := map[string]string{}
			for c, f := range r.Schema().Fields() {
				m[f.Name] = b.Column(c).(*array.String).Value(i)
			}
			rows = append(rows, m)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}
