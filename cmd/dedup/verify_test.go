package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// verifyAccuracy scores a verify output on the generator's subscriber
// truth with dedup eval --verdicts.
func verifyAccuracy(t *testing.T, g, out string) float64 {
	t.Helper()
	res := mustDedup(t, "eval", "--truth", filepath.Join(g, "truth", "subscribers.parquet"),
		"--verdicts", filepath.Join(out, "verdicts.parquet"), "--json", "-")
	var rep struct {
		Verdicts struct {
			Total    int64   `json:"total"`
			Accuracy float64 `json:"accuracy"`
		} `json:"verdicts"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("eval --json: %v", err)
	}
	if rep.Verdicts.Total == 0 {
		t.Fatalf("eval scored no verdict of %s", out)
	}
	return rep.Verdicts.Accuracy
}

// TestVerifyGoldenRegister: the golden.parquet of a dedup run is a
// register for dedup verify with the default config (its columns are
// named after the config's fields: name, dob, national_id…), and its
// verdicts are about as accurate as those on the raw extracts.
func TestVerifyGoldenRegister(t *testing.T) {
	if testing.Short() {
		t.Skip("runs gen, run, verify and eval")
	}
	g := generated(t, 2000, 7, "parquet")
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	mustDedup(t, "run", "--quiet", filepath.Join(g, "population"), "--out", run)
	raw, gold := filepath.Join(dir, "vraw"), filepath.Join(dir, "vgold")
	mustDedup(t, "verify", "--quiet", "--register", filepath.Join(g, "population"), "--subscribers", filepath.Join(g, "subscribers"), "--out", raw)
	mustDedup(t, "verify", "--quiet", "--register", filepath.Join(run, "golden.parquet"), "--subscribers", filepath.Join(g, "subscribers"), "--out", gold)
	data, err := os.ReadFile(filepath.Join(gold, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"kind": "golden"`) {
		t.Errorf("the golden register was not read as golden")
	}
	ar, ag := verifyAccuracy(t, g, raw), verifyAccuracy(t, g, gold)
	t.Logf("accuracy on the raw extracts %.4f, on the golden records %.4f", ar, ag)
	if ag < 0.97 || ag < ar-0.01 {
		t.Errorf("golden register: accuracy %.4f, raw extracts %.4f", ag, ar)
	}
}

// TestVerifyConfigUnknownKey: verify --config rejects an unknown key, as
// dedup run does, and names the key and its section in its own terms.
func TestVerifyConfigUnknownKey(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "job.yaml")
	if err := os.WriteFile(cfg, []byte("verify:\n  max_per_carier: 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := dedup(t, "verify", "--quiet", "--config", cfg, "--register", "a", "--subscribers", "b", "--out", filepath.Join(dir, "out"))
	if res.code == 0 || !strings.Contains(res.stderr, `unknown key "max_per_carier" in the verify section`) || strings.Contains(res.stderr, "verify.Config") {
		t.Errorf("unknown key: exit %d, stderr %q", res.code, res.stderr)
	}
}
