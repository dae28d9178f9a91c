package gen

import (
	"strconv"
	"strings"
)

// wardAbbrev maps a ward or district type to its usual abbreviation
// (refdata Abbreviations).
var typeAbbrev = map[string]string{
	"Phường": "P.", "Xã": "X.", "Thị trấn": "TT.", "Đặc khu": "ĐK",
	"Quận": "Q.", "Huyện": "H.", "Thị xã": "TX.", "Thành phố": "TP.",
}

func appendUnit(dst []byte, typ, name, full string, abbrev bool) []byte {
	if !abbrev {
		return append(dst, full...)
	}
	a, ok := typeAbbrev[typ]
	if !ok {
		return append(dst, full...)
	}
	dst = append(dst, a...)
	// "P.1", "Q.10": no space before a number, as people write them
	if len(name) == 0 || name[0] < '0' || name[0] > '9' {
		dst = append(dst, ' ')
	}
	return append(dst, name...)
}

// renderAddress writes "house street, ward, district, province" in the
// pre-2025 units, or "house street, ward, province" in the 2025 units;
// dropPart removes one of the parts.
func (w *worker) renderAddress(dst []byte, ward, newWard, house, street int, use2025, abbrev, dropPart bool) []byte {
	t, r := w.t, w.r
	wi := t.wards[ward]
	drop := -1
	if dropPart {
		drop = r.IntN(3) // 0 house, 1 ward, 2 district (2025: province)
	}
	parts := 0
	sep := func() {
		if parts > 0 {
			dst = append(dst, ", "...)
		}
		parts++
	}
	if drop != 0 {
		sep()
		if wi.w.Type == "Xã" {
			switch t.provs[t.provIndex(wi.w.ProvinceCode)].region {
			case 2:
				dst = append(dst, "Ấp "...)
			default:
				dst = append(dst, "Thôn "...)
			}
			dst = strconv.AppendInt(dst, int64(1+house%12), 10)
		} else {
			if abbrev {
				dst = append(dst, "Số "...)
			}
			dst = strconv.AppendInt(dst, int64(house), 10)
			dst = append(dst, ' ')
			if !abbrev {
				dst = append(dst, "đường "...)
			} else {
				dst = append(dst, "Đ. "...)
			}
			dst = append(dst, streets[street]...)
		}
	}
	if use2025 {
		nw := t.wardsNew[newWard]
		if drop != 1 {
			sep()
			dst = appendUnit(dst, nw.Type, nw.Name, nw.FullName, abbrev)
		}
		if drop != 2 {
			sep()
			np := t.provsNew[t.newProvIndex(nw.ProvinceCode)]
			dst = w.appendProvince(dst, np.Name, np.FullName, np.Type, np.Aliases, abbrev)
		}
		return dst
	}
	if drop != 1 {
		sep()
		dst = appendUnit(dst, wi.w.Type, wi.w.Name, wi.w.FullName, abbrev)
	}
	if drop != 2 {
		sep()
		dst = appendUnit(dst, wi.district.Type, wi.district.Name, wi.district.FullName, abbrev)
	}
	sep()
	p := t.provs[t.provIndex(wi.w.ProvinceCode)]
	return w.appendProvince(dst, p.p.Name, p.p.FullName, p.p.Type, p.alias, abbrev)
}

func (w *worker) appendProvince(dst []byte, name, full, typ string, aliases []string, abbrev bool) []byte {
	r := w.r
	if abbrev {
		if len(aliases) > 0 && r.IntN(2) == 0 {
			return append(dst, aliases[r.IntN(len(aliases))]...)
		}
		if strings.HasPrefix(typ, "Thành phố") {
			return append(append(dst, "TP. "...), name...)
		}
		return append(append(dst, "T. "...), name...)
	}
	if r.IntN(3) == 0 {
		return append(dst, name...) // "Nghệ An" without "Tỉnh"
	}
	return append(dst, full...)
}

func (t *tables) provIndex(code string) int {
	return t.provByCode[code]
}

func (t *tables) newProvIndex(code string) int {
	return t.newProvByCode[code]
}
