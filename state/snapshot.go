package state

import (
	"context"
	"fmt"
	"slices"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/pipeline"
)

// inputScan is tonight's input read once: every row the readers accept,
// in input order (files in the run's order, rows in file order), with the
// diff against the last generation.
type inputScan struct {
	files []pipeline.InputFile
	// prev[i] is row i's record in the last generation, -1 if none (a
	// new record); same[i] says its content hash is the one stored.
	// Every row not the same (all of them on a full night) is in dirty.
	prev []int32
	same []bool
	// file and row are each row's input file (index into files) and
	// 1-based data row, as rejects name them.
	file []int32
	row  []int64
	// The rows not the same as stored (new or changed; on a full night
	// every row), in input order: their keys, content hashes, places in
	// the input and in tonight's raw segment.
	dirty []dirtyRow
	// rowsIn counts each file's rows (read and rejected); rejects are the
	// readers' own (a malformed CSV line, a bad cell).
	rowsIn  []int64
	rejects []reject
}

// dirtyRow is a row whose cells tonight's segment holds.
type dirtyRow struct {
	idx  int32 // the row's place in the snapshot
	key  Key
	hash uint64
	loc  rawLoc
}

// reject is one row of the night's rejects.parquet.
type reject struct {
	file   int32
	row    int64
	column string
	reason string
}

// readSnapshot reads every input row (the run's column projection of each
// file, as strings, so the hash covers exactly the cells a run reads),
// hashes it, finds its record in prev (nil: none, a full night), and
// writes to seg the cells of every row that is not the same as stored
// (all of them when all is set: a full night rewrites the raw store).
// segIndex is the segment's index in tonight's generation.
func readSnapshot(ctx context.Context, cfg *config.Config, files []pipeline.InputFile, prev *generation, seg *rawWriter, segIndex uint32, all bool) (*inputScan, error) {
	s := &inputScan{files: files, rowsIn: make([]int64, len(files))}
	var cells []string
	var valid []bool
	in := interner{}
	for fi, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		src := cfg.Sources[f.Source]
		var fileRejects []reject
		r, err := dataio.Open(f.Path, dataio.ReadOptions{Columns: f.Columns, AsStrings: true, Delimiter: src.DelimiterRune(), Encoding: src.Encoding,
			OnReject: func(rj dataio.Reject) {
				fileRejects = append(fileRejects, reject{file: int32(fi), row: rj.Row, column: rj.Column, reason: rj.Reason})
			}})
		if err != nil {
			return nil, err
		}
		for r.Next() {
			rec := r.Batch()
			arrs := stringColumns(rec)
			for i := 0; i < int(rec.NumRows()); i++ {
				h := blocking.NewHasher()
				cells, valid = cells[:0], valid[:0]
				for _, a := range arrs {
					if a.IsValid(i) {
						h = h.Uint64(1).String(a.Value(i))
						cells, valid = append(cells, a.Value(i)), append(valid, true)
					} else {
						h = h.Uint64(0)
						cells, valid = append(cells, ""), append(valid, false)
					}
				}
				hash := h.Sum()
				key := Key{src.Name, cells[0]}
				p := int32(-1)
				if prev != nil {
					if at, ok := slices.BinarySearchFunc(prev.records, key, compareKeys); ok {
						p = int32(at)
					}
				}
				same := p >= 0 && prev.hashes[p] == hash
				idx := int32(len(s.prev))
				s.prev, s.same = append(s.prev, p), append(s.same, same)
				s.file, s.row = append(s.file, int32(fi)), append(s.row, r.Row(i)+1)
				if same && !all {
					continue
				}
				off, n, err := seg.add(cells, valid)
				if err != nil {
					r.Close()
					return nil, err
				}
				s.dirty = append(s.dirty, dirtyRow{idx: idx, key: in.keyOf(src.Name, cells[0]), hash: hash,
					loc: rawLoc{seg: segIndex, off: off, len: n}})
			}
		}
		err = r.Err()
		s.rowsIn[fi] = r.RowsRead() + r.RowsRejected()
		r.Close()
		if err != nil {
			return nil, err
		}
		s.rejects = append(s.rejects, fileRejects...)
	}
	if len(s.prev) > 1<<31-2 {
		return nil, fmt.Errorf("%d input rows: a state holds at most %d", len(s.prev), 1<<31-2)
	}
	return s, nil
}
