package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/runfolder"
)

// TestSpillSameOutput: a run that keeps its records on disk and scores
// them partition by partition writes the same bytes as one in memory, with
// any number of workers, and leaves no spill file behind. The capped
// config makes blocks larger than max_block_size, so the cross-rule test
// needs the earlier rules' capped positions.
func TestSpillSameOutput(t *testing.T) {
	in := filepath.Join(generated(t), "population")
	capped := config.Default()
	capped.Blocking.MaxBlockSize, capped.Blocking.Window = 6, 3
	capped.Blocking.Rules = append([]config.BlockingRule{{Name: "year_gender", Keys: []string{"dob.year", "gender"}}}, capped.Blocking.Rules...)
	components := config.Default()
	components.Cluster.Method = config.ClusterComponents
	for name, cfg := range map[string]*config.Config{"default": config.Default(), "capped": capped, "components": components} {
		t.Run(name, func(t *testing.T) {
			mem, _ := runOnce(t, cfg, 2, in)
			for _, tc := range []struct {
				workers, partitionRows int
			}{{1, 700}, {2, 700}, {2, 0}} {
				out := t.TempDir()
				m, err := Run(context.Background(), cfg, Options{
					OutDir: out, Inputs: []string{in}, Workers: tc.workers, BatchSize: 1000, Progress: quietProgress,
					Spill: SpillAlways, spillPartitionRows: tc.partitionRows,
				})
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range []string{runfolder.FileClusters, runfolder.FilePairs, runfolder.FileGolden, runfolder.FileRejects, runfolder.FileModel} {
					if got, want := fileDigest(t, filepath.Join(out, f)), fileDigest(t, filepath.Join(mem, f)); got != want {
						t.Errorf("workers %d, partitions of %d rows: %s differs from the in-memory run's", tc.workers, tc.partitionRows, f)
					}
				}
				if m.RowsIn != m.RowsClustered+m.RowsRejected {
					t.Errorf("row accounting: %d in, %d clustered, %d rejected", m.RowsIn, m.RowsClustered, m.RowsRejected)
				}
				assertNoSpillLeft(t, out)
			}
		})
	}
}

// TestSpillRemovedOnError: a run that fails after spilling (here: it is
// canceled) leaves no spill folder.
func TestSpillRemovedOnError(t *testing.T) {
	in := filepath.Join(generated(t), "population")
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	opt := Options{OutDir: out, Inputs: []string{in}, Workers: 2, BatchSize: 500, Progress: quietProgress, Spill: SpillAlways}
	// Cancel once a few batches are on disk.
	opt.Log = cancelAfter{cancel: cancel, after: "spilling"}
	if _, err := Run(ctx, config.Default(), opt); err == nil {
		t.Fatal("a canceled run succeeded")
	}
	assertNoSpillLeft(t, out)
}

// cancelAfter cancels a context when a log line contains after.
type cancelAfter struct {
	cancel context.CancelFunc
	after  string
}

func (c cancelAfter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), c.after) {
		c.cancel()
	}
	return len(p), nil
}

func assertNoSpillLeft(t *testing.T, out string) {
	t.Helper()
	entries, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".dedup-spill-") {
			t.Errorf("spill folder %s left behind", e.Name())
		}
	}
}

func TestParseSpillMode(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want SpillMode
		ok   bool
	}{{"", SpillAuto, true}, {"auto", SpillAuto, true}, {"never", SpillNever, true}, {"always", SpillAlways, true}, {"yes", 0, false}, {"Always", 0, false}} {
		got, err := ParseSpillMode(tc.in)
		if (err == nil) != tc.ok || tc.ok && got != tc.want {
			t.Errorf("ParseSpillMode(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
