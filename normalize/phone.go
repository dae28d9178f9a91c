package normalize

import (
	"strconv"

	"github.com/dedup-vn/dedup/refdata"
)

// PhoneKind says what a phone number is.
type PhoneKind uint8

// Phone kinds.
const (
	PhoneMissing  PhoneKind = iota // empty input
	PhoneMobile                    // 10-digit mobile number with a known prefix
	PhoneLandline                  // 11-digit fixed line (02x area codes)
	PhoneForeign                   // international number outside Vietnam
	PhoneInvalid                   // anything else
)

var phoneKindNames = [...]string{"missing", "mobile", "landline", "foreign", "invalid"}

// String returns the stable name of k.
func (k PhoneKind) String() string {
	if int(k) < len(phoneKindNames) {
		return phoneKindNames[k]
	}
	return "unknown"
}

// Phone is a parsed phone number. The number is kept in national form
// (leading 0, digits only: 0912345678) in a fixed array, so a Phone holds no
// pointer but Carrier, which points at a static reference string.
type Phone struct {
	digits  [15]byte
	n       uint8
	Kind    PhoneKind
	Carrier string // carrier of a mobile prefix, "" otherwise
	Flags   Flags
}

// AppendNumber appends the national number (digits only; for a foreign
// number the digits after +). Nothing is appended for a missing phone.
func (p *Phone) AppendNumber(dst []byte) []byte { return append(dst, p.digits[:p.n]...) }

// String returns the national number (see AppendNumber).
func (p Phone) String() string { return string(p.digits[:p.n]) }

// Uint64 returns the number as an integer (the leading 0 drops out), 0 for
// a missing phone: a compact key for storage and blocking.
func (p *Phone) Uint64() uint64 { return digitsValue(p.digits[:p.n]) }

// Valid reports whether p is a usable Vietnamese number (mobile or landline).
func (p *Phone) Valid() bool { return p.Kind == PhoneMobile || p.Kind == PhoneLandline }

type phoneTables struct {
	carrier [1000]string // by 3-digit prefix 0XY as int
	oldNew  [10000]int16 // old 4-digit prefix 01XY → new 3-digit prefix, 0 if none
}

var phoneTab = func() *phoneTables {
	t := &phoneTables{}
	for _, p := range refdata.Get().MobilePrefixes {
		v, err := strconv.Atoi(p.Prefix)
		if err != nil || len(p.Prefix) != 3 {
			continue
		}
		t.carrier[v] = p.Carrier
		if len(p.OldPrefix) == 4 {
			if o, err := strconv.Atoi(p.OldPrefix); err == nil {
				t.oldNew[o] = int16(v)
			}
		}
	}
	return t
}()

// ParsePhone parses a Vietnamese phone number written in any of the usual
// forms: +84 / 84 / 0084 / 0 prefixes, spaces, dots, dashes and brackets,
// the pre-2018 11-digit mobile prefixes (0162… becomes 032…, flagged
// phone_old_prefix), and a leading zero lost by a spreadsheet (restored and
// flagged). Several numbers in one field keep the first (phone_multiple).
// Letters make it invalid. Fixed lines (0 + 2x area code, 11 digits) are
// PhoneLandline, not mobiles.
func ParsePhone(s []byte) Phone {
	var p Phone
	var d [20]byte
	nd := 0
	plus, letters, any := false, false, false
	for i, c := range s {
		switch {
		case '0' <= c && c <= '9':
			if nd < len(d) {
				d[nd] = c
			}
			nd++
			any = true
		case c == '+' && nd == 0:
			plus = true
			any = true
		case c == '/' || c == ',' || c == ';' || c == '|':
			if nd > 0 && hasDigit(s[i+1:]) {
				p.Flags |= FlagPhoneMultiple
				goto done
			}
		case c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' || c == '\t' || c >= 0x80:
			if c >= 0x80 {
				any = true // NBSP and other non-ASCII: treat as separators
			}
		default:
			letters = true
			any = true
		}
	}
done:
	if !any && nd == 0 {
		p.Kind = PhoneMissing
		p.Flags |= FlagPhoneMissing
		return p
	}
	if letters || nd == 0 || nd > len(d) {
		return invalidPhone(p)
	}
	num := d[:nd]
	switch {
	case plus:
		if len(num) < 2 || num[0] != '8' || num[1] != '4' {
			p.Kind = PhoneForeign
			p.Flags |= FlagPhoneForeign
			if len(num) > len(p.digits) {
				return invalidPhone(p)
			}
			p.n = uint8(copy(p.digits[:], num))
			return p
		}
		num = num[1:] // "84…" → "4…"; the 4 becomes the trunk 0 below
		num[0] = '0'
	case len(num) >= 4 && num[0] == '0' && num[1] == '0' && num[2] == '8' && num[3] == '4':
		num = num[3:]
		num[0] = '0'
	case num[0] == '8' && num[1%len(num)] == '4' && (len(num) == 11 || len(num) == 12):
		num = num[1:]
		num[0] = '0'
	case num[0] != '0' && (len(num) == 9 || len(num) == 10 && num[0] == '2'):
		p.Flags |= FlagPhoneZeroRestored
		p.n = 1
		p.digits[0] = '0'
	}
	if int(p.n)+len(num) > len(p.digits) {
		return invalidPhone(p)
	}
	p.n += uint8(copy(p.digits[p.n:], num))
	nat := p.digits[:p.n]
	if len(nat) == 11 && nat[1] == '1' {
		old := int(nat[0]-'0')*1000 + int(nat[1]-'0')*100 + int(nat[2]-'0')*10 + int(nat[3]-'0')
		if nw := phoneTab.oldNew[old]; nw != 0 {
			nat[1], nat[2] = byte('0'+nw/10%10), byte('0'+nw%10)
			copy(nat[3:], nat[4:])
			p.n--
			nat = nat[:10]
			p.Flags |= FlagPhoneOldPrefix
		}
	}
	if nat[0] != '0' {
		return invalidPhone(p)
	}
	switch {
	case len(nat) == 10 && nat[1] != '2':
		pre := int(nat[1]-'0')*10 + int(nat[2]-'0')
		if c := phoneTab.carrier[pre]; c != "" {
			p.Kind = PhoneMobile
			p.Carrier = c
			return p
		}
		p.Flags |= FlagPhoneUnknownPrefix
		return invalidPhone(p)
	case len(nat) == 11 && nat[1] == '2':
		p.Kind = PhoneLandline
		p.Flags |= FlagPhoneLandline
		return p
	}
	return invalidPhone(p)
}

func invalidPhone(p Phone) Phone {
	p.Kind = PhoneInvalid
	p.Flags |= FlagPhoneInvalid
	p.Carrier = ""
	return p
}

func hasDigit(s []byte) bool {
	for _, c := range s {
		if '0' <= c && c <= '9' {
			return true
		}
	}
	return false
}
