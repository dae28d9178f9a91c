package report

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Charts are hand-written SVG: no script, no fetch, a few kilobytes each.
// Every data mark carries data-value (the raw figure) and a <title> (the
// tooltip a browser shows on hover), so the figures can be read back.

// Palette, colour-blind safe and readable in print.
const (
	colBlue   = "#2f6db5"
	colRed    = "#c8453a"
	colGreen  = "#2e8b57"
	colGrey   = "#9aa5b1"
	colAmber  = "#d98c1f"
	colPurple = "#7b5aa6"
	colYellow = "#c99a06"
	colOrange = "#e06c1f"
	colBrown  = "#9c4f1a"
	colInk    = "#1f2933"
	colMuted  = "#616e7c"
	colGrid   = "#e4e7eb"
)

var seriesColours = []string{colBlue, colGreen, colAmber, colPurple, colRed, colGrey}

// warmColours mark problems: amber to red, never green or blue.
var warmColours = []string{colAmber, colOrange, colRed, colBrown, colYellow}

type svgBuf struct{ strings.Builder }

func (b *svgBuf) f(format string, args ...any) { fmt.Fprintf(b, format, args...) }

func esc(s string) string { return template.HTMLEscapeString(s) }

func ff(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }

func (b *svgBuf) open(name string, w, h float64, label string) {
	b.f(`<svg class="chart" data-chart="%s" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %s %s" width="%s" height="%s" role="img" aria-label="%s">`,
		esc(name), ff(w), ff(h), ff(w), ff(h), esc(label))
}

func (b *svgBuf) text(x, y float64, anchor, class, s string) {
	b.f(`<text x="%s" y="%s" text-anchor="%s" class="%s">%s</text>`, ff(x), ff(y), anchor, class, esc(s))
}

func (b *svgBuf) html() template.HTML {
	b.WriteString("</svg>")
	return template.HTML(b.String())
}

// bar is one bar of a horizontal bar chart.
type bar struct {
	Label string
	Value float64
	Text  string // value label; default the value
	Color string
	Title string // tooltip; default label: text
	Extra string // text in a right-hand column (hbarOpts.ExtraWidth)
}

// hbarOpts shapes a horizontal bar chart.
type hbarOpts struct {
	Width      float64
	LabelWidth float64
	Log        bool // log10(1+v) lengths for counts spanning decades
	Diverging  bool // bars grow left (negative) and right (positive) of zero
	Max        float64
	ExtraWidth float64 // width of a text column right of the plot
	Compact    bool    // thinner rows, for long charts
}

// hbars draws labelled horizontal bars, one per row.
func hbars(name, label string, bars []bar, o hbarOpts) template.HTML {
	if o.Width == 0 {
		o.Width = 640
	}
	if o.LabelWidth == 0 {
		o.LabelWidth = 190
	}
	rowH, barH, top := 24.0, 16.0, 8.0
	if o.Compact {
		rowH, barH = 19, 14
	}
	// The value labels sit right of the bars: leave room for the longest
	// (at 11px, about 6.6px a character) so that a full bar's label, e.g.
	// "99.99%  (20,009)", is never clipped at the chart's edge.
	valueW := 90.0
	for _, br := range bars {
		text := br.Text
		if text == "" {
			text = fmtNum(br.Value)
		}
		valueW = max(valueW, 12+textWidth(text, 11))
	}
	plotW := o.Width - o.LabelWidth - valueW - o.ExtraWidth
	h := top*2 + rowH*float64(len(bars))
	if o.Log {
		h += rowH // room for the line saying the scale is logarithmic
	}
	scale := func(v float64) float64 {
		if o.Log {
			return math.Log10(1 + math.Abs(v))
		}
		return math.Abs(v)
	}
	lo, hi := 0.0, o.Max
	for _, br := range bars {
		if br.Value < 0 {
			lo = max(lo, scale(br.Value))
		} else {
			hi = max(hi, scale(br.Value))
		}
	}
	if hi == 0 && lo == 0 {
		hi = 1
	}
	// Diverging charts put zero where the longest negative and positive
	// bars both fit; labels of negative bars go inside the plot's left.
	zero := o.LabelWidth
	unit := plotW / (lo + hi)
	if !o.Diverging {
		unit = plotW / max(hi, 1e-12)
	} else {
		zero += lo * unit
	}
	var b svgBuf
	b.open(name, o.Width, h, label)
	if o.Diverging {
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, ff(zero), ff(top/2), ff(zero), ff(h-top/2), colMuted)
	}
	for i, br := range bars {
		y := top + rowH*float64(i)
		length := scale(br.Value) * unit
		if br.Value != 0 && length < 1 {
			length = 1 // a non-zero figure stays visible
		}
		x := zero
		if br.Value < 0 {
			x = zero - length
		}
		color := br.Color
		if color == "" {
			color = colBlue
			if br.Value < 0 {
				color = colRed
			}
		}
		text := br.Text
		if text == "" {
			text = fmtNum(br.Value)
		}
		title := br.Title
		if title == "" {
			title = br.Label + ": " + text
		}
		b.text(o.LabelWidth-8, y+barH-3, "end", "lbl", truncate(br.Label, int(o.LabelWidth/6.2)))
		b.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" data-value="%s"><title>%s</title></rect>`,
			ff(x), ff(y), ff(length), ff(barH), color, strconv.FormatFloat(br.Value, 'g', 8, 64), esc(title))
		if br.Extra != "" {
			b.text(o.Width-o.ExtraWidth+8, y+barH-3, "start", "val", br.Extra)
		}
		if br.Value < 0 {
			// Negative values are labelled right of the zero axis so they
			// never collide with the row label on the left.
			b.text(zero+4, y+barH-3, "start", "val neg", text)
		} else {
			b.text(x+length+4, y+barH-3, "start", "val", text)
		}
	}
	if o.Log {
		// Bar lengths are log10(1+v): said on the chart, not only in its
		// aria-label, since 14 pairs would otherwise look like half of 210.
		b.text(o.LabelWidth, h-top, "start", "axis", "bar length: log scale (each step of ten is the same length)")
	}
	return b.html()
}

// axisPct prints an axis bound as a percentage with as few decimals as
// it needs: 90%, 99.5%.
func axisPct(x float64) string {
	for d := 0; d < 3; d++ {
		if s := axisPctN(x, d); math.Abs(100*x-math.Round(100*x*math.Pow(10, float64(d)))/math.Pow(10, float64(d))) < 1e-9 {
			return s
		}
	}
	return axisPctN(x, 3)
}

func axisPctN(x float64, decimals int) string {
	return strconv.FormatFloat(100*x, 'f', decimals, 64) + "%"
}

// textWidth estimates the width in pixels of s in the page's sans-serif
// font at size px: digits and most letters are about 0.6 em.
func textWidth(s string, px float64) float64 {
	return 0.6 * px * float64(len([]rune(s)))
}

// column is one column of a vertical bar chart.
type column struct {
	Label string // x tick label
	Value float64
	Color string
	Title string
}

// vbarOpts shapes a vertical bar chart.
type vbarOpts struct {
	Width, Height float64
	Log           bool    // log y axis (counts over several decades)
	Marker        float64 // x position of a vertical marker in column units; NaN for none
	MarkerLabel   string
	XLabel        string
	YLabel        string
}

// vbars draws columns with a y axis, thinned x labels and an optional
// vertical marker (the threshold).
func vbars(name, label string, cols []column, o vbarOpts) template.HTML {
	if o.Width == 0 {
		o.Width = 900
	}
	if o.Height == 0 {
		o.Height = 280
	}
	const left, right, top, bottom = 64.0, 16.0, 24.0, 48.0
	plotW, plotH := o.Width-left-right, o.Height-top-bottom
	maxV := 0.0
	for _, c := range cols {
		maxV = max(maxV, c.Value)
	}
	n := max(len(cols), 1)
	// Few columns stay narrow (at most 72 px) rather than fill the width.
	colW := math.Min(plotW/float64(n), 72)
	plotW = colW * float64(n)
	o.Width = left + plotW + right
	var ticks []float64
	var y func(v float64) float64
	if o.Log {
		decades := math.Max(1, math.Ceil(math.Log10(math.Max(maxV, 1))))
		y = func(v float64) float64 {
			if v <= 0 {
				return top + plotH
			}
			// log10(1+v) so that a count of 1 still shows a bar.
			return top + plotH - plotH*math.Log10(1+v)/math.Log10(1+math.Pow(10, decades))
		}
		for d := 0.0; d <= decades; d++ {
			ticks = append(ticks, math.Pow(10, d))
		}
	} else {
		step := niceStep(maxV / 4)
		yTop := math.Max(step, math.Ceil(maxV/step)*step)
		y = func(v float64) float64 { return top + plotH - plotH*v/yTop }
		for t := 0.0; t <= yTop+step/2; t += step {
			ticks = append(ticks, t)
		}
	}
	var b svgBuf
	b.open(name, o.Width, o.Height, label)
	for _, t := range ticks {
		ty := y(t)
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, ff(left), ff(ty), ff(left+plotW), ff(ty), colGrid)
		b.text(left-6, ty+4, "end", "tick", fmtNum(t))
	}
	gap := math.Min(2, colW*0.15)
	// At most ~24 x labels, each centred under its column.
	every := max(1, int(math.Ceil(float64(len(cols))/24)))
	for i, c := range cols {
		x := left + colW*float64(i)
		cy := y(c.Value)
		color := c.Color
		if color == "" {
			color = colBlue
		}
		title := c.Title
		if title == "" {
			title = c.Label + ": " + fmtNum(c.Value)
		}
		hgt := top + plotH - cy
		if c.Value > 0 && hgt < 1 {
			hgt, cy = 1, top+plotH-1
		}
		b.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" data-value="%s"><title>%s</title></rect>`,
			ff(x+gap/2), ff(cy), ff(colW-gap), ff(hgt), color, strconv.FormatFloat(c.Value, 'g', 8, 64), esc(title))
		if i%every == 0 {
			b.text(x+colW/2, top+plotH+16, "middle", "tick", c.Label)
		}
	}
	b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, ff(left), ff(top+plotH), ff(left+plotW), ff(top+plotH), colMuted)
	if !math.IsNaN(o.Marker) {
		mx := left + colW*o.Marker
		b.f(`<line class="marker" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="5 3"/>`, ff(mx), ff(top-8), ff(mx), ff(top+plotH), colInk)
		anchor, lx := "start", mx+5
		if mx > left+plotW*0.75 {
			anchor, lx = "end", mx-5
		}
		b.text(lx, top-10+12, anchor, "mark", o.MarkerLabel)
	}
	if o.XLabel != "" {
		b.text(left+plotW/2, o.Height-8, "middle", "axis", o.XLabel)
	}
	if o.YLabel != "" {
		b.f(`<text transform="translate(14 %s) rotate(-90)" text-anchor="middle" class="axis">%s</text>`, ff(top+plotH/2), esc(o.YLabel))
	}
	return b.html()
}

// series is one line of a line chart.
type series struct {
	Name  string
	Color string
	X, Y  []float64
}

// yRange is the y axis of a line chart of rates: from Lo to Hi, ticks every
// Step, printed as percentages.
type yRange struct{ Lo, Hi, Step float64 }

// rateRange zooms a rate axis to the data: from the lowest rate rounded
// down to the highest rounded up, in nice steps (at most [0, 1]).
func rateRange(ss []series) yRange {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, v := range s.Y {
			if !math.IsNaN(v) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if math.IsInf(lo, 0) {
		return yRange{0, 1, 0.2}
	}
	lo, hi = max(0, lo), min(1, hi)
	step := niceStep(max(hi-lo, 0.005) / 5)
	r := yRange{Lo: math.Floor(lo/step+1e-9) * step, Hi: math.Ceil(hi/step-1e-9) * step, Step: step}
	if r.Hi <= r.Lo {
		r.Hi = r.Lo + step
	}
	if r.Hi > 1 {
		r.Hi = 1
		r.Lo = min(r.Lo, 1-step)
	}
	return r
}

// lines draws series over a shared x axis with y over yr (rates), a
// legend, a y-axis title and an optional vertical marker at x = marker.
func lines(name, label string, ss []series, marker float64, markerLabel, xLabel string, yr yRange, yLabel string) template.HTML {
	const w, h, left, right, top, bottom = 900.0, 300.0, 72.0, 130.0, 20.0, 44.0
	plotW, plotH := w-left-right, h-top-bottom
	xmin, xmax := math.Inf(1), math.Inf(-1)
	for _, s := range ss {
		for _, x := range s.X {
			xmin, xmax = min(xmin, x), max(xmax, x)
		}
	}
	if !math.IsNaN(marker) {
		xmin, xmax = min(xmin, marker), max(xmax, marker)
	}
	if math.IsInf(xmin, 0) || xmax == xmin {
		xmin, xmax = xmin-1, xmin+1
		if math.IsInf(xmin, 0) {
			xmin, xmax = 0, 1
		}
	}
	ymin, ymax := yr.Lo, yr.Hi
	px := func(x float64) float64 { return left + plotW*(x-xmin)/(xmax-xmin) }
	py := func(v float64) float64 { return top + plotH - plotH*(v-ymin)/(ymax-ymin) }
	var b svgBuf
	b.open(name, w, h, label)
	decimals := 0
	if yr.Step < 0.01 {
		decimals = 1
	}
	for k := 0; ; k++ {
		t := ymin + float64(k)*yr.Step
		if t > ymax+yr.Step/2 {
			break
		}
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, ff(left), ff(py(t)), ff(left+plotW), ff(py(t)), colGrid)
		b.text(left-6, py(t)+4, "end", "tick", axisPctN(t, decimals))
	}
	if yLabel != "" {
		b.f(`<text transform="translate(14 %s) rotate(-90)" text-anchor="middle" class="axis">%s</text>`, ff(top+plotH/2), esc(yLabel))
	}
	step := niceStep((xmax - xmin) / 10)
	for t := math.Ceil(xmin/step) * step; t <= xmax+1e-9; t += step {
		b.text(px(t), top+plotH+16, "middle", "tick", fmtNum(t))
	}
	b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s"/>`, ff(left), ff(top+plotH), ff(left+plotW), ff(top+plotH), colMuted)
	if !math.IsNaN(marker) {
		b.f(`<line class="marker" x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="2" stroke-dasharray="5 3"/>`, ff(px(marker)), ff(top), ff(px(marker)), ff(top+plotH), colInk)
		b.text(px(marker)+5, top+plotH-8, "start", "mark", markerLabel)
	}
	for i, s := range ss {
		color := s.Color
		if color == "" {
			color = seriesColours[i%len(seriesColours)]
		}
		var pts []string
		for k := range s.X {
			pts = append(pts, ff(px(s.X[k]))+","+ff(py(s.Y[k])))
		}
		b.f(`<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, color, strings.Join(pts, " "))
		for k := range s.X {
			b.f(`<circle cx="%s" cy="%s" r="2.5" fill="%s" data-value="%s"><title>%s at %s: %s</title></circle>`,
				ff(px(s.X[k])), ff(py(s.Y[k])), color, strconv.FormatFloat(s.Y[k], 'g', 6, 64), esc(s.Name), fmtNum(s.X[k]), pct(s.Y[k]))
		}
		ly := top + 14 + 20*float64(i)
		b.f(`<line x1="%s" y1="%s" x2="%s" y2="%s" stroke="%s" stroke-width="3"/>`, ff(w-right+14), ff(ly-4), ff(w-right+34), ff(ly-4), color)
		b.text(w-right+40, ly, "start", "lbl", s.Name)
	}
	b.text(left+plotW/2, h-8, "middle", "axis", xLabel)
	return b.html()
}

// stack is one row of a stacked horizontal bar chart.
type stack struct {
	Label string
	Parts []float64
}

// stacked draws rows of stacked shares (each row fills the width) with a
// legend of the part names; colours[k] is part k's colour.
func stacked(name, label string, rows []stack, parts, colours []string) template.HTML {
	const w, labelW, rowH, barH, top = 900.0, 150.0, 26.0, 18.0, 34.0
	plotW := w - labelW - 20
	h := top + rowH*float64(len(rows)) + 8
	var b svgBuf
	b.open(name, w, h, label)
	lx := labelW
	for i, p := range parts {
		b.f(`<rect x="%s" y="6" width="12" height="12" fill="%s"/>`, ff(lx), colours[i])
		b.text(lx+16, 16, "start", "lbl", p)
		lx += 36 + 7.5*float64(len([]rune(p)))
	}
	for i, r := range rows {
		y := top + rowH*float64(i)
		total := 0.0
		for _, v := range r.Parts {
			total += v
		}
		b.text(labelW-8, y+barH-4, "end", "lbl", r.Label)
		x := labelW
		for k, v := range r.Parts {
			if total == 0 || v == 0 {
				continue
			}
			wd := plotW * v / total
			b.f(`<rect x="%s" y="%s" width="%s" height="%s" fill="%s" data-value="%s"><title>%s, %s: %s (%s)</title></rect>`,
				ff(x), ff(y), ff(wd), ff(barH), colours[k], strconv.FormatFloat(v, 'g', 8, 64),
				esc(r.Label), esc(parts[k]), fmtNum(v), pct(v/total))
			if wd > 56 {
				b.f(`<text x="%s" y="%s" text-anchor="middle" class="inbar">%s</text>`, ff(x+wd/2), ff(y+barH-5), pct(v/total))
			}
			x += wd
		}
	}
	return b.html()
}

// niceStep rounds a raw tick step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}

func truncate(s string, n int) string {
	if n <= 1 || len([]rune(s)) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
