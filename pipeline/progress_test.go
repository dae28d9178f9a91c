package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
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

// TestNormalizeTotalCSVAndArrow: the normalize stage knows its total for
// CSV inputs (line ends outside quotes) and Arrow IPC inputs (batch
// lengths) too, and its plain lines show it.
func TestNormalizeTotalCSVAndArrow(t *testing.T) {
	dir := t.TempDir()
	csvDir, arrowDir := filepath.Join(dir, "gen"), filepath.Join(dir, "arrow")
	if _, err := gen.Generate(context.Background(), gen.Options{People: 800, Seed: 4, OutDir: csvDir, Format: "csv", Quiet: true}); err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(csvDir, "population", "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CSV generated: %v", err)
	}
	if err := os.Mkdir(arrowDir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		toArrow(t, f, filepath.Join(arrowDir, strings.TrimSuffix(filepath.Base(f), ".csv")+".arrow"))
	}
	for _, in := range []string{filepath.Join(csvDir, "population"), arrowDir} {
		var buf bytes.Buffer
		no := false
		_, err := Run(context.Background(), config.Default(), Options{
			OutDir: filepath.Join(dir, "run"), Inputs: []string{in}, Workers: 2,
			Progress: progress.Options{Out: &buf, Terminal: &no, Interval: time.Hour},
		})
		if err != nil {
			t.Fatal(err)
		}
		out := buf.String()
		i := strings.Index(out, "normalize: ")
		if i < 0 {
			t.Fatalf("%s: no normalize line in:\n%s", in, out)
		}
		line, _, _ := strings.Cut(out[i:], "\n")
		if !strings.Contains(line, "(100.0%)") {
			t.Errorf("%s: %q shows no total", in, line)
		}
	}
}

// toArrow copies a CSV file to an Arrow IPC file, every column as text.
func toArrow(t *testing.T, from, to string) {
	t.Helper()
	r, err := dataio.Open(from, dataio.ReadOptions{AsStrings: true, BatchSize: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := dataio.Create(to, r.Schema())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	for r.Next() {
		if err := w.Write(r.Batch()); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}
