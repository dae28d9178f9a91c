package linkage_test

import (
	"fmt"

	"github.com/dedup-vn/dedup/linkage"
)

// Example trains a model from counted comparison vectors, compares two
// records and scores the pair.
func Example() {
	c, err := linkage.Compile([]linkage.Comparison{
		{Name: "dob", Kind: linkage.KindDate, Inputs: [][]string{{"dob"}}},
		{Name: "national_id", Kind: linkage.KindID, Inputs: [][]string{{"id"}}},
	})
	if err != nil {
		panic(err)
	}
	const dob, id = 0, 1 // comparison indexes
	vector := func(dobLevel, idLevel int8) []int8 { return []int8{dobLevel, idLevel} }

	// u: the vectors of random pairs, nearly all strangers.
	random := linkage.NewHistogram(c.Len())
	random.AddN(vector(0, 0), 9_880)
	random.AddN(vector(1, 0), 100) // born the same year
	random.AddN(vector(2, 0), 20)  // the same year and month
	// m: per training rule, the vectors of its pairs with the comparisons
	// the rule blocks on masked (null).
	sample := func(name string, masked []bool, counts map[[2]int8]int) linkage.RuleSample {
		h := linkage.NewHistogram(c.Len())
		for v, n := range counts {
			for range n {
				h.AddMasked(vector(v[0], v[1]), masked)
			}
		}
		return linkage.RuleSample{Name: name, Vectors: h, Masked: masked, Scale: 1}
	}
	sameID := sample("same_id", []bool{dob: false, id: true}, map[[2]int8]int{{5, 4}: 900, {4, 4}: 40, {3, 4}: 30, {0, 4}: 30})
	sameDOB := sample("same_dob", []bool{dob: true, id: false}, map[[2]int8]int{{5, 4}: 900, {5, 3}: 30, {5, 0}: 300})
	// λ: the full vectors of the blocked pairs.
	blocked := linkage.NewHistogram(c.Len())
	blocked.AddN(vector(5, 4), 900)
	blocked.AddN(vector(5, 3), 30)
	blocked.AddN(vector(4, 4), 40)
	blocked.AddN(vector(5, 0), 300) // namesakes born the same day
	model, err := linkage.Train(c, &linkage.TrainingData{
		Random:     random,
		Records:    10_000,
		Rules:      []linkage.RuleSample{sameID, sameDOB},
		Candidates: []linkage.ScaledHistogram{{Histogram: blocked, Scale: 1}},
		AllPairs:   10_000 * 9_999 / 2,
		TFMin:      linkage.DefaultTFMin,
	})
	if err != nil {
		panic(err)
	}

	// Two records: the same date of birth, national IDs one digit apart.
	ids := linkage.StringColumn{Data: []byte("001090012345001090012346"), Offsets: []uint32{0, 12, 24}}
	cm, err := c.Bind(linkage.Columns{
		Rows:    2,
		Strings: map[string]linkage.StringColumn{"id": ids},
		Ints:    map[string][]int32{"dob": {19900512, 19900512}},
	})
	if err != nil {
		panic(err)
	}
	levels := make([]int8, c.Len())
	sims := make([]float32, c.Len())
	cm.Compare(0, 1, levels, sims, nil)
	weight := model.Weight(levels, nil)
	fmt.Printf("dob: %s\n", model.Comparisons[dob].Levels[levels[dob]].Label)
	fmt.Printf("national_id: %s\n", model.Comparisons[id].Levels[levels[id]].Label)
	fmt.Printf("match weight %.1f, probability %.3f\n", weight, linkage.Probability(weight))
	// Output:
	// dob: exact
	// national_id: one_digit
	// match weight 7.9, probability 0.996
}
