package report

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"golang.org/x/net/html"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/eval"
	"github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/runfolder"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/report")

// fixture is a small generated register, run and evaluated once for all
// tests of the package.
type fixture struct {
	dir, genDir, runDir, evalPath string
	manifest                      *runfolder.Manifest
}

var (
	fixOnce sync.Once
	fix     fixture
	fixErr  error
)

func testRun(t *testing.T) fixture {
	t.Helper()
	fixOnce.Do(func() {
		fix.dir, fixErr = os.MkdirTemp("", "dedup-report-test-")
		if fixErr != nil {
			return
		}
		fix.genDir = filepath.Join(fix.dir, "gen")
		fix.runDir = filepath.Join(fix.dir, "run")
		fix.evalPath = filepath.Join(fix.dir, "eval.json")
		if _, fixErr = gen.Generate(context.Background(), gen.Options{People: 3000, Seed: 5, Workers: 2, OutDir: fix.genDir, Quiet: true}); fixErr != nil {
			return
		}
		fix.manifest, fixErr = pipeline.Run(context.Background(), config.Default(), pipeline.Options{
			OutDir: fix.runDir, Inputs: []string{filepath.Join(fix.genDir, "population")}, Workers: 2, Progress: progress.Options{Quiet: true},
		})
		if fixErr != nil {
			return
		}
		var rep *eval.Report
		if rep, fixErr = eval.Run(eval.Options{Truth: filepath.Join(fix.genDir, "truth", "population.parquet"), RunDir: fix.runDir}); fixErr != nil {
			return
		}
		var buf bytes.Buffer
		if fixErr = rep.WriteJSON(&buf); fixErr == nil {
			fixErr = os.WriteFile(fix.evalPath, buf.Bytes(), 0o600)
		}
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fix
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fix.dir != "" {
		os.RemoveAll(fix.dir)
	}
	os.Exit(code)
}

func render(t *testing.T, opt Options) []byte {
	t.Helper()
	d, err := Load(opt)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := d.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// walk calls fn on every element node.
func walk(n *html.Node, fn func(*html.Node)) {
	if n.Type == html.ElementNode {
		fn(n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// charts maps each chart (svg class="chart") by its data-chart name to the
// data-value figures of its marks.
func charts(t *testing.T, doc *html.Node) map[string][]float64 {
	t.Helper()
	out := map[string][]float64{}
	walk(doc, func(n *html.Node) {
		if n.Data != "svg" {
			return
		}
		name, ok := attr(n, "data-chart")
		if !ok {
			return
		}
		vals := []float64{}
		walk(n, func(m *html.Node) {
			if s, ok := attr(m, "data-value"); ok {
				v, err := strconv.ParseFloat(s, 64)
				if err != nil {
					t.Errorf("chart %s: data-value %q: %v", name, s, err)
				}
				vals = append(vals, v)
			}
		})
		out[name] = vals
	})
	return out
}

func sum(vs []float64) float64 {
	s := 0.0
	for _, v := range vs {
		s += v
	}
	return s
}

// TestReportSections renders a real run with its eval and checks every
// section, every chart's data against the run's own figures, and that the
// page is self-contained.
func TestReportSections(t *testing.T) {
	f := testRun(t)
	page := render(t, Options{RunDir: f.runDir, EvalPath: f.evalPath})
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]bool{}
	walk(doc, func(n *html.Node) {
		if n.Data == "section" {
			id, _ := attr(n, "id")
			sections[id] = true
		}
		switch n.Data {
		case "script", "link", "img", "iframe", "object":
			t.Errorf("page has a <%s> element: it must be self-contained", n.Data)
		}
		for _, a := range n.Attr {
			if (a.Key == "src" || a.Key == "href") && !strings.HasPrefix(a.Val, "#") {
				t.Errorf("<%s %s=%q>: the page must fetch nothing", n.Data, a.Key, a.Val)
			}
		}
	})
	for _, s := range []string{"summary", "quality", "blocking", "model", "weights", "clusters", "evaluation"} {
		if !sections[s] {
			t.Errorf("section %q missing", s)
		}
	}
	if sections["verification"] {
		t.Error("verification section shown for a run without verify output")
	}
	m := f.manifest
	ch := charts(t, doc)
	for _, name := range []string{"stages", "quality", "blocking", "match-weights", "match-weight-histogram", "cluster-sizes", "threshold-sweep"} {
		if len(ch[name]) == 0 {
			t.Errorf("chart %q missing or without data points", name)
		}
	}
	if got, want := len(ch["stages"]), len(m.Stages); got != want {
		t.Errorf("stages chart: %d bars, want %d", got, want)
	}
	var pairs float64
	for _, r := range m.Blocking {
		pairs += float64(r.Pairs)
	}
	if got := sum(ch["blocking"]); got != pairs || got != float64(m.Pairs.Candidates) {
		t.Errorf("blocking chart sums to %v pairs, manifest rules %v, candidates %d", got, pairs, m.Pairs.Candidates)
	}
	if got := sum(ch["match-weight-histogram"]); got != float64(m.Pairs.Written) {
		t.Errorf("weight histogram holds %v pairs, pairs.parquet %d", got, m.Pairs.Written)
	}
	if got := sum(ch["cluster-sizes"]); got != float64(m.Clusters.Clusters) {
		t.Errorf("cluster chart holds %v clusters, manifest %d", got, m.Clusters.Clusters)
	}
	levels := 1 // the prior
	d, err := Load(Options{RunDir: f.runDir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range d.Model.Comparisons {
		levels += len(c.Levels)
	}
	if got := len(ch["match-weights"]); got != levels {
		t.Errorf("match-weights chart: %d bars, want prior + %d levels", got, levels-1)
	}
	for _, v := range ch["quality"] {
		if v < 0 || v > 100 {
			t.Errorf("quality share %v outside [0, 100]", v)
		}
	}
	if d.Weights.Accepted != m.Pairs.Accepted {
		t.Errorf("histogram: %d pairs at or above the threshold, manifest accepted %d", d.Weights.Accepted, m.Pairs.Accepted)
	}
	if d.Quality.Total.Records != m.Clusters.Golden {
		t.Errorf("quality counts %d golden records, manifest %d", d.Quality.Total.Records, m.Clusters.Golden)
	}
	var perProvince int64
	for _, p := range d.Quality.Provinces {
		perProvince += p.Records
		if p.Correct > p.Records || p.Complete > p.Records || p.Clean > p.Records || p.Live > p.Records {
			t.Errorf("province %s: a criterion counts more than its %d records: %+v", p.Code, p.Records, p)
		}
	}
	if perProvince != d.Quality.Total.Records || len(d.Quality.Provinces) < 10 {
		t.Errorf("provinces hold %d of %d records in %d provinces", perProvince, d.Quality.Total.Records, len(d.Quality.Provinces))
	}
	// The page does not depend on anything but its inputs.
	if again := render(t, Options{RunDir: f.runDir, EvalPath: f.evalPath}); !bytes.Equal(page, again) {
		t.Error("two renders of the same run differ")
	}
}

// piiValues lists every national ID and phone in the generated register,
// as typed and as digits only.
func piiValues(t *testing.T, dir string) []string {
	t.Helper()
	files, err := dataio.ListInputs([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, f := range files {
		r, err := dataio.Open(f, dataio.ReadOptions{Columns: []string{"national_id", "phone"}, AsStrings: true})
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			rec := r.Batch()
			for c := 0; c < 2; c++ {
				col := rec.Column(c).(*array.String)
				for i := 0; i < col.Len(); i++ {
					v := col.Value(i)
					digits := strings.Map(func(r rune) rune {
						if r >= '0' && r <= '9' {
							return r
						}
						return -1
					}, v)
					for _, s := range []string{v, digits} {
						if len(digits) >= 9 && !seen[s] {
							seen[s] = true
							out = append(out, s)
						}
					}
				}
			}
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	return out
}

// TestMaskingNoPII: with a verify summary listing real ID numbers from the
// data, the page shows none of the register's IDs or phones in full unless
// ShowPII is set.
func TestMaskingNoPII(t *testing.T) {
	f := testRun(t)
	pii := piiValues(t, filepath.Join(f.genDir, "population"))
	if len(pii) < 1000 {
		t.Fatalf("only %d ID/phone values in the register", len(pii))
	}
	// A verify folder naming three real IDs as over the SIM limit.
	var ids []string
	for _, v := range pii {
		if len(v) == 12 && len(ids) < 3 && strings.Trim(v, "0123456789") == "" {
			ids = append(ids, v)
		}
	}
	vdir := t.TempDir()
	summary := `{"subscriptions": 120, "sim_limit": 10,
	  "by_carrier": {"viettel": {"match": 50, "mismatch": 5}, "mobifone": {"match": 40, "not_found": 25}},
	  "ids_over_limit": [{"id": "` + ids[0] + `", "sims": 14, "carriers": ["viettel", "mobifone"]},
	                     {"id": "` + ids[1] + `", "sims": 11, "carriers": "viettel"},
	                     {"id": "` + ids[2] + `", "sims": 12}]}`
	if err := os.WriteFile(filepath.Join(vdir, runfolder.FileVerifySummary), []byte(summary), 0o600); err != nil {
		t.Fatal(err)
	}
	masked := string(render(t, Options{RunDir: f.runDir, EvalPath: f.evalPath, VerifyDir: vdir}))
	if !strings.Contains(masked, `id="verification"`) {
		t.Fatal("verification section missing")
	}
	for _, v := range pii {
		if strings.Contains(masked, v) {
			t.Errorf("page shows an ID or phone from the data in full (value of %d characters)", len(v))
		}
	}
	for _, id := range ids {
		if !strings.Contains(masked, runfolder.Mask(id)) {
			t.Errorf("masked ID ending %s not listed", id[len(id)-3:])
		}
	}
	shown := string(render(t, Options{RunDir: f.runDir, VerifyDir: vdir, ShowPII: true}))
	for _, id := range ids {
		if !strings.Contains(shown, id) {
			t.Errorf("--show-pii: ID ending %s not shown in full", id[len(id)-3:])
		}
	}
	if !strings.Contains(shown, "contains personal data") {
		t.Error("--show-pii page does not warn that it holds personal data")
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{fmtInt(0), "0"},
		{fmtInt(999), "999"},
		{fmtInt(1000), "1,000"},
		{fmtInt(-1234567), "-1,234,567"},
		{fmtNum(3.14159), "3.14"},
		{fmtNum(0.001234), "0.0012"},
		{pct(0.9996), "99.96%"},
		{pct(1), "100.0%"},
		{pct(0.0001), "0.01%"},
		{pct(math.NaN()), "–"},
		{fmtSeconds(0.0123), "12.3 ms"},
		{fmtSeconds(125), "2 min 5 s"},
		{fmtBytes(33095680), "31.6 MiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		bucket string
		want   int64
	}{{"1", 1}, {"5", 5}, {"6-10", 6}, {"11-100", 11}, {">100", 101}} {
		if got := sizeOrder(tc.bucket); got != tc.want {
			t.Errorf("sizeOrder(%q) = %d, want %d", tc.bucket, got, tc.want)
		}
	}
}

// TestGolden renders a fixed run folder (manifest, model, eval and verify
// summary, no Parquet files) and compares the page byte for byte with
// testdata/report/report.golden.html; -update rewrites it.
func TestGolden(t *testing.T) {
	dir := filepath.Join("..", "testdata", "report")
	page := render(t, Options{RunDir: filepath.Join(dir, "run"), EvalPath: filepath.Join(dir, "eval.json"), VerifyDir: filepath.Join(dir, "verify")})
	golden := filepath.Join(dir, "report.golden.html")
	if *update {
		if err := os.WriteFile(golden, page, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(page, want) {
		t.Errorf("page differs from %s (run go test ./report -run TestGolden -update after checking the change)", golden)
	}
	for _, s := range []string{"no golden.parquet", "no pairs.parquet", `id="verification"`, "•••••••••567", "all_fields_empty"} {
		if !bytes.Contains(page, []byte(s)) {
			t.Errorf("page lacks %q", s)
		}
	}
	if bytes.Contains(page, []byte("001203004567")) {
		t.Error("page shows a full ID number")
	}
}

// TestCSVRunFolder: a run folder written with --format csv reads as its
// Parquet twin: eval's figures (pairs, clusters, golden vs truth) and the
// report's quality and match-weight sections are the same.
func TestCSVRunFolder(t *testing.T) {
	f := testRun(t)
	csvDir := filepath.Join(f.dir, "run-csv")
	if _, err := pipeline.Run(context.Background(), config.Default(), pipeline.Options{
		OutDir: csvDir, Inputs: []string{filepath.Join(f.genDir, "population")}, Workers: 2, CSV: true, Progress: progress.Options{Quiet: true},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(csvDir, runfolder.FileGolden)); err == nil {
		t.Fatal("the csv run wrote golden.parquet")
	}
	truth := filepath.Join(f.genDir, "truth", "population.parquet")
	var reps [2]*eval.Report
	for i, dir := range []string{f.runDir, csvDir} {
		rep, err := eval.Run(eval.Options{Truth: truth, RunDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		rep.Run, rep.RunManifestSHA256 = "", ""
		reps[i] = rep
	}
	if reps[1].Golden == nil || reps[1].Pairwise == nil || reps[1].Sweep == nil {
		t.Fatalf("csv run: golden %v, pairwise %v, sweep %v", reps[1].Golden != nil, reps[1].Pairwise != nil, reps[1].Sweep != nil)
	}
	for _, part := range []struct {
		name string
		a, b any
	}{{"golden", reps[0].Golden, reps[1].Golden}, {"pairwise", reps[0].Pairwise, reps[1].Pairwise},
		{"pair level", reps[0].PairLevel, reps[1].PairLevel}, {"sweep", reps[0].Sweep, reps[1].Sweep}} {
		if !reflect.DeepEqual(part.a, part.b) {
			t.Errorf("%s: the csv run's figures differ from the parquet run's", part.name)
		}
	}
	var loaded [2]*Data
	for i, dir := range []string{f.runDir, csvDir} {
		d, err := Load(Options{RunDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		loaded[i] = d
	}
	if loaded[1].Quality == nil || loaded[1].Weights == nil {
		t.Fatal("the csv run's report lacks the quality or match-weight section")
	}
	if !reflect.DeepEqual(loaded[0].Quality, loaded[1].Quality) || !reflect.DeepEqual(loaded[0].Weights, loaded[1].Weights) {
		t.Error("the csv run's quality or match-weight section differs from the parquet run's")
	}
}
