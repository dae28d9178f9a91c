package pipeline_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/progress"
)

// Run links a register with the embedded Vietnamese config: here a
// synthetic one from the generator, 2,000 persons of whom some were
// registered twice, in other provinces or with typing errors.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "dedup-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	g, err := gen.Generate(context.Background(), gen.Options{People: 2000, Seed: 3, Profile: "clean", OutDir: filepath.Join(dir, "gen"), Quiet: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := pipeline.Run(context.Background(), config.Default(), pipeline.Options{
		OutDir:   filepath.Join(dir, "run"),
		Inputs:   []string{filepath.Join(dir, "gen", "population")},
		Workers:  1,
		Progress: progress.Options{Quiet: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d persons, %d records: %d clusters, %d rejected\n", g.People, m.RowsIn, m.Clusters.Clusters, m.RowsRejected)
	// Output: 2000 persons, 2053 records: 2000 clusters, 0 rejected
}
