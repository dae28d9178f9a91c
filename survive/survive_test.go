package survive

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/normalize"
)

// rec is one member record of a test: the values survivorship reads.
type rec struct {
	id      string
	name    string
	nid     string // national ID digits
	idKey   uint64 // non-zero: a valid CCCD
	flags   normalize.Flags
	updated int64 // Unix seconds, 0 = none
}

// testConfig has a name, a national ID and an update time; rules maps
// fields to their rule, the default being def.
func testConfig(def string, rules map[string]string) *config.Config {
	return &config.Config{
		Fields: []config.Field{
			{Name: "name", Kind: config.KindPersonName},
			{Name: "nid", Kind: config.KindNationalID},
			{Name: "updated_at", Kind: config.KindTimestamp},
		},
		Survivorship: config.Survivorship{Default: def, Fields: rules},
	}
}

// membersOf is the view of recs in testConfig's field order.
func membersOf(recs []rec) *Members {
	str := func(get func(rec) string) Strings {
		s := Strings{Offs: []uint32{0}}
		for _, r := range recs {
			s.Data = append(s.Data, get(r)...)
			s.Offs = append(s.Offs, uint32(len(s.Data)))
		}
		return s
	}
	m := &Members{
		RecordID: str(func(r rec) string { return r.id }),
		Fields: []Field{
			{Kind: config.KindPersonName, Text: str(func(r rec) string { return r.name })},
			{Kind: config.KindNationalID, Text: str(func(r rec) string { return r.nid })},
			{Kind: config.KindTimestamp},
		},
	}
	for _, r := range recs {
		m.Flags = append(m.Flags, uint64(r.flags))
		m.IDKey = append(m.IDKey, r.idKey)
		m.Fields[2].TS = append(m.Fields[2].TS, r.updated)
	}
	return m
}

// rowsOf reads a batch of string columns as one map per row.
func rowsOf(rec arrow.RecordBatch) []map[string]string {
	out := make([]map[string]string, rec.NumRows())
	for i := range out {
		out[i] = map[string]string{}
		for c, f := range rec.Schema().Fields() {
			// A copy: a String's values are views of the batch's
			// buffers, which Build reuses once the batch is released.
			out[i][f.Name] = strings.Clone(dataio.FormatValue(rec.Column(c), i))
		}
	}
	return out
}

// golden builds the golden row of one cluster of recs (all of them).
func golden(cfg *config.Config, recs []rec) map[string]string {
	g := New(cfg)
	members := make([]int32, len(recs))
	for i := range members {
		members[i] = int32(i)
	}
	rec := g.Golden(0xabc, membersOf(recs), members)
	defer rec.Release()
	return rowsOf(rec)[0]
}

// TestChoose pins the choice rules: which member's value survives, the
// tie-breaks (the most recent update, then the first member: the smallest
// stable key), validity, and the provenance column.
func TestChoose(t *testing.T) {
	const (
		mr, mf, vf = config.SurviveMostRecent, config.SurviveMostFrequent, config.SurviveValidFirst
		badName    = normalize.FlagNameInvalidUTF8
	)
	tests := []struct {
		name  string
		def   string
		rules map[string]string
		recs  []rec
		want  map[string]string // the columns checked
	}{
		{"single member", mr, nil,
			[]rec{{id: "a", name: "An"}},
			map[string]string{"name": "An", "name_from": "a", "nid": "", "nid_from": "", "updated_at": "", "updated_at_from": ""}},
		{"most_recent: the latest update wins", mr, nil,
			[]rec{{id: "a", name: "An", updated: 100}, {id: "b", name: "Anh", updated: 300}, {id: "c", name: "Ánh", updated: 200}},
			map[string]string{"name": "Anh", "name_from": "b", "updated_at": "1970-01-01T00:05:00Z", "updated_at_from": "b"}},
		{"most_recent: a tie goes to the first member", mr, nil,
			[]rec{{id: "a", name: "An", updated: 100}, {id: "b", name: "Anh", updated: 100}},
			map[string]string{"name": "An", "name_from": "a", "updated_at_from": "a"}},
		{"most_recent: without timestamps the first member", mr, nil,
			[]rec{{id: "a", name: "An"}, {id: "b", name: "Anh"}},
			map[string]string{"name": "An", "name_from": "a", "updated_at": "", "updated_at_from": ""}},
		{"a member without a value never survives", mr, nil,
			[]rec{{id: "a", name: "An", updated: 100}, {id: "b", updated: 300}},
			map[string]string{"name": "An", "name_from": "a", "updated_at_from": "b"}},
		{"no member has a value: empty value and provenance", mr, nil,
			[]rec{{id: "a", name: "An"}, {id: "b", name: "Anh"}},
			map[string]string{"nid": "", "nid_from": ""}},
		{"most_frequent: the commonest value wins over a later one", mf, nil,
			[]rec{{id: "a", name: "An", updated: 100}, {id: "b", name: "Anh", updated: 300}, {id: "c", name: "An", updated: 200}},
			map[string]string{"name": "An", "name_from": "c"}},
		{"most_frequent: a tie in count goes to the latest update", mf, nil,
			[]rec{{id: "a", name: "An", updated: 100}, {id: "b", name: "Anh", updated: 300}},
			map[string]string{"name": "Anh", "name_from": "b"}},
		{"most_frequent: a tie in count and time goes to the first member", mf, nil,
			[]rec{{id: "a", name: "Anh", updated: 100}, {id: "b", name: "An", updated: 100}, {id: "c", name: "An", updated: 100}, {id: "d", name: "Anh", updated: 100}},
			map[string]string{"name": "Anh", "name_from": "a"}},
		{"the update time is always the most recent one", mf, nil,
			[]rec{{id: "a", updated: 100}, {id: "b", updated: 100}, {id: "c", updated: 300}},
			map[string]string{"updated_at": "1970-01-01T00:05:00Z", "updated_at_from": "c"}},
		{"valid_first: a valid CCCD wins over a later invalid ID", mr, map[string]string{"nid": vf},
			[]rec{{id: "a", nid: "001090000001", idKey: 7, updated: 100}, {id: "b", nid: "12345", updated: 300}},
			map[string]string{"nid": "001090000001", "nid_from": "a"}},
		{"valid_first: both valid, the latest update wins", mr, map[string]string{"nid": vf},
			[]rec{{id: "a", nid: "001090000001", idKey: 7, updated: 100}, {id: "b", nid: "001090000002", idKey: 8, updated: 300}},
			map[string]string{"nid": "001090000002", "nid_from": "b"}},
		{"valid_first: neither valid, the latest update wins", mr, map[string]string{"nid": vf},
			[]rec{{id: "a", nid: "123", updated: 300}, {id: "b", nid: "12345", updated: 100}},
			map[string]string{"nid": "123", "nid_from": "a"}},
		{"valid_first: other fields are valid without a correctness flag", vf, nil,
			[]rec{{id: "a", name: "An", updated: 100}, {id: "b", name: "Anh", flags: badName, updated: 300}},
			map[string]string{"name": "An", "name_from": "a"}},
		{"most_recent keeps a flagged value and its flags", mr, nil,
			[]rec{{id: "a", name: "An", updated: 100}, {id: "b", name: "Anh", flags: badName, updated: 300}},
			// No ID (id_missing) and no address field (addr_unresolved)
			// make it incomplete and not live: each criterion names why.
			map[string]string{"name": "Anh", "name_from": "b", "correct": "false", "complete": "false", "live": "false",
				"quality_flags": "name_invalid_utf8;id_missing;addr_unresolved"}},
		{"rules per field: the field's rule, the default for the others", mr, map[string]string{"name": mf},
			[]rec{{id: "a", name: "An", nid: "1", updated: 100}, {id: "b", name: "Anh", nid: "2", updated: 300}, {id: "c", name: "An", nid: "3", updated: 200}},
			map[string]string{"name": "An", "name_from": "c", "nid": "2", "nid_from": "b"}},
		{"cluster columns: key, size, members in order", mr, nil,
			[]rec{{id: "b", name: "An"}, {id: "a", name: "An"}},
			map[string]string{"cluster_id": "0000000000000abc", "size": "2", "member_ids": "b;a"}},
		{"clean: two different valid IDs in one cluster", mr, nil,
			[]rec{{id: "a", nid: "001090000001", idKey: 7}, {id: "b", nid: "001090000002", idKey: 8}},
			map[string]string{"clean": "false"}},
		{"clean: the same valid ID twice", mr, nil,
			[]rec{{id: "a", nid: "001090000001", idKey: 7}, {id: "b", nid: "001090000001", idKey: 7}, {id: "c"}},
			map[string]string{"clean": "true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := golden(testConfig(tt.def, tt.rules), tt.recs)
			for col, want := range tt.want {
				v, ok := got[col]
				if !ok {
					t.Fatalf("no column %q in %v", col, got)
				}
				if v != want {
					t.Errorf("%s = %q, want %q", col, v, want)
				}
			}
		})
	}
}

// TestBuildRanges checks that the golden records do not depend on how the
// source cuts the clusters into ranges (an in-memory run is one range over
// the whole store, a spilled run many over gathered partitions), and that
// dropped rows are left out.
func TestBuildRanges(t *testing.T) {
	var recs []rec
	for i := 0; i < 40; i++ {
		recs = append(recs, rec{id: fmt.Sprintf("r%02d", i), name: fmt.Sprintf("n%d", i%3), nid: fmt.Sprint(i % 5), updated: int64(i % 7)})
	}
	all := membersOf(recs)
	// Clusters of 1..5 rows in a scrambled order.
	var starts, rows []int32
	for row := int32(0); row < int32(len(recs)); {
		starts = append(starts, int32(len(rows)))
		size := int32(len(starts)%5 + 1)
		for k := int32(0); k < size && row < int32(len(recs)); k++ {
			rows = append(rows, (row*17)%int32(len(recs)))
			row++
		}
	}
	starts = append(starts, int32(len(rows)))
	dropped := make([]bool, len(recs))
	dropped[rows[0]], dropped[rows[5]] = true, true
	cl := Clusters{Starts: starts, Rows: rows, Key: func(r int32) uint64 { return uint64(r) * 31 }, Dropped: dropped}
	build := func(src Source) []map[string]string {
		_, out := buildAll(t, New(testConfig(config.SurviveMostFrequent, nil)), cl, src)
		return out
	}
	want := build(Whole(all, len(starts)-1))
	if len(want) != len(starts)-1 {
		t.Fatalf("%d golden records for %d clusters", len(want), len(starts)-1)
	}
	for _, r := range want {
		if r["member_ids"] == "" {
			t.Errorf("golden record %s without members", r["cluster_id"])
		}
	}
	got := build(&ranges{all: all, rows: rows, starts: starts, ends: []int{1, 4, 5, len(starts) - 1}})
	if !reflect.DeepEqual(got, want) {
		t.Errorf("golden records by ranges differ from one range:\n got %v\nwant %v", got, want)
	}
}

// buildAll runs g.Build and returns the batches' sizes and their rows.
func buildAll(t *testing.T, g *Builder, cl Clusters, src Source) ([]int64, []map[string]string) {
	t.Helper()
	var sizes []int64
	var rows []map[string]string
	n, err := g.Build(cl, src, func(rec arrow.RecordBatch) bool {
		sizes = append(sizes, rec.NumRows())
		rows = append(rows, rowsOf(rec)...)
		rec.Release()
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != len(rows) {
		t.Fatalf("Build counted %d golden records, emitted %d", n, len(rows))
	}
	return sizes, rows
}

// ranges is a Source that hands each range's members as their own view,
// the way a spilled run reads a partition back.
type ranges struct {
	all          *Members
	rows, starts []int32
	ends         []int
}

func (s *ranges) Ranges() []int { return s.ends }

func (s *ranges) Members(i int) (*Members, []int32, error) {
	c0 := 0
	if i > 0 {
		c0 = s.ends[i-1]
	}
	sel := s.rows[s.starts[c0]:s.starts[s.ends[i]]]
	loc := make([]int32, len(s.all.Flags))
	for j, row := range sel {
		loc[row] = int32(j)
	}
	m := &Members{}
	m.Gather(s.all, sel)
	return m, loc, nil
}

// TestBuildBatches checks that Build emits the same batches, every one
// but the last of exactly batchRows rows, whatever the number of workers
// and however the source cuts the clusters into ranges, with dropped rows
// and a cluster dropped whole: the Parquet writer cuts pages where a
// batch starts, so the file's bytes depend on the batches.
func TestBuildBatches(t *testing.T) {
	defer func(b, p int) { batchRows, pieceRows = b, p }(batchRows, pieceRows)
	batchRows, pieceRows = 7, 3
	m, cl := benchRegister(300)
	cl.Dropped = make([]bool, 300)
	for c := 0; c < 100; c += 3 {
		if cl.Starts[c+1]-cl.Starts[c] > 1 {
			cl.Dropped[cl.Rows[cl.Starts[c]]] = true // the first member
		}
	}
	for _, row := range cl.Rows[cl.Starts[20]:cl.Starts[21]] {
		cl.Dropped[row] = true // a whole cluster
	}
	clusters := len(cl.Starts) - 1
	build := func(workers int, src Source) ([]int64, []map[string]string) {
		g := New(config.Default())
		g.Workers = workers
		return buildAll(t, g, cl, src)
	}
	wantSizes, want := build(1, Whole(m, clusters))
	if len(want) != clusters-1 {
		t.Fatalf("%d golden records of %d clusters, one dropped whole", len(want), clusters)
	}
	var sizes []int64
	for left := len(want); left > 0; left -= batchRows {
		sizes = append(sizes, int64(min(left, batchRows)))
	}
	if !reflect.DeepEqual(wantSizes, sizes) {
		t.Fatalf("batch sizes %v, want %v", wantSizes, sizes)
	}
	for _, workers := range []int{1, 2, 3} {
		for _, ends := range [][]int{{clusters}, {1, 5, 6, 50, 51, clusters}, {13, 100, clusters}} {
			sizes, got := build(workers, &ranges{all: m, rows: cl.Rows, starts: cl.Starts, ends: ends})
			if !reflect.DeepEqual(sizes, wantSizes) {
				t.Errorf("workers %d, ranges %v: batch sizes %v, want %v", workers, ends, sizes, wantSizes)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("workers %d, ranges %v: golden records differ from one worker over one range", workers, ends)
			}
		}
	}
}

// TestBuildStops checks that Build stops when emit declines a batch.
func TestBuildStops(t *testing.T) {
	defer func(b, p int) { batchRows, pieceRows = b, p }(batchRows, pieceRows)
	batchRows, pieceRows = 5, 2
	m, cl := benchRegister(100)
	for _, workers := range []int{1, 2} {
		g := New(config.Default())
		g.Workers = workers
		batches := 0
		if _, err := g.Build(cl, Whole(m, len(cl.Starts)-1), func(rec arrow.RecordBatch) bool {
			rec.Release()
			batches++
			return batches < 2
		}); err != nil {
			t.Fatal(err)
		}
		if batches != 2 {
			t.Errorf("workers %d: %d batches emitted after emit declined the second", workers, batches)
		}
	}
}

// TestBuildReleasedElsewhere checks that batches a writer goroutine
// releases, whose buffers Build then fills again, hold the same rows as
// batches released at once (run it with -race).
func TestBuildReleasedElsewhere(t *testing.T) {
	defer func(b, p int) { batchRows, pieceRows = b, p }(batchRows, pieceRows)
	batchRows, pieceRows = 7, 3
	m, cl := benchRegister(300)
	_, want := buildAll(t, New(config.Default()), cl, Whole(m, len(cl.Starts)-1))
	for _, workers := range []int{1, 2} {
		g := New(config.Default())
		g.Workers = workers
		batches := make(chan arrow.RecordBatch, 1)
		var got []map[string]string
		done := make(chan struct{})
		go func() {
			defer close(done)
			for rec := range batches {
				got = append(got, rowsOf(rec)...)
				rec.Release()
			}
		}()
		_, err := g.Build(cl, Whole(m, len(cl.Starts)-1), func(rec arrow.RecordBatch) bool {
			batches <- rec
			return true
		})
		close(batches)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("workers %d: batches released by another goroutine differ", workers)
		}
	}
}
