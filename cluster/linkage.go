package cluster

// MaxLinkage is the most records a component may hold for AverageLinkage:
// it scores every pair of the component (n²/2) and merges in O(n³). A
// larger component keeps the union-find clusters with the cannot-link
// guards (the fallback, counted in the manifest).
const MaxLinkage = 64

// AverageLinkage clusters the n records of one component agglomeratively
// with average linkage: starting from singletons, it merges the two groups
// whose mean pair weight is highest, as long as that mean is at or above
// threshold and no pair across them is forbidden (cannot-link). So a
// record joins a group on its evidence against every member, not on one
// link: a chain A–B–C with a weak A–C and B–C stays two groups where
// connected components made one.
//
// margin raises the bar for groups that grow past a pair: two groups of
// sizes a and b merge only when their mean is at least threshold +
// margin·(a+b−2), and of the merges that clear their bar the one with
// the most weight to spare goes first. The model's prior is the chance
// that two records match; a person with two records gaining a third is
// rarer than a person gaining a second (in the generated register about
// one duplicated person in twenty has three records), so a third record
// needs more evidence. margin 0 is plain average linkage.
//
// weight(i, j) is the match weight of records i < j (every pair, also
// those blocking did not produce); forbid(i, j) says they cannot be one
// person. It returns each record's group as the smallest index in it.
// The result depends only on the weights, the forbidden pairs and the
// records' order (ties go to the lowest pair of group indices), so a
// caller that orders a component's records by stable key gets the same
// groups for any input order and any number of workers.
func AverageLinkage(n int, weight func(i, j int) float64, forbid func(i, j int) bool, threshold, margin float64) []int32 {
	label := make([]int32, n)
	for i := range label {
		label[i] = int32(i)
	}
	if n < 2 {
		return label
	}
	sum := make([]float64, n*n) // sum[a*n+b]: total weight between groups a and b
	bad := make([]bool, n*n)    // bad[a*n+b]: a forbidden pair between them
	size := make([]float64, n)
	for i := 0; i < n; i++ {
		size[i] = 1
		for j := i + 1; j < n; j++ {
			w := weight(i, j)
			sum[i*n+j], sum[j*n+i] = w, w
			if forbid(i, j) {
				bad[i*n+j], bad[j*n+i] = true, true
			}
		}
	}
	active := make([]bool, n)
	for i := range active {
		active[i] = true
	}
	for {
		ba, bb, best := -1, -1, 0.0
		for a := 0; a < n; a++ {
			if !active[a] {
				continue
			}
			for b := a + 1; b < n; b++ {
				if !active[b] || bad[a*n+b] {
					continue
				}
				m := sum[a*n+b]/(size[a]*size[b]) - margin*(size[a]+size[b]-2)
				if ba < 0 || m > best {
					ba, bb, best = a, b, m
				}
			}
		}
		if ba < 0 || best < threshold {
			break
		}
		// Merge bb into ba (ba < bb, both the smallest index of their
		// group, so ba stays the smallest of the union).
		for x := 0; x < n; x++ {
			if !active[x] || x == ba || x == bb {
				continue
			}
			s := sum[ba*n+x] + sum[bb*n+x]
			sum[ba*n+x], sum[x*n+ba] = s, s
			if bad[bb*n+x] {
				bad[ba*n+x], bad[x*n+ba] = true, true
			}
		}
		size[ba] += size[bb]
		active[bb] = false
		for i := range label {
			if label[i] == int32(bb) {
				label[i] = int32(ba)
			}
		}
	}
	return label
}
