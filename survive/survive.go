// Package survive builds golden records: one row per cluster, each field's
// value chosen among the cluster's members by the field's survivorship
// rule, with the record it came from (`<field>_from`), the four quality
// criteria (correct, complete, clean, live) and the quality flags of the
// chosen values.
//
// It reads records through [Members], plain columns the caller fills from
// its own store, so the same code serves a run held in memory (a view over
// the whole store) and a spilled run (the members of a range of clusters
// read back from disk): see [Source].
package survive

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/internal/ordered"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/runfolder"
)

// batchRows is the most golden rows in one emitted batch (the run's other
// writers use the same size). Every batch but the last holds exactly this
// many: the Parquet writer cuts pages where a batch starts, so the file's
// bytes depend on where the batches end. A variable so that tests can cut
// small batches.
var batchRows = 64 * 1024

// pieceRows is the most golden rows one of Build's workers builds at a
// time: a quarter batch keeps the pieces in flight small (a few MiB each)
// and the workers evenly loaded.
var pieceRows = 16 * 1024

// gatherRows is how many member rows are gathered at a time. Clusters come
// in cluster key order, which is random with respect to the store's row
// order, so reading the members where they lie costs a cache and TLB miss
// per column per member; at 10M rows (an 8 GiB heap, page tables larger
// than the cache) each miss costs more again, which made the stage
// superlinear. Gathering a batch column by column issues independent loads
// the CPU overlaps, and the survivorship logic then reads small dense
// arrays.
const gatherRows = 32 * 1024

// Clusters lists the clusters whose golden records are built, in output
// order (cluster.Result.Groups).
type Clusters struct {
	// Starts and Rows: cluster c's member rows are Rows[Starts[c]:Starts[c+1]],
	// in ascending stable key, so the first is the representative.
	Starts, Rows []int32
	// Key returns the cluster key of a representative row; it names the
	// cluster (cluster.AppendKeyID).
	Key func(row int32) uint64
	// Dropped marks rows left out of every golden record; nil: none.
	Dropped []bool
}

// Source gives the member records' columns a range of clusters at a time.
type Source interface {
	// Ranges returns where the ranges end, ascending: range i holds
	// clusters [Ranges()[i-1], Ranges()[i]) (the first starts at 0), the
	// last ends at the number of clusters.
	Ranges() []int
	// Members returns the columns of the members of range i's clusters,
	// and where each lies in them: run row r is row loc[r] (loc nil: row
	// r). It is called once per range, in order.
	Members(i int) (m *Members, loc []int32, err error)
}

// Whole returns the Source of one range over all clusters, whose members
// are all in m: an in-memory run's store.
func Whole(m *Members, clusters int) Source { return whole{m, clusters} }

type whole struct {
	m        *Members
	clusters int
}

func (w whole) Ranges() []int                          { return []int{w.clusters} }
func (w whole) Members(int) (*Members, []int32, error) { return w.m, nil, nil }

// Builder chooses the surviving values of clusters and appends golden rows.
// It is not safe for concurrent use.
type Builder struct {
	// Workers is how many goroutines Build chooses values on (0: one).
	// The output does not depend on it.
	Workers  int
	schema   *arrow.Schema
	rules    []string // survivorship rule by field
	updated  int      // the first timestamp field, or -1
	hasKinds map[normalize.Kind]bool
	local    Members // the batch being written: what the choice rules read
	val, tmp []byte
	// buildPiece's scratch (a clone's, for each of Build's workers).
	sel    []int32  // the batch's non-dropped member rows, cluster by cluster
	bounds []int32  // cluster c of the batch holds sel[bounds[c]:bounds[c+1]]
	keys   []uint64 // cluster key by cluster of the batch
	iota   []int32  // 0, 1, 2, ...: local member indices
	// appendRow's scratch.
	idField int        // the first national ID field, or -1
	from    []int32    // the chosen member by field
	support []int      // members holding the chosen value, by field
	names   []nameInfo // chooseName's
	north   bool       // chooseName's: the cluster's person was born in the north
	foldBuf []byte
	// repairBuf holds chooseName's repaired names.
	repairBuf []byte
	// over is a field's golden text when it is no member's value as it
	// is (a name given the diacritics other members wrote); nil: none.
	over      [][]byte
	accentBuf []byte
}

// New returns a Builder for cfg's fields and survivorship settings. The
// Members it reads must list cfg.Fields in order.
func New(cfg *config.Config) *Builder {
	g := &Builder{hasKinds: map[normalize.Kind]bool{}, updated: -1, idField: -1}
	str := func(name string) arrow.Field { return arrow.Field{Name: name, Type: arrow.BinaryTypes.String} }
	fields := []arrow.Field{str(runfolder.ColClusterID),
		{Name: runfolder.ColSize, Type: arrow.PrimitiveTypes.Int32},
		{Name: runfolder.ColMemberIDs, Type: arrow.ListOf(arrow.BinaryTypes.String)}}
	for i, f := range cfg.Fields {
		if f.Kind == config.KindTimestamp && g.updated < 0 {
			g.updated = i
		}
		if f.Kind == config.KindNationalID && g.idField < 0 {
			g.idField = i
		}
		g.rules = append(g.rules, cfg.SurvivorshipFor(f.Name))
		g.hasKinds[f.Kind] = true
		if f.Kind == config.KindDate {
			fields = append(fields, arrow.Field{Name: f.Name, Type: arrow.FixedWidthTypes.Date32, Nullable: true},
				str(f.Name+runfolder.PrecisionSuffix))
		} else {
			fields = append(fields, str(f.Name))
		}
		if f.Kind == config.KindVNAddress {
			// The address in the pre-2025 units in `<field>`, in the 2025
			// units beside it.
			fields = append(fields, str(f.Name+runfolder.Address2025Suffix))
		}
		fields = append(fields, str(f.Name+runfolder.FromSuffix))
		if f.Kind == config.KindVNAddress {
			fields = append(fields, str(f.Name+runfolder.Ward2025Suffix), str(f.Name+runfolder.Province2025Suffix))
		}
		if f.Kind != config.KindTimestamp {
			fields = append(fields, arrow.Field{Name: f.Name + runfolder.SupportSuffix, Type: arrow.PrimitiveTypes.Float32, Nullable: true})
		}
	}
	for _, c := range []string{runfolder.ColCorrect, runfolder.ColComplete, runfolder.ColClean, runfolder.ColLive} {
		fields = append(fields, arrow.Field{Name: c, Type: arrow.FixedWidthTypes.Boolean})
	}
	fields = append(fields, arrow.Field{Name: runfolder.ColQualityFlags, Type: arrow.ListOf(arrow.BinaryTypes.String)})
	g.schema = arrow.NewSchema(fields, nil)
	return g
}

// Schema is the schema of golden.parquet (runfolder names the columns):
// size int32, member_ids and quality_flags lists of strings, a date
// field's value a date32 with its precision beside it, an address's value
// in the pre-2025 units with `<field>_2025` in the 2025 units beside it, `<field>_support`
// float32, the criteria booleans, every other column a string.
func (g *Builder) Schema() *arrow.Schema { return g.schema }

// date32Of is the first day of what d knows (1990-05 is 1990-05-01).
func date32Of(d normalize.Date) arrow.Date32 {
	m, day := max(int(d.Month), 1), max(int(d.Day), 1)
	if d.Precision < normalize.PrecisionMonth {
		m = 1
	}
	if d.Precision < normalize.PrecisionDay {
		day = 1
	}
	return arrow.Date32FromTime(time.Date(int(d.Year), time.Month(m), day, 0, 0, 0, 0, time.UTC))
}

// Build makes the golden records of cl in order, reading the members from
// src, and hands them to emit a batch at a time; it stops early when emit
// returns false. It returns the number of golden records: the clusters
// with a member not dropped.
//
// Workers goroutines build the rows, each a piece of consecutive clusters
// (a quarter batch, or less where a batch or a range ends), and the
// pieces are joined in order into batches of batchRows rows: the batches,
// and so the file, depend neither on Workers nor on the ranges. One
// worker builds straight into the batch, with no copy.
//
// A batch's arrays are views of Build's buffers, which Build fills again
// once every array of the batch is released: the caller releases a batch
// when it is done with it (a String's values too are views).
func (g *Builder) Build(cl Clusters, src Source, emit func(arrow.RecordBatch) bool) (int64, error) {
	workers := max(g.Workers, 1)
	scratch := make([]*Builder, workers)
	for w := range scratch {
		scratch[w] = g.clone()
	}
	// Pieces go back to free once copied into the batch (a sync.Pool
	// would drop them at every collection, and they would grow again).
	free := make(chan *columns, 4*workers)
	var (
		golden   int64 // rows emitted
		produced int   // rows of the pieces cut so far
		batch    = newColumns(g.schema)
	)
	// Batches come back from the writer to be filled again (columns.Free).
	recycled := make(chan *columns, 2)
	batch.recycle = recycled
	flush := func() bool {
		if batch.Len() == 0 {
			return true
		}
		rec := batch.batch()
		var next *columns
		select {
		case next = <-recycled:
		default:
			next = newColumns(g.schema)
			next.recycle = recycled
		}
		next.reserveLike(batch, batchRows)
		batch = next
		golden += rec.NumRows()
		return emit(rec)
	}
	rangeStart := 0
	for ri, rangeEnd := range src.Ranges() {
		full, loc, err := src.Members(ri)
		if err != nil {
			return golden, err
		}
		c := rangeStart
		next := func() (piece, bool, error) {
			if c >= rangeEnd {
				return piece{}, false, nil
			}
			// The clusters up to the next batch boundary, at most
			// pieceRows rows.
			pc := piece{c0: c}
			want := min(batchRows-produced%batchRows, pieceRows)
			for ; c < rangeEnd && pc.rows < want; c++ {
				if yields(cl, c) {
					pc.rows++
				}
			}
			pc.c1 = c
			produced += pc.rows
			return pc, true, nil
		}
		if workers == 1 {
			// One worker builds straight into the batch.
			for pc, ok, _ := next(); ok; pc, ok, _ = next() {
				scratch[0].buildPiece(batch, cl, full, loc, pc)
				if batch.Len() == batchRows && !flush() {
					return golden, nil
				}
			}
			rangeStart = rangeEnd
			continue
		}
		// The range's members are let go of (a spilled run's partition)
		// only once every piece of it is built: a range at a time.
		p := ordered.Pool[piece, *columns]{
			Workers: workers,
			Work: func(w int, pc piece) (*columns, error) {
				var out *columns
				select {
				case out = <-free:
				default:
					out = newColumns(g.schema)
				}
				scratch[w].buildPiece(out, cl, full, loc, pc)
				return out, nil
			},
			Consume: func(out *columns) error {
				batch.add(out)
				out.reset()
				select {
				case free <- out:
				default:
				}
				if batch.Len() == batchRows && !flush() {
					return errStopped
				}
				return nil
			},
		}
		err = p.Run(context.Background(), next)
		if err == errStopped {
			return golden, nil
		}
		if err != nil {
			return golden, err
		}
		rangeStart = rangeEnd
	}
	if rangeStart != len(cl.Starts)-1 {
		return golden, fmt.Errorf("survive: BUG: the source's ranges end at cluster %d of %d", rangeStart, len(cl.Starts)-1)
	}
	flush()
	return golden, nil
}

// errStopped ends Build's pool when emit declines a batch.
var errStopped = errors.New("stopped")

// piece is clusters [c0, c1), rows of which have a member not dropped.
type piece struct{ c0, c1, rows int }

// yields tells whether cluster c has a member not dropped.
func yields(cl Clusters, c int) bool {
	if cl.Dropped == nil {
		return cl.Starts[c+1] > cl.Starts[c]
	}
	for _, row := range cl.Rows[cl.Starts[c]:cl.Starts[c+1]] {
		if !cl.Dropped[row] {
			return true
		}
	}
	return false
}

// buildPiece appends the golden rows of pc's clusters, whose members are
// in full (run row r at loc[r]), to b.
func (g *Builder) buildPiece(b *columns, cl Clusters, full *Members, loc []int32, pc piece) {
	starts, rows := cl.Starts, cl.Rows
	// The scratch lives in locals (kept in registers in the loops) and
	// goes back to g for the next piece.
	sel, bounds, keys, iota := g.sel[:0], g.bounds[:0], g.keys[:0], g.iota
	for c0 := pc.c0; c0 < pc.c1; {
		c1 := c0 + 1
		for c1 < pc.c1 && starts[c1+1]-starts[c0] <= gatherRows {
			c1++
		}
		sel, bounds, keys = sel[:0], bounds[:0], keys[:0]
		for c := c0; c < c1; c++ {
			bounds = append(bounds, int32(len(sel)))
			keys = append(keys, cl.Key(rows[starts[c]]))
			for _, row := range rows[starts[c]:starts[c+1]] {
				if cl.Dropped == nil || !cl.Dropped[row] {
					if loc != nil {
						row = loc[row]
					}
					sel = append(sel, row)
				}
			}
		}
		bounds = append(bounds, int32(len(sel)))
		g.local.Gather(full, sel)
		for len(iota) < len(sel) {
			iota = append(iota, int32(len(iota)))
		}
		for c := 0; c+1 < len(bounds); c++ {
			if members := iota[bounds[c]:bounds[c+1]]; len(members) > 0 {
				g.appendRow(b, keys[c], members)
			}
		}
		c0 = c1
	}
	g.sel, g.bounds, g.keys, g.iota = sel, bounds, keys, iota
}

// clone returns a Builder of g's settings with scratch of its own, for
// one of Build's workers.
func (g *Builder) clone() *Builder {
	return &Builder{schema: g.schema, rules: g.rules, updated: g.updated, hasKinds: g.hasKinds, idField: g.idField}
}

// Golden returns the golden record of one cluster, whose members are rows
// of m (in ascending stable key) and whose key is key, as a batch of one
// row on Schema.
func (g *Builder) Golden(key uint64, m *Members, members []int32) arrow.RecordBatch {
	g.local.Gather(m, members)
	for len(g.iota) < len(members) {
		g.iota = append(g.iota, int32(len(g.iota)))
	}
	b := newColumns(g.schema)
	g.appendRow(b, key, g.iota[:len(members)])
	return b.batch()
}
