package cleanse

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/gen"
)

// runTable runs Table and returns its output file.
func runTable(t *testing.T, in, out string, opt Options) []byte {
	t.Helper()
	opt.Quiet = true
	if _, err := Table(in, out, opt); err != nil {
		t.Fatalf("Table(%s): %v", filepath.Base(in), err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// mustDefault is DefaultMapping without --columns.
func mustDefault(t *testing.T) Mapping {
	t.Helper()
	m, err := DefaultMapping("")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// defaultOptions is dedup normalize without flags.
func defaultOptions(t *testing.T) Options { return Options{Mapping: mustDefault(t)} }

// configOptions is dedup normalize --config path.
func configOptions(t *testing.T, path string) Options {
	t.Helper()
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return Options{Mapping: ConfigMapping(cfg), RefYear: cfg.ReferenceYear}
}

// readCSVTable parses a CSV output into its header and rows.
func readCSVTable(t *testing.T, data []byte) ([]string, []map[string]string) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("output is not CSV: %v", err)
	}
	var rows []map[string]string
	for _, r := range recs[1:] {
		m := map[string]string{}
		for i, c := range recs[0] {
			m[c] = r[i]
		}
		rows = append(rows, m)
	}
	return recs[0], rows
}

// TestNormalizeRowEncoding: a row is typed in one system. The VNI name
// "Hoà Trung Bình" reads as plain Vietnamese (Hòa Trung Bình) alone; its
// VNI address says it is Hồ Trung Bình. The address is decoded before it
// is parsed (Phường Bến Nghé, Quận 1: ward 26740).
func TestNormalizeRowEncoding(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	out := filepath.Join(dir, "out.csv")
	data := "full_name,permanent_address\n" +
		"Hoà Trung Bình,\"Phöôøng Beán Ngheù, Quaän 1, TP. Hoà Chí Minh\"\n" +
		"Hoà Trung Bình,\"Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh\"\n"
	if err := os.WriteFile(in, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	runTable(t, in, out, defaultOptions(t))
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(lines) != 3 {
		t.Fatalf("want header and 2 rows:\n%s", got)
	}
	if !strings.Contains(lines[1], "Hồ Trung Bình,") || !strings.Contains(lines[1], ",vni,") || !strings.Contains(lines[1], "26740") {
		t.Errorf("VNI row: want Hồ Trung Bình, vni, ward 26740:\n%s", lines[1])
	}
	if !strings.Contains(lines[2], "Hòa Trung Bình,") || !strings.Contains(lines[2], "26740") {
		t.Errorf("Unicode row: want Hòa Trung Bình, ward 26740:\n%s", lines[2])
	}
}

// TestNormalizeAccounting: rows the reader cannot use land in the rejects
// file with their reason, and rows in = normalized + rejected in the
// manifest.
func TestNormalizeAccounting(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	csv := "record_id,full_name,date_of_birth\n" +
		"a1,Nguyễn Văn An,01/02/1990\n" +
		"a2,too,many,fields\n" +
		"a3,\"Trần \x00Bình\",1985\n" +
		"a4,Lê Thị Cúc,31/02/2024\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.parquet")
	runTable(t, in, out, defaultOptions(t))
	data, err := os.ReadFile(filepath.Join(dir, "out.manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.RowsIn != 4 || m.RowsOut != 2 || m.RowsRejected != 2 || m.RowsIn != m.RowsOut+m.RowsRejected {
		t.Errorf("manifest rows in %d out %d rejected %d; want 4, 2, 2", m.RowsIn, m.RowsOut, m.RowsRejected)
	}
	if m.RejectReasons["ragged_row"] != 1 || m.RejectReasons["nul_byte"] != 1 {
		t.Errorf("reject reasons %v; want one ragged_row and one nul_byte", m.RejectReasons)
	}
	for _, f := range []string{"out.parquet", "out.rejects.parquet", "out.manifest.json"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
}

// TestNormalizeFEBRLConfig: the FEBRL schema has no person name, gender,
// ID or phone; its fields are text and a yyyymmdd date, named after the
// fields, and the record flags hold no missing-value reason of the absent
// kinds.
func TestNormalizeFEBRLConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "febrl.yaml")
	if err := os.WriteFile(cfg, config.FEBRLYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	// The first 200 rows of FEBRL3; its header and cells have spaces
	// after the commas.
	full, err := os.ReadFile(filepath.Join("..", "testdata", "febrl", "dataset3.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(full), "\n")
	in := filepath.Join(dir, "febrl.csv")
	if err := os.WriteFile(in, []byte(strings.Join(lines[:201], "")), 0o600); err != nil {
		t.Fatal(err)
	}
	header, rows := readCSVTable(t, runTable(t, in, filepath.Join(dir, "out.csv"), configOptions(t, cfg)))
	want := "rec_id,given_name,surname,street_number,address_1,address_2,suburb,postcode,state,date_of_birth,soc_sec_id," +
		"given_name_canonical,given_name_folded,surname_canonical,surname_folded,dob,dob_packed,dob_precision," +
		"soc_sec_id_canonical,soc_sec_id_folded,street_number_canonical,street_number_folded,address_1_canonical,address_1_folded," +
		"address_2_canonical,address_2_folded,suburb_canonical,suburb_folded,postcode_canonical,postcode_folded," +
		"state_canonical,state_folded,flags,correct,complete"
	if got := strings.Join(header, ","); got != want {
		t.Fatalf("header:\n got %s\nwant %s", got, want)
	}
	if len(rows) != 200 {
		t.Fatalf("%d rows, want 200", len(rows))
	}
	// rec-1496-org, mitchell, green, 7, wallaby place, delmar, cleveland, 2119, sa, 19560409, 1804974
	r := rows[0]
	for col, v := range map[string]string{"rec_id": "rec-1496-org", "given_name_folded": "mitchell", "surname_folded": "green",
		"dob": "1956-04-09", "dob_packed": "19560409", "dob_precision": "day", "address_1_folded": "wallaby place",
		"postcode_canonical": "2119", "soc_sec_id_folded": "1804974", "flags": "", "correct": "true", "complete": "true"} {
		if r[col] != v {
			t.Errorf("row 1 %s = %q, want %q", col, r[col], v)
		}
	}
	for i, r := range rows {
		for _, absent := range []string{"name_missing", "gender_missing", "id_missing", "phone_missing"} {
			if strings.Contains(r["flags"], absent) {
				t.Fatalf("row %d flags %q: %s for a kind the config does not have", i+1, r["flags"], absent)
			}
		}
	}
}

// TestNormalizeCustomConfig: a config that renames every input column,
// builds the name from two columns (joined with a space, as dedup run
// does) and renames the phone field gives the same normalized values as
// the default config on the dedup gen column names, under the field's
// own column names.
func TestNormalizeCustomConfig(t *testing.T) {
	dir := t.TempDir()
	yml := string(config.DefaultYAML())
	for _, r := range []struct {
		old, new string
		n        int
	}{
		{"columns: [full_name]", "columns: [ho_dem, ten]", 1},
		{"columns: [date_of_birth]", "columns: [ngay_sinh]", 1},
		{"columns: [gender]", "columns: [gioi_tinh]", 1},
		{"columns: [national_id]", "columns: [so_giay_to]", 1},
		{"{name: phone, kind: phone, columns: [phone]}", "{name: dien_thoai, kind: phone, columns: [sdt]}", 1},
		{"keys: [phone]", "keys: [dien_thoai]", 1},
		{"field: phone,", "field: dien_thoai,", 1},
		{"columns: [permanent_address]", "columns: [thuong_tru]", 1},
		{"columns: [current_address]", "columns: [tam_tru]", 1},
		{"columns: [updated_at]", "columns: [cap_nhat]", 1},
	} {
		if c := strings.Count(yml, r.old); c != r.n {
			t.Fatalf("default.yaml has %q %d times, want %d", r.old, c, r.n)
		}
		yml = strings.ReplaceAll(yml, r.old, r.new)
	}
	cfg := filepath.Join(dir, "vn.yaml")
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	type person struct{ family, given, dob, gender, id, phone, perm, cur string }
	people := []person{
		{"Nguyễn Văn", "An", "05/04/1990", "Nam", "001090001234", "0912 345 678", "Số 5 Phố Huế, Phường Hàng Bài, Quận Hoàn Kiếm, Hà Nội", "Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh"},
		{"Trần Thị", "Bình", "1985", "Nữ", "", "+84 98 765 4321", "Xã Tân Hội, Huyện Đan Phượng, Hà Nội", ""},
		{"", "Lan", "31/02/2024", "x", "12345", "abc", "", " Phường Hàng Bài,  Quận Hoàn Kiếm "},
	}
	var std, ren strings.Builder
	std.WriteString("record_id,full_name,date_of_birth,gender,national_id,phone,permanent_address,current_address,updated_at\n")
	ren.WriteString("record_id,ho_dem,ten,ngay_sinh,gioi_tinh,so_giay_to,sdt,thuong_tru,tam_tru,cap_nhat\n")
	for i, p := range people {
		full := strings.TrimSpace(p.family + " " + p.given)
		fmt.Fprintf(&std, "r%d,%s,%s,%s,%s,%s,\"%s\",\"%s\",2024-01-01\n", i, full, p.dob, p.gender, p.id, p.phone, p.perm, p.cur)
		fmt.Fprintf(&ren, "r%d,%s,%s,%s,%s,%s,%s,\"%s\",\"%s\",2024-01-01\n", i, p.family, p.given, p.dob, p.gender, p.id, p.phone, p.perm, p.cur)
	}
	stdIn, renIn := filepath.Join(dir, "std.csv"), filepath.Join(dir, "ren.csv")
	if err := os.WriteFile(stdIn, []byte(std.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(renIn, []byte(ren.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	stdHeader, stdRows := readCSVTable(t, runTable(t, stdIn, filepath.Join(dir, "std.out.csv"), Options{Mapping: mustDefault(t), RefYear: 2026, Quiet: true}))
	renHeader, renRows := readCSVTable(t, runTable(t, renIn, filepath.Join(dir, "ren.out.csv"), configOptions(t, cfg)))
	if len(renHeader) != len(stdHeader)+1 {
		t.Fatalf("renamed schema has %d columns, default %d; want one more input column", len(renHeader), len(stdHeader))
	}
	rename := map[string]string{"phone_number": "dien_thoai_number", "phone_kind": "dien_thoai_kind", "phone_carrier": "dien_thoai_carrier"}
	compared := 0
	for _, c := range stdHeader[9:] { // the normalized columns
		rc := c
		if r, ok := rename[c]; ok {
			rc = r
		}
		if !slices.Contains(renHeader, rc) {
			t.Errorf("custom config output lacks %s", rc)
			continue
		}
		for i := range stdRows {
			if stdRows[i][c] != renRows[i][rc] {
				t.Errorf("row %d: %s = %q with the default config, %s = %q with the custom one", i+1, c, stdRows[i][c], rc, renRows[i][rc])
			}
		}
		compared++
	}
	if compared != 37 || renRows[0]["name_canonical"] != "Nguyễn Văn An" || renRows[0]["dien_thoai_number"] != "0912345678" {
		t.Errorf("compared %d columns; row 1 name %q phone %q", compared, renRows[0]["name_canonical"], renRows[0]["dien_thoai_number"])
	}
}

// TestNormalizeWorkers: batches are normalized in parallel and written in
// input order, so the output and the rejects are the same bytes for any
// number of workers, on dirty data with legacy encodings and bad rows.
func TestNormalizeWorkers(t *testing.T) {
	dir := t.TempDir()
	if _, err := gen.Generate(context.Background(), gen.Options{People: 3000, Seed: 8, Workers: 1, OutDir: dir, Quiet: true,
		Profile: "dirty", Format: "csv"}); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "population", "01.csv")
	// A row the reader rejects (ragged) in the middle of the batches.
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	lines = append(lines[:len(lines)/2], append([]string{"only,three,cells\n"}, lines[len(lines)/2:]...)...)
	if err := os.WriteFile(in, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	var want, wantRejects []byte
	for _, w := range []string{"1", "2", "5"} {
		out := filepath.Join(dir, "out"+w+".parquet")
		workers, _ := strconv.Atoi(w)
		got := runTable(t, in, out, Options{Mapping: mustDefault(t), Workers: workers, BatchRows: 17, Quiet: true})
		rejects, err := os.ReadFile(filepath.Join(dir, "out"+w+".rejects.parquet"))
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want, wantRejects = got, rejects
			if len(lines) < 10*17 {
				t.Fatalf("only %d lines: too few batches to test", len(lines))
			}
			man, err := os.ReadFile(filepath.Join(dir, "out1.manifest.json"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(man), `"rows_rejected": 1`) {
				t.Fatalf("the ragged row was not rejected: %s", man)
			}
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("--workers %s: output differs from --workers 1", w)
		}
		if !bytes.Equal(rejects, wantRejects) {
			t.Errorf("--workers %s: rejects differ from --workers 1", w)
		}
	}
}
