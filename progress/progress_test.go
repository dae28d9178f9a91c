package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPlainLinesWhenNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	no := false
	r := New("gen", 100, Options{Out: &buf, Interval: time.Hour, Terminal: &no})
	r.Add(40)
	r.Add(60)
	r.Done()
	r.Done() // idempotent
	out := buf.String()
	if strings.Contains(out, "\r") {
		t.Errorf("plain output has carriage returns: %q", out)
	}
	if !strings.Contains(out, "gen: 100/100 (100.0%)") || strings.Count(out, "\n") != 1 {
		t.Errorf("final line = %q; want one line with gen: 100/100 (100.0%%)", out)
	}
}

func TestQuietPrintsNothing(t *testing.T) {
	var buf bytes.Buffer
	r := New("x", 0, Options{Out: &buf, Quiet: true})
	r.Add(5)
	r.Done()
	if buf.Len() != 0 {
		t.Errorf("quiet reporter wrote %q", buf.String())
	}
}

func TestBarOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	yes := true
	r := New("run", 10, Options{Out: &buf, Terminal: &yes})
	r.Add(10)
	r.Done()
	if r.bar == nil || r.stop != nil {
		t.Fatalf("terminal output got plain lines, want the bar")
	}

}

// TestFirstRateSane: a large first batch right after the start is not
// reported as billions of rows a second, on the bar or in plain lines.
func TestFirstRateSane(t *testing.T) {
	var buf bytes.Buffer
	yes := true
	r := New("normalize", 0, Options{Out: &buf, Terminal: &yes})
	r.Add(65536)
	time.Sleep(250 * time.Millisecond)
	if got := r.bar.State().CurrentBytes; got != 0 {
		t.Errorf("bar shows %v rows %v after the start, want them held back", got, time.Since(r.start))
	}
	time.Sleep(barDelay)
	r.Add(1)
	if got := r.bar.State().CurrentBytes; got != 65537 {
		t.Errorf("bar shows %v rows after the delay, want 65537", got)
	}
	r.Done()
	var plain bytes.Buffer
	no := false
	p := New("normalize", 0, Options{Out: &plain, Terminal: &no, Interval: time.Hour})
	p.Add(65536)
	p.Done()
	if !strings.Contains(plain.String(), "normalize: 65536 0/s") {
		t.Errorf("plain line %q: want no rate for a stage shorter than %v", plain.String(), barDelay)
	}
}
