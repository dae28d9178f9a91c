package pipeline

import (
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// DefaultMemoryShare is the share of the machine's memory (or of the
// container's limit) a run budgets for itself when not told: a nightly job
// shares its machine with others, and the operating system's file cache
// reads the inputs.
const DefaultMemoryShare = 4

// DefaultMemoryLimit is the memory budget of a run without --memory: a
// quarter of the machine's (or container's) memory, at least 1 GiB; 4 GiB
// when the size is unknown.
func DefaultMemoryLimit() int64 {
	total := physicalMemory()
	if total <= 0 {
		return 4 << 30
	}
	return max(total/DefaultMemoryShare, 1<<30)
}

// physicalMemory is the smaller of the machine's memory (/proc/meminfo)
// and the cgroup v2 limit, 0 when neither can be read.
func physicalMemory() int64 {
	var total int64
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err == nil {
					total = kb << 10
				}
			}
		}
	}
	if data, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64); err == nil && v > 0 && (total == 0 || v < total) {
			total = v
		}
	}
	return total
}

// memoryHeadroom is what the budget keeps back from the Go heap limit for
// what the limit does not see or reacts to late: the binary, thread
// stacks, and the heap's growth between two collections.
const memoryHeadroom = 256 << 20

// setMemoryLimit makes the garbage collector keep the process under
// budget bytes and returns the function that restores the previous
// limit. The limit is soft: when live data alone exceeds it the run goes
// on above it (the collector's CPU is capped), and the manifest's peak
// RSS shows by how much.
func setMemoryLimit(budget int64) (restore func()) {
	limit := max(budget-memoryHeadroom, budget/2)
	prev := debug.SetMemoryLimit(limit)
	return func() { debug.SetMemoryLimit(prev) }
}

// storeCeilingPercent is the share of the machine's memory the record
// store may reach while loading: blocking, scoring and writing need about
// as much again on top of it (10M records: a 2.8 GiB store, 5.7 GiB peak).
const storeCeilingPercent = 45

// memoryOverride replaces the machine's memory size in tests (0: none).
var memoryOverride int64
