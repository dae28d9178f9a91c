package linkage

import (
	"bytes"
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/linkage")

// simSpecs are four comparisons with 6, 3, 2 and 4 levels.
func simSpecs(t testing.TB) *Compiled {
	c, err := Compile([]Comparison{
		{Name: "dob", Kind: KindDate, Inputs: [][]string{{"dob"}}},
		{Name: "national_id", Kind: KindID, Inputs: [][]string{{"id"}}},
		{Name: "phone", Kind: KindPhone, Inputs: [][]string{{"phone"}}},
		{Name: "address", Kind: KindAddress, Inputs: [][]string{{"w", "d", "p"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Known parameters of the simulation, level 0 first.
var (
	trueM = [][]float64{
		{0.02, 0.03, 0.05, 0.10, 0.10, 0.70},
		{0.03, 0.02, 0.10, 0.10, 0.75},
		{0.25, 0.75},
		{0.05, 0.10, 0.15, 0.70},
	}
	trueU = [][]float64{
		{0.80, 0.15, 0.02, 0.02, 0.005, 0.005},
		{0.975, 0.015, 0.006, 0.003, 0.001},
		{0.999, 0.001},
		{0.60, 0.30, 0.07, 0.03},
	}
	nullRate = []float64{0.05, 0.4, 0.5, 0.1}
)

func draw(rng *rand.Rand, p []float64) int8 {
	x := rng.Float64()
	for l, q := range p {
		if x < q {
			return int8(l)
		}
		x -= q
	}
	return int8(len(p) - 1)
}

// simulate returns a histogram of n vectors, a share lambda of them drawn
// from m and the rest from u, with nulls at nullRate.
func simulate(n int, lambda float64, seed uint64) *Histogram {
	return simulateFrom(n, lambda, seed, trueU)
}

// simulateFrom is simulate with the non-matches drawn from u.
func simulateFrom(n int, lambda float64, seed uint64, u [][]float64) *Histogram {
	rng := rand.New(rand.NewPCG(seed, 1))
	h := NewHistogram(len(trueM))
	v := make([]int8, len(trueM))
	for range n {
		p := u
		if rng.Float64() < lambda {
			p = trueM
		}
		for k := range v {
			v[k] = draw(rng, p[k])
			if rng.Float64() < nullRate[k] {
				v[k] = Null
			}
		}
		h.Add(v)
	}
	return h
}

func setTrueU(m *Model) {
	for k := range m.Comparisons {
		for l := range m.Comparisons[k].Levels {
			m.Comparisons[k].Levels[l].U = trueU[k][l]
		}
	}
}

func checkRecovery(t *testing.T, m *Model, lambda float64) {
	t.Helper()
	if math.Abs(m.Lambda-lambda) > 0.01 {
		t.Errorf("λ = %.4f; want %.4f ± 0.01", m.Lambda, lambda)
	}
	for k, mc := range m.Comparisons {
		for l, lv := range mc.Levels {
			if math.Abs(lv.M-trueM[k][l]) > 0.02 {
				t.Errorf("%s level %d: m = %.4f; want %.4f ± 0.02", mc.Name, l, lv.M, trueM[k][l])
			}
		}
	}
	if !m.Training.EMConverged {
		t.Errorf("EM did not converge in %d iterations (change %g)", m.Training.EMIterations, m.Training.EMMaxChange)
	}
}

func TestEMRecoversKnownM(t *testing.T) {
	const lambda = 0.2
	m := NewModel(simSpecs(t))
	setTrueU(m)
	if err := m.TrainEM(simulate(200000, lambda, 7), EMOptions{}); err != nil {
		t.Fatal(err)
	}
	checkRecovery(t, m, lambda)
}

// TestEMWithSampledU estimates u from simulated random pairs (one match in
// ten thousand) before EM, as a run does.
func TestEMWithSampledU(t *testing.T) {
	const lambda = 0.3
	m := NewModel(simSpecs(t))
	if err := m.SetU(simulate(500000, 1e-4, 11), 11, 1000); err != nil {
		t.Fatal(err)
	}
	for k, mc := range m.Comparisons {
		for l, lv := range mc.Levels {
			if math.Abs(lv.U-trueU[k][l]) > 0.005 {
				t.Errorf("%s level %d: u = %.4f; want %.4f", mc.Name, l, lv.U, trueU[k][l])
			}
		}
	}
	if err := m.TrainEM(simulate(200000, lambda, 12), EMOptions{}); err != nil {
		t.Fatal(err)
	}
	checkRecovery(t, m, lambda)
}

// TestEMFreeUInsideBlocks trains on pairs whose non-matches are not
// random pairs: inside a block, strangers' IDs agree in part more often
// than random pairs' (blockU below), as namesakes born the same day share
// the CCCD's year and sex digits. With u held at the random pairs' values
// EM moves some of those non-matches into the matches and m drifts; with
// EstimateU it fits the block's own u and recovers m.
func TestEMFreeUInsideBlocks(t *testing.T) {
	const lambda = 0.2
	blockU := [][]float64{trueU[0], {0.75, 0.10, 0.08, 0.07, 0}, trueU[2], trueU[3]}
	h := simulateFrom(200000, lambda, 21, blockU)
	drift := func(m *Model) float64 {
		d := 0.0
		for l, lv := range m.Comparisons[1].Levels {
			d = max(d, math.Abs(lv.M-trueM[1][l]))
		}
		return d
	}
	fixed := NewModel(simSpecs(t))
	setTrueU(fixed)
	if err := fixed.TrainEM(h, EMOptions{}); err != nil {
		t.Fatal(err)
	}
	// The premise: with u fixed, m of the ID is off.
	if d := drift(fixed); d < 0.05 {
		t.Fatalf("u fixed: m of the ID within %.3f of the truth; the test's non-matches do not make EM drift", d)
	}
	free := NewModel(simSpecs(t))
	setTrueU(free)
	if err := free.TrainEM(h, EMOptions{EstimateU: true}); err != nil {
		t.Fatal(err)
	}
	checkRecovery(t, free, lambda)
	if !free.Training.UFromEM {
		t.Error("Training.UFromEM not set")
	}
}

// TestWeightsByHand checks weights and probabilities against numbers
// worked out on paper.
func TestWeightsByHand(t *testing.T) {
	c, err := Compile([]Comparison{
		{Name: "phone", Kind: KindPhone, Inputs: [][]string{{"phone"}}},
		{Name: "surname", Kind: KindText, Inputs: [][]string{{"surname"}}, Bands: []float64{0.9}, TermFrequency: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := NewModel(c)
	m.Lambda = 0.2 // prior odds 1/4: prior weight -2
	set := func(k int, mu ...float64) {
		for l := range m.Comparisons[k].Levels {
			m.Comparisons[k].Levels[l].M, m.Comparisons[k].Levels[l].U = mu[2*l], mu[2*l+1]
		}
	}
	set(0, 0.1, 0.8, 0.9, 0.2)               // phone: else 0.1/0.8 = 1/8 → -3; exact 0.9/0.2 = 4.5
	set(1, 0.05, 0.9, 0.15, 0.08, 0.8, 0.02) // surname: exact 0.8/0.02 = 40
	m.prepare()
	f := func(levels []int8, tf []float32, want float64) {
		t.Helper()
		if got := m.Weight(levels, tf); math.Abs(got-want) > 1e-12 {
			t.Errorf("Weight(%v, %v) = %v; want %v", levels, tf, got, want)
		}
	}
	f([]int8{Null, Null}, nil, -2)
	f([]int8{0, Null}, nil, -2-3)
	f([]int8{1, 2}, nil, -2+math.Log2(4.5)+math.Log2(40))
	// tf: a surname held by 1 in 8 gives u = 0.125: weight log2(0.8/0.125).
	f([]int8{Null, 2}, []float32{0, 0.125}, -2+math.Log2(6.4))
	// A rare surname is floored at TFMin.
	f([]int8{Null, 2}, []float32{0, 1e-9}, -2+math.Log2(0.8/DefaultTFMin))
	// tf does not apply below the exact level.
	f([]int8{Null, 1}, []float32{0, 0.1}, -2+math.Log2(0.15/0.08))
	// Out-of-range levels count as null rather than panic.
	f([]int8{9, -7}, nil, -2)
	if p := Probability(0); p != 0.5 {
		t.Errorf("Probability(0) = %v; want 0.5", p)
	}
	if p := Probability(math.Log2(99)); math.Abs(p-0.99) > 1e-12 {
		t.Errorf("Probability(log2 99) = %v; want 0.99", p)
	}
}

func trainSim(t *testing.T, order int) []byte {
	t.Helper()
	m := NewModel(simSpecs(t))
	if err := m.SetU(simulate(100000, 1e-4, 21), 21, 5000); err != nil {
		t.Fatal(err)
	}
	h := simulate(50000, 0.25, 22)
	if order == 1 {
		// The same vectors added in another order, through a merge.
		a, b := NewHistogram(h.width), NewHistogram(h.width)
		for v := h.Len() - 1; v >= 0; v-- {
			if v%2 == 0 {
				a.AddN(h.Vector(v), h.Count(v))
			} else {
				b.AddN(h.Vector(v), h.Count(v))
			}
		}
		b.Merge(a)
		h = b
	}
	if err := m.TrainEM(h, EMOptions{}); err != nil {
		t.Fatal(err)
	}
	out, err := m.MarshalModel()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestModelGolden pins the model file of a simulated training: the same
// input and seed give the same bytes, whatever order the pairs came in.
func TestModelGolden(t *testing.T) {
	got := trainSim(t, 0)
	if again := trainSim(t, 1); !bytes.Equal(got, again) {
		t.Fatalf("model bytes depend on the order of the pairs")
	}
	path := filepath.Join("..", "testdata", "linkage", "model_sim.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("model differs from %s (run with -update after checking the diff):\n%s", path, got)
	}
}

func TestModelRoundTrip(t *testing.T) {
	data := trainSim(t, 0)
	m, err := UnmarshalModel(data)
	if err != nil {
		t.Fatal(err)
	}
	again, err := m.MarshalModel()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, again) {
		t.Errorf("model does not round-trip:\n%s\n---\n%s", data, again)
	}
	if err := m.Check(simSpecs(t)); err != nil {
		t.Errorf("Check: %v", err)
	}
	v := []int8{5, 2, Null, 3}
	m0, _ := UnmarshalModel(data)
	if a, b := m.Weight(v, nil), m0.Weight(v, nil); a != b {
		t.Errorf("weights differ after a round trip: %v, %v", a, b)
	}
	path := filepath.Join(t.TempDir(), "model.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadModel(path); err != nil {
		t.Errorf("LoadModel: %v", err)
	}
	other, _ := Compile([]Comparison{{Name: "dob", Kind: KindDate, Inputs: [][]string{{"dob"}}}})
	if err := m.Check(other); err == nil {
		t.Errorf("Check accepted a model for other comparisons")
	}
}

func TestUnmarshalModelErrors(t *testing.T) {
	for _, bad := range []string{
		``,
		`{"version": 2, "lambda": 0.1, "tf_min": 1e-6}`,
		`{"version": 1, "lambda": 0, "tf_min": 1e-6}`,
		`{"version": 1, "lambda": 0.1, "tf_min": 0}`,
		`{"version": 1, "lambda": 0.1, "tf_min": 1e-6, "comparisons": [{"name": "x", "levels": []}]}`,
		`{"version": 1, "lambda": 0.1, "tf_min": 1e-6, "comparisons": [{"name": "x", "levels": [{"level": 1, "m": 0.5, "u": 0.5}]}]}`,
		`{"version": 1, "lambda": 0.1, "tf_min": 1e-6, "comparisons": [{"name": "x", "levels": [{"level": 0, "m": 1.5, "u": 0.5}]}]}`,
	} {
		if _, err := UnmarshalModel([]byte(bad)); err == nil {
			t.Errorf("UnmarshalModel(%s) succeeded; want an error", bad)
		}
	}
}

func TestEachUPair(t *testing.T) {
	pairs := func(n, count int, seed uint64) [][2]int32 {
		var out [][2]int32
		EachUPair(n, count, seed, func(i, j int32) { out = append(out, [2]int32{i, j}) })
		return out
	}
	a := pairs(100, 1000, 5)
	b := pairs(100, 1000, 5)
	if len(a) != 1000 {
		t.Fatalf("got %d pairs; want 1000", len(a))
	}
	for i, p := range a {
		if p != b[i] {
			t.Fatalf("pair %d differs between runs with one seed", i)
		}
		if !(0 <= p[0] && p[0] < p[1] && p[1] < 100) {
			t.Fatalf("pair %v out of order or range", p)
		}
	}
	if c := pairs(100, 1000, 6); c[0] == a[0] && c[1] == a[1] && c[2] == a[2] {
		t.Errorf("seeds 5 and 6 gave the same pairs")
	}
	if got := pairs(1, 10, 5); len(got) != 0 {
		t.Errorf("EachUPair over 1 row gave %d pairs", len(got))
	}
}

func BenchmarkEM1MPairs(b *testing.B) {
	h := simulate(1000000, 0.2, 7)
	b.ReportMetric(float64(h.Len()), "vectors")
	b.ReportAllocs()
	for b.Loop() {
		m := NewModel(simSpecs(b))
		setTrueU(m)
		if err := m.TrainEM(h, EMOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWeight(b *testing.B) {
	m := NewModel(simSpecs(b))
	setTrueU(m)
	h := simulate(1024, 0.2, 7)
	b.ReportAllocs()
	var sink float64
	for i := 0; b.Loop(); i++ {
		sink += m.Weight(h.Vector(i%h.Len()), nil)
	}
	_ = sink
}
