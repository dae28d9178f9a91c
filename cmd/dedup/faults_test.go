//go:build linux

package main

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dedup-vn/dedup/runfolder"
)

// outputDigests hashes the data outputs of a run folder.
func outputDigests(t *testing.T, dir string) map[string][32]byte {
	t.Helper()
	d := map[string][32]byte{}
	for _, f := range []string{runfolder.FileClusters, runfolder.FilePairs, runfolder.FileGolden, runfolder.FileRejects, runfolder.FileModel} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		d[f] = sha256.Sum256(data)
	}
	return d
}

// checkPublished: every output present under its final name is complete
// (a table reads to its end), whatever point a run was stopped at.
func checkPublished(t *testing.T, dir string) {
	t.Helper()
	for _, f := range []string{runfolder.FileClusters, runfolder.FilePairs, runfolder.FileGolden, runfolder.FileRejects} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			tableRows(t, filepath.Join(dir, f))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, runfolder.FileManifest)); err == nil {
		readManifest(t, dir)
	}
}

// TestKillAndRerun: a run killed with SIGKILL at points drawn from a fixed
// seed leaves only complete files under final names, and a rerun into the
// same folder gives byte-identical outputs to an uninterrupted run and
// removes the killed run's temporaries.
func TestKillAndRerun(t *testing.T) {
	gen := generated(t, 3000, 5, "parquet")
	in := filepath.Join(gen, "population")
	ref := filepath.Join(t.TempDir(), "ref")
	start := time.Now()
	mustDedup(t, "run", "--quiet", "--workers", "2", "--out", ref, in)
	// Kill points spread over the uninterrupted run's duration: where
	// they land (read, score, write, rename) varies with the machine,
	// which is the point; the assertions hold at every one.
	full := time.Since(start)
	want := outputDigests(t, ref)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 4; i++ {
		out := filepath.Join(t.TempDir(), "out")
		delay := time.Duration(rng.Int64N(int64(full)))
		cmd := exec.Command(binPath, "run", "--quiet", "--workers", "2", "--out", out, in)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		checkPublished(t, out)
		res := mustDedup(t, "run", "--quiet", "--workers", "2", "--out", out, in)
		_ = res
		got := outputDigests(t, out)
		for f, d := range want {
			if got[f] != d {
				t.Errorf("kill after %v: %s differs from the uninterrupted run's", delay, f)
			}
		}
		checkAccounting(t, out, readManifest(t, out))
		if tmps := tempFiles(t, out); len(tmps) > 0 {
			t.Errorf("kill after %v: the rerun left the killed run's temporaries %v", delay, tmps)
		}
	}
}

// TestKillSpilledRun: a spilled run (--spill always) killed with SIGKILL
// at points drawn from a fixed seed, each after its spill folder (and the
// folder's lock file) exists, leaves that folder behind; the rerun into
// the same --out removes it and gives byte-identical outputs to an
// uninterrupted spilled run (issue 19 item 4).
func TestKillSpilledRun(t *testing.T) {
	gen := generated(t, 3000, 5, "parquet")
	in := filepath.Join(gen, "population")
	args := func(out string) []string {
		return []string{"run", "--quiet", "--workers", "2", "--spill", "always", "--out", out, in}
	}
	ref := filepath.Join(t.TempDir(), "ref")
	start := time.Now()
	mustDedup(t, args(ref)...)
	full := time.Since(start)
	want := outputDigests(t, ref)
	spills := func(dir string) []string {
		m, err := filepath.Glob(filepath.Join(dir, ".dedup-spill-*"))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	rng := rand.New(rand.NewPCG(19, 4))
	killed := 0
	for i := 0; i < 3; i++ {
		out := filepath.Join(t.TempDir(), "out")
		cmd := exec.Command(binPath, args(out)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait for the lock file: a folder killed before it has one is
		// removed only once ten minutes old (README), not by this rerun.
		deadline := time.Now().Add(30 * time.Second)
		var lock []string
		for len(lock) == 0 && time.Now().Before(deadline) {
			lock, _ = filepath.Glob(filepath.Join(out, ".dedup-spill-*", "lock"))
			time.Sleep(time.Millisecond)
		}
		delay := time.Duration(rng.Int64N(int64(full / 2)))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		left := spills(out)
		if len(left) == 0 {
			continue // the run ended (and removed its folder) before the kill
		}
		killed++
		checkPublished(t, out)
		mustDedup(t, args(out)...)
		if after := spills(out); len(after) > 0 {
			t.Errorf("kill %v after the spill folder appeared: the rerun left %v (the killed run's was %v)", delay, after, left)
		}
		got := outputDigests(t, out)
		for f, d := range want {
			if got[f] != d {
				t.Errorf("kill %v after the spill folder appeared: %s differs from the uninterrupted run's", delay, f)
			}
		}
		if tmps := tempFiles(t, out); len(tmps) > 0 {
			t.Errorf("kill %v after the spill folder appeared: the rerun left temporaries %v", delay, tmps)
		}
	}
	if killed == 0 {
		t.Skip("every run ended before its kill: the machine is faster than the spill folder's lifetime")
	}
}

// TestInterrupt: SIGINT stops a run with a non-zero exit code and a
// message, and removes its temporary files; no manifest is written.
func TestInterrupt(t *testing.T) {
	gen := generated(t, 3000, 5, "parquet")
	in := filepath.Join(gen, "population")
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(binPath, "run", "--quiet", "--workers", "2", "--out", out, in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The run creates its first temporary (rejects) before reading; wait
	// for it, so the signal lands inside the run.
	deadline := time.Now().Add(30 * time.Second)
	for len(tempFiles(t, out)) == 0 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	checkNoPanic(t, stderr.String())
	if err == nil {
		t.Skip("the run finished before the signal arrived")
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() <= 0 {
		t.Errorf("interrupted run: %v, want a non-zero exit code", err)
	}
	if !strings.Contains(stderr.String(), "dedup run: ") || !strings.Contains(stderr.String(), "cancel") {
		t.Errorf("stderr %q does not say the run was canceled", stderr.String())
	}
	if tmps := tempFiles(t, out); len(tmps) > 0 {
		t.Errorf("temporaries left: %v", tmps)
	}
	if _, err := os.Stat(filepath.Join(out, runfolder.FileManifest)); err == nil {
		t.Error("an interrupted run wrote a manifest")
	}
}

// TestInterruptVerify: SIGINT stops dedup verify with a non-zero exit
// code and a message, and leaves no temporary or partial output.
func TestInterruptVerify(t *testing.T) {
	gen := generated(t, 3000, 5, "parquet")
	out := filepath.Join(t.TempDir(), "out")
	cmd := exec.Command(binPath, "verify", "--quiet", "--workers", "2", "--register", filepath.Join(gen, "population"),
		"--subscribers", filepath.Join(gen, "subscribers"), "--out", out)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(tempFiles(t, out)) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	checkNoPanic(t, stderr.String())
	if err == nil {
		t.Skip("verify finished before the signal arrived")
	}
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("interrupted verify: %v, want exit code 1 (130 is a kill by the signal)", err)
	}
	if !strings.Contains(stderr.String(), "dedup verify: ") || !strings.Contains(stderr.String(), "cancel") {
		t.Errorf("stderr %q does not say verify was canceled", stderr.String())
	}
	if tmps := tempFiles(t, out); len(tmps) > 0 {
		t.Errorf("temporaries left: %v", tmps)
	}
}

// TestDiskFull: with the file size limit (RLIMIT_FSIZE, a stand-in for a
// full disk) below the outputs' size, the run fails with a clear error,
// and leaves neither temporaries nor a partial set of outputs.
func TestDiskFull(t *testing.T) {
	gen := generated(t, 3000, 5, "parquet")
	in := filepath.Join(gen, "population")
	for _, limitKB := range []int{1, 16, 64} {
		out := filepath.Join(t.TempDir(), "out")
		// A Go program ignores SIGXFSZ, so a write past the limit
		// fails with EFBIG, as one past a full disk fails with ENOSPC.
		cmd := exec.Command("sh", "-c", `ulimit -f "$1" && shift && exec "$@"`, "sh",
			strings.TrimSpace(strings.Repeat(" ", 0)+itoa(limitKB*2)), binPath, "run", "--quiet", "--out", out, in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		checkNoPanic(t, stderr.String())
		if err == nil {
			t.Fatalf("limit %d KiB: the run succeeded", limitKB)
		}
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Errorf("limit %d KiB: %v, want exit code 1", limitKB, err)
		}
		if !strings.Contains(stderr.String(), "file too large") {
			t.Errorf("limit %d KiB: stderr %q does not say why", limitKB, stderr.String())
		}
		if tmps := tempFiles(t, out); len(tmps) > 0 {
			t.Errorf("limit %d KiB: temporaries left: %v", limitKB, tmps)
		}
		entries, _ := os.ReadDir(out)
		for _, e := range entries {
			t.Errorf("limit %d KiB: output %s published by a failed run", limitKB, e.Name())
		}
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
