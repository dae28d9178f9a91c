package survive

import (
	"bytes"
	"maps"
	"slices"
	"sync"

	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/refdata"
)

// Survivorship by evidence: a cluster's members vote on the value, each
// vote weighted by how much its spelling is to be believed, so that a
// tie between a full, correct value and a corrupted one no longer goes to
// whichever record was updated last. The rules (README, "Golden records"):
//
//   - names vote on their folded form (no diacritics, lower case): a
//     spelling with a token no name table knows (a typo), fewer tokens
//     than another member (a dropped middle name) or an initial weighs
//     less; the winning form is rendered as the best member wrote it,
//     accented over unaccented;
//   - dates: every full date a member holds is a candidate; a member with
//     the same date votes fully, a partial date (year, month) that agrees
//     or a day/month swap of it weakly, and a valid CCCD whose birth year
//     agrees adds a vote; impossible dates never reach survivorship;
//   - national IDs: a valid CCCD over a CMND over anything else, then
//     agreement with the chosen date of birth and gender, then votes.
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
}

var (
	lexOnce sync.Once
	lex     lexicon
)

func names() *lexicon {
	lexOnce.Do(func() {
		t := refdata.Get()
		lex = lexicon{known: map[string]bool{}, surname: map[string]float64{}, folded: map[string]float64{}, share: map[string]float64{}, accent: map[string]string{}}
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
			}
		}
		for _, m := range t.MiddleNames {
			add(m.Name, m.Share)
		}
		for _, g := range t.GivenNames {
			add(g.Name, g.Share)
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

// nameInfo is what the vote knows of one member's name.
type nameInfo struct {
	m        int32
	fold     []byte // into Builder.foldBuf
	tokens   int
	unknown  bool // a syllable no name table knows (spelled so, when accented)
	initial  bool // a one-letter syllable, or one ending in '.'
	noFamily bool // the first syllable is no known surname
	accented bool
	share    float64 // the summed table shares of its syllables as spelled
	// famShare is the share of its first syllable as a surname, foldShare
	// the summed shares of its folded syllables: which of two orders or
	// two regional variants the tables make likelier.
	famShare, foldShare float64
}

// chooseName picks the member whose name survives among members (two or
// more), or -1 when none has one, and returns how many members hold the
// chosen folded form.
func (g *Builder) chooseName(i int, members []int32) (int32, int) {
	c := &g.local.Fields[i]
	lx := names()
	infos := g.names[:0]
	g.foldBuf = g.foldBuf[:0]
	maxTokens := 0
	for _, m := range members {
		s := c.Text.Get(m)
		if len(s) == 0 {
			continue
		}
		in := nameInfo{m: m, accented: normalize.Flags(g.local.Flags[m])&normalize.FlagNameNoDiacritics == 0}
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
		maxTokens = max(maxTokens, in.tokens)
		infos = append(infos, in)
	}
	g.names = infos
	if len(infos) == 0 {
		return -1, 0
	}
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
	// Render the best spelling of that form: accented first, then the one
	// most members wrote, then the tables' commoner spelling, then recency.
	win := infos[best].fold
	pick, pickN := -1, 0
	for a := range infos {
		if !bytes.Equal(infos[a].fold, win) {
			continue
		}
		n := 0
		for b := range infos {
			if bytes.Equal(c.Text.Get(infos[a].m), c.Text.Get(infos[b].m)) {
				n++
			}
		}
		if pick < 0 {
			pick, pickN = a, n
			continue
		}
		x, y := &infos[a], &infos[pick]
		better := x.accented != y.accented && x.accented
		if x.accented == y.accented {
			better = n > pickN || n == pickN && g.betterSpelling(x, y)
		}
		if better {
			pick, pickN = a, n
		}
	}
	g.over[i] = g.accentFrom(c, infos, pick)
	return infos[pick].m, bestN
}

// accentFrom returns the chosen name infos[pick] with every syllable in
// the accented spelling another member wrote it with (the same folded
// syllable), or, for a syllable none did, the spelling that dominates the
// name tables; nil when the chosen name is accented already or a syllable
// has neither. Evidence for diacritics is the members' own writing, so a
// cluster of "Pham Van Duc" and "Phạm Đức" reads "Phạm Văn Đức".
func (g *Builder) accentFrom(c *Field, infos []nameInfo, pick int) []byte {
	if infos[pick].accented {
		return nil
	}
	lx := names()
	out := g.accentBuf[:0]
	var f []byte
	for k, tok := range bytes.Fields(c.Text.Get(infos[pick].m)) {
		f = normalize.AppendFold(f[:0], tok)
		var found []byte
		for a := range infos {
			if !infos[a].accented || found != nil {
				continue
			}
			for _, t := range bytes.Fields(c.Text.Get(infos[a].m)) {
				if g.tmp = normalize.AppendFold(g.tmp[:0], t); bytes.Equal(g.tmp, f) {
					found = t
					break
				}
			}
		}
		if found == nil {
			sp, ok := lx.accent[string(f)]
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

// likelierForm breaks a tie between two folded forms: the one whose first
// syllable is the commoner surname (Nguyễn Nhân over Nhân Nguyễn), then
// the one of commoner syllables (Hoàng over Huỳnh), then betterSpelling.
func (g *Builder) likelierForm(x, y *nameInfo) bool {
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
	bestOK := false
	for _, m := range members {
		s := c.Text.Get(m)
		if len(s) == 0 {
			continue
		}
		id := normalize.ParseID(s)
		class := idClass(&id)
		ok := normalize.CheckIDConsistency(id, dob, gender) == 0
		n := 0
		for _, o := range members {
			if bytes.Equal(c.Text.Get(o), s) {
				n++
			}
		}
		better := best < 0 || class > bestClass ||
			class == bestClass && (ok && !bestOK || ok == bestOK && (n > bestN || n == bestN && g.ts(m) > g.ts(best)))
		if better {
			best, bestN, bestClass, bestOK = m, n, class, ok
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
