package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/dedup-vn/dedup/eval"
	"github.com/dedup-vn/dedup/runfolder"
)

// The tests of this file are issue 19 item 25 (the report's part) and the
// report half of item 15: each failed on the code before the fix.

// chartNode returns the <svg data-chart=name> of a page.
func chartNode(t *testing.T, page []byte, name string) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var found *html.Node
	walk(doc, func(n *html.Node) {
		if v, ok := attr(n, "data-chart"); ok && v == name && found == nil {
			found = n
		}
	})
	if found == nil {
		t.Fatalf("no chart %q", name)
	}
	return found
}

// texts returns the text of every <text> element under n with the given
// class ("" for any).
func texts(n *html.Node, class string) []string {
	var out []string
	walk(n, func(m *html.Node) {
		if m.Data != "text" {
			return
		}
		if c, _ := attr(m, "class"); class != "" && c != class {
			return
		}
		var b strings.Builder
		for c := m.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.TextNode {
				b.WriteString(c.Data)
			}
		}
		out = append(out, b.String())
	})
	return out
}

func renderData(t *testing.T, d *Data) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := d.WriteHTML(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPctNeverRoundsUpTo100: 20,009 of 20,010 is 99.99%, not 100.00%.
func TestPctNeverRoundsUpTo100(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{{20009.0 / 20010, "99.99%"}, {1, "100.0%"}, {0.9996, "99.96%"}, {0.5, "50.0%"}, {0.00001, "0.00%"}} {
		if got := pct(tc.x); got != tc.want {
			t.Errorf("pct(%v) = %s, want %s", tc.x, got, tc.want)
		}
	}
}

// TestBarLabelsFit: the value label right of a full bar (LIVE at 99.99% of
// 20,010) stays inside the chart.
func TestBarLabelsFit(t *testing.T) {
	live := 20009.0 / 20010
	bars := []bar{
		{Label: "correct", Value: 95, Text: "95.0%  (19,010)"},
		{Label: "live", Value: 100 * live, Text: pct(live) + "  (20,009)"},
	}
	const width = 700.0
	chart := hbars("quality", "q", bars, hbarOpts{Width: width, LabelWidth: 110, Max: 100})
	doc, err := html.Parse(strings.NewReader(string(chart)))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	walk(doc, func(m *html.Node) {
		if c, _ := attr(m, "class"); m.Data != "text" || c != "val" {
			return
		}
		n++
		xs, _ := attr(m, "x")
		x, err := strconv.ParseFloat(xs, 64)
		if err != nil {
			t.Fatal(err)
		}
		label := m.FirstChild.Data
		// 11px sans-serif: about 0.6 em a character.
		if end := x + 0.6*11*float64(len([]rune(label))); end > width {
			t.Errorf("label %q ends at %.0f px, past the chart's %v px", label, end, width)
		}
	})
	if n != len(bars) {
		t.Fatalf("%d value labels, want %d", n, len(bars))
	}
}

// TestBlockingChartSaysLogScale: the blocking chart's bar lengths are log
// scaled; the chart itself says so, in visible text.
func TestBlockingChartSaysLogScale(t *testing.T) {
	page := render(t, Options{RunDir: filepath.Join("..", "testdata", "report", "run")})
	found := false
	for _, s := range texts(chartNode(t, page, "blocking"), "") {
		if strings.Contains(s, "log scale") {
			found = true
		}
	}
	if !found {
		t.Error("the blocking chart does not say, in a visible label, that it is log-scaled")
	}
}

// TestVerdictColours: match is green; problems are warm, never green or
// blue; the colours follow the verdict, not its place in the alphabet.
func TestVerdictColours(t *testing.T) {
	verdicts := []string{"id_invalid", "id_not_found", "match", "mismatch", "other_person", "phone_other_name"}
	counts := []int64{5, 10, 100, 7, 3, 2}
	d := &Data{Manifest: &runfolder.Manifest{}, Verify: &Verify{Verdicts: verdicts, Carriers: []CarrierVerdicts{{Carrier: "viettel", Counts: counts, Total: 127}}}}
	page := renderData(t, d)
	fill := map[string]string{}
	walk(chartNode(t, page, "verdicts-by-carrier"), func(n *html.Node) {
		if n.Data != "rect" || n.FirstChild == nil || n.FirstChild.FirstChild == nil {
			return
		}
		title := n.FirstChild.FirstChild.Data // "viettel (127), match: 100 (…)"
		_, rest, _ := strings.Cut(title, ", ")
		verdict, _, _ := strings.Cut(rest, ":")
		fill[verdict], _ = attr(n, "fill")
	})
	if fill["match"] != colGreen {
		t.Errorf("match drawn %s, want green %s", fill["match"], colGreen)
	}
	for _, v := range verdicts[:] {
		if v == "match" {
			continue
		}
		switch fill[v] {
		case "", colGreen, colBlue:
			t.Errorf("problem verdict %s drawn %q: want a warm colour", v, fill[v])
		}
	}
}

// TestProvinceLegend: the province table's highlighted cells are explained,
// and the table is not boxed in a scrolling frame (cut off in print);
// the page has print rules.
func TestProvinceLegend(t *testing.T) {
	f := testRun(t)
	page := string(render(t, Options{RunDir: f.runDir}))
	i := strings.Index(page, `id="quality-table"`)
	if i < 0 {
		t.Fatal("no quality table")
	}
	rest := page[i:]
	end := strings.Index(rest, "</section>")
	if !strings.Contains(rest[:end], `id="quality-legend"`) || !strings.Contains(rest[:end], "80") || !strings.Contains(rest[:end], "95") {
		t.Error("the province table's highlight has no legend giving its thresholds")
	}
	if strings.Contains(page[:i], `<div class="scroll">`) {
		t.Error("the province table scrolls inside a box")
	}
	if !strings.Contains(page, "@media print") {
		t.Error("no print rules")
	}
}

// TestPlurals: one of a thing is not "1 things".
func TestPlurals(t *testing.T) {
	d := &Data{
		Manifest: &runfolder.Manifest{
			Inputs: []runfolder.InputStat{{Source: "population", File: "a.csv", Rows: 1}}, RowsIn: 1, RowsClustered: 1,
			Clusters: runfolder.ClusterStats{Clusters: 1, Singletons: 1, Largest: 1, SizeCounts: map[string]int64{"1": 1}},
			Pairs:    runfolder.PairStats{Candidates: 1},
			Blocking: []runfolder.RuleStat{{Name: "id", Pairs: 1}},
		},
		Eval: &eval.Report{Pairwise: &eval.PairMetrics{TruePairs: 1, FP: 1, FN: 1}},
	}
	page := string(renderData(t, d))
	for _, bad := range []string{"1 false pairs", "1 missed pairs", "1 true pairs", "1 files", "1 rows", ">1 pairs<", "1 singletons", "1 candidates", "1 records"} {
		if strings.Contains(page, bad) {
			t.Errorf("page says %q", bad)
		}
	}
	for _, good := range []string{"1 false pair", "1 file", "1 singleton"} {
		if !strings.Contains(page, good) {
			t.Errorf("page lacks %q", good)
		}
	}
}

// TestRunDescription: the header says what the run read (sources, files,
// rows) and, when the manifest records one, the date; the input files are
// listed.
func TestRunDescription(t *testing.T) {
	dir := t.TempDir()
	m := map[string]any{
		"mode": "dedupe", "date": "2026-03-14", "rows_in": 1300,
		"inputs": []map[string]any{{"source": "population", "file": "in/01.parquet", "rows": 1000}, {"source": "population", "file": "in/02.parquet", "rows": 300}},
	}
	data, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, runfolder.FileManifest), data, 0o600); err != nil {
		t.Fatal(err)
	}
	page := string(render(t, Options{RunDir: dir}))
	header := page[strings.Index(page, "<header>"):strings.Index(page, "</header>")]
	for _, s := range []string{"2026-03-14", "population", "2 files", "1,300 rows"} {
		if !strings.Contains(header, s) {
			t.Errorf("header lacks %q:\n%s", s, header)
		}
	}
	for _, s := range []string{"in/01.parquet", "in/02.parquet"} {
		if !strings.Contains(page, s) {
			t.Errorf("page does not list input file %s", s)
		}
	}
}

// TestSweepZoomed: a sweep whose recall falls to 0 at high thresholds is
// drawn on an axis zoomed to where F1 is near its best, and the axis says
// its range.
func TestSweepZoomed(t *testing.T) {
	sw := &eval.Sweep{Step: 1}
	for w := 0; w <= 40; w++ {
		r := 0.99 - 0.0002*float64(w)
		if w > 20 {
			r = max(0, 0.99-0.05*float64(w-20))
		}
		p := eval.SweepPoint{MatchWeight: float64(w), Precision: min(1, 0.97+0.002*float64(w)), Recall: r}
		p.F1 = 2 * p.Precision * p.Recall / (p.Precision + p.Recall)
		sw.Points = append(sw.Points, p)
		if p.F1 > sw.Best.F1 {
			sw.Best = p
		}
	}
	d := &Data{Manifest: &runfolder.Manifest{}, Eval: &eval.Report{Sweep: sw, Threshold: &eval.Threshold{MatchWeight: 10}}}
	chart := chartNode(t, renderData(t, d), "threshold-sweep")
	ticks := texts(chart, "tick")
	var yTicks []float64
	for _, s := range ticks {
		if v, ok := strings.CutSuffix(s, "%"); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			yTicks = append(yTicks, f)
		}
	}
	if len(yTicks) < 2 || yTicks[0] < 90 {
		t.Errorf("y ticks %q: want a percentage axis zoomed to 90%% or above", ticks)
	}
	labelled := false
	for _, s := range texts(chart, "axis") {
		if strings.Contains(s, "rate") && strings.Contains(s, "%") {
			labelled = true
		}
	}
	if !labelled {
		t.Errorf("the y axis does not say its range: %q", texts(chart, "axis"))
	}
}

// TestEvalOfAnotherRun: report --eval refuses an eval whose recorded run
// manifest differs from the run folder's, accepts a matching one, and warns
// about one that records none.
func TestEvalOfAnotherRun(t *testing.T) {
	src := filepath.Join("..", "testdata", "report")
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{runfolder.FileManifest, runfolder.FileModel} {
		data, err := os.ReadFile(filepath.Join(src, "run", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(run, f), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	evalJSON, err := os.ReadFile(filepath.Join(src, "eval.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep map[string]any
	if err := json.Unmarshal(evalJSON, &rep); err != nil {
		t.Fatal(err)
	}
	write := func(digest string) string {
		if digest == "" {
			delete(rep, "run_manifest_sha256")
		} else {
			rep["run_manifest_sha256"] = digest
		}
		data, _ := json.Marshal(rep)
		p := filepath.Join(dir, "eval.json")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	digest, err := eval.ManifestDigest(run)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Load(Options{RunDir: run, EvalPath: write(digest)})
	if err != nil || d.Eval == nil {
		t.Fatalf("eval of this run: %v", err)
	}
	for _, n := range d.Notes {
		if strings.Contains(n, "WARNING") {
			t.Errorf("eval of this run warned: %s", n)
		}
	}
	d.Eval.Warnings = []string{"7 of 3234 truth records are not in the run"}
	if page := string(renderData(t, d)); !strings.Contains(page, "Warning: 7 of 3234 truth records are not in the run") {
		t.Error("the eval's warnings are not shown")
	}
	other := strings.Repeat("0", 64)
	if _, err := Load(Options{RunDir: run, EvalPath: write(other)}); err == nil || !strings.Contains(err.Error(), "another run") {
		t.Errorf("eval of another run: error %v, want a refusal", err)
	}
	d, err = Load(Options{RunDir: run, EvalPath: write("")})
	if err != nil {
		t.Fatal(err)
	}
	if page := string(renderData(t, d)); !strings.Contains(page, "does not record which run") {
		t.Error("an eval without a run identity is shown without a warning")
	}
}
