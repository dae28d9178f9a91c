package linkage

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestUSameForAnyWorkers checks that u depends on the seed only: the
// random pairs of every chunk are drawn from seeds fixed up front, and the
// per-worker histograms (each worker counting some spans of the pairs, as
// a run's workers do) merge to the same counts in any order.
func TestUSameForAnyWorkers(t *testing.T) {
	const records = 5000
	// A synthetic vector per pair: levels from the rows' residues, so that
	// different pairs give different vectors.
	vec := func(i, j int32, levels []int8) {
		for k := range levels {
			levels[k] = int8((int(i)*7 + int(j)*3 + k) % 3)
		}
	}
	u := func(seed uint64, workers int) *Model {
		m := NewModel(simSpecs(t))
		hists := make([]*Histogram, workers)
		for w := range hists {
			hists[w] = NewHistogram(len(m.Comparisons))
		}
		levels := make([]int8, len(m.Comparisons))
		n := 0
		EachUPair(records, 300_000, seed, func(i, j int32) {
			vec(i, j, levels)
			hists[(n/4096*7)%workers].Add(levels) // spans of 4096 pairs, spread unevenly
			n++
		})
		for w := len(hists) - 1; w > 0; w-- {
			hists[0].Merge(hists[w])
		}
		if err := m.SetU(hists[0], seed, records); err != nil {
			t.Fatal(err)
		}
		return m
	}
	var want []byte
	for _, workers := range []int{1, 2, 5} {
		m := u(42, workers)
		got, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if m.Training.UPairs != 300_000 {
			t.Fatalf("workers=%d: %d pairs counted, want 300000", workers, m.Training.UPairs)
		}
		if want == nil {
			want = got
		} else if string(got) != string(want) {
			t.Fatalf("workers=%d: a different model than with 1 worker", workers)
		}
	}
	if got, _ := json.Marshal(u(43, 2)); string(got) == string(want) {
		t.Fatal("another seed gave the same u: the seed is not used")
	}
}

// TestCloneIsTheRoundTrip checks Clone against what it replaced, a model
// encoded and decoded: the same bytes and weights, and no shared state.
func TestCloneIsTheRoundTrip(t *testing.T) {
	m := NewModel(simSpecs(t))
	if err := m.SetU(simulate(20000, 1e-4, 31), 31, 1000); err != nil {
		t.Fatal(err)
	}
	data, err := m.MarshalModel()
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := UnmarshalModel(data)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Clone()
	got, err := c.MarshalModel()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(data) {
		t.Fatalf("clone encodes differently:\n%s\n---\n%s", got, data)
	}
	v := []int8{5, 2, Null, 3}
	if a, b := c.Weight(v, nil), decoded.Weight(v, nil); a != b {
		t.Errorf("weights differ: clone %v, decoded %v", a, b)
	}
	c.Comparisons[0].Levels[5].M = 0.5
	c.Lambda = 0.3
	if m.Comparisons[0].Levels[5].M == 0.5 || m.Lambda == 0.3 {
		t.Error("editing the clone changed the model")
	}
	if a, b := m.Weight(v, nil), decoded.Weight(v, nil); a != b {
		t.Errorf("editing the clone changed the model's weights: %v, want %v", a, b)
	}
}

// trainingData is a simulated run: random pairs, two training rules each
// masking one comparison, the blocked pairs, and value counts for the ID.
func trainingData(t *testing.T) *TrainingData {
	t.Helper()
	mask := func(h *Histogram, masked []bool) *Histogram {
		out := NewHistogram(h.width)
		for v := 0; v < h.Len(); v++ {
			for range h.Count(v) {
				out.AddMasked(append([]int8(nil), h.Vector(v)...), masked)
			}
		}
		return out
	}
	onID := []bool{false, true, false, false}
	onDOB := []bool{true, false, false, false}
	ids := &ValueCounts{}
	for range 9000 {
		ids.Add(1)
	}
	for range 500 {
		ids.Add(2)
	}
	return &TrainingData{
		Random:  simulate(100000, 1e-4, 41),
		Seed:    41,
		Records: 10000,
		Rules: []RuleSample{
			{Name: "id", Vectors: mask(simulate(20000, 0.9, 42), onID), Masked: onID, Scale: 1},
			{Name: "dob", Vectors: mask(simulate(20000, 0.5, 43), onDOB), Masked: onDOB, Scale: 2},
		},
		Candidates:  []ScaledHistogram{{simulate(30000, 0.3, 44), 1}, {simulate(5000, 0.3, 45), 2}},
		AllPairs:    10000 * 9999 / 2,
		Identifiers: []*ValueCounts{1: ids},
		TFMin:       DefaultTFMin,
		EM:          EMOptions{EstimateU: true},
	}
}

// TestTrain checks the parts of Train on a simulated run: m near the truth
// where a rule estimates it, λ at its fixed point, u of the ID's exact
// level from the value counts, and the same bytes every time.
func TestTrain(t *testing.T) {
	d := trainingData(t)
	m, err := Train(simSpecs(t), d)
	if err != nil {
		t.Fatal(err)
	}
	// λ: expected matches among the blocked pairs over all pairs.
	cand := weightVectors(d.Candidates)
	var matches float64
	for i, v := range cand.vectors {
		matches += cand.counts[i] * Probability(m.Weight(v, nil))
	}
	if got := matches / d.AllPairs; math.Abs(got-m.Lambda) > 1e-5*m.Lambda {
		t.Errorf("λ = %g is not its fixed point %g", m.Lambda, got)
	}
	if math.Abs(cand.total-40000) > 1e-9 {
		t.Errorf("blocked pairs counted %v, want 30000 + 2×5000", cand.total)
	}
	// u of the ID's exact level: 500 values held twice among 10000
	// records, less the matches' share, at least one pair's worth.
	n := 10000.0
	lv := m.Comparisons[1].Levels
	top := len(lv) - 1
	want := max((1000/(n*(n-1))-m.Lambda*lv[top].M)/(1-m.Lambda), 2/(n*(n-1)))
	if math.Abs(lv[top].U-want) > 1e-12 {
		t.Errorf("u(ID exact) = %g, want %g", lv[top].U, want)
	}
	for k, mc := range m.Comparisons {
		sum := 0.0
		for _, l := range mc.Levels {
			sum += l.U
		}
		if math.Abs(sum-1) > 1e-9 {
			t.Errorf("%s: u sums to %v", mc.Name, sum)
		}
		// Each comparison is estimated by at least one rule here (the
		// pseudo counts pull m a little toward uniform).
		for l, lv := range mc.Levels {
			if math.Abs(lv.M-trueM[k][l]) > 0.03 {
				t.Errorf("%s level %d: m = %.4f; want %.4f ± 0.03", mc.Name, l, lv.M, trueM[k][l])
			}
		}
	}
	if m.Training.EMIterations == 0 || m.Training.UPairs != 100000 || m.Training.Seed != 41 || m.Training.URecords != 10000 {
		t.Errorf("training record %+v", m.Training)
	}
	a, _ := m.MarshalModel()
	again, err := Train(simSpecs(t), trainingData(t))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := again.MarshalModel(); string(a) != string(b) {
		t.Error("the same data trained two different models")
	}
}

func TestTrainErrors(t *testing.T) {
	d := trainingData(t)
	for i := range d.Rules {
		d.Rules[i].Vectors = NewHistogram(len(trueM))
	}
	// No training pairs (a register without duplicates): m keeps its
	// starting values, the model says so, and u and λ are still valid.
	untrained, err := Train(simSpecs(t), d)
	if err != nil {
		t.Fatalf("no training pairs: %v", err)
	}
	if !untrained.Training.MUntrained {
		t.Error("no training pairs: the model does not say m is untrained")
	}
	start := NewModel(simSpecs(t))
	for c := range start.Comparisons {
		for l := range start.Comparisons[c].Levels {
			if got, want := untrained.Comparisons[c].Levels[l].M, start.Comparisons[c].Levels[l].M; got != want {
				t.Errorf("no training pairs: comparison %d level %d m %v, want the starting %v", c, l, got, want)
			}
		}
	}
	if untrained.Lambda <= 0 || untrained.Lambda >= 1 {
		t.Errorf("no training pairs: λ %v", untrained.Lambda)
	}
	d = trainingData(t)
	d.Identifiers = []*ValueCounts{0: {records: 10, agreeing: 2}}
	if _, err := Train(simSpecs(t), d); err == nil || !strings.Contains(err.Error(), "not an identifier") {
		t.Errorf("value counts for a date: error %v", err)
	}
	d = trainingData(t)
	d.TFMin = 0
	if _, err := Train(simSpecs(t), d); !errors.Is(err, ErrModel) {
		t.Errorf("tf_min 0: error %v, want ErrModel", err)
	}
	// A comparison every rule masks keeps its starting m.
	d = trainingData(t)
	d.Rules = d.Rules[:1]
	m, err := Train(simSpecs(t), d)
	if err != nil {
		t.Fatal(err)
	}
	start = NewModel(simSpecs(t))
	for l, lv := range m.Comparisons[1].Levels {
		if lv.M != start.Comparisons[1].Levels[l].M {
			t.Errorf("masked ID level %d: m = %v, want the starting %v", l, lv.M, start.Comparisons[1].Levels[l].M)
		}
	}
}
