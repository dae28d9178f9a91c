// Package prefetch asks the CPU to start loading memory that a loop will
// read a little later, so that the cache misses of random rows overlap with
// the work on the current ones instead of stalling it. A prefetch is only a
// hint: it never faults, changes no value, and is a no-op where the
// architecture has no instruction for it.
package prefetch

import "unsafe"

// Uint32 prefetches s[i]; an index out of range is ignored.
func Uint32(s []uint32, i int) {
	if uint(i) < uint(len(s)) {
		addr(unsafe.Pointer(&s[i]))
	}
}

// Int32 prefetches s[i]; an index out of range is ignored.
func Int32(s []int32, i int) {
	if uint(i) < uint(len(s)) {
		addr(unsafe.Pointer(&s[i]))
	}
}

// Uint64 prefetches s[i]; an index out of range is ignored.
func Uint64(s []uint64, i int) {
	if uint(i) < uint(len(s)) {
		addr(unsafe.Pointer(&s[i]))
	}
}

// Byte prefetches b[i]; an index out of range is ignored.
func Byte(b []byte, i int) {
	if uint(i) < uint(len(b)) {
		addr(unsafe.Pointer(&b[i]))
	}
}
