package state

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/runfolder"
)

// LookupSchema is the schema of the register's clusters.parquet written by
// WriteRegister: one row per record of the state's current generation, by
// key; cluster_id is the person ID, so that eval and report read the
// folder as a run's.
var LookupSchema = arrow.NewSchema([]arrow.Field{
	{Name: runfolder.ColSource, Type: arrow.BinaryTypes.String},
	{Name: runfolder.ColRecordID, Type: arrow.BinaryTypes.String},
	{Name: runfolder.ColClusterID, Type: arrow.BinaryTypes.String},
	{Name: runfolder.ColPersonID, Type: arrow.BinaryTypes.String},
}, nil)

// Lookup calls fn with every record of the state in dir (its current
// generation, checked as a night checks it; any config may read it) and
// its person ID, in key order. It holds the state's lock shared: not
// while a night runs.
func Lookup(dir string, fn func(k Key, person string) error) error {
	_, err := lookup(dir, fn)
	return err
}

func lookup(dir string, fn func(k Key, person string) error) (*meta, error) {
	unlock, err := lockShared(dir)
	if err != nil {
		return nil, err
	}
	defer unlock()
	g, err := load(dir, "")
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, errors.New("state " + dir + ": no night has finished on it yet")
	}
	if err := g.readTables(dir); err != nil {
		return nil, err
	}
	for i, k := range g.records {
		if err := fn(k, FormatPersonID(g.person[i])); err != nil {
			return nil, err
		}
	}
	return &g.meta, nil
}

// WriteRegister writes the state's whole register into the folder out:
// clusters.parquet (source, record_id, cluster_id = person_id, person_id,
// every record of the current generation) and a manifest, so that `dedup
// eval --run` measures the register and `--previous` compares two nights'
// person IDs. It returns the number of records.
func WriteRegister(dir, out string) (int64, error) {
	var keys []Key
	var persons []string
	meta, err := lookup(dir, func(k Key, p string) error {
		keys, persons = append(keys, k), append(persons, p)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return 0, fmt.Errorf("cannot create output folder: %w", err)
	}
	if err := pipeline.PrepareOutDir(out); err != nil {
		return 0, err
	}
	err = writeTable(filepath.Join(out, runfolder.FileClusters), LookupSchema, len(keys), func(b *array.RecordBuilder, i int) {
		b.Field(0).(*array.StringBuilder).Append(keys[i].Source)
		b.Field(1).(*array.StringBuilder).Append(keys[i].ID)
		b.Field(2).(*array.StringBuilder).Append(persons[i])
		b.Field(3).(*array.StringBuilder).Append(persons[i])
	})
	if err != nil {
		return 0, err
	}
	n := int64(len(keys))
	m := runfolder.Manifest{Tool: "dedup lookup", ConfigDigest: meta.ConfigDigest, RowsIn: n, RowsClustered: n,
		Threshold: runfolder.ThresholdInfo{MatchWeight: meta.Threshold, MatchProbability: linkage.Probability(meta.Threshold)},
		Outputs:   []string{runfolder.FileClusters, runfolder.FileManifest}, RejectReasons: map[string]int64{}}
	raw, err := m.Marshal()
	if err != nil {
		return 0, err
	}
	return n, writeAtomic(filepath.Join(out, runfolder.FileManifest), func(w io.Writer) error { _, err := w.Write(raw); return err })
}
