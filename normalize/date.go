package normalize

// Precision says which parts of a Date are known.
type Precision uint8

// Date precisions.
const (
	PrecisionNone  Precision = iota // no date
	PrecisionYear                   // year only
	PrecisionMonth                  // month and year
	PrecisionDay                    // full date
)

var precisionNames = [...]string{"none", "year", "month", "day"}

// String returns the stable name of p.
func (p Precision) String() string {
	if int(p) < len(precisionNames) {
		return precisionNames[p]
	}
	return "unknown"
}

// Date is a parsed date, possibly partial: the parts beyond Precision are
// 0. An impossible date (31/02/2024) keeps the numbers it was written with
// and carries FlagDOBImpossible: it is flagged, never silently fixed, so
// Valid is false for it.
type Date struct {
	Year      int16
	Month     uint8
	Day       uint8
	Precision Precision
	Flags     Flags
}

// DateOptions configures ParseDate.
type DateOptions struct {
	// RefYear: see Options.RefYear. 0 = unknown.
	RefYear int
	// MinYear is the earliest plausible year; earlier ones are flagged
	// dob_too_old. 0 means 1900.
	MinYear int
	// Order is the order of day, month and year in full dates ("" is
	// DayFirst): a value whose order is ambiguous is read in it.
	Order DateOrder
}

// Packed returns the date as yyyymmdd with 00 for unknown parts
// (19900400 for April 1990, 19900000 for 1990), 0 for no date.
func (d Date) Packed() int32 {
	return int32(d.Year)*10000 + int32(d.Month)*100 + int32(d.Day)
}

// DateFromPacked is the inverse of Packed (flags are not stored).
func DateFromPacked(v int32) Date {
	d := Date{Year: int16(v / 10000), Month: uint8(v / 100 % 100), Day: uint8(v % 100)}
	switch {
	case d.Day != 0:
		d.Precision = PrecisionDay
	case d.Month != 0:
		d.Precision = PrecisionMonth
	case d.Year != 0:
		d.Precision = PrecisionYear
	}
	return d
}

// Valid reports whether d is a possible date (of any precision).
func (d Date) Valid() bool {
	return d.Precision != PrecisionNone && d.Flags&(FlagDOBImpossible|FlagDOBUnparsed) == 0
}

// AppendISO appends d as yyyy-mm-dd, yyyy-mm or yyyy by precision; nothing
// for no date and nothing for an impossible one (flagged, or numbers no
// calendar has: 0000-00-00, 2024-02-31), which no ISO reader should get.
func (d Date) AppendISO(dst []byte) []byte {
	if !d.Valid() || !d.possible() {
		return dst
	}
	dst = appendDigits(dst, int(d.Year), 4)
	if d.Precision >= PrecisionMonth {
		dst = appendDigits(append(dst, '-'), int(d.Month), 2)
	}
	if d.Precision >= PrecisionDay {
		dst = appendDigits(append(dst, '-'), int(d.Day), 2)
	}
	return dst
}

// possible reports whether d's numbers make a calendar date of its
// precision; DateFromPacked carries no flags, so AppendISO checks them.
func (d Date) possible() bool {
	y, m := int(d.Year), int(d.Month)
	return y >= 1 && (d.Precision < PrecisionMonth || m >= 1 && m <= 12) &&
		(d.Precision < PrecisionDay || d.Day >= 1 && int(d.Day) <= daysIn(y, m))
}

// String returns AppendISO as a string.
func (d Date) String() string { return string(d.AppendISO(nil)) }

func appendDigits(dst []byte, v, width int) []byte {
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	var b [8]byte
	i := len(b)
	for v > 0 || i > len(b)-width {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if i == 0 {
			break
		}
	}
	return append(dst, b[i:]...)
}

type dateGroup struct {
	v, n int // value and digit count
}

// ParseDate parses a date as Vietnamese clerks write it: dd/mm/yyyy,
// d/m/yy, dd.mm.yyyy, dd-mm-yyyy, yyyy-mm-dd, yyyymmdd, ddmmyyyy, mm/yyyy,
// yyyy-mm, yyyy, "ngày 5 tháng 4 năm 1990", with an optional trailing time.
// Day and month are read day first (05/04/1990 is 5 April); when the second
// number exceeds 12 and the first does not, the date was written month
// first: it is swapped and flagged dob_month_first. Two-digit years resolve
// against opt.RefYear (see Options). Impossible dates are flagged
// dob_impossible, never repaired. opt.Order other than DayFirst reads the
// ambiguous forms in that order instead (see reorderDate). A signed number
// ("-1") is no date: dob_unparsed.
func ParseDate(s []byte, opt DateOptions) Date {
	if signed(s) {
		// "-1" or "+5": a number, not a date (it read as 1901).
		return Date{Flags: FlagDOBUnparsed}
	}
	if opt.Order == MonthFirst || opt.Order == YearFirst {
		var buf [48]byte
		s = reorderDate(buf[:0], s, opt.Order)
	}
	var d Date
	var g [3]dateGroup
	ng := 0
	sepT := false // a separator run held 'T' or a space: a time may follow
	empty := true
	for i := 0; i < len(s); {
		c := s[i]
		if '0' <= c && c <= '9' {
			j := i
			v := 0
			for j < len(s) && '0' <= s[j] && s[j] <= '9' {
				if j-i < 9 {
					v = v*10 + int(s[j]-'0')
				}
				j++
			}
			if ng == 3 {
				if sepT {
					break
				}
				d.Flags |= FlagDOBUnparsed
				return d
			}
			g[ng] = dateGroup{v, j - i}
			ng++
			empty = false
			sepT = false
			i = j
			continue
		}
		if c != ' ' && c != '\t' {
			empty = false
		}
		if c == 'T' || c == ' ' {
			sepT = true
		}
		i++
	}
	if ng == 0 {
		if empty {
			d.Flags |= FlagDOBMissing
		} else {
			d.Flags |= FlagDOBUnparsed
		}
		return d
	}
	year, month, day := 0, 0, 0
	yearDigits := 4
	prec := PrecisionDay
	switch ng {
	case 1:
		v, n := g[0].v, g[0].n
		switch {
		case n == 8 && plausibleYear(v/10000):
			year, month, day = v/10000, v/100%100, v%100
		case n == 8 || n == 7 && plausibleYear(v%10000): // ddmmyyyy, dmmyyyy
			year, month, day = v%10000, v/10000%100, v/1000000
		case n == 6 && plausibleYear(v/100) && v%100 >= 1 && v%100 <= 12:
			year, month, prec = v/100, v%100, PrecisionMonth
		case n == 6:
			year, month, day, yearDigits = v%100, v/100%100, v/10000, 2
		case n == 4:
			year, prec = v, PrecisionYear
		case n <= 2:
			year, yearDigits, prec = v, 2, PrecisionYear
		default:
			d.Flags |= FlagDOBUnparsed
			return d
		}
	case 2:
		a, b := g[0], g[1]
		prec = PrecisionMonth
		switch {
		case a.n == 4:
			year, month = a.v, b.v
		case b.n == 4 || b.n == 2:
			year, month, yearDigits = b.v, a.v, b.n
		default:
			d.Flags |= FlagDOBUnparsed
			return d
		}
	case 3:
		a, b, c := g[0], g[1], g[2]
		switch {
		case a.n == 4 && b.n <= 2 && c.n <= 2:
			year, month, day = a.v, b.v, c.v
		case a.n <= 2 && b.n <= 2 && (c.n == 4 || c.n == 2):
			day, month, year, yearDigits = a.v, b.v, c.v, c.n
			if month > 12 && day <= 12 && day >= 1 {
				day, month = month, day
				d.Flags |= FlagDOBMonthFirst
			}
		default:
			d.Flags |= FlagDOBUnparsed
			return d
		}
	}
	if yearDigits == 2 {
		d.Flags |= FlagDOBTwoDigitYear
		year = resolveYear2(year, opt.RefYear)
	}
	d.Year, d.Month, d.Day = int16(year), uint8(month), uint8(day)
	d.Precision = prec
	if prec != PrecisionDay {
		d.Flags |= FlagDOBPartial
	}
	if year < 1 || year > 9999 || d.Precision >= PrecisionMonth && (month < 1 || month > 12) ||
		d.Precision == PrecisionDay && (day < 1 || day > daysIn(year, month)) {
		d.Flags |= FlagDOBImpossible
		if year > 9999 || year < 0 {
			d.Year = 0
		}
		if month > 255 {
			d.Month = 0
		}
		if day > 255 {
			d.Day = 0
		}
		return d
	}
	minYear := opt.MinYear
	if minYear == 0 {
		minYear = 1900
	}
	if year < minYear {
		d.Flags |= FlagDOBTooOld
	}
	if opt.RefYear > 0 && year > opt.RefYear {
		d.Flags |= FlagDOBFuture
	}
	return d
}

// signed reports whether s, spaces skipped, starts with a sign and a digit.
func signed(s []byte) bool {
	for i, c := range s {
		switch c {
		case ' ', '\t':
			continue
		case '-', '+':
			return i+1 < len(s) && '0' <= s[i+1] && s[i+1] <= '9'
		}
		return false
	}
	return false
}

func plausibleYear(y int) bool { return y >= 1800 && y <= 2199 }

// resolveYear2 turns a two-digit year into the latest year ≤ ref ending in
// those digits (a birth date cannot be in the future); 19yy when ref is 0.
func resolveYear2(yy, ref int) int {
	if ref <= 0 {
		return 1900 + yy
	}
	y := ref/100*100 + yy
	if y > ref {
		y -= 100
	}
	return y
}

func daysIn(year, month int) int {
	switch month {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}
