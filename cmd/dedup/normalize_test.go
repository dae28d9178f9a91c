package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/cleanse"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/gen"
)

func TestNormalizeCommand(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	out := filepath.Join(dir, "out.csv")
	data := "id,ten,ngay_sinh,sdt\n" +
		"1,NguyÔn ThÞ Thñy,05/04/1990,0162 345 6789\n" +
		"2,Lan Nguyễn Thị,31/02/2024,abc\n"
	if err := os.WriteFile(in, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := mainWithExit([]string{"normalize", in, "--out", out, "--quiet", "--columns", "full_name=ten,date_of_birth=ngay_sinh,phone=sdt"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	s := string(got)
	for _, want := range []string{"name_canonical", "Nguyễn Thị Thủy,", "tcvn3", "1990-04-05", "0323456789", "Viettel",
		"Nguyễn Thị Lan,", "given_first", "dob_impossible", "phone_invalid"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	// A role named in --columns that the input lacks is an error.
	code = mainWithExit([]string{"normalize", in, "--out", out, "--quiet", "--columns", "gender=gioi_tinh"}, &stdout, &stderr)
	if code == 0 {
		t.Errorf("missing explicit column accepted")
	}
}

// legacyNormalizeHeader is the header dedup normalize wrote for the dedup
// gen population schema before --config: the default config must keep it.
const legacyNormalizeHeader = "record_id,full_name,date_of_birth,gender,national_id,phone,permanent_address,current_address,province_code,updated_at," +
	"name_canonical,name_folded,name_family,name_middle,name_given,name_variant_key,name_variant_key_iy,name_phonetic,name_order,name_encoding," +
	"dob,dob_packed,dob_precision,gender_norm,id_number,id_kind,id_province,id_gender,id_birth_year,phone_number,phone_kind,phone_carrier," +
	"permanent_address_old_province,permanent_address_old_district,permanent_address_old_ward,permanent_address_new_province,permanent_address_new_ward,permanent_address_flags," +
	"current_address_old_province,current_address_old_district,current_address_old_ward,current_address_new_province,current_address_new_ward,current_address_flags," +
	"flags,correct,complete"

// runNormalizeCmd runs dedup normalize and returns its output file.
func runNormalizeCmd(t *testing.T, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := mainWithExit(append(append([]string{"normalize"}, args...), "--quiet"), &stdout, &stderr); code != 0 {
		t.Fatalf("normalize %v: exit %d: %s", args, code, stderr.String())
	}
	out := ""
	for i, a := range args {
		if a == "--out" {
			out = args[i+1]
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// csvHeader returns a CSV output's header and its number of rows.
func csvHeader(t *testing.T, data []byte) ([]string, int) {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("output is not CSV: %v", err)
	}
	return recs[0], len(recs) - 1
}

// TestNormalizeDefaultConfig: with no flag, with the default config given
// as --config and with every role named in --columns, dedup normalize
// writes the same bytes, under the header it wrote before --config, on a
// generated dirty province file.
func TestNormalizeDefaultConfig(t *testing.T) {
	dir := t.TempDir()
	if _, err := gen.Generate(context.Background(), gen.Options{People: 3000, Seed: 4, Workers: 1, OutDir: dir, Quiet: true,
		Profile: "dirty", Format: "csv"}); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "population", "01.csv")
	cfg := filepath.Join(dir, "default.yaml")
	if err := os.WriteFile(cfg, config.DefaultYAML(), 0o600); err != nil {
		t.Fatal(err)
	}
	var roles []string
	for _, r := range cleanse.Roles {
		roles = append(roles, r+"="+r)
	}
	base := runNormalizeCmd(t, in, "--out", filepath.Join(dir, "a.csv"))
	header, rows := csvHeader(t, base)
	if got := strings.Join(header, ","); got != legacyNormalizeHeader {
		t.Errorf("header changed:\n got %s\nwant %s", got, legacyNormalizeHeader)
	}
	if rows < 100 {
		t.Fatalf("only %d rows", rows)
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"--config default.yaml", []string{"--config", cfg, "--ref-year", "0"}},
		{"--columns all roles", []string{"--columns", strings.Join(roles, ",")}},
	} {
		got := runNormalizeCmd(t, append([]string{in, "--out", filepath.Join(dir, "b.csv")}, c.args...)...)
		if !bytes.Equal(got, base) {
			t.Errorf("%s: output differs from the default's", c.name)
		}
	}
	// The config's reference year applies unless --ref-year is given.
	withRef := runNormalizeCmd(t, in, "--out", filepath.Join(dir, "c.csv"), "--ref-year", "2026")
	if got := runNormalizeCmd(t, in, "--out", filepath.Join(dir, "d.csv"), "--config", cfg); !bytes.Equal(got, withRef) {
		t.Errorf("--config default.yaml without --ref-year differs from --ref-year 2026 (its reference_year)")
	}
}

// TestNormalizeConfigErrors: a bad config, a column the input lacks, an
// output name clash and --config with --columns fail, naming the key.
func TestNormalizeConfigErrors(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("record_id,full_name,date_of_birth\nr1,Nguyễn Văn An,1990\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	write := func(name, yml string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(yml), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	minimal := func(fields string) string {
		return "sources: [{name: a, paths: []}]\nfields:\n" + fields +
			"blocking: {rules: [{name: n, keys: [name]}]}\ncomparisons: [{name: n, field: name, kind: person_name}]\n"
	}
	ok := write("ok.yaml", minimal("  - {name: name, kind: person_name, columns: [full_name]}\n"))
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown kind", []string{"--config", write("kind.yaml", minimal("  - {name: name, kind: person_name, columns: [full_name]}\n  - {name: dob, kind: birthday, columns: [date_of_birth]}\n"))}, 1, "fields[1].kind"},
		{"unknown key", []string{"--config", write("key.yaml", minimal("  - {name: name, kind: person_name, colums: [full_name]}\n"))}, 1, "colums"},
		{"missing column", []string{"--config", write("col.yaml", minimal("  - {name: name, kind: person_name, columns: [full_name]}\n  - {name: dob, kind: date, columns: [ngay_sinh]}\n"))}, 1, "fields[1].columns[0]"},
		{"name clash", []string{"--config", write("clash.yaml", minimal("  - {name: name, kind: person_name, columns: [full_name]}\n  - {name: date_of_birth, kind: date, columns: [date_of_birth]}\n"))}, 1, "fields[1].name"},
		{"no such file", []string{"--config", filepath.Join(dir, "none.yaml")}, 1, "cannot read config"},
		{"config and columns", []string{"--config", ok, "--columns", "full_name=full_name"}, 2, "--config and --columns"},
		{"bad role", []string{"--columns", "fullname=full_name"}, 2, "--columns"},
	} {
		var stdout, stderr bytes.Buffer
		code := mainWithExit(append([]string{"normalize", in, "--out", filepath.Join(dir, "out.csv"), "--quiet"}, c.args...), &stdout, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d naming %q", c.name, code, stderr.String(), c.code, c.want)
		}
		if strings.Contains(stderr.String(), "Nguyễn") {
			t.Errorf("%s: error shows a cell value", c.name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "out.csv")); !os.IsNotExist(err) {
		t.Errorf("a failed run left an output (%v)", err)
	}
	// The minimal config is fine: only its fields are written.
	header, _ := csvHeader(t, runNormalizeCmd(t, in, "--out", filepath.Join(dir, "out.csv"), "--config", ok))
	if slices.Contains(header, "dob") || !slices.Contains(header, "name_canonical") {
		t.Errorf("minimal config header %v", header)
	}
}
