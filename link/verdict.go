package link

import (
	"cmp"
	"slices"

	"github.com/dedup-vn/dedup/runfolder"
)

// claim is a sector row's best pair with one register person.
type claim struct {
	row    int32   // the sector row (index into the links)
	person uint64  // the register person (state.Register.Person)
	weight float64 // the best pair's match weight
	pair   int32   // that pair (index into the levels)
}

// verdict is what a sector row's claims decide.
type verdict struct {
	verdict string
	person  uint64 // linked: the person
	best    int32  // the pair the row's match_probability and levels come from; -1: none
	others  []uint64
}

// bestPerPerson keeps, of the claims (any order), each (row, person)'s
// best, sorted by row then weight (best first), then person.
func bestPerPerson(cs []claim) []claim {
	slices.SortFunc(cs, func(a, b claim) int {
		if c := cmp.Compare(a.row, b.row); c != 0 {
			return c
		}
		if c := cmp.Compare(a.person, b.person); c != 0 {
			return c
		}
		if c := cmp.Compare(b.weight, a.weight); c != 0 {
			return c
		}
		return cmp.Compare(a.pair, b.pair)
	})
	out := cs[:0]
	for i, c := range cs {
		if i > 0 && c.row == cs[i-1].row && c.person == cs[i-1].person {
			continue
		}
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b claim) int {
		if c := cmp.Compare(a.row, b.row); c != 0 {
			return c
		}
		return cmp.Compare(b.weight, a.weight)
	})
	return out
}

// decide gives each of rows sector rows its verdict from its claims
// (bestPerPerson's order). A row is linked to its best person when that
// pair reaches the threshold and leads every other person's best pair by
// the margin (bits); ambiguous when another person above the threshold
// is within the margin; not_found when no pair reaches the threshold.
// With onePerPerson (the source holds at most one row per person) each
// person takes at most one row: the claims are granted best first, a row
// whose best free person is within the margin of its next free one is
// ambiguous, and a row whose persons were all taken by stronger rows is
// ambiguous too (it names them).
func decide(rows int, cs []claim, threshold, margin float64, onePerPerson bool) []verdict {
	out := make([]verdict, rows)
	for i := range out {
		out[i] = verdict{verdict: runfolder.VerdictNotFound, best: -1}
	}
	// Each row's claims, best first.
	start := make([]int32, rows+1)
	for _, c := range cs {
		start[c.row+1]++
	}
	for i := range rows {
		start[i+1] += start[i]
	}
	for r := range rows {
		if start[r] < start[r+1] {
			out[r].best = cs[start[r]].pair
		}
	}
	if !onePerPerson {
		for r := range rows {
			own := cs[start[r]:start[r+1]]
			if len(own) == 0 || own[0].weight < threshold {
				continue
			}
			if len(own) > 1 && own[1].weight >= threshold && own[0].weight-own[1].weight < margin {
				out[r].verdict = runfolder.VerdictAmbiguous
				for _, c := range own {
					if c.weight >= threshold && own[0].weight-c.weight < margin {
						out[r].others = append(out[r].others, c.person)
					}
				}
				continue
			}
			out[r].verdict, out[r].person = runfolder.VerdictLinked, own[0].person
		}
		return out
	}
	// One to one: every claim at or above the threshold, best first (ties
	// by row, then person: deterministic).
	var above []claim
	for _, c := range cs {
		if c.weight >= threshold {
			above = append(above, c)
		}
	}
	slices.SortFunc(above, func(a, b claim) int {
		if c := cmp.Compare(b.weight, a.weight); c != 0 {
			return c
		}
		if c := cmp.Compare(a.row, b.row); c != 0 {
			return c
		}
		return cmp.Compare(a.person, b.person)
	})
	taken := map[uint64]bool{}
	done := make([]bool, rows)
	for _, c := range above {
		if done[c.row] || taken[c.person] {
			continue
		}
		// The row's best free person is c's; its next free one decides
		// whether c leads by the margin.
		own := cs[start[c.row]:start[c.row+1]]
		ambiguous := false
		for _, o := range own {
			if o.person != c.person && !taken[o.person] && o.weight >= threshold && c.weight-o.weight < margin {
				ambiguous = true
				out[c.row].others = append(out[c.row].others, o.person)
			}
		}
		done[c.row] = true
		if ambiguous {
			out[c.row].verdict = runfolder.VerdictAmbiguous
			out[c.row].others = append([]uint64{c.person}, out[c.row].others...)
			continue
		}
		out[c.row].verdict, out[c.row].person, out[c.row].best = runfolder.VerdictLinked, c.person, c.pair
		taken[c.person] = true
	}
	// A row whose persons above the threshold all went to stronger rows
	// matches someone the table already holds: ambiguous, naming them.
	for r := range rows {
		if done[r] {
			continue
		}
		for _, c := range cs[start[r]:start[r+1]] {
			if c.weight >= threshold {
				out[r].verdict = runfolder.VerdictAmbiguous
				out[r].others = append(out[r].others, c.person)
			}
		}
	}
	return out
}
