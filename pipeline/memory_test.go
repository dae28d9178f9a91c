package pipeline

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
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

// TestRegisterTooBigForMachine: when the record store outgrows its share of
// the machine's memory the run stops with an error that says so (and what
// to do), instead of growing until the kernel kills it; no output appears.
func TestRegisterTooBigForMachine(t *testing.T) {
	in := filepath.Join(generated(t), "population")
	defer func(v int64) { memoryOverride = v }(memoryOverride)
	memoryOverride = 64 << 10 // 64 KiB "machine": the store passes 45% of it at once
	out := t.TempDir()
	_, err := Run(context.Background(), config.Default(), Options{OutDir: out, Inputs: []string{in}, Workers: 2, Progress: quietProgress, Spill: SpillNever})
	if err == nil || !strings.Contains(err.Error(), "does not fit in memory") || !strings.Contains(err.Error(), "--spill never") {
		t.Fatalf("err = %v, want a does-not-fit error", err)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Fatalf("outputs left behind: %v", entries)
	}
	// By default the run spills its records to disk instead.
	m, err := Run(context.Background(), config.Default(), Options{OutDir: out, Inputs: []string{in}, Workers: 2, Progress: quietProgress})
	if err != nil || m.Spill == nil {
		t.Fatalf("default spill mode: err %v, spill %+v; want a spilled run", err, m.Spill)
	}
	memoryOverride = 0
	if _, err := Run(context.Background(), config.Default(), Options{OutDir: out, Inputs: []string{in}, Workers: 2, Progress: quietProgress}); err != nil {
		t.Fatalf("same register on this machine: %v", err)
	}
}

// TestStoreOverBudgetWarns: with spilling off, a record store larger than
// the memory budget (but within the machine) is a warning, once, in the manifest and on the
// warning writer; the run completes.
func TestStoreOverBudgetWarns(t *testing.T) {
	in := filepath.Join(generated(t), "population")
	var warn strings.Builder
	m, err := Run(context.Background(), config.Default(), Options{OutDir: t.TempDir(), Inputs: []string{in}, Workers: 2,
		MemoryLimit: 64 << 10, Warn: &warn, Progress: quietProgress, Spill: SpillNever})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "memory budget") {
		t.Fatalf("warnings %q, want one about the memory budget", m.Warnings)
	}
	if got := strings.Count(warn.String(), "warning:"); got != 1 {
		t.Fatalf("%d warnings written, want 1: %q", got, warn.String())
	}
	m, err = Run(context.Background(), config.Default(), Options{OutDir: t.TempDir(), Inputs: []string{in}, Workers: 2, Progress: quietProgress})
	if err != nil || len(m.Warnings) != 0 {
		t.Fatalf("default budget: err %v, warnings %q", err, m.Warnings)
	}
}
