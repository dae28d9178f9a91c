package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	var stdout, stderr bytes.Buffer
	if code := mainWithExit([]string{"normalize", in, "--out", out, "--quiet"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
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
	var stdout, stderr bytes.Buffer
	if code := mainWithExit([]string{"normalize", in, "--out", out, "--quiet"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, err := os.ReadFile(filepath.Join(dir, "out.manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m normalizeManifest
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
