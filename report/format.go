package report

import (
	"math"
	"strconv"
)

// fmtNum prints a figure for people: integers with thousands separators,
// other values with two decimals (more for small ones).
func fmtNum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return fmtInt(int64(v))
	}
	switch a := math.Abs(v); {
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 0.01:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 2, 64)
}

// fmtInt prints n with a comma between thousands.
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3+1)
	if neg {
		out = append(out, '-')
	}
	for i := 0; i < len(s); i++ {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// pct prints a share in [0, 1] as a percentage; shares that round to 100%
// or 0% but are not keep a decimal more, so 99.96% never reads as 100%,
// and a share below 1 never rounds up to 100% at all: 20,009 of 20,010
// reads 99.99%. Only a perfect figure shows 100%.
func pct(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	p := 100 * x
	s := strconv.FormatFloat(p, 'f', 1, 64)
	if (s == "100.0" && x < 1) || (s == "0.0" && x > 0) {
		s = strconv.FormatFloat(p, 'f', 2, 64)
	}
	if s == "100.00" && x < 1 {
		s = "99.99"
	}
	return s + "%"
}

func plural(one bool, singular, many string) string {
	if one {
		return singular
	}
	return many
}

// count prints n and the noun that goes with it: "1 file", "2 files".
func count(n int64, one, many string) string {
	return fmtInt(n) + " " + plural(n == 1, one, many)
}

func share(n, of int64) float64 {
	if of == 0 {
		return math.NaN()
	}
	return float64(n) / float64(of)
}

// fmtSeconds prints a stage time.
func fmtSeconds(s float64) string {
	switch {
	case s >= 120:
		m := int(s) / 60
		return strconv.Itoa(m) + " min " + strconv.Itoa(int(s)-60*m) + " s"
	case s >= 10:
		return strconv.FormatFloat(s, 'f', 1, 64) + " s"
	case s >= 0.1:
		return strconv.FormatFloat(s, 'f', 2, 64) + " s"
	}
	return strconv.FormatFloat(s*1000, 'f', 1, 64) + " ms"
}

// fmtBytes prints a byte count in binary units.
func fmtBytes(b uint64) string {
	const unit = 1024
	if b < unit {
		return strconv.FormatUint(b, 10) + " B"
	}
	v, i := float64(b), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + " " + []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[i]
}
