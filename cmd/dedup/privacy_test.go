package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/dataio"
)

// TestPrivacy runs gen, run (--verbose) and eval on generated data, with
// rejected rows seeded in, and checks that no stdout or stderr line holds
// a name, national ID or phone of the input or of the truth, and that every
// file written has mode 0600.
func TestPrivacy(t *testing.T) {
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen")
	var logs strings.Builder
	add := func(r result) { logs.WriteString(r.stdout); logs.WriteString(r.stderr) }
	add(mustDedup(t, "gen", "--people", "400", "--seed", "9", "--out", gen))
	// Rows that are rejected or flagged, so that reject and flag paths log
	// whatever they log.
	bad := filepath.Join(dir, "bad.csv")
	csvLines(popHeader, goodRow("X1"), goodRow("X1"), "X2,Lê Văn Tám",
		"X3,Hoàng Văn Thụ,31/02/2024,Nam,0010A5000123,0912345679,,,01,")(t, bad)
	run := filepath.Join(dir, "run")
	add(mustDedup(t, "run", "--verbose", "--out", run, filepath.Join(gen, "population"), bad))
	add(mustDedup(t, "eval", "--truth", filepath.Join(gen, "truth", "population.parquet"), "--run", run, "--samples", "50"))
	add(mustDedup(t, "eval", "--truth", filepath.Join(gen, "truth", "population.parquet"), "--run", run, "--json", "-"))
	// A failing run too: its error must not quote the data either.
	add(dedup(t, "run", "--out", filepath.Join(dir, "fail"), filepath.Join(gen, "population"), filepath.Join(gen, "truth", "population.parquet")))
	text := logs.String()

	secrets := map[string]bool{}
	collect := func(path string, cols ...string) {
		for _, row := range readTable(t, path) {
			for _, c := range cols {
				// Short values ("An", "Nam") are words any message may
				// hold; every real name, ID and phone is longer.
				if v := strings.TrimSpace(row[c]); len([]rune(v)) >= 6 {
					secrets[v] = true
				}
			}
		}
	}
	files, err := filepath.Glob(filepath.Join(gen, "population", "*.parquet"))
	if err != nil || len(files) == 0 {
		t.Fatal("no population files")
	}
	for _, f := range files {
		collect(f, "full_name", "national_id", "phone")
	}
	collect(filepath.Join(gen, "truth", "population.parquet"), "true_full_name", "true_national_id", "true_phone")
	for _, v := range []string{"Trần Thị Bình", "001185000123", "0912345678", "Lê Văn Tám", "Hoàng Văn Thụ", "0010A5000123", "0912345679"} {
		secrets[v] = true // the seeded rows of bad.csv
	}
	if len(secrets) < 500 {
		t.Fatalf("only %d values to look for", len(secrets))
	}
	for s := range secrets {
		if strings.Contains(text, s) {
			t.Errorf("a log line holds a value of the data (%d bytes long)", len(s))
		}
	}
	if !strings.Contains(text, "stage") {
		t.Error("--verbose printed no stage timings: the scan saw no verbose output")
	}

	// Every file written, by gen and by run, is 0600.
	for _, root := range []string{gen, run} {
		filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				t.Error(err)
				return nil
			}
			if d.IsDir() {
				return nil
			}
			st, err := os.Stat(path)
			if err != nil {
				t.Error(err)
			} else if st.Mode().Perm() != dataio.FileMode {
				t.Errorf("%s: mode %v, want %v", path, st.Mode().Perm(), os.FileMode(dataio.FileMode))
			}
			return nil
		})
	}
	var m map[string]any
	data, _ := os.ReadFile(filepath.Join(run, "manifest.json"))
	if json.Unmarshal(data, &m) != nil {
		t.Error("manifest.json is not JSON")
	}
}
