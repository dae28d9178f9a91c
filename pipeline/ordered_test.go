package pipeline

import (
	"context"
	"errors"
	"testing"
)

// The pool's order and error tests live with it in internal/ordered; this
// one checks what the run adds: a canceled run says errCanceled.
func TestOrderedPoolCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	i := 0
	p := orderedPool[int, int]{
		workers: 2,
		work:    func(_ int, in int) (int, error) { return in, nil },
		consume: func(out int) error {
			if out == 5 {
				cancel()
			}
			return nil
		},
	}
	err := p.run(ctx, func() (int, bool, error) {
		i++
		return i, true, nil // endless: the cancel must stop it
	})
	if !errors.Is(err, errCanceled) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want errCanceled wrapping context.Canceled", err)
	}
}
