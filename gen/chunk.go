package gen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
	"unicode/utf8"
)

// person is one generated person, with indexes into the tables.
type person struct {
	idx        int64
	c          core
	resProv    int
	permWard   int
	curWard    int
	permNew    int
	curNew     int
	house      int
	street     int
	curHouse   int
	curStreet  int
	sur, mid   string
	given      string
	cccd       [12]byte
	cmnd       [9]byte
	phones     [3][10]byte
	phoneCar   [3]int8
	phonePref  [3]int16
	nPhones    int
	hn         string // hard-negative label
	hnGroup    []byte
	updated    int64 // unix seconds
	commonName int
}

// chunkOut is what one chunk produces: rows per output file.
type chunkOut struct {
	index    int64
	pop      []*batch // per province, nil where empty
	popTruth *batch
	subs     []*batch // per carrier
	subTruth *batch
	counts   map[string]int64 // population corruption labels
	subCount map[string]int64 // subscriber corruption labels
	cases    map[string]int64 // subscriber cases
	hn       map[string]int64 // hard-negative labels (persons)
	persons  int64
	err      error // the chunk could not be made (number space exhausted)
	// sectors and sectorTruth are the rows of each sector table written.
	sectors, sectorTruth []*batch
}

// worker holds the scratch state of one generating goroutine.
type worker struct {
	t     *tables
	p     Profile
	seed  uint64
	pcg   rand.PCG
	r     *rand.Rand
	ppl   []person
	buf   [8][]byte
	name  []byte
	tmp   []byte
	lbl   []byte
	toks  [4]string
	out   *chunkOut
	recK  uint64
	subK  uint64
	chunk int64
	// nChunks is the number of chunks of the run; fakeK counts the made-up
	// numbers of this chunk per carrier (see fakeNumber).
	nChunks int64
	fakeK   []uint64
	// phoneK counts the real numbers this chunk took from each carrier's
	// block of phoneB sequences (see phoneNumber); err is set when they
	// ran out.
	phoneK []uint64
	phoneB []uint64
	err    error
	// subMode routes labels to the subscriber counts.
	subMode bool
	// plans lists the records emitRecords wrote for the current person.
	plans []recordPlan
	// sec is the sector tables' state; nil when none is written.
	sec *sectorWork
}

func newWorker(t *tables, p Profile, seed uint64) *worker {
	w := &worker{t: t, p: p, seed: seed}
	w.r = rand.New(&w.pcg)
	return w
}

var commonMale = []string{"Nguyễn Văn Anh", "Nguyễn Văn Hùng", "Nguyễn Văn Nam", "Nguyễn Văn Dũng", "Trần Văn Hải", "Nguyễn Văn Tuấn"}
var commonFemale = []string{"Nguyễn Thị Hương", "Nguyễn Thị Lan", "Nguyễn Thị Hoa", "Nguyễn Thị Thủy", "Trần Thị Mai", "Nguyễn Thị Hằng"}

var streets = []string{"Lê Lợi", "Trần Hưng Đạo", "Nguyễn Huệ", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung",
	"Nguyễn Trãi", "Lê Duẩn", "Điện Biên Phủ", "Hùng Vương", "Phan Chu Trinh", "Trần Phú", "Nguyễn Du",
	"Lê Lai", "Bà Triệu", "Hoàng Diệu", "Nguyễn Thị Minh Khai", "Cách Mạng Tháng Tám", "Võ Thị Sáu", "Pasteur",
	"Lạc Long Quân", "Âu Cơ", "Tôn Đức Thắng", "Nguyễn Văn Cừ", "Phạm Văn Đồng", "Lê Thánh Tông"}

func (w *worker) chance(name string) bool { return w.r.Float64() < w.p.Rate(name) }

// drawName draws surname, middle and given name for a person.
func (w *worker) drawName(female bool, y int16, region int) (sur, mid, given string) {
	t, r := w.t, w.r
	sur = t.surnames[t.surnameBy[region].pick(r)]
	// Thị and Văn are far commoner nationally, and among older people,
	// than the forum sample behind MiddleNames shows.
	u := r.Float64()
	// The common middle name's share among those born before 1970, before
	// 1990 and later.
	mids, midP, names, namesP := t.maleMid, &t.maleMidP, t.boys, &t.boysP
	common, shares := "Văn", [3]float64{0.55, 0.35, 0.15}
	if female {
		mids, midP, names, namesP = t.femMid, &t.femMidP, t.girls, &t.girlsP
		common, shares = "Thị", [3]float64{0.75, 0.5, 0.3}
	}
	p := shares[2]
	if y < 1970 {
		p = shares[0]
	} else if y < 1990 {
		p = shares[1]
	}
	switch {
	case u < p:
		mid = common
	case u < 0.97:
		mid = mids[midP.pick(r)]
	}
	given = names[namesP.pick(r)]
	return
}

func (w *worker) pickWard(prov int) int {
	ws := w.t.provs[prov].wards
	return ws[w.r.IntN(len(ws))]
}

func (w *worker) newWardOf(ward int) int {
	l := w.t.wards[ward].links
	if len(l) == 1 {
		return l[0]
	}
	// A partial split: the person lives in one of the new wards; which
	// one is drawn here and recorded in the truth.
	return l[w.r.IntN(len(l))]
}

// Each carrier's number space (its prefixes × 10^7 numbers) is split
// before the keyed permutation: sequences below realCap are the phones of
// the register's persons, the top 1/fakeSpaceDiv is reserved for made-up
// numbers (the SIMs of fake identities and SIM farms). The permutation is
// a bijection, so a made-up msisdn can never be a real person's phone, at
// any size.
const fakeSpaceDiv = 16

// Real phones are numbered in two ways (see phoneNumber):
//
//   - Legacy: in the first phoneLegacyChunks chunks, phone j of person idx
//     is sequence 3*idx+j of its carrier, as in the first generator, so
//     registers of up to phoneLegacyChunks*ChunkSize (2,048,000) persons
//     keep their bytes. These sequences, below phoneLegacySeqs, are
//     distinct per carrier (3*idx+j is) and stay under the smallest
//     carrier's 9,375,000 real sequences.
//   - Per chunk: later chunks split the rest of each carrier's real
//     sequences, [phoneLegacySeqs, realCap), into equal blocks, one per
//     chunk, and number their phones on a carrier from their block's
//     start in person order. A carrier keeps 1.05 phones a person × its
//     share, so even the smallest carrier (0.4%, 3.23M sequences left)
//     needs about 34 of a block of 270 a chunk at 100M persons, but a
//     chunk whose block is full takes the next free sequence of the
//     carrier whose block has most room (a number kept when moving to
//     another network, as mobile number portability allows). A chunk has
//     at most 3 × 8192 = 24,576 phones and its blocks hold 24,620 at 100M
//     persons (so up to 100M nothing can run out), about 9,700 at 250M
//     (a chunk has about 8,600); a chunk that still runs out stops the
//     run with an error. phoneLegacyChunks is the largest round number
//     that keeps the 100M guarantee: 256 would leave 24,549.
//
// Distinct (chunk, carrier, k) give distinct sequences, and the sequences
// of each carrier are a bijection of its numbers, so no two phones of the
// register share a number. The former q mod realCap wrapped above 3.1M
// persons and gave 483 shared numbers at 10M.
const (
	phoneLegacyChunks = 250
	phoneLegacySeqs   = phoneLegacyChunks * ChunkSize * 3
)

// carrierSpace returns carrier c's number space and its real part.
func (w *worker) carrierSpace(c int) (space, realCap uint64) {
	space = uint64(len(w.t.carriers[c].prefixes)) * 10_000_000
	return space, space - space/fakeSpaceDiv
}

// phoneBlocks sets phoneB: the sequences each carrier gives a chunk.
func (w *worker) phoneBlocks() {
	w.phoneB = w.phoneB[:0]
	for c := range w.t.carriers {
		_, realCap := w.carrierSpace(c)
		var b uint64
		if w.nChunks > phoneLegacyChunks {
			b = (realCap - phoneLegacySeqs) / uint64(w.nChunks-phoneLegacyChunks)
		}
		w.phoneB = append(w.phoneB, b)
	}
}

// phoneNumber writes the number of phone j of person idx, on carrier c,
// and returns its prefix index; false if this chunk's blocks are full.
func (w *worker) phoneNumber(dst *[10]byte, c int, idx int64, j int) (int16, bool) {
	if w.chunk < phoneLegacyChunks {
		return w.numberAt(dst, c, uint64(idx)*3+uint64(j)), true
	}
	h := c
	if w.phoneK[h] >= w.phoneB[h] {
		h = -1
		var room uint64
		for o := range w.phoneB {
			if r := w.phoneB[o] - min(w.phoneK[o], w.phoneB[o]); r > room {
				h, room = o, r
			}
		}
		if h < 0 {
			return 0, false
		}
	}
	k := w.phoneK[h]
	w.phoneK[h]++
	return w.numberAt(dst, h, phoneLegacySeqs+uint64(w.chunk-phoneLegacyChunks)*w.phoneB[h]+k), true
}

// fakeNumber writes the next made-up number of carrier c in this chunk.
// Each chunk owns an equal block of the carrier's made-up sequences and
// numbers its own from the block's start, so the result does not depend
// on the workers, and made-up numbers are distinct while no chunk
// outgrows its block (blocks of 51 numbers for the smallest carriers at
// 100M persons, where a chunk makes about 2 with the dirty profile); past it they wrap onto
// other made-up numbers, never onto real ones.
func (w *worker) fakeNumber(dst *[10]byte, c int) int16 {
	space, realCap := w.carrierSpace(c)
	fake := space - realCap
	block := max(fake/uint64(max(w.nChunks, 1)), 1)
	k := w.fakeK[c]
	w.fakeK[c]++
	return w.numberAt(dst, c, realCap+(uint64(w.chunk)*block+k)%fake)
}

// numberAt writes the number at sequence v of carrier c's whole space.
func (w *worker) numberAt(dst *[10]byte, c int, v uint64) int16 {
	cr := w.t.carriers[c]
	space := uint64(len(cr.prefixes)) * 10_000_000
	x := permN(w.seed^0x70686f6e65^uint64(c)<<32, v, space)
	pi := cr.prefixes[x/10_000_000]
	copy(dst[:3], w.t.prefixes[pi].prefix)
	appendPad(dst[:3], x%10_000_000, 7)
	return int16(pi)
}

func (w *worker) makeCCCD(dst *[12]byte, birthProv int, y int16, female bool, cell int32, rank uint32) {
	b := dst[:0]
	b = append(b, w.t.provs[birthProv].p.CCCDPrefix...)
	b = append(b, byte('0'+cgDigit(y, female)))
	b = appendDate2(b, int(y%100))
	appendPad(b, uint64(serial(w.seed, cell, rank)), 6)
}

// genPerson fills p from its core and its own random stream.
func (w *worker) genPerson(p *person, idx int64, c core, prev *person) {
	t, r := w.t, w.r
	seedPerson(&w.pcg, w.seed, idx, 1)
	*p = person{idx: idx, c: c, commonName: -1}
	bp := int(c.birthProv)
	p.resProv = bp
	if r.Float64() < 0.15 {
		p.resProv = t.bigCities.pick(r)
	}
	p.permWard = w.pickWard(p.resProv)
	p.house, p.street = 1+r.IntN(250), r.IntN(len(streets))
	region := t.provs[bp].region
	p.sur, p.mid, p.given = w.drawName(c.female, c.y, region)
	if c.rel != relNone && prev != nil {
		p.resProv = prev.resProv
		p.hn = relLabel[c.rel]
		p.hnGroup = prev.hnGroup
		switch c.rel {
		case relSameName:
			p.sur, p.mid, p.given = prev.sur, prev.mid, prev.given
			for k := 0; k < 4 && (p.permWard == prev.permWard || t.wards[p.permWard].w.ProvinceCode != t.provs[p.resProv].p.Code); k++ {
				p.permWard = w.pickWard(p.resProv)
			}
		case relTwin:
			p.sur = prev.sur
			if w.p.Rate(rateTwinSameMiddle) > 0 {
				p.mid = prev.mid
			}
			for k := 0; k < 8 && p.given == prev.given; k++ {
				_, _, p.given = w.drawName(c.female, c.y, region)
			}
			p.permWard, p.house, p.street = prev.permWard, prev.house, prev.street
		case relFatherSon:
			p.sur, p.mid, p.given = prev.sur, prev.mid, prev.given
			p.permWard, p.house, p.street = prev.permWard, prev.house, prev.street
		}
	} else if c.leader != relNone {
		p.hn = relLabel[c.leader]
		p.hnGroup = appendPad(append([]byte(nil), "HN"...), uint64(idx), 10)
	} else if w.chance(RateCommonName) {
		p.hn = "common_name"
		list := commonMale
		if c.female {
			list = commonFemale
		}
		k := r.IntN(len(list))
		p.commonName = k
		if c.female {
			k += len(commonMale)
		}
		p.hnGroup = appendPad(append([]byte(nil), "CN"...), uint64(k), 2)
	}
	p.curWard, p.curHouse, p.curStreet = p.permWard, p.house, p.street
	switch u := r.Float64(); {
	case u < 0.05:
		p.curWard = w.pickWard(t.bigCities.pick(r))
		p.curHouse, p.curStreet = 1+r.IntN(250), r.IntN(len(streets))
	case u < 0.20:
		p.curWard = w.pickWard(p.resProv)
		p.curHouse, p.curStreet = 1+r.IntN(250), r.IntN(len(streets))
	}
	p.permNew = w.newWardOf(p.permWard)
	p.curNew = w.newWardOf(p.curWard)
	if !c.cmndOnly {
		w.makeCCCD(&p.cccd, bp, c.y, c.female, c.cell, c.rank)
	}
	w.makeCMND(&p.cmnd, bp, idx, &p.c)
	switch u := r.Float64(); {
	case u < 0.12:
		p.nPhones = 0
	case u < 0.67:
		p.nPhones = 1
	case u < 0.92:
		p.nPhones = 2
	default:
		p.nPhones = 3
	}
	if c.y > int16(ReferenceDate.Year()-12) {
		p.nPhones = 0 // children have no SIM of their own
	}
	for j := 0; j < p.nPhones; j++ {
		car := t.carrierP.pick(r)
		p.phoneCar[j] = int8(car)
		pre, ok := w.phoneNumber(&p.phones[j], car, idx, j)
		if !ok && w.err == nil {
			w.err = fmt.Errorf("chunk %d: more phones than its share of the carriers' number space (too many persons)", w.chunk)
		}
		p.phonePref[j] = pre
	}
	p.updated = ReferenceDate.Unix() - int64(r.IntN(9*365*86400))
}

// generate produces chunk ci for persons [first, first+len(cores)).
func (w *worker) generate(ci int64, first int64, cores []core) *chunkOut {
	if !w.begin(ci, first, cores) {
		return w.out
	}
	for j := range w.ppl {
		w.emitPerson(j)
	}
	return w.out
}

// begin starts chunk ci: a fresh output, the chunk's counters, and its
// persons generated; false (with w.out.err set) if they could not be.
func (w *worker) begin(ci int64, first int64, cores []core) bool {
	w.out = &chunkOut{index: ci, pop: make([]*batch, len(w.t.provs)), subs: make([]*batch, len(w.t.carriers)),
		popTruth: newBatch(len(PopulationTruthColumns)), subTruth: newBatch(len(SubscriberTruthColumns)),
		counts: map[string]int64{}, subCount: map[string]int64{}, cases: map[string]int64{}, hn: map[string]int64{},
		persons: int64(len(cores))}
	w.chunk, w.recK, w.subK = ci, 0, 0
	w.fakeK = append(w.fakeK[:0], make([]uint64, len(w.t.carriers))...)
	w.phoneK = append(w.phoneK[:0], make([]uint64, len(w.t.carriers))...)
	w.phoneBlocks()
	w.err = nil
	if w.sec != nil {
		w.sec.startChunk()
		w.out.sectors, w.out.sectorTruth = w.sec.out, w.sec.truth
	}
	if cap(w.ppl) < len(cores) {
		w.ppl = make([]person, len(cores))
	}
	w.ppl = w.ppl[:len(cores)]
	for j := range cores {
		var prev *person
		if j > 0 {
			prev = &w.ppl[j-1]
		}
		w.genPerson(&w.ppl[j], first+int64(j), cores[j], prev)
	}
	if w.err != nil {
		w.out.err = w.err
		return false
	}
	return true
}

// emitPerson writes the records and subscriptions of person j.
func (w *worker) emitPerson(j int) {
	w.emitRecords(&w.ppl[j])
	w.subMode = true
	w.emitSubs(j)
	w.subMode = false
	if w.sec != nil {
		w.emitSectors(&w.ppl[j])
	}
}

// emitRecords writes the population records of p (w.plans lists them);
// the subscriptions continue the same random stream.
func (w *worker) emitRecords(p *person) {
	r := w.r
	w.plans = w.plans[:0]
	seedPerson(&w.pcg, w.seed, p.idx, 2)
	if p.hn != "" {
		w.out.hn[p.hn]++
	}
	w.emitRecord(p, p.resProv, p.permWard, p.curWard, p.permNew, p.curNew, "", 0)
	if w.chance(RateMoved) {
		prov := int(p.c.birthProv)
		if prov == p.resProv {
			prov = w.t.bigCities.pick(r)
		}
		if prov != p.resProv {
			old := w.pickWard(prov)
			on := w.newWardOf(old)
			w.emitRecord(p, prov, old, old, on, on, RateMoved, 1+r.IntN(p.nPhones+1))
		}
	}
	if w.chance(RateDuplicate) {
		w.emitRecord(p, p.resProv, p.permWard, p.curWard, p.permNew, p.curNew, RateDuplicate, r.IntN(p.nPhones+1))
	}
}

func (w *worker) popBatch(prov int) *batch {
	b := w.out.pop[prov]
	if b == nil {
		b = newBatch(len(PopulationColumns))
		w.out.pop[prov] = b
	}
	return b
}

func (w *worker) label(l string) {
	if len(w.lbl) > 0 {
		w.lbl = append(w.lbl, ';')
	}
	w.lbl = append(w.lbl, l...)
	if w.subMode {
		w.out.subCount[l]++
	} else {
		w.out.counts[l]++
	}
}

// emitRecord writes one population record of p registered in prov and
// its truth row. extra labels a duplicate; phoneSel picks the phone shown
// (0 = the first, beyond nPhones = the first).
func (w *worker) emitRecord(p *person, prov, permWard, curWard, permNew, curNew int, extra string, phoneSel int) {
	w.plans = append(w.plans, recordPlan{prov, permWard, curWard, permNew, curNew, extra, phoneSel})
	w.buf[0] = w.appendRecordID(w.buf[0][:0], prov, uint64(w.chunk)<<18|w.recK)
	w.recK++
	w.emitRecordAs(w.buf[0], p, prov, permWard, curWard, permNew, curNew, extra, phoneSel)
}

// appendRecordID appends the record id numbered x in province prov:
// P<code>-<12 digits>, a keyed bijection of x (see perm40).
func (w *worker) appendRecordID(dst []byte, prov int, x uint64) []byte {
	dst = append(dst, 'P')
	dst = append(dst, w.t.provs[prov].p.Code...)
	dst = append(dst, '-')
	return appendPad(dst, perm40(w.seed^0x7265636f7264, x), 12)
}

// recordPlan is what emitRecord was asked to write: enough to write the
// record again (a correction on a later night, see nights.go).
type recordPlan struct {
	prov, permWard, curWard, permNew, curNew int
	extra                                    string
	phoneSel                                 int
}

// emitRecordAs is emitRecord with the record id given.
func (w *worker) emitRecordAs(id []byte, p *person, prov, permWard, curWard, permNew, curNew int, extra string, phoneSel int) {
	t, r := w.t, w.r
	b := w.popBatch(prov)
	tr := w.out.popTruth
	w.lbl = w.lbl[:0]
	if extra != "" {
		w.label(extra)
	}
	b.set(0, id)

	// full_name
	name, enc := w.renderName(p)
	// addresses (rendered before the name's encoding is applied to them)
	use2025 := w.chance(RateAddr2025)
	abbrev := w.chance(RateAddrAbbrev)
	missing := -1
	if w.chance(RateAddrMissing) {
		missing = r.IntN(2)
	}
	if use2025 {
		w.label(RateAddr2025)
	}
	if abbrev {
		w.label(RateAddrAbbrev)
	}
	if missing >= 0 {
		w.label(RateAddrMissing)
	}
	house, street := p.house, p.street
	if permWard != p.permWard {
		house, street = 1+r.IntN(250), r.IntN(len(streets))
	}
	perm := w.renderAddress(w.buf[1][:0], permWard, permNew, house, street, use2025, abbrev, missing == 0)
	cur := w.renderAddress(w.buf[2][:0], curWard, curNew, p.curHouse, p.curStreet, use2025, abbrev, missing == 1)
	if permWard != p.permWard {
		cur = w.renderAddress(w.buf[2][:0], curWard, curNew, house, street, use2025, abbrev, missing == 1)
	}
	w.buf[1], w.buf[2] = perm, cur
	perm = w.encode(w.buf[3][:0], perm, enc)
	w.buf[3] = perm
	cur = w.encode(w.buf[4][:0], cur, enc)
	w.buf[4] = cur
	b.set(1, name)

	// date_of_birth
	dob := w.renderDOB(w.buf[5][:0], p.c.y, int(p.c.m), int(p.c.d), true)
	w.buf[5] = dob
	b.set(2, dob)
	// gender
	b.setStr(3, w.renderGender(p.c.female))
	// national_id
	idb := w.renderID(w.buf[6][:0], p)
	w.buf[6] = idb
	b.set(4, idb)
	// phone
	sel := 0
	if phoneSel < p.nPhones {
		sel = phoneSel
	}
	ph := w.renderPhone(w.buf[7][:0], p, sel)
	w.buf[7] = ph
	b.set(5, ph)
	b.set(6, perm)
	b.set(7, cur)
	b.setStr(8, t.provs[prov].p.Code)
	upd := p.updated
	if extra == RateMoved {
		upd -= int64(1+r.IntN(5*365)) * 86400
	}
	w.tmp = time.Unix(upd, 0).UTC().AppendFormat(w.tmp[:0], time.RFC3339)
	b.set(9, w.tmp)
	b.endRow()

	// truth
	tr.set(0, id)
	w.tmp = appendPad(append(w.tmp[:0], 'H'), uint64(p.idx), 10)
	tr.set(1, w.tmp)
	tr.set(2, w.lbl)
	tr.setStr(3, p.hn)
	tr.set(4, p.hnGroup)
	w.tmp = w.appendTrueName(w.tmp[:0], p)
	tr.set(5, w.tmp)
	w.tmp = appendISODate(w.tmp[:0], p.c.y, int(p.c.m), int(p.c.d))
	tr.set(6, w.tmp)
	if p.c.female {
		tr.setStr(7, "Nữ")
	} else {
		tr.setStr(7, "Nam")
	}
	if p.c.cmndOnly {
		tr.set(8, p.cmnd[:])
	} else {
		tr.set(8, p.cccd[:])
	}
	if p.nPhones > 0 {
		tr.set(9, p.phones[sel][:])
	} else {
		tr.set(9, nil)
	}
	tr.setStr(10, t.wards[permWard].w.Code)
	tr.setStr(11, t.wardsNew[permNew].Code)
	tr.setStr(12, t.wardsNew[permNew].ProvinceCode)
	tr.setStr(13, t.wards[curWard].w.Code)
	tr.setStr(14, t.wardsNew[curNew].Code)
	tr.setStr(15, t.wardsNew[curNew].ProvinceCode)
	tr.setStr(16, encName[enc])
	tr.endRow()
}

const (
	encNone = iota
	encTCVN3
	encVNI
	encNFD
	encASCII
)

var encName = [...]string{"", "tcvn3", "vni", "", ""}

func (w *worker) appendTrueName(dst []byte, p *person) []byte {
	if p.commonName >= 0 {
		if p.c.female {
			return append(dst, commonFemale[p.commonName]...)
		}
		return append(dst, commonMale[p.commonName]...)
	}
	dst = append(dst, p.sur...)
	if p.mid != "" {
		dst = append(dst, ' ')
		dst = append(dst, p.mid...)
	}
	dst = append(dst, ' ')
	return append(dst, p.given...)
}

// splitName fills w.toks with the true name's words: surname, middle (may
// be empty), given.
func (w *worker) splitName(p *person) (sur, mid, given string) {
	if p.commonName >= 0 {
		s := commonMale[p.commonName]
		if p.c.female {
			s = commonFemale[p.commonName]
		}
		a := indexByte(s, ' ')
		b := a + 1 + indexByte(s[a+1:], ' ')
		return s[:a], s[a+1 : b], s[b+1:]
	}
	return p.sur, p.mid, p.given
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return len(s)
}

// renderName returns the name as typed, and the encoding the record's
// text is in.
func (w *worker) renderName(p *person) ([]byte, int) {
	r := w.r
	sur, mid, given := w.splitName(p)
	if w.chance(RateRegionalVariant) {
		done := false
		for _, tok := range []*string{&sur, &mid, &given} {
			if v := w.t.variants[*tok]; len(v) > 0 && !done {
				*tok = v[r.IntN(len(v))]
				done = true
			}
		}
		if done {
			w.label(RateRegionalVariant)
		}
	}
	abbrevMid := false
	if mid != "" {
		if w.chance(RateMiddleDropped) {
			mid = ""
			w.label(RateMiddleDropped)
		} else if w.chance(RateMiddleAbbrev) {
			abbrevMid = true
			w.label(RateMiddleAbbrev)
		}
	}
	n := w.name[:0]
	appendMid := func(n []byte) []byte {
		if mid == "" {
			return n
		}
		if abbrevMid {
			rr, _ := utf8.DecodeRuneInString(mid)
			n = utf8.AppendRune(n, rr)
			return append(n, '.', ' ')
		}
		n = append(n, mid...)
		return append(n, ' ')
	}
	if w.chance(RateReorder) {
		w.label(RateReorder)
		n = append(n, given...)
		n = append(n, ' ')
		n = append(n, sur...)
		if mid != "" {
			n = append(n, ' ')
			n = appendMid(n)
			n = n[:len(n)-1]
		}
	} else {
		n = append(n, sur...)
		n = append(n, ' ')
		n = appendMid(n)
		n = append(n, given...)
	}
	w.name = n
	if w.chance(RateOldTone) {
		var ch bool
		w.tmp, ch = appendOldTone(w.tmp[:0], w.name)
		if ch {
			w.name, w.tmp = w.tmp, w.name
			w.label(RateOldTone)
		}
	}
	if w.chance(RateTelex) {
		// the last word (the given name, usually) typed in Telex
		s := w.name
		i := len(s) - 1
		for i >= 0 && s[i] != ' ' {
			i--
		}
		w.tmp = appendTelex(append(w.tmp[:0], s[:i+1]...), s[i+1:])
		w.name, w.tmp = w.tmp, w.name
		w.label(RateTelex)
	}
	if w.chance(RateTypo) {
		w.tmp = appendTypo(w.tmp[:0], w.name, r)
		w.name, w.tmp = w.tmp, w.name
		w.label(RateTypo)
	}
	if w.chance(RateUpper) {
		w.tmp = appendUpper(w.tmp[:0], w.name)
		w.name, w.tmp = w.tmp, w.name
		w.label(RateUpper)
	}
	enc := encNone
	u := r.Float64()
	pr := w.p
	switch {
	case u < pr.Rate(RateNoDiacritics):
		enc = encASCII
		w.label(RateNoDiacritics)
	case u < pr.Rate(RateNoDiacritics)+pr.Rate(RateNFD):
		enc = encNFD
		w.label(RateNFD)
	case u < pr.Rate(RateNoDiacritics)+pr.Rate(RateNFD)+pr.Rate(RateTCVN3):
		enc = encTCVN3
		w.label(RateTCVN3)
	case u < pr.Rate(RateNoDiacritics)+pr.Rate(RateNFD)+pr.Rate(RateTCVN3)+pr.Rate(RateVNI):
		enc = encVNI
		w.label(RateVNI)
	}
	if enc != encNone {
		w.tmp = w.encode(w.tmp[:0], w.name, enc)
		w.name, w.tmp = w.tmp, w.name
	}
	if enc == encASCII {
		enc = encNone // addresses keep their diacritics
	}
	return w.name, enc
}

func (w *worker) encode(dst, s []byte, enc int) []byte {
	switch enc {
	case encTCVN3:
		return appendLegacy(dst, s, text.tcvn3)
	case encVNI:
		return appendLegacy(dst, s, text.vni)
	case encNFD:
		return appendNFD(dst, s)
	case encASCII:
		return appendASCII(dst, s)
	}
	return append(dst, s...)
}

func appendISODate(dst []byte, y int16, m, d int) []byte {
	dst = appendPad(dst, uint64(y), 4)
	dst = append(dst, '-')
	dst = appendDate2(dst, m)
	dst = append(dst, '-')
	return appendDate2(dst, d)
}

// renderDOB writes the date as a clerk typed it; corrupt=false writes the
// plain dd/mm/yyyy form (subscriber lists).
func (w *worker) renderDOB(dst []byte, y int16, m, d int, corrupt bool) []byte {
	r := w.r
	if !corrupt {
		dst = appendDate2(dst, d)
		dst = append(dst, '/')
		dst = appendDate2(dst, m)
		dst = append(dst, '/')
		return appendPad(dst, uint64(y), 4)
	}
	if w.chance(RateDOBYearOnly) {
		w.label(RateDOBYearOnly)
		return appendPad(dst, uint64(y), 4)
	}
	if d <= 12 && d != m && w.chance(RateDOBSwap) {
		d, m = m, d
		w.label(RateDOBSwap)
	}
	start := len(dst)
	format := 0
	if w.chance(RateDOBFormat) {
		format = 1 + r.IntN(6)
		w.label(RateDOBFormat)
	}
	switch format {
	case 0: // dd/mm/yyyy
		dst = appendDate2(dst, d)
		dst = append(dst, '/')
		dst = appendDate2(dst, m)
		dst = append(dst, '/')
		dst = appendPad(dst, uint64(y), 4)
	case 1: // yyyy-mm-dd
		dst = appendISODate(dst, y, m, d)
	case 2: // d-m-yy
		dst = strconv.AppendInt(dst, int64(d), 10)
		dst = append(dst, '-')
		dst = strconv.AppendInt(dst, int64(m), 10)
		dst = append(dst, '-')
		dst = appendDate2(dst, int(y%100))
	case 3: // dd.mm.yyyy
		dst = appendDate2(dst, d)
		dst = append(dst, '.')
		dst = appendDate2(dst, m)
		dst = append(dst, '.')
		dst = appendPad(dst, uint64(y), 4)
	case 4: // d/m/yyyy
		dst = strconv.AppendInt(dst, int64(d), 10)
		dst = append(dst, '/')
		dst = strconv.AppendInt(dst, int64(m), 10)
		dst = append(dst, '/')
		dst = appendPad(dst, uint64(y), 4)
	case 5: // dd-mm-yyyy
		dst = appendDate2(dst, d)
		dst = append(dst, '-')
		dst = appendDate2(dst, m)
		dst = append(dst, '-')
		dst = appendPad(dst, uint64(y), 4)
	case 6: // yyyymmdd
		dst = appendPad(dst, uint64(y), 4)
		dst = appendDate2(dst, m)
		dst = appendDate2(dst, d)
	}
	if w.chance(RateDOBDigit) {
		changeDigit(dst[start:], r)
		w.label(RateDOBDigit)
	}
	return dst
}

// changeDigit replaces one digit of s by another digit.
func changeDigit(s []byte, r *rand.Rand) {
	var pos [16]int
	n := 0
	for i, c := range s {
		if c >= '0' && c <= '9' && n < len(pos) {
			pos[n] = i
			n++
		}
	}
	if n == 0 {
		return
	}
	i := pos[r.IntN(n)]
	s[i] = byte('0' + (int(s[i]-'0')+1+r.IntN(9))%10)
}

// Gender as clerks write it, all readable as Nam or Nữ. Numeric codes
// (1/0, 1/2) are left out: registers disagree on what they mean, so the
// normalizer rightly flags them gender_invalid, and a record carrying one
// is not a recoverable "gender_format" corruption. (tables holds the
// forms in use, so that a test can turn back the generator's old ones.)
var (
	maleForms   = []string{"nam", "NAM", "M", "Nam giới", "nam giới"}
	femaleForms = []string{"nữ", "NỮ", "F", "Nu", "nu", "Nữ giới"}
)

func (w *worker) renderGender(female bool) string {
	if w.chance(RateGenderFormat) {
		w.label(RateGenderFormat)
		if female {
			return w.t.femaleForms[w.r.IntN(len(w.t.femaleForms))]
		}
		return w.t.maleForms[w.r.IntN(len(w.t.maleForms))]
	}
	if female {
		return "Nữ"
	}
	return "Nam"
}

func (w *worker) renderID(dst []byte, p *person) []byte {
	if w.chance(RateIDMissing) {
		w.label(RateIDMissing)
		return dst
	}
	start := len(dst)
	if p.c.cmndOnly {
		dst = append(dst, p.cmnd[:]...)
	} else if p.c.y < 1990 && w.chance(RateIDCMND) {
		w.label(RateIDCMND)
		dst = append(dst, p.cmnd[:]...)
	} else {
		dst = append(dst, p.cccd[:]...)
	}
	if w.chance(RateIDDigit) {
		// not the province prefix: a slip in the serial part
		changeDigit(dst[start+3:], w.r)
		w.label(RateIDDigit)
	}
	return dst
}

func (w *worker) renderPhone(dst []byte, p *person, sel int) []byte {
	if p.nPhones == 0 {
		return dst
	}
	if w.chance(RatePhoneMissing) {
		w.label(RatePhoneMissing)
		return dst
	}
	num := p.phones[sel][:]
	var digits [11]byte
	d := append(digits[:0], num...)
	if old := w.t.prefixes[p.phonePref[sel]].old; old != "" && w.chance(RatePhoneOldPrefix) {
		d = append(append(digits[:0:0], old...), num[3:]...)
		w.label(RatePhoneOldPrefix)
	}
	if !w.chance(RatePhoneFormat) {
		return append(dst, d...)
	}
	w.label(RatePhoneFormat)
	r := w.r
	sep := " .-"[r.IntN(3)]
	intl := r.IntN(3)
	switch intl {
	case 1:
		dst = append(dst, "+84"...)
		d = d[1:]
	case 2:
		dst = append(dst, "84"...)
		d = d[1:]
	}
	if intl != 0 && r.IntN(3) == 0 {
		return append(dst, d...) // only the country code
	}
	if intl != 0 && sep == ' ' {
		dst = append(dst, ' ')
	}
	// groups of 3-3-rest, or 4-3-rest for a leading 0
	g := 3
	if d[0] == '0' {
		g = 4
	}
	dst = append(dst, d[:g]...)
	dst = append(dst, sep)
	dst = append(dst, d[g:g+3]...)
	dst = append(dst, sep)
	return append(dst, d[g+3:]...)
}
