package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/dedup-vn/dedup/internal/ordered"
)

// orderedPool is ordered.Pool with the run's cancellation error: the
// loader, the scorer and the spilled stages run their batches through it.
type orderedPool[In, Out any] struct {
	work    func(worker int, in In) (Out, error)
	consume func(out Out) error
	workers int
}

// run feeds items from next (which returns false when done) through the
// pool. The first error (from next, work or consume) stops the run; a
// canceled parent is reported as errCanceled, whatever stage noticed it.
func (p orderedPool[In, Out]) run(parent context.Context, next func() (In, bool, error)) error {
	return canceled(parent, ordered.Pool[In, Out]{Workers: p.workers, Work: p.work, Consume: p.consume}.Run(parent, next))
}

// canceled is err, said to be errCanceled when it is parent's
// cancellation (the record set's passes run outside orderedPool: Run
// says so of what they return).
func canceled(parent context.Context, err error) error {
	if err != nil && parent.Err() != nil && !errors.Is(err, errCanceled) &&
		(errors.Is(err, parent.Err()) || errors.Is(err, context.Canceled)) {
		err = fmt.Errorf("%w: %w", errCanceled, err)
	}
	return err
}
