package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/eval"
	gendata "github.com/dedup-vn/dedup/gen"
)

// TestAccounting: for gen, run and eval, rows in = rows out + rows
// rejected, on an input seeded with bad rows. gen's manifest counts the rows
// of every file it wrote; run's manifest, clusters and rejects agree; eval's
// record counts partition both the truth and the run.
func TestAccounting(t *testing.T) {
	g := generated(t, 250, 3, "parquet")
	var gm gendata.Manifest
	data, err := os.ReadFile(filepath.Join(g, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &gm); err != nil {
		t.Fatal(err)
	}
	var pop, subs int64
	for _, f := range gm.Files {
		n := tableRows(t, filepath.Join(g, f.Path))
		if n != f.Rows {
			t.Errorf("gen manifest: %s has %d rows, file has %d", f.Path, f.Rows, n)
		}
		switch {
		case strings.HasPrefix(f.Path, "population"):
			pop += n
		case strings.HasPrefix(f.Path, "subscribers"):
			subs += n
		}
	}
	if pop != gm.Records || subs != gm.Subscriptions {
		t.Errorf("gen: files hold %d population and %d subscriber rows, manifest says %d and %d", pop, subs, gm.Records, gm.Subscriptions)
	}
	if n := tableRows(t, filepath.Join(g, "truth", "population.parquet")); n != gm.Records {
		t.Errorf("gen: truth has %d rows for %d records", n, gm.Records)
	}

	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	csvLines(popHeader, goodRow("X1"), goodRow("X1"), "X2,Lê Văn Tám", goodRow("X3"),
		",Lê Văn Tám,01/01/1990,Nam,,,,,,", "X4,,,,,,,,,")(t, bad)
	run := filepath.Join(dir, "run")
	mustDedup(t, "run", "--quiet", "--out", run, filepath.Join(g, "population"), bad)
	m := readManifest(t, run)
	checkAccounting(t, run, m)
	if m.RowsIn != gm.Records+6 || m.RowsRejected != 4 {
		t.Errorf("run: %d rows in, %d rejected; want %d and 4", m.RowsIn, m.RowsRejected, gm.Records+6)
	}
	for _, reason := range []string{"duplicate_record_id", "ragged_row", "missing_record_id", "all_fields_empty"} {
		if m.RejectReasons[reason] != 1 {
			t.Errorf("run: reject_reasons[%s] = %d, want 1 (%v)", reason, m.RejectReasons[reason], m.RejectReasons)
		}
	}

	res := mustDedup(t, "eval", "--truth", filepath.Join(g, "truth", "population.parquet"), "--run", run, "--json", "-")
	var rep eval.Report
	if err := json.Unmarshal([]byte(res.stdout), &rep); err != nil {
		t.Fatalf("eval --json: %v", err)
	}
	rc := rep.Records
	if rc.Truth != gm.Records || rc.Truth != rc.InRun+rc.AbsentFromRun {
		t.Errorf("eval: truth %d (gen wrote %d) != in run %d + absent %d", rc.Truth, gm.Records, rc.InRun, rc.AbsentFromRun)
	}
	if rc.InRun+rc.RunNotInTruth != m.RowsClustered {
		t.Errorf("eval: in run %d + not in truth %d != %d clustered", rc.InRun, rc.RunNotInTruth, m.RowsClustered)
	}
	if rc.RunNotInTruth != 2 { // X1 and X3; the other seeded rows were rejected
		t.Errorf("eval: %d run records not in truth, want 2", rc.RunNotInTruth)
	}
}
