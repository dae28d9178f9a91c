package normalize

// DateOrder is the order in which a date field's full dates give day,
// month and year: DayFirst (the default, as Vietnamese clerks write),
// MonthFirst (US-style extracts) or YearFirst. A value in a layout that
// says its order itself (a four-digit year first, a year alone,
// month/year) reads the same under any order.
type DateOrder string

// Date orders; "" is DayFirst.
const (
	DayFirst   DateOrder = "dmy"
	MonthFirst DateOrder = "mdy"
	YearFirst  DateOrder = "ymd"
)

// reorderDate rewrites a date written in order into the day-first order
// ParseDate reads,
// appending the result to dst. Only the forms whose order is ambiguous
// change: three numbers (any separators that are not letters) and six or
// eight digits run together; the numbers move, the separators and anything
// after the third number (a time) stay where they are. Digits run together
// come out as day/month/year with two slashes added: day-first digits run
// together are ambiguous to ParseDate (18041931 starts like the year 1804). Values with words
// ("ngày 5 tháng 4 năm 1990" names its parts), a four-digit year first in
// an mdy field, or another shape come back unchanged, and ParseDate judges
// them as it does any value.
func reorderDate(dst, v []byte, order DateOrder) []byte {
	if order != MonthFirst && order != YearFirst {
		return append(dst, v...)
	}
	// The spans of the first three digit runs; a letter before the third
	// run ends ends the rewrite.
	var start, end [3]int
	n := 0
	for i := 0; i < len(v) && n < 3; {
		c := v[i]
		switch {
		case '0' <= c && c <= '9':
			j := i
			for j < len(v) && '0' <= v[j] && v[j] <= '9' {
				j++
			}
			start[n], end[n] = i, j
			n++
			i = j
		case c >= 0x80 || 'a' <= c|0x20 && c|0x20 <= 'z':
			return append(dst, v...)
		default:
			i++
		}
	}
	width := func(k int) int { return end[k] - start[k] }
	switch n {
	case 1:
		w := width(0)
		if w != 6 && w != 8 {
			return append(dst, v...)
		}
		d := v[start[0]:end[0]]
		var a, b, c []byte       // the two-digit parts and the year, as written
		if order == MonthFirst { // mmddyy(yy)
			a, b, c = d[0:2], d[2:4], d[4:]
			a, b = b, a
		} else { // yy(yy)mmdd
			y := w - 4
			a, b, c = d[y+2:], d[y:y+2], d[:y]
		}
		// Written with separators: run together, a day-first 18041931
		// would read as the year 1804 first.
		dst = append(dst, v[:start[0]]...)
		dst = append(dst, a...)
		dst = append(dst, '/')
		dst = append(dst, b...)
		dst = append(dst, '/')
		dst = append(dst, c...)
		return append(dst, v[end[0]:]...)
	case 3:
		first, second, third := 0, 1, 2 // which run goes to each place
		switch {
		case order == MonthFirst && width(0) <= 2 && width(1) <= 2:
			first, second = 1, 0
		case order == YearFirst && width(0) <= 2 && width(1) <= 2 && width(2) <= 2:
			first, third = 2, 0
		default:
			return append(dst, v...)
		}
		runs := [3]int{first, second, third}
		prev := 0
		for k := range 3 {
			dst = append(dst, v[prev:start[k]]...) // the separator before place k
			dst = append(dst, v[start[runs[k]]:end[runs[k]]]...)
			prev = end[k]
		}
		return append(dst, v[prev:]...)
	}
	return append(dst, v...)
}
