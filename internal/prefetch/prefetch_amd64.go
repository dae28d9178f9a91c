package prefetch

import "unsafe"

// addr issues PREFETCHT0 on p (prefetch_amd64.s).
//
//go:noescape
func addr(p unsafe.Pointer)
