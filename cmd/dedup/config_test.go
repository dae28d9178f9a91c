package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
)

// TestConfigCheckThresholdZero: `dedup config check` rejects an explicit
// match_probability of 0 and names the key (0 once meant "unset" and
// merged at 0.99).
func TestConfigCheckThresholdZero(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zero.yaml")
	cfg := strings.Replace(string(config.DefaultYAML()), "match_probability: 0.5", "match_probability: 0", 1)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := mainWithExit([]string{"config", "check", path}, &stdout, &stderr); code == 0 {
		t.Fatalf("config check accepted match_probability: 0: %s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "threshold.match_probability") {
		t.Errorf("error does not name threshold.match_probability: %s", stderr.String())
	}
}

// TestSectorConfigsAndCheck: `dedup config bhxh` prints the embedded
// sector config; `config check` with the sources' files names the file,
// the field and the column a source lacks, and passes on gen's tables.
func TestSectorConfigsAndCheck(t *testing.T) {
	dir := t.TempDir()
	out := mustDedup(t, "config", "bhxh")
	if !strings.Contains(out.stdout, "record_id: ma_so_bhxh") {
		t.Fatalf("dedup config bhxh printed %q", out.stdout)
	}
	cfg := filepath.Join(dir, "bhxh.yaml")
	if err := os.WriteFile(cfg, []byte(out.stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	g := filepath.Join(dir, "gen")
	mustDedup(t, "gen", "--quiet", "--people", "300", "--out", g, "--sectors", "bhxh,vehicles")
	ok := mustDedup(t, "config", "check", cfg, "register="+filepath.Join(g, "population"), "bhxh="+filepath.Join(g, "sectors", "bhxh.parquet"))
	if !strings.Contains(ok.stdout, "input files have its columns") {
		t.Errorf("config check: %q", ok.stdout)
	}
	vehicles := filepath.Join(g, "sectors", "vehicles.parquet")
	bad := dedup(t, "config", "check", cfg, "bhxh="+vehicles)
	if bad.code == 0 {
		t.Fatal("config check accepted the vehicle table as bhxh")
	}
	for _, want := range []string{vehicles, `field name reads column "ho_ten"`, `record_id reads column "ma_so_bhxh"`} {
		if !strings.Contains(bad.stderr, want) {
			t.Errorf("config check error lacks %q: %s", want, bad.stderr)
		}
	}
	if res := dedup(t, "gen", "--out", filepath.Join(dir, "x"), "--sectors", "cars"); res.code == 0 || !strings.Contains(res.stderr, `unknown sector "cars"`) {
		t.Errorf("gen --sectors cars: exit %d, %s", res.code, res.stderr)
	}
}
