package main

import (
	"bytes"
	"fmt"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/runfolder"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelpExitsZero: every subcommand's --help (and -h) prints its usage
// line and flags to stdout and exits 0; nothing goes to stderr.
func TestHelpExitsZero(t *testing.T) {
	for name := range commands {
		for _, h := range []string{"--help", "-h"} {
			var stdout, stderr bytes.Buffer
			code := mainWithExit([]string{name, h}, &stdout, &stderr)
			if code != 0 {
				t.Errorf("dedup %s %s: exit %d, want 0; stderr: %s", name, h, code, stderr.String())
			}
			if !strings.HasPrefix(stdout.String(), "usage: dedup "+name) {
				t.Errorf("dedup %s %s: stdout starts %q, want the usage line", name, h, firstLine(stdout.String()))
			}
			if stderr.Len() > 0 {
				t.Errorf("dedup %s %s: stderr %q, want nothing", name, h, stderr.String())
			}
		}
	}
	var stdout, stderr bytes.Buffer
	if code := mainWithExit([]string{"--version"}, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "dedup ") {
		t.Errorf("dedup --version: exit %d, stdout %q", code, stdout.String())
	}
}

// TestBadFlagValuesExitTwo: a bad command line exits 2 with its reason on
// stderr, before any work is done.
func TestBadFlagValuesExitTwo(t *testing.T) {
	out := t.TempDir()
	cases := []struct {
		args []string
		want string // in stderr
	}{
		{[]string{"run", "--memory", "12XB", "--out", out}, "--memory"},
		{[]string{"run", "--spill", "sometimes", "--out", out}, "--spill"},
		{[]string{"run", "--workers", "-3", "--out", out}, "--workers"},
		{[]string{"run", "--batch-size", "0", "--out", out}, "--batch-size"},
		{[]string{"run", "x.csv"}, "--out"},
		{[]string{"run", "--nope", "--out", out}, "not defined"},
		{[]string{"run", "--retrain", "--out", out, "x.csv"}, "--state"},
		{[]string{"run", "--state", out + "/s", "--plan", "x.csv"}, "--plan"},
		{[]string{"gen", "--people", "-5", "--out", out}, "--people"},
		{[]string{"gen", "--profile", "weird", "--out", out}, "--profile"},
		{[]string{"gen", "--format", "xml", "--out", out}, "--format"},
		{[]string{"gen", "--nights", "-1", "--out", out}, "--nights"},
		{[]string{"gen", "--nights", "2", "--night-rate", "0.5", "--out", out}, "--night-rate"},
		{[]string{"gen", "--nights", "2", "--night-rate", "0", "--out", out}, "--night-rate"},
		{[]string{"gen", "--out", out, "extra"}, "extra"},
		{[]string{"verify", "--workers", "-1", "--register", "a", "--subscribers", "b", "--out", out}, "--workers"},
		{[]string{"eval", "--truth", "t", "--run", out, "--febrl", "maybe"}, "--febrl"},
		{[]string{"explain", "--run", out, "only-one-id"}, "two record ids"},
		{[]string{"config", "nonsense"}, "want default"},
		{[]string{"normalize", "in.csv", "--out", out + "/n.parquet", "--ref-year", "99999"}, "--ref-year"},
		{[]string{"normalize", "--out", out + "/n.parquet"}, "INPUT"},
		{[]string{"normalize", "a.csv", "b.csv", "--out", out + "/n.parquet"}, "INPUT"},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		code := mainWithExit(c.args, &stdout, &stderr)
		if code != 2 {
			t.Errorf("dedup %s: exit %d, want 2; stderr: %s", strings.Join(c.args, " "), code, stderr.String())
			continue
		}
		if !strings.Contains(stderr.String(), c.want) || !strings.Contains(stderr.String(), "usage: dedup "+c.args[0]) {
			t.Errorf("dedup %s: stderr %q, want the reason (%s) and the usage line", strings.Join(c.args, " "), stderr.String(), c.want)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) > 0 {
		t.Errorf("a rejected command line wrote %d entries into --out", len(entries))
	}
}

// TestArgumentsInAnyOrder: `dedup run INPUT --out DIR` is
// `dedup run --out DIR INPUT`.
func TestArgumentsInAnyOrder(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	csv := "record_id,full_name,date_of_birth,gender,national_id,phone,permanent_address,current_address,province_code,updated_at\n" +
		"a1,Nguyễn Văn An,01/02/1990,Nam,001090000001,0912345678,Hà Nội,,01,2024-01-01T00:00:00Z\n" +
		"a2,Nguyen Van An,01/02/1990,Nam,001090000001,0912345678,Hà Nội,,01,2024-01-01T00:00:00Z\n" +
		"a3,Trần Thị Bình,03/04/1985,Nữ,,0987654321,Huế,,46,2024-01-01T00:00:00Z\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"run", "--plan", in, "--quiet"},
		{"run", in, "--plan", "--quiet", "--workers", "1"},
	} {
		var stdout, stderr bytes.Buffer
		if code := mainWithExit(args, &stdout, &stderr); code != 0 {
			t.Errorf("dedup %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
		}
	}
	fs := newFlagSet("run", &bytes.Buffer{})
	out := fs.String("out", "", "")
	q := fs.Bool("quiet", false, "")
	if err := parseFlags(fs, []string{"a", "--out", "o", "b", "--quiet", "--", "--c"}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if *out != "o" || !*q || strings.Join(fs.Args(), " ") != "a b --c" {
		t.Errorf("out %q quiet %v args %q, want o true [a b --c]", *out, *q, fs.Args())
	}
	// -h as a flag's value is that value, not a request for help.
	if err := parseFlags(fs, []string{"--out", "-h"}, &bytes.Buffer{}); err != nil || *out != "-h" {
		t.Errorf("--out -h: %v, out %q; want the value -h", err, *out)
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// TestNoDuplicatesCompletes: a register without a single duplicate runs
// to the end: every record its own cluster, a warning in the manifest
// that names --model, and a model that says its m was not trained.
func TestNoDuplicatesCompletes(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	csv := "record_id,full_name,date_of_birth,gender,national_id,phone,permanent_address,current_address,province_code,updated_at\n" +
		"a1,Nguyễn Văn An,01/02/1990,Nam,001090000001,0912345678,Hà Nội,,01,2024-01-01T00:00:00Z\n" +
		"a2,Trần Thị Bình,03/04/1985,Nữ,,0987654321,Huế,,46,2024-01-01T00:00:00Z\n" +
		"a3,Lê Văn Cường,05/06/1970,Nam,,,Đà Nẵng,,48,2024-01-01T00:00:00Z\n"
	if err := os.WriteFile(in, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := mainWithExit([]string{"run", "--quiet", "--out", out, in}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	m, err := runfolder.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	if m.Clusters.Clusters != 3 || m.RowsClustered != 3 {
		t.Errorf("%d clusters of %d rows, want 3 of 3", m.Clusters.Clusters, m.RowsClustered)
	}
	if !strings.Contains(strings.Join(m.Warnings, "\n"), "--model") {
		t.Errorf("manifest warnings %q: want one naming --model", m.Warnings)
	}
	model, err := os.ReadFile(filepath.Join(out, runfolder.FileModel))
	if err != nil || !strings.Contains(string(model), `"m_untrained": true`) {
		t.Errorf("model.json does not say m is untrained (%v)", err)
	}
}

// TestRunOutInsideInput: `dedup run --out IN/run IN` is refused (the next
// run would read clusters.parquet as records) and writes nothing.
func TestRunOutInsideInput(t *testing.T) {
	in := t.TempDir()
	csv := "record_id,full_name\na1,Nguyễn Văn An\na2,Nguyen Van An\n"
	if err := os.WriteFile(filepath.Join(in, "in.csv"), []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := mainWithExit([]string{"run", "--quiet", "--out", filepath.Join(in, "run"), in}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "inside the input folder") {
		t.Errorf("exit %d, stderr %q: want a refusal", code, stderr.String())
	}
	if _, err := os.Stat(filepath.Join(in, "run")); err == nil {
		t.Error("the refused run created its output folder")
	}
}

// TestPlanCountsWhatLinkModeScores: in link mode --plan counts the pairs
// the run scores (pairs within one source are never scored), and prints
// block sizes, not key hashes.
func TestPlanCountsWhatLinkModeScores(t *testing.T) {
	gen := generated(t, 3000, 5, "parquet")
	files, err := filepath.Glob(filepath.Join(gen, "population", "*.parquet"))
	if err != nil || len(files) < 4 {
		t.Fatalf("generated files: %v %v", files, err)
	}
	def := string(config.DefaultYAML())
	def = strings.Replace(def, "\nmode: dedupe", "\nmode: link", 1)
	def = strings.Replace(def, "  - name: population\n    paths: []\n", "  - name: north\n    paths: []\n  - name: south\n    paths: []\n", 1)
	cfgPath := filepath.Join(t.TempDir(), "link.yaml")
	if err := os.WriteFile(cfgPath, []byte(def), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--config", cfgPath}
	for i, f := range files {
		src := "north"
		if i%2 == 1 {
			src = "south"
		}
		args = append(args, src+"="+f)
	}
	plan := mustDedup(t, append([]string{"run", "--plan", "--quiet"}, args...)...)
	out := filepath.Join(t.TempDir(), "run")
	mustDedup(t, append([]string{"run", "--quiet", "--out", out}, args...)...)
	m, err := runfolder.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range m.Blocking {
		want := fmt.Sprintf("%s: records=", b.Name)
		line := ""
		for _, l := range strings.Split(plan.stderr, "\n") {
			if strings.Contains(l, want) {
				line = l
			}
		}
		if !strings.Contains(line, fmt.Sprintf(" pairs=%d ", b.Pairs)) {
			t.Errorf("rule %s: plan line %q, want pairs=%d as scored", b.Name, line, b.Pairs)
		}
		if strings.Contains(line, "{") {
			t.Errorf("rule %s: plan line prints structs: %q", b.Name, line)
		}
	}
}
