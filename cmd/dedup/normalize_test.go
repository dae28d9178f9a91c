package main

import (
	"bytes"
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
