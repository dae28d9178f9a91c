package blocking

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in ../testdata/blocking")

// TestPlanGolden pins the plan of a fixed Zipf-distributed input: block
// counts, caps, key hashes and deduplicated pair counts per rule.
func TestPlanGolden(t *testing.T) {
	const n = 20000
	ix, err := Build(n, zipfRules(n), Options{MaxBlockSize: 200, Window: 10, ChunkPairs: 5000})
	if err != nil {
		t.Fatal(err)
	}
	st, err := ix.Plan(2)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "chunks=%d max_chunk_pairs=%d\n", ix.NumChunks(), ix.MaxChunkPairs())
	for _, s := range st {
		fmt.Fprintln(&buf, s)
	}
	path := filepath.Join("..", "testdata", "blocking", "plan.golden")
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
		t.Fatalf("plan differs from %s:\n%s", path, buf.Bytes())
	}
}
