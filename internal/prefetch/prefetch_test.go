package prefetch

import "testing"

// TestOutOfRange: a prefetch outside its slice, or of a nil slice, is
// ignored rather than touching memory or panicking.
func TestOutOfRange(t *testing.T) {
	u32 := make([]uint32, 4)
	i32 := make([]int32, 4)
	u64 := make([]uint64, 4)
	b := make([]byte, 4)
	for _, i := range []int{0, 3, 4, -1, 1 << 40} {
		Uint32(u32, i)
		Int32(i32, i)
		Uint64(u64, i)
		Byte(b, i)
		Uint32(nil, i)
		Int32(nil, i)
		Uint64(nil, i)
		Byte(nil, i)
	}
}

// BenchmarkUint64 is the cost of one prefetch of a cached line (a call:
// the assembly is not inlined).
func BenchmarkUint64(b *testing.B) {
	s := make([]uint64, 1024)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		Uint64(s, i&1023)
	}
}
