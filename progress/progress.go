// Package progress reports the progress of a long stage on stderr: an
// interactive bar (schollz/progressbar) when stderr is a terminal, and a
// plain line every few seconds otherwise, because the bar's endless \r
// redraws make redirected logs unreadable. Messages carry counts only,
// never record contents.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Reporter counts work done toward an optional total.
type Reporter struct {
	label string
	total int64
	done  atomic.Int64
	bar   *progressbar.ProgressBar
	out   io.Writer
	every time.Duration
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	// held counts what the bar has not been shown yet: the bar derives its
	// rate from its count over the time since it started, and a first
	// batch of 65,536 rows a few microseconds in read as 1.8 billion
	// rows/s. The bar is fed from barDelay on.
	held    atomic.Int64
	showing atomic.Bool
}

// barDelay is how long the bar holds its count back, so that its first
// rate spans a meaningful time.
const barDelay = 500 * time.Millisecond

// Options configures a Reporter; the zero value reports to stderr.
type Options struct {
	Out      io.Writer     // default os.Stderr
	Quiet    bool          // report nothing
	Interval time.Duration // plain-line period, default 5s
	Terminal *bool         // force bar (true) or plain lines (false); default: detect
}

// New starts reporting work named label; total may be 0 when unknown.
func New(label string, total int64, opt Options) *Reporter {
	r := &Reporter{label: label, total: total, out: opt.Out, every: opt.Interval, start: time.Now()}
	if r.out == nil {
		r.out = os.Stderr
	}
	if r.every <= 0 {
		r.every = 5 * time.Second
	}
	if opt.Quiet {
		return r
	}
	isTerm := false
	if opt.Terminal != nil {
		isTerm = *opt.Terminal
	} else if f, ok := r.out.(*os.File); ok {
		isTerm = term.IsTerminal(int(f.Fd()))
	}
	if isTerm {
		max := total
		if max <= 0 {
			max = -1
		}
		r.bar = progressbar.NewOptions64(max,
			progressbar.OptionSetWriter(r.out),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("rows"),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		return r
	}
	r.stop = make(chan struct{})
	r.wg.Add(1)
	go r.loop()
	return r
}

func (r *Reporter) loop() {
	defer r.wg.Done()
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.line()
		}
	}
}

func (r *Reporter) line() {
	n := r.done.Load()
	el := time.Since(r.start).Seconds()
	rate := 0.0
	if el >= barDelay.Seconds() {
		rate = float64(n) / el
	}
	if r.total > 0 {
		fmt.Fprintf(r.out, "%s: %d/%d (%.1f%%) %.0f/s\n", r.label, n, r.total, 100*float64(n)/float64(r.total), rate)
	} else {
		fmt.Fprintf(r.out, "%s: %d %.0f/s\n", r.label, n, rate)
	}
}

// Add records n more units done. It is safe for concurrent use.
func (r *Reporter) Add(n int64) {
	if r == nil {
		return
	}
	r.done.Add(n)
	if r.bar == nil {
		return
	}
	if r.showing.Load() {
		r.bar.Add64(n)
		return
	}
	r.held.Add(n)
	if time.Since(r.start) >= barDelay && r.showing.CompareAndSwap(false, true) {
		r.bar.Add64(r.held.Swap(0))
	}
}

// Done stops reporting; a plain reporter prints a final line.
func (r *Reporter) Done() {
	if r == nil {
		return
	}
	r.once.Do(func() {
		if r.bar != nil {
			if n := r.held.Swap(0); n > 0 {
				r.bar.Add64(n)
			}
			r.bar.Finish()
			return
		}
		if r.stop != nil {
			close(r.stop)
			r.wg.Wait()
			r.line()
		}
	})
}
