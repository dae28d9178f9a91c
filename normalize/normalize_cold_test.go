package normalize

import (
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"testing"

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
	runtime.GC()
	b.ReportAllocs()
	cpu := cpuTime()
	i := 0
	for b.Loop() {
		k := i % g.n
		if k == 0 {
			n = New(Options{RefYear: 2025})
			p = NewAddressParser()
		}
		in, addrs := g.row(k)
		normalizeRow(n, p, in, addrs)
		i++
	}
	reportCPU(b, cpu)
}
