//go:build !unix

package normalize

import (
	"testing"
	"time"
)

// cpuTime is unknown here: reportCPU then reports nothing.
func cpuTime() time.Duration { return 0 }

func reportCPU(b *testing.B, start time.Duration) {}

func threadCPUTime() time.Duration { return 0 }
