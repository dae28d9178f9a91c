package normalize

import (
	"bytes"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/dedup-vn/dedup/refdata"
)

// Order is the order the tokens of a name were found in.
type Order uint8

// Name orders. Vietnamese is family, middle, given. GivenFirst is
// "Lan Nguyễn Thị" (the given name moved to the front); Western is
// "Thi Lan Nguyen" (family name last).
const (
	OrderVietnamese Order = iota
	OrderGivenFirst
	OrderWestern
)

var orderNames = [...]string{"vietnamese", "given_first", "western"}

// String returns the stable name of o.
func (o Order) String() string {
	if int(o) < len(orderNames) {
		return orderNames[o]
	}
	return "unknown"
}

// Name is a normalized person name, always in Vietnamese order (family,
// middle, given).
//
// Canonical is the display form: NFC, modern tone placement, each token
// capitalised ("Nguyễn Thị Thủy"); an abbreviated middle name keeps its
// dot ("Nguyễn T. Lan"). Folded is the lower-case ASCII fold of it. Family,
// Middle and Given (and their Folded forms) are sub-slices of Canonical and
// Folded; Middle may hold several tokens or none. A single-token name is
// taken as the given name unless it is a known surname only.
//
// VariantKey is the lower-case accented name with regional variants mapped
// to one spelling (Huỳnh→hoàng, Võ→vũ, Phước→phúc … from
// refdata.NameVariants). VariantKeyFolded is the same idea on Folded, so
// that it survives missing diacritics: "Huỳnh Văn Phước" and "Huynh Van
// Phuoc" both give "hoang van phuc". Each folded token is mapped by
// position, as the table's applies_to says (a surname variant only on the
// family token, a given or middle variant only there: Châu→chu as a family
// or given name, not as a middle name). The i/y pairs (Quý/Quí, Vy/Vi) are
// kept out of it, as they are out of VariantKey, since families treat them
// as different names (VariantKeyIY is the weak key for them). A variant
// whose fold another reference name of that position shares is left out
// too: Huê→hoa would fold Huệ, a different common name, into Hoa. VariantKeyIY further merges the i/y spellings
// (Vy/Vi, Mỹ/Mĩ, Quý/Quí: a y after a consonant or standing alone becomes
// i); it is a weaker key. Phonetic is a blocking key: VariantKeyIY folded to
// ASCII with the onsets that sound alike merged (k and q → c, gh → g, ngh →
// ng). Southern d/gi/r, northern tr/ch and s/x, and final n/ng, t/c are
// deliberately not merged: they separate too many distinct names.
//
// The slices point into the Normalizer's buffers and are valid until its
// next call.
type Name struct {
	Canonical, Folded                       []byte
	Family, Middle, Given                   []byte
	FamilyFolded, MiddleFolded, GivenFolded []byte
	VariantKey, VariantKeyIY, Phonetic      []byte
	VariantKeyFolded                        []byte
	Tokens                                  int // tokens kept, after honorifics and noise
	Order                                   Order
	Encoding                                Encoding
	Flags                                   Flags
}

// nameToken is one token of a name: a span of Text.Canonical and of the
// scratch fold buffer.
type nameToken struct {
	start, end   int // in Text.Canonical (lower case, accented)
	fstart, fend int // in nameScratch.fold
	istart, iend int // its VariantKeyIY form, in nameScratch.iy
	pstart, pend int // its Phonetic form, in nameScratch.ph
	variant      string
	hasVariant   bool // variant is the token's representative (nameTables.variant)
	abbrev       bool
}

type nameScratch struct {
	toks  []nameToken
	order []int
	fold  []byte
	out   []byte
	tmp   []byte
	again []byte
	perm  []nameToken
	ents  []personNameEntry
	iy    []byte // the tokens' VariantKeyIY forms
	ph    []byte // the tokens' Phonetic forms
	telex telexScratch
	fixed []byte // the input with Telex tokens decoded
	vis   []byte // the input without its invisible characters
	memo  *[tokenMemoSize]tokenMemo

	bounds  nameBounds // of the last name1 result with tokens
	memoKey []byte     // the name memo's copy of its key
}

// tokenMemoSize is the number of entries of nameScratch.memo (a power of
// two); tokenMemoKey the longest token it keeps (a Vietnamese syllable
// takes at most 10 bytes), tokenMemoForm the longest IY and phonetic form.
const (
	tokenMemoSize = 1024
	tokenMemoKey  = 16
	tokenMemoForm = 24
)

// tokenMemo is what name1 derives from one canonical token alone: its
// fold, the reference lists' entry for it, its honorific class, its
// representative and the VariantKeyIY and Phonetic forms of the variant
// key token. Every one is a pure function of the token, and names are
// drawn from a few thousand tokens, so a small direct-mapped memo per
// Normalizer saves the map lookups and the per-token passes; a result
// never depends on what the memo holds.
type tokenMemo struct {
	ent                    personNameEntry
	variant                string
	hasVariant, ok         bool
	hon                    uint8
	klen, flen, ilen, plen uint8
	key, fold              [tokenMemoKey]byte
	iy, ph                 [tokenMemoForm]byte
}

// tokenHash hashes a token for the memo (FNV-1a).
func tokenHash(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h ^ h>>16
}

// addToken fills in the derived forms of token tk of canonical text low:
// its fold in sc.fold, its IY and phonetic forms in sc.iy and sc.ph, its
// representative, and returns its entry and honorific class, from the
// memo where it holds the token.
func (sc *nameScratch) addToken(nt *nameTables, tk *nameToken, low []byte) (personNameEntry, uint8) {
	tok := low[tk.start:tk.end]
	tk.fstart, tk.istart, tk.pstart = len(sc.fold), len(sc.iy), len(sc.ph)
	var e *tokenMemo
	if len(tok) <= tokenMemoKey {
		if sc.memo == nil {
			sc.memo = new([tokenMemoSize]tokenMemo)
		}
		e = &sc.memo[tokenHash(tok)&(tokenMemoSize-1)]
		if e.ok && string(e.key[:e.klen]) == string(tok) {
			sc.fold = append(sc.fold, e.fold[:e.flen]...)
			sc.iy = append(sc.iy, e.iy[:e.ilen]...)
			sc.ph = append(sc.ph, e.ph[:e.plen]...)
			tk.fend, tk.iend, tk.pend = len(sc.fold), len(sc.iy), len(sc.ph)
			tk.variant, tk.hasVariant = e.variant, e.hasVariant
			return e.ent, e.hon
		}
	}
	sc.fold = AppendFold(sc.fold, tok)
	tk.fend = len(sc.fold)
	f := sc.fold[tk.fstart:tk.fend]
	ent := nt.byFold[string(f)]
	hon := nt.honorific[string(f)]
	tk.variant, tk.hasVariant = nt.variant[string(tok)]
	vk := tok
	if tk.hasVariant {
		sc.tmp = append(sc.tmp[:0], tk.variant...)
		vk = sc.tmp
	}
	sc.iy = appendIY(sc.iy, vk)
	tk.iend = len(sc.iy)
	sc.tmp = AppendFold(sc.tmp[:0], sc.iy[tk.istart:tk.iend])
	sc.ph = appendPhonetic(sc.ph, sc.tmp)
	tk.pend = len(sc.ph)
	if e != nil && tk.iend-tk.istart <= tokenMemoForm && tk.pend-tk.pstart <= tokenMemoForm {
		e.ok = true
		e.ent, e.hon, e.variant, e.hasVariant = ent, hon, tk.variant, tk.hasVariant
		e.klen = uint8(copy(e.key[:], tok))
		e.flen = uint8(copy(e.fold[:], f))
		e.ilen = uint8(copy(e.iy[:], sc.iy[tk.istart:tk.iend]))
		e.plen = uint8(copy(e.ph[:], sc.ph[tk.pstart:tk.pend]))
	}
	return ent, hon
}

// personNameEntry is what the reference lists say about one folded token.
type personNameEntry struct {
	surname       bool
	commonSurname bool // share of at least 1%
	middle, given bool
	variant       foldVariant // the folded regional variant, for VariantKeyFolded
}

type nameTables struct {
	byFold     map[string]personNameEntry
	variant    map[string]string // accented lower token → representative
	syllables  map[string]bool   // accented lower syllables of the reference names
	honorific  map[string]uint8  // folded → honVietnamese or honForeign
	surnameAcc map[string]bool   // accented lower surnames
	// longSurnames are the folded surnames of at least typoSurnameMin
	// letters, for nearSurname, and whether each is written with
	// diacritics (Trần, not Giang).
	longSurnames []string
	longAccented []bool
}

// foldVariant maps a folded token to its representative in the positions
// pos (posFamily, posMiddle, posGiven).
type foldVariant struct {
	rep string
	pos uint8
}

// Name token positions, for foldVariant.
const (
	posFamily = 1 << iota
	posMiddle
	posGiven
)

const (
	honVietnamese = 1 // Ông, Bà, Anh, Chị …: also names, stripped only before 3+ tokens starting with a surname
	honForeign    = 2 // Mr, Mrs, Dr …: never names, stripped before 2+ tokens
)

var (
	nameTabOnce sync.Once
	nameTab     *nameTables
)

func getNameTables() *nameTables {
	nameTabOnce.Do(func() { nameTab = buildNameTables(refdata.Get()) })
	return nameTab
}

func buildNameTables(t *refdata.Tables) *nameTables {
	nt := &nameTables{
		byFold:     map[string]personNameEntry{},
		variant:    map[string]string{},
		honorific:  map[string]uint8{},
		surnameAcc: map[string]bool{},
		syllables:  map[string]bool{},
	}
	n := New(Options{})
	// The reference lists hold a few VNI mojibake spellings (Buøi): Text
	// decodes them, so they land on the right entry.
	key := func(s string) (acc, fold string) {
		tx := n.Text([]byte(s))
		return string(tx.Canonical), string(tx.Folded)
	}
	// byPos lists, per position and folded name, the accented spellings
	// with diacritics of that fold (for the ambiguity of a folded variant).
	byPos := [3]map[string]map[string]bool{{}, {}, {}}
	addPos := func(p int, s string) {
		acc, f := key(s)
		for _, w := range strings.Fields(acc) {
			nt.syllables[w] = true
		}
		if acc == f {
			return // no diacritics: an unaccented copy, not a second name
		}
		if byPos[p][f] == nil {
			byPos[p][f] = map[string]bool{}
		}
		byPos[p][f][acc] = true
	}
	for _, s := range t.Surnames {
		addPos(0, s.Name)
	}
	for _, m := range t.MiddleNames {
		addPos(1, m.Name)
	}
	for _, g := range t.GivenNames {
		addPos(2, g.Name)
	}
	for _, s := range t.Surnames {
		acc, f := key(s.Name)
		e := nt.byFold[f]
		e.surname = true
		share := s.NationalShare
		if share == 0 {
			share = s.SampleShare
		}
		e.commonSurname = e.commonSurname || share >= 1
		nt.byFold[f] = e
		nt.surnameAcc[acc] = true
	}
	for f, e := range nt.byFold {
		if e.surname && len(f) >= typoSurnameMin {
			nt.longSurnames = append(nt.longSurnames, f)
		}
	}
	sort.Strings(nt.longSurnames) // deterministic order (the result does not depend on it)
	for _, f := range nt.longSurnames {
		acc := false
		for a := range nt.surnameAcc {
			acc = acc || a != f && FoldString(a) == f
		}
		nt.longAccented = append(nt.longAccented, acc)
	}
	for _, m := range t.MiddleNames {
		_, f := key(m.Name)
		e := nt.byFold[f]
		e.middle = true
		nt.byFold[f] = e
	}
	for _, g := range t.GivenNames {
		_, f := key(g.Name)
		e := nt.byFold[f]
		e.given = true
		nt.byFold[f] = e
	}
	for _, v := range t.NameVariants {
		if v.AppliesTo == "place" {
			continue
		}
		a, fa := key(v.A)
		b, fb := key(v.B)
		if a == b || iyFold(fa) == iyFold(fb) {
			continue // tone placement (Canonical) or i/y (VariantKeyIY)
		}
		if _, ok := nt.variant[b]; !ok {
			nt.variant[b] = a
		}
		if fa == fb {
			continue
		}
		for p, name := range [3]string{"surname", "middle", "given"} {
			if !strings.Contains(v.AppliesTo, name) && v.AppliesTo != "any" {
				continue
			}
			ambiguous := false
			for acc := range byPos[p][fb] {
				ambiguous = ambiguous || acc != b
			}
			e := nt.byFold[fb]
			if ambiguous || e.variant.pos != 0 && e.variant.rep != fa {
				continue // first pair wins, as for VariantKey
			}
			e.variant = foldVariant{rep: fa, pos: e.variant.pos | 1<<p}
			nt.byFold[fb] = e
		}
	}
	// A regional variant plays the roles of its representative where the
	// variant applies: Võ is a given name as Vũ is, so "Lê Thiên Võ" is not
	// read as Western order with Võ as the surname.
	for f, e := range nt.byFold {
		v := e.variant
		if v.pos == 0 {
			continue
		}
		r := nt.byFold[v.rep]
		if v.pos&posFamily != 0 {
			e.surname = e.surname || r.surname
			e.commonSurname = e.commonSurname || r.commonSurname
		}
		e.middle = e.middle || v.pos&posMiddle != 0 && r.middle
		e.given = e.given || v.pos&posGiven != 0 && r.given
		nt.byFold[f] = e
	}
	for _, h := range []string{"ông", "bà", "anh", "chị", "cô", "chú", "bác", "em", "cụ", "thầy", "cậu", "dì", "mợ"} {
		_, f := key(h)
		nt.honorific[f] = honVietnamese
	}
	for _, h := range []string{"mr", "mrs", "ms", "miss", "dr", "sir", "madam", "mme", "mlle"} {
		nt.honorific[h] = honForeign
	}
	return nt
}

// iyFold replaces every y by i, for telling i/y variant pairs apart.
func iyFold(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c == 'y' {
			b[i] = 'i'
		}
	}
	return string(b)
}

// Name normalizes a person's full name (see Name). Honorifics are stripped
// (Ông, Bà, Anh, Chị, Cô, Chú … only before a full name of 3+ tokens that
// starts with a known surname, since Anh or Ông may be a name; Mr, Mrs, Dr
// … before 2+ tokens), digits and punctuation dropped, a middle initial
// ("T." "Th.") kept as an abbreviation, and a reversed order put back when
// the reference lists make another order clearly likelier. Words left as
// Telex keystrokes ("Nguyeenx Thij Thuyr") are decoded first and flagged
// name_telex_repaired (see telex.go for when a word counts as Telex). Text
// does not do this repair: free text (addresses) holds English words and
// abbreviations that decode to valid syllables (Bar, Bus, Max), while a
// name's words can be checked against the reference name syllables.
func (n *Normalizer) Name(s []byte) Name { return n.nameMemoized(s, EncodingNone) }

// NameHint is Name for a name whose row has another field (an address)
// found in legacy encoding hint; see TextHint. The result is a fixed point
// of Name.
func (n *Normalizer) NameHint(s []byte, hint Encoding) Name { return n.nameMemoized(s, hint) }

func (n *Normalizer) nameHint(s []byte, hint Encoding) Name {
	nm, suspicious := n.name1(s, hint)
	if nm.Tokens == 0 || !suspicious && nm.Encoding == EncodingNone && nm.Flags&FlagNameNoise == 0 {
		return nm // the common case: one pass is a fixed point
	}
	// Dropping noise or brackets, or title-casing, can turn text into
	// something a second pass reads differently (as legacy bytes, say).
	// Iterate to the fixed point now so that Name is idempotent; the
	// first pass's encoding and flags describe the input.
	enc, flags, order := nm.Encoding, nm.Flags, nm.Order
	for round := 0; round < 3; round++ {
		n.name.again = append(n.name.again[:0], nm.Canonical...)
		nm, _ = n.name1(n.name.again, EncodingNone)
		flags |= nm.Flags & FlagNameTelexRepaired // a repair made in any pass
		if string(nm.Canonical) == string(n.name.again) {
			break
		}
		if enc == EncodingNone {
			enc = nm.Encoding
		}
	}
	nm.Flags |= flags &^ FlagNameNoDiacritics
	if nm.Order == OrderVietnamese {
		nm.Order = order
	}
	if enc != EncodingNone {
		nm.Encoding = enc
		nm.Flags |= FlagNameLegacyEncoding
	}
	return nm
}

func (n *Normalizer) name1(s []byte, hint Encoding) (nm Name, suspicious bool) {
	nt := getNameTables()
	sc := &n.name
	visible := n.visible
	n.visible = false
	if !visible && hasInvisible(s) {
		sc.vis = appendVisible(sc.vis[:0], s)
		s = sc.vis
	}
	var t Text
	if ok, enc, flags := n.telexRepair(s, hint); ok {
		t = n.text(sc.fixed, hint)
		t.Encoding, t.Flags = enc, t.Flags|flags
		nm.Flags |= FlagNameTelexRepaired
	} else {
		n.visible = true // s is free of them now: text need not scan again
		t = n.text(s, hint)
	}
	suspicious = t.suspicious
	nm.Encoding = t.Encoding
	if t.Flags.Has(FlagTextInvalidUTF8) {
		nm.Flags |= FlagNameInvalidUTF8
	}
	if t.Flags.Has(FlagTextLegacyEncoding) {
		nm.Flags |= FlagNameLegacyEncoding
	}
	low := t.Canonical
	if nonLatin(low) {
		n.nameNonLatin(&nm, low)
		return nm, suspicious
	}
	sc.toks, nm.Flags = tokenizeName(sc.toks[:0], low, nm.Flags)
	// What each token says alone, once: the order scoring asks several
	// times.
	sc.fold, sc.iy, sc.ph, sc.ents = sc.fold[:0], sc.iy[:0], sc.ph[:0], sc.ents[:0]
	hon0 := uint8(0)
	for i := range sc.toks {
		ent, hon := sc.addToken(nt, &sc.toks[i], low)
		sc.ents = append(sc.ents, ent)
		if i == 0 {
			hon0 = hon
		}
	}
	toks := sc.toks
	ents := sc.ents
	entry := func(i int) personNameEntry { return ents[i] }
	// Honorifics.
	if len(toks) >= 3 {
		switch hon0 {
		case honVietnamese:
			if len(toks) >= 4 && entry(1).surname {
				toks, ents = toks[1:], ents[1:]
				nm.Flags |= FlagNameHonorific
			}
		case honForeign:
			toks, ents = toks[1:], ents[1:]
			nm.Flags |= FlagNameHonorific
		}
	}
	nm.Tokens = len(toks)
	if len(toks) == 0 {
		sc.bounds = nameBounds{}
		nm.Flags |= FlagNameMissing
		return nm, suspicious
	}
	// Order.
	sc.order = sc.order[:0]
	for i := range toks {
		sc.order = append(sc.order, i)
	}
	if len(toks) >= 2 {
		// nearSurname is asked only when a reversal outscores the
		// written order, which is rare.
		near := func(i int) bool {
			tk := &toks[i]
			if tk.abbrev {
				return false
			}
			f := sc.fold[tk.fstart:tk.fend]
			// An unaccented word in an accented name is a foreign or
			// unknown word rather than a misspelt Trần or Phạm: a typo
			// rarely takes the diacritics away too.
			plain := string(low[tk.start:tk.end]) == string(f) && !isASCII(low)
			return nt.nearSurname(ents[i], f, plain)
		}
		nm.Order = detectOrder(toks, entry, near)
		ord := sc.order
		k := len(toks)
		switch nm.Order {
		case OrderGivenFirst: // G F M… → F M… G
			copy(ord, ord[1:])
			ord[k-1] = 0
		case OrderWestern: // M… G F → F M… G
			copy(ord[1:], ord[:k-1])
			ord[0] = k - 1
		}
		if nm.Order != OrderVietnamese {
			// Keep the new order only if it reads as Vietnamese order
			// itself, so that normalizing the result changes nothing.
			sc.perm = sc.perm[:0]
			for _, i := range ord {
				sc.perm = append(sc.perm, toks[i])
			}
			if detectOrder(sc.perm, func(i int) personNameEntry { return ents[ord[i]] },
				func(i int) bool { return near(ord[i]) }) != OrderVietnamese {
				nm.Order = OrderVietnamese
				for i := range ord {
					ord[i] = i
				}
			}
		}
		if nm.Order != OrderVietnamese {
			nm.Flags |= FlagNameReordered
		}
	}
	family, given := 0, len(toks)-1 // positions in order
	if len(toks) == 1 {
		if e := entry(0); e.surname && !e.given && !e.middle {
			given = -1
		} else {
			family = -1
		}
		nm.Flags |= FlagNameSingleToken
	}
	if family >= 0 && !entry(sc.order[family]).surname && !toks[sc.order[family]].abbrev {
		nm.Flags |= FlagNameUnknownSurname
	}
	for p := 1; p < len(toks)-1; p++ {
		if toks[sc.order[p]].abbrev {
			nm.Flags |= FlagNameMiddleAbbrev
		}
	}
	ascii := true
	for _, c := range low {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		nm.Flags |= FlagNameNoDiacritics
	}

	// Output: canonical (title case), folded, then the keys, all in sc.out.
	out := sc.out[:0]
	var cs, fs [4]int // canonical and folded boundaries: start, after family, before given, end
	emit := func(fold bool) {
		b := &cs
		if fold {
			b = &fs
		}
		b[0] = len(out)
		b[1], b[2] = len(out), len(out)
		for p, i := range sc.order {
			if p > 0 {
				out = append(out, ' ')
			}
			if p == given {
				b[2] = len(out)
			}
			tk := &toks[i]
			if fold {
				out = append(out, sc.fold[tk.fstart:tk.fend]...)
			} else {
				out = appendTitle(out, low[tk.start:tk.end])
			}
			if tk.abbrev {
				out = append(out, '.')
			}
			if p == family {
				b[1] = len(out)
			}
		}
		b[3] = len(out)
		if given < 0 {
			b[2] = b[3]
		}
	}
	emit(false)
	emit(true)
	vk := len(out)
	for p, i := range sc.order {
		if p > 0 {
			out = append(out, ' ')
		}
		if tk := &toks[i]; tk.hasVariant {
			out = append(out, tk.variant...)
		} else {
			out = append(out, low[tk.start:tk.end]...)
		}
	}
	// appendIY and appendPhonetic work token by token (a space starts
	// afresh), so the keys are the tokens' own forms joined by spaces.
	iy := len(out)
	for p, i := range sc.order {
		if p > 0 {
			out = append(out, ' ')
		}
		out = append(out, sc.iy[toks[i].istart:toks[i].iend]...)
	}
	ph := len(out)
	for p, i := range sc.order {
		if p > 0 {
			out = append(out, ' ')
		}
		out = append(out, sc.ph[toks[i].pstart:toks[i].pend]...)
	}
	vf := len(out)
	for p, i := range sc.order {
		if p > 0 {
			out = append(out, ' ')
		}
		tk := &toks[i]
		f := sc.fold[tk.fstart:tk.fend]
		pos := uint8(posMiddle)
		switch p {
		case family:
			pos = posFamily
		case given:
			pos = posGiven
		}
		if v := ents[i].variant; v.pos&pos != 0 && !tk.abbrev {
			out = append(out, v.rep...)
		} else {
			out = append(out, f...)
		}
		if tk.abbrev {
			out = append(out, '.')
		}
	}
	sc.out = out
	sc.bounds = nameBounds{cs: cs, fs: fs, vk: vk, iy: iy, ph: ph, vf: vf, end: len(out)}
	sc.bounds.slice(&nm, out)
	return nm, suspicious
}

// nameNonLatin fills nm for a name written in another script (see
// nonLatin): kept whole, as written after Text (NFC, invisible characters
// gone, spaces collapsed), each word capitalised where the script has
// case; no honorific, order, abbreviation or surname rule applies, and the
// whole name is the given name, as for a single token. The folded forms
// (the matching key: blocking and comparison read them) keep each word
// that holds a letter of another script whole (its letters, marks and
// digits), lower-cased NFC, and of the other words the ASCII letters and digits of their folds: 王小明
// folds to itself, so two records of that name can block and match, where
// an ASCII fold alone would leave an empty key.
func (n *Normalizer) nameNonLatin(nm *Name, low []byte) {
	sc := &n.name
	out := sc.out[:0]
	words := 0
	for _, w := range bytes.Fields(low) {
		if words > 0 {
			out = append(out, ' ')
		}
		out = appendTitle(out, w)
		words++
	}
	end := len(out)
	fs := len(out)
	folded := 0
	for _, w := range bytes.Fields(low) {
		at := len(out)
		if folded > 0 {
			out = append(out, ' ')
		}
		k := len(out)
		if nonLatin(w) {
			// Its letters, marks (Khmer's and Arabic's vowel signs) and
			// digits, lower-cased already: punctuation is no part of a
			// name's key, as for the ASCII fold below.
			for _, r := range string(w) {
				if unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) {
					out = utf8.AppendRune(out, r)
				}
			}
			if len(out) == k {
				out = out[:at]
				continue
			}
			folded++
			continue
		}
		out = AppendFold(out, w)
		kept := k
		for _, c := range out[k:] {
			if isLetter(c) || '0' <= c && c <= '9' {
				out[kept] = c
				kept++
			}
		}
		if out = out[:kept]; kept == k {
			out = out[:at]
			continue
		}
		folded++
	}
	fe := len(out)
	vk := len(out)
	out = append(out, low...)
	iy := len(out)
	out = append(out, low...)
	ph := len(out)
	out = append(out, out[fs:fe]...)
	vf := len(out)
	out = append(out, out[fs:fe]...)
	sc.out = out
	sc.bounds = nameBounds{cs: [4]int{0, 0, 0, end}, fs: [4]int{fs, fs, fs, fe}, vk: vk, iy: iy, ph: ph, vf: vf, end: len(out)}
	sc.bounds.slice(nm, out)
	nm.Tokens = words
	nm.Flags |= FlagNameNonLatin
	if words == 0 {
		nm.Flags |= FlagNameMissing
	}
}

// nameBounds are the offsets of a Name's slices in nameScratch.out, as
// name1 lays them out: Canonical, Folded, then the keys. The name memo
// keeps them to rebuild the same slices from a copy of out.
type nameBounds struct {
	cs, fs              [4]int // canonical and folded: start, after family, before given, end
	vk, iy, ph, vf, end int
}

// slice sets the slices of nm to their spans of out.
func (b *nameBounds) slice(nm *Name, out []byte) {
	cs, fs, vk, iy, ph, vf, end := b.cs, b.fs, b.vk, b.iy, b.ph, b.vf, b.end
	nm.Canonical = out[cs[0]:cs[3]:cs[3]]
	nm.Folded = out[fs[0]:fs[3]:fs[3]]
	nm.VariantKey = out[vk:iy:iy]
	nm.VariantKeyIY = out[iy:ph:ph]
	nm.Phonetic = out[ph:vf:vf]
	nm.VariantKeyFolded = out[vf:end:end]
	nm.Family, nm.FamilyFolded = out[cs[0]:cs[1]:cs[1]], out[fs[0]:fs[1]:fs[1]]
	nm.Given, nm.GivenFolded = out[cs[2]:cs[3]:cs[3]], out[fs[2]:fs[3]:fs[3]]
	nm.Middle, nm.MiddleFolded = middleSpan(out, cs), middleSpan(out, fs)
}

// telexRepair repairs the Telex-typed tokens of s (see telex.go) into
// n.name.fixed, legacy-decoding the rest of s first, and reports whether
// there were any, with the encoding and text flags of the rest. Text of
// n.name.fixed then gives the canonical form.
func (n *Normalizer) telexRepair(s []byte, hint Encoding) (ok bool, enc Encoding, flags Flags) {
	sc := &n.name
	if !sc.telex.find(s, getNameTables().syllables) {
		return false, EncodingNone, 0
	}
	// Text repairs invalid UTF-8 in the rest as it would have in s.
	t := n.text(sc.telex.mask, hint)
	sc.fixed, ok = sc.telex.appendUnmask(sc.fixed[:0], t.Canonical)
	return ok, t.Encoding, t.Flags
}

// middleSpan is the text between family and given, without the spaces.
func middleSpan(out []byte, b [4]int) []byte {
	s, e := b[1], b[2]
	for s < e && out[s] == ' ' {
		s++
	}
	for e > s && out[e-1] == ' ' {
		e--
	}
	return out[s:e:e]
}

// detectOrder scores the three orders against the reference lists and
// keeps the Vietnamese one unless another scores strictly higher. A first
// token that is no known name but one edit from a long surname (near, see
// nameTables.nearSurname) scores typoSurnameScore as the family name: it is
// a misspelt surname far more often than a given name written first, and a
// known surname standing last ("Nguễn Thị Thái": Thái is a surname and a given name) is no longer
// enough to reverse the name. near is asked only when a reversal outscores
// the written order without it, which is rare.
func detectOrder(toks []nameToken, entry func(int) personNameEntry, near func(int) bool) Order {
	k := len(toks)
	fam := func(i int) int {
		if toks[i].abbrev {
			return 0
		}
		e := entry(i)
		switch {
		case e.commonSurname:
			return 4
		case e.surname:
			return 3
		}
		return 0
	}
	giv := func(i int) int {
		if !toks[i].abbrev && entry(i).given {
			return 2
		}
		return 0
	}
	mid := func(from, to int) int {
		s := 0
		for i := from; i < to; i++ {
			if toks[i].abbrev || entry(i).middle {
				s++
			}
		}
		return s
	}
	f0 := fam(0)
	vn := f0 + giv(k-1) + mid(1, k-1) + 1
	best, bestScore := OrderVietnamese, vn
	if f := fam(k - 1); f > 0 && !toks[0].abbrev {
		if s := f + giv(k-2) + mid(0, k-2); s > bestScore {
			best, bestScore = OrderWestern, s
		}
	}
	if k >= 3 {
		if f := fam(1); f > 0 {
			if s := giv(0) + f + mid(2, k); s > bestScore {
				best, bestScore = OrderGivenFirst, s
			}
		}
	}
	// A misspelt surname first: the written order stands when the
	// reversal's lead is no more than what a surname would have added.
	if best != OrderVietnamese && f0 == 0 && bestScore <= vn+typoSurnameScore && near(0) {
		return OrderVietnamese
	}
	return best
}

// typoSurnameMin is the shortest folded surname nearSurname compares
// with: one edit of a two- or three-letter surname (Lê, Lý, Hồ, Vũ, Tô,
// Đào) reaches too many given names and foreign words. typoSurnameScore is
// what a misspelt surname first adds to the written order's score.
const (
	typoSurnameMin   = 4
	typoSurnameScore = 3
)

// nearSurname reports whether folded token f, whose reference entry is e,
// reads as a misspelt surname: it is no known surname, middle or given
// name (a known name is taken as written: Trang is a given name, not a
// misspelt Tran), and it is one edit (a substitution, an insertion, a
// deletion or an adjacent transposition, on the fold, so a tone or a
// diacritic is no edit) after the same first letter from a surname of at
// least typoSurnameMin letters. The first letter is the one people get
// right most often; on the generated truth asking for it kept a few more
// true reversals (a misspelt given name written first) and lost no fix.
// plain says the token lacks the diacritics the rest of the name has: it
// is then near only surnames written without them (Giang, Trang).
func (nt *nameTables) nearSurname(e personNameEntry, f []byte, plain bool) bool {
	if e.surname || e.middle || e.given || len(f) < typoSurnameMin-1 {
		return false
	}
	for k, s := range nt.longSurnames {
		if s[0] == f[0] && !(plain && nt.longAccented[k]) && withinOneEdit(f[1:], []byte(s[1:])) {
			return true
		}
	}
	return false
}

// tokenizeName splits lower-case canonical text into name tokens: letters
// (with an apostrophe between letters, as in H'Hen), a trailing dot after
// one or two letters marking an abbreviation. Digits and other punctuation
// separate tokens and set FlagNameNoise.
func tokenizeName(toks []nameToken, s []byte, f Flags) ([]nameToken, Flags) {
	if q, ok := tokenizeNameQuick(toks, s); ok {
		return q, f
	}
	return tokenizeNameGeneral(toks, s, f)
}

// tokenizeNameGeneral is tokenizeName for any text; tokenizeNameQuick
// serves the plain names.
func tokenizeNameGeneral(toks []nameToken, s []byte, f Flags) ([]nameToken, Flags) {
	start := -1
	vowel := false // the current token has a vowel (a vowel letter, as letterTab decomposes it)
	depth := 0     // inside brackets: a remark, not the name ("(chết)")
	for i := 0; i <= len(s); {
		if i < len(s) && (s[i] == '(' || s[i] == '[') {
			if start >= 0 {
				tk := nameToken{start: start, end: i, abbrev: !vowel}
				toks = append(toks, tk)
				start = -1
			}
			depth++
		}
		if depth > 0 && i < len(s) {
			if s[i] == ')' || s[i] == ']' {
				depth--
			}
			f |= FlagNameNoise
			i++
			continue
		}
		var r rune = -1
		size := 1
		if i < len(s) {
			// Vietnamese letters are two-byte or E1 three-byte sequences:
			// decoded inline, as in the scan.
			switch c := s[i]; {
			case c < utf8.RuneSelf:
				r = rune(c)
			case c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
				r, size = rune(c&0x1F)<<6|rune(s[i+1]&0x3F), 2
			case c == 0xE1 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
				r, size = 0x1000|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F), 3
			default:
				r, size = utf8.DecodeRune(s[i:])
			}
		}
		// letterTab holds every letter Vietnamese writes (all of them
		// unicode.IsLetter): settle those without the Unicode tables.
		letter := r >= 0 && (r < utf8.RuneSelf && isLetter(byte(r)) ||
			r >= utf8.RuneSelf && (r < foldLimit && letterTab[r].base != 0 || unicode.IsLetter(r) || unicode.Is(unicode.Mn, r)))
		if letter {
			if start < 0 {
				start, vowel = i, false
			}
			if r < foldLimit && vnIsVowel(letterTab[r].base) {
				vowel = true
			}
			i += size
			continue
		}
		if r == '\'' && start >= 0 && i+1 < len(s) && isLetter(s[i+1]) {
			i++
			continue
		}
		if start >= 0 {
			tk := nameToken{start: start, end: i}
			if r == '.' && utf8.RuneCount(s[start:i]) <= 2 || !vowel {
				// "T." "Th." or a bare consonant initial "V": an abbreviation.
				tk.abbrev = true
			}
			toks = append(toks, tk)
			start = -1
		}
		switch {
		case r < 0, r == ' ', r == '-':
		case r == '.' && len(toks) > 0 && toks[len(toks)-1].end == i && toks[len(toks)-1].abbrev:
		default:
			f |= FlagNameNoise
		}
		i += size
	}
	return toks, f
}

// appendTitle appends lower-case token s with its first letter upper-cased.
func appendTitle(dst, s []byte) []byte {
	if len(s) == 0 {
		return dst
	}
	if c := s[0]; c < utf8.RuneSelf {
		return append(append(dst, asciiUpper(c)), s[1:]...)
	}
	r, size := utf8.DecodeRune(s)
	return append(utf8.AppendRune(dst, upperOf(r)), s[size:]...)
}

func asciiUpper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 'a' + 'A'
	}
	return c
}

// appendIY appends s (lower-case canonical tokens) with the i/y merge: a y
// that starts a token, follows a consonant, or follows the u of a leading
// qu becomes i with the same tone (Vy→vi, Mỹ→mĩ, Quý→quí). The y of the
// vowel groups uy, ay, ây, yê is a different sound and stays.
func appendIY(dst, s []byte) []byte {
	var prev, prev2 uint8 // bases of the two letters before, 0 at a token start
	for i := 0; i < len(s); {
		c := s[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(s[i:])
		}
		i += size
		var l vnLetter
		if r < foldLimit {
			l = letterTab[r]
		}
		if l.base == 0 {
			dst = utf8.AppendRune(dst, r)
			prev, prev2 = 0, 0
			continue
		}
		if l.base == 'y' && l.mod == 0 && (i >= len(s) || s[i] == ' ') &&
			(prev == 0 || !vnIsVowel(prev) || prev == 'u' && prev2 == 'q') {
			dst = utf8.AppendRune(dst, composeTab['i'-'a'][0][l.tone])
		} else {
			dst = append(dst, s[i-size:i]...)
		}
		prev2, prev = prev, l.base
	}
	return dst
}

// appendPhonetic appends the phonetic key of folded ASCII tokens: per
// token, ngh→ng, gh→g, and a leading k or q→c.
func appendPhonetic(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		tok := s[i:j]
		switch {
		case len(tok) >= 3 && tok[0] == 'n' && tok[1] == 'g' && tok[2] == 'h':
			dst = append(dst, "ng"...)
			tok = tok[3:]
		case len(tok) >= 2 && tok[0] == 'g' && tok[1] == 'h':
			dst = append(dst, 'g')
			tok = tok[2:]
		case len(tok) >= 1 && (tok[0] == 'k' || tok[0] == 'q'):
			dst = append(dst, 'c')
			tok = tok[1:]
		}
		dst = append(dst, tok...)
		if j < len(s) {
			dst = append(dst, ' ')
		}
		i = j + 1
	}
	return dst
}

// NameString is a convenience for tests: it normalizes s with a fresh
// Normalizer and returns the canonical name.
func NameString(s string) string {
	return string(New(Options{}).Name([]byte(s)).Canonical)
}

// isASCII reports whether s is all ASCII.
func isASCII(s []byte) bool {
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// withinOneEdit reports whether a and b differ by at most one edit: a
// substitution, an insertion, a deletion or a transposition of two
// adjacent bytes (the optimal string alignment distance is at most 1).
// Used on folded ASCII tokens.
func withinOneEdit(a, b []byte) bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if len(a)-len(b) > 1 {
		return false
	}
	i := 0
	for i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(b) {
		return true // equal, or a has one byte more at the end
	}
	if len(a) > len(b) {
		return string(a[i+1:]) == string(b[i:]) // a deletion
	}
	if string(a[i+1:]) == string(b[i+1:]) {
		return true // a substitution
	}
	return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && string(a[i+2:]) == string(b[i+2:])
}
