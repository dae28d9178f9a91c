package verify

import (
	"bytes"
	"cmp"
	"slices"
	"sync"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/refdata"
)

// Verdicts.
const (
	VerdictMatch          = "match"
	VerdictMismatch       = "mismatch"
	VerdictOtherPerson    = "other_person"
	VerdictIDNotFound     = "id_not_found"
	VerdictIDInvalid      = "id_invalid"
	VerdictPhoneOtherName = "phone_other_name"
	VerdictUnusable       = "unusable"
)

// Reasons of unusable and id_invalid verdicts.
const (
	ReasonNoIDNoName    = "no_id_no_name"
	ReasonDOBUnreadable = "dob_unreadable"
	ReasonMSISDNMissing = "msisdn_missing"
	ReasonMSISDNInvalid = "msisdn_invalid"
	ReasonIDMissing     = "id_missing"
	ReasonIDInvalid     = "id_invalid_structure"
	ReasonIDDOBMismatch = "id_dob_mismatch"
	ReasonSubIDMissing  = "subscription_id_missing"
	// ReasonSubIDDuplicate rejects a row whose carrier and subscription id
	// an earlier row has (in file order over all lists): only the first is
	// verified and counted towards the SIM limits.
	ReasonSubIDDuplicate = "subscription_id_duplicate"
	ReasonNotASubscriber = "no_subscription_columns"
)

// SubInput is one subscription's identity fields as written by the carrier.
type SubInput struct {
	Name, DOB, ID, MSISDN []byte
	// Address is the registered address (optional). Its province is
	// evidence for a citizen whose register records lack the ID: see
	// structureAgrees.
	Address []byte
	// Support says which of the subscription's fields other
	// subscriptions on its ID give alike (SupportDOB, SupportName).
	Support uint8
	// AltDOB is a full date of birth (packed) another subscription on
	// the ID gives with the name spelt alike, when it is not this one's;
	// 0 for none (see siblingCitizen).
	AltDOB int32
}

// Result is the verdict on one subscription with its evidence. Row numbers
// are register rows (-1 = none); levels are the linkage kernels' levels
// against the row the verdict names (matched, else ID holder, else phone
// owner), -1 = null.
type Result struct {
	Verdict     string
	Fields      string // mismatch fields: "name", "dob" or "name;dob"
	Differences []byte // field:how list, ';'-separated (see the package doc)
	Reason      string // why unusable or id_invalid
	// Partial is set on a match whose date of birth the register confirms
	// only in part (a year-only or impossible register date, none at all,
	// or a year-only subscription date): verdict_code match:dob_partial.
	Partial    bool
	Matched    int32 // the citizen the subscription belongs to
	Holder     int32 // the citizen holding the subscription's ID, when not Matched
	PhoneOwner int32 // the citizen whose register phone is the msisdn, under another name
	Tie        bool  // several different citizens fit equally: none is chosen
	Candidates int32 // how many different citizens fit
	NameLevel  int8
	DOBLevel   int8
	IDLevel    int8
	PhoneLevel int8
	NameSim    float32
	IDKey      uint64 // the subscription's packed ID (0 if none), for the SIM counts
	// Evidence says what decided (Evidence* constants; "" for id_invalid,
	// id_not_found and unusable).
	Evidence string
	// Inconsistent is set when the register contradicts itself for the
	// person on a field the verdict turns on: their records disagree on
	// a mismatched field, or other subscriptions on the ID side with
	// this one against the record (a register_slip match).
	Inconsistent bool
}

// Evidence that decided a verdict.
const (
	EvidenceRecord        = "record"        // one register record of the ID agrees (or disagrees, for a mismatch)
	EvidenceGolden        = "golden"        // the person's golden record (a golden register)
	EvidenceRecords       = "records"       // name and date agree on different records of the person
	EvidenceSubscriptions = "subscriptions" // other subscriptions on the ID agree with this one against the record's slip
	EvidenceIDHolder      = "id_holder"     // the ID's holder differs in name and date, or the name and date are another's
	EvidenceNameDOB       = "name_dob"      // the citizen with this name and date of birth holds another ID
	EvidencePhone         = "phone"         // the register holds the msisdn on the citizen's record
	EvidenceIDSlip        = "id_slip"       // the citizen's record holds the ID with a one-digit slip
	EvidenceIDDigits      = "id_digits"     // what the ID's digits encode (province, gender, year) agrees with the record
	EvidenceCCCDYear      = "cccd_year"     // the citizen of the CCCD's birth year with this name: the date is the slip
)

// Support bits of a subscription (SubInput.Support): other subscriptions
// on its ID give the same date of birth, the same name.
const (
	SupportDOB uint8 = 1 << iota
	SupportName
)

// Checker decides verdicts against a Register. It holds per-worker scratch
// and is not safe for concurrent use: one per worker.
type Checker struct {
	reg     *Register
	refYear int
	norm    *normalize.Normalizer
	ns      linkage.NameScratch
	bands   []float64

	// the subscription being checked
	id                    normalize.ID
	idKey                 uint64
	canon, folded, varKey []byte
	fam, given            []byte
	dob                   int32
	phoneKey              uint64
	support               uint8
	altDOB                int32 // another subscription's date for the name (SubInput.AltDOB)
	dobImpossible         bool  // the date of birth has all its parts but is no date (31/04)
	addr                  []byte
	addrOld, addrNew      int16 // provinces of addr (old GSO code, 2025 code); -1: not parsed yet
	ap                    *normalize.AddressParser

	sorted, sortedReg []byte   // folded names with their tokens sorted
	dotA, dotB        []byte   // scratch of typo
	written           []byte   // the name folded in the order written
	tokens            [][]byte // scratch of appendSortedTokens

	cand   []int32
	rest   []int32
	prows  []blocking.Entry // scratch of personRows
	backed []int32
	group  []uint64
	dist   [3][96]int32
	idbuf  [2][12]byte
}

// NewChecker returns a Checker on reg; refYear resolves two-digit years.
func NewChecker(reg *Register, refYear int) *Checker {
	return &Checker{reg: reg, refYear: refYear, norm: normalize.New(normalize.Options{RefYear: refYear}), bands: linkage.DefaultBands}
}

// name classes, weakest first.
const (
	nameDifferent = iota
	nameNull
	nameMinor // a small typo: see maxEdits
	nameSame  // equal after normalization
)

// compareName compares the subscription's name with register row i.
func (c *Checker) compareName(i int32) (cls int, level int8, sim float32, how string) {
	r := c.reg
	return c.compareNameForms(r.canon.Get(i), r.folded.Get(i), r.variant.Get(i))
}

// compareNameForms compares the subscription's name with a register
// name given by its canonical, folded and variant-key forms.
func (c *Checker) compareNameForms(canon, folded, variant []byte) (cls int, level int8, sim float32, how string) {
	level, sim = linkage.CompareName(&c.ns, linkage.NameForms{Canonical: c.canon, Folded: c.folded, Key: c.varKey},
		linkage.NameForms{Canonical: canon, Folded: folded, Key: variant}, c.bands)
	n := int8(len(c.bands))
	switch {
	case level < 0:
		if len(c.folded) == 0 {
			return nameNull, level, sim, "name:missing"
		}
		return nameNull, level, sim, "name:register_missing"
	case level == n+5:
		return nameSame, level, sim, ""
	case level == n+4:
		return nameSame, level, sim, "name:diacritics"
	case level == n+3:
		return nameSame, level, sim, "name:regional_variant"
	case level == n+2:
		return nameSame, level, sim, "name:order"
	case level == n+1:
		return nameSame, level, sim, "name:middle"
	}
	a, b := c.folded, folded
	if c.typo(a, b) {
		return nameMinor, level, sim, "name:typo"
	}
	// A typo can make the name parser take another token order (an unknown
	// surname looks like a reversed name): compare the sorted tokens too.
	c.sortedReg = appendSortedTokens(c.sortedReg[:0], b, &c.tokens)
	if c.typo(c.sorted, c.sortedReg) {
		return nameMinor, level, sim, "name:typo"
	}
	return nameDifferent, level, sim, "name:different"
}

// appendSortedTokens appends the space-separated tokens of s in byte
// order, joined by single spaces.
func appendSortedTokens(dst, s []byte, tok *[][]byte) []byte {
	t := (*tok)[:0]
	for len(s) > 0 {
		k := 0
		for k < len(s) && s[k] != ' ' {
			k++
		}
		if k > 0 {
			t = append(t, s[:k])
		}
		if k < len(s) {
			k++
		}
		s = s[k:]
	}
	// insertion sort: a name has a handful of tokens
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && bytes.Compare(t[j-1], t[j]) > 0; j-- {
			t[j-1], t[j] = t[j], t[j-1]
		}
	}
	for i, x := range t {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, x...)
	}
	*tok = t
	return dst
}

// maxEdits is the number of letter edits still called a typo: one for a
// short name, two from 10 letters (a clerk's slip on each side).
func maxEdits(a, b []byte) int {
	if min(len(a), len(b)) < 10 {
		return 1
	}
	return 2
}

// typo says whether folded names a and b are a typo apart: at most one
// edit, or two (see maxEdits) that do not both fall on one token when the
// names have the same tokens count. Two edits inside one short word make
// another word (Lý → Lâm), not a slip on each side.
func (c *Checker) typo(a, b []byte) bool {
	// A letter typo often makes a syllable no Vietnamese word is, which
	// the name normalizer marks as an initial (Dng → "dng."): the dot is
	// no second edit.
	c.dotA, c.dotB = appendNoDots(c.dotA[:0], a), appendNoDots(c.dotB[:0], b)
	a, b = c.dotA, c.dotB
	d := c.osa(a, b)
	switch {
	case d <= 1:
		return true
	case d > maxEdits(a, b):
		return false
	}
	ta, tb := tokenCount(a), tokenCount(b)
	if ta != tb {
		return true // a split or joined word is one of the two edits
	}
	for len(a) > 0 && len(b) > 0 {
		wa, ra := nextToken(a)
		wb, rb := nextToken(b)
		if c.osa(wa, wb) > 1 {
			return false
		}
		a, b = ra, rb
	}
	return true
}

// appendNoDots appends s without its '.' bytes.
func appendNoDots(dst, s []byte) []byte {
	for _, ch := range s {
		if ch != '.' {
			dst = append(dst, ch)
		}
	}
	return dst
}

func tokenCount(s []byte) int {
	n := 0
	for len(s) > 0 {
		var w []byte
		w, s = nextToken(s)
		if len(w) > 0 {
			n++
		}
	}
	return n
}

// nextToken returns the first space-separated token of s and the rest.
func nextToken(s []byte) (tok, rest []byte) {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	k := 0
	for k < len(s) && s[k] != ' ' {
		k++
	}
	return s[:k], s[k:]
}

// osa is the optimal-string-alignment distance (Levenshtein plus adjacent
// transpositions) of two folded names, capped at 3; names too long for the
// scratch rows count as far apart.
func (c *Checker) osa(a, b []byte) int {
	if len(a) >= len(c.dist[0]) || len(b) >= len(c.dist[0]) {
		return 3
	}
	if d := len(a) - len(b); d > 2 || d < -2 {
		return 3
	}
	p2, p1, cur := c.dist[0][:len(b)+1], c.dist[1][:len(b)+1], c.dist[2][:len(b)+1]
	for j := range p1 {
		p1[j] = int32(j)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = int32(i)
		best := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := int32(1)
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(p1[j]+1, cur[j-1]+1, p1[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, p2[j-2]+1)
			}
			cur[j] = v
			best = min(best, v)
		}
		if best > 2 {
			return 3
		}
		p2, p1, cur = p1, cur, p2
	}
	return int(min(p1[len(b)], 3))
}

// compareDOB compares the subscription's date of birth with register row
// i. Agreement allows what normalization allows: a day/month swap (a
// reading of the same written date), a partial date that agrees as far as
// it goes, and a one-digit difference when the register's own year
// contradicts the birth year encoded in the row's CCCD while the
// subscription's year agrees with it (the register's date is the slip).
func (c *Checker) compareDOB(i int32) (agree bool, level int8, how string) {
	s, r := c.dob, c.reg.dob[i]
	if s == 0 {
		if c.dobImpossible {
			return false, linkage.Null, "dob:impossible"
		}
		return false, linkage.Null, "dob:missing"
	}
	if r == 0 {
		return true, linkage.Null, "dob:register_missing"
	}
	level, _ = linkage.CompareDate(s, r)
	maxLevel := linkage.DateExact
	if s/100%100 == 0 || r/100%100 == 0 {
		maxLevel = linkage.DateYear
	} else if s%100 == 0 || r%100 == 0 {
		maxLevel = linkage.DateYearMonth
	}
	switch {
	case maxLevel < linkage.DateExact && level == maxLevel:
		if s%100 == 0 {
			return true, level, "dob:partial"
		}
		return true, level, "dob:register_partial"
	case level == linkage.DateExact:
		if c.reg.dobFixed[i] {
			return true, level, "dob:register_typo"
		}
		return true, level, ""
	case level == linkage.DateSwap:
		return true, level, "dob:day_month_swap"
	case level == linkage.DateOneDigit:
		if iy := c.reg.idYear[i]; iy != 0 && int16(r/10000) != iy && int16(s/10000) == iy {
			return true, level, "dob:register_typo"
		}
		return false, level, "dob:one_digit"
	case level == linkage.DateYearMonth:
		return false, level, "dob:day"
	case level == linkage.DateYear:
		return false, level, "dob:month"
	}
	return false, level, "dob:year"
}

// idDigits writes the digits of a packed ID key.
func idDigits(dst *[12]byte, key uint64) []byte {
	n := 12
	if key>>60 == 2 {
		n = 9
	}
	v := key & (1<<60 - 1)
	for k := n - 1; k >= 0; k-- {
		dst[k] = byte('0' + v%10)
		v /= 10
	}
	return dst[:n]
}

// compareID compares the subscription's ID with register row i.
func (c *Checker) compareID(i int32) int8 {
	rk := c.reg.idKey[i]
	if c.idKey == 0 || rk == 0 {
		return linkage.Null
	}
	l, _ := linkage.CompareID(idDigits(&c.idbuf[0], c.idKey), idDigits(&c.idbuf[1], rk))
	return l
}

func (c *Checker) comparePhone(i int32) int8 {
	p := c.reg.phone[i]
	if c.phoneKey == 0 || p == 0 {
		return linkage.Null
	}
	if p == c.phoneKey {
		return linkage.PhoneExact
	}
	return linkage.PhoneElse
}

func addDiff(dst []byte, how string) []byte {
	if how == "" {
		return dst
	}
	if len(dst) > 0 {
		dst = append(dst, ';')
	}
	return append(dst, how...)
}

// Check decides the verdict of one subscription. res.Differences is reused
// (append-style): pass the previous result to avoid allocation.
func (c *Checker) Check(in SubInput, res *Result) {
	*res = Result{Differences: res.Differences[:0], Matched: -1, Holder: -1, PhoneOwner: -1,
		NameLevel: linkage.Null, DOBLevel: linkage.Null, IDLevel: linkage.Null, PhoneLevel: linkage.Null}
	d := c.load(in)
	res.IDKey = c.idKey

	// Rows that cannot be verified at all.
	switch {
	case c.id.Kind == normalize.IDMissing && len(c.folded) == 0:
		res.Verdict, res.Reason = VerdictUnusable, ReasonNoIDNoName
		return
	case c.dob == 0 && !blank(in.DOB):
		// An impossible date (31/04) given with an ID the register
		// holds is a wrong date of birth of that citizen
		// (dob:impossible); with any other ID it names nobody.
		if rows := lookup(c.reg.byID, c.idKey); c.dobImpossible && len(rows) > 0 && c.phoneKey != 0 {
			c.checkFound(c.personRows(rows), res)
			return
		}
		res.Verdict, res.Reason = VerdictUnusable, ReasonDOBUnreadable
		return
	case blank(in.MSISDN):
		res.Verdict, res.Reason = VerdictUnusable, ReasonMSISDNMissing
		return
	case c.phoneKey == 0:
		res.Verdict, res.Reason = VerdictUnusable, ReasonMSISDNInvalid
		return
	}

	if rows := lookup(c.reg.byID, c.idKey); len(rows) > 0 {
		c.checkFound(c.personRows(rows), res)
		return
	}

	c.checkNotFound(d, res)
}

// personRows widens the rows holding the subscription's ID to all the
// records of their persons, in register order, where the register knows
// persons (a state's): a person's record without the ID, or with the
// old CMND, is their evidence too. rows otherwise.
func (c *Checker) personRows(rows []blocking.Entry) []blocking.Entry {
	r := c.reg
	if len(r.byPerson) == 0 {
		return rows
	}
	out := c.prows[:0]
	for k, e := range rows {
		p := r.person[e.Row]
		if p == 0 {
			out = append(out, e)
			continue
		}
		seen := false
		for _, f := range rows[:k] {
			if r.person[f.Row] == p {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, lookup(r.byPerson, p)...)
		}
	}
	slices.SortFunc(out, func(a, b blocking.Entry) int { return cmp.Compare(a.Row, b.Row) })
	out = slices.CompactFunc(out, func(a, b blocking.Entry) bool { return a.Row == b.Row })
	c.prows = out
	return out
}

// Index tags of the register lookups a subscription may make (requests).
const (
	tagID = iota
	tagPhone
	tagNameYear
	tagGivenDOB
	tagFamDOB
	nTags
)

// requests calls add with every register lookup Check may make for the
// subscription load read: its ID, its phone, (family, given) with its
// birth year and with its CCCD's, (given, date) and (family and
// middle, date). A spilled register serves exactly these (see
// partition.go): a lookup Check makes must be listed here.
func (c *Checker) requests(add func(tag int, key uint64)) {
	add(tagID, c.idKey)
	add(tagPhone, c.phoneKey)
	add(tagNameYear, nameYearKey(c.fam, c.given, int(c.dob/10000)))
	if c.id.Kind == normalize.IDCCCD && int(c.id.BirthYear) != int(c.dob/10000) {
		add(tagNameYear, nameYearKey(c.fam, c.given, int(c.id.BirthYear)))
	}
	if c.dob%100 != 0 {
		add(tagGivenDOB, givenDOBKey(c.given, c.dob))
		add(tagFamDOB, famDOBKey(c.folded, len(c.given), c.dob))
		add(tagGivenDOB, c.writtenGivenKey())
	}
	if c.altDOB != 0 && c.dob != 0 {
		// siblingCitizen searches with the other subscriptions' date
		save := c.dob
		c.dob = c.altDOB
		add(tagNameYear, nameYearKey(c.fam, c.given, int(c.dob/10000)))
		add(tagGivenDOB, givenDOBKey(c.given, c.dob))
		add(tagFamDOB, famDOBKey(c.folded, len(c.given), c.dob))
		add(tagGivenDOB, c.writtenGivenKey())
		c.dob = save
	}
}

// siblingCitizen is the search for the citizen when the register holds
// neither the ID nor the subscription's date of birth, but another
// subscription on the ID spells the name alike with another full date
// (SubInput.AltDOB): the citizen that name and that date describe,
// backed as in step 1 (the msisdn, a one-digit slip of the ID, the ID's
// digits). Found, this subscription is theirs with a wrong date.
func (c *Checker) siblingCitizen() []int32 {
	save := c.dob
	c.dob = c.altDOB
	defer func() { c.dob = save }()
	cands := c.gather(int(c.dob/10000), c.dobAgrees, c.sameCitizen)
	if len(cands) == 0 {
		cands = c.gatherGivenDOB(c.sameCitizen)
	}
	var backed []int32
	for _, i := range c.compatible(cands) {
		if c.corroborates(i) {
			backed = append(backed, i)
		}
	}
	return backed
}

// load normalizes a subscription into the Checker's fields and returns
// its parsed date of birth.
func (c *Checker) load(in SubInput) normalize.Date {
	c.id = normalize.ParseID(in.ID)
	c.idKey = IDKey(&c.id)
	nm := c.norm.Name(in.Name)
	c.canon = append(c.canon[:0], nm.Canonical...)
	c.folded = append(c.folded[:0], nm.Folded...)
	c.varKey = append(c.varKey[:0], nm.VariantKeyFolded...)
	c.fam = append(c.fam[:0], nm.FamilyFolded...)
	c.given = append(c.given[:0], nm.GivenFolded...)
	c.sorted = appendSortedTokens(c.sorted[:0], c.folded, &c.tokens)
	c.written = bytes.TrimSpace(normalize.AppendFold(c.written[:0], in.Name))
	d := normalize.ParseDate(in.DOB, normalize.DateOptions{RefYear: c.refYear})
	c.dob = 0
	if d.Valid() { // an impossible date (31/02/2024) is unreadable, not a wrong year
		c.dob = d.Packed()
	}
	c.dobImpossible = d.Year > 0 && d.Flags&normalize.FlagDOBImpossible != 0 && d.Flags&normalize.FlagDOBUnparsed == 0
	c.support = in.Support
	c.altDOB = in.AltDOB
	c.addr = append(c.addr[:0], in.Address...)
	c.addrOld, c.addrNew = -1, -1
	ph := normalize.ParsePhone(in.MSISDN)
	c.phoneKey = 0
	if ph.Valid() {
		c.phoneKey = ph.Uint64()
	}
	return d
}

// checkNotFound decides when the subscription's ID is not on the register
// (or is missing or malformed).
func (c *Checker) checkNotFound(d normalize.Date, res *Result) {
	idBad := ""
	switch {
	case c.id.Kind == normalize.IDMissing:
		idBad = ReasonIDMissing
	case !c.id.Valid():
		idBad = ReasonIDInvalid
	}
	subYear := int(c.dob / 10000)

	// 1. A citizen whose name and date of birth agree. The register may
	// lack the ID on their records, hold the old CMND for a CCCD (or the
	// other way round) or a one-digit slip of it: then it is a match. If
	// the citizen holds another ID of the same kind, the subscription's ID
	// is not theirs: other_person.
	cands := c.gather(subYear, c.dobAgrees, c.sameCitizen)
	if len(cands) == 0 {
		cands = c.gatherGivenDOB(c.sameCitizen)
	}
	if len(cands) > 0 {
		// The register holding the msisdn on a candidate's row outweighs
		// namesakes: keep those rows only.
		phoned := cands[:0:0]
		for _, i := range cands {
			if c.phoneKey != 0 && c.reg.phone[i] == c.phoneKey {
				phoned = append(phoned, i)
			}
		}
		if len(phoned) > 0 {
			cands = phoned
		}
		// Citizens holding another ID of the subscription's kind are not
		// its holder; the others (no ID, the other kind, a one-digit slip)
		// may be. A row without an ID sharing a phone with such a holder
		// is that holder's.
		rest := c.compatible(cands)
		// a CCCD whose encoded birth year is not the person's is not theirs
		cccdOther := c.id.Kind == normalize.IDCCCD && int(c.id.BirthYear) != subYear
		// Name and date of birth alone do not make a match: a register of
		// millions holds namesakes born the same day, and a made-up ID
		// under a real name would become theirs. The rows must also be
		// backed by the msisdn, a one-digit slip of the ID, or what the
		// ID's own digits encode (corroborates).
		backed := c.backed[:0]
		for _, i := range rest {
			if c.corroborates(i) {
				backed = append(backed, i)
			}
		}
		c.backed = backed
		verdict, how, named := "", "", cands
		switch {
		case idBad != "":
			verdict = VerdictIDInvalid
		case len(backed) > 0 && !cccdOther:
			verdict, named = VerdictMatch, backed
			_, how = c.compat(backed)
		case len(rest) > 0 && !cccdOther:
			// ID-less namesakes nothing backs: nobody is named here
		case len(rest) > 0 || len(phoned) > 0 || cccdOther:
			// name, date and phone are another citizen's, or the CCCD's
			// birth year is not this person's: the ID is not theirs.
			// Without either, a namesake born the same day is too likely
			// in a register of millions to name anyone.
			verdict = VerdictOtherPerson
			if cccdOther && len(phoned) == 0 {
				// Unless the CCCD's holder is there with the date one slip
				// off: then the date is the slip, and the namesake born on
				// the written date a coincidence (slipHolder).
				if rows := c.slipHolder(); len(rows) > 0 {
					c.dobMismatch(rows, res)
					return
				}
			}
		}
		if verdict != "" {
			n := c.citizens(named)
			k, _ := c.compat(named)
			res.Verdict, res.Candidates, res.Tie = verdict, int32(n), n > 1
			switch verdict {
			case VerdictIDInvalid:
				res.Reason = idBad
			case VerdictMatch:
				res.Differences = addDiff(res.Differences, how)
			case VerdictOtherPerson:
				res.Differences = addDiff(res.Differences, "id:not_on_register")
			}
			if n > 1 {
				return // a tie: nobody is named
			}
			res.Matched = k
			c.evidence(k, res, verdict == VerdictMatch)
			switch verdict {
			case VerdictMatch:
				res.Evidence = c.backing(k)
			case VerdictOtherPerson:
				res.Evidence = EvidenceNameDOB
			}
			return
		}
	}
	if idBad != "" {
		res.Verdict, res.Reason = VerdictIDInvalid, idBad
		return
	}

	// 2. The citizen with another date of birth, found through evidence
	// that does not rest on the name alone: a one-digit slip of the ID or
	// the same phone on the register, or the birth year the CCCD encodes
	// when the subscription's date contradicts it (with an ID the register
	// lacks or holds in the other kind).
	keep := func(i int32) bool {
		if c.compareID(i) == linkage.IDOneDigit {
			return true
		}
		// The same phone under the same name: the citizen, unless the row
		// holds another ID of the subscription's kind or a gender its CCCD
		// contradicts (a namesake in the family sharing the line).
		return c.phoneKey != 0 && c.reg.phone[i] == c.phoneKey && !c.far(i) && !c.genderContradicts(i)
	}
	cands = c.gather(subYear, keep, nil)
	if len(cands) == 0 && c.id.Kind == normalize.IDCCCD && int(c.id.BirthYear) != subYear {
		cands = c.gather(int(c.id.BirthYear), func(i int32) bool {
			rk := c.reg.idKey[i]
			return rk == 0 || rk>>60 != c.idKey>>60 || c.compareID(i) == linkage.IDOneDigit
		}, func(_ int32, cls int) bool { return cls == nameSame })
	}
	if len(cands) > 0 {
		c.dobMismatch(cands, res)
		return
	}
	// 2b. Another subscription on the ID gives the name with another
	// date, which names a citizen: this one gives their wrong date.
	if c.altDOB != 0 && c.dob != 0 {
		if rows := c.siblingCitizen(); len(rows) > 0 {
			c.dobMismatch(rows, res)
			res.Evidence = EvidenceSubscriptions
			return
		}
	}
	// 3. Nothing but the name and the CCCD's own digits left: the one
	// namesake of the CCCD's birth year, gender and province, holding no
	// CCCD, is its holder with a wrong date (cccdHolder).
	if k, ok := c.cccdHolder(); ok {
		res.Verdict, res.Fields, res.Candidates, res.Matched, res.Evidence = VerdictMismatch, "dob", 1, k, EvidenceIDDigits
		_, how := c.compat(c.rest)
		res.Differences = addDiff(res.Differences, how)
		c.evidence(k, res, true)
		return
	}

	if c.dob != 0 && normalize.CheckIDConsistency(c.id, d, normalize.GenderUnknown)&normalize.CorrectMask != 0 {
		// a made-up or mistyped CCCD whose birth-year digits contradict
		// the date of birth given with it
		res.Verdict, res.Reason = VerdictIDInvalid, ReasonIDDOBMismatch
		return
	}
	if k, tie, n := c.phoneOwner(); n > 0 {
		res.Verdict, res.Candidates, res.Tie, res.Evidence = VerdictPhoneOtherName, int32(n), tie, EvidencePhone
		if !tie {
			res.PhoneOwner = k
			c.evidence(k, res, false)
		}
		return
	}
	res.Verdict = VerdictIDNotFound
}

// dobMismatch gives the verdict mismatch on dob against the citizen of
// rows, or a tie when they are several.
func (c *Checker) dobMismatch(rows []int32, res *Result) {
	n := c.citizens(rows)
	res.Verdict, res.Fields, res.Candidates, res.Tie = VerdictMismatch, "dob", int32(n), n > 1
	if n == 1 {
		res.Matched = rows[0]
		c.evidence(rows[0], res, true)
		res.Evidence = c.backing(rows[0])
		if res.Evidence == EvidenceIDDigits && c.id.Kind == normalize.IDCCCD {
			res.Evidence = EvidenceCCCDYear
		}
	}
}

// backing names what backs register row i beyond the name and date of
// birth (corroborates): the msisdn on it, the ID with a one-digit slip,
// else what the ID's digits encode.
func (c *Checker) backing(i int32) string {
	switch {
	case c.phoneKey != 0 && c.reg.phone[i] == c.phoneKey:
		return EvidencePhone
	case c.idKey != 0 && c.compareID(i) == linkage.IDOneDigit:
		return EvidenceIDSlip
	}
	return EvidenceIDDigits
}

// slipHolder looks for the holder of a CCCD whose birth-year digits are
// not the subscription's year, when a namesake born on the written date
// holds another ID: register rows of the CCCD's birth year spelling the
// name the same (after normalization), holding no ID, the other kind or a
// one-digit slip of it, whose full date is one slip (year, month or day)
// from the written one and that the ID's digits or the msisdn back
// (corroborates). A wrong year of birth leaves day and month: the
// holder's; someone else's CCCD names nobody so close.
func (c *Checker) slipHolder() []int32 {
	return c.gather(int(c.id.BirthYear), func(i int32) bool {
		rk := c.reg.idKey[i]
		if rk != 0 && rk>>60 == c.idKey>>60 && c.compareID(i) != linkage.IDOneDigit {
			return false
		}
		d := c.reg.dob[i]
		if d%100 == 0 || d/100%100 == 0 || !(onePartOff(d, c.dob) || onePartOff(d/10000*10000+d%100*100+d/100%100, c.dob)) {
			return false
		}
		return c.corroborates(i)
	}, func(_ int32, cls int) bool { return cls == nameSame })
}

// sameCitizen says whether register row i is the citizen the
// subscription's name and date of birth describe, without the ID: the
// name equal after normalization or a typo away (gather keeps no other)
// and the full date equal (or day and month swapped); or the register
// holding the msisdn on that row, with the date agreeing as far as both
// go. A year-only date alone would take in namesakes.
func (c *Checker) sameCitizen(i int32, cls int) bool {
	agree, level, _ := c.compareDOB(i)
	if !agree {
		return false
	}
	if c.phoneKey != 0 && c.reg.phone[i] == c.phoneKey {
		return true
	}
	return cls >= nameMinor && (level == linkage.DateExact || level == linkage.DateSwap)
}

// dobAgrees says whether the subscription's date of birth agrees with
// register row i's (compareDOB): a condition of sameCitizen that needs no
// name comparison.
func (c *Checker) dobAgrees(i int32) bool {
	agree, _, _ := c.compareDOB(i)
	return agree
}

// compatible returns the rows of cands that may hold the subscription's
// ID: not holding another ID of its kind more than one digit away, and not
// sharing a phone with a row that does. The slice is scratch (c.rest).
func (c *Checker) compatible(cands []int32) []int32 {
	far := c.far
	c.rest = c.rest[:0]
	for _, i := range cands {
		if far(i) {
			continue
		}
		linked := false
		if p := c.reg.phone[i]; p != 0 && c.reg.idKey[i] == 0 {
			for _, j := range cands {
				if far(j) && c.reg.phone[j] == p {
					linked = true
					break
				}
			}
		}
		if !linked {
			c.rest = append(c.rest, i)
		}
	}
	return c.rest
}

// far says whether register row i holds another ID of the subscription's
// kind, more than one digit away from it: then the row is another citizen.
func (c *Checker) far(i int32) bool {
	rk := c.reg.idKey[i]
	return rk != 0 && c.idKey != 0 && rk>>60 == c.idKey>>60 && rk != c.idKey && c.compareID(i) != linkage.IDOneDigit
}

// genderContradicts says whether register row i gives a gender other than
// the one the subscription's CCCD encodes (digit 4).
func (c *Checker) genderContradicts(i int32) bool {
	if c.id.Kind != normalize.IDCCCD || !c.id.Valid() {
		return false
	}
	g := c.reg.gender[i]
	return (g == normalize.GenderMale || g == normalize.GenderFemale) && g != c.id.Gender
}

// corroborates says whether register row i, which agrees with the
// subscription's name and date of birth but does not hold its ID, is
// backed by evidence beyond them: the msisdn on the row, the ID with a
// one-digit slip, or the ID's own structure (structureAgrees).
func (c *Checker) corroborates(i int32) bool {
	if c.phoneKey != 0 && c.reg.phone[i] == c.phoneKey {
		return true
	}
	if c.idKey != 0 && c.compareID(i) == linkage.IDOneDigit {
		return true
	}
	return c.structureAgrees(i)
}

// structureAgrees says whether what the subscription's ID encodes agrees
// with register row i: for a CCCD the gender (digit 4; a row giving
// another is another person) and the province of birth registration
// (digits 1–3); for a CMND the issuing province (digits 1–2, where
// refdata's partial list knows it). The province agrees when it is the
// row's province_code or the issuing province of the CMND the row holds.
// The province of the subscription's own address agreeing with the row's
// counts too: people register where they live, and a CCCD's province is
// where they were born (for a made-up identity the two are drawn
// together, so this adds no way in for it). Without gender and province
// columns on the register only the address is left.
func (c *Checker) structureAgrees(i int32) bool {
	r := c.reg
	var idProvs []uint8 // the provinces the ID names: one for a CCCD, those of a CMND's prefix
	var one [1]uint8
	switch {
	case !c.id.Valid():
		return false
	case c.id.Kind == normalize.IDCCCD:
		if c.genderContradicts(i) {
			return false
		}
		if c.id.Province != 0 {
			one[0] = c.id.Province
			idProvs = one[:]
		}
	case c.id.Kind == normalize.IDCMND:
		idProvs = cmndProvinces(idDigits(&c.idbuf[0], c.idKey))
	default:
		return false
	}
	if c.provinceAgrees(i, idProvs) {
		return true
	}
	if rk := r.idKey[i]; rk>>60 == 2 && len(idProvs) > 0 {
		for _, p := range cmndProvinces(idDigits(&c.idbuf[1], rk)) {
			if slices.Contains(idProvs, p) {
				return true
			}
		}
	}
	return false
}

// addressIn says whether the subscription's registered address lies in
// old province p (GSO code), or in the 2025 province p merged into when
// the address names only 2025 units. The address is parsed on first use:
// most subscriptions never need it.
func (c *Checker) addressIn(p uint8) bool {
	if c.addrOld < 0 {
		c.addrOld, c.addrNew = 0, 0
		if len(c.addr) > 0 {
			if c.ap == nil {
				c.ap = normalize.NewAddressParser()
			}
			a := c.ap.Parse(c.addr)
			if a.OldProvinceConf >= normalize.Low && a.OldProvince < 256 {
				c.addrOld = int16(a.OldProvince)
			}
			if a.NewProvinceConf >= normalize.Low && a.NewProvince < 256 {
				c.addrNew = int16(a.NewProvince)
			}
		}
	}
	switch {
	case c.addrOld > 0:
		return int16(p) == c.addrOld
	case c.addrNew > 0:
		return int16(newProvince()[p]) == c.addrNew
	}
	return false
}

// provinceAgrees says whether register row i's province is one the ID
// names (idProvs, old GSO codes) or that of the subscription's address.
// A row with only a 2025 province (a golden register) is compared at that
// grain: the old provinces map to the 2025 ones they merged into.
func (c *Checker) provinceAgrees(i int32, idProvs []uint8) bool {
	r := c.reg
	if p := r.prov[i]; p != 0 {
		return slices.Contains(idProvs, p) || c.addressIn(p)
	}
	n := r.prov25[i]
	if n == 0 {
		return false
	}
	np := newProvince()
	for _, p := range idProvs {
		if p != 0 && np[p] == n {
			return true
		}
	}
	c.addressIn(0) // parses the address once
	switch {
	case c.addrOld > 0:
		return np[c.addrOld] == n
	case c.addrNew > 0:
		return c.addrNew == int16(n)
	}
	return false
}

// newProvince maps an old GSO province code to the code of the 2025
// province it merged into (0 where unknown).
var newProvince = sync.OnceValue(func() (m *[256]uint8) {
	m = new([256]uint8)
	for _, p := range refdata.Get().ProvincesOld {
		if o := provinceNumber([]byte(p.Code)); o != 0 {
			m[o] = provinceNumber([]byte(p.NewCode))
		}
	}
	return m
})

// compat tells whether a citizen's rows are compatible with the
// subscription's ID although not equal to it, and returns the row to name
// (the first with an ID, else the first) and how: "" when a row holds
// another ID of the same kind, more than one digit away.
func (c *Checker) compat(rows []int32) (int32, string) {
	how := "id:register_missing"
	k := rows[0]
	keyed := false
	for _, i := range rows {
		rk := c.reg.idKey[i]
		if rk == 0 {
			continue
		}
		if !keyed {
			k, keyed = i, true
		}
		switch {
		case c.idKey == 0:
			return k, ""
		case rk>>60 != c.idKey>>60:
			if how == "id:register_missing" {
				how = "id:register_other_kind"
			}
		case c.compareID(i) == linkage.IDOneDigit:
			how = "id:register_typo"
		default:
			return k, ""
		}
	}
	return k, how
}

func blank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' {
			return false
		}
	}
	return true
}

// evidence fills the levels against row k, and the differences when diff.
func (c *Checker) evidence(k int32, res *Result, diff bool) {
	_, nl, sim, nhow := c.compareName(k)
	_, dl, dhow := c.compareDOB(k)
	res.NameLevel, res.NameSim, res.DOBLevel = nl, sim, dl
	res.IDLevel, res.PhoneLevel = c.compareID(k), c.comparePhone(k)
	if res.Verdict == VerdictMatch {
		res.Partial = dhow == "dob:partial" || dhow == "dob:register_partial" || dhow == "dob:register_missing"
	}
	if diff {
		res.Differences = addDiff(res.Differences, nhow)
		res.Differences = addDiff(res.Differences, dhow)
	}
}

// checkFound decides when the subscription's ID is on the register.
//
// All rows of the ID are one citizen (duplicate records of a raw extract)
// and all are evidence: the name agrees when any row's name agrees, the
// date of birth when any row's date agrees, so that a clerk's slip on one
// record does not make a mismatch. A date agreeing only as far as a
// partial record goes (a year-only record) does not count against another
// record of the citizen holding a full date that disagrees: the full date
// says more.
func (c *Checker) checkFound(rows []blocking.Entry, res *Result) {
	bestName, bestDOB, bestBoth := int32(-1), int32(-1), int32(-1)
	bn, bdScore, bbScore := -1, -1, -1
	fullDisagree := false
	for _, e := range rows {
		if r := c.reg.dob[e.Row]; r%100 != 0 && c.dob != 0 {
			if agree, _, _ := c.compareDOB(e.Row); !agree {
				fullDisagree = true
			}
		}
	}
	for _, e := range rows {
		cls, _, _, _ := c.compareName(e.Row)
		agree, dl, _ := c.compareDOB(e.Row)
		dScore := int(dl) + 1
		if agree && fullDisagree && c.reg.dob[e.Row]%100 == 0 {
			// partial agreement against a full date that disagrees: name
			// the full one
			agree, dScore = false, 0
		}
		if agree {
			dScore += 100
		}
		if cls > bn {
			bestName, bn = e.Row, cls
		}
		if dScore > bdScore {
			bestDOB, bdScore = e.Row, dScore
		}
		if (cls == nameSame || cls == nameMinor) && agree && cls*1000+dScore > bbScore {
			bestBoth, bbScore = e.Row, cls*1000+dScore
		}
	}
	nameOK := bn == nameSame || bn == nameMinor
	dobOK := bdScore >= 100
	res.Evidence = EvidenceRecord
	if c.reg.Kind == RegisterGolden {
		res.Evidence = EvidenceGolden
	}
	switch {
	case bestBoth >= 0:
		res.Verdict, res.Matched = VerdictMatch, bestBoth
		c.evidence(bestBoth, res, true)
		return
	case nameOK && dobOK:
		// name and date agree on different records of the citizen
		res.Verdict, res.Matched, res.Evidence = VerdictMatch, bestName, EvidenceRecords
		c.evidence(bestName, res, true)
		return
	}
	// The ID and the full date of birth on one record name the citizen:
	// a name that agrees but for the middle name and a slip (Nguyễn T.
	// nAh for Nguyễn Thị Anh: two of the register's slips on one name)
	// is theirs, whoever else bears it. Someone else's ID with the
	// subscriber's own name would need the holder's date of birth too.
	if !nameOK {
		for _, e := range rows {
			if c.fullDateAgrees(e.Row) && c.nameLoose(e.Row) {
				res.Verdict, res.Matched = VerdictMatch, e.Row
				c.evidence(e.Row, res, false)
				res.Differences = addDiff(res.Differences, "name:middle_typo")
				return
			}
		}
	}
	// The subscriber lists are evidence too: other subscriptions on this
	// ID, made at other times and often at other carriers, giving the
	// same date of birth (or the same name) as this one, one slip from
	// the register's record, say the record holds the slip. One
	// subscription with a wrong date stands alone.
	// A CCCD encoding another birth year than the subscription's sides
	// with the register: then the subscriptions repeat one wrong date.
	cccdYearOK := c.id.Kind != normalize.IDCCCD || int(c.id.BirthYear) == int(c.dob/10000)
	if nameOK && !dobOK && cccdYearOK && c.support&SupportDOB != 0 && c.dobSlip(bestDOB) {
		res.Verdict, res.Matched, res.Evidence, res.Inconsistent = VerdictMatch, bestDOB, EvidenceSubscriptions, true
		c.evidence(bestDOB, res, true)
		res.Differences = addDiff(res.Differences, "dob:register_slip")
		return
	}
	if !nameOK && c.support&SupportName != 0 {
		for _, e := range rows {
			agree, _, _ := c.compareDOB(e.Row)
			if (agree || !dobOK) && c.nameNear(e.Row) {
				res.Evidence, res.Inconsistent = EvidenceSubscriptions, true
				if agree {
					res.Verdict, res.Matched = VerdictMatch, e.Row
					c.evidence(e.Row, res, true)
					res.Differences = addDiff(res.Differences, "name:register_slip")
					return
				}
				// the name is the register's slip, the date of birth
				// the subscription's: mismatch on dob alone
				res.Verdict, res.Matched, res.Fields = VerdictMismatch, bestDOB, "dob"
				c.evidence(bestDOB, res, true)
				res.Differences = addDiff(res.Differences, "name:register_slip")
				return
			}
		}
	}
	if !nameOK {
		// Someone else's ID? Look for the citizen whose name and date of
		// birth these are, holding another ID.
		k, n := c.realCitizen(rows)
		farDOB := !dobOK && !c.nearDOB(rows)
		if n > 0 || farDOB {
			// Found, or the ID's holder differs from the subscription in
			// both name and date of birth (beyond a one-digit slip): the
			// ID is not the subscriber's, whoever they are.
			res.Verdict, res.Holder, res.Evidence = VerdictOtherPerson, bestName, EvidenceIDHolder
			res.Candidates, res.Tie = int32(n), n > 1
			if n == 1 {
				res.Matched = k
				c.evidence(k, res, false)
			} else {
				c.evidence(bestName, res, false)
			}
			res.Differences = addDiff(res.Differences, "id:holder_differs")
			return
		}
	}
	best := bestName
	if nameOK {
		best = bestDOB
	}
	res.Verdict, res.Matched = VerdictMismatch, best
	c.evidence(best, res, true)
	nameInc, dobInc := c.inconsistent(rows)
	switch {
	case !nameOK && !dobOK:
		res.Fields, res.Inconsistent = "name;dob", nameInc || dobInc
	case !nameOK:
		res.Fields, res.Inconsistent = "name", nameInc
	default:
		res.Fields, res.Inconsistent = "dob", dobInc
	}
}

// fullDateAgrees says whether register row i holds the subscription's
// full date of birth, as written or with day and month read the other
// way.
func (c *Checker) fullDateAgrees(i int32) bool {
	r, s := c.reg.dob[i], c.dob
	if r%100 == 0 || r/100%100 == 0 || s%100 == 0 || s/100%100 == 0 {
		return false
	}
	return r == s || daySwap(r, s)
}

// nameLoose says whether register row i's family and given names, the
// middle names left out, are the subscription's or a slip away (dots
// aside).
func (c *Checker) nameLoose(i int32) bool {
	r := c.reg
	f := r.folded.Get(i)
	fam := f[:min(int(r.family[i]), len(f))]
	given := f[len(f)-min(int(r.given[i]), len(f)):]
	if len(given) == 0 || len(c.given) == 0 || len(fam) == 0 || len(c.fam) == 0 {
		return false
	}
	c.dotA = appendNoDots(append(appendNoDots(c.dotA[:0], c.fam), ' '), c.given)
	c.dotB = appendNoDots(append(appendNoDots(c.dotB[:0], fam), ' '), given)
	return c.osa(c.dotA, c.dotB) <= 1
}

// dobSlip says whether register row i's full date of birth is one
// digit from the subscription's full date: a clerk's keying slip. A
// whole day or month apart is not one, whoever repeats it.
func (c *Checker) dobSlip(i int32) bool {
	r, s := c.reg.dob[i], c.dob
	if r%100 == 0 || r/100%100 == 0 || s%100 == 0 || s/100%100 == 0 {
		return false
	}
	level, _ := linkage.CompareDate(s, r)
	return level == linkage.DateOneDigit
}

// nameNear says whether register row i's name is at most two letter
// edits from the subscription's wherever they fall (dots aside, tokens
// as written or sorted): looser than a typo, and only taken with other
// subscriptions spelling the name as this one does.
func (c *Checker) nameNear(i int32) bool {
	f := c.reg.folded.Get(i)
	c.dotA, c.dotB = appendNoDots(c.dotA[:0], c.folded), appendNoDots(c.dotB[:0], f)
	if c.osa(c.dotA, c.dotB) <= 2 {
		return true
	}
	c.sortedReg = appendSortedTokens(c.sortedReg[:0], c.dotB, &c.tokens)
	c.dotB = appendSortedTokens(c.dotB[:0], c.dotA, &c.tokens)
	return c.osa(c.dotB, c.sortedReg) <= 2
}

// inconsistent says whether the register's records of one ID disagree
// among themselves on the name (two names more than a typo apart) and
// on the date of birth (two full dates, not one read two ways).
func (c *Checker) inconsistent(rows []blocking.Entry) (name, dob bool) {
	r := c.reg
	for a := 0; a < len(rows); a++ {
		for b := a + 1; b < len(rows); b++ {
			i, j := rows[a].Row, rows[b].Row
			if di, dj := r.dob[i], r.dob[j]; di%100 != 0 && dj%100 != 0 && di != dj && !daySwap(di, dj) {
				dob = true
			}
			if !name {
				fi, fj := r.folded.Get(i), r.folded.Get(j)
				name = !bytes.Equal(fi, fj) && !c.typo(fi, fj)
			}
		}
	}
	return name, dob
}

// nearDOB says whether a row of the ID holds a date of birth one digit or
// a day/month swap away from the subscription's, or no date: a holder so
// near in date is more likely the subscriber with a mistyped name than
// someone else.
func (c *Checker) nearDOB(rows []blocking.Entry) bool {
	for _, e := range rows {
		if c.reg.dob[e.Row] == 0 || c.dob == 0 {
			return true
		}
		_, dl, _ := c.compareDOB(e.Row)
		if dl == linkage.DateOneDigit || dl == linkage.DateSwap {
			return true
		}
	}
	return false
}

// realCitizen looks for the citizen a subscription under someone else's ID
// describes: rows outside the ID's agreeing on name and date of birth
// (sameCitizen), first on the (family, given, year) and phone keys, then on
// the (given, date of birth) key for a register record with a slip in the
// family or middle name. It returns the row to name and how many
// different citizens fit.
func (c *Checker) realCitizen(rows []blocking.Entry) (int32, int) {
	keep := func(i int32, cls int) bool {
		return c.reg.idKey[i] != c.idKey && c.sameCitizen(i, cls)
	}
	cands := c.gather(int(c.dob/10000), func(i int32) bool { return c.reg.idKey[i] != c.idKey && c.dobAgrees(i) }, keep)
	if len(cands) == 0 {
		cands = c.gatherGivenDOB(keep)
	}
	if len(cands) == 0 {
		return -1, 0
	}
	n := c.citizens(cands)
	k, _ := c.compat(cands)
	return k, n
}

// gatherGivenDOB is the second candidate search, for a name with a slip in
// one part on either side (the first key then misses): register rows with
// the subscription's folded given name and full date of birth, or with
// its family and middle names and full date, whose name is a typo or less
// away and that pass keep. Rows are without repeats; the slice is scratch.
func (c *Checker) gatherGivenDOB(keep func(i int32, cls int) bool) []int32 {
	c.cand = c.cand[:0]
	if c.dob%100 == 0 {
		return c.cand
	}
	var written []blocking.Entry
	if k := c.writtenGivenKey(); k != 0 {
		written = lookup(c.reg.byGivenDOB, k)
	}
	for pass, idx := range [3][]blocking.Entry{lookup(c.reg.byGivenDOB, givenDOBKey(c.given, c.dob)),
		lookup(c.reg.byFamDOB, famDOBKey(c.folded, len(c.given), c.dob)), written} {
		for _, e := range idx {
			if pass > 0 && slices.Contains(c.cand, e.Row) {
				continue
			}
			cls, _, _, _ := c.compareName(e.Row)
			if cls >= nameMinor && keep(e.Row, cls) {
				c.cand = append(c.cand, e.Row)
			}
		}
	}
	return c.cand
}

// writtenGivenKey is the second search's key on the name's last word as
// written, when the name parser took another word for the given name (a
// typo can make a surname unknown, and the name is then read as
// reordered: Nhô Văn Phú as Văn Phú Nhô); 0 otherwise.
func (c *Checker) writtenGivenKey() uint64 {
	if c.dob%100 == 0 || len(c.written) == 0 {
		return 0
	}
	w := c.written
	k := len(w)
	for k > 0 && w[k-1] != ' ' {
		k--
	}
	if last := w[k:]; len(last) > 0 && !bytes.Equal(last, c.given) {
		return givenDOBKey(last, c.dob)
	}
	return 0
}

// gather returns the register rows whose name agrees with the
// subscription's (equal after normalization, or a typo) and that pass pre
// and keep (nil: any), blocked on (family, given, year) and on the phone
// (a register record whose name or date was mistyped still holds the
// number). pre holds the conditions that do not need the name: it is
// tested first, because a (family, given, year) block of a common name
// runs to thousands of rows in a register of millions, and comparing
// names is the costly part. Rows are in block order, without repeats; the
// slice is scratch.
func (c *Checker) gather(year int, pre func(i int32) bool, keep func(i int32, cls int) bool) []int32 {
	c.cand = c.cand[:0]
	for pass, idx := range [2][]blocking.Entry{lookup(c.reg.byNameYear, nameYearKey(c.fam, c.given, year)), lookup(c.reg.byPhone, c.phoneKey)} {
		for _, e := range idx {
			if pre != nil && !pre(e.Row) {
				continue
			}
			if pass == 1 && slices.Contains(c.cand, e.Row) {
				continue
			}
			cls, _, _, _ := c.compareName(e.Row)
			if cls < nameMinor {
				continue
			}
			if keep == nil || keep(e.Row, cls) {
				c.cand = append(c.cand, e.Row)
			}
		}
	}
	return c.cand
}

// citizens counts the different citizens among register rows that agree
// with one identity: rows are one citizen unless they hold IDs of the same
// kind more than one digit apart (a CMND and a CCCD may be one person's,
// and rows without an ID join whoever is there). It counts the CCCD
// groups, else the CMND groups, else 1. Rows all of one person (a
// register that knows persons) are one citizen, whatever their IDs.
func (c *Checker) citizens(rows []int32) int {
	if len(rows) > 0 {
		p := c.reg.person[rows[0]]
		one := p != 0
		for _, i := range rows[1:] {
			one = one && c.reg.person[i] == p
		}
		if one {
			return 1
		}
	}
	best := 1
	for _, kind := range [2]uint64{1, 2} {
		c.group = c.group[:0]
		for _, i := range rows {
			k := c.reg.idKey[i]
			if k == 0 || k>>60 != kind {
				continue
			}
			same := false
			for _, g := range c.group {
				if g == k || c.oneDigit(g, k) {
					same = true
					break
				}
			}
			if !same {
				c.group = append(c.group, k)
			}
		}
		if len(c.group) > 0 {
			return len(c.group)
		}
	}
	return best
}

func (c *Checker) oneDigit(a, b uint64) bool {
	l, _ := linkage.CompareID(idDigits(&c.idbuf[0], a), idDigits(&c.idbuf[1], b))
	return l == linkage.IDOneDigit
}

// phoneOwner returns the citizens holding the msisdn on the register under
// a name that is not the subscription's.
func (c *Checker) phoneOwner() (row int32, tie bool, n int) {
	c.cand = c.cand[:0]
	row = -1
	for _, e := range lookup(c.reg.byPhone, c.phoneKey) {
		if cls, _, _, _ := c.compareName(e.Row); cls != nameDifferent {
			continue
		}
		if row < 0 {
			row = e.Row
		}
		c.cand = append(c.cand, e.Row)
	}
	if row < 0 {
		return -1, false, 0
	}
	n = c.citizens(c.cand)
	return row, n > 1, n
}

// cccdHolder is the last search for the citizen a CCCD belongs to when the
// register holds neither the ID nor the date of birth given with it (the
// register's records of the citizen have no ID, or only the old CMND, and
// the subscription's date is wrong). What remains is the name and what the
// CCCD's digits encode: the province of birth registration (digits 1–3),
// the gender with the century (digit 4) and the birth year (digits 5–6).
//
// The rows of the name (equal after normalization) in that birth year are
// searched. A row holding another CCCD is another citizen (the
// subscription's CCCD is on no row), and so are rows without one sharing
// its full date of birth or phone (its own records with the ID left out).
// Of the rows left, only those whose full date of birth is one slip from
// the subscription's (one of year, month and day differs) count: a wrong
// date is one slip, and a made-up identity's date agrees with a
// namesake's only in the year searched on. They must be one citizen: at
// most one CMND among them and one full date of birth (two dates are two
// namesakes: a tie names nobody); every row giving a gender gives the
// CCCD's, and one does; one row's province is the CCCD's (or that of the
// subscription's address). A made-up CCCD under a real name meets all
// this only for a namesake of the same year, gender and province with no
// CCCD on the register and a date one slip from the made-up one.
//
// It returns the row to name; c.rest holds the citizen's rows.
func (c *Checker) cccdHolder() (int32, bool) {
	if c.id.Kind != normalize.IDCCCD || !c.id.Valid() || c.id.BirthYear <= 0 ||
		(c.id.Gender != normalize.GenderMale && c.id.Gender != normalize.GenderFemale) {
		return -1, false
	}
	r := c.reg
	c.cand = c.cand[:0]
	for _, e := range lookup(r.byNameYear, nameYearKey(c.fam, c.given, int(c.id.BirthYear))) {
		if c.sameSpelling(e.Row) {
			c.cand = append(c.cand, e.Row)
		}
	}
	other := func(i int32) bool {
		if r.idKey[i]>>60 == c.idKey>>60 {
			return true
		}
		for _, j := range c.cand {
			if r.idKey[j]>>60 != c.idKey>>60 {
				continue
			}
			if (r.dob[i]%100 != 0 && r.dob[i] == r.dob[j]) || (r.phone[i] != 0 && r.phone[i] == r.phone[j]) {
				return true
			}
		}
		return false
	}
	c.rest = c.rest[:0]
	gender, prov := false, false
	full := int32(0)
	for _, i := range c.cand {
		if other(i) {
			continue
		}
		// A wrong date of birth is one slip: the year, the month or the
		// day (of the date as written, or with day and month read the
		// other way). A namesake whose date is wholly unlike is someone
		// else; a row without a full date cannot be checked.
		d := r.dob[i]
		if d%100 == 0 || d/100%100 == 0 || !(onePartOff(d, c.dob) || onePartOff(d/10000*10000+d%100*100+d/100%100, c.dob)) {
			continue
		}
		c.rest = append(c.rest, i)
		if full != 0 && full != d && !daySwap(full, d) {
			return -1, false // two namesakes a slip away: a tie
		}
		full = d
		switch g := r.gender[i]; g {
		case normalize.GenderUnknown:
		case c.id.Gender:
			gender = true
		default:
			return -1, false
		}
		if c.provinceAgrees(i, []uint8{c.id.Province}) {
			prov = true
		}
		if rk := r.idKey[i]; rk>>60 == 2 {
			// A CMND's first two digits name the province that issued it,
			// that of the permanent residence then: the CCCD's province
			// when it is the same. Another is no contradiction (people
			// move), only no evidence.
			if c.id.Province != 0 && slices.Contains(cmndProvinces(idDigits(&c.idbuf[0], rk)), c.id.Province) {
				prov = true
			}
		}
	}
	if len(c.rest) == 0 || !gender || !prov || c.citizens(c.rest) != 1 {
		return -1, false
	}
	k, _ := c.compat(c.rest)
	return k, true
}

// onePartOff says whether full packed dates a and b (yyyymmdd) differ in
// at most one of year, month and day; false when b is partial.
func onePartOff(a, b int32) bool {
	if b%100 == 0 || b/100%100 == 0 {
		return false
	}
	n := 0
	if a/10000 != b/10000 {
		n++
	}
	if a/100%100 != b/100%100 {
		n++
	}
	if a%100 != b%100 {
		n++
	}
	return n <= 1
}

// daySwap says whether packed full dates a and b are one date with day and
// month read the other way round.
func daySwap(a, b int32) bool {
	return a/10000 == b/10000 && a/100%100 == b%100 && a%100 == b/100%100
}

// cmndProvinces returns the GSO codes of the provinces that issued CMNDs
// beginning with the digits of cmnd, where refdata's (partial) list knows
// them; nil otherwise. A prefix shared by two provinces names both.
func cmndProvinces(cmnd []byte) []uint8 {
	return cmndCodes()[int(cmnd[0]-'0')*100+int(cmnd[1]-'0')*10+int(cmnd[2]-'0')]
}

// cmndCodes is refdata's CMNDProvinces by the first three digits, as GSO
// codes.
var cmndCodes = sync.OnceValue(func() (m *[1000][]uint8) {
	m = new([1000][]uint8)
	rd := refdata.Get()
	for k := range m {
		for _, i := range rd.CMNDProvinces([]byte{byte('0' + k/100), byte('0' + k/10%10), byte('0' + k%10)}) {
			m[k] = append(m[k], provinceNumber([]byte(rd.ProvincesOld[i].Code)))
		}
	}
	return m
})

// sameSpelling says whether register row i spells the subscription's name
// the same: equal canonical forms, or equal folded forms where one side
// is written without any diacritics (an ASCII record says nothing of
// them). Where the name is the only evidence left, the looser agreements
// of compareName (a dropped middle name, Thành against Thanh) are other
// people as often as not.
func (c *Checker) sameSpelling(i int32) bool {
	return c.sameSpellingForms(c.reg.canon.Get(i), c.reg.folded.Get(i))
}

// sameSpellingForms is sameSpelling on a register name's canonical and
// folded forms.
func (c *Checker) sameSpellingForms(canon, folded []byte) bool {
	if bytes.Equal(c.canon, canon) {
		return true
	}
	if !bytes.Equal(c.folded, folded) {
		return false
	}
	return isASCII(c.canon) || isASCII(canon)
}

func isASCII(b []byte) bool {
	for _, ch := range b {
		if ch >= 0x80 {
			return false
		}
	}
	return true
}
