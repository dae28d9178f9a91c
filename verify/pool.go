package verify

import "sync"

// ordered runs work on the items that produce emits, on n workers, and
// hands the results to consume in the order the items were emitted, so the
// output does not depend on n. At most 2n items are in flight. When consume
// fails, emit starts returning false and the error is returned once the
// workers have drained.
func ordered[I, O any](n int, produce func(emit func(I) bool) error, work func(w int, in I) O, consume func(O) error) error {
	if n < 1 {
		n = 1
	}
	type job struct {
		seq int
		in  I
	}
	type res struct {
		seq int
		out O
	}
	jobs := make(chan job, n)
	results := make(chan res, 2*n)
	slots := make(chan struct{}, 2*n)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for j := range jobs {
				results <- res{j.seq, work(w, j.in)}
			}
		}(w)
	}
	var perr error
	go func() {
		seq := 0
		perr = produce(func(in I) bool {
			select {
			case slots <- struct{}{}:
			case <-stop:
				return false
			}
			jobs <- job{seq, in}
			seq++
			return true
		})
		close(jobs)
		wg.Wait()
		close(results)
	}()
	pending := map[int]O{}
	next := 0
	var cerr error
	for r := range results {
		pending[r.seq] = r.out
		for {
			o, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-slots
			if cerr == nil {
				if cerr = consume(o); cerr != nil {
					close(stop)
				}
			}
		}
	}
	if cerr != nil {
		return cerr
	}
	return perr
}
