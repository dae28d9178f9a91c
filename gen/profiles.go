package gen

import "sort"

// Derived profiles: a base profile with a few rates set, for measuring the
// clustering where the register's easy evidence is missing or its hard
// negatives are many. They are kept out of profileTable so that the base
// profiles' manifests (which list every rate) keep their bytes.
//
//   - noids: the default profile with no national ID and no phone on any
//     record, as sector tables, subscriber lists and old paper registers
//     are; only names, dates, gender and addresses link records.
//   - twins: the default profile with ten times its twins, father/son
//     pairs and namesakes; a twin has its sibling's gender and middle name
//     too (same family and middle name, birth date and address, another
//     given name), the hardest negative a register holds.
var derivedProfiles = map[string]struct {
	base string
	set  map[string]float64
}{
	"noids": {"default", map[string]float64{RateIDMissing: 1, RatePhoneMissing: 1}},
	"twins": {"default", map[string]float64{
		RateSameName: 0.03, RateTwin: 0.06, RateFatherSon: 0.03, RateCommonName: 0.05,
		rateTwinSameMiddle: 1,
	}},
}

// rateTwinSameMiddle, when set, gives a twin its sibling's gender and
// middle name. Only derived profiles set it (a rate absent from a profile
// draws nothing, so the base profiles' bytes do not change).
const rateTwinSameMiddle = "twin_same_middle"

// derivedProfile returns the named derived profile, ok false if there is
// none of that name.
func derivedProfile(name string) (Profile, bool) {
	d, ok := derivedProfiles[name]
	if !ok {
		return Profile{}, false
	}
	p, err := GetProfile(d.base)
	if err != nil {
		panic("gen: derived profile " + name + ": " + err.Error())
	}
	p.Name = name
	for r, v := range d.set {
		p.Rates[r] = v
	}
	return p, true
}

// DerivedProfileNames lists the derived profiles by name.
func DerivedProfileNames() []string {
	var out []string
	for n := range derivedProfiles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
