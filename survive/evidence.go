package survive

import (
	"bytes"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/refdata"
)

// Survivorship by evidence: a cluster's members vote on the value, each
// vote weighted by how much its spelling is to be believed, so that a
// tie between a full, correct value and a corrupted one no longer goes to
// whichever record was updated last. The rules (README, "Golden records"):
//
//   - names vote on their folded form (no diacritics, lower case): a
//     syllable no name table knows (a slip) is first replaced by the known
//     syllable one edit away that another member wrote; a spelling still
//     with an unknown syllable, fewer tokens than another member (a
//     dropped middle name), an initial, or an order normalization had to
//     guess weighs less; a tie between a surname's northern and southern
//     forms goes by the province of birth in the CCCD; the winning form is
//     rendered as the best member wrote it, accented over unaccented;
//   - dates: every full date a member holds is a candidate; a member with
//     the same date votes fully (weakly when it could only be read month
//     first), a partial date (year, month) that agrees or a day/month swap
//     of it weakly, and a valid CCCD whose birth year agrees adds a vote;
//     impossible dates never reach survivorship;
//   - national IDs: a valid CCCD over a CMND over anything else, then
//     agreement with the chosen date of birth and gender, then a CCCD
//     whose province of birth registration is one a member lived in
//     (two CCCDs a digit apart), then votes.
//
// Ties still go to the most recent update, then to the smallest stable
// key, so the choice stays deterministic.

// Vote weights, in hundredths (integers keep the choice exact).
const (
	voteFull      = 100 // a member holding the value as it is
	voteWeak      = 40  // a partial date that agrees, a day/month swap
	voteIDYear    = 60  // a member's valid CCCD whose birth year agrees
	penaltyTypo   = 35  // a name token no name table knows
	penaltyShort  = 35  // fewer name tokens than another member
	penaltyAbbrev = 35  // an initial in place of a name
	penaltySingle = 50  // a one-token name
	penaltyOrder  = 20  // a name whose first syllable is no surname
	// penaltyReordered: a name normalization put back in order (given
	// name written first) is a guess at the order.
	penaltyReordered = 20
	// voteMonthFirst: a date readable only month first (12/15/2013)
	// votes for itself as a partial date would, not as a full one.
	voteMonthFirst = 40
)

// lexicon is the name tables folded: every syllable of a known surname,
// middle or given name, and the share of each accented spelling.
type lexicon struct {
	known   map[string]bool    // folded syllable
	surname map[string]float64 // folded surname: its share
	folded  map[string]float64 // folded syllable: the share of its spellings
	share   map[string]float64 // accented syllable, as the tables spell it
	// accent is the spelling of a folded syllable that holds at least
	// nine tenths of its share in the tables (van: Văn, thi: Thị); none
	// when no spelling dominates.
	accent map[string]string
	// northern maps a folded surname with a national share and regional
	// variants (hoang, vu) to its variants (huynh, vo): the surname
	// tables list the form used across the north with its national
	// share and the southern forms beside it.
	northern map[string][]string
	// mid and given: a folded syllable's share as a middle and as a given
	// name (surname holds its share as a surname).
	mid, given map[string]float64
	// accentAt is accent by place (surname, middle, given): the spelling
	// of a folded syllable that holds nine tenths of its share in that
	// place (hoang as a surname: Hoàng), in the run's canonical spelling.
	accentAt [3]map[string]string
}

var (
	lexOnce sync.Once
	lex     lexicon
)

func names() *lexicon {
	lexOnce.Do(func() {
		t := refdata.Get()
		lex = lexicon{known: map[string]bool{}, surname: map[string]float64{}, folded: map[string]float64{}, share: map[string]float64{},
			accent: map[string]string{}, northern: map[string][]string{}, mid: map[string]float64{}, given: map[string]float64{}}
		add := func(name string, share float64) {
			for _, s := range bytes.Fields([]byte(name)) {
				lex.known[string(normalize.AppendFold(nil, s))] = true
				lex.share[string(s)] += share
				// The run's canonical spelling too (tone placement, case).
				if c := normalize.NameString(string(s)); c != string(s) {
					lex.share[c] += 0
				}
			}
		}
		for _, s := range t.Surnames {
			lex.surname[normalize.FoldString(s.Name)] += s.SampleShare
			for _, v := range s.Variants {
				lex.surname[normalize.FoldString(v)] += 0
			}
			add(s.Name, s.SampleShare)
			for _, v := range s.Variants {
				add(v, 0)
				if s.NationalShare > 0 {
					f := normalize.FoldString(s.Name)
					lex.northern[f] = append(lex.northern[f], normalize.FoldString(v))
				}
			}
		}
		var at [3]map[string]float64 // by place: spelling → share
		for p := range at {
			at[p] = map[string]float64{}
		}
		for _, s := range t.Surnames {
			at[placeSurname][s.Name] += s.SampleShare
		}
		for _, m := range t.MiddleNames {
			add(m.Name, m.Share)
			lex.mid[normalize.FoldString(m.Name)] += m.Share
			at[placeMiddle][m.Name] += m.Share
		}
		for _, g := range t.GivenNames {
			add(g.Name, g.Share)
			lex.given[normalize.FoldString(g.Name)] += g.Share
			at[placeGiven][g.Name] += g.Share
		}
		for p := range at {
			lex.accentAt[p] = dominant(at[p])
		}
		for _, v := range t.NameVariants {
			add(v.A, 0)
			add(v.B, 0)
		}
		// Sums in sorted order: a float sum in map order could differ
		// between runs by a rounding and flip a tie.
		spellings := slices.Sorted(maps.Keys(lex.share))
		total := map[string]float64{}
		for _, sp := range spellings {
			total[normalize.FoldString(sp)] += lex.share[sp]
		}
		lex.folded = total
		for _, sp := range spellings {
			if f, sh := normalize.FoldString(sp), lex.share[sp]; sh > 0 && sh >= 0.9*total[f] && f != sp {
				lex.accent[f] = sp
			}
		}
	})
	return &lex
}

// Places of a syllable in a name, written surname first.
const (
	placeSurname = iota
	placeMiddle
	placeGiven
)

// placeOf is the place of syllable k of a name of n syllables.
func placeOf(k, n int) int {
	switch {
	case k == n-1:
		return placeGiven
	case k == 0:
		return placeSurname
	}
	return placeMiddle
}

// dominant maps each folded syllable of shares (spelling: share) to the
// spelling holding at least nine tenths of the folded syllable's share,
// in the run's canonical spelling (an unaccented one too: Nam).
func dominant(shares map[string]float64) map[string]string {
	total := map[string]float64{}
	spellings := slices.Sorted(maps.Keys(shares)) // float sums in a fixed order
	for _, sp := range spellings {
		total[normalize.FoldString(sp)] += shares[sp]
	}
	out := map[string]string{}
	for _, sp := range spellings {
		f := normalize.FoldString(sp)
		if sh := shares[sp]; sh > 0 && sh >= 0.9*total[f] {
			out[f] = normalize.NameString(sp)
		}
	}
	return out
}

// nameInfo is what the vote knows of one member's name.
type nameInfo struct {
	m        int32
	text     []byte // the name as the member wrote it, or as repaired
	fold     []byte // into Builder.foldBuf
	tokens   int
	unknown  bool // a syllable no name table knows (spelled so, when accented)
	initial  bool // a one-letter syllable, or one ending in '.'
	noFamily bool // the first syllable is no known surname
	accented bool
	// reordered: normalization moved the given name back to the end,
	// a guess at the order.
	reordered bool
	repaired  bool    // a slipped syllable replaced by another member's
	share     float64 // the summed table shares of its syllables as spelled
	// famShare is the share of its first syllable as a surname, foldShare
	// the summed shares of its folded syllables: which of two orders or
	// two regional variants the tables make likelier.
	famShare, foldShare float64
	// posScore is how likely the tables make the name read in order:
	// surname, middle names, given name (the sum of the logs of each
	// syllable's share in its place).
	posScore float64
}

// shareFloor stands for a syllable the tables never saw in a place (in
// percent, as the shares are).
const shareFloor = 0.001

// nameInfoOf reads name s of member m (s non-empty).
func (g *Builder) nameInfoOf(m int32, s []byte) nameInfo {
	lx := names()
	fl := normalize.Flags(g.local.Flags[m])
	in := nameInfo{m: m, text: s, accented: fl&normalize.FlagNameNoDiacritics == 0, reordered: fl&normalize.FlagNameReordered != 0}
	start := len(g.foldBuf)
	for _, tok := range bytes.Fields(s) {
		in.tokens++
		if len(tok) == 1 || tok[len(tok)-1] == '.' {
			in.initial = true
		}
		fs := len(g.foldBuf)
		if in.tokens > 1 {
			g.foldBuf = append(g.foldBuf, ' ')
			fs++
		}
		g.foldBuf = normalize.AppendFold(g.foldBuf, tok)
		if !lx.known[string(g.foldBuf[fs:])] || in.accented && !lx.hasSpelling(tok) {
			in.unknown = true
		}
		if in.tokens == 1 {
			var ok bool
			in.famShare, ok = lx.surname[string(g.foldBuf[fs:])]
			in.noFamily = !ok
		}
		in.share += lx.share[string(tok)]
		in.foldShare += lx.folded[string(g.foldBuf[fs:])]
	}
	in.fold = g.foldBuf[start:len(g.foldBuf):len(g.foldBuf)]
	k := 0
	for f := range bytes.SplitSeq(in.fold, []byte{' '}) {
		place := lx.mid
		switch {
		case k == in.tokens-1:
			place = lx.given
		case k == 0:
			place = lx.surname
		}
		in.posScore += math.Log(place[string(f)] + shareFloor)
		k++
	}
	return in
}

// tokenKnown tells whether a syllable is one the name tables know, spelled
// as they spell it when accented.
func tokenKnown(tok []byte, accented bool, f []byte) bool {
	lx := names()
	return lx.known[string(f)] && (!accented || lx.hasSpelling(tok))
}

// repairName replaces each syllable of in that no name table knows (a
// keyboard slip: Ttần, Nguyễ, Hằny) by the one known syllable, written
// alike by the member's accents, that another member holds one edit away
// (Trần, Nguyễn, Hằng); false when no syllable could be repaired. A
// syllable with no such candidate, or with two, is left as written.
func (g *Builder) repairName(in *nameInfo, infos []nameInfo) bool {
	out := g.repairBuf[len(g.repairBuf):]
	var f, cand []byte
	changed := false
	for k, tok := range bytes.Fields(in.text) {
		if k > 0 {
			out = append(out, ' ')
		}
		f = normalize.AppendFold(f[:0], tok)
		if tokenKnown(tok, in.accented, f) {
			out = append(out, tok...)
			continue
		}
		var found []byte
		ambiguous := false
		for b := range infos {
			o := &infos[b]
			if o.m == in.m || o.accented != in.accented {
				continue
			}
			for _, t := range bytes.Fields(o.text) {
				cand = normalize.AppendFold(cand[:0], t)
				if len(t) < 2 || !tokenKnown(t, o.accented, cand) || !oneEdit(f, cand) {
					continue
				}
				if found != nil && !bytes.Equal(found, t) {
					ambiguous = true
				}
				found = t
			}
		}
		if found == nil || ambiguous {
			out = append(out, tok...)
			continue
		}
		out = append(out, found...)
		changed = true
	}
	g.repairBuf = out[:len(out):len(out)]
	if changed {
		in.text = out
	}
	return changed
}

// oneEdit tells whether a and b (folded syllables) differ by exactly one
// substitution, insertion, deletion or swap of neighbours.
func oneEdit(a, b []byte) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	switch len(b) - len(a) {
	case 0:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		if i == len(a) {
			return false
		}
		if bytes.Equal(a[i+1:], b[i+1:]) {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && bytes.Equal(a[i+2:], b[i+2:])
	case 1:
		i := 0
		for i < len(a) && a[i] == b[i] {
			i++
		}
		return bytes.Equal(a[i:], b[i+1:])
	}
	return false
}

// chooseName picks the member whose name survives among members (two or
// more), or -1 when none has one, and returns how many members hold the
// chosen folded form.
func (g *Builder) chooseName(i int, members []int32) (int32, int) {
	c := &g.local.Fields[i]
	infos := g.names[:0]
	g.foldBuf = g.foldBuf[:0]
	g.repairBuf = g.repairBuf[:0]
	for _, m := range members {
		if s := c.Text.Get(m); len(s) > 0 {
			infos = append(infos, g.nameInfoOf(m, s))
		}
	}
	g.names = infos
	if len(infos) == 0 {
		return -1, 0
	}
	// Slipped syllables another member wrote right are repaired first, so
	// a full name with a slip outweighs a shorter one without.
	for a := range infos {
		if infos[a].unknown && len(infos) > 1 && g.repairName(&infos[a], infos) {
			in := g.nameInfoOf(infos[a].m, infos[a].text)
			in.repaired = true
			infos[a] = in
		}
	}
	maxTokens := 0
	for a := range infos {
		maxTokens = max(maxTokens, infos[a].tokens)
	}
	g.north = g.bornNorth(members)
	weight := func(in *nameInfo) int {
		w := voteFull
		if in.unknown {
			w -= penaltyTypo
		}
		if in.tokens < maxTokens {
			w -= penaltyShort
		}
		if in.initial {
			w -= penaltyAbbrev
		}
		if in.tokens == 1 {
			w -= penaltySingle
		}
		if in.noFamily {
			w -= penaltyOrder
		}
		if in.reordered {
			w -= penaltyReordered
		}
		return max(w, 1)
	}
	// The folded form with the most weight; a tie goes to the likelier
	// form by the name tables, then the accented, then the most recent,
	// then the first.
	best, bestW, bestN := -1, 0, 0
	for a := range infos {
		w, n := 0, 0
		for b := range infos {
			if bytes.Equal(infos[a].fold, infos[b].fold) {
				w += weight(&infos[b])
				n++
			}
		}
		if best < 0 || w > bestW || w == bestW && g.likelierForm(&infos[a], &infos[best]) {
			best, bestW, bestN = a, w, n
		}
	}
	// Render the best spelling of that form: accented first, then as a
	// member wrote it (not repaired), then the one most members wrote, then the tables' commoner spelling, then recency.
	win := infos[best].fold
	pick, pickN := -1, 0
	for a := range infos {
		if !bytes.Equal(infos[a].fold, win) {
			continue
		}
		n := 0
		for b := range infos {
			if bytes.Equal(infos[a].text, infos[b].text) {
				n++
			}
		}
		if pick < 0 {
			pick, pickN = a, n
			continue
		}
		x, y := &infos[a], &infos[pick]
		better := x.accented != y.accented && x.accented
		switch {
		case x.accented != y.accented:
		case x.repaired != y.repaired:
			better = !x.repaired // a member that wrote it so
		default:
			better = n > pickN || n == pickN && g.betterSpelling(x, y)
		}
		if better {
			pick, pickN = a, n
		}
	}
	g.over[i] = g.accentFrom(infos, pick)
	if g.over[i] == nil && infos[pick].repaired {
		g.over[i] = bytes.Clone(infos[pick].text) // rare; repairBuf is reused
	}
	return infos[pick].m, bestN
}

// accentFrom returns the chosen name infos[pick] with every syllable in
// the accented spelling another member wrote it with (the same folded
// syllable), or, for a syllable none did, the spelling that dominates the
// name tables; nil when the chosen name is accented already or a syllable
// has neither. Evidence for diacritics is the members' own writing, so a
// cluster of "Pham Van Duc" and "Phạm Đức" reads "Phạm Văn Đức".
func (g *Builder) accentFrom(infos []nameInfo, pick int) []byte {
	if infos[pick].accented {
		return nil
	}
	lx := names()
	out := g.accentBuf[:0]
	var f []byte
	for k, tok := range bytes.Fields(infos[pick].text) {
		f = normalize.AppendFold(f[:0], tok)
		var found []byte
		for a := range infos {
			if !infos[a].accented || found != nil {
				continue
			}
			for _, t := range bytes.Fields(infos[a].text) {
				if g.tmp = normalize.AppendFold(g.tmp[:0], t); bytes.Equal(g.tmp, f) {
					found = t
					break
				}
			}
		}
		if found == nil {
			// The spelling the tables make dominant in its place, then
			// across the tables.
			sp, ok := lx.accentAt[placeOf(k, infos[pick].tokens)][string(f)]
			if !ok {
				sp, ok = lx.accent[string(f)]
			}
			if !ok {
				return nil
			}
			found = []byte(sp)
		}
		if k > 0 {
			out = append(out, ' ')
		}
		out = append(out, found...)
	}
	g.accentBuf = out
	return out
}

// likelierForm breaks a tie between two folded forms: for a person born
// in the north, the northern form of a surname over its southern variant
// (Hoàng over Huỳnh, Vũ over Võ); then the one the tables make likelier
// read as surname, middle names, given name (Nguyễn Nhân over Nhân
// Nguyễn, Đặng Văn Nguyên over Nguyên Đặng Văn, Hoàng as a middle name
// over Huỳnh); then the commoner surname, then the one of commoner
// syllables, then betterSpelling.
func (g *Builder) likelierForm(x, y *nameInfo) bool {
	if g.north {
		if nx, ny := northernOver(x.fold, y.fold), northernOver(y.fold, x.fold); nx != ny {
			return nx
		}
	}
	if x.posScore != y.posScore {
		return x.posScore > y.posScore
	}
	if x.famShare != y.famShare {
		return x.famShare > y.famShare
	}
	if x.foldShare != y.foldShare {
		return x.foldShare > y.foldShare
	}
	return g.betterSpelling(x, y)
}

// betterSpelling breaks a tie between two names: accented, then the more
// common spelling in the name tables, then the more recent record (the
// earlier in stable key order wins a full tie, by the callers' order).
func (g *Builder) betterSpelling(x, y *nameInfo) bool {
	if x.accented != y.accented {
		return x.accented
	}
	if x.share != y.share {
		return x.share > y.share
	}
	return g.ts(x.m) > g.ts(y.m)
}

// northernOver tells whether folded name a starts with the northern form
// of a surname whose southern variant b starts with, the rest alike.
func northernOver(a, b []byte) bool {
	fa, ra, _ := bytes.Cut(a, []byte{' '})
	fb, rb, _ := bytes.Cut(b, []byte{' '})
	if !bytes.Equal(ra, rb) {
		return false
	}
	for _, v := range names().northern[string(fa)] {
		if v == string(fb) {
			return true
		}
	}
	return false
}

// bornNorth tells whether the cluster's person was born in the north (a
// province before Thanh Hóa, code 38): the province of birth registration
// is the first three digits of a CCCD, read from the first member holding
// a valid one; false when none does. Surnames lean by region: Hoàng and Vũ
// across the north, Huỳnh and Võ (their forms under the southern naming
// taboo) from the centre down, where the tables' shares already favour
// them.
func (g *Builder) bornNorth(members []int32) bool {
	if g.idField < 0 {
		return false
	}
	for _, m := range members {
		if g.local.IDKey[m] == 0 {
			continue
		}
		id := normalize.ParseID(g.local.Fields[g.idField].Text.Get(m))
		return id.Kind == normalize.IDCCCD && id.Province < northBorder
	}
	return false
}

// northBorder is the GSO code of Thanh Hóa, the first province of the
// north central coast.
const northBorder = 38

// chooseDate picks the member whose date survives among members (two or
// more), or -1, and returns how many members hold that exact date.
func (g *Builder) chooseDate(i int, members []int32) (int32, int) {
	c := &g.local.Fields[i]
	idField := g.idField
	best, bestScore, bestN := int32(-1), 0, 0
	bestPrec := normalize.PrecisionNone
	for _, m := range members {
		v := c.Ints[m]
		if v == 0 {
			continue
		}
		d := normalize.DateFromPacked(v)
		score, n := 0, 0
		for _, o := range members {
			w := c.Ints[o]
			if w == 0 {
				continue
			}
			if w == v {
				score += voteFull
				if normalize.Flags(g.local.Flags[o])&normalize.FlagDOBMonthFirst != 0 {
					score += voteMonthFirst - voteFull
				}
				n++
				continue
			}
			e := normalize.DateFromPacked(w)
			switch {
			case e.Precision < d.Precision && e.Year == d.Year && (e.Precision < normalize.PrecisionMonth || e.Month == d.Month):
				score += voteWeak // a partial date that agrees
			case e.Precision == normalize.PrecisionDay && d.Precision == normalize.PrecisionDay &&
				e.Year == d.Year && e.Month == d.Day && e.Day == d.Month:
				score += voteWeak // a day/month swap
			}
		}
		if idField >= 0 {
			ids := &g.local.Fields[idField]
			for _, o := range members {
				if g.local.IDKey[o] == 0 {
					continue
				}
				id := normalize.ParseID(ids.Text.Get(o))
				if id.Kind == normalize.IDCCCD && int(id.BirthYear) == int(d.Year) {
					score += voteIDYear
				}
			}
		}
		// A fuller date beats any partial one; then the score, then
		// recency, then the first member.
		better := best < 0 || d.Precision > bestPrec ||
			d.Precision == bestPrec && (score > bestScore || score == bestScore && g.ts(m) > g.ts(best))
		if better {
			best, bestScore, bestN, bestPrec = m, score, n, d.Precision
		}
	}
	return best, bestN
}

// livedIn tells whether a member's address lies in the pre-2025 province
// with code p (a CCCD's province of birth registration), in the old units
// or, for an address written in the 2025 units, in the province p merged
// into.
func (g *Builder) livedIn(p int32, members []int32) bool {
	p2025 := province2025(p)
	for i := range g.local.Fields {
		f := &g.local.Fields[i]
		if f.Kind != config.KindVNAddress {
			continue
		}
		for _, m := range members {
			if old := at(f.ProvinceOld, m); old != 0 {
				if old == p {
					return true
				}
			} else if f.Province[m] != 0 && f.Province[m] == p2025 {
				return true
			}
		}
	}
	return false
}

// province2025 is the 2025 province a pre-2025 province merged into, 0
// when the code is none.
func province2025(old int32) int32 {
	m := oldToNew()
	if old < 0 || int(old) >= len(m) {
		return 0
	}
	return m[old]
}

var oldToNew = sync.OnceValue(func() []int32 {
	var m []int32
	for _, p := range refdata.Get().ProvincesOld {
		o, err1 := strconv.Atoi(p.Code)
		n, err2 := strconv.Atoi(p.NewCode)
		if err1 != nil || err2 != nil || o < 0 {
			continue
		}
		if o >= len(m) {
			m = append(m, make([]int32, o+1-len(m))...)
		}
		m[o] = int32(n)
	}
	return m
})

// idClass ranks an ID number: a valid CCCD, a CMND, anything else.
func idClass(id *normalize.ID) int {
	switch id.Kind {
	case normalize.IDCCCD:
		return 3
	case normalize.IDCMND:
		return 2
	}
	return 1
}

// chooseID picks the member whose national ID survives among members (two
// or more), or -1, given the golden date of birth and gender, and returns
// how many members hold that number.
func (g *Builder) chooseID(i int, members []int32, dob normalize.Date, gender normalize.Gender) (int32, int) {
	c := &g.local.Fields[i]
	best, bestN, bestClass := int32(-1), 0, 0
	bestOK, bestHome := false, false
	for _, m := range members {
		s := c.Text.Get(m)
		if len(s) == 0 {
			continue
		}
		id := normalize.ParseID(s)
		class := idClass(&id)
		ok := normalize.CheckIDConsistency(id, dob, gender) == 0
		home := id.Kind == normalize.IDCCCD && g.livedIn(int32(id.Province), members)
		n := 0
		for _, o := range members {
			if bytes.Equal(c.Text.Get(o), s) {
				n++
			}
		}
		better := best < 0 || class > bestClass ||
			class == bestClass && (ok && !bestOK || ok == bestOK && (home && !bestHome || home == bestHome &&
				(n > bestN || n == bestN && g.ts(m) > g.ts(best))))
		if better {
			best, bestN, bestClass, bestOK, bestHome = m, n, class, ok, home
		}
	}
	return best, bestN
}

// hasSpelling tells whether an accented syllable is spelled as in the
// name tables or as the run's normalizer spells a table's syllable.
func (lx *lexicon) hasSpelling(tok []byte) bool {
	_, ok := lx.share[string(tok)]
	return ok
}
