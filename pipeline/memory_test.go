package pipeline

import (
	"context"
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
}

// TestRunLeavesHeapLimit: the budget sizes the run, but the process-wide
// GC limit is the caller's (cmd/dedup sets it); a run with a small budget
// does not change it, while it runs or after. (The heap limit a budget
// gives is tested in internal/sysmem.)
func TestRunLeavesHeapLimit(t *testing.T) {
	in := filepath.Join(generated(t), "population")
	before := debug.SetMemoryLimit(-1)
	seen := &limitLog{}
	if _, err := Run(context.Background(), config.Default(), Options{OutDir: t.TempDir(), Inputs: []string{in}, Workers: 2,
		Progress: quietProgress, Plan: true, MemoryLimit: 300 << 20, Log: seen}); err != nil {
		t.Fatal(err)
	}
	if len(seen.limits) == 0 {
		t.Fatal("the run logged nothing")
	}
	for _, l := range append(seen.limits, debug.SetMemoryLimit(-1)) {
		if l != before {
			t.Fatalf("heap limit %d during or after the run, want the caller's %d", l, before)
		}
	}
}

// limitLog records the GC limit each time the run logs a line.
type limitLog struct{ limits []int64 }

func (l *limitLog) Write(p []byte) (int, error) {
	l.limits = append(l.limits, debug.SetMemoryLimit(-1))
	return len(p), nil
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
