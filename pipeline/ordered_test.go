package pipeline

import (
	"context"
	"errors"
	"testing"
)

func TestOrderedPoolKeepsOrder(t *testing.T) {
	for _, workers := range []int{1, 2, 7} {
		i := 0
		var got []int
		p := orderedPool[int, int]{
			workers: workers,
			work:    func(_ int, in int) (int, error) { return in * in, nil },
			consume: func(out int) error { got = append(got, out); return nil },
		}
		err := p.run(context.Background(), func() (int, bool, error) {
			if i == 1000 {
				return 0, false, nil
			}
			i++
			return i, true, nil
		})
		if err != nil {
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

func TestOrderedPoolStopsOnError(t *testing.T) {
	boom := errors.New("boom")
	i := 0
	p := orderedPool[int, int]{
		workers: 3,
		work: func(_ int, in int) (int, error) {
			if in == 50 {
				return 0, boom
			}
			return in, nil
		},
		consume: func(int) error { return nil },
	}
	err := p.run(context.Background(), func() (int, bool, error) {
		i++
		return i, true, nil // endless: the error must stop it
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}
