package radix

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 1, 2, 63, 64, 65, 1000, 50000} {
		// 3 and 16 bits: few varying bytes, all sorted on. 64: hashes,
		// sorted on the top four bytes and fixed up within runs. 65 stands
		// for keys whose top bytes take few values while five or more bytes
		// vary, so that runs sharing the sorted bytes are long and unsorted.
		// 66: hashes drawn from a pool a third as large, so equal keys
		// (whose rows must stay in order) are split by the skipped low
		// bytes' passes and fixRuns; hashed keys up to 2^20 entries are
		// sorted on three bytes only.
		for _, keyBits := range []uint{3, 16, 64, 65, 66} {
			a := make([]Entry, n)
			pool := make([]uint64, n/3+1)
			for i := range pool {
				pool[i] = rng.Uint64()
			}
			for i := range a {
				k := rng.Uint64()
				switch {
				case keyBits == 66:
					k = pool[rng.IntN(len(pool))]
				case keyBits == 65:
					// A random lowest byte under four bytes of 0 or 1:
					// after the shift, five varying bytes, the top four
					// taking 16 values.
					k = k&0xff | uint64(rng.IntN(2))<<8 | uint64(rng.IntN(2))<<16 | uint64(rng.IntN(2))<<24 | uint64(rng.IntN(2))<<48
				case keyBits < 64:
					k &= 1<<keyBits - 1
				}
				a[i] = Entry{Key: k << 8, Row: int32(i)} // low byte constant: skipped pass
			}
			want := slices.Clone(a)
			slices.SortStableFunc(want, func(x, y Entry) int { return cmp.Compare(x.Key, y.Key) })
			got := Sort(a, nil)
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d bits=%d: radix sort differs from stable sort", n, keyBits)
			}
		}
	}
}

func randomEntries(n int) []Entry {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	a := make([]Entry, n)
	for i := range a {
		a[i] = Entry{Key: rng.Uint64(), Row: int32(i)}
	}
	return a
}

func BenchmarkSort(b *testing.B) {
	for _, n := range []int{1_000_000, 10_000_000} {
		src := randomEntries(n)
		a := make([]Entry, n)
		scratch := make([]Entry, n)
		b.Run(fmt.Sprintf("radix/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				copy(a, src)
				Sort(a, scratch)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
		b.Run(fmt.Sprintf("slices.SortFunc/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				copy(a, src)
				slices.SortFunc(a, func(x, y Entry) int {
					if c := cmp.Compare(x.Key, y.Key); c != 0 {
						return c
					}
					return cmp.Compare(x.Row, y.Row)
				})
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entry")
		})
	}
}
