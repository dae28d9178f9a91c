package state

import (
	"errors"
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
	if _, _, ok, err := current(dir); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("state %s: not a state folder, or no night has finished on it yet (no %s)", dir, fileCurrent)
	}
	unlock, err := lockShared(dir)
	if err != nil {
		return err
	}
	defer unlock()
	g, err := load(dir, wantDigest)
	if err != nil {
		return err
	}
	if g == nil {
		return errors.New("state " + dir + ": no night has finished on it yet")
	}
	if err := g.readTables(dir); err != nil {
		return err
	}
	// The pairs, keys and capped blocks are the nights' business.
	g.keys, g.pairL, g.pairR, g.pairW, g.capped = nil, nil, nil, nil, nil
	if err := start(RegisterInfo{Night: g.meta.Night, ConfigDigest: g.meta.ConfigDigest, Records: g.meta.Records}); err != nil {
		return err
	}
	order := make([]int32, len(g.records))
	for i := range order {
		order[i] = int32(i)
	}
	// Stable: a person's records stay in key order.
	slices.SortStableFunc(order, func(a, b int32) int {
		pa, pb := g.person[a], g.person[b]
		switch {
		case pa < pb:
			return -1
		case pa > pb:
			return 1
		}
		return 0
	})
	rr, err := openRaw(g.segmentPaths())
	if err != nil {
		return damaged(dir, "generation %s: %v", filepath.Base(g.dir), err)
	}
	defer rr.close()
	var rec RegisterRecord
	for _, i := range order {
		rec.Cells, rec.Valid, err = rr.read(g.loc[i], rec.Cells, rec.Valid)
		if err != nil {
			return damaged(dir, "%v", err)
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
