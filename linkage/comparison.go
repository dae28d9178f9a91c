package linkage

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/dedup-vn/dedup/internal/prefetch"
)

// Kind is what a comparison compares, and so which levels it has.
type Kind uint8

// Comparison kinds; their String forms are the config's kind names.
const (
	KindName       Kind = iota + 1 // person_name: see CompareName
	KindDate                       // date: see CompareDate
	KindID                         // national_id: see CompareID
	KindPhone                      // phone: see ComparePhones
	KindAddress                    // vn_address: see CompareAddress
	KindText                       // text: exact, Jaro-Winkler bands, else
	KindExact                      // exact: equal or not
	KindIDProvince                 // id_province: see CompareIDProvince
)

var kindNames = [...]string{
	KindName: "person_name", KindDate: "date", KindID: "national_id", KindPhone: "phone",
	KindAddress: "vn_address", KindText: "text", KindExact: "exact",
	KindIDProvince: "id_province",
}

// String returns the config name of k.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// ParseKind returns the kind named s (person_name, date, national_id,
// phone, vn_address, text, exact).
func ParseKind(s string) (Kind, error) {
	for k, n := range kindNames {
		if n != "" && n == s {
			return Kind(k), nil
		}
	}
	return 0, fmt.Errorf("linkage: unknown comparison kind %q", s)
}

// Role is one input a kind reads from the columnar store.
type Role struct {
	Name     string
	Int      bool // an int32 column (dates, admin codes); otherwise a string column
	Optional bool
}

// Roles lists the inputs of a kind in the order of [Comparison.Inputs].
// KindExact reads a string column or, when no string column has the name,
// an int32 column (0 = null).
func (k Kind) Roles() []Role {
	switch k {
	case KindName:
		return []Role{{Name: "canonical", Optional: true}, {Name: "folded"}, {Name: "variant_key", Optional: true}}
	case KindDate:
		return []Role{{Name: "date", Int: true}}
	case KindID:
		return []Role{{Name: "digits"}}
	case KindPhone:
		return []Role{{Name: "phones"}}
	case KindAddress:
		return []Role{{Name: "ward_2025", Int: true, Optional: true}, {Name: "district_old", Int: true, Optional: true}, {Name: "province_2025", Int: true, Optional: true}}
	case KindText, KindExact:
		return []Role{{Name: "value"}}
	case KindIDProvince:
		// The ID field's group has digits, each address field's group
		// the provinces.
		return []Role{{Name: "digits", Optional: true}, {Name: "province_old", Int: true, Optional: true}, {Name: "province_2025", Int: true, Optional: true}}
	}
	return nil
}

// Comparison specifies one comparison; the config maps its YAML onto it.
type Comparison struct {
	// Name prefixes the output columns (<name>_level, <name>_sim).
	Name string
	Kind Kind
	// Inputs holds one group of column names per field compared, each in
	// the order of Kind.Roles() ("" for an absent optional role). With
	// several groups (a permanent and a current address) every group of one
	// record is compared with every group of the other and the strongest
	// level wins.
	Inputs [][]string
	// Bands are the Jaro-Winkler thresholds of KindName and KindText,
	// strictly descending in (0, 1]; nil means DefaultBands.
	Bands []float64
	// TermFrequency turns on the term-frequency adjustment of the exact
	// levels (KindName, KindText, KindExact).
	TermFrequency bool
}

// Compiled is a validated list of comparisons with their levels.
type Compiled struct {
	specs []Comparison
	info  []levelInfo
}

type levelInfo struct {
	labels []string // by level, 0 first
	tfMin  int8     // lowest level the tf adjustment applies to; > max level when none
}

// Compile validates specs and derives their levels. Errors name the
// comparison by index and name.
func Compile(specs []Comparison) (*Compiled, error) {
	c := &Compiled{}
	var errs []error
	seen := map[string]bool{}
	for i, s := range specs {
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("linkage: comparisons[%d] (%s): %s", i, s.Name, fmt.Sprintf(format, args...)))
		}
		if s.Name == "" {
			bad("no name")
		}
		if seen[s.Name] {
			bad("duplicate name")
		}
		seen[s.Name] = true
		roles := s.Kind.Roles()
		if roles == nil {
			bad("unknown kind %d", s.Kind)
			continue
		}
		if len(s.Inputs) == 0 {
			bad("no inputs")
		}
		for g, in := range s.Inputs {
			if len(in) != len(roles) {
				bad("inputs[%d] has %d columns; kind %s wants %d (%s)", g, len(in), s.Kind, len(roles), roleNames(roles))
				continue
			}
			any := false
			for r, col := range in {
				if col == "" && !roles[r].Optional {
					bad("inputs[%d]: no column for %s", g, roles[r].Name)
				}
				any = any || col != ""
			}
			if !any {
				bad("inputs[%d]: no columns", g)
			}
		}
		s.Bands = slices.Clone(s.Bands)
		if s.Kind == KindName || s.Kind == KindText {
			if s.Bands == nil {
				s.Bands = slices.Clone(DefaultBands)
			}
			if len(s.Bands) > 8 {
				bad("more than 8 Jaro-Winkler bands")
			}
			for k, t := range s.Bands {
				if !(t > 0 && t <= 1) || k > 0 && t >= s.Bands[k-1] {
					bad("bands must be strictly descending in (0, 1]")
					break
				}
			}
		} else if len(s.Bands) > 0 {
			bad("bands only apply to kinds person_name and text")
		}
		if s.TermFrequency && s.Kind != KindName && s.Kind != KindText && s.Kind != KindExact {
			bad("term frequency applies to kinds person_name, text and exact")
		}
		c.specs = append(c.specs, s)
		c.info = append(c.info, levelsOf(s))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

func roleNames(roles []Role) string {
	n := make([]string, len(roles))
	for i, r := range roles {
		n[i] = r.Name
	}
	return strings.Join(n, ", ")
}

func bandLabels(labels []string, bands []float64) []string {
	for k := len(bands) - 1; k >= 0; k-- {
		labels = append(labels, fmt.Sprintf("jw>=%g", bands[k]))
	}
	return labels
}

func levelsOf(s Comparison) levelInfo {
	li := levelInfo{tfMin: 127}
	switch s.Kind {
	case KindName:
		li.labels = bandLabels([]string{"else"}, s.Bands)
		li.labels = append(li.labels, "middle_name", "token_set", "variant_key", "exact_folded", "exact_canonical")
		if s.TermFrequency {
			li.tfMin = int8(len(s.Bands)) + nameFolded
		}
	case KindDate:
		li.labels = []string{"else", "year", "year_month", "one_digit", "day_month_swap", "exact"}
	case KindID:
		li.labels = []string{"else", "cross_differs", "cross_agrees", "one_digit", "exact"}
	case KindPhone:
		li.labels = []string{"else", "exact"}
	case KindAddress:
		li.labels = []string{"else", "province_2025", "district_old", "ward_2025"}
	case KindIDProvince:
		li.labels = []string{"else", "province_2025", "province_old"}
	case KindText:
		li.labels = append(bandLabels([]string{"else"}, s.Bands), "exact")
		if s.TermFrequency {
			li.tfMin = int8(len(s.Bands)) + 1
		}
	case KindExact:
		li.labels = []string{"else", "exact"}
		if s.TermFrequency {
			li.tfMin = 1
		}
	}
	return li
}

// Len returns the number of comparisons, the length of a comparison vector.
func (c *Compiled) Len() int { return len(c.specs) }

// Spec returns comparison k with its defaults filled in.
func (c *Compiled) Spec(k int) Comparison { return c.specs[k] }

// Labels returns the labels of comparison k's levels, level 0 first.
func (c *Compiled) Labels(k int) []string { return c.info[k].labels }

// Levels returns the number of non-null levels of comparison k.
func (c *Compiled) Levels(k int) int { return len(c.info[k].labels) }

// TFLevel reports whether level l of comparison k gets the term-frequency
// adjustment.
func (c *Compiled) TFLevel(k int, l int8) bool { return l >= c.info[k].tfMin }

// StringColumn is a string column in the Arrow layout: value i is
// Data[Offsets[i]:Offsets[i+1]]; an empty value is null.
type StringColumn struct {
	Data    []byte
	Offsets []uint32
}

// Rows returns the number of values.
func (s StringColumn) Rows() int { return max(len(s.Offsets)-1, 0) }

// Value returns value i.
func (s StringColumn) Value(i int32) []byte { return s.Data[s.Offsets[i]:s.Offsets[i+1]] }

// Columns is the columnar store a Comparer reads, by column name.
type Columns struct {
	Rows    int
	Strings map[string]StringColumn
	Ints    map[string][]int32
	// Freqs holds, per comparison name, the value frequencies used by the
	// term-frequency adjustment (see NewFreqTable); a TF comparison without
	// a table reports no frequency and is scored without adjustment.
	Freqs map[string]*FreqTable
}

// Comparer computes comparison vectors over bound columns. It holds
// scratch buffers: use one per worker (see Clone).
type Comparer struct {
	c     *Compiled
	comps []boundComparison
	names NameScratch
	// The distinct columns Compare reads, for Prefetch.
	pfStrs []StringColumn
	pfInts [][]int32
}

type boundComparison struct {
	kind   Kind
	bands  []float64
	groups []boundGroup
	freq   *FreqTable
	tfMin  int8
}

// boundGroup holds the columns of one input group by role index.
type boundGroup struct {
	str  [3]StringColumn
	ints [3][]int32
}

// Bind checks that every input column exists with Rows values and returns
// a Comparer over them.
func (c *Compiled) Bind(cols Columns) (*Comparer, error) {
	cm := &Comparer{c: c}
	var errs []error
	for k, s := range c.specs {
		roles := s.Kind.Roles()
		bc := boundComparison{kind: s.Kind, bands: s.Bands, tfMin: c.info[k].tfMin}
		if s.TermFrequency {
			bc.freq = cols.Freqs[s.Name]
		}
		for _, in := range s.Inputs {
			var g boundGroup
			for r, name := range in {
				if name == "" {
					continue
				}
				sc, isStr := cols.Strings[name]
				ic, isInt := cols.Ints[name]
				switch {
				case isStr && (!roles[r].Int || s.Kind == KindExact) && sc.Rows() == cols.Rows:
					g.str[r] = sc
				case isInt && (roles[r].Int || s.Kind == KindExact) && len(ic) == cols.Rows:
					g.ints[r] = ic
				case isStr || isInt:
					errs = append(errs, fmt.Errorf("linkage: comparison %s: column %s has the wrong type or row count for %s", s.Name, name, roles[r].Name))
				default:
					errs = append(errs, fmt.Errorf("linkage: comparison %s: no column %s", s.Name, name))
				}
			}
			bc.groups = append(bc.groups, g)
		}
		cm.comps = append(cm.comps, bc)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	cm.pfStrs, cm.pfInts = distinctColumns(cm.comps)
	return cm, nil
}

// distinctColumns lists each column the comparisons read once (a column
// shared by two comparisons, or by two roles, is prefetched once).
func distinctColumns(comps []boundComparison) ([]StringColumn, [][]int32) {
	var strs []StringColumn
	var ints [][]int32
	seenStr := map[*uint32]bool{}
	seenInt := map[*int32]bool{}
	for k := range comps {
		for _, g := range comps[k].groups {
			for _, c := range g.str {
				if p := unsafe.SliceData(c.Offsets); p != nil && !seenStr[p] {
					seenStr[p] = true
					strs = append(strs, c)
				}
			}
			for _, c := range g.ints {
				if p := unsafe.SliceData(c); p != nil && !seenInt[p] {
					seenInt[p] = true
					ints = append(ints, c)
				}
			}
		}
	}
	return strs, ints
}

// PrefetchDistance is how many pairs ahead a loop over pairs of random rows
// calls PrefetchValues, and twice that, Prefetch: far enough for a cache
// miss to complete during the comparisons in between, near enough that the
// lines are still cached when Compare reads them. Measured on 10.8M
// records, pairs from blocking: 8 halved the time of a Jaro-Winkler loop;
// 4 and 16 did about as well.
const PrefetchDistance = 8

// Prefetch starts loading into the cache what Compare reads of row i that
// needs no other load to find: the string columns' offsets and the integer
// columns' values. PrefetchValues, called for the same row some time later,
// starts loading the string bytes those offsets point to. Both are hints:
// they change no result, and i out of range is ignored.
func (cm *Comparer) Prefetch(i int32) {
	for k := range cm.pfStrs {
		prefetch.Uint32(cm.pfStrs[k].Offsets, int(i))
	}
	for _, c := range cm.pfInts {
		prefetch.Int32(c, int(i))
	}
}

// PrefetchValues starts loading row i's string values (see Prefetch).
func (cm *Comparer) PrefetchValues(i int32) {
	for k := range cm.pfStrs {
		c := &cm.pfStrs[k]
		if uint(i) < uint(len(c.Offsets)) {
			prefetch.Byte(c.Data, int(c.Offsets[i]))
		}
	}
}

// Clone returns a Comparer over the same columns with its own scratch, for
// another worker.
func (cm *Comparer) Clone() *Comparer {
	return &Comparer{c: cm.c, comps: cm.comps, pfStrs: cm.pfStrs, pfInts: cm.pfInts}
}

// Compiled returns the comparisons cm computes.
func (cm *Comparer) Compiled() *Compiled { return cm.c }

// Compare writes the comparison vector of rows i and j: levels[k] and
// sims[k] for comparison k, and when tf is not nil tf[k], the frequency of
// the agreed value when level k gets the term-frequency adjustment, 0
// otherwise. levels and sims must have Len() elements. It does not
// allocate.
func (cm *Comparer) Compare(i, j int32, levels []int8, sims []float32, tf []float32) {
	comps := cm.comps
	levels = levels[:len(comps)]
	sims = sims[:len(comps)]
	if tf != nil {
		tf = tf[:len(comps)]
	}
	for k := range comps {
		bc := &comps[k]
		var best int8
		var bestSim float32
		bestGroup := 0
		// Most comparisons read one input group: compare it directly rather
		// than through the all-pairs loop of multi-group comparisons.
		if bc.kind == KindIDProvince {
			best, bestSim = compareIDProvince(bc.groups, i, j)
		} else if len(bc.groups) == 1 {
			g := &bc.groups[0]
			best, bestSim = cm.compareGroups(bc, g, g, i, j)
		} else if bc.kind == KindAddress && len(bc.groups) <= maxAddressGroups {
			// Read each side's codes once, not once per pair of groups.
			var ca, cb [maxAddressGroups]AddressCodes
			for g := range bc.groups {
				ca[g] = addressOf(&bc.groups[g], i)
				cb[g] = addressOf(&bc.groups[g], j)
			}
			best = Null
			for ga := range bc.groups {
				for gb := range bc.groups {
					l, s := CompareAddress(ca[ga], cb[gb])
					if l > best || l == best && s > bestSim {
						best, bestSim, bestGroup = l, s, ga
					}
				}
			}
		} else {
			best = Null
			for ga := range bc.groups {
				for gb := range bc.groups {
					l, s := cm.compareGroups(bc, &bc.groups[ga], &bc.groups[gb], i, j)
					if l > best || l == best && s > bestSim {
						best, bestSim, bestGroup = l, s, ga
					}
				}
			}
		}
		levels[k], sims[k] = best, bestSim
		if tf != nil {
			tf[k] = 0
			if bc.freq != nil && best >= bc.tfMin {
				tf[k] = float32(bc.freq.Freq(valueHash(bc, &bc.groups[bestGroup], i)))
			}
		}
	}
}

// compareIDProvince is CompareIDProvince over the columns: groups[0]
// holds the ID digits, the others an address's provinces each.
func compareIDProvince(groups []boundGroup, i, j int32) (int8, float32) {
	if len(groups) < 2 {
		return Null, 0
	}
	a, b := strOf(&groups[0].str[0], i), strOf(&groups[0].str[0], j)
	other := j
	switch {
	case len(a) == 12 && len(b) == 0:
	case len(a) == 0 && len(b) == 12:
		a, other = b, i
	default:
		return Null, 0
	}
	var prov [maxAddressGroups][2]int32
	n := 0
	for g := 1; g < len(groups) && n < maxAddressGroups; g++ {
		prov[n] = [2]int32{intOf(groups[g].ints[1], other), intOf(groups[g].ints[2], other)}
		n++
	}
	return CompareIDProvince(a, prov[:n])
}

// valueHash hashes the value of row i that the term-frequency table counts:
// the folded form for names, the value otherwise.
func valueHash(bc *boundComparison, g *boundGroup, i int32) uint64 {
	switch bc.kind {
	case KindName:
		return HashValue(g.str[1].Value(i))
	case KindExact:
		if g.ints[0] != nil {
			return HashInt(g.ints[0][i])
		}
	}
	return HashValue(g.str[0].Value(i))
}

// strOf is c.Value(i), nil for an absent column. Its one bounds check on
// Offsets covers both offsets (StringColumn.Value checks each).
func strOf(c *StringColumn, i int32) []byte {
	if c.Offsets == nil {
		return nil
	}
	o := c.Offsets[i : int(i)+2 : int(i)+2]
	return c.Data[o[0]:o[1]]
}

func intOf(c []int32, i int32) int32 {
	if c == nil {
		return 0
	}
	return c[i]
}

// maxAddressGroups bounds the address groups Compare reads up front.
const maxAddressGroups = 4

func addressOf(g *boundGroup, i int32) AddressCodes {
	return AddressCodes{intOf(g.ints[0], i), intOf(g.ints[1], i), intOf(g.ints[2], i)}
}

func (cm *Comparer) compareGroups(bc *boundComparison, a, b *boundGroup, i, j int32) (int8, float32) {
	switch bc.kind {
	case KindName:
		return cm.compareName(bc, a, b, i, j)
	case KindDate:
		return CompareDate(intOf(a.ints[0], i), intOf(b.ints[0], j))
	case KindID:
		return CompareID(strOf(&a.str[0], i), strOf(&b.str[0], j))
	case KindPhone:
		return ComparePhones(strOf(&a.str[0], i), strOf(&b.str[0], j))
	case KindAddress:
		return CompareAddress(addressOf(a, i), addressOf(b, j))
	case KindText:
		return CompareString(strOf(&a.str[0], i), strOf(&b.str[0], j), bc.bands)
	case KindExact:
		if a.ints[0] != nil {
			return CompareExactInt(intOf(a.ints[0], i), intOf(b.ints[0], j))
		}
		return CompareExact(strOf(&a.str[0], i), strOf(&b.str[0], j))
	}
	return Null, 0
}

// compareName is CompareName over the columns, reading each form only when
// the levels above did not decide: passing all six forms cost a tenth of a
// comparison vector in column reads, and a pair with equal canonical names
// (most true matches) needs neither key.
func (cm *Comparer) compareName(bc *boundComparison, a, b *boundGroup, i, j int32) (int8, float32) {
	fa, fb := strOf(&a.str[1], i), strOf(&b.str[1], j)
	if len(fa) == 0 || len(fb) == 0 {
		return Null, 0
	}
	n := int8(len(bc.bands))
	if ca := strOf(&a.str[0], i); len(ca) > 0 && string(ca) == string(strOf(&b.str[0], j)) {
		return n + nameCanonical, 1
	}
	if string(fa) == string(fb) {
		return n + nameFolded, 1
	}
	ka := strOf(&a.str[2], i)
	keyEqual := len(ka) > 0 && string(ka) == string(strOf(&b.str[2], j))
	return compareNameFuzzy(&cm.names, fa, fb, keyEqual, bc.bands)
}
