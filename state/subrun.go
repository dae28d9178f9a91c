package state

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/runfolder"
)

// subRun is one pipeline run of a night: over the inputs themselves (a
// full night) or over some of tonight's rows written back from the raw
// segments into temporary Arrow files (an incremental night), one file
// per source, rows in input order, so that the run sees them in the
// order a full run would (the order decides ties, as in a capped block's
// window).
type subRun struct {
	dir   string
	files []pipeline.InputFile // the run's inputs, in its order
	// origin maps a record of the run (its input file and 1-based data
	// row) to the snapshot row it came from.
	origin func(file int, row int64) int32
	m      *runfolder.Manifest
	// keys, when the run reported them, is each blocking rule's key of
	// each snapshot row the run loaded, by rule then snapshot row.
	keys [][]uint64
}

// runInputs runs the pipeline over the inputs themselves.
func runInputs(ctx context.Context, cfg *config.Config, popt pipeline.Options, dir string, scan *inputScan, wantKeys bool) (*subRun, error) {
	sr := &subRun{dir: dir, files: scan.files}
	// The rows of each file are in ascending order in the scan.
	starts := make([]int32, len(scan.files)+1)
	for i, f := range scan.file {
		starts[f+1] = int32(i) + 1
	}
	for f := 1; f < len(starts); f++ {
		starts[f] = max(starts[f], starts[f-1])
	}
	sr.origin = func(file int, row int64) int32 {
		lo, hi := starts[file], starts[file+1]
		at, ok := slices.BinarySearch(scan.row[lo:hi], row)
		if !ok {
			return -1
		}
		return lo + int32(at)
	}
	return sr, sr.run(ctx, cfg, popt, nil, len(scan.prev), wantKeys)
}

// runRows runs the pipeline over the snapshot rows given (ascending), their
// cells read from the raw segments at loc(row).
func runRows(ctx context.Context, cfg *config.Config, popt pipeline.Options, dir string, scan *inputScan, rows []int32, loc func(int32) rawLoc, rr *rawReader, wantKeys bool) (*subRun, error) {
	sr := &subRun{dir: dir}
	inDir := dir + "-in"
	if err := os.MkdirAll(inDir, 0o700); err != nil {
		return nil, err
	}
	var args []string
	var origins [][]int32 // by written file
	var cells []string
	var valid []bool
	var err error
	// A night with nothing to re-score still runs, over one empty file, so
	// that its outputs are whole tables (with no rows).
	empty := len(rows) == 0 && len(scan.files) > 0
	for lo := 0; lo < len(rows) || empty; {
		src := scan.files[0].Source
		if !empty {
			src = scan.files[scan.file[rows[lo]]].Source
		}
		empty = false
		hi := lo
		for hi < len(rows) && scan.files[scan.file[rows[hi]]].Source == src {
			hi++
		}
		cols := scan.files[0].Columns
		if lo < len(rows) {
			cols = scan.files[scan.file[rows[lo]]].Columns
		}
		fields := make([]arrow.Field, len(cols))
		for j, c := range cols {
			fields[j] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true}
		}
		schema := arrow.NewSchema(fields, nil)
		path := filepath.Join(inDir, fmt.Sprintf("s%05d.arrow", src))
		w, err := dataio.Create(path, schema)
		if err != nil {
			return nil, err
		}
		b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		flush := func() error {
			rec := b.NewRecordBatch()
			defer rec.Release()
			return w.Write(rec)
		}
		var origin []int32
		for _, row := range rows[lo:hi] {
			if cells, valid, err = rr.read(loc(row), cells, valid); err != nil {
				break
			}
			if len(cells) != len(cols) {
				err = fmt.Errorf("a stored record has %d cells, its source reads %d columns: the state does not fit the config", len(cells), len(cols))
				break
			}
			dataio.AppendTextRow(b, cells, valid)
			origin = append(origin, row)
			if len(origin)%batchRows == 0 {
				if err = flush(); err != nil {
					break
				}
			}
		}
		if err == nil {
			err = flush()
		}
		if err == nil {
			err = w.Commit()
		}
		b.Release()
		if err != nil {
			w.Abort()
			return nil, err
		}
		args = append(args, cfg.Sources[src].Name+"="+path)
		origins = append(origins, origin)
		lo = hi
	}
	if sr.files, err = pipeline.InputFiles(cfg, args, dir); err != nil {
		return nil, err
	}
	// The run orders its files by source, as they were written.
	sr.origin = func(file int, row int64) int32 {
		o := origins[file]
		if row < 1 || row > int64(len(o)) {
			return -1
		}
		return o[row-1]
	}
	return sr, sr.run(ctx, cfg, popt, args, len(scan.prev), wantKeys)
}

// run runs the pipeline into sr.dir.
func (sr *subRun) run(ctx context.Context, cfg *config.Config, popt pipeline.Options, args []string, rows int, wantKeys bool) error {
	popt.OutDir = sr.dir
	if args != nil {
		popt.Inputs = args
	}
	if wantKeys {
		sr.keys = make([][]uint64, len(cfg.Blocking.AllRules()))
		popt.BlockingKeys = func(rule int, files []uint16, rowsOf []int64, keys []uint64) error {
			if sr.keys[rule] == nil {
				sr.keys[rule] = make([]uint64, rows)
			}
			for i, k := range keys {
				o := sr.origin(int(files[i]), rowsOf[i])
				if o < 0 {
					return fmt.Errorf("BUG: the run loaded a row the night did not read")
				}
				sr.keys[rule][o] = k
			}
			return nil
		}
	}
	m, err := pipeline.Run(ctx, cfg, popt)
	sr.m = m
	return err
}

// readRejects reads the run's rejects.parquet, each row mapped to the
// snapshot row it came from (-1: a row of the input the scan did not
// hold, which a run over the inputs may reject as the scan did).
func (sr *subRun) readRejects() ([]reject, []int32, error) {
	path := filepath.Join(sr.dir, runfolder.FileRejects)
	if _, err := os.Stat(path); err != nil {
		return nil, nil, nil
	}
	byPath := map[string]int{}
	for i, f := range sr.files {
		byPath[f.Path] = i
	}
	var out []reject
	var rows []int32
	cols := []string{runfolder.ColFile, runfolder.ColRow, runfolder.ColColumn, runfolder.ColReason}
	err := dataio.EachRow(path, cols, func(v []string) error {
		f, ok := byPath[v[0]]
		if !ok {
			return fmt.Errorf("BUG: %s names a file the run did not read", path)
		}
		var row int64
		if _, err := fmt.Sscan(v[1], &row); err != nil {
			return fmt.Errorf("BUG: %s: a row that is not a number", path)
		}
		out = append(out, reject{file: int32(f), row: row, column: strings.Clone(v[2]), reason: strings.Clone(v[3])})
		rows = append(rows, sr.origin(f, row))
		return nil
	})
	return out, rows, err
}
