package link

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/state"
)

// sectorRows are the sector rows a link run kept (not rejected), sorted
// by source (config order) then record id: one links row each.
type sectorRows struct {
	sources []string // by config source index
	src     []int32  // each row's source index
	ids     []string
}

// span is the rows of source s.
func (r *sectorRows) span(s int) (int32, int32) {
	lo, _ := slices.BinarySearch(r.src, int32(s))
	hi, _ := slices.BinarySearch(r.src, int32(s+1))
	return int32(lo), int32(hi)
}

// find is the row of source s and id, or -1.
func (r *sectorRows) find(s int, id string) int32 {
	lo, hi := r.span(s)
	at, ok := slices.BinarySearch(r.ids[lo:hi], id)
	if !ok {
		return -1
	}
	return lo + int32(at)
}

// readSectorRows reads the sector rows of a link run from its
// clusters.parquet (every record it kept, singletons too), those of
// every source but register.
func readSectorRows(path, register string, sources []string) (*sectorRows, error) {
	type row struct {
		src int32
		id  string
	}
	var all []row
	rd, err := dataio.Open(path, dataio.ReadOptions{Columns: []string{runfolder.ColSource, runfolder.ColRecordID}})
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	for rd.Next() {
		b := rd.Batch()
		src, ids := b.Column(0).(*array.String), b.Column(1).(*array.String)
		for i := 0; i < int(b.NumRows()); i++ {
			name := src.Value(i)
			if name == register {
				continue
			}
			s := slices.Index(sources, name)
			if s < 0 {
				return nil, fmt.Errorf("BUG: %s names a source the config does not have", path)
			}
			all = append(all, row{int32(s), strings.Clone(ids.Value(i))})
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b row) int {
		if c := cmp.Compare(a.src, b.src); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	r := &sectorRows{sources: sources, src: make([]int32, len(all)), ids: make([]string, len(all))}
	for i, x := range all {
		r.src[i], r.ids[i] = x.src, x.id
	}
	return r, nil
}

// pairsRead is what a link run's pairs say: per (sector row, register
// person) claims, and each pair's probability, weight and levels.
type pairsRead struct {
	claims []claim
	prob   []float64
	weight []float64
	levels []int8 // pair p's levels at p*width
	width  int
}

// readPairs reads a link run's pairs.parquet: every pair is a sector row
// and a register record (link mode scores no other), the record mapped to
// its state record by recordOf and so to its person.
func readPairs(path, register string, comps []string, rows *sectorRows, reg *state.Register, recordOf func(string) int32) (*pairsRead, error) {
	names := []string{runfolder.ColLeftID, runfolder.ColRightID, runfolder.ColLeftSource, runfolder.ColRightSource,
		runfolder.ColMatchWeight, runfolder.ColMatchProbability}
	for _, c := range comps {
		names = append(names, runfolder.LevelColumn(c))
	}
	rd, err := dataio.Open(path, dataio.ReadOptions{Columns: names})
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	pr := &pairsRead{width: len(comps)}
	for rd.Next() {
		b := rd.Batch()
		ids := [2]*array.String{b.Column(0).(*array.String), b.Column(1).(*array.String)}
		srcs := [2]*array.String{b.Column(2).(*array.String), b.Column(3).(*array.String)}
		w := b.Column(4).(*array.Float64)
		p := b.Column(5).(*array.Float64)
		lv := make([]*array.Int8, len(comps))
		for k := range comps {
			lv[k] = b.Column(6 + k).(*array.Int8)
		}
		for i := 0; i < int(b.NumRows()); i++ {
			side := 0 // the sector's side
			if srcs[0].Value(i) == register {
				side = 1
			}
			if srcs[1-side].Value(i) != register || srcs[side].Value(i) == register {
				return nil, fmt.Errorf("BUG: %s holds a pair that is not a sector row and a register record", path)
			}
			s := slices.Index(rows.sources, srcs[side].Value(i))
			row := int32(-1)
			if s >= 0 {
				row = rows.find(s, ids[side].Value(i))
			}
			rec := recordOf(ids[1-side].Value(i))
			if row < 0 || rec < 0 || int(rec) >= reg.Len() {
				return nil, fmt.Errorf("BUG: %s holds a pair of records the link did not give the run", path)
			}
			pair := int32(len(pr.prob))
			pr.claims = append(pr.claims, claim{row: row, person: reg.Person(int(rec)), weight: w.Value(i), pair: pair})
			pr.prob = append(pr.prob, p.Value(i))
			pr.weight = append(pr.weight, w.Value(i))
			for k := range comps {
				pr.levels = append(pr.levels, lv[k].Value(i))
			}
		}
	}
	if err := rd.Err(); err != nil {
		return nil, err
	}
	return pr, nil
}

// writeLinks writes links.parquet: one row per sector row, in rows' order.
func writeLinks(path string, comps []string, rows *sectorRows, vs []verdict, pr *pairsRead) error {
	schema := runfolder.LinkSchema(comps)
	w, err := dataio.Create(path, schema)
	if err != nil {
		return err
	}
	defer w.Abort()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	id := b.Field(0).(*array.StringBuilder)
	verdictCol := b.Field(1).(*array.StringBuilder)
	person := b.Field(2).(*array.StringBuilder)
	prob := b.Field(3).(*array.Float64Builder)
	source := b.Field(4).(*array.StringBuilder)
	weight := b.Field(5).(*array.Float64Builder)
	cands := b.Field(6).(*array.ListBuilder)
	candVals := cands.ValueBuilder().(*array.StringBuilder)
	levels := make([]*array.Int8Builder, len(comps))
	for k := range comps {
		levels[k] = b.Field(7 + k).(*array.Int8Builder)
	}
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		return w.Write(rec)
	}
	for r, v := range vs {
		id.Append(rows.ids[r])
		verdictCol.Append(v.verdict)
		source.Append(rows.sources[rows.src[r]])
		if v.verdict == runfolder.VerdictLinked {
			person.Append(state.FormatPersonID(v.person))
		} else {
			person.Append("")
		}
		cands.Append(true)
		for _, o := range v.others {
			candVals.Append(state.FormatPersonID(o))
		}
		if v.best < 0 {
			prob.Append(0)
			weight.AppendNull()
			for k := range comps {
				levels[k].AppendNull()
			}
		} else {
			prob.Append(pr.prob[v.best])
			weight.Append(pr.weight[v.best])
			for k := range comps {
				if l := pr.levels[int(v.best)*pr.width+k]; l >= 0 {
					levels[k].Append(l)
				} else {
					levels[k].AppendNull()
				}
			}
		}
		if (r+1)%(64<<10) == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return w.Commit()
}
