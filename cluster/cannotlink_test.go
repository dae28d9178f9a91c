package cluster

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestRulesConflict(t *testing.T) {
	all := Rules{GivenName: true, GenerationYears: 15, Gender: true}
	hh, na := uint32(7), uint32(9)
	ev := func(household, nameAddr uint32, given string, year int16, gender int8) *Evidence {
		return &Evidence{Household: [2]uint32{household}, NameAddress: nameAddr, Given: PackGiven([]byte(given)), Year: year, Gender: gender}
	}
	for _, tc := range []struct {
		name  string
		rules Rules
		a, b  *Evidence
		want  Reason
	}{
		{"twins", all, ev(hh, 1, "thanh", 1990, 2), ev(hh, 2, "hoang", 1990, 2), ReasonGivenName},
		{"twins, rule off", Rules{GenerationYears: 15, Gender: true}, ev(hh, 1, "thanh", 1990, 2), ev(hh, 2, "hoang", 1990, 2), ReasonNone},
		{"given-name typo", all, ev(hh, 1, "thanh", 1990, 2), ev(hh, 2, "tahnh", 1990, 2), ReasonNone},
		{"given-name one letter more", all, ev(hh, 1, "anh", 1990, 2), ev(hh, 2, "oanh", 1990, 2), ReasonNone},
		{"another household", all, ev(hh, 1, "thanh", 1990, 2), ev(hh+1, 2, "hoang", 1990, 2), ReasonNone},
		{"household unknown", all, ev(0, 1, "thanh", 1990, 2), ev(0, 2, "hoang", 1990, 2), ReasonNone},
		{"given name unknown", all, ev(hh, 1, "", 1990, 2), ev(hh, 2, "hoang", 1990, 2), ReasonNone},
		{"father and son", all, ev(0, na, "an", 1950, 1), ev(0, na, "an", 1980, 1), ReasonGeneration},
		{"14 years apart", all, ev(0, na, "an", 1966, 1), ev(0, na, "an", 1980, 1), ReasonNone},
		{"15 years apart", all, ev(0, na, "an", 1965, 1), ev(0, na, "an", 1980, 1), ReasonGeneration},
		{"year unknown", all, ev(0, na, "an", 0, 1), ev(0, na, "an", 1980, 1), ReasonNone},
		{"year typo: same day and month", all, &Evidence{NameAddress: na, Year: 1965, MonthDay: 412}, &Evidence{NameAddress: na, Year: 1985, MonthDay: 412}, ReasonNone},
		{"another day and month", all, &Evidence{NameAddress: na, Year: 1965, MonthDay: 412}, &Evidence{NameAddress: na, Year: 1985, MonthDay: 1107}, ReasonGeneration},
		{"generation off", Rules{GivenName: true}, ev(0, na, "an", 1950, 1), ev(0, na, "an", 1980, 1), ReasonNone},
		{"genders differ", all, ev(0, 0, "an", 1950, 1), ev(0, 0, "an", 1950, 2), ReasonGender},
		{"a gender unknown", all, ev(0, 0, "an", 1950, 0), ev(0, 0, "an", 1950, 2), ReasonNone},
		{"gender off", Rules{}, ev(0, 0, "an", 1950, 1), ev(0, 0, "an", 1950, 2), ReasonNone},
		{"twins, one date year only", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("thanh")), Year: 1990, MonthDay: 412}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("hoang")), Year: 1990}, ReasonGivenName},
		{"siblings born another day", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("thanh")), Year: 1990, MonthDay: 412}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("hoang")), Year: 1990, MonthDay: 1107}, ReasonNone},
		{"another birth year", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("thanh")), Year: 1990}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("hoang")), Year: 1991}, ReasonNone},
		{"ward missing, same district", all, &Evidence{HouseholdArea: [2]uint32{5}, Given: PackGiven([]byte("khai")), Year: 1965}, &Evidence{Household: [2]uint32{hh}, HouseholdArea: [2]uint32{5}, Given: PackGiven([]byte("khanh")), Year: 1965}, ReasonGivenName},
		{"both wards known and different, same district", all, &Evidence{Household: [2]uint32{hh + 1}, HouseholdArea: [2]uint32{5}, Given: PackGiven([]byte("khai")), Year: 1965}, &Evidence{Household: [2]uint32{hh}, HouseholdArea: [2]uint32{5}, Given: PackGiven([]byte("khanh")), Year: 1965}, ReasonNone},
		{"regional variant (Phước, Phúc)", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("phuoc")), GivenKnown: true, GivenSpelling: 3, Year: 1946}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("phuc")), GivenKnown: true, GivenSpelling: 3, Year: 1946}, ReasonNone},
		{"other spellings of other names", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("an")), GivenKnown: true, GivenSpelling: 3, Year: 1986}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("anh")), GivenKnown: true, GivenSpelling: 4, Year: 1986}, ReasonGivenName},
		{"spelling unknown on one side", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("thanh")), GivenSpelling: 3, Year: 1990}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("hoang")), Year: 1990}, ReasonGivenName},
		{"twins, same ID number: one person", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("an")), GivenKnown: true, Year: 1986, ID: 123456789, IDLen: 9}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("anh")), GivenKnown: true, Year: 1986, ID: 123456789, IDLen: 9}, ReasonNone},
		{"twins, other ID numbers", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("an")), GivenKnown: true, Year: 1986, ID: 123456789, IDLen: 9}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("anh")), GivenKnown: true, Year: 1986, ID: 123456780, IDLen: 9}, ReasonGivenName},
		{"regional variant, CMND against CCCD: twins", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("phuoc")), GivenKnown: true, GivenVariant: 3, Year: 1980, ID: 132565688, IDLen: 9}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("phuc")), GivenKnown: true, GivenVariant: 3, Year: 1980, ID: 17180167849, IDLen: 12}, ReasonGivenName},
		{"regional variant, CCCDs one digit apart: a typo", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("tung")), GivenKnown: true, GivenVariant: 3, Year: 1987, ID: 72087264755, IDLen: 12}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("tong")), GivenKnown: true, GivenVariant: 3, Year: 1987, ID: 72087264355, IDLen: 12}, ReasonNone},
		{"regional variant, CCCDs two digits apart", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("tung")), GivenKnown: true, GivenVariant: 3, Year: 1987, ID: 72087264755, IDLen: 12}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("tong")), GivenKnown: true, GivenVariant: 3, Year: 1987, ID: 72087264311, IDLen: 12}, ReasonGivenName},
		{"regional variant, one ID unknown", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("tung")), GivenKnown: true, GivenVariant: 3, Year: 1987, ID: 72087264755, IDLen: 12}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("tong")), GivenKnown: true, GivenVariant: 3, Year: 1987}, ReasonNone},
		{"twins, day and month swapped", all, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("thanh")), Year: 1962, MonthDay: 809}, &Evidence{Household: [2]uint32{hh}, Given: PackGiven([]byte("hoang")), Year: 1962, MonthDay: 908}, ReasonGivenName},
		{"twins, household by the current address", all, &Evidence{Household: [2]uint32{0, hh}, Given: PackGiven([]byte("thanh")), Year: 1975}, &Evidence{Household: [2]uint32{hh, 0}, Given: PackGiven([]byte("hoang")), Year: 1975}, ReasonGivenName},
		{"genders differ, same ID number", all, &Evidence{Gender: 1, ID: 123456789, IDLen: 9}, &Evidence{Gender: 2, ID: 123456789, IDLen: 9}, ReasonNone},
		{"father and son, same ID number", all, &Evidence{NameAddress: na, Year: 1950, ID: 123456789, IDLen: 9}, &Evidence{NameAddress: na, Year: 1980, ID: 123456789, IDLen: 9}, ReasonNone},
		{"long given names packed", all, ev(hh, 0, "nghieng", 1990, 1), ev(hh, 0, "nghieng", 1990, 1), ReasonNone},
	} {
		if got := tc.rules.Conflict(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if got := tc.rules.Conflict(tc.b, tc.a); got != tc.want {
			t.Errorf("%s (swapped): %v, want %v", tc.name, got, tc.want)
		}
	}
}

// chainConflict builds a chain 0–1–2–3 (strong, weak, strong) where
// records 0 and 3 cannot be linked: the weak middle edge is the one
// refused, whatever the order the edges were added in.
func TestPairwiseCannotLinkChain(t *testing.T) {
	edges := []testEdge{{0, 1, 9}, {1, 2, 1}, {2, 3, 8}}
	for perm := range 6 {
		es := slices.Clone(edges)
		r := rand.New(rand.NewPCG(uint64(perm), 1))
		r.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		b, err := New(seqKeys(4), nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		b.SetConflict(func(x, y int32) Reason {
			if min(x, y) == 0 && max(x, y) == 3 {
				return ReasonGivenName
			}
			return ReasonNone
		})
		for _, e := range es {
			if err := b.Add(e.l, e.r, e.w); err != nil {
				t.Fatal(err)
			}
		}
		var rej []Rejected
		res := b.Finish(func(r Rejected) { rej = append(rej, r) })
		if want := []int32{0, 0, 2, 2}; !slices.Equal(res.Rep, want) {
			t.Fatalf("Rep = %v, want %v", res.Rep, want)
		}
		if res.Stats.Splits[ReasonGivenName] != 1 || len(rej) != 1 || rej[0] != (Rejected{1, 2, 1, ReasonGivenName}) {
			t.Fatalf("splits %v, rejected %v", res.Stats.Splits, rej)
		}
	}
}

// TestPairwiseCannotLinkProperty: on random graphs and random conflicts,
// no cluster holds a conflicting pair unless a merge was too large to
// check, and the result does not depend on the workers or edge order.
func TestPairwiseCannotLinkProperty(t *testing.T) {
	defer func(m int) { minParallel = m }(minParallel)
	minParallel = 4
	for seed := range uint64(50) {
		r := rand.New(rand.NewPCG(seed, 2))
		n := 5 + r.IntN(60)
		bad := map[[2]int32]bool{}
		for range r.IntN(n) {
			x, y := int32(r.IntN(n)), int32(r.IntN(n))
			bad[[2]int32{min(x, y), max(x, y)}] = true
		}
		conflict := func(x, y int32) Reason {
			if bad[[2]int32{min(x, y), max(x, y)}] {
				return ReasonGender
			}
			return ReasonNone
		}
		var edges []testEdge
		for range 2 * n {
			edges = append(edges, testEdge{int32(r.IntN(n)), int32(r.IntN(n)), float64(r.IntN(5))})
		}
		var first []int32
		for _, workers := range []int{1, 3} {
			es := slices.Clone(edges)
			r.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
			b, err := New(seqKeys(n), nil, Options{Workers: workers})
			if err != nil {
				t.Fatal(err)
			}
			b.SetConflict(conflict)
			for _, e := range es {
				if err := b.Add(e.l, e.r, e.w); err != nil {
					t.Fatal(err)
				}
			}
			res := b.Finish(nil)
			if res.Stats.Unchecked == 0 {
				for p := range bad {
					if p[0] != p[1] && res.Rep[p[0]] == res.Rep[p[1]] {
						t.Fatalf("seed %d: conflicting %v in one cluster", seed, p)
					}
				}
			}
			if first == nil {
				first = res.Rep
			} else if !slices.Equal(first, res.Rep) {
				t.Fatalf("seed %d: result depends on workers or edge order", seed)
			}
		}
	}
}
