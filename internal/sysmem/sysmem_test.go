package sysmem

import (
	"os"
	"testing"
)

func paths(dir string) Paths {
	return Paths{
		MemInfo:    "testdata/meminfo",
		SelfCgroup: "testdata/" + dir + "/self_cgroup",
		V2Root:     "testdata/" + dir + "/sys",
		V1Root:     "testdata/" + dir + "/sys",
	}
}

func TestTotal(t *testing.T) {
	const machine = 24683748 << 10
	for _, tc := range []struct {
		name        string
		p           Paths
		limit, want int64
	}{
		// v2: the pod's 2 GiB binds its container (3 GiB); the root says max.
		{"cgroup v2 nested", paths("v2"), 2 << 30, 2 << 30},
		// v1: the container's 1 GiB; the root's "no limit" is not one.
		{"cgroup v1", paths("v1"), 1 << 30, 1 << 30},
		// v2 in a namespace without a limit: the machine's memory.
		{"cgroup v2 no limit", paths("v2open"), 0, machine},
		// No /proc/self/cgroup: the root file, as in a container.
		{"cgroup v2 root only", paths("v2root"), 4 << 30, 4 << 30},
		{"no cgroup", Paths{MemInfo: "testdata/meminfo", SelfCgroup: "testdata/missing"}, 0, machine},
		{"nothing readable", Paths{MemInfo: "testdata/missing"}, 0, 0},
		{"cgroup without meminfo", Paths{SelfCgroup: "testdata/v1/self_cgroup", V1Root: "testdata/v1/sys"}, 1 << 30, 1 << 30},
	} {
		if got := tc.p.CgroupLimit(); got != tc.limit {
			t.Errorf("%s: CgroupLimit = %d, want %d", tc.name, got, tc.limit)
		}
		if got := tc.p.Total(); got != tc.want {
			t.Errorf("%s: Total = %d, want %d", tc.name, got, tc.want)
		}
	}
}

// TestSystem: on Linux the machine's memory is known and the result
// within it.
func TestSystem(t *testing.T) {
	if _, err := os.Stat(System.MemInfo); err != nil {
		t.Skip("no /proc/meminfo")
	}
	if m, total := System.machine(), Total(); m <= 0 || total <= 0 || total > m {
		t.Fatalf("machine %d, total %d", m, total)
	}
}

func TestHeapLimit(t *testing.T) {
	if got := HeapLimit(6 << 30); got != 6<<30-Headroom {
		t.Fatalf("heap limit %d for 6 GiB, want the budget less the headroom %d", got, 6<<30-Headroom)
	}
	// A tiny budget keeps at least half of itself for the heap.
	if got := HeapLimit(300 << 20); got != 150<<20 {
		t.Fatalf("heap limit %d for a 300 MiB budget, want 150 MiB", got)
	}
}
