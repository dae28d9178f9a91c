package pipeline

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/progress"
)

// TestEveryLongStageReports: normalize, train, score and write each report
// their progress (a final plain line when the output is not a terminal),
// in memory and spilled; normalize (from the Parquet footers) and write
// know their totals.
func TestEveryLongStageReports(t *testing.T) {
	dir := t.TempDir()
	if _, err := gen.Generate(context.Background(), gen.Options{People: 1500, Seed: 4, OutDir: filepath.Join(dir, "gen"), Quiet: true}); err != nil {
		t.Fatal(err)
	}
	for _, spill := range []SpillMode{SpillNever, SpillAlways} {
		var buf bytes.Buffer
		no := false
		_, err := Run(context.Background(), config.Default(), Options{
			OutDir: filepath.Join(dir, "run"), Inputs: []string{filepath.Join(dir, "gen", "population")}, Workers: 2, Spill: spill,
			Progress: progress.Options{Out: &buf, Terminal: &no, Interval: time.Hour},
		})
		if err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		for _, stage := range []string{"normalize: ", "train: pairs compared: ", "score: candidate pairs: ", "write golden: "} {
			if !strings.Contains(out, stage) {
				t.Errorf("spill %v: no progress line for %q in:\n%s", spill, stage, out)
			}
		}
		for _, stage := range []string{"normalize: ", "write golden: "} {
			line := out[strings.Index(out, stage):]
			line, _, _ = strings.Cut(line, "\n")
			if !strings.Contains(line, "(100.0%)") {
				t.Errorf("spill %v: %q shows no total (Parquet inputs record their rows)", spill, line)
			}
		}
	}
}
