package pipeline

import "github.com/dedup-vn/dedup/internal/sysmem"

// DefaultMemoryShare is the share of the machine's memory (or of the
// container's limit) a run budgets for itself when not told: a nightly job
// shares its machine with others, and the operating system's file cache
// reads the inputs.
const DefaultMemoryShare = 4

// DefaultMemoryLimit is the memory budget of a run without --memory: a
// quarter of the machine's (or container's) memory, at least 1 GiB; 4 GiB
// when the size is unknown. The run sizes its store, spill and partitions
// by the budget; it leaves the Go runtime's heap limit to the process
// (cmd/dedup sets it to sysmem.HeapLimit of the budget).
func DefaultMemoryLimit() int64 {
	total := physicalMemory()
	if total <= 0 {
		return 4 << 30
	}
	return max(total/DefaultMemoryShare, 1<<30)
}

// physicalMemory is the smaller of the machine's memory and the
// process's cgroup limit (v1 or v2), 0 when neither can be read.
var physicalMemory = sysmem.Total

// storeCeilingPercent is the share of the machine's memory the record
// store may reach while loading: blocking, scoring and writing need about
// as much again on top of it (10M records: a 2.8 GiB store, 5.7 GiB peak).
const storeCeilingPercent = 45

// memoryOverride replaces the machine's memory size in tests (0: none).
var memoryOverride int64
