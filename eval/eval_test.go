package eval

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/dataio"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/eval")

// writeTable writes rows (one []any per row, values string, int8, float32,
// float64 or nil) to path with dataio.Create, as the pipeline would.
func writeTable(t testing.TB, path string, fields []arrow.Field, rows [][]any) {
	t.Helper()
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, row := range rows {
		for i, v := range row {
			fb := b.Field(i)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.Int8Builder:
				fb.Append(v.(int8))
			case *array.Int64Builder:
				fb.Append(v.(int64))
			case *array.Float32Builder:
				fb.Append(v.(float32))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			default:
				t.Fatalf("unsupported builder %T", fb)
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	w, err := dataio.Create(path, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func str(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
}

var pairFields = []arrow.Field{
	str("left_id"), str("right_id"), str("left_source"), str("right_source"), str("blocking_rule"),
	{Name: "name_level", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "name_sim", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "dob_level", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "dob_sim", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "match_weight", Type: arrow.PrimitiveTypes.Float64},
	{Name: "match_probability", Type: arrow.PrimitiveTypes.Float64},
}

type fakePair struct {
	l, r int // record indexes; -1 = an id unknown to the truth
	w    float64
	rule string
}

// fakeRun is a fabricated run over records with known entities.
type fakeRun struct {
	ids      []string
	entity   []int
	cluster  []int // -1: absent from the run
	pairs    []fakePair
	extraIDs []string // run records the truth does not know
}

// perturb derives a clustering from the truth: whole entities, some
// records split off, some entities merged, some records absent.
func perturb(rng *rand.Rand, entity []int) []int {
	cl := make([]int, len(entity))
	maxE := slices.Max(entity)
	for i, e := range entity {
		cl[i] = e
	}
	merge := map[int]int{}
	for e := 0; e <= maxE; e++ {
		if rng.IntN(20) == 0 {
			merge[e] = rng.IntN(maxE + 1)
		}
	}
	next := maxE + 1
	for i := range cl {
		if m, ok := merge[cl[i]]; ok {
			cl[i] = m
		}
		switch rng.IntN(30) {
		case 0:
			cl[i] = next // split off into its own cluster
			next++
		case 1:
			cl[i] = -1
		}
	}
	return cl
}

// fabricatePairs makes a pairs list: most true pairs, some false pairs,
// a few with unknown ids, weights drawn apart by class.
func fabricatePairs(rng *rand.Rand, entity []int, nFalse int) []fakePair {
	var ps []fakePair
	byEnt := map[int][]int{}
	for i, e := range entity {
		byEnt[e] = append(byEnt[e], i)
	}
	ents := make([]int, 0, len(byEnt))
	for e := range byEnt {
		ents = append(ents, e)
	}
	slices.Sort(ents)
	round := func(x float64) float64 { return math.Round(x*100) / 100 }
	for _, e := range ents {
		m := byEnt[e]
		for a := 0; a < len(m); a++ {
			for b := a + 1; b < len(m); b++ {
				if rng.IntN(10) == 0 {
					continue // not blocked
				}
				ps = append(ps, fakePair{m[a], m[b], round(8 + 4*rng.NormFloat64()), "r1"})
			}
		}
	}
	for k := 0; k < nFalse; k++ {
		a, b := rng.IntN(len(entity)), rng.IntN(len(entity))
		if a == b || entity[a] == entity[b] {
			continue
		}
		ps = append(ps, fakePair{a, b, round(-2 + 4*rng.NormFloat64()), "r2"})
	}
	ps = append(ps, fakePair{-1, 0, 20, "r2"})
	rng.Shuffle(len(ps), func(i, j int) { ps[i], ps[j] = ps[j], ps[i] })
	return ps
}

func (f *fakeRun) write(t testing.TB, dir string, threshold float64) {
	t.Helper()
	var rows [][]any
	for i, id := range f.ids {
		if f.cluster[i] >= 0 {
			rows = append(rows, []any{id, "src", fmt.Sprintf("c%d", f.cluster[i])})
		}
	}
	for _, id := range f.extraIDs {
		rows = append(rows, []any{id, "src", "cX"})
	}
	writeTable(t, filepath.Join(dir, "clusters.parquet"), []arrow.Field{str("record_id"), str("source"), str("cluster_id")}, rows)
	rows = rows[:0]
	for _, p := range f.pairs {
		l := "unknown-id"
		if p.l >= 0 {
			l = f.ids[p.l]
		}
		// Evidence derives from the pair, not its row, so that row order
		// changes nothing.
		k := int(math.Abs(p.w * 100))
		var nameLevel any = int8(k % 4)
		if k%7 == 0 {
			nameLevel = nil
		}
		rows = append(rows, []any{l, f.ids[p.r], "src", "src", p.rule, nameLevel, float32(k%100) / 100, int8(k % 3), nil, p.w, 1 / (1 + math.Exp2(-p.w))})
	}
	writeTable(t, filepath.Join(dir, "pairs.parquet"), pairFields, rows)
	manifest := fmt.Sprintf(`{"rows": 1, "threshold": {"match_weight": %g, "match_probability": 0.9}}`, threshold)
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
}

// brute is the independent count: every record pair enumerated.
type brute struct {
	tp, pred, truth, absentPairs int64
	blocked, tpAt, fpAt          int64
	sweep                        map[float64][2]int64 // threshold → (tp, fp)
}

func bruteForce(f *fakeRun, threshold, step float64) brute {
	var b brute
	n := len(f.ids)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			sameE := f.entity[i] == f.entity[j]
			sameC := f.cluster[i] >= 0 && f.cluster[i] == f.cluster[j]
			if sameE {
				b.truth++
				if f.cluster[i] < 0 || f.cluster[j] < 0 {
					b.absentPairs++
				}
			}
			if sameC {
				b.pred++
				if sameE {
					b.tp++
				}
			}
		}
	}
	b.sweep = map[float64][2]int64{}
	for _, p := range f.pairs {
		if p.l < 0 {
			continue
		}
		same := f.entity[p.l] == f.entity[p.r]
		if same {
			b.blocked++
		}
		if p.w >= threshold {
			if same {
				b.tpAt++
			} else {
				b.fpAt++
			}
		}
		th := math.Floor(p.w/step) * step
		b.sweep[th] = [2]int64{}
	}
	for th := range b.sweep {
		var c [2]int64
		for _, p := range f.pairs {
			if p.l >= 0 && p.w >= th {
				if f.entity[p.l] == f.entity[p.r] {
					c[0]++
				} else {
					c[1]++
				}
			}
		}
		b.sweep[th] = c
	}
	return b
}

func checkAgainstBrute(t *testing.T, rep *Report, f *fakeRun, threshold, step float64) {
	t.Helper()
	b := bruteForce(f, threshold, step)
	pw := rep.Pairwise
	if pw.TP != b.tp || pw.PredictedPairs != b.pred || pw.TruePairs != b.truth || pw.FNAbsent != b.absentPairs {
		t.Errorf("pairwise tp/pred/true/absent = %d/%d/%d/%d, brute force %d/%d/%d/%d",
			pw.TP, pw.PredictedPairs, pw.TruePairs, pw.FNAbsent, b.tp, b.pred, b.truth, b.absentPairs)
	}
	if pw.FP != b.pred-b.tp || pw.FN != b.truth-b.tp {
		t.Errorf("FP %d FN %d, want %d %d", pw.FP, pw.FN, b.pred-b.tp, b.truth-b.tp)
	}
	if rep.Records.RunNotInTruth != int64(len(f.extraIDs)) {
		t.Errorf("run_not_in_truth %d, want %d", rep.Records.RunNotInTruth, len(f.extraIDs))
	}
	bl := rep.Blocking
	if bl.TruePairsBlocked != b.blocked || bl.TruePairsNotBlocked != b.truth-b.blocked {
		t.Errorf("blocked %d / not %d, want %d / %d", bl.TruePairsBlocked, bl.TruePairsNotBlocked, b.blocked, b.truth-b.blocked)
	}
	if bl.PairsUnknownRecords != 1 {
		t.Errorf("pairs with unknown records %d, want 1", bl.PairsUnknownRecords)
	}
	if pl := rep.PairLevel; pl.TP != b.tpAt || pl.FP != b.fpAt {
		t.Errorf("pair level TP/FP %d/%d, want %d/%d", pl.TP, pl.FP, b.tpAt, b.fpAt)
	}
	if len(rep.Sweep.Points) != len(b.sweep) {
		t.Errorf("sweep has %d points, want %d", len(rep.Sweep.Points), len(b.sweep))
	}
	bestF1 := -1.0
	for _, p := range rep.Sweep.Points {
		c, ok := b.sweep[p.MatchWeight]
		if !ok || c[0] != p.TP || c[1] != p.FP || p.FN != b.truth-c[0] {
			t.Errorf("sweep at %v: tp/fp %d/%d, brute force %v (ok %v)", p.MatchWeight, p.TP, p.FP, c, ok)
		}
		bestF1 = max(bestF1, F1(Precision(c[0], c[0]+c[1]), Recall(c[0], b.truth)))
	}
	if !near(rep.Sweep.Best.F1, bestF1) {
		t.Errorf("best F1 %v, want %v", rep.Sweep.Best.F1, bestF1)
	}
	// The worst FP is the highest-weighted false pair at or above the threshold.
	var maxFP float64 = math.Inf(-1)
	for _, p := range f.pairs {
		if p.l >= 0 && f.entity[p.l] != f.entity[p.r] && p.w >= threshold {
			maxFP = max(maxFP, p.w)
		}
	}
	if len(rep.Errors.WorstFP) > 0 && rep.Errors.WorstFP[0].MatchWeight != maxFP {
		t.Errorf("worst FP weight %v, want %v", rep.Errors.WorstFP[0].MatchWeight, maxFP)
	}
	for _, s := range rep.Errors.WorstFN {
		if s.MatchWeight >= threshold {
			t.Errorf("FN sample at weight %v is above the threshold", s.MatchWeight)
		}
		if _, ok := s.Levels["name"]; !ok {
			t.Errorf("FN sample without name level: %+v", s)
		}
	}
}

var febrlID = regexp.MustCompile(`^rec-(\d+)-(org|dup-\d)$`)

// readFEBRL parses a FEBRL file independently of the package: ids and the
// entity number from the regular expression of the dataset's README.
func readFEBRL(t testing.TB, path string) (ids []string, entity []int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		id, _, _ := strings.Cut(sc.Text(), ",")
		m := febrlID.FindStringSubmatch(id)
		if m == nil {
			t.Fatalf("%s: bad id", path)
		}
		var n int
		fmt.Sscan(m[1], &n)
		ids = append(ids, id)
		entity = append(entity, n)
	}
	return ids, entity
}

func TestFEBRL3AgainstBruteForce(t *testing.T) {
	truthPath := filepath.Join("..", "testdata", "febrl", "dataset3.csv")
	ids, entity := readFEBRL(t, truthPath)
	rng := rand.New(rand.NewPCG(2025, 3))
	f := &fakeRun{ids: ids, entity: entity, cluster: perturb(rng, entity), extraIDs: []string{"rec-99999-org", "x"}}
	f.pairs = fabricatePairs(rng, entity, 4000)
	dir := t.TempDir()
	const threshold = 3.5
	f.write(t, dir, threshold)
	rep, err := Run(Options{Truth: truthPath, RunDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if rep.TruthEntity != "febrl_rec_id" {
		t.Errorf("truth entity %q, want FEBRL auto-detected", rep.TruthEntity)
	}
	if rep.Pairwise.TruePairs != 6538 {
		t.Errorf("FEBRL3 true pairs %d, want 6538 (README)", rep.Pairwise.TruePairs)
	}
	if rep.Threshold == nil || rep.Threshold.MatchWeight != threshold || rep.Threshold.Source != "manifest" {
		t.Errorf("threshold %+v, want %v from the manifest", rep.Threshold, threshold)
	}
	checkAgainstBrute(t, rep, f, threshold, 1)

	// A flag threshold changes pair-level figures, not the clusters.
	w := 6.0
	rep2, err := Run(Options{Truth: truthPath, RunDir: dir, Threshold: &w, SweepStep: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	if *rep2.Pairwise != *rep.Pairwise {
		t.Errorf("threshold flag changed the cluster figures")
	}
	checkAgainstBrute(t, rep2, f, w, 0.5)
}

func TestFEBRLTruePairs(t *testing.T) {
	// The counts the FEBRL README asserts, with the run putting every
	// record on its own: recall 0, precision 1.
	for file, want := range map[string]int64{"dataset1.csv": 500, "dataset2.csv": 1934, "dataset3.csv": 6538} {
		path := filepath.Join("..", "testdata", "febrl", file)
		ids, _ := readFEBRL(t, path)
		dir := t.TempDir()
		var rows [][]any
		for i, id := range ids {
			rows = append(rows, []any{id, "febrl", int64(i)})
		}
		writeTable(t, filepath.Join(dir, "clusters.parquet"), []arrow.Field{str("record_id"), str("source"), {Name: "cluster_id", Type: arrow.PrimitiveTypes.Int64}}, rows)
		// A manifest is required (item 15 of issue 19); this one records
		// no threshold.
		if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"rows_in": 1}`), 0o600); err != nil {
			t.Fatal(err)
		}
		rep, err := Run(Options{Truth: path, RunDir: dir, FEBRL: FEBRLOn})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Pairwise.TruePairs != want || rep.Pairwise.TP != 0 || rep.Pairwise.Precision != 1 || rep.Pairwise.Recall != 0 {
			t.Errorf("%s: %+v, want %d true pairs, none found", file, rep.Pairwise, want)
		}
		if rep.Blocking != nil || rep.Threshold != nil {
			t.Errorf("%s: blocking or threshold reported without pairs file or manifest threshold", file)
		}
	}
}

// genRegister fabricates a generated-register truth: ids, persons,
// corruption labels and hard-negative groups, as dedup gen writes them.
type genRegister struct {
	fakeRun
	corr  [][]string
	hn    []string
	group []string
}

var corrLabels = []string{"name_typo", "dob_format", "id_missing", "phone_format", "addr_abbrev"}

func makeRegister(rng *rand.Rand, persons int) *genRegister {
	g := &genRegister{}
	for p := 0; p < persons; p++ {
		k := 1 + rng.IntN(4)
		for d := 0; d < k; d++ {
			g.ids = append(g.ids, fmt.Sprintf("P%02d-%08d", 1+rng.IntN(63), len(g.ids)))
			g.entity = append(g.entity, p)
			var labs []string
			if d > 0 {
				for _, l := range corrLabels {
					if rng.IntN(3) == 0 {
						labs = append(labs, l)
					}
				}
			}
			g.corr = append(g.corr, labs)
			g.hn = append(g.hn, "")
			g.group = append(g.group, "")
		}
	}
	// Hard-negative groups: twins and same-name people, several persons each.
	for gi := 0; gi < persons/10; gi++ {
		label := []string{"twin", "common_name"}[gi%2]
		for m := 0; m < 2+rng.IntN(2); m++ {
			i := rng.IntN(len(g.ids))
			if g.group[i] != "" {
				continue
			}
			g.hn[i], g.group[i] = label, fmt.Sprintf("g%d", gi)
		}
	}
	g.cluster = perturb(rng, g.entity)
	// Merge each hard-negative group into one cluster, so the planted
	// traps produce false positives.
	first := map[string]int{}
	for i, grp := range g.group {
		if grp == "" || g.cluster[i] < 0 {
			continue
		}
		if c, ok := first[grp]; ok {
			g.cluster[i] = c
		} else {
			first[grp] = g.cluster[i]
		}
	}
	g.pairs = fabricatePairs(rng, g.entity, 2000)
	return g
}

func (g *genRegister) writeTruth(t testing.TB, path string) {
	var rows [][]any
	for i, id := range g.ids {
		rows = append(rows, []any{id, fmt.Sprintf("person-%d", g.entity[i]), strings.Join(g.corr[i], ";"), g.hn[i], g.group[i], "Nguyễn Văn A"})
	}
	writeTable(t, path, []arrow.Field{str("record_id"), str("person_id"), str("corruptions"), str("hard_negative"), str("hard_negative_group"), str("true_full_name")}, rows)
}

func TestGeneratedRegisterAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	g := makeRegister(rng, 800)
	dir := t.TempDir()
	truthPath := filepath.Join(dir, "population.parquet")
	g.writeTruth(t, truthPath)
	const threshold = 4
	g.write(t, dir, threshold)
	rep, err := Run(Options{Truth: truthPath, RunDir: dir, Samples: 5})
	if err != nil {
		t.Fatal(err)
	}
	checkAgainstBrute(t, rep, &g.fakeRun, threshold, 1)

	// Error analysis by brute force: every true pair with its labels,
	// every wrongly clustered pair with its hard-negative group.
	trueL, fnL := map[string]int64{}, map[string]int64{}
	fpHN := map[string]int64{}
	n := len(g.ids)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			sameC := g.cluster[i] >= 0 && g.cluster[i] == g.cluster[j]
			if g.entity[i] == g.entity[j] {
				labs := map[string]bool{}
				for _, l := range append(slices.Clone(g.corr[i]), g.corr[j]...) {
					labs[l] = true
				}
				for l := range labs {
					trueL[l]++
					if !sameC {
						fnL[l]++
					}
				}
			} else if sameC {
				if g.group[i] != "" && g.group[i] == g.group[j] {
					fpHN[g.hn[i]]++
				} else {
					fpHN["(none)"]++
				}
			}
		}
	}
	if len(rep.Errors.FNByCorruption) != len(corrLabels) {
		t.Fatalf("FN by corruption has %d labels, want %d", len(rep.Errors.FNByCorruption), len(corrLabels))
	}
	for _, ls := range rep.Errors.FNByCorruption {
		if ls.TruePairs != trueL[ls.Label] || ls.FN != fnL[ls.Label] {
			t.Errorf("corruption %s: true %d fn %d, brute force %d %d", ls.Label, ls.TruePairs, ls.FN, trueL[ls.Label], fnL[ls.Label])
		}
	}
	var fpSum int64
	for _, ls := range rep.Errors.FPByHardNegative {
		fpSum += ls.FP
		if ls.FP != fpHN[ls.Label] {
			t.Errorf("hard negative %s: fp %d, brute force %d", ls.Label, ls.FP, fpHN[ls.Label])
		}
	}
	if fpSum != rep.Pairwise.FP || fpHN["twin"] == 0 {
		t.Errorf("FP by hard negative sums to %d, pairwise FP %d (twin %d)", fpSum, rep.Pairwise.FP, fpHN["twin"])
	}
	if len(rep.Errors.WorstFN) != 5 || len(rep.Errors.WorstFN[0].Labels) == 0 && len(rep.Errors.WorstFN[1].Labels) == 0 {
		t.Errorf("worst FN samples %+v: want 5, labelled", rep.Errors.WorstFN)
	}

	// The samples and the reports carry ids and levels, never a field value.
	var out bytes.Buffer
	if err := rep.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteTable(&out); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out.Bytes(), []byte("Nguyễn")) {
		t.Error("report leaks a name")
	}
}

// Input order must not change a byte of the report.
func TestDeterministicOverRowOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	g := makeRegister(rng, 200)
	var outs [2][]byte
	for k := range outs {
		dir := t.TempDir()
		g.write(t, dir, 2)
		truthPath := filepath.Join(dir, "truth.parquet")
		g.writeTruth(t, truthPath)
		rep, err := Run(Options{Truth: truthPath, RunDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		rep.Truth, rep.Run = "truth", "run"
		var b bytes.Buffer
		rep.WriteJSON(&b)
		rep.WriteTable(&b)
		outs[k] = b.Bytes()
		// Reverse every row order for the second pass.
		perm := rng.Perm(len(g.ids))
		g2 := *g
		g2.ids, g2.entity, g2.cluster = make([]string, len(perm)), make([]int, len(perm)), make([]int, len(perm))
		g2.corr, g2.hn, g2.group = make([][]string, len(perm)), make([]string, len(perm)), make([]string, len(perm))
		inv := make([]int, len(perm))
		for to, from := range perm {
			g2.ids[to], g2.entity[to], g2.cluster[to] = g.ids[from], g.entity[from], g.cluster[from]
			g2.corr[to], g2.hn[to], g2.group[to] = g.corr[from], g.hn[from], g.group[from]
			inv[from] = to
		}
		g2.pairs = nil
		for _, p := range g.pairs {
			l := p.l
			if l >= 0 {
				l = inv[l]
			}
			g2.pairs = append(g2.pairs, fakePair{l, inv[p.r], p.w, p.rule})
		}
		slices.Reverse(g2.pairs)
		g = &g2
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Errorf("report differs with row order:\n%s\n---\n%s", outs[0], outs[1])
	}
}

func TestGolden(t *testing.T) {
	// A small hand-made run: entity a = {a1,a2,a3}, b = {b1,b2}, c = {c1};
	// the run clusters {a1,a2}, {a3,b1}, {b2}, {c1 absent}.
	dir := t.TempDir()
	truthPath := filepath.Join(dir, "truth.csv")
	truth := "record_id,person_id,corruptions,hard_negative,hard_negative_group\n" +
		"a1,a,,,\na2,a,name_typo;dob_format,,\na3,a,id_missing,twin,g1\nb1,b,,twin,g1\nb2,b,name_typo,,\nc1,c,,,\n"
	if err := os.WriteFile(truthPath, []byte(truth), 0o600); err != nil {
		t.Fatal(err)
	}
	f := &fakeRun{
		ids:     []string{"a1", "a2", "a3", "b1", "b2", "c1"},
		entity:  []int{0, 0, 0, 1, 1, 2},
		cluster: []int{1, 1, 2, 2, 3, -1},
		pairs: []fakePair{
			{0, 1, 9.5, "dob"}, {2, 3, 7.25, "name"}, {0, 2, 1.5, "dob"}, {3, 4, -0.5, "name"}, {1, 4, -3, "name"},
		},
	}
	f.write(t, dir, 5)
	rep, err := Run(Options{Truth: truthPath, RunDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rep.Truth, rep.Run = "truth.csv", "run"
	var js, tab bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteTable(&tab); err != nil {
		t.Fatal(err)
	}
	golden(t, "small.json.golden", js.Bytes())
	golden(t, "small.table.golden", tab.Bytes())
	// Hand-computed: true pairs 3+1 = 4, predicted 2, TP 1 (a1-a2), FP 1 (a3-b1).
	if p := rep.Pairwise; p.TruePairs != 4 || p.PredictedPairs != 2 || p.TP != 1 || p.FP != 1 {
		t.Errorf("pairwise %+v", p)
	}
	if e := rep.Errors; len(e.FPByHardNegative) != 2 || e.FPByHardNegative[0] != (LabelStats{Label: "twin", FP: 1}) {
		t.Errorf("fp by hard negative %+v", e.FPByHardNegative)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("..", "testdata", "eval", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./eval -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden:\n%s", name, got)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	f := func(opts Options, wantSub string) {
		t.Helper()
		_, err := Run(opts)
		if err == nil || !strings.Contains(err.Error(), wantSub) {
			t.Errorf("error %v, want it to mention %q", err, wantSub)
		}
	}
	// A valid manifest throughout, so that each check below is reached;
	// a folder without one is TestRunStaleFolder's.
	write("manifest.json", `{"rows_in": 2}`)
	dup := write("dup.csv", "record_id,person_id\nr1,p1\nr1,p2\n")
	f(Options{Truth: dup, RunDir: dir}, "two rows share a record id")
	noEnt := write("noent.csv", "record_id,name\nr1,Nguyen\n")
	f(Options{Truth: noEnt, RunDir: dir}, "not a FEBRL id")
	f(Options{Truth: noEnt, RunDir: dir, FEBRL: FEBRLOff}, `no entity column "person_id"`)
	badFebrl := write("badfebrl.csv", "rec_id,x\nrec-1-org,a\nrec-2-dupe,b\n")
	f(Options{Truth: badFebrl, RunDir: dir}, "row 2 column rec_id: not a FEBRL id")
	emptyEnt := write("emptyent.csv", "record_id,person_id\nr1,\n")
	f(Options{Truth: emptyEnt, RunDir: dir}, "row 1 column person_id: empty entity id")
	ok := write("ok.csv", "record_id,person_id\nr1,p1\nr2,p1\n")
	f(Options{Truth: ok, RunDir: dir}, "clusters.parquet")
	writeTable(t, filepath.Join(dir, "clusters.parquet"), []arrow.Field{str("record_id"), str("cluster_id")}, [][]any{{"r1", "c"}, {"r1", "d"}})
	f(Options{Truth: ok, RunDir: dir}, "row 2 column record_id: record appears twice")
	writeTable(t, filepath.Join(dir, "clusters.parquet"), []arrow.Field{str("record_id"), str("cluster_id")}, [][]any{{"r1", "c"}, {"r2", nil}})
	f(Options{Truth: ok, RunDir: dir}, "row 2 column cluster_id: empty")
	writeTable(t, filepath.Join(dir, "clusters.parquet"), []arrow.Field{str("record_id"), str("cluster_id")}, [][]any{{"r1", "c"}, {"r2", "c"}})
	write("manifest.json", "{not json")
	f(Options{Truth: ok, RunDir: dir}, "manifest.json: not JSON")
	// The manifest is read by runfolder.ReadManifest as the other tools
	// read it: a threshold that is not {match_weight, match_probability}
	// is an error naming the file, not a guess.
	write("manifest.json", `{"threshold": "high"}`)
	f(Options{Truth: ok, RunDir: dir}, "manifest.json")
	write("manifest.json", `{"threshold": 2.5}`)
	f(Options{Truth: ok, RunDir: dir}, "manifest.json")
	// A manifest without a threshold gives none.
	write("manifest.json", `{"rows_in": 2}`)
	rep, err := Run(Options{Truth: ok, RunDir: dir})
	if err != nil || rep.Threshold != nil || rep.Pairwise.Recall != 1 {
		t.Errorf("manifest without a threshold: %v %+v", err, rep)
	}
	f(Options{RunDir: dir}, "no truth")
	f(Options{Truth: ok}, "no run folder")
}

func TestFEBRLEntity(t *testing.T) {
	f := func(id string, want uint64, wantOK bool) {
		t.Helper()
		n, ok := FEBRLEntity([]byte(id))
		if n != want || ok != wantOK {
			t.Errorf("FEBRLEntity(%q) = %d, %v; want %d, %v", id, n, ok, want, wantOK)
		}
	}
	f("rec-12-org", 12, true)
	f("rec-12-dup-0", 12, true)
	f("rec-0-dup-14", 0, true)
	f("rec-12-dup-", 0, false)
	f("rec--org", 0, false)
	f("rec-12", 0, false)
	f("rec-12-orgx", 0, false)
	f("REC-12-org", 0, false)
	f("rec-99999999999999999999-org", 0, false)
}

func FuzzFEBRLEntity(f *testing.F) {
	for _, s := range []string{"rec-1-org", "rec-552-dup-3", "rec-x", "", "rec-1-dup-a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := FEBRLEntity([]byte(s))
		m := febrlID.FindStringSubmatch(s)
		// The oracle regexp allows one-digit K (the parser allows more) and
		// any N; the parser takes N up to 18 digits.
		if m != nil && len(m[1]) <= 18 {
			want, _ := strconv.ParseUint(m[1], 10, 64)
			if !ok || n != want {
				t.Errorf("%q: parser %d %v, regexp %v", s, n, ok, m)
			}
		}
		if ok && !strings.HasPrefix(s, "rec-") {
			t.Errorf("%q accepted", s)
		}
	})
}

func FuzzTruthCSV(f *testing.F) {
	f.Add("record_id,person_id\nr1,p1\nr2,p1\n")
	f.Add("rec_id, given_name\nrec-1-org, a\nrec-1-dup-0, b\n")
	f.Add("record_id,person_id,corruptions,hard_negative\nr1,p,a;b;;c,twin\n")
	f.Add("\xef\xbb\xbfrecord_id,person_id\n\"r\n1\",p\n")
	f.Fuzz(func(t *testing.T, content string) {
		dir := t.TempDir()
		p := filepath.Join(dir, "t.csv")
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		tr, err := loadTruth(p, "record_id", "person_id", FEBRLAuto)
		if err != nil {
			return
		}
		// Invariants: ids unique and sorted, entities dense.
		for i := 1; i < len(tr.recs); i++ {
			if tr.recs[i].rec <= tr.recs[i-1].rec {
				t.Fatal("truth ids not strictly sorted")
			}
		}
		for _, r := range tr.recs {
			if int(r.ent) >= tr.nEntities {
				t.Fatal("entity out of range")
			}
		}
	})
}

// TestRunStaleFolder: a rerun that failed removed manifest.json but left the
// previous run's Parquet files; eval must not score them (issue 19 item 15).
func TestRunStaleFolder(t *testing.T) {
	dir := t.TempDir()
	truthPath := filepath.Join(dir, "truth.csv")
	if err := os.WriteFile(truthPath, []byte("record_id,person_id\nr1,p1\nr2,p1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	writeTable(t, filepath.Join(run, "clusters.parquet"), []arrow.Field{str("record_id"), str("cluster_id")}, [][]any{{"r1", "c"}, {"r2", "c"}})
	_, err := Run(Options{Truth: truthPath, RunDir: run})
	if err == nil || !strings.Contains(err.Error(), "no manifest.json") || !strings.Contains(err.Error(), "run output folder") {
		t.Fatalf("run folder without manifest: error %v, want runfolder's no-manifest error", err)
	}
}

// TestRunOverlap: a truth sharing no record with the run is an error (not
// precision 100%); a partial overlap is a warning with the counts, in the
// JSON and in the table.
func TestRunOverlap(t *testing.T) {
	dir := t.TempDir()
	f := &fakeRun{ids: []string{"r1", "r2", "r3"}, entity: []int{0, 0, 1}, cluster: []int{1, 1, 2}}
	f.write(t, dir, 5)
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	other := write("other.csv", "record_id,person_id\nx1,p1\nx2,p1\nx3,p2\n")
	if rep, err := Run(Options{Truth: other, RunDir: dir}); err == nil || !strings.Contains(err.Error(), "share no record") {
		t.Errorf("truth with no overlap: error %v, want \"share no record\" (report %+v)", err, rep)
	}
	partial := write("partial.csv", "record_id,person_id\nr1,p1\nr2,p1\nx4,p2\nx5,p3\n")
	rep, err := Run(Options{Truth: partial, RunDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2 of 4 truth records are not in the run", "1 of 3 run records are not in the truth"}
	var js, tab bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if err := rep.WriteTable(&tab); err != nil {
		t.Fatal(err)
	}
	for _, w := range want {
		if !strings.Contains(js.String(), w) || !strings.Contains(tab.String(), w) {
			t.Errorf("warning %q missing:\nJSON %s\ntable %s", w, js.String(), tab.String())
		}
	}
	if !strings.Contains(tab.String(), "WARNING") || !strings.Contains(js.String(), `"warnings"`) {
		t.Errorf("partial overlap not flagged as a warning:\n%s\n%s", js.String(), tab.String())
	}
	full := write("full.csv", "record_id,person_id\nr1,p1\nr2,p1\nr3,p2\n")
	if rep, err := Run(Options{Truth: full, RunDir: dir}); err != nil || len(rep.Warnings) != 0 {
		t.Errorf("full overlap: %v, warnings %q", err, rep.Warnings)
	}
}

// TestRunIdentity: the report records the SHA-256 of the run's manifest
// bytes, which report --eval compares with the run folder.
func TestRunIdentity(t *testing.T) {
	dir := t.TempDir()
	f := &fakeRun{ids: []string{"r1", "r2"}, entity: []int{0, 0}, cluster: []int{1, 1}}
	f.write(t, dir, 5)
	truthPath := filepath.Join(dir, "truth.csv")
	if err := os.WriteFile(truthPath, []byte("record_id,person_id\nr1,p1\nr2,p1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(Options{Truth: truthPath, RunDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256(data)); rep.RunManifestSHA256 != want {
		t.Errorf("run_manifest_sha256 %q, want %q", rep.RunManifestSHA256, want)
	}
}

// TestMissingFile: a truth path that does not exist is said not to exist,
// not to be of an unknown format (issue 19 item 24).
func TestMissingFile(t *testing.T) {
	dir := t.TempDir()
	f := &fakeRun{ids: []string{"r1", "r2"}, entity: []int{0, 0}, cluster: []int{1, 1}}
	f.write(t, dir, 5)
	for _, truth := range []string{"/nope", filepath.Join(dir, "nope.parquet")} {
		_, err := Run(Options{Truth: truth, RunDir: dir})
		if err == nil || !strings.Contains(err.Error(), "no such file") || strings.Contains(err.Error(), "unknown table format") {
			t.Errorf("truth %s: error %v, want it to say there is no such file", truth, err)
		}
	}
	_, err := Run(Options{Truth: "/nope", Verdicts: filepath.Join(dir, "nope.csv")})
	if err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing verdicts: error %v, want no such file", err)
	}
}

// TestPctNeverRoundsUpTo100: 20,009 of 20,010 is 99.99%, not 100.00%.
func TestPctNeverRoundsUpTo100(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{{20009.0 / 20010, "99.99%"}, {1, "100.00%"}, {0.5, "50.00%"}, {0.29, "29.00%"}, {0, "0.00%"}} {
		if got := pct(tc.v); got != tc.want {
			t.Errorf("pct(%v) = %s, want %s", tc.v, got, tc.want)
		}
	}
}
