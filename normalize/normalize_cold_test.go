package normalize

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/dedup-vn/dedup/dataio"
)

// genFields are the population columns normalizeRow reads, in the order
// genRows keeps them.
var genFields = []string{"full_name", "date_of_birth", "gender", "national_id", "phone", "permanent_address", "current_address"}

// genRows holds every population row of a generated data set, in file
// order, the fields of all rows end to end in one arena (seven million
// small byte slices would weigh on the collector during the measurement).
type genRows struct {
	data []byte
	off  []uint32 // field f of row i is data[off[7i+f]:off[7i+f+1]]
	n    int
}

// row returns row i as normalizeRow takes it; the slices alias the arena.
func (g *genRows) row(i int) (RecordInput, [2][]byte) {
	o := g.off[7*i : 7*i+8]
	f := func(k int) []byte { return g.data[o[k]:o[k+1]:o[k+1]] }
	return RecordInput{FullName: f(0), DOB: f(1), Gender: f(2), NationalID: f(3), Phone: f(4)}, [2][]byte{f(5), f(6)}
}

var (
	genRowsMu    sync.Mutex
	genRowsCache = map[string]*genRows{}
)

// loadGenRows reads every population file of DEDUP_GEN_DIR (sorted by
// name, as dedup run lists them), once per process.
func loadGenRows(tb testing.TB) *genRows {
	tb.Helper()
	dir := os.Getenv("DEDUP_GEN_DIR")
	if dir == "" {
		tb.Skip("DEDUP_GEN_DIR not set")
	}
	genRowsMu.Lock()
	defer genRowsMu.Unlock()
	if g := genRowsCache[dir]; g != nil {
		return g
	}
	files, _ := filepath.Glob(filepath.Join(dir, "population", "*.parquet"))
	if len(files) == 0 {
		tb.Fatal("no population files in " + dir)
	}
	sort.Strings(files)
	g := &genRows{off: []uint32{0}}
	for _, path := range files {
		r, err := dataio.Open(path, dataio.ReadOptions{Columns: genFields})
		if err != nil {
			tb.Fatal(err)
		}
		for r.Next() {
			bt := r.Batch()
			cols := make([]*array.String, len(genFields))
			for c := range cols {
				a, ok := bt.Column(c).(*array.String)
				if !ok {
					tb.Fatalf("%s column %s: not a string column", path, genFields[c])
				}
				cols[c] = a
			}
			for i := 0; i < int(bt.NumRows()); i++ {
				for _, a := range cols {
					g.data = append(g.data, a.Value(i)...)
					g.off = append(g.off, uint32(len(g.data)))
				}
				g.n++
			}
		}
		err = r.Err()
		r.Close()
		if err != nil {
			tb.Fatal(err)
		}
	}
	if len(g.data) >= 1<<32 {
		tb.Fatal("population too large for 32-bit offsets")
	}
	genRowsCache[dir] = g
	return g
}

// BenchmarkRecordColdPass measures normalizeRow the way dedup run meets
// the data: each iteration normalizes the next row of all the population
// files of DEDUP_GEN_DIR, and when the rows wrap around the Normalizer and
// AddressParser are made afresh, so that each row is seen once per
// lifetime of whatever they remember. Run one pass with
// DEDUP_GEN_DIR=/tmp/g1m go test ./normalize -run XXX -bench ColdPass -benchtime=1000000x
// cpu-ns/op is the process CPU time a row (steadier than ns/op on a
// loaded machine).
func BenchmarkRecordColdPass(b *testing.B) {
	g := loadGenRows(b)
	var n *Normalizer
	var p *AddressParser
	var st memoStats
	runtime.GC()
	b.ReportAllocs()
	cpu := cpuTime()
	i := 0
	for b.Loop() {
		k := i % g.n
		if k == 0 {
			if n != nil {
				st.add(n, p)
			}
			n = New(Options{RefYear: 2025})
			p = NewAddressParser()
		}
		in, addrs := g.row(k)
		normalizeRow(n, p, in, addrs)
		i++
	}
	reportCPU(b, cpu)
	st.add(n, p)
	st.report(b)
}

// BenchmarkRecordColdPassAB is BenchmarkRecordColdPass twice over, with
// and without the name memo, in alternating chunks of rows on one locked
// thread, so that both see the same load (on a shared machine the CPU time
// of a run varies by a fifth from one run to the next). It reports the
// thread CPU time a row of each, memo-cpu-ns/op and plain-cpu-ns/op
// (ns/op counts both).
func BenchmarkRecordColdPassAB(b *testing.B) {
	g := loadGenRows(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	const chunk = 5000
	var objs [2]struct {
		n   *Normalizer
		p   *AddressParser
		cpu time.Duration
	}
	var st memoStats
	runtime.GC()
	b.ReportAllocs()
	i, done := 0, 0
	for b.Loop() {
		k := i % g.n
		if k == 0 {
			if objs[0].n != nil {
				st.add(objs[0].n, objs[0].p)
			}
			for v := range objs {
				objs[v].n, objs[v].p = New(Options{RefYear: 2025}), NewAddressParser()
				objs[v].n.noMemo = v == 1
			}
		}
		if k%chunk == 0 {
			end := min(k+chunk, g.n)
			for v := range objs {
				o := &objs[v]
				t0 := threadCPUTime()
				for r := k; r < end; r++ {
					in, addrs := g.row(r)
					normalizeRow(o.n, o.p, in, addrs)
				}
				o.cpu += threadCPUTime() - t0
			}
			done += end - k
		}
		i++
	}
	st.add(objs[0].n, objs[0].p)
	b.ReportMetric(float64(objs[0].cpu)/float64(done), "memo-cpu-ns/op")
	b.ReportMetric(float64(objs[1].cpu)/float64(done), "plain-cpu-ns/op")
	st.report(b)
}

// memoStats sums the name memo counters of the Normalizers of a
// benchmark.
type memoStats struct {
	name memoTags
}

func (s *memoStats) add(n *Normalizer, _ *AddressParser) {
	if n.nmemo != nil {
		s.name.hits += n.nmemo.hits
		s.name.misses += n.nmemo.misses
		s.name.kept += n.nmemo.kept
	}
}

// report gives the name memo's hit rate, in percent of its lookups.
func (s *memoStats) report(b *testing.B) {
	if t := s.name.hits + s.name.misses; t > 0 {
		b.ReportMetric(100*float64(s.name.hits)/float64(t), "name-hit%")
	}
}
