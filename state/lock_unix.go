//go:build unix

package state

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lock holds the state folder for one night: a second night on the same
// folder would remove the first one's work. The kernel drops the lock when
// the process ends, killed or not.
func lock(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, fileLock), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot lock the state folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("state %s: in use (a night, or a link or lookup reading it, is running on this state folder)", dir)
	}
	return func() { f.Close() }, nil
}

// lockShared holds the state folder for a reader (link, lookup): readers
// share it, and keep a night from replacing the generation they read.
func lockShared(dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, fileLock), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot lock the state folder: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("state %s: a night is running on this state folder; read it when the night has ended", dir)
	}
	return func() { f.Close() }, nil
}
