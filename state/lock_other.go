//go:build !unix

package state

// lock does nothing where flock is missing: run one night at a time.
func lock(string) (func(), error) { return func() {}, nil }

// lockShared does nothing where flock is missing.
func lockShared(string) (func(), error) { return func() {}, nil }
