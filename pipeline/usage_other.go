//go:build !unix

package pipeline

import (
	"errors"
	"os"
)

// processUsage is unknown off Unix: zeros, which the manifest omits.
func processUsage() (cpuSeconds float64, peakRSS int64) { return 0, 0 }
