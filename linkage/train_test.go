package linkage

import (
	"encoding/json"
	"testing"
)

// TestEstimateUSameForAnyWorkers checks that u depends on the seed only:
// the random pairs of every chunk are drawn from seeds fixed up front, and
// the per-worker histograms merge to the same counts in any order.
func TestEstimateUSameForAnyWorkers(t *testing.T) {
	const records = 5000
	// A synthetic vector per pair: levels from the rows' residues, so that
	// different pairs give different vectors.
	vec := func(_ int, i, j int32, levels []int8) {
		for k := range levels {
			levels[k] = int8((int(i)*7 + int(j)*3 + k) % 3)
		}
	}
	var want []byte
	for _, workers := range []int{1, 2, 5} {
		m := NewModel(simSpecs(t))
		if err := m.EstimateU(records, 300_000, 42, workers, vec); err != nil {
			t.Fatal(err)
		}
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
	m := NewModel(simSpecs(t))
	if err := m.EstimateU(records, 300_000, 43, 2, vec); err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(m); string(got) == string(want) {
		t.Fatal("another seed gave the same u: the seed is not used")
	}
}
