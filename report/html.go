package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/eval"
	"github.com/dedup-vn/dedup/runfolder"
)

type evalLabel = eval.LabelStats

//go:embed report.html.tmpl
var pageTemplate string

var page = template.Must(template.New("report").Parse(pageTemplate))

// kpi is one headline tile.
type kpi struct {
	Label, Value, Sub string
	Tone              string // "", "good", "warn", "bad"
}

type kv struct{ Key, Value string }

type qualityCell struct {
	Count string
	Pct   string
	Tone  string
}

type qualityRow struct {
	Name, Code, Records string
	Cells               [4]qualityCell
	Total               bool
}

type blockRow struct {
	Name, Keyed, Blocks, Naive, Pairs, Capped, Largest string
}

type modelRow struct {
	Comparison string
	Span       int // rows of this comparison, on its first row; 0 otherwise
	Level      int8
	Label      string
	M, U       string
	Weight     string
	Tone       string
}

type labelRow struct{ Label, A, B, C, D string }

// view is what the template reads: Data plus the pre-drawn charts and the
// formatted tables.
type view struct {
	*Data
	Header []kv
	KPIs   []kpi
	Inputs []kv
	// InputFiles lists the manifest's input files (at most maxInputFiles;
	// InputFilesMore counts the rest).
	InputFiles     []labelRow
	InputFilesMore int
	Rejects        []kv
	StageChart     template.HTML
	QualityKPIs    []kpi
	QualityChart   template.HTML
	QualityRows    []qualityRow
	BlockingChart  template.HTML
	BlockingRows   []blockRow
	ModelChart     template.HTML
	ModelRows      []modelRow
	ModelFacts     []kv
	WeightChart    template.HTML
	WeightFacts    []kv
	ClusterChart   template.HTML
	ClusterFacts   []kv
	EvalKPIs       []kpi
	SweepChart     template.HTML
	SweepFacts     []kv
	SweepNote      string
	SweepRows      []labelRow
	FNRows         []labelRow
	FPRows         []labelRow
	VerifyChart    template.HTML
	VerifyRows     []labelRow
}

// WriteHTML renders the page.
func (d *Data) WriteHTML(w io.Writer) error {
	return page.Execute(w, d.view())
}

// Write loads the run named by opt and writes the page to path atomically.
func Write(path string, opt Options) error {
	d, err := Load(opt)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := d.WriteHTML(&buf); err != nil {
		return err
	}
	return dataio.WriteFileAtomic(path, buf.Bytes())
}

func tone(share float64) string {
	switch {
	case math.IsNaN(share):
		return ""
	case share >= 0.95:
		return "good"
	case share >= 0.8:
		return "warn"
	}
	return "bad"
}

func (d *Data) view() *view {
	v := &view{Data: d}
	m := d.Manifest
	digest := m.ConfigDigest
	if len(digest) > 12 {
		digest = digest[:12]
	}
	v.Header = []kv{{"run folder", d.RunDir}}
	if d.Date != "" {
		v.Header = append(v.Header, kv{"date", d.Date})
	}
	v.Header = append(v.Header, kv{"input", inputSummary(m)}, kv{"mode", m.Mode}, kv{"config", digest}, kv{"workers", fmt.Sprint(m.Workers)})
	for i, in := range m.Inputs {
		if i == maxInputFiles {
			v.InputFilesMore = len(m.Inputs) - maxInputFiles
			break
		}
		v.InputFiles = append(v.InputFiles, labelRow{Label: in.Source, A: in.File, B: fmtInt(in.Rows), C: fmtInt(in.Rejected)})
	}
	rejShare := share(m.RowsRejected, m.RowsIn)
	rejTone := "good"
	if rejShare > 0.01 {
		rejTone = "warn"
	}
	if rejShare > 0.05 {
		rejTone = "bad"
	}
	merged := m.RowsClustered - m.Clusters.Clusters
	v.KPIs = []kpi{
		{Label: "rows in", Value: fmtInt(m.RowsIn), Sub: count(int64(len(m.Inputs)), "file", "files")},
		{Label: "rejected", Value: fmtInt(m.RowsRejected), Sub: pct(rejShare) + " of rows", Tone: rejTone},
		{Label: "clusters", Value: fmtInt(m.Clusters.Clusters), Sub: count(m.Clusters.Singletons, "singleton", "singletons")},
		{Label: "golden records", Value: fmtInt(m.Clusters.Golden), Sub: count(merged, "duplicate", "duplicates") + " merged"},
		{Label: "accepted pairs", Value: fmtInt(m.Pairs.Accepted), Sub: "of " + count(m.Pairs.Candidates, "candidate", "candidates")},
		{Label: "threshold", Value: "w ≥ " + fmtNum(round2(m.Threshold.MatchWeight)), Sub: "p ≥ " + fmtNum(m.Threshold.MatchProbability)},
		{Label: "wall time", Value: fmtSeconds(m.WallSeconds), Sub: "peak heap " + fmtBytes(m.PeakHeapBytes)},
	}
	if m.Pairs.CannotLinkRejected > 0 {
		v.KPIs = append(v.KPIs, kpi{Label: "cannot-link", Value: fmtInt(m.Pairs.CannotLinkRejected), Sub: "accepted pairs kept apart (two valid IDs)", Tone: "warn"})
	}
	// Inputs per source: a national run has hundreds of files.
	perSource := map[string][3]int64{}
	var sources []string
	for _, in := range m.Inputs {
		s, ok := perSource[in.Source]
		if !ok {
			sources = append(sources, in.Source)
		}
		perSource[in.Source] = [3]int64{s[0] + 1, s[1] + in.Rows, s[2] + in.Rejected}
	}
	for _, s := range sources {
		c := perSource[s]
		v.Inputs = append(v.Inputs, kv{s, fmt.Sprintf("%s in %s, %s rejected", count(c[1], "row", "rows"), count(c[0], "file", "files"), fmtInt(c[2]))})
	}
	reasons := make([]string, 0, len(m.RejectReasons))
	for r := range m.RejectReasons {
		reasons = append(reasons, r)
	}
	slices.SortFunc(reasons, func(a, b string) int {
		if m.RejectReasons[a] != m.RejectReasons[b] {
			return int(m.RejectReasons[b] - m.RejectReasons[a])
		}
		return strings.Compare(a, b)
	})
	for _, r := range reasons {
		v.Rejects = append(v.Rejects, kv{r, fmtInt(m.RejectReasons[r])})
	}
	var stages []bar
	for _, s := range m.Stages {
		stages = append(stages, bar{Label: s.Name, Value: s.Seconds, Text: fmtSeconds(s.Seconds) + "  (" + pct(share64(s.Seconds, m.WallSeconds)) + ")"})
	}
	if len(stages) > 0 {
		v.StageChart = hbars("stages", "time per stage", stages, hbarOpts{Width: 700, LabelWidth: 140})
	}
	v.quality()
	v.blocking()
	v.model()
	v.weights()
	v.clusters()
	v.eval()
	v.verify()
	return v
}

// sweepZoom is how far below its best F1 the sweep chart still shows.
const sweepZoom = 0.05

// maxInputFiles is how many input files the page lists; a national run
// reads hundreds, and the per-source lines above give the totals.
const maxInputFiles = 200

// inputSummary says what the run read: its sources, files and rows.
func inputSummary(m *runfolder.Manifest) string {
	var sources []string
	for _, in := range m.Inputs {
		if !slices.Contains(sources, in.Source) {
			sources = append(sources, in.Source)
		}
	}
	what := strings.Join(sources, ", ")
	if len(sources) > 3 {
		what = count(int64(len(sources)), "source", "sources")
	}
	if what == "" {
		what = "no input recorded"
	}
	return fmt.Sprintf("%s: %s, %s", what, count(int64(len(m.Inputs)), "file", "files"), count(m.RowsIn, "row", "rows"))
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func share64(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

var criteria = [4]string{"correct", "complete", "clean", "live"}

var criteriaHelp = [4]string{
	"values valid and consistent (ID checks, date, gender)",
	"name, birth date, gender, ID and address all present",
	"no two valid ID numbers merged into one person",
	"current address in 2025 units, update time known",
}

func (v *view) quality() {
	q := v.Quality
	if q == nil {
		return
	}
	counts := func(r QualityRow) [4]int64 { return [4]int64{r.Correct, r.Complete, r.Clean, r.Live} }
	var bars []bar
	for k, n := range counts(q.Total) {
		s := share(n, q.Total.Records)
		v.QualityKPIs = append(v.QualityKPIs, kpi{Label: criteria[k], Value: pct(s), Sub: fmtInt(n) + " · " + criteriaHelp[k], Tone: tone(s)})
		bars = append(bars, bar{Label: criteria[k], Value: 100 * s, Text: pct(s) + "  (" + fmtInt(n) + ")", Color: toneColour(tone(s))})
	}
	v.QualityChart = hbars("quality", "share of golden records meeting each criterion", bars, hbarOpts{Width: 700, LabelWidth: 110, Max: 100})
	row := func(r QualityRow, total bool) qualityRow {
		out := qualityRow{Name: r.Name, Code: r.Code, Records: fmtInt(r.Records), Total: total}
		for k, n := range counts(r) {
			s := share(n, r.Records)
			out.Cells[k] = qualityCell{Count: fmtInt(n), Pct: pct(s), Tone: tone(s)}
		}
		return out
	}
	v.QualityRows = append(v.QualityRows, row(q.Total, true))
	for _, r := range q.Provinces {
		v.QualityRows = append(v.QualityRows, row(r, false))
	}
}

func toneColour(t string) string {
	switch t {
	case "good":
		return colGreen
	case "warn":
		return colAmber
	case "bad":
		return colRed
	}
	return colBlue
}

func (v *view) blocking() {
	m := v.Manifest
	if len(m.Blocking) == 0 {
		return
	}
	var bars []bar
	for _, r := range m.Blocking {
		bars = append(bars, bar{Label: r.Name, Value: float64(r.Pairs), Text: count(r.Pairs, "pair", "pairs")})
		var largest []string
		for i, b := range r.LargestBlocks {
			if i == 5 {
				break
			}
			largest = append(largest, fmtInt(b))
		}
		capped := "–"
		if r.CappedBlocks > 0 {
			capped = count(r.CappedBlocks, "block", "blocks") + ", " + count(r.CappedRecords, "record", "records")
		}
		v.BlockingRows = append(v.BlockingRows, blockRow{
			Name: r.Name, Keyed: fmtInt(r.KeyedRecords), Blocks: fmtInt(r.Blocks), Naive: fmtInt(r.NaivePairs),
			Pairs: fmtInt(r.Pairs), Capped: capped, Largest: strings.Join(largest, ", "),
		})
	}
	v.BlockingChart = hbars("blocking", "candidate pairs per blocking rule (log scale)", bars, hbarOpts{Width: 700, LabelWidth: 190, Log: true})
}

func (v *view) model() {
	md := v.Model
	if md == nil {
		return
	}
	bars := []bar{{Label: "prior (λ)", Value: md.PriorWeight, Color: colGrey, Text: fmt.Sprintf("%.2f", md.PriorWeight), Title: fmt.Sprintf("prior: λ = %.3g, weight %.2f", md.Lambda, md.PriorWeight)}}
	for _, c := range md.Comparisons {
		levels := slices.Clone(c.Levels)
		slices.Reverse(levels) // strongest level first, as Splink draws them
		for i, l := range levels {
			label := c.Name + " · " + l.Label
			if l.TF {
				label += " (tf)"
			}
			bars = append(bars, bar{Label: label, Value: l.Weight, Text: fmt.Sprintf("%.2f", l.Weight), Extra: fmt.Sprintf("m = %.3g · u = %.3g", l.M, l.U),
				Title: fmt.Sprintf("%s level %d %s: m = %.4g, u = %.4g, weight %.2f", c.Name, l.Level, l.Label, l.M, l.U, l.Weight)})
			mr := modelRow{Comparison: c.Name, Level: l.Level, Label: l.Label, M: fmt.Sprintf("%.4g", l.M), U: fmt.Sprintf("%.4g", l.U), Weight: fmt.Sprintf("%+.2f", l.Weight)}
			if l.TF {
				mr.Label += " (tf-adjusted)"
			}
			if i == 0 {
				mr.Span = len(levels)
			}
			switch {
			case l.Weight > 0:
				mr.Tone = "pos"
			case l.Weight < 0:
				mr.Tone = "neg"
			}
			v.ModelRows = append(v.ModelRows, mr)
		}
	}
	v.ModelChart = hbars("match-weights", "match weight of each comparison level", bars, hbarOpts{Width: 940, LabelWidth: 230, ExtraWidth: 180, Diverging: true, Compact: true})
	t := md.Training
	v.ModelFacts = []kv{{"prior", fmt.Sprintf("λ = %.3g (weight %.2f): the odds of a match before any evidence", md.Lambda, md.PriorWeight)}}
	if t.UPairs > 0 {
		v.ModelFacts = append(v.ModelFacts, kv{"u from", count(t.UPairs, "random pair", "random pairs")})
	}
	if t.EMPairs > 0 {
		v.ModelFacts = append(v.ModelFacts, kv{"m from", count(t.EMPairs, "blocked pair", "blocked pairs") + ", " + count(int64(t.DistinctVectors), "distinct vector", "distinct vectors")})
	}
	if t.EMIterations > 0 {
		v.ModelFacts = append(v.ModelFacts, kv{"EM", count(int64(t.EMIterations), "iteration", "iterations")})
	}
}

func (v *view) weights() {
	h := v.Weights
	if h == nil || h.Pairs == 0 {
		return
	}
	cols := make([]column, len(h.Counts))
	for i, n := range h.Counts {
		lo := h.Lo + i
		c := colGrey
		switch {
		case float64(lo) >= h.Threshold:
			c = colGreen
		case float64(lo+1) > h.Threshold:
			c = colAmber
		}
		cols[i] = column{Label: fmt.Sprint(lo), Value: float64(n), Color: c, Title: fmt.Sprintf("weight [%d, %d): %s", lo, lo+1, count(n, "pair", "pairs"))}
	}
	marker := h.Threshold - float64(h.Lo)
	if marker < 0 || marker > float64(len(cols)) {
		marker = math.NaN()
	}
	v.WeightChart = vbars("match-weight-histogram", "match weights of the scored pairs", cols, vbarOpts{
		Log: true, Marker: marker, MarkerLabel: fmt.Sprintf("threshold %.2f", h.Threshold),
		XLabel: "match weight (bins of 1)", YLabel: "pairs (log scale)",
	})
	v.WeightFacts = []kv{
		{"pairs in pairs.parquet", fmtInt(h.Pairs)},
		{"at or above the threshold", fmtInt(h.Accepted) + " (" + pct(share(h.Accepted, h.Pairs)) + ")"},
		{"weights range", fmt.Sprintf("%.2f to %.2f", h.Min, h.Max)},
	}
	near := int64(0)
	for i, n := range h.Counts {
		lo := float64(h.Lo + i)
		if lo+1 > h.Threshold-2 && lo < h.Threshold+2 {
			near += n
		}
	}
	v.WeightFacts = append(v.WeightFacts, kv{"within ±2 of the threshold (to review)", fmtInt(near)})
}

func (v *view) clusters() {
	c := v.Manifest.Clusters
	if len(c.SizeCounts) == 0 {
		return
	}
	buckets := make([]string, 0, len(c.SizeCounts))
	for b := range c.SizeCounts {
		buckets = append(buckets, b)
	}
	slices.SortFunc(buckets, func(a, b string) int { return int(sizeOrder(a) - sizeOrder(b)) })
	cols := make([]column, len(buckets))
	for i, b := range buckets {
		color := colBlue
		if b == "1" {
			color = colGrey
		} else if sizeOrder(b) > 10 {
			color = colAmber // big clusters deserve a look
		}
		cols[i] = column{Label: b, Value: float64(c.SizeCounts[b]), Color: color, Title: fmt.Sprintf("clusters of %s %s: %s", b, plural(b == "1", "record", "records"), fmtInt(c.SizeCounts[b]))}
	}
	v.ClusterChart = vbars("cluster-sizes", "clusters by size", cols, vbarOpts{Width: 600, Height: 240, Log: true, Marker: math.NaN(), XLabel: "records per cluster", YLabel: "clusters (log scale)"})
	v.ClusterFacts = []kv{
		{"clusters", fmtInt(c.Clusters)},
		{"singletons", fmtInt(c.Singletons) + " (" + pct(share(c.Singletons, c.Clusters)) + ")"},
		{"largest cluster", count(c.Largest, "record", "records")},
	}
}

func (v *view) eval() {
	e := v.Eval
	if e == nil {
		return
	}
	if p := e.Pairwise; p != nil {
		v.EvalKPIs = append(v.EvalKPIs,
			kpi{Label: "precision", Value: pct(p.Precision), Sub: count(p.FP, "false pair", "false pairs"), Tone: tone(p.Precision)},
			kpi{Label: "recall", Value: pct(p.Recall), Sub: count(p.FN, "missed pair", "missed pairs"), Tone: tone(p.Recall)},
			kpi{Label: "F1", Value: pct(p.F1), Sub: count(p.TruePairs, "true pair", "true pairs"), Tone: tone(p.F1)})
	}
	if c := e.Cluster; c != nil {
		v.EvalKPIs = append(v.EvalKPIs, kpi{Label: "B-cubed F1", Value: pct(c.BCubedF1), Sub: pct(c.EntitiesExactShare) + " of people exact", Tone: tone(c.BCubedF1)})
	}
	if b := e.Blocking; b != nil {
		v.EvalKPIs = append(v.EvalKPIs, kpi{Label: "blocking recall", Value: pct(b.BlockingRecall), Sub: count(b.TruePairsNotBlocked, "true pair", "true pairs") + " never compared", Tone: tone(b.BlockingRecall)})
	}
	if s := e.Sweep; s != nil && len(s.Points) > 0 {
		marker, label := math.NaN(), ""
		if e.Threshold != nil {
			marker, label = e.Threshold.MatchWeight, fmt.Sprintf("threshold %.2f", e.Threshold.MatchWeight)
		}
		// The chart shows the weights where F1 is within sweepZoom of its
		// best (and the run's threshold): past them recall falls to 0, and
		// a 0–100% axis would squash the region a reader tunes in.
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, p := range s.Points {
			if p.F1 >= s.Best.F1-sweepZoom {
				lo, hi = min(lo, p.MatchWeight), max(hi, p.MatchWeight)
			}
		}
		if !math.IsNaN(marker) {
			lo, hi = min(lo, marker), max(hi, marker)
		}
		var prec, rec, f1 series
		prec.Name, rec.Name, f1.Name = "precision", "recall", "F1"
		prec.Color, rec.Color, f1.Color = colBlue, colGreen, colInk
		shown := 0
		for _, p := range s.Points {
			if p.MatchWeight < lo || p.MatchWeight > hi {
				continue
			}
			shown++
			prec.X, prec.Y = append(prec.X, p.MatchWeight), append(prec.Y, p.Precision)
			rec.X, rec.Y = append(rec.X, p.MatchWeight), append(rec.Y, p.Recall)
			f1.X, f1.Y = append(f1.X, p.MatchWeight), append(f1.Y, p.F1)
		}
		ss := []series{prec, rec, f1}
		yr := rateRange(ss)
		yLabel := fmt.Sprintf("rate (axis %s to %s)", axisPct(yr.Lo), axisPct(yr.Hi))
		v.SweepChart = lines("threshold-sweep", "pair-level precision, recall and F1 against the match-weight threshold", ss, marker, label, "match-weight threshold", yr, yLabel)
		if shown < len(s.Points) {
			v.SweepNote = fmt.Sprintf("Zoomed to match weights %s to %s, where F1 is within %.0f points of its best, and to rates %s to %s; all %d points are listed under “Every point of the sweep”.",
				fmtNum(lo), fmtNum(hi), 100*sweepZoom, axisPct(yr.Lo), axisPct(yr.Hi), len(s.Points))
		} else {
			v.SweepNote = fmt.Sprintf("The y axis runs from %s to %s.", axisPct(yr.Lo), axisPct(yr.Hi))
		}
		for _, p := range s.Points {
			v.SweepRows = append(v.SweepRows, labelRow{Label: fmtNum(p.MatchWeight), A: pct(p.Precision), B: pct(p.Recall), C: pct(p.F1), D: fmtInt(p.TP) + " / " + fmtInt(p.FP)})
		}
		v.SweepFacts = []kv{{"best F1", fmt.Sprintf("%s at weight %s (precision %s, recall %s)", pct(s.Best.F1), fmtNum(s.Best.MatchWeight), pct(s.Best.Precision), pct(s.Best.Recall))}}
		if p := e.PairLevel; p != nil {
			v.SweepFacts = append(v.SweepFacts, kv{"at the run's threshold", fmt.Sprintf("F1 %s (precision %s, recall %s)", pct(p.F1), pct(p.Precision), pct(p.Recall))})
		}
	}
	if er := e.Errors; er != nil {
		fn := slices.Clone(er.FNByCorruption)
		slices.SortStableFunc(fn, func(a, b evalLabel) int { return int(b.FN - a.FN) })
		for i, l := range fn {
			if i == 12 || l.FN == 0 {
				break
			}
			v.FNRows = append(v.FNRows, labelRow{Label: l.Label, A: fmtInt(l.TruePairs), B: fmtInt(l.FN), C: pct(l.Recall)})
		}
		for _, l := range er.FPByHardNegative {
			if l.FP > 0 {
				v.FPRows = append(v.FPRows, labelRow{Label: l.Label, A: fmtInt(l.FP)})
			}
		}
	}
}

func (v *view) verify() {
	vr := v.Verify
	if vr == nil {
		return
	}
	if len(vr.Carriers) > 0 {
		rows := make([]stack, len(vr.Carriers))
		for i, c := range vr.Carriers {
			parts := make([]float64, len(c.Counts))
			for k, n := range c.Counts {
				parts[k] = float64(n)
			}
			rows[i] = stack{Label: c.Carrier + " (" + fmtInt(c.Total) + ")", Parts: parts}
		}
		colours := make([]string, len(vr.Verdicts))
		for i, verdict := range vr.Verdicts {
			colours[i] = verdictColour(verdict, i)
		}
		v.VerifyChart = stacked("verdicts-by-carrier", "verdicts per carrier", rows, vr.Verdicts, colours)
	}
	for _, o := range vr.OverLimit {
		v.VerifyRows = append(v.VerifyRows, labelRow{Label: o.ID, A: fmtInt(o.SIMs), B: o.Carriers})
	}
}
