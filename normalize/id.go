package normalize

import (
	"strconv"

	"github.com/dedup-vn/dedup/refdata"
)

// IDKind says what an ID number is.
type IDKind uint8

// ID kinds.
const (
	IDMissing IDKind = iota // empty input
	IDCCCD                  // 12-digit personal ID (CCCD; also the 12-digit CMND of 2012–2016, same structure)
	IDCMND                  // 9-digit CMND
	IDInvalid               // anything else
)

var idKindNames = [...]string{"missing", "cccd", "cmnd", "invalid"}

// String returns the stable name of k.
func (k IDKind) String() string {
	if int(k) < len(idKindNames) {
		return idKindNames[k]
	}
	return "unknown"
}

// Gender is a person's recorded gender.
type Gender uint8

// Genders.
const (
	GenderUnknown Gender = iota // missing
	GenderMale
	GenderFemale
	GenderInvalid // present but not recognised
)

var genderNames = [...]string{"", "Nam", "Nữ", "invalid"}

// String returns "Nam", "Nữ", "" (unknown) or "invalid".
func (g Gender) String() string {
	if int(g) < len(genderNames) {
		return genderNames[g]
	}
	return "invalid"
}

// ID is a parsed national ID number. For a CCCD, Province is the GSO code of
// the pre-2025 province of birth registration (the digits after the leading
// 0), Gender and BirthYear come from digits 4–6. For a CMND they are 0.
type ID struct {
	digits    [12]byte
	n         uint8
	Kind      IDKind
	Province  uint8
	Gender    Gender
	BirthYear int16
	Flags     Flags
}

// AppendNumber appends the ID's digits (separators removed).
func (id *ID) AppendNumber(dst []byte) []byte { return append(dst, id.digits[:id.n]...) }

// String returns the digits.
func (id ID) String() string { return string(id.digits[:id.n]) }

// Uint64 returns the digits as an integer (leading zeros drop out; the kind
// tells the length), 0 when missing.
func (id *ID) Uint64() uint64 { return digitsValue(id.digits[:id.n]) }

// digitsValue is the number ASCII digits spell (an ID's, a phone's).
func digitsValue(digits []byte) uint64 {
	var v uint64
	for _, c := range digits {
		v = v*10 + uint64(c-'0')
	}
	return v
}

// Valid reports whether id is a structurally valid CCCD or CMND.
func (id *ID) Valid() bool { return id.Kind == IDCCCD || id.Kind == IDCMND }

type idTables struct {
	province [100]bool // GSO pre-2025 province codes
	century  [10]refdata.CenturyGender
	cmnd     [100]bool // known 2-digit CMND prefixes
}

var idTab = func() *idTables {
	t := &idTables{}
	r := refdata.Get()
	for _, p := range r.ProvincesOld {
		if v, err := strconv.Atoi(p.Code); err == nil && v < 100 {
			t.province[v] = true
		}
	}
	for _, c := range r.CenturyGender {
		if c.Digit >= '0' && c.Digit <= '9' {
			t.century[c.Digit-'0'] = c
		} else if c.Digit <= 9 {
			t.century[c.Digit] = c
		}
	}
	for _, c := range r.CMNDPrefixes {
		if v, err := strconv.Atoi(c.Prefix); err == nil && len(c.Prefix) == 2 {
			t.cmnd[v] = true
		}
	}
	return t
}()

// ParseID parses a national ID number. Spaces, dots, dashes and slashes
// are separators; any letter makes it invalid (id_invalid_chars). A
// 12-digit number must start with "0" + an existing GSO province code
// (id_invalid_structure otherwise) and is decoded: province, gender and
// birth year from the century/gender digit. 9 digits are a CMND (id_cmnd).
// Leading zeros lost by a spreadsheet or an integer column (11 or 8 digits,
// or 10 for the CCCDs of provinces 01–09, which lose two) are restored when
// the result is well formed (id_leading_zero_restored).
func ParseID(s []byte) ID {
	var id ID
	var d [16]byte
	nd := 0
	letters, any := false, false
	for _, c := range s {
		switch {
		case '0' <= c && c <= '9':
			if nd < len(d) {
				d[nd] = c
			}
			nd++
			any = true
		case c == ' ' || c == '.' || c == '-' || c == '/' || c == '\t' || c == ',' || c == '_':
		case c >= 0x80 && !letters:
			any = true
			letters = true
		default:
			letters = true
			any = true
		}
	}
	if !any {
		id.Flags |= FlagIDMissing
		return id
	}
	if nd <= len(id.digits) {
		id.n = uint8(copy(id.digits[:], d[:nd]))
	}
	if letters {
		id.Kind = IDInvalid
		id.Flags |= FlagIDInvalidChars
		return id
	}
	switch nd {
	case 11:
		if decodeCCCD(append([]byte{'0'}, d[:11]...), &ID{}) {
			copy(id.digits[1:], d[:11])
			id.digits[0] = '0'
			id.n = 12
			id.Flags |= FlagIDZeroRestored
			decodeCCCD(id.digits[:], &id)
			return id
		}
	case 10:
		// An int64 column drops both zeros of provinces 001–009.
		if decodeCCCD(append([]byte{'0', '0'}, d[:10]...), &ID{}) {
			copy(id.digits[2:], d[:10])
			id.digits[0], id.digits[1] = '0', '0'
			id.n = 12
			id.Flags |= FlagIDZeroRestored
			decodeCCCD(id.digits[:], &id)
			return id
		}
	case 12:
		if decodeCCCD(id.digits[:12], &id) {
			return id
		}
		id.Kind = IDInvalid
		id.Flags |= FlagIDInvalidStructure
		id.Province, id.Gender, id.BirthYear = 0, GenderUnknown, 0
		return id
	case 8:
		if d[0] != '0' && idTab.cmnd[int(d[0]-'0')] {
			// A CMND of a "0X" province lost its zero.
			copy(id.digits[1:], d[:8])
			id.digits[0] = '0'
			id.n = 9
			id.Kind = IDCMND
			id.Flags |= FlagIDCMND | FlagIDZeroRestored
			return id
		}
	case 9:
		id.Kind = IDCMND
		id.Flags |= FlagIDCMND
		return id
	}
	id.Kind = IDInvalid
	id.Flags |= FlagIDInvalidLength
	return id
}

// decodeCCCD checks the structure of 12 digits and fills id.
func decodeCCCD(d []byte, id *ID) bool {
	if d[0] != '0' {
		return false
	}
	p := int(d[1]-'0')*10 + int(d[2]-'0')
	if !idTab.province[p] {
		return false
	}
	cg := idTab.century[d[3]-'0']
	if cg.YearFrom == 0 {
		return false
	}
	id.Kind = IDCCCD
	id.Province = uint8(p)
	id.Gender = GenderMale
	if cg.Female {
		id.Gender = GenderFemale
	}
	id.BirthYear = int16(cg.YearFrom + int(d[4]-'0')*10 + int(d[5]-'0'))
	return true
}

// CheckIDConsistency compares a CCCD's decoded birth year and gender with
// a date of birth and a gender given elsewhere in the record, and returns
// id_dob_mismatch and id_gender_mismatch as they apply. Unknown values on
// either side are not a mismatch.
func CheckIDConsistency(id ID, dob Date, g Gender) Flags {
	var f Flags
	if id.Kind != IDCCCD {
		return f
	}
	if dob.Precision != PrecisionNone && dob.Flags&(FlagDOBUnparsed) == 0 && int(dob.Year) != int(id.BirthYear) {
		f |= FlagIDDOBMismatch
	}
	if (g == GenderMale || g == GenderFemale) && g != id.Gender {
		f |= FlagIDGenderMismatch
	}
	return f
}

// ParseGender reads a gender as written: Nam / Nữ in any case, with or
// without diacritics or with a corrupted tone (Nư, Nũ), "nam giới", "nữ
// giới", "trai", "gái", male / female, M / F. Empty input is
// GenderUnknown; anything else GenderInvalid.
func ParseGender(s []byte) Gender {
	// Nữ in VNI and TCVN3 mojibake, which the fold below cannot read.
	switch string(s) {
	case "Nöõ", "NÖÕ", "nöõ", "N÷", "n÷":
		return GenderFemale
	}
	var buf [24]byte
	f := buf[:0]
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x80 {
			if isLetter(c) {
				if len(f) == cap(f) {
					return GenderInvalid
				}
				f = append(f, asciiLower(c))
			}
			i++
			continue
		}
		j := i + 1
		for j < len(s) && s[j]&0xC0 == 0x80 {
			j++
		}
		f = AppendFold(f, s[i:j])
		i = j
		if len(f) > 16 {
			return GenderInvalid
		}
	}
	switch string(f) {
	case "":
		if hasNonSpace(s) {
			return GenderInvalid
		}
		return GenderUnknown
	case "nam", "namgioi", "trai", "male", "m", "man", "boy":
		return GenderMale
	case "nu", "nugioi", "gai", "female", "f", "woman", "girl", "w":
		return GenderFemale
	}
	return GenderInvalid
}

func hasNonSpace(s []byte) bool {
	for _, c := range s {
		if c != ' ' && c != '\t' {
			return true
		}
	}
	return false
}
