package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/dedup-vn/dedup/dataio"
)

// skewRecords is the size of the skewed block in TestSkewedBlock; set
// DEDUP_SKEW_RECORDS=1000000 to measure the full million by hand.
func skewRecords() int {
	if n, err := strconv.Atoi(os.Getenv("DEDUP_SKEW_RECORDS")); err == nil && n > 1 {
		return n
	}
	return 200000
}

// writeSkewed writes n records of the same person (Nguyễn Văn Anh, born
// 1990, same address) with distinct record ids.
func writeSkewed(t *testing.T, path string, n int) {
	t.Helper()
	sc := dataio.StringSchema(popColumns...)
	w, err := dataio.Create(path, sc)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	b := dataio.NewStringBatchBuilder(sc)
	defer b.Release()
	row := []string{"", "Nguyễn Văn Anh", "01/01/1990", "Nam", "", "", "Thôn 5, Xã Vân Tảo, Huyện Thường Tín, Hà Nội", "", "01", ""}
	for i := 0; i < n; i++ {
		row[0] = fmt.Sprintf("S%07d", i)
		b.Append(row)
		if b.Len() == 64*1024 || i == n-1 {
			rec := b.NewBatch()
			err := w.Write(rec)
			rec.Release()
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestSkewedBlock: a block of identical keys is capped (a sorted
// neighbourhood window instead of n²/2 pairs) and reported in the
// manifest's blocking stats, and every record is still accounted for.
func TestSkewedBlock(t *testing.T) {
	if testing.Short() {
		t.Skip("skewed block of 200k records: skipped with -short")
	}
	n := skewRecords()
	if n > 200000 {
		defer func(d time.Duration) { cmdTimeout = d }(cmdTimeout)
		cmdTimeout = 15 * time.Minute // a manual measurement, not CI
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "skew.parquet")
	writeSkewed(t, in, n)
	out := filepath.Join(dir, "out")
	mustDedup(t, "run", "--quiet", "--out", out, in)
	m := readManifest(t, out)
	checkAccounting(t, out, m)
	if m.RowsIn != int64(n) || m.RowsRejected != 0 {
		t.Errorf("%d rows in, %d rejected; want %d, 0", m.RowsIn, m.RowsRejected, n)
	}
	var capped, cappedRecords, pairs int64
	for _, r := range m.Blocking {
		capped += r.CappedBlocks
		cappedRecords += r.CappedRecords
		pairs += r.Pairs
	}
	if capped == 0 || cappedRecords < int64(n) {
		t.Errorf("capped_blocks %d, capped_records %d: the block of %d identical keys was not capped", capped, cappedRecords, n)
	}
	// The cap bounds the pairs by records × window per rule, far below
	// n(n-1)/2 (2·10^10 for 200k).
	cfgWindow, rules := int64(20), int64(len(m.Blocking))
	if bound := int64(n) * cfgWindow * rules; pairs > bound {
		t.Errorf("%d candidate pairs, more than records × window × rules = %d", pairs, bound)
	}
	t.Logf("%d identical records: %d capped blocks, %d pairs, %.1fs, peak heap %d MiB", n, capped, pairs, m.WallSeconds, m.PeakHeapBytes>>20)
}
