package eval

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

// pairCols are the fixed columns eval reads from pairs.parquet; the
// `<comparison>_level` and `<comparison>_sim` columns follow them.
var pairCols = []string{runfolder.ColLeftID, runfolder.ColRightID, runfolder.ColMatchWeight, runfolder.ColMatchProbability, runfolder.ColBlockingRule}

// pairStats is what one pass over the pairs file yields.
type pairStats struct {
	pairs, truePairs int64 // rows; rows whose records share an entity
	unknown          int64 // rows naming a record absent from the truth
	tpAt, fpAt, fnAt int64 // pair-level decisions at the threshold
	bins             map[int64]*[2]int64
	rules            map[string]*[2]int64
	worstFP, worstFN []PairSample
	comparisons      []string
	minW, maxW       float64
	badWeight        int64
}

// scanPairs streams the pairs file: blocking recall, the pair-level sweep
// histogram, per-rule counts and the worst FP/FN samples. Memory is the
// histogram and the samples, whatever the file's size.
func scanPairs(path string, t *truth, threshold, step float64, samples int) (*pairStats, error) {
	names, err := tableColumns(path)
	if err != nil {
		return nil, err
	}
	cols := slices.Clone(pairCols)
	var comps []string
	for _, n := range names {
		if c, ok := strings.CutSuffix(n, runfolder.LevelSuffix); ok {
			comps = append(comps, c)
		}
	}
	slices.Sort(comps)
	for _, c := range comps {
		cols = append(cols, runfolder.LevelColumn(c), runfolder.SimColumn(c))
	}
	tr, err := openTable(path, cols, 3)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	s := &pairStats{
		bins: map[int64]*[2]int64{}, rules: map[string]*[2]int64{},
		comparisons: comps, minW: math.Inf(1), maxW: math.Inf(-1),
	}
	fpHeap := sampleHeap{worse: func(a, b *PairSample) bool { return higherWeight(a, b) }, k: samples}
	fnHeap := sampleHeap{worse: func(a, b *PairSample) bool { return higherWeight(b, a) }, k: samples}
	var left, right, rule []byte
	for tr.next() {
		for i := 0; i < tr.n; i++ {
			left = tr.cols[0].appendText(left[:0], i)
			right = tr.cols[1].appendText(right[:0], i)
			li, lok := t.find(HashID(left))
			ri, rok := t.find(HashID(right))
			if !lok || !rok {
				s.unknown++
				continue
			}
			w, ok := tr.cols[2].float(i)
			if !ok || math.IsNaN(w) {
				// A pair without a usable weight still counts for
				// blocking, but cannot be placed on the threshold scale.
				s.badWeight++
				w = math.Inf(-1)
			}
			s.pairs++
			same := t.recs[li].ent == t.recs[ri].ent
			if same {
				s.truePairs++
			}
			if tr.cols[4] != nil {
				rule = tr.cols[4].appendText(rule[:0], i)
				rc := s.rules[string(rule)]
				if rc == nil {
					rc = new([2]int64)
					s.rules[string(rule)] = rc
				}
				rc[0]++
				if same {
					rc[1]++
				}
			}
			if !math.IsInf(w, 0) {
				s.minW, s.maxW = min(s.minW, w), max(s.maxW, w)
				b := int64(math.Floor(w / step))
				bc := s.bins[b]
				if bc == nil {
					bc = new([2]int64)
					s.bins[b] = bc
				}
				if same {
					bc[0]++
				} else {
					bc[1]++
				}
			}
			above := w >= threshold
			switch {
			case same && above:
				s.tpAt++
			case !same && above:
				s.fpAt++
				if fpHeap.wants(w) {
					fpHeap.push(s.sample(tr, i, left, right, w, t, li, ri, false))
				}
			case same && !above:
				s.fnAt++
				if fnHeap.wants(w) {
					fnHeap.push(s.sample(tr, i, left, right, w, t, li, ri, true))
				}
			}
		}
	}
	if tr.err != nil {
		return nil, tr.err
	}
	s.worstFP = fpHeap.sorted()
	s.worstFN = fnHeap.sorted()
	return s, nil
}

// sample copies one pair's evidence: ids, levels, similarities and the
// truth labels that explain it. No field value is copied.
func (s *pairStats) sample(tr *tableReader, i int, left, right []byte, w float64, t *truth, li, ri int, fn bool) PairSample {
	p := PairSample{LeftID: string(left), RightID: string(right), MatchWeight: w}
	if c := tr.cols[3]; c != nil {
		if v, ok := c.float(i); ok {
			p.MatchProbability = v
		}
	}
	if c := tr.cols[4]; c != nil {
		p.BlockingRule = string(c.appendText(nil, i))
	}
	p.Levels = make(map[string]int, len(s.comparisons))
	p.Sims = make(map[string]float64, len(s.comparisons))
	for k, name := range s.comparisons {
		if c := tr.cols[len(pairCols)+2*k]; c != nil {
			if v, ok := c.float(i); ok {
				p.Levels[name] = int(v)
			} else {
				p.Levels[name] = -1
			}
		}
		if c := tr.cols[len(pairCols)+2*k+1]; c != nil {
			if v, ok := c.float(i); ok && !math.IsNaN(v) {
				p.Sims[name] = math.Round(v*1e4) / 1e4
			}
		}
	}
	if fn {
		m := t.corrMasks[t.recs[li].corr] | t.corrMasks[t.recs[ri].corr]
		p.Labels = t.labelNames(m)
	} else if g := t.hnGroup(t.recs[li].rec); g != 0 && g == t.hnGroup(t.recs[ri].rec) {
		p.Labels = []string{t.hnLabels[t.groupLabel[g-1]]}
	}
	return p
}

// labelNames lists the labels of a mask in sorted order.
func (t *truth) labelNames(m uint64) []string {
	var out []string
	for b := 0; b < len(t.labels) && b < 64; b++ {
		if m&(1<<b) != 0 {
			out = append(out, t.labels[b])
		}
	}
	slices.Sort(out)
	return out
}

// higherWeight orders samples by weight, then ids, so the kept sample is
// the same whatever the file's row order.
func higherWeight(a, b *PairSample) bool {
	if a.MatchWeight != b.MatchWeight {
		return a.MatchWeight > b.MatchWeight
	}
	if a.LeftID != b.LeftID {
		return a.LeftID < b.LeftID
	}
	return a.RightID < b.RightID
}

// sampleHeap keeps the k "worst" samples; worse(a, b) says a ranks before b.
// k is small (tens), so a sorted slice is simpler than container/heap.
type sampleHeap struct {
	worse func(a, b *PairSample) bool
	k     int
	items []PairSample
}

// wants is a cheap pre-check on the weight alone, so that most rows never
// build a sample.
func (h *sampleHeap) wants(w float64) bool {
	if h.k <= 0 {
		return false
	}
	if len(h.items) < h.k {
		return true
	}
	last := h.items[len(h.items)-1]
	probe := PairSample{MatchWeight: w}
	// Equal weights may still win on ids.
	return h.worse(&probe, &last) || w == last.MatchWeight
}

func (h *sampleHeap) push(p PairSample) {
	pos, _ := slices.BinarySearchFunc(h.items, p, func(a, b PairSample) int {
		if h.worse(&a, &b) {
			return -1
		}
		if h.worse(&b, &a) {
			return 1
		}
		return 0
	})
	if pos >= h.k {
		return
	}
	h.items = slices.Insert(h.items, pos, p)
	if len(h.items) > h.k {
		h.items = h.items[:h.k]
	}
}

func (h *sampleHeap) sorted() []PairSample { return h.items }

// sweep turns the weight histogram into precision/recall/F1 at each step.
// Recall's denominator is every true pair, so it includes what blocking
// and absent records lost.
func sweep(s *pairStats, truePairs int64, step float64) *Sweep {
	keys := make([]int64, 0, len(s.bins))
	for k := range s.bins {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b int64) int { return cmp.Compare(b, a) })
	sw := &Sweep{Step: step, Basis: "pairs_file"}
	var tp, fp int64
	var pts []SweepPoint
	for _, k := range keys {
		tp += s.bins[k][0]
		fp += s.bins[k][1]
		p := Precision(tp, tp+fp)
		r := Recall(tp, truePairs)
		pts = append(pts, SweepPoint{
			MatchWeight: float64(k) * step, TP: tp, FP: fp, FN: truePairs - tp,
			Precision: p, Recall: r, F1: F1(p, r),
		})
	}
	slices.Reverse(pts) // ascending thresholds read naturally
	sw.Points = pts
	for i, p := range pts {
		if i == 0 || p.F1 > sw.Best.F1 {
			sw.Best = p
		}
	}
	return sw
}

// tableColumns lists a table's column names.
func tableColumns(path string) ([]string, error) {
	format, err := tableFormat(path)
	if err != nil {
		return nil, err
	}
	switch format {
	case dataio.Parquet:
		pf, err := file.OpenParquetFile(path, false)
		if err != nil {
			return nil, fmt.Errorf("cannot open %s: %w", path, err)
		}
		defer pf.Close()
		sc := pf.MetaData().Schema
		names := make([]string, sc.NumColumns())
		for i := range names {
			names[i] = sc.Column(i).Name()
		}
		return names, nil
	case dataio.CSV:
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("cannot open %s: %w", path, err)
		}
		defer f.Close()
		r := csv.NewReader(f)
		r.TrimLeadingSpace = true
		h, err := r.Read()
		if err != nil {
			return nil, fmt.Errorf("%s: cannot read header: %w", path, err)
		}
		if len(h) > 0 {
			h[0] = trimBOM(h[0])
		}
		return h, nil
	}
	return nil, fmt.Errorf("%s: eval reads Parquet and CSV, not %v", path, format)
}
