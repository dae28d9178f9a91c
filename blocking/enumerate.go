package blocking

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dedup-vn/dedup/internal/parallel"
	"github.com/dedup-vn/dedup/internal/prefetch"
)

// Pair is one candidate pair: rows Left < Right, found by rule Rule (the
// index of the rule in the order given to Build).
type Pair struct {
	Left, Right int32
	Rule        uint8
}

// Chunk is one unit of enumerated pairs. Pairs is reused once the callback
// that received the Chunk returns: copy what must outlive it.
type Chunk struct {
	// Index is the chunk's position in the enumeration order (0-based);
	// chunks of rule 0 come first, then rule 1, and so on.
	Index int
	// Rule is the rule every pair of the chunk was found by.
	Rule  int
	Pairs []Pair
}

// ErrStop may be returned by a callback to end an enumeration early without
// an error.
var ErrStop = errors.New("blocking: stop")

// AppendChunk appends chunk c's pairs to dst and returns it. Pairs come in a
// fixed order: block by block in key order; within an uncapped block by
// (left, right) positions, within a capped block by outer position then
// offset. A pair that an earlier rule produces is left out. It is safe for
// concurrent use with distinct dst.
func (ix *Index) AppendChunk(dst []Pair, c int) []Pair {
	ch := ix.chunks[c]
	r := int(ch.rule)
	ru := &ix.rules[r]
	if ch.o1 > 0 {
		return ix.appendBlock(dst, r, int(ch.b0), int(ch.o0), int(ch.o1))
	}
	// The cross-rule test reads the earlier rules' keys of every row of a
	// block, rows scattered over the register: prefetch them a few rows
	// ahead of the block being enumerated, so that their cache misses
	// overlap (on a 10.8M-record register the peer benchmark's pair loop
	// fell 1.5 → 1.3 s: benchmarks/RESULTS.md).
	pf := ru.starts[ch.b0]
	for b := ch.b0; b < ch.b1; b++ {
		if r > 0 {
			to := min(ru.starts[b+1]+prefetchRows, ru.starts[ch.b1])
			if pf < to {
				ix.prefetchKeys(r, ru.rows[pf:to])
				pf = to
			}
		}
		size := int(ru.starts[b+1] - ru.starts[b])
		dst = ix.appendBlock(dst, r, int(b), 0, size)
	}
	return dst
}

// prefetchRows is how many rows past the current block AppendChunk
// prefetches the earlier rules' keys of.
const prefetchRows = 16

// prefetchKeys starts loading the keys of rows under the rules before r.
func (ix *Index) prefetchKeys(r int, rows []int32) {
	for _, row := range rows {
		for k := 0; k < r; k++ {
			prefetch.Uint64(ix.rules[k].keys, int(row))
		}
	}
}

// appendBlock appends block b's pairs whose outer record is in [o0, o1).
func (ix *Index) appendBlock(dst []Pair, r, b, o0, o1 int) []Pair {
	ru := &ix.rules[r]
	rows := ru.rows[ru.starts[b]:ru.starts[b+1]]
	rule := uint8(r)
	if len(rows) <= ix.opt.MaxBlockSize {
		// Rows are ascending, so rows[a] < rows[c] for a < c.
		for a := o0; a < o1; a++ {
			i := rows[a]
			for _, j := range rows[a+1:] {
				if r > 0 && ix.earlier(r, i, j) {
					continue
				}
				dst = append(dst, Pair{Left: i, Right: j, Rule: rule})
			}
		}
		return dst
	}
	w := ix.opt.Window
	for a := o0; a < o1; a++ {
		i := rows[a]
		end := min(a+w+1, len(rows))
		for _, j := range rows[a+1 : end] {
			if r > 0 && ix.earlier(r, i, j) {
				continue
			}
			if i < j {
				dst = append(dst, Pair{Left: i, Right: j, Rule: rule})
			} else {
				dst = append(dst, Pair{Left: j, Right: i, Rule: rule})
			}
		}
	}
	return dst
}

// earlier reports whether a rule before r produces the pair (i, j) (see
// Produces). Positions are read only for rows sharing a key, as they are
// scattered over the register.
func (ix *Index) earlier(r int, i, j int32) bool {
	for k := 0; k < r; k++ {
		ru := &ix.rules[k]
		ki := ru.keys[i]
		if ki == 0 {
			continue
		}
		kj := ru.keys[j]
		pi, pj := int32(NotCapped), int32(NotCapped)
		if ki == kj && ru.pos != nil {
			if pi = ru.pos[i]; pi >= 0 {
				pj = ru.pos[j]
			}
		}
		if Produces(ki, kj, pi, pj, ix.opt.Window) {
			return true
		}
	}
	return false
}

// NotCapped is the capped-block position of a row that is in no capped
// block.
const NotCapped = -1

// Produces is the cross-rule test for one rule: whether the rule produces
// the pair of rows whose keys under it are ki and kj and whose positions
// in their capped block are pi and pj (pi NotCapped: the block is not
// capped; pj is then not read). The two must share a non-zero key, and
// either that block was not capped or the rows are within window of each
// other in it. Checking the window matters: a pair merely sharing a capped
// block was skipped by the rule, and must stay available to later rules.
// The Index applies it to the rules before a pair's own; a run that builds
// one rule's Index at a time applies it with the earlier rules' keys and
// CappedPositions it kept.
func Produces(ki, kj uint64, pi, pj int32, window int) bool {
	if ki == 0 || ki != kj {
		return false
	}
	if pi < 0 {
		return true // same uncapped block
	}
	d := pi - pj
	if d < 0 {
		d = -d
	}
	return d <= int32(window)
}

// chunkOf returns the Chunk header for chunk c.
func (ix *Index) chunkOf(c int, pairs []Pair) *Chunk {
	return &Chunk{Index: c, Rule: int(ix.chunks[c].rule), Pairs: pairs}
}

// Enumerate produces every candidate pair, chunk by chunk, on workers
// goroutines, and calls fn on the calling goroutine with the chunks in
// chunk order, so the sequence fn sees is the same whatever workers is. At
// most 2 × workers chunk buffers exist at once. A callback error stops the
// enumeration and is returned (ErrStop stops it and returns nil).
func (ix *Index) Enumerate(workers int, fn func(*Chunk) error) error {
	if workers <= 1 {
		buf := make([]Pair, 0, ix.maxChunk)
		for c := range ix.chunks {
			buf = ix.AppendChunk(buf[:0], c)
			if err := fn(ix.chunkOf(c, buf)); err != nil {
				return stopErr(err)
			}
		}
		return nil
	}
	type job struct {
		c   int
		buf []Pair
	}
	nbuf := 2 * workers
	free := make(chan []Pair, nbuf)
	for i := 0; i < nbuf; i++ {
		free <- nil
	}
	jobs := make(chan job, workers)
	// results never blocks: at most nbuf jobs exist.
	results := make(chan job, nbuf)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // dispatcher: hands out chunks in order, one free buffer each
		defer wg.Done()
		defer close(jobs)
		for c := range ix.chunks {
			var buf []Pair
			select {
			case buf = <-free:
			case <-done:
				return
			}
			select {
			case jobs <- job{c, buf}:
			case <-done:
				return
			}
		}
	}()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if cap(j.buf) < ix.maxChunk {
					// Sized once to the largest chunk: never grows after.
					j.buf = make([]Pair, 0, ix.maxChunk)
				}
				j.buf = ix.AppendChunk(j.buf[:0], j.c)
				results <- j
			}
		}()
	}
	// Reorder: slot c%nbuf holds chunk c until its turn. Chunks are
	// dispatched in order with one of nbuf buffers, so chunk next is always
	// among the nbuf outstanding ones and the loop cannot stall.
	slots := make([]job, nbuf)
	ready := make([]bool, nbuf)
	var err error
	for next := 0; next < len(ix.chunks) && err == nil; {
		j := <-results
		slots[j.c%nbuf], ready[j.c%nbuf] = j, true
		for next < len(ix.chunks) && ready[next%nbuf] && err == nil {
			s := slots[next%nbuf]
			ready[next%nbuf] = false
			err = fn(ix.chunkOf(next, s.buf))
			free <- s.buf
			next++
		}
	}
	close(done)
	wg.Wait()
	return stopErr(err)
}

// EnumerateParallel produces every candidate pair like Enumerate, but calls
// fn on the worker goroutines as soon as a chunk is ready, in no particular
// order; worker (0..workers-1) names the calling goroutine so fn can use
// per-worker scratch. For deterministic output, write results into slots
// indexed by Chunk.Index. On error, the error of the lowest-numbered failing
// chunk is returned.
func (ix *Index) EnumerateParallel(workers int, fn func(worker int, c *Chunk) error) error {
	var stop atomic.Bool
	var mu sync.Mutex
	errChunk, firstErr := -1, error(nil)
	bufs := make([][]Pair, max(workers, 1))
	parallel.For(workers, len(ix.chunks), func(w, c int) {
		if stop.Load() {
			return // the chunks left are skipped
		}
		if bufs[w] == nil {
			bufs[w] = make([]Pair, 0, ix.maxChunk)
		}
		bufs[w] = ix.AppendChunk(bufs[w][:0], c)
		if err := fn(w, ix.chunkOf(c, bufs[w])); err != nil {
			mu.Lock()
			if errChunk < 0 || c < errChunk {
				errChunk, firstErr = c, err
			}
			mu.Unlock()
			stop.Store(true)
		}
	})
	return stopErr(firstErr)
}

func stopErr(err error) error {
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// Plan counts, per rule, the pairs enumeration produces after cross-rule
// deduplication, without keeping any pair: each worker reuses one chunk
// buffer. It returns the statistics of Stats with Pairs filled in; the
// counts do not depend on workers.
func (ix *Index) Plan(workers int) ([]RuleStats, error) { return ix.PlanKept(workers, nil) }

// PlanKept is Plan counting only the pairs keep accepts (nil: all), as
// the scorer does: in link mode, pairs of one source are never scored.
func (ix *Index) PlanKept(workers int, keep func(Pair) bool) ([]RuleStats, error) {
	counts := make([]int64, len(ix.chunks))
	err := ix.EnumerateParallel(workers, func(_ int, c *Chunk) error {
		if keep == nil {
			counts[c.Index] = int64(len(c.Pairs))
			return nil
		}
		n := int64(0)
		for _, p := range c.Pairs {
			if keep(p) {
				n++
			}
		}
		counts[c.Index] = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	st := ix.Stats()
	for i := range st {
		st[i].Pairs = 0
	}
	for c, n := range counts {
		st[ix.chunks[c].rule].Pairs += n
	}
	return st, nil
}

// String formats a rule's statistics on one line (key hashes only, never
// record values).
func (s RuleStats) String() string {
	sizes := make([]string, len(s.Largest))
	for i, b := range s.Largest {
		sizes[i] = strconv.Itoa(b.Size)
	}
	largest := "none"
	if len(sizes) > 0 {
		largest = strings.Join(sizes, ", ") + " records"
	}
	return fmt.Sprintf("%s: records=%d blocks=%d singletons=%d naive_pairs=%d candidate_pairs=%d pairs=%d capped_blocks=%d capped_records=%d capped_pairs_skipped=%d largest blocks: %s",
		s.Name, s.Records, s.Blocks, s.Singletons, s.NaivePairs, s.CandidatePairs, s.Pairs, s.CappedBlocks, s.CappedRecords, s.CappedPairsSkipped, largest)
}
