package pipeline

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	if d := DefaultMemoryLimit(); d < 1<<30 {
		t.Fatalf("DefaultMemoryLimit = %d, under 1 GiB", d)
	}
	if total := physicalMemory(); total > 0 && DefaultMemoryLimit() > max(total/DefaultMemoryShare, 1<<30) {
		t.Fatalf("default budget %d over a quarter of %d", DefaultMemoryLimit(), total)
	}
	before := debug.SetMemoryLimit(-1)
	restore := setMemoryLimit(6 << 30)
	if got := debug.SetMemoryLimit(-1); got != 6<<30-memoryHeadroom {
		t.Fatalf("heap limit %d during the run, want the budget less the headroom %d", got, 6<<30-memoryHeadroom)
	}
	restore()
	if got := debug.SetMemoryLimit(-1); got != before {
		t.Fatalf("limit %d after the run, want the previous %d", got, before)
	}
	// A tiny budget keeps at least half of itself for the heap.
	restore = setMemoryLimit(300 << 20)
	if got := debug.SetMemoryLimit(-1); got != 150<<20 {
		t.Fatalf("heap limit %d for a 300 MiB budget, want 150 MiB", got)
	}
	restore()
	if before != math.MaxInt64 && before <= 0 {
		t.Fatalf("odd previous limit %d", before)
	}
}
