package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// orderedPool runs work items on a fixed number of workers and hands the
// results to a single consumer in submission order, so that parallel stages
// produce the same output whatever the number of workers. At most
// 2*workers items are in flight, which bounds memory.
type orderedPool[In, Out any] struct {
	work    func(worker int, in In) (Out, error)
	consume func(out Out) error
	workers int
}

type slot[Out any] struct {
	out  Out
	err  error
	done chan struct{}
}

// run feeds items from next (which returns false when done) through the
// pool. The first error (from next, work or consume) stops the run.
func (p orderedPool[In, Out]) run(parent context.Context, next func() (In, bool, error)) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	type job struct {
		in In
		s  *slot[Out]
	}
	jobs := make(chan job)
	order := make(chan *slot[Out], 2*p.workers)
	var wg sync.WaitGroup
	for w := 0; w < p.workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := range jobs {
				j.s.out, j.s.err = p.work(w, j.in)
				close(j.s.done)
			}
		}(w)
	}
	var prodErr error
	go func() {
		defer close(order)
		defer close(jobs)
		for {
			in, ok, err := next()
			if err != nil {
				prodErr = err
				return
			}
			if !ok {
				return
			}
			s := &slot[Out]{done: make(chan struct{})}
			select {
			case order <- s:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- job{in, s}:
			case <-ctx.Done():
				// The slot is queued already: complete it, or the
				// consumer would wait for it forever.
				s.err = ctx.Err()
				close(s.done)
				return
			}
		}
	}()
	var err error
	for s := range order {
		<-s.done
		if err != nil {
			continue // drain
		}
		if s.err != nil {
			err = s.err
			cancel()
			continue
		}
		if cerr := p.consume(s.out); cerr != nil {
			err = cerr
			cancel()
		}
	}
	wg.Wait()
	if err == nil {
		err = prodErr
	}
	if err == nil && parent.Err() != nil {
		// The caller canceled: say so, whatever stage noticed it.
		err = fmt.Errorf("%w: %w", errCanceled, parent.Err())
	}
	if errors.Is(err, context.Canceled) && parent.Err() != nil && !errors.Is(err, errCanceled) {
		err = fmt.Errorf("%w: %w", errCanceled, err)
	}
	return err
}
