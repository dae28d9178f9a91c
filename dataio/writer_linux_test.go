//go:build linux

package dataio

import (
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// withFileSizeLimit runs f with RLIMIT_FSIZE at limit bytes, as a stand-in
// for a full disk: writes past the limit fail with EFBIG (SIGXFSZ, which
// would kill the process, is ignored meanwhile). The limit is
// process-wide, so the test must not run in parallel with others.
func withFileSizeLimit(t *testing.T, limit uint64, f func()) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &old); err != nil {
		t.Skip("no RLIMIT_FSIZE:", err)
	}
	signal.Ignore(syscall.SIGXFSZ)
	defer signal.Reset(syscall.SIGXFSZ)
	lim := syscall.Rlimit{Cur: limit, Max: old.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Skip("cannot set RLIMIT_FSIZE:", err)
	}
	defer syscall.Setrlimit(syscall.RLIMIT_FSIZE, &old)
	f()
}

func TestWriterDiskFull(t *testing.T) {
	for _, ext := range []string{"parquet", "csv", "arrow"} {
		dir := t.TempDir()
		path := filepath.Join(dir, "big."+ext)
		sc := StringSchema("id", "v")
		b := NewStringBatchBuilder(sc)
		// Incompressible-ish values so that even zstd output passes the limit.
		x := uint64(88172645463325252)
		for i := 0; i < 20000; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			b.Append([]string{strconv.Itoa(i), strconv.FormatUint(x, 36) + strconv.FormatUint(x*31, 36)})
		}
		rec := b.NewBatch()
		b.Release()
		var werr, cerr error
		withFileSizeLimit(t, 64<<10, func() {
			w, err := Create(path, sc)
			if err != nil {
				werr = err
				return
			}
			defer w.Abort()
			werr = w.Write(rec)
			if werr == nil {
				cerr = w.Commit()
			}
		})
		rec.Release()
		if werr == nil && cerr == nil {
			t.Errorf("%s: writing past the size limit gave no error", ext)
		}
		if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: final path exists after a failed write (%v)", ext, err)
		}
		if tmps := tempFiles(t, dir); len(tmps) != 0 {
			t.Errorf("%s: temporaries left: %v", ext, tmps)
		}
	}
	dir := t.TempDir()
	var err error
	withFileSizeLimit(t, 1<<10, func() {
		err = WriteFileAtomic(filepath.Join(dir, "m.json"), make([]byte, 4<<10))
	})
	if err == nil {
		t.Error("WriteFileAtomic past the size limit gave no error")
	}
	if tmps := tempFiles(t, dir); len(tmps) != 0 {
		t.Errorf("temporaries left: %v", tmps)
	}
}
