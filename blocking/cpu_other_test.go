//go:build !unix

package blocking

// cpuSeconds is 0 where getrusage is missing: the cpu-ms/op metric reads 0.
func cpuSeconds() float64 { return 0 }
