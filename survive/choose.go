package survive

import (
	"bytes"
	"math/bits"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dedup-vn/dedup/cluster"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/refdata"
)

// ts is a member's update time: its first timestamp field, 0 when the
// schema has none (ties then go to the smallest stable key).
func (g *Builder) ts(m int32) int64 {
	if g.updated < 0 {
		return 0
	}
	return g.local.Fields[g.updated].TS[m]
}

// hasValue tells whether a member has a value for field i, without
// rendering it.
func (g *Builder) hasValue(i int, m int32) bool {
	c := &g.local.Fields[i]
	switch c.Kind {
	case config.KindPersonName, config.KindText, config.KindNationalID, config.KindPhone:
		return c.Text.Offs[m+1] > c.Text.Offs[m]
	case config.KindDate, config.KindGender:
		return c.Ints[m] != 0
	case config.KindVNAddress:
		return c.Ward[m] != 0
	case config.KindTimestamp:
		return c.TS[m] != 0
	}
	return false
}

// appendValue appends field i of a member as golden text to dst; nothing
// when the member has no value.
func (g *Builder) appendValue(dst []byte, i int, m int32) []byte {
	c := &g.local.Fields[i]
	switch c.Kind {
	case config.KindPersonName, config.KindText, config.KindNationalID, config.KindPhone:
		return append(dst, c.Text.Get(m)...)
	case config.KindDate:
		if v := c.Ints[m]; v != 0 {
			return normalize.DateFromPacked(v).AppendISO(dst)
		}
	case config.KindGender:
		switch normalize.Gender(c.Ints[m]) {
		case normalize.GenderMale:
			return append(dst, "Nam"...)
		case normalize.GenderFemale:
			return append(dst, "Nữ"...)
		}
	case config.KindVNAddress:
		ward := uint32(c.Ward[m])
		if ward == 0 {
			return dst
		}
		if s := c.Street.Get(m); len(s) > 0 {
			dst = append(appendProper(dst, s), ", "...)
		}
		dst = append(dst, refdata.WardName2025(int32(ward))...)
		if p := refdata.ProvinceName2025(c.Province[m]); p != "" {
			dst = append(append(dst, ", "...), p...)
		}
		return dst
	case config.KindTimestamp:
		if t := c.TS[m]; t != 0 {
			return time.Unix(t, 0).UTC().AppendFormat(dst, time.RFC3339)
		}
	}
	return dst
}

// appendOldAddress appends the address of member from of address field c
// in the units before 1 July 2025: its house and street, then the full
// names of its old ward, district and province. A member that wrote its
// address in the 2025 units has no old ward; the old units are then those
// of the first member (in stable key order) in the same 2025 ward that
// has one. Units no member knows are left out.
func (g *Builder) appendOldAddress(dst []byte, c *Field, from int32, members []int32) []byte {
	o := from
	if at(c.WardOld, from) == 0 {
		for _, m := range members {
			if c.Ward[m] == c.Ward[from] && at(c.WardOld, m) != 0 {
				o = m
				break
			}
		}
	}
	if s := c.Street.Get(from); len(s) > 0 {
		dst = appendProper(dst, s)
	}
	for _, name := range [...]string{
		refdata.WardNameOld(at(c.WardOld, o)),
		refdata.DistrictNameOld(at(c.DistrictOld, o)),
		refdata.ProvinceNameOld(at(c.ProvinceOld, o)),
	} {
		if name == "" {
			continue
		}
		if len(dst) > 0 {
			dst = append(dst, ", "...)
		}
		dst = append(dst, name...)
	}
	return dst
}

// at is s[m], 0 when s is nil (a unit the caller does not keep).
func at(s []int32, m int32) int32 {
	if s == nil {
		return 0
	}
	return s[m]
}

// valid tells whether a member's value of field i counts as valid for the
// valid_first rule: a valid CCCD for national IDs, no correctness flag on
// the record otherwise.
func (g *Builder) valid(i int, m int32) bool {
	if g.local.Fields[i].Kind == config.KindNationalID {
		return g.local.IDKey[m] != 0
	}
	return normalize.Flags(g.local.Flags[m])&normalize.CorrectMask == 0
}

// choose picks the member whose value survives for field i, or -1 when no
// member has a value, and returns how many members hold that value. Names
// and dates under most_frequent, and national IDs under valid_first, vote
// by evidence (evidence.go). Otherwise ties go to the most recent update,
// then to the member with the smallest stable key (members come in that
// order).
func (g *Builder) choose(i int, members []int32) (int32, int) {
	kind := g.local.Fields[i].Kind
	if len(members) == 1 {
		if !g.hasValue(i, members[0]) {
			return -1, 0
		}
		return members[0], 1
	}
	rule := g.rules[i]
	if rule == config.SurviveMostFrequent {
		switch kind {
		case config.KindPersonName:
			return g.chooseName(i, members)
		case config.KindDate:
			return g.chooseDate(i, members)
		}
	}
	best, bestCount, bestValid := int32(-1), 0, false
	for _, m := range members {
		if !g.hasValue(i, m) {
			continue
		}
		g.val = g.appendValue(g.val[:0], i, m)
		if best < 0 {
			best = m
			if rule == config.SurviveMostFrequent {
				bestCount = g.count(i, members, g.val)
			}
			bestValid = g.valid(i, m)
			continue
		}
		better := false
		switch {
		case kind == config.KindTimestamp || rule == config.SurviveMostRecent:
			better = g.ts(m) > g.ts(best)
		case rule == config.SurviveMostFrequent:
			count := g.count(i, members, g.val)
			better = count > bestCount || count == bestCount && g.ts(m) > g.ts(best)
			if better {
				bestCount = count
			}
		case rule == config.SurviveValidFirst:
			valid := g.valid(i, m)
			better = valid && !bestValid || valid == bestValid && g.ts(m) > g.ts(best)
			if better {
				bestValid = valid
			}
		}
		if better {
			best = m
		}
	}
	if best < 0 {
		return -1, 0
	}
	if rule != config.SurviveMostFrequent {
		g.val = g.appendValue(g.val[:0], i, best)
		bestCount = g.count(i, members, g.val)
	}
	return best, bestCount
}

// count counts the members whose value of field i equals v.
func (g *Builder) count(i int, members []int32, v []byte) int {
	n := 0
	for _, o := range members {
		g.tmp = g.appendValue(g.tmp[:0], i, o)
		if bytes.Equal(g.tmp, v) {
			n++
		}
	}
	return n
}

// appendRow appends one golden record to b: the cluster with key key and
// the given members (indices into the local view, in stable key order).
func (g *Builder) appendRow(b *columns, key uint64, members []int32) {
	v := &g.local
	b.str(cluster.AppendKeyID(g.val[:0], key))
	b.size(len(members))
	ids := b.list()
	for _, m := range members {
		ids.item(v.RecordID.Get(m))
	}
	ids.endList()
	var (
		flags                             normalize.Flags
		dob                               normalize.Date
		gender                            normalize.Gender
		id                                normalize.ID
		hasName, hasDOB, hasID, hasGender bool
		hasAddr, hasTimestamp             bool
		addrUnresolved                    bool
	)
	// Choose every field's value first: the national ID's choice reads
	// the chosen date of birth and gender.
	from, support := g.from[:0], g.support[:0]
	if len(g.over) != len(v.Fields) {
		g.over = make([][]byte, len(v.Fields))
	}
	clear(g.over)
	for i := range v.Fields {
		f, n := int32(-1), 0
		if v.Fields[i].Kind != config.KindNationalID {
			f, n = g.choose(i, members)
		}
		from, support = append(from, f), append(support, n)
		switch c := &v.Fields[i]; c.Kind {
		case config.KindDate:
			if f >= 0 && !hasDOB {
				dob, hasDOB = normalize.DateFromPacked(c.Ints[f]), true
			}
		case config.KindGender:
			if f >= 0 && !hasGender {
				gender, hasGender = normalize.Gender(c.Ints[f]), true
			}
		}
	}
	for i := range v.Fields {
		if v.Fields[i].Kind == config.KindNationalID {
			if len(members) > 1 && g.rules[i] == config.SurviveValidFirst {
				from[i], support[i] = g.chooseID(i, members, dob, gender)
			} else {
				from[i], support[i] = g.choose(i, members)
			}
		}
	}
	g.from, g.support = from, support
	for i := range v.Fields {
		c := &v.Fields[i]
		from := from[i]
		g.val = g.val[:0]
		if g.over[i] != nil {
			g.val = append(g.val, g.over[i]...)
			flags |= normalize.Flags(v.Flags[from]) & kindFlags[c.Kind] &^ normalize.FlagNameNoDiacritics
		} else if from >= 0 {
			g.val = g.appendValue(g.val, i, from)
			flags |= normalize.Flags(v.Flags[from]) & kindFlags[c.Kind]
		} else {
			// No member has a value: the members' reasons for it (an
			// impossible date, an invalid phone) are the golden record's.
			for _, m := range members {
				flags |= normalize.Flags(v.Flags[m]) & kindFlags[c.Kind]
			}
		}
		if from < 0 && c.Kind == config.KindVNAddress {
			// An address no member resolved is kept as the best member
			// wrote its house and street, and flagged.
			for _, m := range members {
				if s := c.Street.Get(m); len(s) > 0 {
					g.val = appendProper(g.val, s)
					from = m
					break
				}
			}
		}
		if c.Kind == config.KindDate {
			// A date is typed: the first day of what is known, and its
			// precision beside it.
			if from >= 0 {
				d := normalize.DateFromPacked(c.Ints[from])
				b.date32(date32Of(d))
				b.str(append(g.val[:0], d.Precision.String()...))
			} else {
				b.null()
				b.str(nil)
			}
		} else if c.Kind == config.KindVNAddress {
			// The old units' form, then the 2025 form beside it; an
			// address no member resolved is the street as written in both.
			if from >= 0 && c.Ward[from] != 0 {
				g.tmp = g.appendOldAddress(g.tmp[:0], c, from, members)
				b.str(g.tmp)
			} else {
				b.str(g.val)
			}
			b.str(g.val)
		} else {
			b.str(g.val)
		}
		if from >= 0 {
			b.str(v.RecordID.Get(from))
		} else {
			b.str(nil)
		}
		switch c.Kind {
		case config.KindPersonName:
			hasName = hasName || from >= 0
		case config.KindNationalID:
			if from >= 0 {
				id, hasID = normalize.ParseID(c.Text.Get(from)), true
			}
		case config.KindVNAddress:
			if from >= 0 && c.Ward[from] != 0 {
				b.str(normalize.AppendCode(g.tmp[:0], uint32(c.Ward[from]), 5))
				b.str(normalize.AppendCode(g.tmp[:0], uint32(c.Province[from]), 2))
				hasAddr = true
			} else {
				b.str(nil)
				b.str(nil)
				addrUnresolved = true
			}
		case config.KindTimestamp:
			hasTimestamp = hasTimestamp || from >= 0
		}
		if c.Kind != config.KindTimestamp {
			// The share of the members holding the chosen value.
			if from >= 0 && support[i] > 0 {
				b.share(float32(support[i]) / float32(len(members)))
			} else {
				b.null()
			}
		}
	}
	// correct: the chosen values are valid and consistent with each other.
	correct := flags&normalize.CorrectMask == 0
	if hasID {
		correct = correct && id.Valid() && normalize.CheckIDConsistency(id, dob, gender)&normalize.CorrectMask == 0
	}
	// complete: the required fields (name, date of birth, gender, ID,
	// address, where the schema has them) have a value.
	complete := hasName && (hasDOB || !g.hasKinds[config.KindDate]) && (hasGender || !g.hasKinds[config.KindGender]) &&
		(hasID || !g.hasKinds[config.KindNationalID]) && (hasAddr || !g.hasKinds[config.KindVNAddress])
	// clean: normalized and deduplicated: no two valid national IDs were
	// forced into one cluster.
	clean := true
	var firstID uint64
	for _, m := range members {
		if k := v.IDKey[m]; k != 0 {
			if firstID != 0 && k != firstID {
				clean = false
			}
			firstID = k
		}
	}
	// live: an address resolved in the 2025 units and a known update time.
	live := hasAddr && (hasTimestamp || g.updated < 0)
	for _, x := range []bool{correct, complete, clean, live} {
		b.bool(x)
	}
	// Every false criterion names its reasons: what the chosen records
	// carry, and what the criterion found on the chosen values or the
	// cluster that no single record's flags say.
	reasons := flags
	var golden goldenReasons
	if !correct && hasID {
		reasons |= id.Flags&normalize.CorrectMask | normalize.CheckIDConsistency(id, dob, gender)
	}
	if !complete {
		reasons |= g.missing(config.KindPersonName, hasName, members) | g.missing(config.KindDate, hasDOB, members) |
			g.missing(config.KindGender, hasGender, members) | g.missing(config.KindNationalID, hasID, members)
		if !hasAddr && g.hasKinds[config.KindVNAddress] {
			golden |= reasonAddrUnresolved
		}
	}
	if !clean {
		golden |= reasonIDConflict
	}
	if addrUnresolved {
		golden |= reasonAddrUnresolved
	}
	if !live {
		if !hasAddr {
			golden |= reasonAddrUnresolved
		}
		if g.updated >= 0 && !hasTimestamp {
			golden |= reasonTimestampMissing
		}
	}
	qf := b.list()
	for r := uint64(reasons); r != 0; r &= r - 1 {
		qf.itemString(flagNames[bits.TrailingZeros64(r)])
	}
	for i, name := range goldenReasonNames {
		if golden&(1<<i) != 0 {
			qf.itemString(name)
		}
	}
	qf.endList()
}

// flagNames are normalize's flag names by bit.
var flagNames = normalize.FlagNames()

// kindFlags are the record flags that speak of a field of each kind (by
// their names' prefix): a golden record carries those of the member each
// value came from, not what that member's other fields had.
var kindFlags = func() map[normalize.Kind]normalize.Flags {
	prefix := map[normalize.Kind]string{
		config.KindPersonName: "name_", config.KindDate: "dob_", config.KindGender: "gender_",
		config.KindNationalID: "id_", config.KindPhone: "phone_", config.KindText: "text_",
	}
	m := map[normalize.Kind]normalize.Flags{}
	for b, name := range normalize.FlagNames() {
		for k, p := range prefix {
			if strings.HasPrefix(name, p) {
				m[k] |= 1 << b
			}
		}
	}
	return m
}()

// goldenReasons are the reasons of a false criterion that belong to a
// golden record rather than to a record (normalize.Flags name those).
type goldenReasons uint8

const (
	// reasonIDConflict (clean): the cluster holds two different valid
	// CCCDs.
	reasonIDConflict goldenReasons = 1 << iota
	// reasonAddrUnresolved (complete, live): no member's address resolved
	// to a 2025 ward (none given, none found, or no address field).
	reasonAddrUnresolved
	// reasonTimestampMissing (live): no member has an update time.
	reasonTimestampMissing
)

// goldenReasonNames names the goldenReasons by bit; they follow the
// records' flags in quality_flags.
var goldenReasonNames = [...]string{"id_conflict", "addr_unresolved", "timestamp_missing"}

// missingMasks are the record flags that say why a field of a kind has no
// value (the run keeps no value for an invalid date, gender or ID); the
// first is the one named when no member says.
var missingMasks = map[normalize.Kind][2]normalize.Flags{
	config.KindPersonName: {normalize.FlagNameMissing, normalize.FlagNameMissing | normalize.FlagNameInvalidUTF8},
	config.KindDate:       {normalize.FlagDOBMissing, normalize.FlagDOBMissing | normalize.FlagDOBUnparsed | normalize.FlagDOBImpossible},
	config.KindGender:     {normalize.FlagGenderMissing, normalize.FlagGenderMissing | normalize.FlagGenderInvalid},
	config.KindNationalID: {normalize.FlagIDMissing, normalize.FlagIDMissing | normalize.FlagIDInvalidChars | normalize.FlagIDInvalidLength | normalize.FlagIDInvalidStructure},
}

// missing returns why a required field of kind k has no value in the
// golden record: the members' reasons for it, or its missing flag; 0 when
// it has one or the schema has no such field.
func (g *Builder) missing(k normalize.Kind, has bool, members []int32) normalize.Flags {
	if has || !g.hasKinds[k] {
		return 0
	}
	m := missingMasks[k]
	var f normalize.Flags
	for _, r := range members {
		f |= normalize.Flags(g.local.Flags[r]) & m[1]
	}
	if f == 0 {
		f = m[0]
	}
	return f
}

// appendProper appends a house number and street as a registrar writes
// them: each word's first letter upper case ("163 Đường Nguyễn Văn Cừ",
// "Thôn 1"). The store keeps them lower-cased (normalize folds case to
// match), so the case a member wrote is not known; proper case is.
func appendProper(dst, s []byte) []byte {
	start := true
	for len(s) > 0 {
		r, n := utf8.DecodeRune(s)
		if r == ' ' || r == '-' || r == '/' || r == ',' {
			start = true
			dst = append(dst, s[:n]...)
		} else if start {
			dst = utf8.AppendRune(dst, unicode.ToUpper(r))
			start = false
		} else {
			dst = append(dst, s[:n]...)
		}
		s = s[n:]
	}
	return dst
}
