package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/runfolder"
)

// The SIM farm of TestPrivacy's carrier lists.
const (
	farmID   = "001185000777"
	farmName = "Phạm Thị Hằng"
)

// TestPrivacy runs gen, run (--verbose), eval, verify, report and explain
// on generated data, with rejected rows seeded in, and checks that no
// stdout or stderr line holds a name, national ID or phone of the input or
// of the truth (as written or in canonical form), that the HTML report
// (without --show-pii) holds no full ID or phone, and that every file
// written has mode 0600. explain prints the pair's names by design (see
// README "Report and explanations"): its output is checked for IDs and
// phones only.
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

	// verify with progress lines, on the generated lists and a bad one,
	// and failing on a register that lacks the columns.
	subs := filepath.Join(dir, "acme.csv")
	csvLines(badCarrierList...)(t, subs)
	// A SIM farm: one ID on four Viettel numbers, over rule R1, so that
	// the report lists the ID (masked) among the IDs over a limit.
	farm := filepath.Join(dir, "farm.csv")
	farmLines := []string{"subscription_id,carrier,msisdn,registered_name,registered_dob,registered_id_number"}
	for i := 1; i <= 4; i++ {
		farmLines = append(farmLines, "F"+itoa(i)+",Viettel,096100000"+itoa(i)+","+farmName+",12/03/1985,"+farmID)
	}
	csvLines(farmLines...)(t, farm)
	ver := filepath.Join(dir, "verify")
	add(mustDedup(t, "verify", "--register", filepath.Join(gen, "population"), "--subscribers", filepath.Join(gen, "subscribers"),
		"--subscribers", subs, "--subscribers", farm, "--out", ver))
	if res := dedup(t, "verify", "--register", filepath.Join(gen, "truth", "population.parquet"), "--subscribers", subs, "--out", filepath.Join(dir, "vfail")); res.code != 1 {
		t.Errorf("verify on the truth file as a register: exit %d, want 1", res.code)
	} else {
		add(res)
	}

	// report: its terminal output with the rest, its page checked below.
	evalJSON := filepath.Join(dir, "eval.json")
	add(mustDedup(t, "eval", "--truth", filepath.Join(gen, "truth", "population.parquet"), "--run", run, "--json", evalJSON))
	page := filepath.Join(dir, "report", "report.html")
	if err := os.Mkdir(filepath.Dir(page), 0o700); err != nil {
		t.Fatal(err)
	}
	add(mustDedup(t, "report", "--run", run, "--verify", ver, "--eval", evalJSON, "--html", page))
	text := logs.String()

	// explain: a scored pair of the run, and the seeded rows (an ID with
	// a letter, an impossible date), as text and JSON, and an unknown id.
	var explained strings.Builder
	addExplain := func(r result) { explained.WriteString(r.stdout); explained.WriteString(r.stderr) }
	pairs := readTable(t, filepath.Join(run, runfolder.FilePairs))
	if len(pairs) == 0 {
		t.Fatal("the run scored no pairs")
	}
	for _, p := range [][2]string{{pairs[0]["left_id"], pairs[0]["right_id"]}, {"X1", "X3"}} {
		addExplain(mustDedup(t, "explain", "--run", run, p[0], p[1]))
		addExplain(mustDedup(t, "explain", "--run", run, "--json", p[0], p[1]))
	}
	if res := dedup(t, "explain", "--run", run, "X1", "no-such-record"); res.code != 1 {
		t.Errorf("explain of an unknown record: exit %d, want 1", res.code)
	} else {
		addExplain(res)
	}
	if !strings.Contains(explained.String(), "•") {
		t.Error("explain masked nothing: the check below saw no ID or phone output")
	}

	// secrets: every name, and numbers: every ID and phone, as written and
	// in canonical form (the form a report would print).
	secrets, numbers := map[string]bool{}, map[string]bool{}
	keep := func(set map[string]bool, v string) {
		// Short values ("An", "Nam") are words any message may hold;
		// every real name, ID and phone is longer.
		if v = strings.TrimSpace(v); len([]rune(v)) >= 6 {
			set[v] = true
		}
	}
	collect := func(path string, names []string, ids []string, phones []string) {
		for _, row := range readTable(t, path) {
			for _, c := range names {
				keep(secrets, row[c])
			}
			for _, c := range ids {
				keep(numbers, row[c])
				if id := normalize.ParseID([]byte(row[c])); id.Valid() {
					keep(numbers, id.String())
				}
			}
			for _, c := range phones {
				keep(numbers, row[c])
				if p := normalize.ParsePhone([]byte(row[c])); p.Valid() {
					keep(numbers, p.String())
				}
			}
		}
	}
	for _, sub := range []string{"population", "subscribers"} {
		files, err := filepath.Glob(filepath.Join(gen, sub, "*.parquet"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no %s files", sub)
		}
		for _, f := range files {
			if sub == "population" {
				collect(f, []string{"full_name"}, []string{"national_id"}, []string{"phone"})
			} else {
				collect(f, []string{"registered_name"}, []string{"registered_id_number"}, []string{"msisdn"})
			}
		}
	}
	collect(filepath.Join(gen, "truth", "population.parquet"), []string{"true_full_name"}, []string{"true_national_id"}, []string{"true_phone"})
	for _, v := range []string{"Trần Thị Bình", "Lê Văn Tám", "Hoàng Văn Thụ"} {
		secrets[v] = true // the seeded rows of bad.csv and acme.csv
	}
	for _, v := range []string{"001185000123", "0912345678", "0010A5000123", "0912345679", "079090000001", "0912345675", farmID,
		"0961000001", "0961000002", "0961000003", "0961000004"} {
		numbers[v] = true
	}
	secrets[farmName] = true
	if len(secrets) < 400 || len(numbers) < 800 {
		t.Fatalf("only %d names and %d numbers to look for", len(secrets), len(numbers))
	}
	html, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, set := range []map[string]bool{secrets, numbers} {
		for s := range set {
			if strings.Contains(text, s) {
				t.Errorf("a log line holds a value of the data (%d bytes long)", len(s))
			}
		}
	}
	// The page does show the farm's ID, masked: the check below looks at
	// a page that has IDs to leak.
	if !strings.Contains(string(html), runfolder.Mask(farmID)) {
		t.Errorf("the report page does not list the SIM farm's ID %s", runfolder.Mask(farmID))
	}
	for s := range numbers {
		if strings.Contains(explained.String(), s) {
			t.Errorf("explain prints an ID or phone in full (%d bytes long)", len(s))
		}
		if strings.Contains(string(html), s) {
			t.Errorf("the report page holds an ID or phone in full (%d bytes long)", len(s))
		}
	}
	if !strings.Contains(text, "stage") {
		t.Error("--verbose printed no stage timings: the scan saw no verbose output")
	}

	// Every file written, by gen, run, eval, verify and report, is 0600.
	if st, err := os.Stat(evalJSON); err != nil {
		t.Error(err)
	} else if st.Mode().Perm() != dataio.FileMode {
		t.Errorf("%s: mode %v, want %v", evalJSON, st.Mode().Perm(), os.FileMode(dataio.FileMode))
	}
	for _, root := range []string{gen, run, ver, filepath.Dir(page)} {
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
