package verify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/runfolder"
)

// TestPartitionsSameBytes: a memory-bounded run (the register on disk,
// the subscriptions in partitions, down to a batch-sized partition) gives
// the in-memory run's outputs byte for byte, for any worker count and
// partition size, and leaves no spill folder behind.
func TestPartitionsSameBytes(t *testing.T) {
	dir := generated(t, 3000, 7)
	run := func(out string, o Options) *Manifest {
		o.Register, o.Subscribers, o.OutDir = []string{filepath.Join(dir, "population")}, []string{filepath.Join(dir, "subscribers")}, out
		m, err := Run(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ref := filepath.Join(dir, "mem")
	if m := run(ref, Options{Workers: 2, NoSpill: true}); m.Partitions != 0 {
		t.Fatalf("in-memory run took %d partitions", m.Partitions)
	}
	for _, tc := range []struct {
		workers, batch, part int
	}{{1, 0, 1 << 30}, {3, 333, 1000}, {2, 97, 1}, {1, 50, 777}} {
		out := filepath.Join(dir, "spill")
		os.RemoveAll(out)
		m := run(out, Options{Workers: tc.workers, BatchSize: tc.batch, ForceSpill: true, PartitionRows: tc.part})
		if m.Partitions < 1 {
			t.Errorf("%+v: %d partitions", tc, m.Partitions)
		}
		assertSameOutputs(t, ref, out, fmt.Sprintf("%+v", tc))
		assertNoSpill(t, out)
	}
}

// assertSameOutputs checks that the run in out wrote the outputs of the
// run in ref byte for byte.
func assertSameOutputs(t *testing.T, ref, out, what string) {
	t.Helper()
	for _, f := range []string{runfolder.FileVerdicts, runfolder.FileVerifyIDs, runfolder.FileRejects, runfolder.FileVerifySummary} {
		a, _ := os.ReadFile(filepath.Join(ref, f))
		b, _ := os.ReadFile(filepath.Join(out, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s: %s differs from the in-memory run's", what, f)
		}
	}
}

func assertNoSpill(t *testing.T, dir string) {
	t.Helper()
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.HasPrefix(e.Name(), ".verify-spill-") {
			t.Errorf("spill folder %s left in %s", e.Name(), dir)
		}
	}
}

// TestSpillRemovedOnError: a spilled run that fails (a carrier list
// without its columns) or is canceled removes its spill folder.
func TestSpillRemovedOnError(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg.csv")
	os.WriteFile(reg, []byte("record_id,full_name,date_of_birth,national_id,phone\nR1,Nguyễn Văn An,15/03/1990,001090123456,0912345678\n"), 0o600)
	bad := filepath.Join(dir, "viettel.csv")
	os.WriteFile(bad, []byte("subscription_id,msisdn\nS1,0912345678\n"), 0o600)
	out := filepath.Join(dir, "out")
	if _, err := Run(context.Background(), Options{Register: []string{reg}, Subscribers: []string{bad}, OutDir: out, ForceSpill: true}); err == nil {
		t.Error("a list without its columns: no error")
	}
	assertNoSpill(t, out)
	good := filepath.Join(dir, "vinaphone.csv")
	os.WriteFile(good, []byte("subscription_id,msisdn,registered_name,registered_dob,registered_id_number\nS1,0912345678,Nguyễn Văn An,15/03/1990,001090123456\n"), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{Register: []string{reg}, Subscribers: []string{good}, OutDir: out, ForceSpill: true}); err == nil {
		t.Error("a canceled run: no error")
	}
	assertNoSpill(t, out)
}
