package state

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// RegisterRecord is one record of a state's current generation as
// ReadRegister hands it out. Cells and Valid (false: null) are the
// record's input cells as the night read them, under its source's column
// projection (pipeline.SourceColumns: the record id first, then each
// field's columns in config order); they are reused between calls.
type RegisterRecord struct {
	Key    Key
	Person string // its person ID
	Cells  []string
	Valid  []bool
}

// RegisterInfo describes the generation ReadRegister reads.
type RegisterInfo struct {
	Night        int
	ConfigDigest string
	Records      int64
}

// ReadRegister calls start with the current generation of the state in dir
// (checked as a night checks it, and written with config digest
// wantDigest unless it is empty: another is ErrConfigMismatch), then fn
// with each of its records, their person IDs and their cells read back
// from the raw segments, grouped by person: in the order of the person
// IDs, a person's records in key order. Nothing of the inputs is read. A
// folder that is not a state, or one no night has finished on, is an
// error; a damaged record is an error naming its segment. It holds the
// state's lock: not while a night runs.
func ReadRegister(dir, wantDigest string, start func(RegisterInfo) error, fn func(*RegisterRecord) error) error {
	r, err := openRegister(dir, wantDigest, false)
	if err != nil {
		return err
	}
	defer r.Close()
	g := r.g
	// The keys and capped blocks are the nights' business.
	g.keys, g.capped = nil, nil
	if err := start(RegisterInfo{Night: g.meta.Night, ConfigDigest: g.meta.ConfigDigest, Records: g.meta.Records}); err != nil {
		return err
	}
	order := make([]int32, len(g.records))
	for i := range order {
		order[i] = int32(i)
	}
	// Stable: a person's records stay in key order.
	slices.SortStableFunc(order, func(a, b int32) int { return cmp.Compare(g.person[a], g.person[b]) })
	var rec RegisterRecord
	for _, i := range order {
		if rec.Cells, rec.Valid, err = r.Cells(int(i), rec.Cells, rec.Valid); err != nil {
			return err
		}
		rec.Key, rec.Person = g.records[i], FormatPersonID(g.person[i])
		if err := fn(&rec); err != nil {
			return err
		}
	}
	return nil
}

// Describe reads the current generation's description of the state in
// dir (its tables are not read): how many records ReadRegister would hand
// out, for a reader planning its memory.
func Describe(dir string) (RegisterInfo, error) {
	g, err := load(dir, "")
	if err != nil {
		return RegisterInfo{}, err
	}
	if g == nil {
		return RegisterInfo{}, fmt.Errorf("state %s: not a state folder, or no night has finished on it yet (no %s)", dir, fileCurrent)
	}
	return RegisterInfo{Night: g.meta.Night, ConfigDigest: g.meta.ConfigDigest, Records: g.meta.Records}, nil
}

// IsState says whether dir looks like a state folder (it has the
// pointer a finished night writes); ReadRegister checks the rest.
func IsState(dir string) bool {
	st, err := os.Stat(filepath.Join(dir, fileCurrent))
	return err == nil && st.Mode().IsRegular()
}
