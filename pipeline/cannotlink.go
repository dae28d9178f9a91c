package pipeline

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/cluster"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/refdata"
	"github.com/dedup-vn/dedup/store"
)

// cannotLinkFields are the fields the pairwise cannot-link rules read: the
// config's first field of each kind, -1 if it has none.
type cannotLinkFields struct{ name, dob, gender, address, address2, id int }

func findCannotLinkFields(cfg *config.Config) cannotLinkFields {
	f := cannotLinkFields{-1, -1, -1, -1, -1, -1}
	for i, fd := range cfg.Fields {
		var p *int
		switch fd.Kind {
		case normalize.KindPersonName:
			p = &f.name
		case normalize.KindDate:
			p = &f.dob
		case normalize.KindGender:
			p = &f.gender
		case normalize.KindVNAddress:
			p = &f.address
			if f.address >= 0 {
				p = &f.address2 // the second address (current after permanent)
			}
		case normalize.KindNationalID:
			p = &f.id
		}
		if p != nil && *p < 0 {
			*p = i
		}
	}
	return f
}

// cannotLinkRules are the config's pairwise rules that its fields allow.
func cannotLinkRules(cfg *config.Config, f cannotLinkFields) cluster.Rules {
	cl := cfg.Cluster.CannotLink
	var r cluster.Rules
	if f.name >= 0 && f.dob >= 0 && f.address >= 0 {
		r.GivenName = cl.GivenName != nil && *cl.GivenName
		if cl.GenerationYears != nil {
			r.GenerationYears = *cl.GenerationYears
		}
	}
	r.Gender = f.gender >= 0 && cl.Gender != nil && *cl.Gender
	return r
}

// cannotLinkTest returns the pairwise cannot-link test over the run's
// rows for the clusterer, nil when no rule is in force. Only the records
// of accepted pairs can meet in a cluster, so only theirs are read (one
// pass over the record set, before the name keys are let go); keys are
// the records' national-ID keys (0 none) as read: two records with the
// same valid CCCD are one person whatever else differs (a gender or
// birth-year typo). Not two numbers one digit apart, which the ID guard
// forgives as a typo: twins registered together hold consecutive serials.
func (r *runner) cannotLinkTest(ctx context.Context, acc *acceptedEdges, keys []uint64) (func(a, b int32) cluster.Reason, error) {
	f := findCannotLinkFields(r.cfg)
	rules := cannotLinkRules(r.cfg, f)
	if !rules.Any() || len(acc.left) == 0 {
		return nil, nil
	}
	rows := make([]int32, 0, 2*len(acc.left))
	rows = append(append(rows, acc.left...), acc.right...)
	slices.Sort(rows)
	rows = slices.Compact(rows)
	ev := make([]cluster.Evidence, len(rows))
	var names []string
	for _, k := range []int{f.name, f.dob, f.gender, f.address, f.address2, f.id} {
		if k >= 0 {
			names = append(names, r.cfg.Fields[k].Name)
		}
	}
	err := r.set.Scan(ctx, store.Groups(r.schema, false, names...), func(first int, st *store.Store) error {
		lo := sort.Search(len(rows), func(k int) bool { return int(rows[k]) >= first })
		for k := lo; k < len(rows) && int(rows[k]) < first+st.N; k++ {
			fillEvidence(&ev[k], st, f, int32(int(rows[k])-first))
		}
		return nil
	}, nil)
	if err != nil {
		return nil, err
	}
	find := func(row int32) int {
		k, ok := slices.BinarySearch(rows, row)
		if !ok {
			return -1
		}
		return k
	}
	return func(a, b int32) cluster.Reason {
		if keys != nil && keys[a] != 0 && keys[a] == keys[b] {
			return cluster.ReasonNone
		}
		ka, kb := find(a), find(b)
		if ka < 0 || kb < 0 {
			return cluster.ReasonNone
		}
		return rules.Conflict(&ev[ka], &ev[kb])
	}, nil
}

// fillEvidence reads record i of st into e.
func fillEvidence(e *cluster.Evidence, st *store.Store, f cannotLinkFields, i int32) {
	var date int32
	if f.dob >= 0 {
		date = st.Fields[f.dob].Int32s("date")[i]
		e.Year = int16(date / 10000)
		if md := date % 10000; md%100 != 0 && md/100 != 0 {
			e.MonthDay = int16(md)
		}
	}
	var ward, district [2]int32
	for k, a := range []int{f.address, f.address2} {
		if a >= 0 {
			ward[k] = st.Fields[a].Int32s("ward_2025")[i]
			district[k] = st.Fields[a].Int32s("district_old")[i]
		}
	}
	if f.gender >= 0 {
		e.Gender = int8(st.Fields[f.gender].Int32s("value")[i])
	}
	if f.id >= 0 {
		// digits holds 9 or 12 digits or nothing.
		d := st.Fields[f.id].Str("digits").Get(i)
		for _, c := range d {
			e.ID = e.ID*10 + uint64(c-'0')
		}
		e.IDLen = uint8(len(d))
	}
	if f.name < 0 {
		return
	}
	name := &st.Fields[f.name]
	family, given, folded := name.Str("family").Get(i), name.Str("given").Get(i), name.Str("folded").Get(i)
	if len(given) > 0 && given[len(given)-1] == '.' {
		// An abbreviated given name ("Trng.", a typo the parser took for
		// an initial) says nothing of which name it was.
		given = nil
	}
	canonical := name.Str("canonical").Get(i)
	e.Given = cluster.PackGiven(given)
	e.GivenTone = givenTone(canonical, given)
	e.GivenKnown = knownGiven()[string(given)]
	if e.GivenTone != 0 {
		// Typed with diacritics: known as written ("Tọng", a typo of
		// Trọng, is no name, though it folds to Tòng's "tong").
		e.GivenKnown = knownGivenAccented()[strings.ToLower(string(canonical[bytes.LastIndexByte(canonical, ' ')+1:]))]
	}
	e.GivenVariant = givenKey(folded, name.Str("variant_key").Get(i), given)
	e.GivenSpelling = givenKey(folded, name.Str("phonetic").Get(i), given)
	for k := range ward {
		if len(family) > 0 && ward[k] != 0 {
			e.Household[k] = uint32(blocking.NewHasher().Bytes(family).Uint64(uint64(ward[k])).Sum()) | 1
		}
		if len(family) > 0 && district[k] != 0 {
			e.HouseholdArea[k] = uint32(blocking.NewHasher().Bytes(family).Uint64(uint64(district[k])).Uint64(1).Sum()) | 1
		}
	}
	if len(folded) > 0 && ward[0] != 0 {
		e.NameAddress = uint32(blocking.NewHasher().Bytes(folded).Uint64(uint64(ward[0])).Sum()) | 1
	}
}

// knownGiven is the lexicon's given names, folded.
var knownGiven = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, g := range refdata.Get().GivenNames {
		m[normalize.FoldString(g.Name)] = true
	}
	return m
})

// givenKey is the hash of a name key's token in the given name's place
// (the last, when the folded name ends with the given name and the key
// has as many tokens), 0 otherwise: the variant key maps regional
// variants to one form and the phonetic key also merges i/y spellings, so
// one name written two ways shares them.
func givenKey(folded, key, given []byte) uint32 {
	if len(given) == 0 || len(key) == 0 || !bytes.HasSuffix(folded, given) ||
		bytes.Count(folded, []byte{' '}) != bytes.Count(key, []byte{' '}) {
		return 0
	}
	if rest := folded[:len(folded)-len(given)]; len(rest) > 0 && rest[len(rest)-1] != ' ' {
		return 0
	}
	return uint32(blocking.HashBytes(key[bytes.LastIndexByte(key, ' ')+1:])) | 1
}

// knownGivenAccented is the lexicon's given names as written, lower case.
var knownGivenAccented = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, g := range refdata.Get().GivenNames {
		m[strings.ToLower(g.Name)] = true
	}
	return m
})

// givenTone is the hash of the accented form of a name's given name (the
// last token of its canonical form, when it folds to given), 0 when the
// name holds no diacritics at all: an unaccented record says nothing of
// its tones.
func givenTone(canonical, given []byte) uint32 {
	accented := false
	for _, c := range canonical {
		if c >= 0x80 {
			accented = true
			break
		}
	}
	if !accented {
		return 0
	}
	last := canonical[bytes.LastIndexByte(canonical, ' ')+1:]
	if normalize.FoldString(string(last)) != string(given) {
		return 0
	}
	return uint32(blocking.HashBytes(last)) | 1
}
