package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/cluster"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/refdata"
	"github.com/dedup-vn/dedup/runfolder"
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
}

func newOutputs(dir string, plan bool) *outputs { return &outputs{dir: dir, plan: plan} }

func (o *outputs) create(name string, schema *arrow.Schema) (*dataio.Writer, error) {
	if o.plan {
		return nil, nil
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
		b.Field(0).(*array.StringBuilder).BinaryBuilder.Append(st.recordID.Get(l))
		b.Field(1).(*array.StringBuilder).BinaryBuilder.Append(st.recordID.Get(r))
		b.Field(2).(*array.StringBuilder).Append(p.r.cfg.Sources[st.source[l]].Name)
		b.Field(3).(*array.StringBuilder).Append(p.r.cfg.Sources[st.source[r]].Name)
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
func writeClusters(ctx context.Context, r *runner, w *dataio.Writer, res *cluster.Result) (runfolder.ClusterStats, int64, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, clusterSchema)
	defer b.Release()
	var id []byte
	var rows int64
	stats := runfolder.ClusterStats{SizeCounts: map[string]int64{}}
	// add writes the rows of st, which are the run's rows first, first+1, ...
	add := func(first int, st *store) error {
		for i := 0; i < st.n; i++ {
			row := int32(first + i)
			if r.dropped[row] {
				continue
			}
			b.Field(0).(*array.StringBuilder).BinaryBuilder.Append(st.recordID.Get(int32(i)))
			b.Field(1).(*array.StringBuilder).Append(r.cfg.Sources[st.source[i]].Name)
			id = res.AppendID(id[:0], row)
			b.Field(2).(*array.StringBuilder).BinaryBuilder.Append(id)
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
	var err error
	if r.sp != nil {
		err = r.scan(ctx, nil, spillGroups(r.cfg, true), nil, add)
	} else {
		err = add(0, r.st)
	}
	if err != nil {
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
	return w.Write(rec)
}

// names of administrative units by code, for golden addresses.
var unitNames = func() (wards, provinces map[uint32]string) {
	wards, provinces = map[uint32]string{}, map[uint32]string{}
	t := refdata.Get()
	for _, w := range t.WardsNew {
		c, _ := strconv.Atoi(w.Code)
		wards[uint32(c)] = w.FullName
	}
	for _, p := range t.ProvincesNew {
		c, _ := strconv.Atoi(p.Code)
		provinces[uint32(c)] = p.FullName
	}
	return
}

// writeResults writes clusters.parquet and golden.parquet side by side
// (each is mostly Parquet encoding, one core apiece) and records their
// counts in the manifest.
func (o *outputs) writeResults(ctx context.Context, r *runner, res *cluster.Result) error {
	if err := r.rejects.flush(); err != nil {
		return err
	}
	cw, err := o.create(runfolder.FileClusters, clusterSchema)
	if err != nil {
		return err
	}
	g := newGoldenBuilder(r)
	gw, err := o.create(runfolder.FileGolden, g.schema)
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
		stats, rows, cerr = writeClusters(ctx, r, cw, res)
	}()
	golden, gerr = g.write(ctx, gw, res)
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

// goldenBatchRows is how many member rows the golden builder gathers at a
// time. Clusters come in cluster key order, which is random with respect
// to the store's row order, so reading the members where they lie costs a
// cache and TLB miss per column per member; at 10M rows (an 8 GiB heap,
// page tables larger than the cache) each miss costs more again, which
// made the stage superlinear. Gathering a batch column by column issues
// independent loads the CPU overlaps, and the survivorship logic then
// reads small dense arrays.
const goldenBatchRows = 32 * 1024

// write writes golden.parquet: one record per cluster, each field chosen
// by its survivorship rule, with the record it came from and the four
// quality criteria. It returns the number of golden records. Choosing the
// values and encoding Parquet overlap: a goroutine builds the batches and
// the caller writes them, in order.
func (g *goldenBuilder) write(ctx context.Context, w *dataio.Writer, res *cluster.Result) (int64, error) {
	batches := make(chan arrow.RecordBatch, 1)
	stop := make(chan struct{})
	var golden int64
	var berr error
	go func() {
		defer close(batches)
		golden, berr = g.build(ctx, res, func(rec arrow.RecordBatch) bool {
			select {
			case batches <- rec:
				return true
			case <-stop:
				rec.Release()
				return false
			}
		})
	}()
	var err error
	for rec := range batches {
		if err == nil {
			if err = w.Write(rec); err != nil {
				close(stop) // the builder stops at its next batch
			}
		}
		rec.Release()
	}
	if err == nil {
		err = berr
	}
	return golden, err
}

// build makes the golden records in cluster key order and hands them to
// emit a batch at a time; it stops early when emit returns false. It
// returns the number of golden records. A spilled run reads the members
// back a range of clusters at a time.
func (g *goldenBuilder) build(ctx context.Context, res *cluster.Result, emit func(arrow.RecordBatch) bool) (int64, error) {
	r := g.r
	var golden int64
	starts, rows := res.Groups()
	b := dataio.NewStringBatchBuilder(g.schema)
	defer b.Release()
	var (
		sel    []int32  // the batch's non-dropped member rows, cluster by cluster
		bounds []int32  // cluster c of the batch holds sel[bounds[c]:bounds[c+1]]
		keys   []uint64 // cluster key by cluster of the batch
		iota   []int32  // 0, 1, 2, ...: local member indices
	)
	clusters := len(starts) - 1
	// A spilled run cuts the clusters into ranges of at most a partition's
	// records and routes each range's members to its own partition in one
	// pass over the records.
	rangeEnds := []int{clusters}
	var routed []*routedPartition
	if r.sp != nil {
		rangeEnds = rangeEnds[:0]
		partOf := make([]uint16, r.st.n)
		for c0 := 0; c0 < clusters; {
			c1 := c0 + 1
			for c1 < clusters && int(starts[c1+1]-starts[c0]) <= r.sp.maxRows {
				c1++
			}
			rangeEnds = append(rangeEnds, c1)
			if len(rangeEnds) >= 1<<16-1 {
				return 0, fmt.Errorf("the golden records need more than %d partitions: give the run more memory", 1<<16-2)
			}
			for _, row := range rows[starts[c0]:starts[c1]] {
				if !r.dropped[row] {
					partOf[row] = uint16(len(rangeEnds))
				}
			}
			c0 = c1
		}
		var err error
		if routed, err = r.routePartitions(ctx, partOf, len(rangeEnds)); err != nil {
			return 0, err
		}
	}
	rangeStart := 0
	for ri, rangeEnd := range rangeEnds {
		var loc []int32 // row → g.full row; nil: the same
		if r.sp != nil {
			sub, err := routed[ri].load(r)
			if err != nil {
				return golden, err
			}
			routed[ri] = nil
			g.full = goldenViewOf(sub)
			loc = r.sp.loc
		}
		for c0 := rangeStart; c0 < rangeEnd; {
			c1 := c0 + 1
			for c1 < rangeEnd && starts[c1+1]-starts[c0] <= goldenBatchRows {
				c1++
			}
			sel, bounds, keys = sel[:0], bounds[:0], keys[:0]
			for c := c0; c < c1; c++ {
				bounds = append(bounds, int32(len(sel)))
				// The first member has the smallest stable key: it is the
				// representative, whose key names the cluster.
				keys = append(keys, res.Key(rows[starts[c]]))
				for _, row := range rows[starts[c]:starts[c+1]] {
					if !r.dropped[row] {
						if loc != nil {
							row = loc[row]
						}
						sel = append(sel, row)
					}
				}
			}
			bounds = append(bounds, int32(len(sel)))
			g.local.gather(&g.full, sel)
			for len(iota) < len(sel) {
				iota = append(iota, int32(len(iota)))
			}
			for c := 0; c+1 < len(bounds); c++ {
				members := iota[bounds[c]:bounds[c+1]]
				if len(members) == 0 {
					continue
				}
				g.appendRow(b, keys[c], members)
				golden++
				if b.Len() >= outBatchRows && !emit(b.NewBatch()) {
					return golden, nil
				}
			}
			c0 = c1
		}
		rangeStart = rangeEnd
	}
	if b.Len() > 0 {
		emit(b.NewBatch())
	}
	return golden, nil
}

// goldenCols are a field's columns the golden builder reads, resolved once
// (looking roles up by name for every value was a tenth of the write stage).
type goldenCols struct {
	kind                 normalize.Kind
	text                 bytesColumn // canonical name or text, ID digits, phones
	street               bytesColumn
	ints, ward, province []int32
	ts                   []int64
}

// goldenView is every column the golden builder reads. The full view is
// the store's columns, indexed by store row; the local view holds a
// gathered batch, indexed by position in the batch.
type goldenView struct {
	recordID bytesColumn
	flags    []uint64
	idKey    []uint64
	cols     []goldenCols // by field
	spans    [][2]uint32  // gather scratch
}

// gather fills v with rows of src, in that order.
func (v *goldenView) gather(src *goldenView, rows []int32) {
	v.spans = gatherBytes(&v.recordID, &src.recordID, rows, v.spans)
	v.flags = gatherInts(v.flags, src.flags, rows)
	v.idKey = gatherInts(v.idKey, src.idKey, rows)
	if v.cols == nil {
		v.cols = make([]goldenCols, len(src.cols))
	}
	for i := range src.cols {
		s, d := &src.cols[i], &v.cols[i]
		d.kind = s.kind
		if s.text.Offs != nil {
			v.spans = gatherBytes(&d.text, &s.text, rows, v.spans)
		}
		if s.street.Offs != nil {
			v.spans = gatherBytes(&d.street, &s.street, rows, v.spans)
		}
		if s.ints != nil {
			d.ints = gatherInts(d.ints, s.ints, rows)
		}
		if s.ward != nil {
			d.ward = gatherInts(d.ward, s.ward, rows)
		}
		if s.province != nil {
			d.province = gatherInts(d.province, s.province, rows)
		}
		if s.ts != nil {
			d.ts = gatherInts(d.ts, s.ts, rows)
		}
	}
}

// gatherInts sets dst to src[rows[0]], src[rows[1]], ...
func gatherInts[T any](dst, src []T, rows []int32) []T {
	dst = slices.Grow(dst[:0], len(rows))[:len(rows)]
	for j, r := range rows {
		dst[j] = src[r]
	}
	return dst
}

// gatherBytes sets dst to the values of src at rows, in two passes (the
// offsets, then the bytes) so that each pass's loads are independent.
func gatherBytes(dst, src *bytesColumn, rows []int32, spans [][2]uint32) [][2]uint32 {
	spans = slices.Grow(spans[:0], len(rows))[:len(rows)]
	size := 0
	for j, r := range rows {
		s, e := src.Offs[r], src.Offs[r+1]
		spans[j] = [2]uint32{s, e}
		size += int(e - s)
	}
	dst.Data = slices.Grow(dst.Data[:0], size)
	dst.Offs = append(slices.Grow(dst.Offs[:0], len(rows)+1), 0)
	for _, sp := range spans {
		dst.Data = append(dst.Data, src.Data[sp[0]:sp[1]]...)
		dst.Offs = append(dst.Offs, uint32(len(dst.Data)))
	}
	return spans
}

// goldenBuilder chooses the surviving values of a cluster.
type goldenBuilder struct {
	r         *runner
	schema    *arrow.Schema
	full      goldenView // the store
	local     goldenView // the batch being written: what the methods below read
	rules     []string   // survivorship rule by field
	updated   int        // the first timestamp field, or -1
	wards     map[uint32]string
	provinces map[uint32]string
	hasKinds  map[normalize.Kind]bool
	val, tmp  []byte
}

func newGoldenBuilder(r *runner) *goldenBuilder {
	st := r.st
	g := &goldenBuilder{r: r, hasKinds: map[normalize.Kind]bool{}, updated: -1}
	g.wards, g.provinces = unitNames()
	names := []string{"cluster_id", "size", "member_ids"}
	g.full = goldenViewOf(st)
	for i := range st.fields {
		f := &st.fields[i]
		if f.kind == config.KindTimestamp && g.updated < 0 {
			g.updated = i
		}
		g.rules = append(g.rules, r.cfg.SurvivorshipFor(f.name))
		g.hasKinds[f.kind] = true
		names = append(names, f.name, f.name+"_from")
		if f.kind == config.KindVNAddress {
			names = append(names, f.name+"_ward_2025", f.name+"_province_2025")
		}
	}
	names = append(names, "correct", "complete", "clean", "live", "quality_flags")
	g.schema = dataio.StringSchema(names...)
	return g
}

// goldenViewOf is the view of st's columns the golden builder reads.
func goldenViewOf(st *store) goldenView {
	v := goldenView{recordID: st.recordID, flags: st.flags, idKey: st.idKey, cols: make([]goldenCols, len(st.fields))}
	for i := range st.fields {
		f := &st.fields[i]
		c := &v.cols[i]
		c.kind = f.kind
		switch f.kind {
		case config.KindPersonName, config.KindText:
			c.text = *f.str("canonical")
		case config.KindNationalID:
			c.text = *f.str("digits")
		case config.KindPhone:
			c.text = *f.str("phones")
		case config.KindDate:
			c.ints = f.int32s("date")
		case config.KindGender:
			c.ints = f.int32s("value")
		case config.KindVNAddress:
			c.street, c.ward, c.province = *f.str("street"), f.int32s("ward_2025"), f.int32s("province_2025")
		case config.KindTimestamp:
			c.ts = f.ts
		}
	}
	return v
}

func (g *goldenBuilder) ts(m int32) int64 {
	if g.updated < 0 {
		return 0
	}
	return g.local.cols[g.updated].ts[m]
}

// hasValue tells whether a member has a value for field i, without
// rendering it.
func (g *goldenBuilder) hasValue(i int, m int32) bool {
	c := &g.local.cols[i]
	switch c.kind {
	case config.KindPersonName, config.KindText, config.KindNationalID, config.KindPhone:
		return c.text.Offs[m+1] > c.text.Offs[m]
	case config.KindDate, config.KindGender:
		return c.ints[m] != 0
	case config.KindVNAddress:
		return c.ward[m] != 0
	case config.KindTimestamp:
		return c.ts[m] != 0
	}
	return false
}

// appendValue appends field i of a member as golden text to dst; nothing
// when the member has no value.
func (g *goldenBuilder) appendValue(dst []byte, i int, m int32) []byte {
	c := &g.local.cols[i]
	switch c.kind {
	case config.KindPersonName, config.KindText, config.KindNationalID, config.KindPhone:
		return append(dst, c.text.Get(m)...)
	case config.KindDate:
		if v := c.ints[m]; v != 0 {
			return normalize.DateFromPacked(v).AppendISO(dst)
		}
	case config.KindGender:
		switch normalize.Gender(c.ints[m]) {
		case normalize.GenderMale:
			return append(dst, "Nam"...)
		case normalize.GenderFemale:
			return append(dst, "Nữ"...)
		}
	case config.KindVNAddress:
		ward := uint32(c.ward[m])
		if ward == 0 {
			return dst
		}
		if s := c.street.Get(m); len(s) > 0 {
			dst = append(append(dst, s...), ", "...)
		}
		dst = append(dst, g.wards[ward]...)
		if p := g.provinces[uint32(c.province[m])]; p != "" {
			dst = append(append(dst, ", "...), p...)
		}
		return dst
	case config.KindTimestamp:
		if t := c.ts[m]; t != 0 {
			return time.Unix(t, 0).UTC().AppendFormat(dst, time.RFC3339)
		}
	}
	return dst
}

// valid tells whether a member's value of field i counts as valid for the
// valid_first rule: a valid CCCD for national IDs, no correctness flag on
// the record otherwise.
func (g *goldenBuilder) valid(i int, m int32) bool {
	if g.local.cols[i].kind == config.KindNationalID {
		return g.local.idKey[m] != 0
	}
	return normalize.Flags(g.local.flags[m])&normalize.CorrectMask == 0
}

// choose picks the member whose value survives for field i, or -1 when no
// member has a value. Ties go to the most recent update, then to the
// member with the smallest stable key (members come in that order).
func (g *goldenBuilder) choose(i int, members []int32) int32 {
	kind := g.local.cols[i].kind
	if len(members) == 1 {
		if !g.hasValue(i, members[0]) {
			return -1
		}
		return members[0]
	}
	rule := g.rules[i]
	best, bestCount, bestValid := int32(-1), 0, false
	for _, m := range members {
		g.val = g.appendValue(g.val[:0], i, m)
		if len(g.val) == 0 {
			continue
		}
		if best < 0 {
			best = m
			if rule == config.SurviveMostFrequent {
				bestCount = g.count(i, members, g.val)
			}
			bestValid = g.valid(i, m)
			continue
		}
		better := false
		switch {
		case kind == config.KindTimestamp || rule == config.SurviveMostRecent:
			better = g.ts(m) > g.ts(best)
		case rule == config.SurviveMostFrequent:
			count := g.count(i, members, g.val)
			better = count > bestCount || count == bestCount && g.ts(m) > g.ts(best)
			if better {
				bestCount = count
			}
		case rule == config.SurviveValidFirst:
			valid := g.valid(i, m)
			better = valid && !bestValid || valid == bestValid && g.ts(m) > g.ts(best)
			if better {
				bestValid = valid
			}
		}
		if better {
			best = m
		}
	}
	return best
}

// count counts the members whose value of field i equals v.
func (g *goldenBuilder) count(i int, members []int32, v []byte) int {
	n := 0
	for _, o := range members {
		g.tmp = g.appendValue(g.tmp[:0], i, o)
		if bytes.Equal(g.tmp, v) {
			n++
		}
	}
	return n
}

// appendRow appends one golden record to b: the cluster with key key and
// the given members (indices into the local view, in stable key order).
func (g *goldenBuilder) appendRow(b *dataio.StringBatchBuilder, key uint64, members []int32) {
	v := &g.local
	col := 0
	put := func(x []byte) {
		b.Column(col).BinaryBuilder.Append(x)
		col++
	}
	g.val = cluster.AppendKeyID(g.val[:0], key)
	put(g.val)
	put(strconv.AppendInt(g.val[:0], int64(len(members)), 10))
	g.val = g.val[:0]
	for i, m := range members {
		if i > 0 {
			g.val = append(g.val, ';')
		}
		g.val = append(g.val, v.recordID.Get(m)...)
	}
	put(g.val)
	var (
		flags                             normalize.Flags
		dob                               normalize.Date
		gender                            normalize.Gender
		id                                normalize.ID
		hasName, hasDOB, hasID, hasGender bool
		hasAddr, hasTimestamp             bool
	)
	for i := range v.cols {
		c := &v.cols[i]
		from := g.choose(i, members)
		g.val = g.val[:0]
		if from >= 0 {
			g.val = g.appendValue(g.val, i, from)
			flags |= normalize.Flags(v.flags[from])
		}
		put(g.val)
		if from >= 0 {
			put(v.recordID.Get(from))
		} else {
			put(nil)
		}
		switch c.kind {
		case config.KindPersonName:
			hasName = hasName || from >= 0
		case config.KindDate:
			if from >= 0 {
				dob, hasDOB = normalize.DateFromPacked(c.ints[from]), true
			}
		case config.KindGender:
			if from >= 0 {
				gender, hasGender = normalize.Gender(c.ints[from]), true
			}
		case config.KindNationalID:
			if from >= 0 {
				id, hasID = normalize.ParseID(c.text.Get(from)), true
			}
		case config.KindVNAddress:
			if from >= 0 {
				put(normalize.AppendCode(g.tmp[:0], uint32(c.ward[from]), 5))
				put(normalize.AppendCode(g.tmp[:0], uint32(c.province[from]), 2))
				hasAddr = true
			} else {
				put(nil)
				put(nil)
			}
		case config.KindTimestamp:
			hasTimestamp = hasTimestamp || from >= 0
		}
	}
	// correct: the chosen values are valid and consistent with each other.
	correct := flags&normalize.CorrectMask == 0
	if hasID {
		correct = correct && id.Valid() && normalize.CheckIDConsistency(id, dob, gender)&normalize.CorrectMask == 0
	}
	// complete: the required fields (name, date of birth, gender, ID,
	// address, where the schema has them) have a value.
	complete := hasName && (hasDOB || !g.hasKinds[config.KindDate]) && (hasGender || !g.hasKinds[config.KindGender]) &&
		(hasID || !g.hasKinds[config.KindNationalID]) && (hasAddr || !g.hasKinds[config.KindVNAddress])
	// clean: normalized and deduplicated: no two valid national IDs were
	// forced into one cluster.
	clean := true
	var firstID uint64
	for _, m := range members {
		if k := v.idKey[m]; k != 0 {
			if firstID != 0 && k != firstID {
				clean = false
			}
			firstID = k
		}
	}
	// live: an address resolved in the 2025 units and a known update time.
	live := hasAddr && (hasTimestamp || g.updated < 0)
	for _, x := range []bool{correct, complete, clean, live} {
		put(strconv.AppendBool(g.val[:0], x))
	}
	put(flags.AppendNames(g.val[:0], ';'))
}
