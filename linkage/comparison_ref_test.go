package linkage

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"
)

// compareRef is Comparer.Compare as it was at commit 4990691 (every pair
// of groups through compareGroups), over the reference name, date and
// Jaro-Winkler kernels.
func compareRef(cm *Comparer, s *nameScratchRef, i, j int32, levels []int8, sims []float32, tf []float32) {
	for k := range cm.comps {
		bc := &cm.comps[k]
		var best int8
		var bestSim float32
		bestGroup := 0
		if len(bc.groups) == 1 {
			g := &bc.groups[0]
			best, bestSim = compareGroupsRef(s, bc, g, g, i, j)
		} else {
			best = Null
			for ga := range bc.groups {
				for gb := range bc.groups {
					l, sim := compareGroupsRef(s, bc, &bc.groups[ga], &bc.groups[gb], i, j)
					if l > best || l == best && sim > bestSim {
						best, bestSim, bestGroup = l, sim, ga
					}
				}
			}
		}
		levels[k], sims[k] = best, bestSim
		tf[k] = 0
		if bc.freq != nil && best >= bc.tfMin {
			tf[k] = float32(bc.freq.Freq(valueHash(bc, &bc.groups[bestGroup], i)))
		}
	}
}

func compareGroupsRef(s *nameScratchRef, bc *boundComparison, a, b *boundGroup, i, j int32) (int8, float32) {
	switch bc.kind {
	case KindName:
		return compareNameRef(s,
			NameForms{strOf(&a.str[0], i), strOf(&a.str[1], i), strOf(&a.str[2], i)},
			NameForms{strOf(&b.str[0], j), strOf(&b.str[1], j), strOf(&b.str[2], j)}, bc.bands)
	case KindDate:
		return compareDateRef(intOf(a.ints[0], i), intOf(b.ints[0], j))
	case KindAddress:
		return CompareAddress(
			AddressCodes{intOf(a.ints[0], i), intOf(a.ints[1], i), intOf(a.ints[2], i)},
			AddressCodes{intOf(b.ints[0], j), intOf(b.ints[1], j), intOf(b.ints[2], j)})
	case KindText:
		x, y := strOf(&a.str[0], i), strOf(&b.str[0], j)
		if len(x) == 0 || len(y) == 0 {
			return Null, 0
		}
		if bytes.Equal(x, y) {
			return int8(len(bc.bands)) + 1, 1
		}
		jw := jaroWinklerRef(x, y)
		return bandLevel(jw, bc.bands), float32(jw)
	}
	return (&Comparer{}).compareGroups(bc, a, b, i, j)
}

// TestCompareReference checks whole comparison vectors (levels,
// similarities and term frequencies, to the bit) against the reference
// over random rows: generated names, dates, IDs, phones, two address
// groups with unknown units, and a text field.
func TestCompareReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const rows = 600
	pairs := namePairs(rng, rows/2)
	var canon, folded, key, ids, phones, text []string
	for _, p := range pairs {
		for _, f := range p {
			canon = append(canon, string(f.Canonical))
			folded = append(folded, string(f.Folded))
			key = append(key, string(f.Key))
			ids = append(ids, randString(rng, []int{0, 9, 12}[rng.IntN(3)], "0123"))
			phones = append(phones, randString(rng, rng.IntN(22), "019;"))
			text = append(text, string(f.Folded[:min(len(f.Folded), 3+rng.IntN(9))])+randString(rng, rng.IntN(3), "ab1"))
		}
	}
	ints := func(f func() int32) []int32 {
		v := make([]int32, rows)
		for i := range v {
			v[i] = f()
		}
		return v
	}
	code := func(n int) func() int32 { return func() int32 { return int32(rng.IntN(n)) } }
	cols := Columns{
		Rows: rows,
		Strings: map[string]StringColumn{
			"name_canon": strCol(canon...), "name_fold": strCol(folded...), "name_key": strCol(key...),
			"id": strCol(ids...), "phone": strCol(phones...), "text": strCol(text...),
		},
		Ints: map[string][]int32{
			"dob":    ints(func() int32 { return int32(1990+rng.IntN(3))*10000 + int32(rng.IntN(3))*100 + int32(rng.IntN(3)) }),
			"gender": ints(code(3)),
			"pw":     ints(code(4)), "pd": ints(code(3)), "pp": ints(code(3)),
			"cw": ints(code(4)), "cd": ints(code(3)), "cp": ints(code(3)),
		},
		Freqs: map[string]*FreqTable{},
	}
	cols.Freqs["name"] = FreqTableOf(cols.Strings["name_fold"])
	specs := append(vnSpecs(), Comparison{Name: "text", Kind: KindText, Inputs: [][]string{{"text"}}},
		// Absent optional name columns, and a second name group.
		Comparison{Name: "name_bare", Kind: KindName, Inputs: [][]string{{"", "name_fold", ""}}},
		Comparison{Name: "name_two", Kind: KindName, Inputs: [][]string{{"name_canon", "name_fold", ""}, {"", "name_key", "name_fold"}}})
	c, err := Compile(specs)
	if err != nil {
		t.Fatal(err)
	}
	cm, err := c.Bind(cols)
	if err != nil {
		t.Fatal(err)
	}
	n := c.Len()
	l, s, f := make([]int8, n), make([]float32, n), make([]float32, n)
	rl, rs, rf := make([]int8, n), make([]float32, n), make([]float32, n)
	var sr nameScratchRef
	for range 100000 {
		i, j := int32(rng.IntN(rows)), int32(rng.IntN(rows))
		if rng.IntN(2) == 0 {
			j = i ^ 1 // the generated pair
		}
		cm.Compare(i, j, l, s, f)
		compareRef(cm, &sr, i, j, rl, rs, rf)
		for k := range n {
			if l[k] != rl[k] || math.Float32bits(s[k]) != math.Float32bits(rs[k]) || math.Float32bits(f[k]) != math.Float32bits(rf[k]) {
				t.Fatalf("Compare(%d, %d) %s = %d, %v, tf %v; reference %d, %v, tf %v", i, j, c.Spec(k).Name, l[k], s[k], f[k], rl[k], rs[k], rf[k])
			}
		}
	}
}
