package gen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/ordered"
	"github.com/dedup-vn/dedup/progress"
)

// Nights (gen --nights K) are the register as it stands after each of K
// nights of changes: DIR/nights/N/population/*.parquet is night N's full
// snapshot, in night 0's layout, with its truth and its events beside it.
//
// A night is not derived from the files of the night before: night N is
// generated afresh from the seed, chunk by chunk like night 0, with the
// events of nights 1..N applied to each chunk's persons. Events are drawn
// per (night, chunk) from their own random stream, so they are the same
// in every pass, memory stays that of night 0's generation whatever the
// register's size, and the bytes do not depend on the worker count.
// A record nothing touched is rendered from the same stream as on night 0
// and keeps its id and bytes; a record added on a night gets a new id,
// numbered apart from night 0's (see nightRecordNumber).

// Night event kinds, as written in the manifest and truth/events.
const (
	EventCorrectionFixed   = "correction_fixed"
	EventCorrectionRetyped = "correction_retyped"
	EventIDIssued          = "id_issued"
	EventLateDuplicate     = "late_duplicate"
	EventBirth             = "birth"
	EventMove              = "move"
	EventDeath             = "death"
)

// DefaultNightRate is the default number of events per person per night:
// about 0.1% of the records change each night.
const DefaultNightRate = 0.001

// nightMix is the share of a night's events of each kind, in drawing
// order, with what the event does. Births, deaths and moves follow
// Vietnam's yearly rates (about 1.45% births, 0.7% deaths, 1.4% moving
// province, per person per year, at the default rate of 0.1% a night);
// the rest is the register's own work: corrections from its clean-up
// campaigns, CCCDs issued to those who still hold a CMND, and persons
// registered a second time.
var nightMix = [...]struct {
	kind  string
	share float64
	doc   string
}{
	{EventCorrectionFixed, 0.45, "one record of a person re-entered with its errors fixed (true values, no corruption)"},
	{EventCorrectionRetyped, 0.28, "one record of a person re-typed: rendered afresh, with new errors at the profile's rates"},
	{EventIDIssued, 0.12, "a CMND-only person gets their CCCD: their current record's national_id becomes it (the truth's true_national_id of all their records too)"},
	{EventLateDuplicate, 0.05, "a person registered again: one more record in the province they live in"},
	{EventBirth, 0.04, "a new person born up to 60 days before the night, with one record and a new 12-digit personal number"},
	{EventMove, 0.04, "a person moves: one more record in another province; in half of the moves the old record is removed"},
	{EventDeath, 0.02, "a person dies: every record of theirs is removed"},
}

const (
	evCorrectionFixed = iota
	evCorrectionRetyped
	evIDIssued
	evLateDuplicate
	evBirth
	evMove
	evDeath
)

// NightEventKinds returns the event kinds in documentation order.
func NightEventKinds() []string {
	out := make([]string, len(nightMix))
	for i, m := range nightMix {
		out[i] = m.kind
	}
	return out
}

// NightEventShare returns the share of a night's events of kind k, and
// what such an event does.
func NightEventShare(k string) (float64, string) {
	for _, m := range nightMix {
		if m.kind == k {
			return m.share, m.doc
		}
	}
	return 0, ""
}

// NightEventColumns are the columns of DIR/nights/N/truth/events: one row
// per record an event of night N added, removed or changed (change is
// added, removed or changed).
var NightEventColumns = []string{"event", "person_id", "record_id", "change"}

// NightManifest describes one generated night (DIR/nights/N/manifest.json).
type NightManifest struct {
	Night          int              `json:"night"`
	Date           string           `json:"date"` // the night's date: ReferenceDate + N days
	Seed           uint64           `json:"seed"`
	Rate           float64          `json:"night_rate"`
	Records        int64            `json:"records"`
	Files          []FileCount      `json:"files"`
	Events         map[string]int64 `json:"events"` // this night's events by kind
	RecordsAdded   int64            `json:"records_added"`
	RecordsRemoved int64            `json:"records_removed"`
	RecordsChanged int64            `json:"records_changed"`
}

// Limits of the night record numbers (nightRecordNumber).
const (
	maxNights          = 1<<13 - 1
	maxNightChunks     = 1 << 15
	maxNightNewRecords = 1 << 10
)

// nightRecordNumber numbers the k-th record added in chunk c on night n.
// Night 0's numbers are chunk<<18|k < 2^33; these have bit 38 set, and
// perm40 is a bijection below 10^12 > 2^39, so no id is ever reused.
func nightRecordNumber(n int, c int64, k uint64) uint64 {
	return 1<<38 | uint64(n)<<25 | uint64(c)<<10 | k
}

// nightDate is the date of night n.
func nightDate(n int) time.Time { return ReferenceDate.AddDate(0, 0, n) }

// nightEvent is one event of a (night, chunk): its kind, the person it
// falls on (index in the chunk; the first candidate for id_issued) and the
// seed of its own draws.
type nightEvent struct {
	kind uint8
	j    int32
	u    uint64
}

// nightPlan is what every pass over the nights shares.
type nightPlan struct {
	t      *tables
	prof   Profile
	seed   uint64
	people int64
	rate   float64
	// births[n-1][c] are the persons born on night n in chunk c.
	births [][][]born
	// bornPerCell counts the births per CCCD cell over all nights: they
	// take the ranks from maxRank-1 down, night 0's persons from 0 up.
	bornPerCell []uint32
}

// born is a person born on a night.
type born struct {
	idx int64
	c   core
}

// schedule appends the events of night n in chunk c (of size persons):
// a Poisson number of them at the night rate, kinds by nightMix.
func (pl *nightPlan) schedule(dst []nightEvent, n int, c int64, persons int) []nightEvent {
	var pcg rand.PCG
	a := splitmix(pl.seed ^ 0x6e69676874 ^ splitmix(uint64(n)<<32^uint64(c)))
	pcg.Seed(a, splitmix(a^0x2545f4914f6cdd1d))
	r := rand.New(&pcg)
	k := poisson(r, pl.rate*float64(persons))
	for i := 0; i < k; i++ {
		u := r.Float64()
		kind := uint8(len(nightMix) - 1)
		acc := 0.0
		for m, e := range nightMix {
			acc += e.share
			if u < acc {
				kind = uint8(m)
				break
			}
		}
		dst = append(dst, nightEvent{kind: kind, j: int32(r.IntN(persons)), u: r.Uint64()})
	}
	return dst
}

// poisson draws a Poisson number of mean l (Knuth's method; a rounded
// normal above 30).
func poisson(r *rand.Rand, l float64) int {
	if l <= 0 {
		return 0
	}
	if l > 30 {
		return max(0, int(math.Round(l+math.Sqrt(l)*r.NormFloat64())))
	}
	lim, p, k := math.Exp(-l), 1.0, 0
	for {
		p *= r.Float64()
		if p <= lim {
			return k
		}
		k++
	}
}

// newNightPlan draws the births of nights 1..nights, which need numbers
// (person index, CCCD rank) unique over the whole register.
func newNightPlan(t *tables, prof Profile, o Options) (*nightPlan, error) {
	pl := &nightPlan{t: t, prof: prof, seed: o.Seed, people: o.People, rate: nightRate(o),
		bornPerCell: make([]uint32, len(t.provs)*cellsPerProv)}
	nChunks := (o.People + ChunkSize - 1) / ChunkSize
	next := o.People
	var evs []nightEvent
	var pcg rand.PCG
	r := rand.New(&pcg)
	for n := 1; n <= o.Nights; n++ {
		perChunk := make([][]born, nChunks)
		for c := int64(0); c < nChunks; c++ {
			evs = pl.schedule(evs[:0], n, c, int(min(int64(ChunkSize), o.People-c*ChunkSize)))
			for _, e := range evs {
				if e.kind != evBirth {
					continue
				}
				pcg.Seed(e.u, splitmix(e.u))
				var b born
				b.idx = next
				next++
				b.c.female = r.IntN(2) == 1
				b.c.birthProv = int16(t.provPick.pick(r))
				y, m, d := nightDate(n).AddDate(0, 0, -1-r.IntN(60)).Date()
				b.c.y, b.c.m, b.c.d = int16(y), int8(m), int8(d)
				b.c.cell = int32(b.c.birthProv)*cellsPerProv + int32(cgDigit(b.c.y, b.c.female))*100 + int32(b.c.y%100)
				pl.bornPerCell[b.c.cell]++
				if pl.bornPerCell[b.c.cell] > maxRank {
					return nil, fmt.Errorf("too many births for the CCCD number space of one province and birth year (limit %d)", maxRank)
				}
				b.c.rank = maxRank - pl.bornPerCell[b.c.cell]
				perChunk[c] = append(perChunk[c], b)
			}
		}
		pl.births = append(pl.births, perChunk)
	}
	if next >= 10_000_000_000 {
		return nil, errors.New("too many persons for 10-digit person ids")
	}
	return pl, nil
}

// generateNights writes DIR/nights/1..K.
func generateNights(ctx context.Context, o Options, t *tables, prof Profile) error {
	if err := checkNights(o); err != nil {
		return err
	}
	pl, err := newNightPlan(t, prof, o)
	if err != nil {
		return err
	}
	for n := 1; n <= o.Nights; n++ {
		if err := pl.writeNight(ctx, o, n); err != nil {
			return fmt.Errorf("night %d: %w", n, err)
		}
	}
	return nil
}

// checkNights checks the night options.
func checkNights(o Options) error {
	switch {
	case o.Nights < 0:
		return fmt.Errorf("nights %d: want 0 or more", o.Nights)
	case o.Nights > maxNights:
		return fmt.Errorf("nights %d: at most %d", o.Nights, maxNights)
	case o.NightRate < 0 || o.NightRate > 0.05 || math.IsNaN(o.NightRate):
		return fmt.Errorf("night rate %g: want 0 to 0.05 events per person per night", o.NightRate)
	case (o.People+ChunkSize-1)/ChunkSize > maxNightChunks:
		return fmt.Errorf("nights: at most %d persons", int64(maxNightChunks)*ChunkSize)
	}
	return nil
}

// nightOut is what one chunk of a night produces.
type nightOut struct {
	*chunkOut
	events *batch
	stats  map[string]int64
	added  int64
	remvd  int64
	chgd   int64
}

// writeNight writes night n: DIR/nights/n/{population,truth,manifest.json}.
func (pl *nightPlan) writeNight(ctx context.Context, o Options, n int) error {
	t := pl.t
	dir := filepath.Join(o.OutDir, "nights", strconv.Itoa(n))
	for _, d := range []string{"population", "truth"} {
		if err := os.MkdirAll(filepath.Join(dir, d), dirMode); err != nil {
			return fmt.Errorf("cannot create output folder: %w", err)
		}
	}
	ext := "." + o.Format
	ss := &sinkSet{dir: dir, format: o.Format}
	abort, open := ss.abort, ss.open
	popSinks, err := ss.openPopulation(t)
	if err != nil {
		return err
	}
	popTruth, err := open(filepath.Join("truth", "population"+ext), PopulationTruthColumns, truthFlushBytes)
	if err != nil {
		abort()
		return err
	}
	evSink, err := open(filepath.Join("truth", "events"+ext), NightEventColumns, subFlushBytes)
	if err != nil {
		abort()
		return err
	}
	m := &NightManifest{Night: n, Date: nightDate(n).Format("2006-01-02"), Seed: o.Seed, Rate: pl.rate, Events: map[string]int64{}}
	for _, e := range nightMix {
		m.Events[e.kind] = 0
	}
	src := newCoreSource(t, pl.prof, o.Seed, o.People)
	workers := make([]*nightWorker, max(o.Workers, 1))
	for k := range workers {
		workers[k] = newNightWorker(pl, n, src.nChunks)
	}
	rep := progress.New(fmt.Sprintf("gen night %d", n), o.People, progress.Options{Quiet: o.Quiet})
	written := int64(0)
	werr := ordered.Pool[job, *nightOut]{
		Workers: o.Workers,
		Work: func(k int, j job) (*nightOut, error) {
			out := workers[k].generate(j)
			return out, out.err
		},
		Consume: func(c *nightOut) error {
			written++
			for i, b := range c.pop {
				if err := popSinks[i].add(b); err != nil {
					return err
				}
			}
			if err := popTruth.add(c.popTruth); err != nil {
				return err
			}
			if err := evSink.add(c.events); err != nil {
				return err
			}
			for k, v := range c.stats {
				m.Events[k] += v
			}
			m.RecordsAdded += c.added
			m.RecordsRemoved += c.remvd
			m.RecordsChanged += c.chgd
			rep.Add(c.persons)
			return nil
		},
	}.Run(ctx, src.next)
	rep.Done()
	if werr == nil && written != src.nChunks {
		werr = fmt.Errorf("BUG: wrote %d of %d chunks", written, src.nChunks)
	}
	if werr == nil {
		// Night 0's persons took the CCCD ranks from 0 up, the born from
		// maxRank-1 down: they must not meet.
		for cell, b := range pl.bornPerCell {
			if b > 0 && src.counts[cell]+b > maxRank {
				werr = fmt.Errorf("too many persons and births for the CCCD number space of one province and birth year (limit %d)", maxRank)
				break
			}
		}
	}
	if werr != nil {
		abort()
		return werr
	}
	for _, s := range ss.sinks {
		if err := s.commit(); err != nil {
			abort()
			return err
		}
		if s != evSink && s != popTruth {
			m.Files = append(m.Files, FileCount{Path: filepath.ToSlash(s.rel), Rows: s.rows})
		}
	}
	m.Files = append(m.Files, FileCount{Path: filepath.ToSlash(popTruth.rel), Rows: popTruth.rows},
		FileCount{Path: filepath.ToSlash(evSink.rel), Rows: evSink.rows})
	sortFiles(m.Files)
	m.Records = popTruth.rows
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return dataio.WriteFileAtomic(filepath.Join(dir, "manifest.json"), append(data, '\n'))
}

// nightWorker generates chunks of one night.
type nightWorker struct {
	w    *worker
	pl   *nightPlan
	n    int
	evs  []nightEvent
	byJ  map[int32][]personEvent
	born []bornRec
	// scratch outputs: a person's night-0 records, and one record
	// rendered afresh.
	orig, one *chunkOut
	out       *nightOut
	recs      []nrec
	origRow   []int
	zero      Profile
}

// personEvent is an event that fell on one person of the chunk.
type personEvent struct {
	n    int
	kind uint8
	u    uint64
	num  uint64 // the number of the record it adds (move, late duplicate)
}

type bornRec struct {
	n   int
	b   born
	num uint64
}

// nrec is one record of an evolving person.
type nrec struct {
	plan    recordPlan
	orig    int // index among the person's night-0 records; -1 if added on a night
	id      []byte
	present bool
	seed    uint64 // stream of its rendering on a night; 0 = night 0's rendering
	clean   bool   // rendered with no errors (a fixed correction)
	rnight  int    // night of that rendering
	changed int    // night of its last change, 0 = none
	cccd    bool   // national_id replaced by the person's new CCCD
}

func newNightWorker(pl *nightPlan, n int, nChunks int64) *nightWorker {
	w := newWorker(pl.t, pl.prof, pl.seed)
	w.nChunks = nChunks
	return &nightWorker{w: w, pl: pl, n: n, byJ: map[int32][]personEvent{},
		orig: newScratch(pl.t), one: newScratch(pl.t), zero: Profile{Name: "none", Rates: map[string]float64{}}}
}

func newScratch(t *tables) *chunkOut {
	return &chunkOut{pop: make([]*batch, len(t.provs)), popTruth: newBatch(len(PopulationTruthColumns)),
		counts: map[string]int64{}, hn: map[string]int64{}}
}

func resetScratch(s *chunkOut) {
	for _, b := range s.pop {
		if b != nil {
			b.reset()
		}
	}
	s.popTruth.reset()
	clear(s.counts)
	clear(s.hn)
}

// generate makes chunk j of night n.
func (nw *nightWorker) generate(j job) *nightOut {
	w, pl := nw.w, nw.pl
	out := &nightOut{events: newBatch(len(NightEventColumns)), stats: map[string]int64{}}
	nw.out = out
	ok := w.begin(j.index, j.first, j.cores)
	out.chunkOut = w.out
	if !ok {
		return out
	}
	// Which events fall on whom, and the ids of the records they add.
	clear(nw.byJ)
	nw.born = nw.born[:0]
	issued := map[int32]bool{}
	dead := map[int32]bool{}
	persons := len(j.cores)
	for n := 1; n <= nw.n; n++ {
		nw.evs = pl.schedule(nw.evs[:0], n, j.index, persons)
		k, bk := uint64(0), 0
		// Numbers are given in event order, before the province of the
		// record is known: the number alone makes the id unique.
		newNum := func() uint64 {
			k++
			return nightRecordNumber(n, j.index, k-1)
		}
		for _, e := range nw.evs {
			if k >= maxNightNewRecords {
				out.err = fmt.Errorf("more than %d records added to one chunk in one night: lower the night rate", maxNightNewRecords)
				return out
			}
			pe := personEvent{n: n, kind: e.kind, u: e.u}
			target := e.j
			switch e.kind {
			case evBirth:
				nw.born = append(nw.born, bornRec{n: n, b: pl.births[n-1][j.index][bk], num: newNum()})
				bk++
				continue
			case evIDIssued:
				target = -1
				for t := 0; t < persons; t++ {
					c := int32((int(e.j) + t) % persons)
					if j.cores[c].cmndOnly && !issued[c] && !dead[c] {
						target = c
						break
					}
				}
				if target < 0 {
					continue
				}
				issued[target] = true
			case evMove, evLateDuplicate:
				pe.num = newNum()
			case evDeath:
				if dead[target] {
					continue
				}
				dead[target] = true
			}
			if dead[target] && e.kind != evDeath {
				continue
			}
			nw.byJ[target] = append(nw.byJ[target], pe)
		}
	}
	for i := range w.ppl {
		if evs, ok := nw.byJ[int32(i)]; ok {
			nw.evolve(i, evs)
		} else {
			w.emitRecords(&w.ppl[i])
		}
	}
	for _, b := range nw.born {
		nw.emitBorn(b)
	}
	w.out = out.chunkOut
	return out
}

// eventSeed seeds w's stream for an event's draws (k = 0) or for the
// rendering of a record (k = 1).
func (nw *nightWorker) eventSeed(u uint64, k uint64) {
	a := splitmix(u ^ k*0x9e3779b97f4a7c15)
	nw.w.pcg.Seed(a, splitmix(a^0x7265636f7264))
}

// evolve writes person i of the chunk as it stands after its events.
func (nw *nightWorker) evolve(i int, evs []personEvent) {
	w, out := nw.w, nw.out
	p := &w.ppl[i]
	// Night 0's records, rendered from night 0's stream: the same ids
	// and bytes where no event touched them.
	w.out = nw.orig
	resetScratch(nw.orig)
	w.emitRecords(p)
	w.out = out.chunkOut
	recs := nw.recs[:0]
	for k, pl := range w.plans {
		recs = append(recs, nrec{plan: pl, orig: k, id: nw.orig.popTruth.cell(k, 0), present: true})
	}
	pid := appendPad([]byte{'H'}, uint64(p.idx), 10)
	res, dead, issued := 0, false, 0
	for _, e := range evs {
		cur := e.n == nw.n
		note := func(rec *nrec, change string) {
			if !cur {
				return
			}
			out.events.setStr(0, nightMix[e.kind].kind)
			out.events.set(1, pid)
			out.events.set(2, rec.id)
			out.events.setStr(3, change)
			out.events.endRow()
			switch change {
			case "added":
				out.added++
			case "removed":
				out.remvd++
			default:
				out.chgd++
			}
		}
		nw.eventSeed(e.u, 0)
		r := w.r
		switch e.kind {
		case evDeath:
			for k := range recs {
				if recs[k].present {
					recs[k].present = false
					note(&recs[k], "removed")
				}
			}
			dead = true
		case evMove, evLateDuplicate:
			pl := recs[res].plan
			if e.kind == evMove {
				from := pl.prov
				prov := from
				for t := 0; t < 16 && prov == from; t++ {
					if r.IntN(2) == 0 {
						prov = w.t.bigCities.pick(r)
					} else {
						prov = w.t.provPick.pick(r)
					}
				}
				if prov == from {
					prov = (from + 1) % len(w.t.provs)
				}
				ward := w.pickWard(prov)
				nwd := w.newWardOf(ward)
				pl = recordPlan{prov: prov, permWard: ward, curWard: ward, permNew: nwd, curNew: nwd, extra: RateMoved}
				if r.IntN(2) == 0 {
					recs[res].present = false
					note(&recs[res], "removed")
				}
			} else {
				pl.extra, pl.phoneSel = RateDuplicate, r.IntN(p.nPhones+1)
			}
			recs = append(recs, nrec{plan: pl, orig: -1, id: w.appendRecordID(nil, pl.prov, e.num), present: true,
				seed: e.u | 1, rnight: e.n, changed: e.n})
			note(&recs[len(recs)-1], "added")
			if e.kind == evMove {
				res = len(recs) - 1
			}
		case evCorrectionFixed, evCorrectionRetyped:
			n := 0
			for k := range recs {
				if recs[k].present {
					n++
				}
			}
			pick := r.IntN(n)
			for k := range recs {
				if !recs[k].present {
					continue
				}
				if pick == 0 {
					rc := &recs[k]
					rc.seed, rc.clean, rc.rnight, rc.changed = e.u|1, e.kind == evCorrectionFixed, e.n, e.n
					note(rc, "changed")
					break
				}
				pick--
			}
		case evIDIssued:
			issued = e.n
			recs[res].cccd, recs[res].changed = true, e.n
			note(&recs[res], "changed")
		}
		if cur {
			out.stats[nightMix[e.kind].kind]++
		}
	}
	nw.recs = recs
	if dead {
		return
	}
	var cccd [12]byte
	q := *p
	if issued > 0 {
		w.makeCCCD(&cccd, int(p.c.birthProv), p.c.y, p.c.female, p.c.cell, p.c.rank)
		q.c.cmndOnly, q.cccd = false, cccd
	}
	// the row of each night-0 record in its province's scratch batch
	origRow := nw.origRow[:0]
	for k, pl := range w.plans {
		n := 0
		for _, o := range w.plans[:k] {
			if o.prov == pl.prov {
				n++
			}
		}
		origRow = append(origRow, n)
	}
	nw.origRow = origRow
	for k := range recs {
		rc := &recs[k]
		if !rc.present {
			continue
		}
		src, row, trow := nw.orig, 0, rc.orig
		if rc.seed != 0 {
			pr := p
			if issued > 0 && issued <= rc.rnight {
				pr = &q
			}
			resetScratch(nw.one)
			w.out = nw.one
			nw.eventSeed(rc.seed, 1)
			if rc.clean {
				w.p = nw.zero
			}
			pl := rc.plan
			w.emitRecordAs(rc.id, pr, pl.prov, pl.permWard, pl.curWard, pl.permNew, pl.curNew, pl.extra, pl.phoneSel)
			w.p = nw.pl.prof
			w.out = out.chunkOut
			src, row, trow = nw.one, 0, 0
		} else {
			row = origRow[rc.orig]
		}
		var pov, tov []cellOverride
		if rc.changed > 0 {
			pov = append(pov, cellOverride{9, nw.stamp(rc.changed, rc.id)})
		}
		if rc.cccd {
			pov = append(pov, cellOverride{4, cccd[:]})
		}
		if issued > 0 {
			tov = append(tov, cellOverride{8, cccd[:]})
		}
		w.popBatch(rc.plan.prov).appendRowFrom(src.pop[rc.plan.prov], row, pov...)
		out.popTruth.appendRowFrom(src.popTruth, trow, tov...)
	}
}

// emitBorn writes the record of a person born on a night.
func (nw *nightWorker) emitBorn(b bornRec) {
	w, out := nw.w, nw.out
	var p person
	w.genPerson(&p, b.b.idx, b.b.c, nil)
	resetScratch(nw.one)
	w.out = nw.one
	seedPerson(&w.pcg, w.seed, p.idx, 2)
	id := w.appendRecordID(nil, p.resProv, b.num)
	w.emitRecordAs(id, &p, p.resProv, p.permWard, p.curWard, p.permNew, p.curNew, "", 0)
	w.out = out.chunkOut
	w.popBatch(p.resProv).appendRowFrom(nw.one.pop[p.resProv], 0, cellOverride{9, nw.stamp(b.n, id)})
	out.popTruth.appendRowFrom(nw.one.popTruth, 0)
	if b.n == nw.n {
		out.events.setStr(0, EventBirth)
		out.events.set(1, appendPad([]byte{'H'}, uint64(p.idx), 10))
		out.events.set(2, id)
		out.events.setStr(3, "added")
		out.events.endRow()
		out.added++
		out.stats[EventBirth]++
	}
}

// stamp is the updated_at of a record changed on night n: a time of the
// day before the night, drawn from the record's id.
func (nw *nightWorker) stamp(n int, id []byte) []byte {
	h := nw.pl.seed ^ uint64(n)
	for _, c := range id {
		h = splitmix(h ^ uint64(c))
	}
	t := nightDate(n - 1).Add(time.Duration(h%86400) * time.Second)
	return t.UTC().AppendFormat(nil, time.RFC3339)
}

// cellOverride replaces one column's value in a copied row.
type cellOverride struct {
	col int
	v   []byte
}

// cell returns a copy of column col of row.
func (b *batch) cell(row, col int) []byte {
	return append([]byte(nil), b.data[col][b.offs[col][row]:b.offs[col][row+1]]...)
}

// appendRowFrom appends row of src, with the given columns replaced.
func (b *batch) appendRowFrom(src *batch, row int, over ...cellOverride) {
	for c := range b.data {
		v := src.data[c][src.offs[c][row]:src.offs[c][row+1]]
		for _, o := range over {
			if o.col == c {
				v = o.v
			}
		}
		b.set(c, v)
	}
	b.endRow()
}

// clearNights removes an earlier generation's nights (DIR/nights/N with
// manifest.json, population/ and truth/ files). Anything else there is
// refused before anything is removed, as prepareOutDir refuses it.
func clearNights(dir string) error {
	root := filepath.Join(dir, "nights")
	nights, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", root, err)
	}
	foreign := func(rel string) error {
		return fmt.Errorf("output folder %s holds %s, which dedup gen does not write: give an empty folder or an earlier generation's", dir, rel)
	}
	var files, dirs []string // removed in this order, the deepest folders first
	for _, nd := range nights {
		rel := filepath.Join("nights", nd.Name())
		if _, err := strconv.Atoi(nd.Name()); err != nil || !nd.IsDir() {
			return foreign(rel)
		}
		entries, err := os.ReadDir(filepath.Join(dir, rel))
		if err != nil {
			return fmt.Errorf("cannot read %s: %w", filepath.Join(dir, rel), err)
		}
		for _, e := range entries {
			erel := filepath.Join(rel, e.Name())
			switch {
			case e.Name() == "manifest.json" && !e.IsDir():
				// the manifest goes first: a night without it is incomplete
				files = append([]string{erel}, files...)
				continue
			case !e.IsDir() || (e.Name() != "population" && e.Name() != "truth"):
				return foreign(erel)
			}
			inner, err := os.ReadDir(filepath.Join(dir, erel))
			if err != nil {
				return fmt.Errorf("cannot read %s: %w", filepath.Join(dir, erel), err)
			}
			for _, f := range inner {
				if f.IsDir() {
					return foreign(filepath.Join(erel, f.Name()))
				}
				files = append(files, filepath.Join(erel, f.Name()))
			}
			dirs = append(dirs, erel)
		}
		dirs = append(dirs, rel)
	}
	dirs = append(dirs, "nights")
	for _, rel := range append(files, dirs...) {
		if err := os.Remove(filepath.Join(dir, rel)); err != nil {
			return fmt.Errorf("cannot remove the earlier generation: %w", err)
		}
	}
	return nil
}

// nightRate is o's night rate, the default for 0.
func nightRate(o Options) float64 {
	if o.NightRate == 0 {
		return DefaultNightRate
	}
	return o.NightRate
}
