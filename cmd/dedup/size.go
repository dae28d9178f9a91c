package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/dedup-vn/dedup/internal/sysmem"
	"github.com/dedup-vn/dedup/pipeline"
)

// sizeUnits are the suffixes parseSize accepts, longest first so that
// "GiB" is not read as "G" followed by junk. Decimal and binary prefixes
// both mean powers of 1024: memory is counted in binary units.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{
	{"tib", 1 << 40}, {"gib", 1 << 30}, {"mib", 1 << 20}, {"kib", 1 << 10},
	{"tb", 1 << 40}, {"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10},
	{"t", 1 << 40}, {"g", 1 << 30}, {"m", 1 << 20}, {"k", 1 << 10},
	{"b", 1},
}

// parseSize reads a memory size such as "6GiB", "6g", "1.5 GiB", "512M"
// or a plain number of bytes.
func parseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.bytes
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("size %q: want a number with an optional unit (6GiB, 512M)", s)
	}
	b := v * float64(mult)
	if b < 0 || b >= math.MaxInt64/2 {
		return 0, fmt.Errorf("size %q: out of range", s)
	}
	return int64(b), nil
}

// memoryFlag reads --memory: empty is 0 (the default budget); a size
// under the 256 MiB a run needs, or not a size, is a usage error.
func memoryFlag(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := parseSize(v)
	if err != nil {
		return 0, usagef("--memory: %v", err)
	}
	if n < 256<<20 {
		return 0, usagef("--memory: %s is under the 256 MiB a run needs at least", v)
	}
	return n, nil
}

// memoryBudget reads --memory (empty: pipeline.DefaultMemoryLimit) and
// has the garbage collector keep the process under it, until restore is
// called: the process's decision, so it is made here and not inside the
// library.
func memoryBudget(v string) (limit int64, restore func(), err error) {
	if limit, err = memoryFlag(v); err != nil {
		return 0, nil, err
	}
	if limit == 0 {
		limit = pipeline.DefaultMemoryLimit()
	}
	old := debug.SetMemoryLimit(sysmem.HeapLimit(limit))
	return limit, func() { debug.SetMemoryLimit(old) }, nil
}

// checkWorkers rejects a negative --workers (0 means all cores).
func checkWorkers(n int) error {
	if n < 0 {
		return usagef("--workers %d: want 0 (all cores) or more", n)
	}
	return nil
}
