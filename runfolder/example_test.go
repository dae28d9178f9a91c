package runfolder_test

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/dedup-vn/dedup/runfolder"
)

// ReadManifest reads what a run took in and how it merged; a folder that
// is no run folder gives an error wrapping fs.ErrNotExist.
func ExampleReadManifest() {
	m, err := runfolder.ReadManifest("../testdata/report/run")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, in := range m.Inputs {
		fmt.Printf("%s: %d rows\n", in.File, in.Rows)
	}
	fmt.Printf("merged at weight %.2f (probability %.2f)\n", m.Threshold.MatchWeight, m.Threshold.MatchProbability)

	_, err = runfolder.ReadManifest("../testdata/report")
	fmt.Println(errors.Is(err, fs.ErrNotExist))
	// Output:
	// gen/population/01.parquet: 300 rows
	// gen/population/02.parquet: 62 rows
	// gen/population/04.parquet: 45 rows
	// merged at weight 6.63 (probability 0.99)
	// true
}
