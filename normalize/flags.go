package normalize

import (
	"math/bits"
	"strings"
)

// Flags is a set of quality reason codes for one value or one record. Each
// bit has a stable lower_snake_case name (see FlagNames) that goes into
// output files and reports, so bits may be added but never renumbered.
//
// Bits fall into two groups toward the quality criteria: CorrectMask (the
// value is wrong or inconsistent) and CompleteMask (a required value is
// missing). The rest are informational (a repair was made, a legacy
// encoding was decoded, the order of a name was changed).
type Flags uint64

// Reason codes. The comment is the stable name.
const (
	FlagTextInvalidUTF8    Flags = 1 << iota // text_invalid_utf8
	FlagTextLegacyEncoding                   // text_legacy_encoding
	FlagNameMissing                          // name_missing
	FlagNameInvalidUTF8                      // name_invalid_utf8
	FlagNameLegacyEncoding                   // name_legacy_encoding
	FlagNameReordered                        // name_reordered
	FlagNameHonorific                        // name_honorific_stripped
	FlagNameNoise                            // name_noise_removed (digits, punctuation)
	FlagNameSingleToken                      // name_single_token
	FlagNameMiddleAbbrev                     // name_middle_abbrev
	FlagNameNoDiacritics                     // name_no_diacritics
	FlagNameUnknownSurname                   // name_unknown_surname
	FlagDOBMissing                           // dob_missing
	FlagDOBUnparsed                          // dob_unparsed
	FlagDOBImpossible                        // dob_impossible
	FlagDOBFuture                            // dob_future
	FlagDOBTooOld                            // dob_too_old
	FlagDOBPartial                           // dob_partial
	FlagDOBTwoDigitYear                      // dob_two_digit_year
	FlagDOBMonthFirst                        // dob_month_first
	FlagGenderMissing                        // gender_missing
	FlagGenderInvalid                        // gender_invalid
	FlagIDMissing                            // id_missing
	FlagIDInvalidChars                       // id_invalid_chars
	FlagIDInvalidLength                      // id_invalid_length
	FlagIDInvalidStructure                   // id_invalid_structure
	FlagIDCMND                               // id_cmnd
	FlagIDZeroRestored                       // id_leading_zero_restored
	FlagIDDOBMismatch                        // id_dob_mismatch
	FlagIDGenderMismatch                     // id_gender_mismatch
	FlagIDFutureYear                         // id_future_birth_year
	FlagPhoneMissing                         // phone_missing
	FlagPhoneInvalid                         // phone_invalid
	FlagPhoneUnknownPrefix                   // phone_unknown_prefix
	FlagPhoneOldPrefix                       // phone_old_prefix
	FlagPhoneLandline                        // phone_landline
	FlagPhoneForeign                         // phone_foreign
	FlagPhoneMultiple                        // phone_multiple
	FlagPhoneZeroRestored                    // phone_leading_zero_restored
	FlagNameTelexRepaired                    // name_telex_repaired
	FlagNameNonLatin                         // name_non_latin (kept whole: see Normalizer.Name)
	flagEnd
)

// flagNames is indexed by bit number; keep in step with the constants.
var flagNames = [...]string{
	"text_invalid_utf8", "text_legacy_encoding",
	"name_missing", "name_invalid_utf8", "name_legacy_encoding", "name_reordered",
	"name_honorific_stripped", "name_noise_removed", "name_single_token",
	"name_middle_abbrev", "name_no_diacritics", "name_unknown_surname",
	"dob_missing", "dob_unparsed", "dob_impossible", "dob_future", "dob_too_old",
	"dob_partial", "dob_two_digit_year", "dob_month_first",
	"gender_missing", "gender_invalid",
	"id_missing", "id_invalid_chars", "id_invalid_length", "id_invalid_structure",
	"id_cmnd", "id_leading_zero_restored", "id_dob_mismatch", "id_gender_mismatch",
	"id_future_birth_year",
	"phone_missing", "phone_invalid", "phone_unknown_prefix", "phone_old_prefix",
	"phone_landline", "phone_foreign", "phone_multiple", "phone_leading_zero_restored",
	"name_telex_repaired",
	"name_non_latin",
}

// Compile-time check that every flag has a name: flagEnd == 1<<len(flagNames).
var _ [flagEnd - 1<<len(flagNames)]struct{}
var _ [1<<len(flagNames) - flagEnd]struct{}

// CorrectMask holds the reasons that make a record fail "correct": a value
// that is present but invalid, impossible or inconsistent with another.
const CorrectMask = FlagTextInvalidUTF8 | FlagNameInvalidUTF8 |
	FlagDOBUnparsed | FlagDOBImpossible | FlagDOBFuture | FlagDOBTooOld |
	FlagGenderInvalid |
	FlagIDInvalidChars | FlagIDInvalidLength | FlagIDInvalidStructure |
	FlagIDDOBMismatch | FlagIDGenderMismatch | FlagIDFutureYear |
	FlagPhoneInvalid | FlagPhoneUnknownPrefix

// CompleteMask holds the reasons that make a record fail "complete": a
// required value is missing or only partly known.
const CompleteMask = FlagNameMissing | FlagNameSingleToken | FlagDOBMissing |
	FlagDOBPartial | FlagGenderMissing | FlagIDMissing | FlagPhoneMissing

// Has reports whether all bits of g are set in f.
func (f Flags) Has(g Flags) bool { return f&g == g }

// Correct reports whether no correctness reason is set.
func (f Flags) Correct() bool { return f&CorrectMask == 0 }

// Complete reports whether no completeness reason is set.
func (f Flags) Complete() bool { return f&CompleteMask == 0 }

// AppendNames appends the names of the set bits, in bit order, separated by
// sep. It does not allocate when dst has room.
func (f Flags) AppendNames(dst []byte, sep byte) []byte {
	first := true
	for f != 0 {
		i := bits.TrailingZeros64(uint64(f))
		f &^= 1 << i
		if !first {
			dst = append(dst, sep)
		}
		first = false
		dst = append(dst, flagNames[i]...)
	}
	return dst
}

// String returns the names of the set bits joined by '|', or "" for none.
func (f Flags) String() string { return string(f.AppendNames(nil, '|')) }

// FlagNames returns every reason code name in bit order.
func FlagNames() []string { return append([]string(nil), flagNames[:]...) }

// ParseFlags is the inverse of String: it parses names separated by '|' or
// ';' and reports false for an unknown name.
func ParseFlags(s string) (Flags, bool) {
	var f Flags
	for _, name := range strings.FieldsFunc(s, func(r rune) bool { return r == '|' || r == ';' }) {
		found := false
		for i, n := range flagNames {
			if n == name {
				f |= 1 << i
				found = true
				break
			}
		}
		if !found {
			return f, false
		}
	}
	return f, true
}
