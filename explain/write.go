package explain

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode"
	"unicode/utf8"
)

// WriteJSON writes the explanation as indented JSON.
func (e *Explanation) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(e)
}

func signed(w float64) string { return strconv.FormatFloat(w, 'f', 2, 64) }

func plus(w float64) string {
	if w > 0 {
		return "+" + signed(w)
	}
	return signed(w)
}

// WriteText writes the explanation for a reviewer: the verdict first, then
// the waterfall, then the records as typed.
func (e *Explanation) WriteText(w io.Writer) error {
	var b strings.Builder
	yes := map[bool]string{true: "yes", false: "no"}
	fmt.Fprintf(&b, "pair %s (%s, %s row %d)\n   & %s (%s, %s row %d)\n\n", safe(e.Left.ID), safe(e.Left.Source), safe(e.Left.File), e.Left.Row,
		safe(e.Right.ID), safe(e.Right.Source), safe(e.Right.File), e.Right.Row)
	cmp := "<"
	if e.Accepted {
		cmp = "≥"
	}
	fmt.Fprintf(&b, "accepted:      %s: match weight %s %s threshold %s; match probability %s\n", yes[e.Accepted], signed(e.Total), cmp, signed(e.Threshold), prob(e.Probability))
	switch e.Candidate {
	case "yes":
		fmt.Fprintf(&b, "blocking:      candidate under rule %s (pairs.parquet)\n", e.BlockingRule)
	case "likely":
		fmt.Fprintf(&b, "blocking:      not in pairs.parquet, but the keys of %s agree: scored below the output floor, or left out of a capped block\n", strings.Join(e.RulesAgree, ", "))
	default:
		fmt.Fprintf(&b, "blocking:      not a candidate: no blocking rule's keys agree, so the pair was never scored\n")
	}
	switch {
	case e.LeftCluster == "" || e.RightCluster == "":
		fmt.Fprintf(&b, "same cluster:  unknown\n")
	case e.SameCluster:
		fmt.Fprintf(&b, "same cluster:  yes (%s)\n", e.LeftCluster)
	default:
		fmt.Fprintf(&b, "same cluster:  no (%s, %s)\n", e.LeftCluster, e.RightCluster)
	}
	if e.Accepted && !e.SameCluster && e.LeftCluster != "" {
		fmt.Fprintf(&b, "               accepted but kept apart: the cannot-link guard (two different valid ID numbers in the clusters)\n")
	}
	if !e.Accepted && e.SameCluster {
		fmt.Fprintf(&b, "               not accepted itself, but linked through other records of the cluster\n")
	}
	for _, warn := range e.Warnings {
		fmt.Fprintf(&b, "warning:       %s\n", safe(warn))
	}
	b.WriteString("\n")
	// Numbers come before the values so that long addresses do not push
	// the weights out of line.
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "comparison\tlevel\t  weight\t running\tleft\tright")
	fmt.Fprintf(tw, "prior\tλ = %.3g\t%8s\t%8s\t\t\n", e.Lambda, plus(e.Prior), signed(e.Prior))
	for _, s := range e.Steps {
		label := s.Label
		if s.Level >= 0 {
			label = fmt.Sprintf("%d %s", s.Level, s.Label)
		}
		if s.TF {
			label += " (tf)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%8s\t%8s\t%s\t%s\n", s.Comparison, label, plus(s.Weight), signed(s.Running), clip(safe(s.Left)), clip(safe(s.Right)))
	}
	fmt.Fprintf(tw, "total\t\t%8s\t\t\t\n", signed(e.Total))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(&b, "\nmatch probability = 2^w / (1 + 2^w) = %s\n", prob(e.Probability))
	for _, s := range e.Steps {
		if s.TF {
			fmt.Fprintf(&b, "tf: %s frequency %.3g (%s)\n", s.Comparison, s.TFFreq, s.TFSource)
		}
	}
	// The records as typed, one under the other: side by side, two long
	// addresses made the table over 200 columns wide.
	b.WriteString("\nrecords as typed\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for i := range e.Left.Fields {
		fmt.Fprintf(tw, "%s\tleft\t%s\n", safe(e.Left.Fields[i].Field), safe(e.Left.Fields[i].Raw))
		fmt.Fprintf(tw, "\tright\t%s\n", safe(e.Right.Fields[i].Raw))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// prob prints a probability with enough digits to tell 0.99 from 0.9999.
func prob(p float64) string {
	switch {
	case p >= 0.999999:
		return strconv.FormatFloat(p, 'f', 8, 64)
	case p <= 1e-4:
		return strconv.FormatFloat(p, 'g', 3, 64)
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}

// waterfallWidth is the most runes of a value the waterfall shows; the
// records as typed follow in full.
const waterfallWidth = 36

// clip shortens s to waterfallWidth runes, marking the cut with "…".
func clip(s string) string {
	if utf8.RuneCountInString(s) <= waterfallWidth {
		return s
	}
	r := []rune(s)
	return string(r[:waterfallWidth-1]) + "…"
}

// safe makes a value from the input harmless on a terminal: control
// characters (ESC, BEL, tab, newline…), bidirectional overrides and
// invalid UTF-8 are written as Go escapes, so a crafted name cannot move
// the cursor, recolour the screen or reorder what the reader sees.
func safe(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && len(s[i:]) > 0 && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case unsafeRune(r):
			q := strconv.QuoteRune(r) // '\x1b', '\u202e'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}
