// Package sysmem reads how much memory the process may use: the machine's
// (/proc/meminfo) and the limit of its control group, cgroup v2
// (memory.max) or v1 (memory.limit_in_bytes), the smaller of the two.
// Where none can be read (not Linux), the size is unknown (0).
package sysmem

import (
	"os"
	"path"
	"strconv"
	"strings"
)

// Paths are the files Total reads; tests point them into testdata.
type Paths struct {
	MemInfo    string // /proc/meminfo
	SelfCgroup string // /proc/self/cgroup: the process's control groups
	V2Root     string // the cgroup v2 (unified) hierarchy's mount
	V1Root     string // the cgroup v1 memory controller's mount
}

// System are the paths of a Linux system.
var System = Paths{
	MemInfo:    "/proc/meminfo",
	SelfCgroup: "/proc/self/cgroup",
	V2Root:     "/sys/fs/cgroup",
	V1Root:     "/sys/fs/cgroup/memory",
}

// Total is System.Total.
func Total() int64 { return System.Total() }

// Total returns the smaller of the machine's memory and the process's
// cgroup limit in bytes, whichever is known; 0 when neither is.
func (p Paths) Total() int64 {
	total := p.machine()
	if l := p.CgroupLimit(); l > 0 && (total == 0 || l < total) {
		total = l
	}
	return total
}

// machine is MemTotal of /proc/meminfo in bytes, 0 when unreadable.
func (p Paths) machine() int64 {
	data, err := os.ReadFile(p.MemInfo)
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil && kb > 0 {
				return kb << 10
			}
		}
	}
	return 0
}

// unlimited: cgroup v1 writes "no limit" as the largest page-aligned
// int64; anything this large limits nothing.
const unlimited = 1 << 62

// CgroupLimit returns the tightest memory limit over the process's cgroup
// and its ancestors (a parent's limit binds its children too), in v2 and
// in v1; 0 when there is none or none can be read. Without
// /proc/self/cgroup (or inside a cgroup namespace, where the path is "/")
// the hierarchies' root files are read.
func (p Paths) CgroupLimit() int64 {
	v2, v1 := "/", "/"
	if data, err := os.ReadFile(p.SelfCgroup); err == nil {
		for line := range strings.SplitSeq(string(data), "\n") {
			// hierarchy-ID:controllers:path; v2 has ID 0 and no controllers.
			id, rest, ok := strings.Cut(line, ":")
			ctrls, cg, ok2 := strings.Cut(rest, ":")
			if !ok || !ok2 {
				continue
			}
			if id == "0" && ctrls == "" {
				v2 = cg
			}
			for c := range strings.SplitSeq(ctrls, ",") {
				if c == "memory" {
					v1 = cg
				}
			}
		}
	}
	limit := int64(0)
	take := func(v int64) {
		if v > 0 && v < unlimited && (limit == 0 || v < limit) {
			limit = v
		}
	}
	take(walk(p.V2Root, v2, "memory.max"))
	take(walk(p.V1Root, v1, "memory.limit_in_bytes"))
	return limit
}

// walk reads file in root/cg and every ancestor up to root and returns the
// smallest limit found (0: none). "max" (v2's no limit) and unreadable
// files count as none.
func walk(root, cg, file string) int64 {
	if root == "" {
		return 0
	}
	limit := int64(0)
	for dir := path.Clean("/" + cg); ; dir = path.Dir(dir) {
		if data, err := os.ReadFile(root + strings.TrimSuffix(dir, "/") + "/" + file); err == nil {
			v, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
			if err == nil && v > 0 && (limit == 0 || v < limit) {
				limit = v
			}
		}
		if dir == "/" {
			return limit
		}
	}
}

// Headroom is what a budget keeps back from the Go heap limit for what
// the limit does not see or reacts to late: the binary, thread stacks,
// and the heap's growth between two collections.
const Headroom = 256 << 20

// HeapLimit is the Go heap limit (debug.SetMemoryLimit) that keeps a
// process within budget bytes: the budget less Headroom, and at least
// half the budget. The limit is soft: when live data alone exceeds it the
// process goes on above it (the collector's CPU is capped).
func HeapLimit(budget int64) int64 { return max(budget-Headroom, budget/2) }
