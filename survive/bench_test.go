package survive

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/refdata"
)

// benchRegister is n synthetic records in the default config's field
// order (names, dates, genders, IDs, phones and addresses drawn from the
// reference tables), grouped into clusters of one to three members in a
// scrambled order, as a run's store and cluster.Result.Groups give them.
func benchRegister(n int) (*Members, Clusters) {
	rng := rand.New(rand.NewPCG(7, 11))
	t := refdata.Get()
	code := func(s string) int32 { c, _ := strconv.Atoi(s); return int32(c) }
	str := func() Strings { return Strings{Offs: []uint32{0}} }
	add := func(s *Strings, v string) {
		s.Data = append(s.Data, v...)
		s.Offs = append(s.Offs, uint32(len(s.Data)))
	}
	cfg := config.Default()
	m := &Members{RecordID: str(), Fields: make([]Field, len(cfg.Fields))}
	for i, f := range cfg.Fields {
		m.Fields[i].Kind = f.Kind
		switch f.Kind {
		case config.KindVNAddress:
			m.Fields[i].Street = str()
		case config.KindPersonName, config.KindText, config.KindNationalID, config.KindPhone:
			m.Fields[i].Text = str()
		}
	}
	for r := 0; r < n; r++ {
		add(&m.RecordID, fmt.Sprintf("HN-%08d", r))
		flags := normalize.Flags(0)
		var idKey uint64
		for i := range m.Fields {
			f := &m.Fields[i]
			switch f.Kind {
			case config.KindPersonName:
				name := t.Surnames[rng.IntN(20)].Name + " " + t.MiddleNames[rng.IntN(10)].Name + " " + t.GivenNames[rng.IntN(200)].Name
				if rng.IntN(5) == 0 {
					name = normalize.FoldString(name)
					flags |= normalize.FlagNameNoDiacritics
				}
				add(&f.Text, normalize.NameString(name))
			case config.KindDate:
				d := normalize.Date{Year: int16(1940 + rng.IntN(60)), Month: uint8(1 + rng.IntN(12)), Day: uint8(1 + rng.IntN(28)), Precision: normalize.PrecisionDay}
				f.Ints = append(f.Ints, d.Packed())
			case config.KindGender:
				f.Ints = append(f.Ints, int32(normalize.GenderMale)+int32(rng.IntN(2)))
			case config.KindNationalID:
				add(&f.Text, fmt.Sprintf("0%02d%d%02d%06d", 1+rng.IntN(90), rng.IntN(4), rng.IntN(100), rng.IntN(1000000)))
				if rng.IntN(4) > 0 {
					idKey = rng.Uint64() | 1
				}
			case config.KindPhone:
				add(&f.Text, fmt.Sprintf("09%08d", rng.IntN(100000000)))
			case config.KindVNAddress:
				w := t.WardsNew[rng.IntN(len(t.WardsNew))]
				o := t.WardsOld[rng.IntN(len(t.WardsOld))]
				add(&f.Street, fmt.Sprintf("%d đường số %d", 1+rng.IntN(300), 1+rng.IntN(40)))
				f.Ward, f.Province = append(f.Ward, code(w.Code)), append(f.Province, code(w.ProvinceCode))
				f.WardOld, f.DistrictOld, f.ProvinceOld = append(f.WardOld, code(o.Code)), append(f.DistrictOld, code(o.DistrictCode)), append(f.ProvinceOld, code(o.ProvinceCode))
			case config.KindTimestamp:
				f.TS = append(f.TS, 1600000000+rng.Int64N(100000000))
			}
		}
		m.Flags = append(m.Flags, uint64(flags))
		m.IDKey = append(m.IDKey, idKey)
	}
	perm := rng.Perm(n)
	var starts, rows []int32
	for r := 0; r < n; {
		starts = append(starts, int32(len(rows)))
		size := 1 + max(0, rng.IntN(8)-5) // mostly singletons, as in a register
		for k := 0; k < size && r < n; k++ {
			rows = append(rows, int32(perm[r]))
			r++
		}
	}
	starts = append(starts, int32(len(rows)))
	return m, Clusters{Starts: starts, Rows: rows, Key: func(r int32) uint64 { return uint64(r) * 0x9e3779b97f4a7c15 }}
}

// BenchmarkBuild is the golden records of 300k records under the default
// config, in one range as an in-memory run builds them, by worker count.
func BenchmarkBuild(b *testing.B) {
	m, cl := benchRegister(300_000)
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			g := New(config.Default())
			g.Workers = workers
			b.ReportAllocs()
			for b.Loop() {
				if _, err := g.Build(cl, Whole(m, len(cl.Starts)-1), func(rec arrow.RecordBatch) bool {
					rec.Release()
					return true
				}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(cl.Starts)-1), "ns/cluster")
		})
	}
}

// BenchmarkBuildWrite is BenchmarkBuild with the batches written to a
// Parquet file as a run writes golden.parquet (the encoder on the
// caller's goroutine, Build on its own): what the write stage spends on
// golden records.
func BenchmarkBuildWrite(b *testing.B) {
	m, cl := benchRegister(300_000)
	g := New(config.Default())
	path := filepath.Join(b.TempDir(), "golden.parquet")
	b.ReportAllocs()
	for b.Loop() {
		w, err := dataio.Create(path, g.Schema())
		if err != nil {
			b.Fatal(err)
		}
		batches := make(chan arrow.RecordBatch, 1)
		go func() {
			defer close(batches)
			if _, err := g.Build(cl, Whole(m, len(cl.Starts)-1), func(rec arrow.RecordBatch) bool {
				batches <- rec
				return true
			}); err != nil {
				panic(err)
			}
		}()
		for rec := range batches {
			if err := w.Write(rec); err != nil {
				b.Fatal(err)
			}
			rec.Release()
		}
		if err := w.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(cl.Starts)-1), "ns/cluster")
}
