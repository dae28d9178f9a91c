package explain

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/runfolder"
)

var (
	fixOnce sync.Once
	fixDir  string
	fixRun  string
	fixMan  *runfolder.Manifest
	fixErr  error
)

// testRun generates a small register and runs the pipeline once.
func testRun(t *testing.T) (string, *runfolder.Manifest) {
	t.Helper()
	fixOnce.Do(func() {
		if fixDir, fixErr = os.MkdirTemp("", "dedup-explain-test-"); fixErr != nil {
			return
		}
		g := filepath.Join(fixDir, "gen")
		if _, fixErr = gen.Generate(context.Background(), gen.Options{People: 5000, Seed: 9, Workers: 2, OutDir: g, Quiet: true}); fixErr != nil {
			return
		}
		fixRun = filepath.Join(fixDir, "run")
		fixMan, fixErr = pipeline.Run(context.Background(), config.Default(), pipeline.Options{
			OutDir: fixRun, Inputs: []string{filepath.Join(g, "population")}, Workers: 2, Progress: progress.Options{Quiet: true},
		})
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fixRun, fixMan
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixDir != "" {
		os.RemoveAll(fixDir)
	}
	os.Exit(code)
}

type pairRow struct {
	left, right, rule string
	weight            float64
}

func readPairs(t *testing.T, run string) []pairRow {
	t.Helper()
	r, err := dataio.Open(filepath.Join(run, runfolder.FilePairs), dataio.ReadOptions{Columns: []string{runfolder.ColLeftID, runfolder.ColRightID, runfolder.ColBlockingRule, runfolder.ColMatchWeight}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []pairRow
	for r.Next() {
		rec := r.Batch()
		l, rr, ru := rec.Column(0).(*array.String), rec.Column(1).(*array.String), rec.Column(2).(*array.String)
		w := rec.Column(3).(*array.Float64)
		for i := 0; i < l.Len(); i++ {
			out = append(out, pairRow{l.Value(i), rr.Value(i), ru.Value(i), w.Value(i)})
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// checkArithmetic: the waterfall adds up and the probability follows.
func checkArithmetic(t *testing.T, e *Explanation) {
	t.Helper()
	running := e.Prior
	for _, s := range e.Steps {
		running += s.Weight
		if math.Abs(s.Running-running) > 1e-9 {
			t.Errorf("%s: running total %v, prior plus weights so far %v", s.Comparison, s.Running, running)
		}
		if s.Level < 0 && s.Weight != 0 {
			t.Errorf("%s: null level carries weight %v", s.Comparison, s.Weight)
		}
		if s.Level < 0 && strings.Contains(s.Label, "missing") && s.Left != "" && s.Right != "" {
			t.Errorf("%s: labelled %q with both values present", s.Comparison, s.Label)
		}
	}
	if math.Abs(e.Total-running) > 1e-9 {
		t.Errorf("total %v, prior plus weights %v", e.Total, running)
	}
	want := math.Exp2(e.Total) / (1 + math.Exp2(e.Total))
	if math.Abs(e.Probability-want) > 1e-12 {
		t.Errorf("probability %v, 2^w/(1+2^w) = %v", e.Probability, want)
	}
	if e.Accepted != (e.Total >= e.Threshold) {
		t.Errorf("accepted %v with weight %v and threshold %v", e.Accepted, e.Total, e.Threshold)
	}
}

// TestExplainPairsFromRun: for accepted and rejected pairs of the run, the
// recomputed waterfall reproduces the weight the pipeline wrote, both with
// the term frequency solved from that weight and counted over the inputs.
func TestExplainPairsFromRun(t *testing.T) {
	run, m := testRun(t)
	pairs := readPairs(t, run)
	var accepted, rejected []pairRow
	for _, p := range pairs {
		if p.weight >= m.Threshold.MatchWeight {
			accepted = append(accepted, p)
		} else {
			rejected = append(rejected, p)
		}
	}
	if len(accepted) < 3 || len(rejected) < 3 {
		t.Fatalf("%d accepted and %d rejected pairs: the fixture is too small", len(accepted), len(rejected))
	}
	cases := map[string][]pairRow{"accepted": accepted[:3], "rejected": rejected[:3]}
	for name, ps := range cases {
		for _, p := range ps {
			for _, scan := range []bool{false, true} {
				e, err := Explain(Options{RunDir: run, ScanTF: scan}, p.left, p.right)
				if err != nil {
					t.Fatal(err)
				}
				checkArithmetic(t, e)
				if math.Abs(e.Total-p.weight) > 1e-6 {
					t.Errorf("%s pair (scan %v): explained weight %v, pipeline wrote %v", name, scan, e.Total, p.weight)
				}
				if e.Accepted != (name == "accepted") {
					t.Errorf("%s pair: accepted = %v", name, e.Accepted)
				}
				if e.Candidate != "yes" || e.BlockingRule != p.rule || e.StoredWeight == nil {
					t.Errorf("%s pair: candidate %q rule %q, want yes %q", name, e.Candidate, e.BlockingRule, p.rule)
				}
				if len(e.Warnings) > 0 {
					t.Errorf("%s pair: warnings %v", name, e.Warnings)
				}
				if name == "accepted" && !e.SameCluster && m.Pairs.CannotLinkRejected == 0 {
					t.Errorf("accepted pair in clusters %s and %s", e.LeftCluster, e.RightCluster)
				}
				// Reversing the ids explains the same pair.
				r, err := Explain(Options{RunDir: run, ScanTF: scan}, p.right, p.left)
				if err != nil {
					t.Fatal(err)
				}
				if math.Abs(r.Total-e.Total) > 1e-9 {
					t.Errorf("%s pair: weight %v one way, %v the other", name, e.Total, r.Total)
				}
			}
		}
	}
}

// TestExplainNonCandidate: two unrelated records were never scored; the
// explanation still adds up and says why.
func TestExplainNonCandidate(t *testing.T) {
	run, _ := testRun(t)
	pairs := readPairs(t, run)
	inPairs := map[[2]string]bool{}
	for _, p := range pairs {
		inPairs[[2]string{p.left, p.right}] = true
		inPairs[[2]string{p.right, p.left}] = true
	}
	// The first id of two different pairs, not themselves a pair.
	a, b := pairs[0].left, ""
	for _, p := range pairs[1:] {
		if p.left != a && p.right != a && !inPairs[[2]string{a, p.left}] {
			b = p.left
			break
		}
	}
	e, err := Explain(Options{RunDir: run}, a, b)
	if err != nil {
		t.Fatal(err)
	}
	checkArithmetic(t, e)
	if e.Candidate == "yes" || e.StoredWeight != nil {
		t.Errorf("candidate %q for a pair not in pairs.parquet", e.Candidate)
	}
	if (e.Candidate == "no") != (len(e.RulesAgree) == 0) {
		t.Errorf("candidate %q with agreeing rules %v", e.Candidate, e.RulesAgree)
	}
	if e.Accepted || e.SameCluster {
		t.Errorf("unrelated records: accepted %v, same cluster %v (weight %v)", e.Accepted, e.SameCluster, e.Total)
	}
	var text bytes.Buffer
	if err := e.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "not a candidate") && !strings.Contains(text.String(), "not in pairs.parquet") {
		t.Errorf("text does not say the pair was not scored:\n%s", text.String())
	}
}

// TestExplainMasking: ID and phone numbers are masked in text and JSON
// unless ShowPII; names are shown.
func TestExplainMasking(t *testing.T) {
	run, m := testRun(t)
	var p pairRow
	for _, q := range readPairs(t, run) {
		if q.rule == "national_id" && q.weight >= m.Threshold.MatchWeight {
			p = q
			break
		}
	}
	if p.left == "" {
		t.Fatal("no pair found by national_id")
	}
	for _, show := range []bool{false, true} {
		e, err := Explain(Options{RunDir: run, ShowPII: show}, p.left, p.right)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		if err := e.WriteText(&out); err != nil {
			t.Fatal(err)
		}
		if err := e.WriteJSON(&out); err != nil {
			t.Fatal(err)
		}
		// The full values, from a ShowPII explanation of the same pair.
		full, err := Explain(Options{RunDir: run, ShowPII: true}, p.left, p.right)
		if err != nil {
			t.Fatal(err)
		}
		var secrets []string
		var name string
		for _, r := range []Record{full.Left, full.Right} {
			for _, f := range r.Fields {
				switch f.Field {
				case "national_id", "phone":
					if len(f.Normalized) >= 9 {
						secrets = append(secrets, f.Normalized)
					}
				case "name":
					name = f.Normalized
				}
			}
		}
		if len(secrets) == 0 || name == "" {
			t.Fatal("pair without an ID or a name")
		}
		for _, s := range secrets {
			if got := strings.Contains(out.String(), s); got != show {
				t.Errorf("show-pii %v: full number (len %d) present = %v", show, len(s), got)
			}
		}
		if !strings.Contains(out.String(), name) {
			t.Errorf("show-pii %v: name not shown", show)
		}
		var back Explanation
		if err := json.Unmarshal(out.Bytes()[bytes.IndexByte(out.Bytes(), '{'):], &back); err != nil {
			t.Fatalf("JSON output: %v", err)
		}
	}
}

func TestExplainErrors(t *testing.T) {
	run, _ := testRun(t)
	pairs := readPairs(t, run)
	for _, tc := range []struct {
		name, a, b, want string
		opt              Options
	}{
		{"unknown id", pairs[0].left, "P00-NOPE", "not in the run's inputs", Options{RunDir: run}},
		{"same id", pairs[0].left, pairs[0].left, "the same", Options{RunDir: run}},
		{"no run", "a", "b", "manifest", Options{RunDir: t.TempDir()}},
		{"empty id", "", "b", "two record ids", Options{RunDir: run}},
	} {
		_, err := Explain(tc.opt, tc.a, tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	// A config other than the run's is a warning, not an error.
	cfg := config.Default()
	cfg.Seed++
	e, err := Explain(Options{RunDir: run, Config: cfg}, pairs[0].left, pairs[0].right)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Warnings) == 0 || !strings.Contains(e.Warnings[0], "digest") {
		t.Errorf("warnings %v, want a digest warning", e.Warnings)
	}
}
