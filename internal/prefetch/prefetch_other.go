//go:build !amd64

package prefetch

import "unsafe"

func addr(unsafe.Pointer) {}
