package pipeline

import (
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

// TestClusterEvidence reads clusters.parquet of a generated register:
// density and weakest link are null exactly for singletons; otherwise the
// density is in (0, 1], the weakest link at or above the threshold; a
// cluster's rows agree; the manifest's splits and sparse clusters are the
// file's.
func TestClusterEvidence(t *testing.T) {
	for _, method := range []string{config.ClusterAverage, config.ClusterComponents} {
		cfg := config.Default()
		cfg.Cluster.Method = method
		out, m := runOnce(t, cfg, 2, filepath.Join(generated(t), "population"))
		r, err := dataio.Open(filepath.Join(out, runfolder.FileClusters), dataio.ReadOptions{
			Columns: []string{runfolder.ColClusterID, runfolder.ColDensity, runfolder.ColWeakestLink, runfolder.ColSplits}, AsStrings: true})
		if err != nil {
			t.Fatal(err)
		}
		type info struct {
			size    int
			density string
			weakest string
		}
		clusters := map[string]*info{}
		splitRows := 0
		for r.Next() {
			b := r.Batch()
			for i := 0; i < int(b.NumRows()); i++ {
				id := b.Column(0).(*array.String).Value(i)
				d, w, s := b.Column(1).(*array.String), b.Column(2).(*array.String), b.Column(3).(*array.String)
				c := clusters[id]
				if c == nil {
					c = &info{density: d.Value(i), weakest: w.Value(i)}
					if d.IsNull(i) {
						c.density = "null"
					}
					if w.IsNull(i) {
						c.weakest = "null"
					}
					clusters[id] = c
				}
				c.size++
				if n, _ := strconv.Atoi(s.Value(i)); n > 0 {
					splitRows++
				}
			}
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		sparse := int64(0)
		for id, c := range clusters {
			if c.size == 1 {
				if c.density != "null" || c.weakest != "null" {
					t.Fatalf("%s: singleton %s has density %s, weakest link %s", method, id, c.density, c.weakest)
				}
				continue
			}
			d, err1 := strconv.ParseFloat(c.density, 64)
			w, err2 := strconv.ParseFloat(c.weakest, 64)
			if err1 != nil || err2 != nil || !(d > 0 && d <= 1) || w < m.Threshold.MatchWeight-1e-4 || math.IsNaN(w) {
				t.Fatalf("%s: cluster %s of %d: density %s, weakest link %s (threshold %v)", method, id, c.size, c.density, c.weakest, m.Threshold.MatchWeight)
			}
			if d < 1 {
				sparse++
			}
		}
		if sparse != m.Clusters.Sparse {
			t.Errorf("%s: %d sparse clusters in the file, %d in the manifest", method, sparse, m.Clusters.Sparse)
		}
		if (m.Clusters.Splits == 0) != (splitRows == 0) {
			t.Errorf("%s: manifest splits %d, rows with splits %d", method, m.Clusters.Splits, splitRows)
		}
		t.Logf("%s: %d clusters, %d sparse, %d splits", method, len(clusters), sparse, m.Clusters.Splits)
	}
}

// TestAverageFallback: with every component above the size average
// linkage takes, the average method's clusters are the components
// method's (the fallback), and the manifest counts every component as a
// fallback.
func TestAverageFallback(t *testing.T) {
	defer func(m int) { maxLinkage = m }(maxLinkage)
	maxLinkage = 1
	in := filepath.Join(generated(t), "population")
	comp := config.Default()
	comp.Cluster.Method = config.ClusterComponents
	want, _ := runOnce(t, comp, 2, in)
	got, m := runOnce(t, config.Default(), 2, in)
	if m.Linkage == nil || m.Linkage.Components == 0 || m.Linkage.FallbackComponents != m.Linkage.Components || m.Linkage.PairsScored != 0 {
		t.Fatalf("linkage stats %+v, want every component in the fallback", m.Linkage)
	}
	ids := func(dir string) []string {
		r, err := dataio.Open(filepath.Join(dir, runfolder.FileClusters), dataio.ReadOptions{Columns: []string{runfolder.ColClusterID}, AsStrings: true})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []string
		for r.Next() {
			c := r.Batch().Column(0).(*array.String)
			for i := 0; i < c.Len(); i++ {
				out = append(out, c.Value(i))
			}
		}
		return out
	}
	if a, b := ids(got), ids(want); !slices.Equal(a, b) {
		t.Errorf("fallback clusters differ from the components method's")
	}
}
