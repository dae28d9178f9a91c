package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/eval"
	"github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/runfolder"
)

var (
	genOnce sync.Once
	genDir  string
	genErr  error
)

// generated returns a small synthetic register shared by the tests.
func generated(t *testing.T) string {
	t.Helper()
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "dedup-pipeline-test-")
		if genErr == nil {
			_, genErr = gen.Generate(context.Background(), gen.Options{People: 6000, Seed: 11, Workers: 2, OutDir: genDir, Quiet: true})
		}
	})
	if genErr != nil {
		t.Fatal(genErr)
	}
	return genDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if genDir != "" {
		os.RemoveAll(genDir)
	}
	os.Exit(code)
}

func runOnce(t *testing.T, cfg *config.Config, workers int, inputs ...string) (string, *runfolder.Manifest) {
	t.Helper()
	out := t.TempDir()
	m, err := Run(context.Background(), cfg, Options{OutDir: out, Inputs: inputs, Workers: workers, BatchSize: 1000, Progress: quietProgress})
	if err != nil {
		t.Fatal(err)
	}
	return out, m
}

func fileDigest(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// TestDeterministicAcrossWorkers: the same input gives byte-identical
// outputs with 1, 2 and 3 workers (and small batches, so the pool really
// interleaves).
func TestDeterministicAcrossWorkers(t *testing.T) {
	in := filepath.Join(generated(t), "population")
	var want map[string]string
	for _, workers := range []int{1, 2, 3} {
		out, m := runOnce(t, config.Default(), workers, in)
		got := map[string]string{}
		for _, f := range []string{runfolder.FileClusters, runfolder.FilePairs, runfolder.FileGolden, runfolder.FileRejects, runfolder.FileModel} {
			got[f] = fileDigest(t, filepath.Join(out, f))
		}
		if m.RowsIn != m.RowsClustered+m.RowsRejected {
			t.Errorf("workers=%d: rows in %d != clustered %d + rejected %d", workers, m.RowsIn, m.RowsClustered, m.RowsRejected)
		}
		if want == nil {
			want = got
			continue
		}
		for f := range want {
			if got[f] != want[f] {
				t.Errorf("workers=%d: %s differs from the 1-worker run", workers, f)
			}
		}
	}
}

// TestQualityOnGeneratedRegister checks the default config against the
// generator's truth with the evaluator: a floor, not the target (the
// target is measured at 1M people in benchmarks/RESULTS.md).
func TestQualityOnGeneratedRegister(t *testing.T) {
	dir := generated(t)
	out, _ := runOnce(t, config.Default(), 2, filepath.Join(dir, "population"))
	rep, err := eval.Run(eval.Options{Truth: filepath.Join(dir, "truth", "population.parquet"), RunDir: out, Samples: -1})
	if err != nil {
		t.Fatal(err)
	}
	p, r := rep.Pairwise.Precision, rep.Pairwise.Recall
	t.Logf("pairwise precision %.4f recall %.4f", p, r)
	if p < 0.97 || r < 0.95 {
		t.Errorf("pairwise precision %.4f recall %.4f; want at least 0.97 / 0.95", p, r)
	}
}

// TestBadRowsAreAccounted: rows that cannot be used land in rejects with
// a reason; rows in = clustered + rejected.
func TestBadRowsAreAccounted(t *testing.T) {
	dir := t.TempDir()
	csv := "record_id,full_name,date_of_birth,gender,national_id,phone,permanent_address,current_address,updated_at\n" +
		"a1,Nguyễn Văn An,01/02/1990,Nam,001090000001,0912345678,\"P. Bến Nghé, Q.1, TP.HCM\",,2024-01-01T00:00:00Z\n" +
		"a2,Nguyen Van An,1990-02-01,nam,001090000001,+84912345678,\"Phường Bến Nghé, Quận 1, TP Hồ Chí Minh\",,2024-02-01T00:00:00Z\n" +
		"a3,Trần Thị Bình,31/02/2024,Nữ,ABC,garbage,,,\n" +
		"a4,too,few\n" +
		",Lê Văn Cường,1985,Nam,,,,,\n" +
		"a5,,,,,,,,\n" +
		"a1,Nguyễn Văn An,01/02/1990,Nam,001090000001,0912345678,,,\n" +
		"a6,\"Phạm \x00Văn Dũng\",1970,Nam,,,,,\n"
	path := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Model.USamplePairs = 1000
	out, m := runOnce(t, cfg, 2, path)
	if m.RowsIn != 8 || m.RowsClustered != 3 || m.RowsRejected != 5 {
		t.Errorf("rows in %d clustered %d rejected %d; want 8, 3, 5", m.RowsIn, m.RowsClustered, m.RowsRejected)
	}
	for _, reason := range []string{"ragged_row", ReasonMissingRecordID, ReasonAllFieldsEmpty, ReasonDuplicateRecordID, "nul_byte"} {
		if m.RejectReasons[reason] != 1 {
			t.Errorf("reject reason %s counted %d times, want 1 (all: %v)", reason, m.RejectReasons[reason], m.RejectReasons)
		}
	}
	for _, f := range []string{runfolder.FileClusters, runfolder.FilePairs, runfolder.FileGolden, runfolder.FileRejects, runfolder.FileManifest} {
		st, err := os.Stat(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	// No temporary files are left behind.
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if bytes.HasPrefix([]byte(e.Name()), []byte(".")) {
			t.Errorf("leftover temporary file %s", e.Name())
		}
	}
}

var quietProgress = progressQuiet()

// TestFEBRL3 runs the FEBRL3 benchmark (5,000 records, known truth) with
// the repository's FEBRL config, unsupervised: Splink's published pairwise
// F1 there is 0.993 at probability 0.5; the issue asks for 0.995. The test
// holds 0.998 (the run gives 0.9988): at 0.995 it let a date-order bug
// that misread 656 of the 5,000 dates pass at 0.9963.
func TestFEBRL3(t *testing.T) {
	in := filepath.Join("..", "testdata", "febrl", "dataset3.csv")
	out, m := runOnce(t, config.FEBRL(), 2, in)
	if m.RowsIn != 5000 || m.RowsRejected != 0 {
		t.Fatalf("rows in %d rejected %d; want 5000, 0", m.RowsIn, m.RowsRejected)
	}
	rep, err := eval.Run(eval.Options{Truth: in, RunDir: out, Samples: -1})
	if err != nil {
		t.Fatal(err)
	}
	pw := rep.Pairwise
	t.Logf("FEBRL3 pairwise precision %.4f recall %.4f F1 %.4f", pw.Precision, pw.Recall, pw.F1)
	if pw.F1 < 0.998 {
		t.Errorf("FEBRL3 pairwise F1 %.4f; want at least 0.998", pw.F1)
	}
}

// TestTrainingSample: with a per-rule cap far below the rules' pair
// counts, EM and the prior train on a block sample scaled back: the run
// stays byte-identical across worker counts, the prior stays within a
// factor of two of the full run's, and the merges nearly all agree.
func TestTrainingSample(t *testing.T) {
	in := filepath.Join(generated(t), "population")
	fullOut, full := runOnce(t, config.Default(), 2, in)
	const cap = 20 // under the validated minimum: the test register is small
	over := 0
	for _, r := range full.Blocking {
		if r.Pairs > cap {
			over++
		}
	}
	if over < 2 {
		t.Fatalf("only %d rules over %d pairs: the register is too small to sample", over, cap)
	}
	fullModel, err := linkage.LoadModel(filepath.Join(fullOut, runfolder.FileModel))
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Model.SamplePairsPerRule = cap
	var want map[string]string
	for _, workers := range []int{1, 2} {
		out, m := runOnce(t, cfg, workers, in)
		got := map[string]string{}
		for _, f := range []string{runfolder.FileClusters, runfolder.FilePairs, runfolder.FileModel} {
			got[f] = fileDigest(t, filepath.Join(out, f))
		}
		if want != nil {
			for f := range want {
				if got[f] != want[f] {
					t.Errorf("workers=%d: %s differs from the 1-worker run under sampling", workers, f)
				}
			}
			continue
		}
		want = got
		sampled, err := linkage.LoadModel(filepath.Join(out, runfolder.FileModel))
		if err != nil {
			t.Fatal(err)
		}
		if got[runfolder.FileModel] == fileDigest(t, filepath.Join(fullOut, runfolder.FileModel)) {
			t.Error("the sampled model equals the full one: nothing was sampled")
		}
		if r := sampled.Lambda / fullModel.Lambda; r < 0.5 || r > 2 {
			t.Errorf("sampled λ %g, full %g", sampled.Lambda, fullModel.Lambda)
		}
		if r := float64(m.Pairs.Accepted) / float64(full.Pairs.Accepted); r < 0.97 || r > 1.03 {
			t.Errorf("sampled training accepts %d pairs, full %d", m.Pairs.Accepted, full.Pairs.Accepted)
		}
	}
}

// TestEMFixU checks that model.em_fix_u reaches training: EM with its own
// u inside the blocks and EM with u held at the random pairs' values give
// different m. (Which way m of a differing ID moves depends on the
// register's size: the drift the default avoids shows from millions of
// records, benchmarks/RESULTS.md; linkage's TestEMFreeUInsideBlocks shows
// the mechanism.)
func TestEMFixU(t *testing.T) {
	in := filepath.Join(generated(t), "population")
	models := map[bool]*linkage.Model{}
	for _, fix := range []bool{false, true} {
		cfg := config.Default()
		cfg.Model.EMFixU = fix
		out, _ := runOnce(t, cfg, 2, in)
		m, err := linkage.LoadModel(filepath.Join(out, runfolder.FileModel))
		if err != nil {
			t.Fatal(err)
		}
		models[fix] = m
	}
	differ := 0
	for k, c := range models[false].Comparisons {
		for l, lv := range c.Levels {
			if math.Abs(lv.M-models[true].Comparisons[k].Levels[l].M) > 1e-9 {
				differ++
			}
		}
	}
	if differ == 0 {
		t.Error("em_fix_u true and false trained the same m: the setting does not reach EM")
	}
}

// TestCSVOutputs: --format csv writes the same tables as CSV, a golden
// list cell as its values joined by ';' and a date as ISO text, with as
// many rows as the Parquet outputs.
func TestCSVOutputs(t *testing.T) {
	in := filepath.Join(generated(t), "population")
	pq, _ := runOnce(t, config.Default(), 2, in)
	out := t.TempDir()
	if _, err := Run(context.Background(), config.Default(), Options{OutDir: out, Inputs: []string{in}, Workers: 2, BatchSize: 1000,
		Progress: quietProgress, CSV: true}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"clusters", "pairs", "golden", "rejects"} {
		if _, err := os.Stat(filepath.Join(out, name+".parquet")); err == nil {
			t.Errorf("--format csv wrote %s.parquet", name)
		}
		want, _ := dataio.CountRows(filepath.Join(pq, name+".parquet"))
		if got := csvRows(t, filepath.Join(out, name+".csv")); got != want {
			t.Errorf("%s.csv: %d rows, %s.parquet %d", name, got, name, want)
		}
	}
	r, err := dataio.Open(filepath.Join(out, "golden.csv"), dataio.ReadOptions{Columns: []string{runfolder.ColMemberIDs, runfolder.ColSize, "dob", "dob_precision"}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	multi := false
	for r.Next() {
		b := r.Batch()
		for i := 0; i < int(b.NumRows()); i++ {
			ids := b.Column(0).(*array.String).Value(i)
			size := b.Column(1).(*array.String).Value(i)
			if n := strconv.Itoa(strings.Count(ids, ";") + 1); n != size {
				t.Fatalf("golden.csv row %d: size %s, %s member ids", i, size, n)
			}
			multi = multi || size != "1"
			if dob, prec := b.Column(2).(*array.String).Value(i), b.Column(3).(*array.String).Value(i); dob != "" && (len(dob) != 10 || prec == "") {
				t.Fatalf("golden.csv row %d: dob %q precision %q", i, dob, prec)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if !multi {
		t.Error("no golden record of two or more members")
	}
}

// csvRows counts a CSV file's records after its header.
func csvRows(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return int64(len(recs)) - 1
}
