package pipeline

import (
	"strconv"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
)

// TestNormalizeBatchNoCopyPerCell: the loader reads a batch's cells as
// views of the Arrow buffers. Converting each cell with []byte(Value)
// allocated once per cell (0.9 s of a 1M run's read+normalize CPU, the
// bulk of the +17% in benchmarks/RESULTS.md); a batch's allocations must
// not grow with its rows.
func TestNormalizeBatchNoCopyPerCell(t *testing.T) {
	cfg := config.Default()
	plans := planColumns(cfg)
	plan := plans[0]
	cols := map[string]int{}
	for i, h := range inputHeader {
		cols[h] = i
	}
	b := dataio.NewStringBatchBuilder(dataio.StringSchema(plan.columns...))
	defer b.Release()
	const rows = 2000
	for i := 0; i < rows; i++ {
		src := inputRows[i%len(inputRows)]
		row := make([]string, len(plan.columns))
		for j, c := range plan.columns {
			row[j] = src[cols[c]]
		}
		row[0] = "r" + strconv.Itoa(i)
		b.Append(row)
	}
	rec := b.NewBatch()
	defer rec.Release()
	in := rawBatch{rec: rec, rows: make([]int64, rows)}
	w := newWorker(cfg, plans)
	if _, err := w.normalizeBatch(cfg, plans, in); err != nil { // warm the scratch
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(3, func() {
		if _, err := w.normalizeBatch(cfg, plans, in); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > rows/10 {
		t.Errorf("normalizeBatch of %d rows: %.0f allocations, want far fewer than one a row", rows, allocs)
	}
}
