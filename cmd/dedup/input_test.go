package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Input reading items of issue 19 (hardening) through run, normalize and
// verify.

// TestHeaderlessCSVNamesNoCell: a CSV without a header row, two of whose
// first-row cells are equal, fails in every command without printing a
// cell (item 2).
func TestHeaderlessCSVNamesNoCell(t *testing.T) {
	g := generated(t, 250, 3, "parquet")
	dir := t.TempDir()
	bad := filepath.Join(dir, "noheader.csv")
	row := "X1,Ngô Văn Thuý,15/03/1990,Nữ,001190000123,0912345678,\"Số 3 Phố Huế, Hà Nội\",\"Số 3 Phố Huế, Hà Nội\",01,2024-01-02"
	csvLines(row, goodRow("X2"))(t, bad)
	secrets := []string{"Ngô", "Thuý", "Phố Huế", "15/03/1990", "001190000123", "0912345678"}
	for _, args := range [][]string{
		{"run", "--quiet", "--out", filepath.Join(dir, "run"), bad},
		{"normalize", bad, "--out", filepath.Join(dir, "norm.csv"), "--quiet"},
		{"verify", "--quiet", "--register", bad, "--subscribers", filepath.Join(g, "subscribers"), "--out", filepath.Join(dir, "ver")},
	} {
		res := dedup(t, args...)
		if res.code == 0 {
			t.Errorf("%s: exit 0 on a headerless CSV", args[0])
			continue
		}
		for _, s := range secrets {
			if strings.Contains(res.stderr+res.stdout, s) {
				t.Errorf("%s: output names a cell value %q:\n%s", args[0], s, res.stderr)
			}
		}
		if !strings.Contains(res.stderr, "columns 7 and 8 have the same name") {
			t.Errorf("%s: stderr %q does not say which columns", args[0], res.stderr)
		}
	}
}

// TestVerifyBrokenLinkInInputFolder: verify stops on a table it cannot
// open in a register folder, naming it (item 1).
func TestVerifyBrokenLinkInInputFolder(t *testing.T) {
	g := generated(t, 250, 3, "parquet")
	dir := t.TempDir()
	reg := filepath.Join(dir, "register")
	if err := os.Mkdir(reg, 0o700); err != nil {
		t.Fatal(err)
	}
	csvLines(popHeader, goodRow("X1"), goodRow("X2"))(t, filepath.Join(reg, "a.csv"))
	broken := filepath.Join(reg, "b.csv")
	if err := os.Symlink(filepath.Join(dir, "gone.csv"), broken); err != nil {
		t.Fatal(err)
	}
	res := dedup(t, "verify", "--quiet", "--register", reg, "--subscribers", filepath.Join(g, "subscribers"), "--out", filepath.Join(dir, "ver"))
	if res.code == 0 || !strings.Contains(res.stderr, broken) {
		t.Errorf("exit %d, stderr %q; want an error naming %s", res.code, res.stderr, broken)
	}
}

// TestNormalizeSemicolonCSV: normalize reads Excel's ';' CSV (item 8).
func TestNormalizeSemicolonCSV(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "excel.csv")
	csvLines("\xef\xbb\xbf"+strings.ReplaceAll(popHeader, ",", ";"), strings.ReplaceAll(goodRow("X1"), ",", ";"))(t, in)
	res := dedup(t, "normalize", in, "--out", filepath.Join(dir, "out.csv"), "--quiet")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
}
