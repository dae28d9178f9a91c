package cluster

import (
	"encoding/binary"

	"github.com/dedup-vn/dedup/linkage"
)

// Reason says why two records cannot be in one cluster.
type Reason uint8

// Cannot-link reasons. The national ID is a component's key (see the
// package doc); the others are decisive evidence between two records,
// checked pair by pair when two clusters would merge.
const (
	ReasonNone       Reason = iota
	ReasonNationalID        // two different valid CCCD numbers
	ReasonGivenName         // same family name, birth date and address, another given name: twins, siblings (Rules.Conflict has the details)
	ReasonGeneration        // same full name and address, birth years a generation apart: father and son
	ReasonGender            // both genders valid and different
	numReasons
)

// String names a reason as the manifest does.
func (r Reason) String() string {
	switch r {
	case ReasonNationalID:
		return "national_id"
	case ReasonGivenName:
		return "given_name"
	case ReasonGeneration:
		return "generation"
	case ReasonGender:
		return "gender"
	}
	return "none"
}

// Evidence is what the pairwise cannot-link rules know of one record
// (56 bytes, the widest fields first). Zero fields are unknown and never
// conflict.
type Evidence struct {
	// Given is the folded given name's first 8 bytes, zero-padded (Given
	// names are one syllable: 7 letters at most).
	Given uint64
	// ID is the record's national ID number (9 or 12 digits) and IDLen
	// its length, 0 if none: two records holding the same number are one
	// person, whatever the rules say (a gender typo, a given name spelled
	// another way); two other numbers (not a one-digit typo) deny that a
	// regional variant is the same name.
	ID uint64
	// NameAddress hashes the folded full name and the address (ward): 0
	// if either is missing.
	NameAddress uint32
	// GivenTone hashes the accented given name when the record's name
	// was typed with diacritics, 0 otherwise: twins named Thanh and
	// Thành fold to one name and differ only there.
	GivenTone uint32
	// GivenVariant and GivenSpelling hash the given name's token of the
	// folded variant key (regional variants mapped to one form) and of
	// the phonetic key (also i/y merged), 0 if unknown: Phước and Phúc,
	// Tùng and Tòng, Mỹ and Mĩ are one name written two ways, not twins.
	GivenVariant, GivenSpelling uint32
	// Household hashes the folded family name and an address (ward), one
	// per address field (permanent, current): 0 if either is missing. The
	// given-name rule wants one of a record's households to be one of the
	// other's, and the same birth year (Year); a record whose date lost
	// its day or month (year only) still counts.
	Household [2]uint32
	// HouseholdArea hashes the folded family name and the district: the
	// given-name rule falls back to it when a record's ward is missing
	// (an address with a part left out).
	HouseholdArea [2]uint32
	// Year is the birth year, 0 if unknown.
	Year int16
	// MonthDay is the birth month and day as mmdd, 0 if either is
	// unknown: a year a generation off on the same day and month is a
	// typo in the year (1985 for 1965), not a father and son.
	MonthDay int16
	// GivenKnown says the given name is a given name of the lexicon
	// (refdata), as written when the record has diacritics, else folded:
	// two known names one edit apart ("anh"/"oanh", "thu"/"thuy") are two
	// names, where a known name and an unknown one are a name and its
	// typo.
	GivenKnown bool
	// Gender is 1 or 2 when valid, 0 otherwise.
	Gender int8
	// IDLen is ID's number of digits, 0 if none.
	IDLen uint8
}

// PackGiven packs a folded given name as Evidence.Given.
func PackGiven(given []byte) uint64 {
	var b [8]byte
	copy(b[:], given)
	return binary.BigEndian.Uint64(b[:])
}

// unpackGiven appends the bytes of a packed given name.
func unpackGiven(dst []byte, g uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], g)
	n := 8
	for n > 0 && b[n-1] == 0 {
		n--
	}
	return append(dst, b[:n]...)
}

// Rules are the pairwise cannot-link rules in force (config
// cluster.cannot_link).
type Rules struct {
	GivenName       bool // twins and siblings: ReasonGivenName
	GenerationYears int  // father and son: ReasonGeneration when birth years are at least this far apart; 0 off
	Gender          bool // ReasonGender
}

// Any reports whether a pairwise rule is on.
func (r Rules) Any() bool { return r.GivenName || r.GenerationYears > 0 || r.Gender }

// Conflict returns why records a and b cannot be one person, or
// ReasonNone. Records holding the same national ID number never conflict.
// A given name one edit away from the other is a typo, not another person,
// unless both are names of the lexicon; a regional variant or an i/y
// spelling of the other (the same GivenSpelling) is the same name; the
// same folded given name with other diacritics, both typed with them, is
// another name.
func (r Rules) Conflict(a, b *Evidence) Reason {
	if a.IDLen != 0 && a.IDLen == b.IDLen && a.ID == b.ID {
		return ReasonNone
	}
	if r.Gender && a.Gender != 0 && b.Gender != 0 && a.Gender != b.Gender {
		return ReasonGender
	}
	if r.GivenName && sameHousehold(a, b) && a.Year != 0 && a.Year == b.Year &&
		(a.MonthDay == 0 || b.MonthDay == 0 || a.MonthDay == b.MonthDay || a.MonthDay == swapMonthDay(b.MonthDay)) &&
		a.Given != 0 && b.Given != 0 {
		if a.Given != b.Given {
			if (a.GivenVariant != 0 && a.GivenVariant == b.GivenVariant || a.GivenSpelling != 0 && a.GivenSpelling == b.GivenSpelling) &&
				!otherIDs(a, b) {
				return r.generation(a, b)
			}
			var x, y [8]byte
			if a.GivenKnown && b.GivenKnown || !linkage.WithinOneEdit(unpackGiven(x[:0], a.Given), unpackGiven(y[:0], b.Given)) {
				return ReasonGivenName
			}
		} else if a.GivenTone != 0 && b.GivenTone != 0 && a.GivenTone != b.GivenTone {
			return ReasonGivenName
		}
	}
	return r.generation(a, b)
}

// sameHousehold says whether a household of a is one of b's: the same
// family name and ward, or the same district where one of the two
// addresses lacks its ward.
func sameHousehold(a, b *Evidence) bool {
	for i := range a.Household {
		for j := range b.Household {
			if a.Household[i] != 0 && a.Household[i] == b.Household[j] {
				return true
			}
			if (a.Household[i] == 0 || b.Household[j] == 0) && a.HouseholdArea[i] != 0 && a.HouseholdArea[i] == b.HouseholdArea[j] {
				return true
			}
		}
	}
	return false
}

// swapMonthDay is mmdd with day and month swapped (0 when that is no
// date): twins' records with the day and month typed the other way round.
func swapMonthDay(md int16) int16 {
	m, d := md/100, md%100
	if d < 1 || d > 12 {
		return 0
	}
	return d*100 + m
}

// otherIDs says whether a and b hold two ID numbers that are not one
// number: both known, not equal, and not a 12-digit number with one digit
// mistyped. A CMND against a CCCD counts (a person may hold both, but
// then the rest of the evidence must carry the pair).
func otherIDs(a, b *Evidence) bool {
	if a.IDLen == 0 || b.IDLen == 0 {
		return false
	}
	if a.IDLen != b.IDLen {
		return true
	}
	diff := 0
	for x, y := a.ID, b.ID; x != 0 || y != 0; x, y = x/10, y/10 {
		if x%10 != y%10 {
			diff++
		}
	}
	return diff > 1
}

// generation is the father-and-son rule.
func (r Rules) generation(a, b *Evidence) Reason {
	if r.GenerationYears > 0 && a.NameAddress != 0 && a.NameAddress == b.NameAddress && a.Year != 0 && b.Year != 0 &&
		(a.MonthDay == 0 || a.MonthDay != b.MonthDay) {
		d := int(a.Year) - int(b.Year)
		if d < 0 {
			d = -d
		}
		if d >= r.GenerationYears {
			return ReasonGeneration
		}
	}
	return ReasonNone
}
