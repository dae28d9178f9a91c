package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalChecksItsInputs (issue 19 items 15 and 24): eval refuses a run
// folder without manifest.json (a failed rerun's stale Parquet files), says
// a missing truth file is missing, and report --eval refuses the eval of
// another run.
func TestEvalChecksItsInputs(t *testing.T) {
	dir := t.TempDir()
	truth := filepath.Join(dir, "truth.csv")
	clusters := filepath.Join(dir, "clusters.csv") // any table: eval must stop before reading it
	for p, s := range map[string]string{truth: "record_id,person_id\nr1,p1\nr2,p1\n", clusters: "record_id,cluster_id\nr1,c\nr2,c\n"} {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (int, string) {
		var stdout, stderr bytes.Buffer
		code := mainWithExit(args, &stdout, &stderr)
		return code, stderr.String()
	}
	if code, stderr := run("eval", "--truth", truth, "--run", dir); code != 1 || !strings.Contains(stderr, "no manifest.json") {
		t.Errorf("eval of a folder without manifest: exit %d, stderr %q", code, stderr)
	}

	// report --eval with an eval of another run.
	runDir := filepath.Join(dir, "run")
	if err := os.Mkdir(runDir, 0o700); err != nil {
		t.Fatal(err)
	}
	manifest, err := os.ReadFile(filepath.Join("..", "..", "testdata", "report", "run", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(runDir, "manifest.json"), manifest, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, stderr := run("eval", "--truth", "/nope", "--run", runDir); code != 1 || !strings.Contains(stderr, "/nope: no such file") {
		t.Errorf("eval --truth /nope: exit %d, stderr %q, want it to say the file does not exist", code, stderr)
	}
	evalJSON := filepath.Join(dir, "eval.json")
	other := `{"schema_version": 1, "truth": "t", "run": "elsewhere", "run_manifest_sha256": "` + strings.Repeat("ab", 32) + `", "truth_entity": "column:person_id"}`
	if err := os.WriteFile(evalJSON, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(dir, "report.html")
	if code, stderr := run("report", "--run", runDir, "--eval", evalJSON, "--html", page); code != 1 || !strings.Contains(stderr, "another run") {
		t.Errorf("report --eval of another run: exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(page); err == nil {
		t.Error("report wrote a page with the eval of another run")
	}
}
