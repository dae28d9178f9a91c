package state

import (
	"errors"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/runfolder"
)

// LookupSchema is the schema of the register's lookup (WriteLookup): one
// row per record of the state's current generation, by key.
var LookupSchema = arrow.NewSchema([]arrow.Field{
	{Name: runfolder.ColSource, Type: arrow.BinaryTypes.String},
	{Name: runfolder.ColRecordID, Type: arrow.BinaryTypes.String},
	{Name: runfolder.ColPersonID, Type: arrow.BinaryTypes.String},
}, nil)

// Lookup calls fn with every record of the state in dir (its current
// generation, checked as a night checks it; any config may read it) and
// its person ID, in key order. It holds the state's lock: not while a
// night runs.
func Lookup(dir string, fn func(k Key, person string) error) error {
	unlock, err := lock(dir)
	if err != nil {
		return err
	}
	defer unlock()
	g, err := load(dir, "")
	if err != nil {
		return err
	}
	if g == nil {
		return errors.New("state " + dir + ": no night has finished on it yet")
	}
	if err := g.readTables(dir); err != nil {
		return err
	}
	for i, k := range g.records {
		if err := fn(k, FormatPersonID(g.person[i])); err != nil {
			return err
		}
	}
	return nil
}

// WriteLookup writes the state's record → person ID lookup to path
// (Parquet, or CSV by its extension), whole or not at all.
func WriteLookup(dir, path string) (int64, error) {
	var keys []Key
	var persons []string
	err := Lookup(dir, func(k Key, p string) error {
		keys, persons = append(keys, k), append(persons, p)
		return nil
	})
	if err != nil {
		return 0, err
	}
	if filepath.Ext(path) == "" {
		return 0, errors.New(path + ": give the lookup file a .parquet or .csv extension")
	}
	err = writeTable(path, LookupSchema, len(keys), func(b *array.RecordBuilder, i int) {
		b.Field(0).(*array.StringBuilder).Append(keys[i].Source)
		b.Field(1).(*array.StringBuilder).Append(keys[i].ID)
		b.Field(2).(*array.StringBuilder).Append(persons[i])
	})
	return int64(len(keys)), err
}
