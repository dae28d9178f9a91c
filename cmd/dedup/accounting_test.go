package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/eval"
	gendata "github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/verify"
)

// TestAccounting: for gen, run, eval and verify, rows in = rows out + rows
// rejected, on an input seeded with bad rows. gen's manifest counts the rows
// of every file it wrote; run's manifest, clusters and rejects agree; eval's
// record counts partition both the truth and the run; verify's manifest has
// rows in = verdicts + rejects for every carrier list, matching the files.
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

	checkVerifyAccounting(t, g, dir)
}

// badCarrierList is a carrier list (no carrier column: the file name
// names the carrier) with 9 data rows: 5 get a verdict (2 of them
// unusable), 4 are rejected by the reader or for their missing
// subscription id.
var badCarrierList = []string{
	"subscription_id,msisdn,registered_name,registered_dob,registered_id_number",
	"S1,0912345678,Trần Thị Bình,12/03/1985,001185000123",
	"S2,0912345679,,,", // no ID, no name: unusable
	"S3,0912345670,Trần Thị Bình,hôm qua,001185000123",     // unreadable date: unusable
	"S4,not a phone,Trần Thị Bình,12/03/1985,001185000123", // unusable
	",0912345671,Trần Thị Bình,12/03/1985,001185000123",    // no subscription id
	"S6,0912345672,too,many,fields,here",                   // ragged
	"S7,0912345673,\"broken \"quote\",1985,001185000123",   // CSV quoting
	"S8,0912345674,\xff\xfe,1985,001185000123",             // invalid UTF-8
	"S9,0912345675,Lê Văn Tám,01/01/1990,079090000001",
}

// checkVerifyAccounting runs dedup verify on the generated register and
// carrier lists plus badCarrierList, and checks its manifest against the
// files: per list rows in = verdicts + rejects, rows in = the list's rows,
// and the totals = the rows of verdicts.parquet and rejects.parquet.
func checkVerifyAccounting(t *testing.T, g, dir string) {
	t.Helper()
	bad := filepath.Join(dir, "acme.csv")
	csvLines(badCarrierList...)(t, bad)
	out := filepath.Join(dir, "verify")
	mustDedup(t, "verify", "--quiet", "--register", filepath.Join(g, "population"),
		"--subscribers", filepath.Join(g, "subscribers"), "--subscribers", bad, "--out", out)
	data, err := os.ReadFile(filepath.Join(out, runfolder.FileManifest))
	if err != nil {
		t.Fatal(err)
	}
	var m verify.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("verify manifest.json: %v", err)
	}
	lists, err := filepath.Glob(filepath.Join(g, "subscribers", "*"))
	if err != nil || len(lists) == 0 {
		t.Fatal("no generated carrier lists")
	}
	want := map[string]int64{bad: int64(len(badCarrierList) - 1)}
	for _, f := range lists {
		want[f] = tableRows(t, f)
	}
	var verdicts, rejects int64
	for _, f := range m.Subscribers {
		if f.RowsIn != f.Verdicts+f.Rejects {
			t.Errorf("verify: %s: rows in %d != verdicts %d + rejects %d", f.File, f.RowsIn, f.Verdicts, f.Rejects)
		}
		n, ok := want[f.File]
		if !ok {
			t.Errorf("verify: manifest lists %s, which was not given", f.File)
		} else if f.RowsIn != n {
			t.Errorf("verify: %s has %d rows, manifest says %d in", f.File, n, f.RowsIn)
		}
		delete(want, f.File)
		verdicts += f.Verdicts
		rejects += f.Rejects
		if f.File == bad && (f.Verdicts != 5 || f.Rejects != 4) {
			t.Errorf("verify: %s: %d verdicts, %d rejects; want 5 and 4", f.File, f.Verdicts, f.Rejects)
		}
	}
	for f := range want {
		t.Errorf("verify: carrier list %s missing from the manifest", f)
	}
	if n := tableRows(t, filepath.Join(out, runfolder.FileVerdicts)); n != verdicts {
		t.Errorf("verify: verdicts.parquet has %d rows, manifest says %d verdicts", n, verdicts)
	}
	// rejects.parquet holds the register's rejected rows too
	if n := tableRows(t, filepath.Join(out, runfolder.FileRejects)); n != rejects+m.Register.RowsRejected {
		t.Errorf("verify: rejects.parquet has %d rows, manifest says %d rejects and %d register rows rejected", n, rejects, m.Register.RowsRejected)
	}
	var subs, carrierRejects int64
	for _, c := range m.Carriers {
		subs += c.Subscriptions
		carrierRejects += c.Rejects
		var byVerdict int64
		for _, n := range c.Verdicts {
			byVerdict += n
		}
		if byVerdict != c.Subscriptions {
			t.Errorf("verify: carrier %s: %d subscriptions, %d by verdict", c.Carrier, c.Subscriptions, byVerdict)
		}
	}
	// A carrier's rejects are the rows read without a subscription id: a
	// row the reader rejects has no carrier to count it under (its
	// carrier column may be what is broken), so it counts per file only.
	var noSubID int64
	for _, r := range readTable(t, filepath.Join(out, runfolder.FileRejects)) {
		if r["reason"] == verify.ReasonSubIDMissing {
			noSubID++
		}
	}
	if subs != verdicts || carrierRejects != noSubID || noSubID != 1 {
		t.Errorf("verify: carriers count %d subscriptions and %d rejects; files %d verdicts and %d rejects without a subscription id (want 1)",
			subs, carrierRejects, verdicts, noSubID)
	}
	if reg := tableRowsIn(t, filepath.Join(g, "population")); m.Register.Rows+m.Register.RowsRejected != reg {
		t.Errorf("verify: register %d rows + %d rejected, the files hold %d", m.Register.Rows, m.Register.RowsRejected, reg)
	}
}

// tableRowsIn counts the rows of every table file in dir.
func tableRowsIn(t *testing.T, dir string) int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no files in %s", dir)
	}
	var n int64
	for _, f := range files {
		n += tableRows(t, f)
	}
	return n
}
