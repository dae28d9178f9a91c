package pipeline

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/eval"
	"github.com/dedup-vn/dedup/gen"
)

// TestHardNegativesKeptApart runs a register of the gen profile "twins"
// (ten times the twins, father/son pairs and namesakes; twins share their
// family and middle name, birth date, address and gender) with the
// default config: no twin and no father/son pair ends in one cluster.
// The same data clustered as connected components with no pairwise
// cannot-link rule does merge some, so the test can fail.
func TestHardNegativesKeptApart(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and runs a 20k register twice")
	}
	dir := t.TempDir()
	if _, err := gen.Generate(context.Background(), gen.Options{People: 20000, Seed: 21, Profile: "twins", Workers: 2, OutDir: dir, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	merged := func(cfg *config.Config) (hn map[string]int64, p, r float64) {
		out, _ := runOnce(t, cfg, 2, filepath.Join(dir, "population"))
		rep, err := eval.Run(eval.Options{Truth: filepath.Join(dir, "truth", "population.parquet"), RunDir: out, Samples: -1})
		if err != nil {
			t.Fatal(err)
		}
		hn = map[string]int64{}
		for _, l := range rep.Errors.FPByHardNegative {
			hn[l.Label] = l.FP
		}
		return hn, rep.Pairwise.Precision, rep.Pairwise.Recall
	}
	off := config.Default()
	off.Cluster.Method = config.ClusterComponents
	no := false
	zero := 0
	off.Cluster.CannotLink.GivenName, off.Cluster.CannotLink.Gender, off.Cluster.CannotLink.GenerationYears = &no, &no, &zero
	before, p0, r0 := merged(off)
	after, p1, r1 := merged(config.Default())
	t.Logf("without the rules: %v, P %.4f R %.4f; default: %v, P %.4f R %.4f", before, p0, r0, after, p1, r1)
	if before["twin"]+before["father_son"] == 0 {
		t.Errorf("the data merge no twin or father/son without the rules: the test cannot fail")
	}
	if after["twin"] != 0 || after["father_son"] != 0 {
		t.Errorf("default config merged %d twin and %d father/son pairs, want none", after["twin"], after["father_son"])
	}
}
