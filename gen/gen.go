package gen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/ordered"
	"github.com/dedup-vn/dedup/progress"
)

// Buffer limits per output file before a row group is written: small for
// the ~63 province files open at once, larger for the single truth files.
const (
	popFlushBytes   = 2 << 20
	truthFlushBytes = 16 << 20
	subFlushBytes   = 4 << 20
)

type job struct {
	index int64
	first int64
	cores []core
}

// Generate writes a synthetic data set into o.OutDir and returns its
// manifest (also written as manifest.json). The output depends only on the
// options other than Workers and Quiet.
func Generate(ctx context.Context, o Options) (*Manifest, error) {
	t, err := getTables()
	if err != nil {
		return nil, err
	}
	return generate(ctx, o, t)
}

// generate is Generate on the given tables (tests vary them).
func generate(ctx context.Context, o Options, t *tables) (*Manifest, error) {
	if o.People <= 0 {
		return nil, errors.New("people must be > 0")
	}
	if o.OutDir == "" {
		return nil, errors.New("no output folder")
	}
	if o.Format == "" {
		o.Format = "parquet"
	}
	if o.Format != "parquet" && o.Format != "csv" {
		return nil, fmt.Errorf("unknown format %q (want parquet or csv)", o.Format)
	}
	if o.Workers <= 0 {
		o.Workers = 1
	}
	prof, err := GetProfile(o.Profile)
	if err != nil {
		return nil, err
	}
	if err := checkNights(o); err != nil {
		return nil, err
	}
	for _, n := range o.Sectors {
		if SectorColumns(n) == nil {
			return nil, fmt.Errorf("unknown sector %q (want %v)", n, SectorNames())
		}
	}
	if err := prepareOutDir(o.OutDir); err != nil {
		return nil, err
	}
	for _, d := range outputFolders {
		if strings.HasSuffix(d, "sectors") && len(o.Sectors) == 0 {
			continue // made only for sector tables
		}
		if err := os.MkdirAll(filepath.Join(o.OutDir, d), dirMode); err != nil {
			return nil, fmt.Errorf("cannot create output folder: %w", err)
		}
	}
	ext := "." + o.Format

	ss := &sinkSet{dir: o.OutDir, format: o.Format}
	abort, open := ss.abort, ss.open
	popSinks, err := ss.openPopulation(t)
	if err != nil {
		return nil, err
	}
	subSinks := make([]*sink, len(t.carriers))
	for i, c := range t.carriers {
		if subSinks[i], err = open(filepath.Join("subscribers", c.File+ext), SubscriberColumns, subFlushBytes); err != nil {
			abort()
			return nil, err
		}
	}
	popTruth, err := open(filepath.Join("truth", "population"+ext), PopulationTruthColumns, truthFlushBytes)
	if err != nil {
		abort()
		return nil, err
	}
	subTruth, err := open(filepath.Join("truth", "subscribers"+ext), SubscriberTruthColumns, truthFlushBytes)
	if err != nil {
		abort()
		return nil, err
	}

	var secSinks []*sink // per sector: the table, then its truth
	for _, n := range o.Sectors {
		table, truth := sectorPaths(n, ext)
		st, err := open(filepath.FromSlash(table), SectorColumns(n), subFlushBytes)
		if err != nil {
			abort()
			return nil, err
		}
		tt, err := open(filepath.FromSlash(truth), SectorTruthColumns, subFlushBytes)
		if err != nil {
			abort()
			return nil, err
		}
		secSinks = append(secSinks, st, tt)
	}

	nChunks := (o.People + ChunkSize - 1) / ChunkSize
	m := &Manifest{Seed: o.Seed, People: o.People, Profile: prof.Name, Format: o.Format, ChunkSize: ChunkSize,
		ReferenceDate: ReferenceDate.Format("2006-01-02"), Rates: prof.Rates,
		Corruptions: map[string]int64{}, SubCases: map[string]int64{}, SubCorrupt: map[string]int64{}, HardNegatives: map[string]int64{}}
	rep := progress.New("gen persons", o.People, progress.Options{Quiet: o.Quiet})

	src := newCoreSource(t, prof, o.Seed, o.People)
	workers := make([]*worker, max(o.Workers, 1))
	for k := range workers {
		workers[k] = newWorker(t, prof, o.Seed)
		workers[k].nChunks = nChunks
		if len(o.Sectors) > 0 {
			workers[k].sec = newSectorWork(o.Sectors, o.Seed)
		}
	}
	next := int64(0)
	werr := ordered.Pool[job, *chunkOut]{
		Workers: o.Workers,
		Work: func(k int, j job) (*chunkOut, error) {
			out := workers[k].generate(j.index, j.first, j.cores)
			return out, out.err
		},
		Consume: func(c *chunkOut) error {
			next++
			if err := writeChunk(c, popSinks, subSinks, popTruth, subTruth, m); err != nil {
				return err
			}
			for i, b := range c.sectors {
				if err := secSinks[2*i].add(b); err != nil {
					return err
				}
				if err := secSinks[2*i+1].add(c.sectorTruth[i]); err != nil {
					return err
				}
			}
			rep.Add(c.persons)
			return nil
		},
	}.Run(ctx, src.next)
	rep.Done()
	if werr == nil && next != nChunks {
		werr = fmt.Errorf("BUG: wrote %d of %d chunks", next, nChunks)
	}
	if werr != nil {
		abort()
		return nil, werr
	}
	for _, s := range ss.sinks {
		if err := s.commit(); err != nil {
			abort()
			return nil, err
		}
		m.Files = append(m.Files, FileCount{Path: filepath.ToSlash(s.rel), Rows: s.rows})
	}
	sortFiles(m.Files)
	m.Records, m.Subscriptions = popTruth.rows, subTruth.rows
	if o.Nights > 0 {
		if err := generateNights(ctx, o, t, prof); err != nil {
			return nil, err
		}
		m.Nights, m.NightRate = o.Nights, nightRate(o)
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := dataio.WriteFileAtomic(filepath.Join(o.OutDir, "manifest.json"), append(data, '\n')); err != nil {
		return nil, err
	}
	return m, nil
}

// coreSource computes the persons' cores in person order, one chunk at a
// time, so that the rank of each person within its CCCD cell and its CMND
// serial are known before the chunk is generated in parallel.
type coreSource struct {
	t       *tables
	prof    Profile
	seed    uint64
	people  int64
	pcg     rand.PCG
	r       *rand.Rand
	counts  []uint32 // persons so far per CCCD cell
	cmnd    *cmndAlloc
	ci      int64
	nChunks int64
}

func newCoreSource(t *tables, prof Profile, seed uint64, people int64) *coreSource {
	s := &coreSource{t: t, prof: prof, seed: seed, people: people, counts: make([]uint32, len(t.provs)*cellsPerProv),
		cmnd: newCMNDAlloc(t), nChunks: (people + ChunkSize - 1) / ChunkSize}
	s.r = rand.New(&s.pcg)
	return s
}

// next returns the next chunk's job; false after the last.
func (s *coreSource) next() (job, bool, error) {
	if s.ci == s.nChunks {
		return job{}, false, nil
	}
	first := s.ci * ChunkSize
	n := min(int64(ChunkSize), s.people-first)
	cores := make([]core, n)
	for j := range cores {
		var prev *core
		if j > 0 {
			prev = &cores[j-1]
		}
		cores[j] = computeCore(s.t, s.prof, s.seed, first+int64(j), prev, j%2 == 0 && int64(j+1) < n, &s.pcg, s.r)
		c := &cores[j]
		c.rank = s.counts[c.cell]
		s.counts[c.cell]++
		if c.rank >= maxRank {
			return job{}, false, fmt.Errorf("too many persons for the CCCD number space of one province and birth year (limit %d)", maxRank)
		}
		if err := s.cmnd.assign(c, first+int64(j)); err != nil {
			return job{}, false, err
		}
	}
	s.ci++
	return job{s.ci - 1, first, cores}, true, nil
}

// sinkSet is the output files of one generation (night 0's, or a night's),
// aborted together when one fails.
type sinkSet struct {
	dir, format string
	sinks       []*sink
}

func (ss *sinkSet) open(rel string, cols []string, limit int) (*sink, error) {
	s, err := newSink(ss.dir, rel, ss.format, cols, limit)
	if err != nil {
		return nil, err
	}
	ss.sinks = append(ss.sinks, s)
	return s, nil
}

func (ss *sinkSet) abort() {
	for _, s := range ss.sinks {
		s.abort()
	}
}

// openPopulation opens population/<code>.<format> for every province;
// on an error, every sink of the set is aborted.
func (ss *sinkSet) openPopulation(t *tables) ([]*sink, error) {
	pop := make([]*sink, len(t.provs))
	for i, p := range t.provs {
		var err error
		if pop[i], err = ss.open(filepath.Join("population", p.p.Code+"."+ss.format), PopulationColumns, popFlushBytes); err != nil {
			ss.abort()
			return nil, err
		}
	}
	return pop, nil
}

func writeChunk(c *chunkOut, pop, subs []*sink, popTruth, subTruth *sink, m *Manifest) error {
	for i, b := range c.pop {
		if err := pop[i].add(b); err != nil {
			return err
		}
	}
	if err := popTruth.add(c.popTruth); err != nil {
		return err
	}
	for i, b := range c.subs {
		if err := subs[i].add(b); err != nil {
			return err
		}
	}
	if err := subTruth.add(c.subTruth); err != nil {
		return err
	}
	for k, v := range c.counts {
		m.Corruptions[k] += v
	}
	for k, v := range c.subCount {
		m.SubCorrupt[k] += v
	}
	for k, v := range c.cases {
		m.SubCases[k] += v
	}
	for k, v := range c.hn {
		m.HardNegatives[k] += v
	}
	return nil
}

// outputFolders are the folders a generation writes into, below --out.
var outputFolders = []string{"population", "subscribers", "sectors", "truth", "truth/sectors"}

// dirMode is the mode of the folders gen creates: the data looks like
// citizens' and is treated as such.
const dirMode = 0o700

// prepareOutDir makes dir ready for a new generation: created (mode 0700)
// if missing; if it holds an earlier generation, whole or interrupted (its
// manifest.json and folders), that generation's files are removed first, so a Parquet run
// over a CSV one, or a smaller register over a larger one, never leaves
// the old files mixed with the new. A folder holding anything else is
// refused rather than cleared: it may be someone's data.
func prepareOutDir(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return fmt.Errorf("cannot create output folder: %w", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("cannot read output folder: %w", err)
	}
	if len(entries) == 0 {
		return nil
	}
	known := map[string]bool{"manifest.json": true, "nights": true}
	for _, d := range outputFolders {
		known[d] = true
	}
	for _, e := range entries {
		if !known[e.Name()] {
			return fmt.Errorf("output folder %s holds %s, which dedup gen does not write: give an empty folder or an earlier generation's", dir, e.Name())
		}
	}
	// The manifest goes first: a generation interrupted from here on is
	// incomplete, and a folder without it is not mistaken for a whole one.
	if err := os.Remove(filepath.Join(dir, "manifest.json")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot remove the earlier generation: %w", err)
	}
	if err := clearNights(dir); err != nil {
		return err
	}
	for _, d := range outputFolders {
		sub := filepath.Join(dir, d)
		files, err := os.ReadDir(sub)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", sub, err)
		}
		for _, f := range files {
			if f.IsDir() && slices.Contains(outputFolders, d+"/"+f.Name()) {
				continue // emptied in its own turn
			}
			if f.IsDir() {
				return fmt.Errorf("output folder %s holds a folder %s that dedup gen did not write: give an empty folder", dir, filepath.Join(d, f.Name()))
			}
			if err := os.Remove(filepath.Join(sub, f.Name())); err != nil {
				return fmt.Errorf("cannot remove the earlier generation: %w", err)
			}
		}
	}
	return nil
}
