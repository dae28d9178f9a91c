package state

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/runfolder"
)

// A change night (Options.Changes) reads, instead of tonight's whole
// snapshot, the rows to upsert (the inputs: new records, and new versions
// of stored ones, in their source's schema) and a deletes table
// (Options.Deletes: a record_id column, and a source column unless the
// config has one source) naming stored records to remove. Tonight's
// register is then the stored records, with each upserted id replaced or
// added and each deleted id removed (an id both upserted and deleted is
// upserted). The night equals a night over that register as a snapshot
// whose rows are in source order (the config's) and then record id order.

// readChanges builds the night's scan from the upserts and deletes: one
// row per record of tonight's register, in the order above; stored rows
// kept as they are point to a file standing for the state (no input).
func readChanges(ctx context.Context, cfg *config.Config, files []pipeline.InputFile, deletes string, prev *generation, seg *rawWriter, segIndex uint32, workers int) (*inputScan, error) {
	up, err := scanInputs(ctx, cfg, files, prev, searchRecords(prev), seg, segIndex, false, workers)
	if err != nil {
		return nil, err
	}
	gone := make([]bool, len(prev.records))
	if deletes != "" {
		if err := readDeletes(cfg, deletes, prev, gone); err != nil {
			return nil, err
		}
	}
	// The upserted rows, by the stored record they replace (in input
	// order), and the new ones by key.
	byPrev := map[int32][]int32{}
	var fresh []int32
	for row, p := range up.prev {
		if p >= 0 {
			byPrev[p] = append(byPrev[p], int32(row))
		} else {
			fresh = append(fresh, int32(row))
		}
	}
	dirtyOf := make(map[int32]int, len(up.dirty))
	for i, d := range up.dirty {
		dirtyOf[d.idx] = i
	}
	keyOfRow := func(row int32) Key {
		if i, ok := dirtyOf[row]; ok {
			return up.dirty[i].key
		}
		return prev.records[up.prev[row]]
	}
	slices.SortStableFunc(fresh, func(a, b int32) int { return compareKeys(keyOfRow(a), keyOfRow(b)) })

	s := &inputScan{files: append(slices.Clone(files), make([]pipeline.InputFile, len(cfg.Sources))...), rowsIn: make([]int64, len(files)+len(cfg.Sources)), rejects: up.rejects}
	copy(s.rowsIn, up.rowsIn)
	n := len(prev.records) + len(up.prev)
	s.prev, s.same, s.file, s.row = make([]int32, 0, n), make([]bool, 0, n), make([]int32, 0, n), make([]int64, 0, n)
	emitUp := func(row int32) {
		at := int32(len(s.prev))
		s.prev, s.same = append(s.prev, up.prev[row]), append(s.same, up.same[row])
		s.file, s.row = append(s.file, up.file[row]), append(s.row, up.row[row])
		if i, ok := dirtyOf[row]; ok {
			d := up.dirty[i]
			d.idx = at
			s.dirty = append(s.dirty, d)
		}
	}
	for src := range cfg.Sources {
		name := cfg.Sources[src].Name
		stateFile := int32(len(files) + src)
		s.files[stateFile] = pipeline.InputFile{Source: src, Path: "(state)", Columns: pipeline.SourceColumns(cfg, src)}
		lo, _ := slices.BinarySearchFunc(prev.records, Key{Source: name}, compareKeys)
		f := 0
		for f < len(fresh) && keyOfRow(fresh[f]).Source < name {
			f++
		}
		for p := lo; p < len(prev.records) && prev.records[p].Source == name; p++ {
			for f < len(fresh) && keyOfRow(fresh[f]).Source == name && compareKeys(keyOfRow(fresh[f]), prev.records[p]) < 0 {
				emitUp(fresh[f])
				f++
			}
			if rows, ok := byPrev[int32(p)]; ok {
				for _, r := range rows {
					emitUp(r)
				}
				continue
			}
			if gone[p] {
				continue
			}
			s.prev, s.same = append(s.prev, int32(p)), append(s.same, true)
			s.file, s.row = append(s.file, stateFile), append(s.row, 0)
			s.rowsIn[stateFile]++
		}
		for f < len(fresh) && keyOfRow(fresh[f]).Source == name {
			emitUp(fresh[f])
			f++
		}
	}
	slices.SortFunc(s.dirty, func(a, b dirtyRow) int { return cmp.Compare(a.idx, b.idx) })
	return s, nil
}

// readDeletes marks the stored records the deletes table names; an id the
// state does not hold is an error naming the table and row (a deletes
// file of another register, or sent twice, should not pass unseen).
func readDeletes(cfg *config.Config, path string, prev *generation, gone []bool) error {
	cols := []string{runfolder.ColRecordID}
	withSource := len(cfg.Sources) > 1
	if withSource {
		cols = append(cols, runfolder.ColSource)
	}
	find := searchRecords(prev)
	row := 0
	err := dataio.EachRow(path, cols, func(v []string) error {
		row++
		src := cfg.Sources[0].Name
		if withSource {
			src = v[1]
		}
		p := find(src, v[0])
		if p < 0 {
			return fmt.Errorf("%s row %d: column %s: a record id the state does not hold", path, row, runfolder.ColRecordID)
		}
		gone[p] = true
		return nil
	})
	if err != nil && !strings.HasPrefix(err.Error(), path) {
		return fmt.Errorf("deletes %s: %w", path, err)
	}
	return err
}
