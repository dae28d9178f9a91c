package main

// End-to-end tests of the dedup command: TestMain builds the binary once,
// the tests exec it on generated and deliberately broken inputs, and check
// its exit code, messages, outputs and manifests.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

var (
	binPath string // the dedup binary built by TestMain
	workDir string // scratch shared by the tests, removed by TestMain
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "dedup-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	workDir = dir
	binPath = filepath.Join(dir, "dedup")
	goTool := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if os.Getenv("GOROOT") == "" {
		goTool = "go"
	}
	build := exec.Command(goTool, "build", "-o", binPath, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building dedup:", err)
		return 1
	}
	return m.Run()
}

// result is one finished dedup process.
type result struct {
	code           int
	stdout, stderr string
}

// cmdTimeout bounds one dedup process: a hang fails the test instead of
// stalling the suite.
var cmdTimeout = time.Minute

// dedup runs the binary with args within cmdTimeout. A panic trace on
// stderr fails the test too.
func dedup(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, binPath, args...)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("dedup %s: no answer within %v (hang?)", strings.Join(args, " "), cmdTimeout)
	}
	res := result{stdout: so.String(), stderr: se.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("dedup %s: %v", strings.Join(args, " "), err)
		}
		res.code = ee.ExitCode()
	}
	checkNoPanic(t, res.stderr)
	return res
}

func checkNoPanic(t *testing.T, stderr string) {
	t.Helper()
	for _, s := range []string{"panic:", "goroutine ", "runtime error", "fatal error:"} {
		if strings.Contains(stderr, s) {
			t.Fatalf("crash trace on stderr:\n%s", stderr)
		}
	}
}

// mustDedup is dedup that fails the test on a non-zero exit.
func mustDedup(t *testing.T, args ...string) result {
	t.Helper()
	res := dedup(t, args...)
	if res.code != 0 {
		t.Fatalf("dedup %s: exit %d\n%s", strings.Join(args, " "), res.code, res.stderr)
	}
	return res
}

// generated data sets, made once per size and seed by `dedup gen`.
var (
	genMu   sync.Mutex
	genDirs = map[string]string{}
)

func generated(t *testing.T, people int, seed int, format string) string {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	key := fmt.Sprintf("%d-%d-%s", people, seed, format)
	if d, ok := genDirs[key]; ok {
		return d
	}
	d := filepath.Join(workDir, "gen-"+key)
	mustDedup(t, "gen", "--people", fmt.Sprint(people), "--seed", fmt.Sprint(seed), "--format", format, "--quiet", "--out", d)
	genDirs[key] = d
	return d
}

// readManifest reads a run folder's manifest.json.
func readManifest(t *testing.T, dir string) *runfolder.Manifest {
	t.Helper()
	m, err := runfolder.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// readTable reads every row of a table file as strings, keyed by column.
func readTable(t *testing.T, path string) []map[string]string {
	t.Helper()
	r, err := dataio.Open(path, dataio.ReadOptions{AsStrings: true, Lists: true, MaxCellBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows []map[string]string
	for r.Next() {
		rec := r.Batch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := map[string]string{}
			for c := 0; c < int(rec.NumCols()); c++ {
				row[rec.ColumnName(c)] = dataio.FormatValue(rec.Column(c), i)
			}
			rows = append(rows, row)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// tableRows counts a table file's rows.
func tableRows(t *testing.T, path string) int64 {
	t.Helper()
	r, err := dataio.Open(path, dataio.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var n int64
	for r.Next() {
		n += r.Batch().NumRows()
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

// tempFiles lists writers' temporaries (".NAME.tmp-*") in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".*.tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// checkAccounting asserts rows in = clustered + rejected, overall and per
// file, and that the reject reasons and rejects.parquet agree with it.
func checkAccounting(t *testing.T, dir string, m *runfolder.Manifest) {
	t.Helper()
	if m.RowsIn != m.RowsClustered+m.RowsRejected {
		t.Errorf("rows_in %d != rows_clustered %d + rows_rejected %d", m.RowsIn, m.RowsClustered, m.RowsRejected)
	}
	var in, rej, reasons int64
	for _, f := range m.Inputs {
		in += f.Rows
		rej += f.Rejected
	}
	for _, n := range m.RejectReasons {
		reasons += n
	}
	if in != m.RowsIn || rej != m.RowsRejected || reasons != m.RowsRejected {
		t.Errorf("per-file rows %d, rejected %d, by reason %d; manifest says %d in, %d rejected", in, rej, reasons, m.RowsIn, m.RowsRejected)
	}
	if n := tableRows(t, filepath.Join(dir, runfolder.FileRejects)); n != m.RowsRejected {
		t.Errorf("rejects.parquet has %d rows, manifest says %d rejected", n, m.RowsRejected)
	}
	if n := tableRows(t, filepath.Join(dir, runfolder.FileClusters)); n != m.RowsClustered {
		t.Errorf("clusters.parquet has %d rows, manifest says %d clustered", n, m.RowsClustered)
	}
}

// TestStateNights: two nights of `dedup run --state` on the same snapshot
// keep every person ID and log no event, the second re-scoring nothing;
// `dedup lookup` writes the register; another config is refused with exit
// 1 and the state left as it was.
func TestStateNights(t *testing.T) {
	gen := generated(t, 800, 22, "parquet")
	dir := t.TempDir()
	st := filepath.Join(dir, "state")
	o1, o2 := filepath.Join(dir, "n1"), filepath.Join(dir, "n2")
	r := mustDedup(t, "run", "--quiet", "--state", st, "--out", o1, filepath.Join(gen, "population"))
	if !strings.Contains(r.stdout, "night 1: records new") {
		t.Errorf("stdout %q: want the night's counts", r.stdout)
	}
	mustDedup(t, "run", "--quiet", "--state", st, "--out", o2, filepath.Join(gen, "population"))
	m := readManifest(t, o2)
	if m.Night == nil || m.Night.Night != 2 || m.Night.Unchanged != m.RowsClustered || len(m.Night.Events) != 0 {
		t.Errorf("night 2: %+v, want every record unchanged and no event", m.Night)
	}
	ids := func(dir string) map[string]string {
		out := map[string]string{}
		for _, row := range readTable(t, filepath.Join(dir, runfolder.FileClusters)) {
			out[row[runfolder.ColRecordID]] = row[runfolder.ColPersonID]
		}
		return out
	}
	if m.Night.Rescored != 0 || m.Night.Full || tableRows(t, filepath.Join(o2, runfolder.FileClusters)) != 0 {
		t.Errorf("night 2 on the same snapshot re-scored %d records (full %v)", m.Night.Rescored, m.Night.Full)
	}
	reg := filepath.Join(dir, "register")
	if r := mustDedup(t, "lookup", "--state", st, "--out", reg); !strings.Contains(r.stdout, "records written") {
		t.Errorf("lookup stdout %q", r.stdout)
	}
	a, b := ids(o1), ids(reg)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d and %d records", len(a), len(b))
	}
	for rec, p := range a {
		if b[rec] != p || len(p) != 13 {
			t.Fatalf("a record's person %q became %q", p, b[rec])
		}
	}
	if n := tableRows(t, filepath.Join(o1, runfolder.FileChanges)); n != m.Night.Persons {
		t.Errorf("night 1: %d changes rows, want one created per person (%d)", n, m.Night.Persons)
	}
	cfg := filepath.Join(dir, "other.yaml")
	def := mustDedup(t, "config", "default").stdout
	if err := os.WriteFile(cfg, []byte(strings.Replace(def, "pairs_min_weight: -10", "pairs_min_weight: -11", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(st, "CURRENT"))
	r = dedup(t, "run", "--quiet", "--config", cfg, "--state", st, "--out", filepath.Join(dir, "n3"), filepath.Join(gen, "population"))
	if r.code != 1 || !strings.Contains(r.stderr, "config digest") {
		t.Errorf("another config: exit %d, stderr %q", r.code, r.stderr)
	}
	if after, _ := os.ReadFile(filepath.Join(st, "CURRENT")); !bytes.Equal(before, after) {
		t.Error("a refused night changed the state's pointer")
	}
}

// TestLinkCommand: `dedup link` links a generated BHXH table to a night's
// state and says so on stdout; its files are 0600 in a 0700 folder with
// no work folder left; eval scores it through the state's lookup; a
// missing flag is a usage error (exit 2), a state that does not exist an
// error (exit 1).
func TestLinkCommand(t *testing.T) {
	dir := t.TempDir()
	g := filepath.Join(dir, "gen")
	mustDedup(t, "gen", "--people", "600", "--seed", "23", "--sectors", "bhxh", "--quiet", "--out", g)
	st := filepath.Join(dir, "state")
	mustDedup(t, "run", "--quiet", "--state", st, "--out", filepath.Join(dir, "n1"), filepath.Join(g, "population"))
	cfg := filepath.Join(dir, "bhxh.yaml")
	if err := os.WriteFile(cfg, []byte(mustDedup(t, "config", "bhxh").stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "links")
	sector := "bhxh=" + filepath.Join(g, "sectors", "bhxh.parquet")
	r := mustDedup(t, "link", "--quiet", "--register", st, "--config", cfg, "--out", out, sector)
	if !strings.Contains(r.stdout, "linked") || !strings.Contains(r.stdout, "register records were candidates") {
		t.Errorf("stdout %q", r.stdout)
	}
	m := readManifest(t, out)
	if m.Link == nil || m.Link.Verdicts[runfolder.VerdictLinked] == 0 || tableRows(t, filepath.Join(out, runfolder.FileLinks)) != m.RowsClustered {
		t.Fatalf("manifest link %+v, %d rows clustered", m.Link, m.RowsClustered)
	}
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, _ := e.Info()
		if e.IsDir() || info.Mode().Perm() != dataio.FileMode {
			t.Errorf("%s: mode %v (dir %v), want a %v file", e.Name(), info.Mode().Perm(), e.IsDir(), os.FileMode(dataio.FileMode))
		}
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o700 {
		t.Errorf("the output folder: %v %v, want 0700", info.Mode().Perm(), err)
	}
	reg := filepath.Join(dir, "register")
	mustDedup(t, "lookup", "--state", st, "--out", reg)
	r = mustDedup(t, "eval", "--links", filepath.Join(out, runfolder.FileLinks), "--truth", filepath.Join(g, "truth", "sectors", "bhxh.parquet"),
		"--register-run", reg, "--register-truth", filepath.Join(g, "truth", "population.parquet"))
	if !strings.Contains(r.stdout, "linked precision") {
		t.Errorf("eval stdout %q", r.stdout)
	}
	if r := dedup(t, "link", "--register", st, "--out", out, sector); r.code != 2 || !strings.Contains(r.stderr, "--config") {
		t.Errorf("no --config: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := dedup(t, "link", "--register", filepath.Join(dir, "none"), "--config", cfg, "--out", filepath.Join(dir, "l2"), sector); r.code != 1 || !strings.Contains(r.stderr, "no such folder") {
		t.Errorf("no state: exit %d, stderr %q", r.code, r.stderr)
	}
}
