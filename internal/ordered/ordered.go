// Package ordered runs a stage's items on a few workers and hands the
// results on in the items' order, so that a parallel stage writes the same
// bytes whatever the number of workers.
package ordered

import (
	"context"
	"sync"
)

// Pool runs Work on Workers goroutines (at least one) and hands each
// result to Consume, on the goroutine that called Run or Stream, in the
// order the items came in. At most 2*Workers items wait between the
// producer and Consume, which bounds memory.
type Pool[In, Out any] struct {
	Workers int
	// Work turns one item into its result; worker, in [0, Workers),
	// names the goroutine, for per-worker state that needs no lock.
	Work    func(worker int, in In) (Out, error)
	Consume func(out Out) error
	// Discard, when set, receives the results left unconsumed because
	// the run stopped (to release their buffers).
	Discard func(out Out)
}

// Run feeds the items next returns (ok false: no more) through the pool.
// The first error stops the run and is returned: an error of Work or
// Consume, the earliest item's first, before one of next. When nothing
// failed but ctx was canceled, Run returns ctx.Err().
func (p Pool[In, Out]) Run(ctx context.Context, next func() (in In, ok bool, err error)) error {
	return p.Stream(ctx, func(emit func(In) bool) error {
		for {
			in, ok, err := next()
			if err != nil || !ok {
				return err
			}
			if !emit(in) {
				return nil
			}
		}
	})
}

// Stream is Run for a producer that pushes: produce calls emit with each
// item in turn. Every item emit accepts goes through Work; emit returns
// false, without taking the item, once the run has stopped (an error, or
// ctx canceled), and produce should then return. Errors are reported as
// by Run, produce's last.
func (p Pool[In, Out]) Stream(ctx context.Context, produce func(emit func(In) bool) error) error {
	stopCtx, stop := context.WithCancel(ctx)
	defer stop()
	workers := max(p.Workers, 1)
	type slot struct {
		out  Out
		err  error
		done chan struct{}
	}
	type job struct {
		in In
		s  *slot
	}
	jobs := make(chan job)
	order := make(chan *slot, 2*workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.s.out, j.s.err = p.Work(w, j.in)
				close(j.s.done)
			}
		}()
	}
	var prodErr error
	go func() {
		defer close(order)
		defer close(jobs)
		prodErr = produce(func(in In) bool {
			if stopCtx.Err() != nil {
				return false
			}
			s := &slot{done: make(chan struct{})}
			select {
			case order <- s:
			case <-stopCtx.Done():
				return false
			}
			// The workers take every job until jobs is closed, and the
			// consumer below every slot until order is: neither send
			// can block for good.
			jobs <- job{in, s}
			return true
		})
	}()
	var err error
	for s := range order {
		<-s.done
		switch {
		case err != nil:
			if s.err == nil && p.Discard != nil {
				p.Discard(s.out)
			}
		case s.err != nil:
			err = s.err
			stop()
		default:
			if err = p.Consume(s.out); err != nil {
				stop()
			}
		}
	}
	wg.Wait()
	if err == nil {
		err = prodErr // order is closed: produce has returned
	}
	if err == nil {
		err = ctx.Err()
	}
	return err
}
