package refdata

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// CMNDIssuer is a prefix of the CMND list joined to the pre-2025 province
// that issued the numbers starting with it.
type CMNDIssuer struct {
	Prefix   string // 2 or 3 digits
	Province int    // index into ProvincesOld
}

type cmndJoin struct {
	issuers []CMNDIssuer
	by3     [1000][]int // first three digits → indexes into ProvincesOld
}

// CMNDIssuers returns the list's prefixes (2 or 3 digits) with the
// province each names, in list order. Entries that name no pre-2025
// province (ranges, notes, "Hà Tây (former)") are left out; a prefix
// shared by two provinces (12: Bắc Ninh and Bắc Giang, once Hà Bắc)
// appears once for each.
func (t *Tables) CMNDIssuers() []CMNDIssuer { return t.cmnd.issuers }

// CMNDProvinces returns the indexes into ProvincesOld of the provinces
// that issued CMNDs beginning with the digits of cmnd (its first three
// are read; a 2-digit prefix covers all ten 3-digit ones under it); nil
// when cmnd has fewer than three leading digits or the partial list knows
// none. The slice is shared and must not be modified.
func (t *Tables) CMNDProvinces(cmnd []byte) []int {
	if len(cmnd) < 3 || !isDigit(cmnd[0]) || !isDigit(cmnd[1]) || !isDigit(cmnd[2]) {
		return nil
	}
	return t.cmnd.by3[int(cmnd[0]-'0')*100+int(cmnd[1]-'0')*10+int(cmnd[2]-'0')]
}

// joinCMND joins the CMND list to ProvincesOld by name. The list names
// provinces as they were written then: "TP. Hồ Chí Minh", "Bắc Kạn (Bắc
// Cạn)", "Hòa Bình" (old tone placement) for the table's Hoà Bình. So the
// names are compared without a parenthesis or a "TP." before them, and
// folded (no diacritics, lower case), which also makes the tone's place
// indifferent. Folded, the table's names are all distinct (tested).
func (t *Tables) joinCMND() {
	byName := map[string]int{}
	for i, p := range t.ProvincesOld {
		byName[foldName(p.Name)] = i
	}
	for _, c := range t.CMNDPrefixes {
		if len(c.Prefix) < 2 || len(c.Prefix) > 3 || !allDigits(c.Prefix) {
			continue // ranges and notes, not prefixes
		}
		name, _, _ := strings.Cut(c.Province, " (")
		i, ok := byName[foldName(strings.TrimPrefix(name, "TP. "))]
		if !ok {
			continue
		}
		t.cmnd.issuers = append(t.cmnd.issuers, CMNDIssuer{Prefix: c.Prefix, Province: i})
		k := 0
		for _, d := range c.Prefix {
			k = k*10 + int(d-'0')
		}
		if len(c.Prefix) == 2 {
			for d := range 10 {
				t.cmnd.by3[k*10+d] = append(t.cmnd.by3[k*10+d], i)
			}
		} else {
			t.cmnd.by3[k] = append(t.cmnd.by3[k], i)
		}
	}
}

// foldName is a province name without diacritics, in lower case.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ' || r == 'Đ':
			b.WriteByte('d')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
