package cluster

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../testdata/cluster")

// TestClustersGolden pins cluster IDs, sizes and counts of a fixed random
// input, so a change in the edge order or the ID scheme cannot pass
// unnoticed.
func TestClustersGolden(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	keys, ids, edges := randomCase(rng, 60, 70, true)
	res, rej := run(t, keys, ids, edges)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%+v\n", res.Stats)
	for _, r := range rej {
		fmt.Fprintf(&buf, "rejected %d-%d %g\n", r.Left, r.Right, r.Weight)
	}
	for row := range keys {
		fmt.Fprintf(&buf, "%d %s %d\n", row, res.ID(int32(row)), res.Size(int32(row)))
	}
	path := filepath.Join("..", "testdata", "cluster", "clusters.golden")
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("clusters differ from %s:\n%s", path, buf.Bytes())
	}
}
