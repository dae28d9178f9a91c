package blocking

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
)

func BenchmarkHash(b *testing.B) {
	name := []byte("nguyen thi thu thuy")
	b.ReportAllocs()
	b.SetBytes(int64(len(name)) + 8)
	var s uint64
	for i := 0; i < b.N; i++ {
		s += NewHasher().Bytes(name).Uint64(uint64(i)).Sum()
	}
	_ = s
}

// zipfRules builds rules over n records whose block sizes follow a Zipf-like
// law, as surname+birth-year keys do: a few huge blocks, many small ones.
func zipfRules(n int) []Rule {
	rng := rand.New(rand.NewPCG(11, 12))
	mk := func(s float64, vals uint64, nullEvery int) Rule {
		z := rand.NewZipf(rng, s, 1, vals)
		keys := make([]uint64, n)
		sec := make([]uint64, n)
		for i := range keys {
			if nullEvery == 0 || i%nullEvery != 0 {
				keys[i] = NewHasher().Uint64(z.Uint64()).Sum()
			}
			sec[i] = rng.Uint64()
		}
		return Rule{Keys: keys, Secondary: sec}
	}
	r0 := mk(1.3, uint64(n/2), 0)  // e.g. full name + date of birth
	r1 := mk(1.1, uint64(n/4), 10) // e.g. surname + given name + province
	r2 := mk(1.5, uint64(n), 5)    // e.g. phone
	r0.Name, r1.Name, r2.Name = "name_dob", "name_province", "phone"
	return []Rule{r0, r1, r2}
}

func BenchmarkBuild1M(b *testing.B) {
	rules := zipfRules(1_000_000)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := Build(1_000_000, rules, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEnumerate1M(b *testing.B) {
	const n = 1_000_000
	ix, err := Build(n, zipfRules(n), Options{})
	if err != nil {
		b.Fatal(err)
	}
	st, _ := ix.Plan(1)
	var total int64
	for _, s := range st {
		total += s.Pairs
	}
	b.Logf("stats: %v", st)
	for _, w := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", w), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				var got int64
				if err := ix.Enumerate(w, func(c *Chunk) error { got += int64(len(c.Pairs)); return nil }); err != nil {
					b.Fatal(err)
				}
				if got != total {
					b.Fatalf("got %d pairs, plan %d", got, total)
				}
			}
			b.ReportMetric(float64(total)*float64(b.N)/b.Elapsed().Seconds(), "pairs/s")
		})
	}
}

// BenchmarkBuildDumped builds the index of real keys written by
// `benchmarks/ours --dump-keys FILE`, named by $BLOCKING_KEYS (skipped
// without it), with the singleton filter (filter) and without (plain),
// on $BLOCKING_WORKERS workers (default 2). Run the two alternately
// (-count) to compare them in the same conditions.
func BenchmarkBuildDumped(b *testing.B) {
	path := os.Getenv("BLOCKING_KEYS")
	if path == "" {
		b.Skip("BLOCKING_KEYS not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	u := func(i int) uint64 { return binary.LittleEndian.Uint64(data[8*i:]) }
	n, nr := int(u(0)), int(u(1))
	if len(data) != 8*(2+n*(nr+1)) {
		b.Fatalf("%s: %d bytes, want %d for %d rows and %d rules", path, len(data), 8*(2+n*(nr+1)), n, nr)
	}
	col := func(c int) []uint64 {
		out := make([]uint64, n)
		for i := range out {
			out[i] = u(2 + c*n + i)
		}
		return out
	}
	sec := col(nr)
	rules := make([]Rule, nr)
	for r := range rules {
		rules[r] = Rule{Name: fmt.Sprint("r", r), Keys: col(r), Secondary: sec}
	}
	workers := 2
	if w, err := strconv.Atoi(os.Getenv("BLOCKING_WORKERS")); err == nil && w > 0 {
		workers = w
	}
	for _, c := range []struct {
		name string
		bits int
	}{{"filter", 0}, {"plain", -1}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuSeconds()
			for i := 0; i < b.N; i++ {
				if _, err := Build(n, rules, Options{Workers: workers, filterBits: c.bits}); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time, not wall: the machine is shared.
			b.ReportMetric((cpuSeconds()-cpu0)*1e3/float64(b.N), "cpu-ms/op")
		})
	}
}
