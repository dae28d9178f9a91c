// Package cleanse streams a table through the row normalizer and writes
// the normalized table: dedup normalize. The input's columns are kept (as
// strings) and each field of a job config adds the columns its kind
// writes (normalize.Column.Written), then the row's quality flags with
// correct and complete. Every row is normalized exactly as dedup run
// normalizes it (normalize.RowNormalizer); rows the reader cannot use go
// to a rejects table beside the output.
package cleanse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/ordered"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/progress"
)

// Roles are the person fields of the default config by their default
// column (the dedup gen population schema): --columns maps them.
var Roles = []string{"full_name", "date_of_birth", "gender", "national_id", "phone", "permanent_address", "current_address"}

// Mapping is the schema mapping: a config's fields, and which of them the
// input must have.
type Mapping struct {
	Config *config.Config
	// Required reports whether field i's columns must be in the input
	// (an error otherwise); a field that is not required and whose
	// columns are missing writes no columns (and normalizes as empty).
	Required func(i int) bool
	// Roles names the --columns role of each field, for errors.
	Roles map[int]string
}

// ConfigMapping maps every field of cfg; all are required.
func ConfigMapping(cfg *config.Config) Mapping {
	return Mapping{Config: cfg, Required: func(int) bool { return true }}
}

// DefaultMapping is the embedded default config with the --columns
// overrides "role=column,...": a role is the default column of a field
// (full_name feeds name, permanent_address feeds address...). Fields named
// in columns are required; the others are written when the input has
// their column.
func DefaultMapping(columns string) (Mapping, error) {
	cfg := config.Default()
	byRole := map[string]int{}
	for i, f := range cfg.Fields {
		if len(f.Columns) == 1 && slices.Contains(Roles, f.Columns[0]) {
			byRole[f.Columns[0]] = i
		}
	}
	m := Mapping{Config: cfg, Roles: map[int]string{}}
	if columns != "" {
		for _, kv := range strings.Split(columns, ",") {
			k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
			i, known := byRole[k]
			if !ok || !known || v == "" {
				return m, fmt.Errorf("--columns: %q is not role=column with a role among %s", kv, strings.Join(Roles, ", "))
			}
			cfg.Fields[i].Columns = []string{v}
			m.Roles[i] = k
		}
	}
	m.Required = func(i int) bool { _, ok := m.Roles[i]; return ok }
	return m, nil
}

// Options configures Table.
type Options struct {
	Mapping Mapping
	// RefYear is the reference year for two-digit years and future
	// birth dates (0: none).
	RefYear int
	// Workers is the number of normalizing goroutines (0: all cores); the
	// output is the same for any number.
	Workers int
	Quiet   bool // no progress on stderr
	// BatchRows is the rows per input batch; 0 is the reader's default.
	BatchRows int
}

// Manifest is OUTPUT.manifest.json: every input row is either normalized
// or rejected, and the counts add up.
type Manifest struct {
	Input         string           `json:"input"`
	Output        string           `json:"output"`
	Rejects       string           `json:"rejects"`
	RowsIn        int64            `json:"rows_in"`
	RowsOut       int64            `json:"rows_out"`
	RowsRejected  int64            `json:"rows_rejected"`
	RejectReasons map[string]int64 `json:"reject_reasons"`
}

// ErrCanceled reports a normalization stopped by its context (Ctrl-C):
// nothing was written.
var ErrCanceled = errors.New("canceled by a signal; no output written")

// Table normalizes the table in into out, then writes the rejects table
// (OUT.rejects.parquet: file, row, column, reason; never cell values) and
// the manifest (OUT.manifest.json) beside it. An output that is the input
// (or whose rejects or manifest would be) is refused; the temporaries a
// killed normalization of the same output left are removed first.
func Table(ctx context.Context, in, out string, opt Options) (*Manifest, error) {
	base := sidecarBase(out)
	for _, o := range []string{out, base + ".rejects.parquet", base + ".manifest.json"} {
		if sameFile(in, o) {
			return nil, fmt.Errorf("the output %s is the input %s: give another output path", o, in)
		}
		if err := dataio.RemoveStaleTemps(o); err != nil {
			return nil, err
		}
	}
	var rejects []dataio.Reject
	n, err := stream(ctx, in, out, opt, func(rj dataio.Reject) { rejects = append(rejects, rj) })
	if err != nil {
		return nil, err
	}
	return writeSidecars(in, out, n, rejects)
}

// sidecarBase is out without its extension: the rejects and the manifest
// are named after it.
func sidecarBase(out string) string { return strings.TrimSuffix(out, filepath.Ext(out)) }

// sameFile reports whether paths a and b name one file: the same cleaned
// absolute path, or, where both exist, the same file by os.SameFile (a
// link, another spelling of the path).
func sameFile(a, b string) bool {
	aa, errA := filepath.Abs(a)
	bb, errB := filepath.Abs(b)
	if errA == nil && errB == nil && aa == bb {
		return true
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

// writeSidecars writes the rejects table and the manifest beside out.
func writeSidecars(in, out string, rows int64, rejects []dataio.Reject) (*Manifest, error) {
	base := sidecarBase(out)
	m := &Manifest{Input: in, Output: out, Rejects: base + ".rejects.parquet", RowsOut: rows,
		RowsRejected: int64(len(rejects)), RejectReasons: map[string]int64{}}
	m.RowsIn = m.RowsOut + m.RowsRejected
	b := dataio.NewStringBatchBuilder(dataio.StringSchema("file", "row", "column", "reason"))
	defer b.Release()
	for _, rj := range rejects {
		b.Append([]string{rj.File, strconv.FormatInt(rj.Row, 10), rj.Column, rj.Reason})
		m.RejectReasons[rj.Reason]++
	}
	w, err := dataio.Create(m.Rejects, b.Schema())
	if err != nil {
		return nil, err
	}
	defer w.Abort()
	rec := b.NewBatch()
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	if err := w.Commit(); err != nil {
		return nil, err
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return m, dataio.WriteFileAtomic(base+".manifest.json", append(data, '\n'))
}

// Legacy output prefixes: before --config, dedup normalize named the ID
// columns id_* and the permanent address ones permanent_address_*. The
// default config's fields national_id and address keep those names; every
// other field's columns are named after the field.
var legacyPrefix = map[[2]string]string{
	{"national_id", string(normalize.KindNationalID)}: "id",
	{"address", string(normalize.KindVNAddress)}:      "permanent_address",
}

// outField is one written column of a field.
type outField struct {
	field int               // config field
	col   *normalize.Column // its kind's column
}

// plan is the layout of the output.
type plan struct {
	fields []normalize.Field // the row normalizer's, over the input columns
	cols   []outField        // the normalized columns, after the input's
	schema *arrow.Schema
}

// planTable maps the config's fields onto the input schema and lays out
// the output: the input columns (as strings), each present field's
// written columns in config order, then flags, correct and complete.
// Errors name the config key (or the --columns role) at fault.
func planTable(in string, inSchema *arrow.Schema, m Mapping) (*plan, error) {
	colIndex := map[string]int{}
	fields := append([]arrow.Field(nil), inSchema.Fields()...)
	names := map[string]string{} // output column → what made it
	for i := range fields {
		fields[i].Type, fields[i].Nullable = arrow.BinaryTypes.String, true
		colIndex[fields[i].Name] = i
		names[fields[i].Name] = "an input column"
	}
	p := &plan{}
	for i := range m.Config.Fields {
		f := &m.Config.Fields[i]
		var src []int
		for j, c := range f.Columns {
			k, ok := colIndex[c]
			if ok {
				src = append(src, k)
				continue
			}
			if m.Required(i) {
				if role, ok := m.Roles[i]; ok {
					return nil, fmt.Errorf("%s: no column %q for role %s", in, c, role)
				}
				return nil, fmt.Errorf("%s: fields[%d].columns[%d]: no input column %q", in, i, j, c)
			}
			src = nil
			break
		}
		p.fields = append(p.fields, f.RowField(src))
		if src == nil {
			continue
		}
		prefix, ok := legacyPrefix[[2]string{f.Name, string(f.Kind)}]
		if !ok {
			prefix = f.Name
		}
		cols := f.Kind.Columns()
		for k := range cols {
			c := &cols[k]
			if !c.Written {
				continue
			}
			name := c.Name(prefix)
			if prev, dup := names[name]; dup {
				return nil, fmt.Errorf("%s: fields[%d].name: output column %q of field %s is already %s; rename the field", in, i, name, f.Name, prev)
			}
			names[name] = "a column of field " + f.Name
			typ := arrow.DataType(arrow.BinaryTypes.String)
			if c.Type != normalize.ColumnString {
				typ = arrow.PrimitiveTypes.Int32
			}
			fields = append(fields, arrow.Field{Name: name, Type: typ, Nullable: true})
			p.cols = append(p.cols, outField{field: i, col: c})
		}
	}
	for _, c := range []arrow.Field{{Name: "flags", Type: arrow.BinaryTypes.String}, {Name: "correct", Type: arrow.FixedWidthTypes.Boolean}, {Name: "complete", Type: arrow.FixedWidthTypes.Boolean}} {
		if prev, dup := names[c.Name]; dup {
			return nil, fmt.Errorf("%s: output column %q is already %s; rename it", in, c.Name, prev)
		}
		c.Nullable = true
		fields = append(fields, c)
	}
	p.schema = arrow.NewSchema(fields, nil)
	return p, nil
}

// stream streams in to out (see planTable). Batches are normalized on
// opt.Workers goroutines, each with its own row normalizer, and written
// in input order, so the output does not depend on the number of workers;
// at most 2 × workers batches are in memory.
func stream(ctx context.Context, in, out string, opt Options, onReject func(dataio.Reject)) (int64, error) {
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	probe, err := dataio.Open(in, dataio.ReadOptions{AsStrings: true, BatchSize: 1})
	if err != nil {
		return 0, err
	}
	inSchema := probe.Schema()
	probe.Close()
	p, err := planTable(in, inSchema, opt.Mapping)
	if err != nil {
		return 0, err
	}

	r, err := dataio.Open(in, dataio.ReadOptions{AsStrings: true, OnReject: onReject, BatchSize: opt.BatchRows})
	if err != nil {
		return 0, err
	}
	defer r.Close()
	w, err := dataio.Create(out, p.schema)
	if err != nil {
		return 0, err
	}
	committed := false
	defer func() {
		if !committed {
			w.Abort()
		}
	}()
	var rep *progress.Reporter
	if !opt.Quiet {
		rep = progress.New("normalize", 0, progress.Options{})
	}

	// The workers normalize the batches, each with its own builder and row
	// normalizer; the writer takes them in input order.
	builders := make([]*array.RecordBuilder, workers)
	normalizers := make([]*normalize.RowNormalizer, workers)
	for k := range workers {
		builders[k] = array.NewRecordBuilder(memory.DefaultAllocator, p.schema)
		defer builders[k].Release()
		normalizers[k] = normalize.NewRowNormalizer(p.fields, normalize.Options{RefYear: opt.RefYear})
	}
	var rows int64
	err = ordered.Pool[arrow.RecordBatch, arrow.RecordBatch]{
		Workers: workers,
		Work: func(k int, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
			defer batch.Release()
			return p.batch(in, builders[k], normalizers[k], batch)
		},
		Consume: func(out arrow.RecordBatch) error {
			defer out.Release()
			if err := w.Write(out); err != nil {
				return err
			}
			rows += out.NumRows()
			if rep != nil {
				rep.Add(out.NumRows())
			}
			return nil
		},
		Discard: func(out arrow.RecordBatch) { out.Release() },
	}.Stream(ctx, func(emit func(arrow.RecordBatch) bool) error {
		for r.Next() {
			batch := r.Batch()
			batch.Retain()
			if !emit(batch) {
				batch.Release()
				return nil
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return rows, ErrCanceled
		}
		return rows, err
	}
	if err := r.Err(); err != nil {
		return rows, err
	}
	if rep != nil {
		rep.Done()
	}
	if err := w.Commit(); err != nil {
		return rows, err
	}
	committed = true
	return rows, nil
}

// batch builds the output batch of one input batch with b and rn (one of
// each per worker).
func (p *plan) batch(in string, b *array.RecordBuilder, rn *normalize.RowNormalizer, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	nin := int(batch.NumCols())
	cols := make([]*array.String, nin)
	for i := range cols {
		c, ok := batch.Column(i).(*array.String)
		if !ok {
			return nil, errors.New(in + ": reader did not deliver strings")
		}
		cols[i] = c
	}
	cells := make([][]byte, nin)
	var buf []byte
	for row := 0; row < int(batch.NumRows()); row++ {
		for i := 0; i < nin; i++ {
			sb := b.Field(i).(*array.StringBuilder)
			cells[i] = nil
			if cols[i].IsNull(row) {
				sb.AppendNull()
				continue
			}
			v := cols[i].Value(row)
			sb.Append(v)
			cells[i] = []byte(v)
		}
		nr := rn.Cells(cells)
		k := nin
		for _, c := range p.cols {
			v := &nr.Values[c.field]
			switch c.col.Type {
			case normalize.ColumnString:
				buf = c.col.AppendBytes(buf[:0], v)
				b.Field(k).(*array.StringBuilder).BinaryBuilder.Append(buf)
			default:
				b.Field(k).(*array.Int32Builder).Append(int32(c.col.Int(v)))
			}
			k++
		}
		buf = nr.Flags.AppendNames(buf[:0], '|')
		b.Field(k).(*array.StringBuilder).BinaryBuilder.Append(buf)
		b.Field(k + 1).(*array.BooleanBuilder).Append(nr.Flags.Correct())
		b.Field(k + 2).(*array.BooleanBuilder).Append(nr.Flags.Complete())
	}
	return b.NewRecordBatch(), nil
}
