package gen

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/dedup-vn/dedup/refdata"
)

// picker draws an index with probability proportional to its weight.
type picker struct{ cum []float64 }

func newPicker(w []float64) picker {
	cum := make([]float64, len(w))
	s := 0.0
	for i, x := range w {
		s += x
		cum[i] = s
	}
	for i := range cum {
		cum[i] /= s
	}
	return picker{cum}
}

func (p picker) pick(r *rand.Rand) int {
	u := r.Float64()
	i := sort.SearchFloat64s(p.cum, u)
	if i >= len(p.cum) {
		i = len(p.cum) - 1
	}
	return i
}

// carrier is one mobile network with its output file name.
type carrier struct {
	Name, File string
	Share      float64 // market share in percent
	prefixes   []int   // indexes into tables.prefixes
}

// mobile is one 10-digit prefix with its old 11-digit form, if any.
type mobile struct {
	prefix, old string
	carrier     int
}

// wardInfo is a pre-2025 ward with what an address needs.
type wardInfo struct {
	w        *refdata.WardOld
	district *refdata.District
	links    []int // indexes into tables.wardsNew
	partial  bool
}

// provInfo is a pre-2025 province with its wards and 2025 successor.
type provInfo struct {
	p      *refdata.ProvinceOld
	newIdx int   // index into tables.provsNew
	wards  []int // indexes into tables.wards
	region int   // 0 north, 1 centre, 2 south
	alias  []string
	cmnd   string // 2-digit CMND prefix (own or borrowed); "" for a 3-digit province
	// cmndGroup is the province's CMND serial counter (see ids.go).
	cmndGroup int
	weight    float64
	cellOff   int
}

// tables is the reference data prepared for drawing: pickers, indexes.
type tables struct {
	// maleForms and femaleForms are the gender_format spellings.
	maleForms, femaleForms []string
	provs                  []provInfo
	provsNew               []*refdata.ProvinceNew
	wards                  []wardInfo
	wardsNew               []*refdata.WardNew
	provPick               picker
	bigCities              picker // destinations of migration

	surnames   []string
	surnameBy  [3]picker // by region
	surnameSet map[string]bool
	maleMid    []string
	maleMidP   picker
	femMid     []string
	femMidP    picker
	boys       []string
	boysP      picker
	girls      []string
	girlsP     picker

	variants map[string][]string // token → regional variants (name tokens)

	provByCode    map[string]int
	newProvByCode map[string]int

	carriers []carrier
	carrierP picker
	prefixes []mobile
	cmndTables
}

var (
	tabOnce sync.Once
	tab     *tables
	tabErr  error
)

func getTables() (*tables, error) {
	tabOnce.Do(func() { tab, tabErr = buildTables(refdata.Get()) })
	return tab, tabErr
}

// vietLetters are the letters a Vietnamese name may contain; it keeps
// stray entries of the source lists (one surname there is VNI mojibake)
// out of the generated names.
var vietLetters = func() map[rune]bool {
	m := map[rune]bool{}
	for _, c := range refdata.Get().LegacyChars {
		m[c.Char] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		m[c] = true
		m[c-'a'+'A'] = true
	}
	return m
}()

func isVietWord(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if !vietLetters[r] {
			return false
		}
	}
	return true
}

func regionOf(code string) int {
	switch {
	case code < "38":
		return 0
	case code < "70":
		return 1
	}
	return 2
}

func buildTables(rd *refdata.Tables) (*tables, error) {
	t := &tables{maleForms: maleForms, femaleForms: femaleForms, variants: map[string][]string{}, surnameSet: map[string]bool{},
		provByCode: map[string]int{}, newProvByCode: map[string]int{}}
	newProv := map[string]int{}
	for i := range rd.ProvincesNew {
		t.provsNew = append(t.provsNew, &rd.ProvincesNew[i])
		newProv[rd.ProvincesNew[i].Code] = i
		t.newProvByCode[rd.ProvincesNew[i].Code] = i
	}
	newWard := map[string]int{}
	for i := range rd.WardsNew {
		t.wardsNew = append(t.wardsNew, &rd.WardsNew[i])
		newWard[rd.WardsNew[i].Code] = i
	}
	dist := map[string]*refdata.District{}
	for i := range rd.Districts {
		dist[rd.Districts[i].Code] = &rd.Districts[i]
	}
	provIdx := map[string]int{}
	for i := range rd.ProvincesOld {
		p := &rd.ProvincesOld[i]
		ni, ok := newProv[p.NewCode]
		if !ok {
			return nil, fmt.Errorf("refdata: province %s: unknown 2025 province %s", p.Code, p.NewCode)
		}
		pi := provInfo{p: p, newIdx: ni, region: regionOf(p.Code)}
		provIdx[p.Code] = i
		t.provByCode[p.Code] = i
		t.provs = append(t.provs, pi)
	}
	if err := t.buildCMND(rd); err != nil {
		return nil, err
	}
	for _, a := range rd.ProvinceAliases {
		if a.Ambiguous || a.Kind == "initials" {
			continue
		}
		if i, ok := provIdx[a.OldCode]; ok {
			t.provs[i].alias = append(t.provs[i].alias, a.Alias)
		}
	}
	links := map[string][]int{}
	partial := map[string]bool{}
	for _, l := range rd.WardLinks {
		if l.OldWard == "" {
			continue
		}
		if wi, ok := newWard[l.NewWard]; ok {
			links[l.OldWard] = append(links[l.OldWard], wi)
		}
		if l.Partial {
			partial[l.OldWard] = true
		}
	}
	for i := range rd.WardsOld {
		w := &rd.WardsOld[i]
		d, dok := dist[w.DistrictCode]
		pi, pok := provIdx[w.ProvinceCode]
		if !dok || !pok || len(links[w.Code]) == 0 {
			continue // a ward the 2025 mapping does not cover cannot be scored
		}
		t.provs[pi].wards = append(t.provs[pi].wards, len(t.wards))
		t.wards = append(t.wards, wardInfo{w: w, district: d, links: links[w.Code], partial: partial[w.Code]})
	}
	// Population weights: the number of wards, scaled where wards are much
	// bigger than the national average (the two metropolises and the
	// industrial provinces around them). An approximation: refdata has no
	// population column.
	boost := map[string]float64{"79": 3, "01": 1.6, "74": 2.5, "75": 1.5, "31": 1.4, "48": 1.6, "92": 1.3, "56": 1.2}
	w := make([]float64, len(t.provs))
	city := make([]float64, len(t.provs))
	for i := range t.provs {
		if len(t.provs[i].wards) == 0 {
			return nil, fmt.Errorf("refdata: province %s has no mapped wards", t.provs[i].p.Code)
		}
		b := boost[t.provs[i].p.Code]
		if b == 0 {
			b = 1
		}
		w[i] = float64(len(t.provs[i].wards)) * b
		t.provs[i].weight = w[i]
		if b > 1 {
			city[i] = w[i] * b
		} else {
			city[i] = w[i] * 0.2
		}
	}
	t.provPick = newPicker(w)
	t.bigCities = newPicker(city)

	if err := t.buildNames(rd); err != nil {
		return nil, err
	}
	t.buildCarriers(rd)
	return t, nil
}

func (t *tables) buildNames(rd *refdata.Tables) error {
	// Surnames: the 14 groups with a national share take it; Hoàng/Huỳnh
	// and Vũ/Võ are one group each nationally and are split by the sample
	// shares, leaning to Hoàng and Vũ in the north and Huỳnh and Võ in the
	// south. The rest of the mass is spread by sample share.
	var nationalSum, restSample float64
	sample := map[string]float64{}
	for _, s := range rd.Surnames {
		if !isVietWord(s.Name) {
			continue
		}
		sample[s.Name] = s.SampleShare
		if s.NationalShare > 0 {
			nationalSum += s.NationalShare
		}
	}
	grouped := map[string]bool{}
	for _, s := range rd.Surnames {
		if s.NationalShare > 0 {
			for _, v := range s.Variants {
				grouped[v] = true
			}
		}
	}
	for _, s := range rd.Surnames {
		if isVietWord(s.Name) && s.NationalShare == 0 && !grouped[s.Name] {
			restSample += s.SampleShare
		}
	}
	lean := [3]float64{4, 1, 0.25} // weight of the northern form over the southern
	var ws [3][]float64
	for _, s := range rd.Surnames {
		if !isVietWord(s.Name) {
			continue
		}
		if s.NationalShare == 0 && grouped[s.Name] {
			continue // added with its group below
		}
		names := []string{s.Name}
		for _, v := range s.Variants {
			if isVietWord(v) {
				names = append(names, v)
			}
		}
		for k, n := range names {
			t.surnameSet[n] = true
			t.surnames = append(t.surnames, n)
			for r := 0; r < 3; r++ {
				var x float64
				switch {
				case s.NationalShare == 0:
					x = s.SampleShare / restSample * (100 - nationalSum)
				case len(names) == 1:
					x = s.NationalShare
				default:
					// names[0] is the northern form (Hoàng, Vũ).
					a, b := sample[names[0]]*lean[r], sample[names[1]]
					if k == 0 {
						x = s.NationalShare * a / (a + b)
					} else {
						x = s.NationalShare * b / (a + b)
					}
				}
				ws[r] = append(ws[r], x)
			}
		}
	}
	for r := 0; r < 3; r++ {
		t.surnameBy[r] = newPicker(ws[r])
	}

	var mw, fw []float64
	for _, m := range rd.MiddleNames {
		if !isVietWord(m.Name) {
			continue
		}
		// Văn and Thị are drawn separately (see drawName); the source
		// sample under-represents Thị, so neither comes from this table.
		if m.Name == "Văn" || m.Name == "Thị" {
			continue
		}
		if m.GenderHint != "mostly female" {
			t.maleMid = append(t.maleMid, m.Name)
			mw = append(mw, m.Share)
		}
		if m.GenderHint != "mostly male" {
			t.femMid = append(t.femMid, m.Name)
			fw = append(fw, m.Share)
		}
	}
	t.maleMidP, t.femMidP = newPicker(mw), newPicker(fw)
	var bw, gw []float64
	for _, g := range rd.GivenNames {
		if !isVietWord(g.Name) {
			continue
		}
		if g.Boy || !g.Girl {
			t.boys = append(t.boys, g.Name)
			bw = append(bw, g.Share)
		}
		if g.Girl {
			t.girls = append(t.girls, g.Name)
			gw = append(gw, g.Share)
		}
	}
	t.boysP, t.girlsP = newPicker(bw), newPicker(gw)
	for _, v := range rd.NameVariants {
		if !strings.Contains(v.AppliesTo, "surname") && !strings.Contains(v.AppliesTo, "given") &&
			!strings.Contains(v.AppliesTo, "middle") && v.AppliesTo != "any" {
			continue
		}
		if !isVietWord(v.A) || !isVietWord(v.B) || v.A == v.B {
			continue
		}
		t.variants[v.A] = append(t.variants[v.A], v.B)
		t.variants[v.B] = append(t.variants[v.B], v.A)
	}
	if len(t.surnames) == 0 || len(t.boys) == 0 || len(t.girls) == 0 || len(t.maleMid) == 0 || len(t.femMid) == 0 {
		return fmt.Errorf("refdata: empty name tables")
	}
	return nil
}

// carrierSpecs are the networks with their market shares (subscriptions,
// rounded); the three big ones hold about 95%.
var carrierSpecs = []struct {
	ref, name, file string
	share           float64
}{
	{"Viettel", "Viettel", "viettel", 54},
	{"Vinaphone", "Vinaphone", "vinaphone", 21},
	{"MobiFone", "MobiFone", "mobifone", 20},
	{"Vietnamobile", "Vietnamobile", "vietnamobile", 3},
	{"Gmobile (Gtel)", "Gmobile", "gmobile", 1},
	{"Itelecom (Indochina Telecom)", "Itelecom", "itelecom", 0.6},
	{"Reddi (Mobicast)", "Reddi", "reddi", 0.4},
}

func (t *tables) buildCarriers(rd *refdata.Tables) {
	var w []float64
	for _, c := range carrierSpecs {
		cr := carrier{Name: c.name, File: c.file, Share: c.share}
		for _, m := range rd.MobilePrefixes {
			if m.Carrier == c.ref && len(m.Prefix) == 3 {
				cr.prefixes = append(cr.prefixes, len(t.prefixes))
				t.prefixes = append(t.prefixes, mobile{prefix: m.Prefix, old: m.OldPrefix, carrier: len(t.carriers)})
			}
		}
		if len(cr.prefixes) == 0 {
			continue
		}
		t.carriers = append(t.carriers, cr)
		w = append(w, c.share)
	}
	t.carrierP = newPicker(w)
}
