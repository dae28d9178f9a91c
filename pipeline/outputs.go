package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/cluster"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/strcol"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/store"
	"github.com/dedup-vn/dedup/survive"
)

const outBatchRows = 64 * 1024

// outputs tracks the run's output writers. Every file is written under a
// temporary name; commit renames them all, the manifest last, and abort
// removes whatever is unfinished.
type outputs struct {
	dir     string
	plan    bool
	writers []*dataio.Writer
	model   []byte
	freqs   []byte // the model's frozen term frequencies, if it has them
	csv     bool   // Options.CSV
}

func newOutputs(dir string, plan bool) *outputs { return &outputs{dir: dir, plan: plan} }

func (o *outputs) create(name string, schema *arrow.Schema) (*dataio.Writer, error) {
	if o.plan {
		return nil, nil
	}
	if o.csv {
		name = strings.TrimSuffix(name, ".parquet") + ".csv"
	}
	w, err := dataio.Create(outputPath(o.dir, name), schema)
	if err != nil {
		return nil, err
	}
	o.writers = append(o.writers, w)
	return w, nil
}

func (o *outputs) abort() {
	for _, w := range o.writers {
		w.Abort()
	}
}

func (o *outputs) writeModel(m *linkage.Model) error {
	data, err := m.MarshalModel()
	o.model = data
	if m.Freqs != nil {
		o.freqs = linkage.MarshalFreqTables(m.Freqs)
	}
	return err
}

// commit publishes every output, then the model and the manifest.
func (o *outputs) commit(m *runfolder.Manifest) error {
	// Finish every file before renaming any, so that a full disk leaves no
	// output published without the others.
	for _, w := range o.writers {
		if err := w.Finish(); err != nil {
			return err
		}
	}
	for _, w := range o.writers {
		if err := w.Commit(); err != nil {
			return err
		}
		m.Outputs = append(m.Outputs, strings.TrimPrefix(w.Path(), o.dir+string(os.PathSeparator)))
	}
	if o.freqs != nil {
		// Before the model that names it.
		if err := dataio.WriteFileAtomic(outputPath(o.dir, runfolder.FileFreqs), o.freqs); err != nil {
			return err
		}
		m.Outputs = append(m.Outputs, runfolder.FileFreqs)
	}
	if o.model != nil {
		if err := dataio.WriteFileAtomic(outputPath(o.dir, runfolder.FileModel), o.model); err != nil {
			return err
		}
		m.Outputs = append(m.Outputs, runfolder.FileModel)
	}
	m.Outputs = append(m.Outputs, runfolder.FileManifest)
	return writeManifest(outputPath(o.dir, runfolder.FileManifest), m)
}

// keepRejects publishes rejects.parquet alone when the run fails on its
// input (a file not in UTF-8, nothing left to link): the rejected rows are
// how the user finds the fault. No manifest is written, so the folder is
// not taken for a finished run. It returns runErr, saying where the
// rejects are, or joined with a failure to write them.
func (o *outputs) keepRejects(r *runner, runErr error) error {
	s := r.rejects
	if o.plan || s.w == nil || s.count == 0 {
		return runErr
	}
	err := s.flush()
	if err == nil {
		err = s.w.Finish()
	}
	if err == nil {
		err = s.w.Commit()
	}
	if err != nil {
		return errors.Join(runErr, fmt.Errorf("cannot write %s: %w", runfolder.FileRejects, err))
	}
	return fmt.Errorf("%w (%d rejected rows, with their reasons, in %s)", runErr, s.count, s.w.Path())
}

// rejectSink streams rejects.parquet.
type rejectSink struct {
	r       *runner
	w       *dataio.Writer
	b       *array.RecordBuilder
	count   int64
	reasons map[string]int64
	err     error
}

var rejectSchema = runfolder.RejectsSchema

func (o *outputs) rejectSink(r *runner) (*rejectSink, error) {
	w, err := o.create(runfolder.FileRejects, rejectSchema)
	if err != nil {
		return nil, err
	}
	s := &rejectSink{r: r, w: w, reasons: map[string]int64{}}
	if w != nil {
		s.b = array.NewRecordBuilder(memory.DefaultAllocator, rejectSchema)
	}
	return s, nil
}

func (s *rejectSink) add(rj rejectRow) {
	s.count++
	s.reasons[rj.reason]++
	if s.b == nil {
		return
	}
	s.b.Field(0).(*array.StringBuilder).Append(s.r.cfg.Sources[rj.source].Name)
	s.b.Field(1).(*array.StringBuilder).Append(s.r.files[rj.file].path)
	s.b.Field(2).(*array.Int64Builder).Append(rj.row)
	s.b.Field(3).(*array.StringBuilder).Append(rj.column)
	s.b.Field(4).(*array.StringBuilder).Append(rj.reason)
	if s.b.Field(0).Len() >= outBatchRows {
		s.flush()
	}
}

func (s *rejectSink) flush() error {
	if s.b == nil || s.b.Field(0).Len() == 0 {
		return s.err
	}
	rec := s.b.NewRecordBatch()
	defer rec.Release()
	if err := s.w.Write(rec); err != nil && s.err == nil {
		s.err = err
	}
	return s.err
}

// pairsWriter streams pairs.parquet.
type pairsWriter struct {
	r      *runner
	sc     *scorer
	w      *dataio.Writer
	b      *array.RecordBuilder
	schema *arrow.Schema
}

func (o *outputs) pairsWriter(r *runner, sc *scorer) (*pairsWriter, error) {
	names := make([]string, sc.width)
	for k := range names {
		names[k] = sc.compiled.Spec(k).Name
	}
	schema := runfolder.PairsSchema(names)
	w, err := o.create(runfolder.FilePairs, schema)
	if err != nil {
		return nil, err
	}
	return &pairsWriter{r: r, sc: sc, w: w, schema: schema, b: array.NewRecordBuilder(memory.DefaultAllocator, schema)}, nil
}

// write appends a chunk's pairs at or above the floor; it returns how many.
func (p *pairsWriter) write(c *scoredChunk, floor float64) (int64, error) {
	st, b, width := c.st, p.b, p.sc.width
	var n int64
	for i, wt := range c.weights {
		if wt < floor {
			continue
		}
		l, r := c.localLeft[i], c.localRight[i]
		b.Field(0).(*array.StringBuilder).BinaryBuilder.Append(st.RecordID.Get(l))
		b.Field(1).(*array.StringBuilder).BinaryBuilder.Append(st.RecordID.Get(r))
		b.Field(2).(*array.StringBuilder).Append(p.r.cfg.Sources[st.Source[l]].Name)
		b.Field(3).(*array.StringBuilder).Append(p.r.cfg.Sources[st.Source[r]].Name)
		b.Field(4).(*array.StringBuilder).Append(p.r.cfg.Blocking.Rules[c.rule[i]].Name)
		for k := 0; k < width; k++ {
			b.Field(5 + 2*k).(*array.Int8Builder).Append(c.levels[i*width+k])
			b.Field(6 + 2*k).(*array.Float32Builder).Append(c.sims[i*width+k])
		}
		b.Field(5 + 2*width).(*array.Float64Builder).Append(wt)
		b.Field(6 + 2*width).(*array.Float64Builder).Append(linkage.Probability(wt))
		n++
		if b.Field(0).Len() >= outBatchRows {
			if err := p.flush(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (p *pairsWriter) flush() error {
	if p.b.Field(0).Len() == 0 {
		return nil
	}
	rec := p.b.NewRecordBatch()
	defer rec.Release()
	return p.w.Write(rec)
}

var clusterSchema = runfolder.ClustersSchema

// writeClusters writes clusters.parquet in input order and returns the
// cluster statistics and the rows written. It runs beside writeGolden, so
// it touches no shared state but its own writer.
func writeClusters(ctx context.Context, r *runner, w *dataio.Writer, res *cluster.Result, ev *clusterEvidence) (runfolder.ClusterStats, int64, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, clusterSchema)
	defer b.Release()
	var id []byte
	var rows int64
	stats := runfolder.ClusterStats{SizeCounts: map[string]int64{}}
	stats.Splits, stats.Sparse = ev.totals(res)
	// add writes the rows of st, which are the run's rows first, first+1, ...
	add := func(first int, st *store.Store) error {
		for i := 0; i < st.N; i++ {
			row := int32(first + i)
			if r.dropped[row] {
				continue
			}
			b.Field(0).(*array.StringBuilder).BinaryBuilder.Append(st.RecordID.Get(int32(i)))
			b.Field(1).(*array.StringBuilder).Append(r.cfg.Sources[st.Source[i]].Name)
			id = res.AppendID(id[:0], row)
			b.Field(2).(*array.StringBuilder).BinaryBuilder.Append(id)
			density, weakest, ok, splits := ev.of(res, row)
			if ok {
				b.Field(3).(*array.Float32Builder).Append(density)
				b.Field(4).(*array.Float32Builder).Append(weakest)
			} else {
				b.Field(3).AppendNull()
				b.Field(4).AppendNull()
			}
			b.Field(5).(*array.Int32Builder).Append(splits)
			rows++
			if res.Rep[row] == row {
				size := int64(res.Size(row))
				stats.Clusters++
				if size == 1 {
					stats.Singletons++
				}
				stats.Largest = max(stats.Largest, size)
				stats.SizeCounts[sizeBucket(size)]++
			}
			if b.Field(0).Len() >= outBatchRows {
				if err := flushBuilder(w, b); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := r.set.Scan(ctx, store.Groups(r.schema, true), nil, add); err != nil {
		return stats, rows, err
	}
	return stats, rows, flushBuilder(w, b)
}

func sizeBucket(n int64) string {
	switch {
	case n <= 5:
		return strconv.FormatInt(n, 10)
	case n <= 10:
		return "6-10"
	case n <= 100:
		return "11-100"
	}
	return ">100"
}

func flushBuilder(w *dataio.Writer, b *array.RecordBuilder) error {
	if b.Field(0).Len() == 0 {
		return nil
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	reserveLike(b, rec)
	return w.Write(rec)
}

// reserveLike makes room in b for a batch like rec, its strings an eighth
// longer: a builder that grows by doubling copies and zeroes its buffers
// again at every step.
func reserveLike(b *array.RecordBuilder, rec arrow.RecordBatch) {
	for i, f := range b.Fields() {
		f.Reserve(int(rec.NumRows()))
		if s, ok := f.(*array.StringBuilder); ok {
			s.ReserveData(len(rec.Column(i).(*array.String).ValueBytes())*9/8 + 64)
		}
	}
}

// writeResults writes clusters.parquet and golden.parquet side by side
// (each is mostly Parquet encoding, one core apiece) and records their
// counts in the manifest.
func (o *outputs) writeResults(ctx context.Context, r *runner, res *cluster.Result, ev *clusterEvidence) error {
	if err := r.rejects.flush(); err != nil {
		return err
	}
	cw, err := o.create(runfolder.FileClusters, clusterSchema)
	if err != nil {
		return err
	}
	if r.opt.NoGolden {
		stats, rows, err := writeClusters(ctx, r, cw, res, ev)
		r.manifest.Clusters, r.manifest.RowsClustered = stats, rows
		return err
	}
	g := survive.New(r.cfg)
	// One core goes to encoding golden.parquet (Parquet encoding and zstd
	// are most of the stage), the others choose values; on two cores one
	// builder keeps pace with the encoder, and a second would only add
	// the copy that joins the workers' pieces.
	g.Workers = max(1, r.opt.Workers-1)
	gw, err := o.create(runfolder.FileGolden, g.Schema())
	if err != nil {
		return err
	}
	var (
		stats        runfolder.ClusterStats
		rows, golden int64
		cerr, gerr   error
		wg           sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		stats, rows, cerr = writeClusters(ctx, r, cw, res, ev)
	}()
	golden, gerr = writeGolden(ctx, r, g, gw, res)
	wg.Wait()
	if cerr != nil {
		return cerr
	}
	if gerr != nil {
		return gerr
	}
	stats.Golden = golden
	r.manifest.Clusters = stats
	r.manifest.RowsClustered = rows
	return nil
}

// writeGolden writes golden.parquet (package survive chooses the values)
// and returns the number of golden records. Choosing the values and
// encoding Parquet overlap: a goroutine builds the batches and the caller
// writes them, in order.
func writeGolden(ctx context.Context, r *runner, g *survive.Builder, w *dataio.Writer, res *cluster.Result) (int64, error) {
	starts, rows := res.Groups()
	ranges, err := r.set.Clusters(ctx, starts, rows, r.dropped)
	if err != nil {
		return 0, err
	}
	src := survivalSource{ranges}
	cl := survive.Clusters{Starts: starts, Rows: rows, Key: res.Key, Dropped: r.dropped}
	batches := make(chan arrow.RecordBatch, 1)
	stop := make(chan struct{})
	var golden int64
	var berr error
	go func() {
		defer close(batches)
		golden, berr = g.Build(cl, src, func(rec arrow.RecordBatch) bool {
			select {
			case batches <- rec:
				return true
			case <-stop:
				rec.Release()
				return false
			}
		})
	}()
	rep := progress.New("write golden", int64(max(len(starts)-1, 0)), r.opt.Progress) // starts ends with a sentinel
	defer rep.Done()
	for rec := range batches {
		if err == nil {
			if err = w.Write(rec); err != nil {
				close(stop) // the builder stops at its next batch
			}
			rep.Add(rec.NumRows())
		}
		rec.Release()
	}
	if err == nil {
		err = berr
	}
	return golden, err
}

// survivalSource is the survive.Source of the record set's cluster ranges.
type survivalSource struct{ r store.Ranges }

func (s survivalSource) Ranges() []int { return s.r.Ends() }

func (s survivalSource) Members(i int) (*survive.Members, []int32, error) {
	st, loc, err := s.r.Members(i)
	if err != nil {
		return nil, nil, err
	}
	return survivalView(st), loc, nil
}

// survivalView is the view of st's columns survivorship reads.
func survivalView(st *store.Store) *survive.Members {
	strs := func(c *strcol.Column) survive.Strings { return survive.Strings{Data: c.Data, Offs: c.Offs} }
	v := &survive.Members{RecordID: strs(&st.RecordID), Flags: st.Flags, IDKey: st.IDKey, Fields: make([]survive.Field, len(st.Fields))}
	for i := range st.Fields {
		f := &st.Fields[i]
		c := &v.Fields[i]
		c.Kind = f.Kind
		switch f.Kind {
		case config.KindPersonName, config.KindText:
			c.Text = strs(f.Str("canonical"))
		case config.KindNationalID:
			c.Text = strs(f.Str("digits"))
		case config.KindPhone:
			c.Text = strs(f.Str("phones"))
		case config.KindDate:
			c.Ints = f.Int32s("date")
		case config.KindGender:
			c.Ints = f.Int32s("value")
		case config.KindVNAddress:
			c.Street, c.Ward, c.Province = strs(f.Str("street")), f.Int32s("ward_2025"), f.Int32s("province_2025")
			c.WardOld, c.DistrictOld, c.ProvinceOld = f.Int32s("ward_old"), f.Int32s("district_old"), f.Int32s("province_old")
		case config.KindTimestamp:
			c.TS = f.TS
		}
	}
	return v
}
