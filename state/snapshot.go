package state

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/ordered"
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

// fileScan is one input file's part of the scan, read on a worker.
type fileScan struct {
	prev    []int32
	same    []bool
	row     []int64
	dirty   []fileDirty
	enc     []byte // the dirty rows' records, encoded for the segment
	rowsIn  int64
	rejects []reject
}

// fileDirty is a row of the file that goes to tonight's segment.
type fileDirty struct {
	at       int // its place among the file's rows
	id       string
	hash     uint64
	from, to int // its record in fileScan.enc
}

// readSnapshot reads every input row (the run's column projection of each
// file, as strings, so the hash covers exactly the cells a run reads),
// hashes it, finds its record in prev (nil: none, a full night), and
// writes to seg the cells of every row that is not the same as stored
// (all of them when all is set: a full night rewrites the raw store).
// segIndex is the segment's index in tonight's generation. Files are read
// on workers and taken in order, so the result is the same for any
// number of them.
func readSnapshot(ctx context.Context, cfg *config.Config, files []pipeline.InputFile, prev *generation, seg *rawWriter, segIndex uint32, all bool, workers int) (*inputScan, error) {
	find := noRecord
	if prev != nil {
		find = newKeyIndex(prev.records).find
	}
	return scanInputs(ctx, cfg, files, prev, find, seg, segIndex, all, workers)
}

// noRecord is the lookup of an empty state.
func noRecord(string, string) int32 { return -1 }

// searchRecords is a lookup by binary search: for a few rows (a change
// night's upserts), cheaper than building the key index.
func searchRecords(prev *generation) func(source, id string) int32 {
	return func(source, id string) int32 {
		if at, ok := slices.BinarySearchFunc(prev.records, Key{source, id}, compareKeys); ok {
			return int32(at)
		}
		return -1
	}
}

// scanInputs is readSnapshot with its lookup of stored records.
func scanInputs(ctx context.Context, cfg *config.Config, files []pipeline.InputFile, prev *generation, find func(source, id string) int32, seg *rawWriter, segIndex uint32, all bool, workers int) (*inputScan, error) {
	s := &inputScan{files: files, rowsIn: make([]int64, len(files))}
	in := interner{}
	next := 0
	pool := ordered.Pool[int, *fileScan]{
		Workers: workers,
		Work: func(_ int, fi int) (*fileScan, error) {
			return scanFile(cfg, files[fi], fi, prev, find, all)
		},
		Consume: func(fs *fileScan) error {
			fi := next
			next++
			base := int32(len(s.prev))
			s.prev, s.same, s.row = append(s.prev, fs.prev...), append(s.same, fs.same...), append(s.row, fs.row...)
			for range fs.prev {
				s.file = append(s.file, int32(fi))
			}
			s.rowsIn[fi] = fs.rowsIn
			s.rejects = append(s.rejects, fs.rejects...)
			src := cfg.Sources[files[fi].Source].Name
			for _, d := range fs.dirty {
				off, n, err := seg.addEncoded(fs.enc[d.from:d.to])
				if err != nil {
					return err
				}
				idx := base + int32(d.at)
				key := Key{in.get(src), d.id}
				if p := s.prev[idx]; p >= 0 && prev.records[p] != key {
					// The key index matched hash bits only.
					s.prev[idx], s.same[idx] = -1, false
				}
				s.dirty = append(s.dirty, dirtyRow{idx: idx, key: key, hash: d.hash,
					loc: rawLoc{seg: segIndex, off: off, len: n}})
			}
			if len(s.prev) > 1<<31-2 {
				return fmt.Errorf("more than %d input rows: a state holds at most that many", 1<<31-2)
			}
			return nil
		},
	}
	fi := 0
	err := pool.Run(ctx, func() (int, bool, error) {
		if fi == len(files) {
			return 0, false, nil
		}
		fi++
		return fi - 1, true, nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// scanFile reads one input file for readSnapshot.
func scanFile(cfg *config.Config, f pipeline.InputFile, fi int, prev *generation, find func(source, id string) int32, all bool) (*fileScan, error) {
	src := cfg.Sources[f.Source]
	fs := &fileScan{}
	r, err := dataio.Open(f.Path, dataio.ReadOptions{Columns: f.Columns, AsStrings: true, Delimiter: src.DelimiterRune(), Encoding: src.Encoding,
		OnReject: func(rj dataio.Reject) {
			fs.rejects = append(fs.rejects, reject{file: int32(fi), row: rj.Row, column: rj.Column, reason: rj.Reason})
		}})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var cells []string
	var valid []bool
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
			p := find(src.Name, cells[0])
			same := p >= 0 && prev.hashes[p] == hash
			fs.prev, fs.same, fs.row = append(fs.prev, p), append(fs.same, same), append(fs.row, r.Row(i)+1)
			if same && !all {
				continue
			}
			from := len(fs.enc)
			fs.enc = appendRaw(fs.enc, cells, valid)
			fs.dirty = append(fs.dirty, fileDirty{at: len(fs.prev) - 1, id: strings.Clone(cells[0]), hash: hash, from: from, to: len(fs.enc)})
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	fs.rowsIn = r.RowsRead() + r.RowsRejected()
	return fs, nil
}
