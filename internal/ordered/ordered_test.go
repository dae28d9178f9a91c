package ordered

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// counter returns a next that yields 1..n (n < 0: endless).
func counter(n int) func() (int, bool, error) {
	i := 0
	return func() (int, bool, error) {
		if i == n {
			return 0, false, nil
		}
		i++
		return i, true, nil
	}
}

func TestRunKeepsOrder(t *testing.T) {
	for _, workers := range []int{0, 1, 2, 7} {
		var got []int
		p := Pool[int, int]{
			Workers: workers,
			Work: func(_ int, in int) (int, error) {
				if in%7 == 0 {
					time.Sleep(time.Microsecond) // finish out of order
				}
				return in * in, nil
			},
			Consume: func(out int) error { got = append(got, out); return nil },
		}
		if err := p.Run(context.Background(), counter(1000)); err != nil {
			t.Fatal(err)
		}
		if len(got) != 1000 {
			t.Fatalf("workers=%d: %d results, want 1000", workers, len(got))
		}
		for k, v := range got {
			if v != (k+1)*(k+1) {
				t.Fatalf("workers=%d: result %d = %d, want %d", workers, k, v, (k+1)*(k+1))
			}
		}
	}
}

func TestRunStopsOnWorkError(t *testing.T) {
	boom := errors.New("boom")
	var discarded atomic.Int64
	p := Pool[int, int]{
		Workers: 3,
		Work: func(_ int, in int) (int, error) {
			if in == 50 {
				return 0, boom
			}
			return in, nil
		},
		Consume: func(out int) error {
			if out >= 50 {
				t.Errorf("consumed %d after the failing item", out)
			}
			return nil
		},
		Discard: func(int) { discarded.Add(1) },
	}
	if err := p.Run(context.Background(), counter(-1)); !errors.Is(err, boom) { // endless: the error must stop it
		t.Fatalf("err = %v, want boom", err)
	}
}

func TestRunStopsOnConsumeError(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	p := Pool[int, int]{
		Workers: 2,
		Work:    func(_ int, in int) (int, error) { return in, nil },
		Consume: func(out int) error {
			n++
			if out == 10 {
				return boom
			}
			return nil
		},
	}
	if err := p.Run(context.Background(), counter(-1)); !errors.Is(err, boom) || n != 10 {
		t.Fatalf("err = %v after %d results, want boom after 10", err, n)
	}
}

// TestRunReportsProducerError: the producer's error comes after every item
// it produced was consumed.
func TestRunReportsProducerError(t *testing.T) {
	bad := errors.New("bad input")
	i, n := 0, 0
	p := Pool[int, int]{
		Workers: 4,
		Work:    func(_ int, in int) (int, error) { return in, nil },
		Consume: func(int) error { n++; return nil },
	}
	err := p.Run(context.Background(), func() (int, bool, error) {
		if i == 20 {
			return 0, false, bad
		}
		i++
		return i, true, nil
	})
	if !errors.Is(err, bad) || n != 20 {
		t.Fatalf("err = %v after %d results, want bad input after 20", err, n)
	}
}

func TestRunCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := Pool[int, int]{
		Workers: 2,
		Work:    func(_ int, in int) (int, error) { return in, nil },
		Consume: func(out int) error {
			if out == 5 {
				cancel()
			}
			return nil
		},
	}
	if err := p.Run(ctx, counter(-1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestStreamEveryAcceptedItemIsWorked: an item emit accepted is worked
// (and so released by Work) even when the run stops; a refused one stays
// the producer's.
func TestStreamEveryAcceptedItemIsWorked(t *testing.T) {
	boom := errors.New("boom")
	var accepted, worked atomic.Int64
	p := Pool[int, int]{
		Workers: 3,
		Work:    func(_ int, in int) (int, error) { worked.Add(1); return in, nil },
		Consume: func(out int) error {
			if out == 30 {
				return boom
			}
			return nil
		},
	}
	err := p.Stream(context.Background(), func(emit func(int) bool) error {
		for i := 1; ; i++ {
			if !emit(i) {
				return nil
			}
			accepted.Add(1)
		}
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if accepted.Load() != worked.Load() {
		t.Fatalf("%d items accepted, %d worked", accepted.Load(), worked.Load())
	}
}

// BenchmarkRun measures the pool's cost per item (the loader and the
// scorer send a batch of thousands of rows per item).
func BenchmarkRun(b *testing.B) {
	p := Pool[int, int]{
		Workers: 2,
		Work:    func(_ int, in int) (int, error) { return in, nil },
		Consume: func(int) error { return nil },
	}
	for b.Loop() {
		if err := p.Run(context.Background(), counter(1000)); err != nil {
			b.Fatal(err)
		}
	}
}
