package gen

import (
	"fmt"
	"slices"
	"strings"
)

// Sector tables (gen --sectors): the databases of other ministries that
// are cleaned against the register, each with its own columns, in
// Vietnamese, and its own conventions and errors. A covered person gets
// rows drawn from a random stream of its own (sectorSeed), so the register
// and subscriber files are the same bytes with or without sectors.

// Sector names, in the order they are written.
const (
	SectorBHXH      = "bhxh"      // social insurance
	SectorVehicles  = "vehicles"  // vehicle registrations
	SectorPassports = "passports" // passports
)

// SectorTruthColumns are the columns of truth/sectors/<name>: record_id is
// the sector row's own id (ma_so_bhxh, bien_so, so_ho_chieu), person_id
// the generator's person ("" for a person not on the register),
// corruptions what was done to the row.
var SectorTruthColumns = []string{"record_id", "person_id", "corruptions"}

// sectorSpec is one sector table: its columns and rates.
type sectorSpec struct {
	name    string
	columns []string
	// coverage is the share of persons aged minAge or more with a row; it
	// is scaled so that the share of all persons is about target.
	target   float64
	minAge   int
	maxAge   int
	extra    float64 // a covered person's chance of a second row (a second vehicle)
	notOnReg float64 // chance, per covered person, of one more row of someone not on the register
	// Name conventions: shares of rows written in capitals without
	// diacritics, in capitals with diacritics; the rest as written.
	upperASCII, upper float64
	nameTypo          float64
	dobMissing        float64
	dobYearOnly       float64
	dobDigit          float64
	idMissing         float64
	idCMND            float64 // persons born before 1990: the old CMND
	idDigit           float64
	addrAbbrev        float64
	addr2025          float64
	addrMissing       float64
	// chunkBits bounds the rows of one chunk to 2^chunkBits: a row's id
	// is drawn from chunk<<chunkBits | k by a bijection, so ids never
	// collide; rows beyond it are not written. Social insurance has
	// about 2,300 rows a chunk, the others about 150.
	chunkBits int
	idSpace   uint64 // the number of distinct ids (per province where the id has one)
}

// sectorSpecs are the three sector tables. Coverage follows the first
// syncs' figures relative to the population: social insurance 27%,
// vehicles 1.7%, passports 1.5%.
var sectorSpecs = []sectorSpec{
	{name: SectorBHXH, columns: []string{"ma_so_bhxh", "ho_ten", "ngay_sinh", "gioi_tinh", "so_cccd", "dia_chi"},
		target: 0.27, minAge: 15, chunkBits: 12, idSpace: 100_000_000, maxAge: 70, notOnReg: 0.02,
		upperASCII: 0.6, upper: 0.15, nameTypo: 0.015,
		dobYearOnly: 0.01, dobDigit: 0.01,
		idMissing: 0.08, idCMND: 0.25, idDigit: 0.01,
		addrAbbrev: 0.4, addr2025: 0.3, addrMissing: 0.05},
	{name: SectorVehicles, columns: []string{"bien_so", "chu_xe", "ngay_sinh", "so_cccd", "dia_chi_dang_ky"},
		target: 0.017, minAge: 18, chunkBits: 9, idSpace: 26 * 11 * 100_000, extra: 0.08, notOnReg: 0.04,
		upper: 0.2, nameTypo: 0.02,
		dobMissing: 0.7, dobDigit: 0.01,
		idMissing: 0.05, idCMND: 0.35, idDigit: 0.015,
		addrAbbrev: 0.3, addr2025: 0.1, addrMissing: 0.05},
	{name: SectorPassports, columns: []string{"so_ho_chieu", "ho_ten", "ngay_sinh", "gioi_tinh", "noi_sinh", "so_cccd"},
		target: 0.015, chunkBits: 9, idSpace: 100_000_000, notOnReg: 0.01,
		upperASCII: 1, nameTypo: 0.003,
		dobDigit:  0.002,
		idMissing: 0.03, idDigit: 0.003},
}

// SectorNames lists the sector tables gen --sectors knows.
func SectorNames() []string {
	out := make([]string, len(sectorSpecs))
	for i, s := range sectorSpecs {
		out[i] = s.name
	}
	return out
}

// SectorColumns is the column list of a sector table (nil if unknown).
func SectorColumns(name string) []string {
	for _, s := range sectorSpecs {
		if s.name == name {
			return slices.Clone(s.columns)
		}
	}
	return nil
}

// ParseSectors reads a --sectors list ("bhxh,vehicles"; "all" is every
// sector) into the sector names in their written order.
func ParseSectors(list string) ([]string, error) {
	var out []string
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
			continue
		case n == "all":
			return SectorNames(), nil
		case SectorColumns(n) == nil:
			return nil, fmt.Errorf("unknown sector %q (want %s or all)", n, strings.Join(SectorNames(), ", "))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return sectorIndex(a) - sectorIndex(b) })
	return out, nil
}

func sectorIndex(name string) int {
	return slices.IndexFunc(sectorSpecs, func(s sectorSpec) bool { return s.name == name })
}

// ageShare is the share of the population aged in [lo, hi] (hi 0: no
// upper bound), from the age pyramid.
func ageShare(lo, hi int) float64 {
	if hi == 0 {
		hi = 200
	}
	in, all := 0.0, 0.0
	for band, wgt := range ageWeights {
		for a := band * 5; a < band*5+5; a++ {
			all += wgt
			if a >= lo && a <= hi {
				in += wgt
			}
		}
	}
	return in / all
}

// sectorWork is a gen worker's sector state: the tables chosen, their
// coverage within the age range, and scratch.
type sectorWork struct {
	specs []*sectorSpec
	p     []float64 // per spec: chance of a row for a person in its age range
	keys  []uint64  // per spec: id permutation key
	k     []uint64  // per spec: rows of the current chunk
	out   []*batch  // per spec: rows of the current chunk
	truth []*batch
	lbl   []byte
	buf   [6][]byte
	pid   []byte
	fake  person
}

func newSectorWork(names []string, seed uint64) *sectorWork {
	s := &sectorWork{}
	for _, n := range names {
		sp := &sectorSpecs[sectorIndex(n)]
		s.specs = append(s.specs, sp)
		s.p = append(s.p, min(1, sp.target/ageShare(sp.minAge, sp.maxAge)))
		s.keys = append(s.keys, splitmix(seed^0x736563746f72^uint64(sectorIndex(n)+1)*0x9e3779b97f4a7c15))
	}
	s.k = make([]uint64, len(s.specs))
	return s
}

// startChunk gives the sector tables fresh batches for a chunk (new
// slices too: the previous chunk's are still being written).
func (s *sectorWork) startChunk() {
	s.out = make([]*batch, len(s.specs))
	s.truth = make([]*batch, len(s.specs))
	for i, sp := range s.specs {
		s.k[i] = 0
		s.out[i] = newBatch(len(sp.columns))
		s.truth[i] = newBatch(len(SectorTruthColumns))
	}
}

// seedSector seeds the worker's stream for person idx's rows of sector
// table k (its index in sectorSpecs): a stream no other part of the
// generator, and no other sector, draws from, so a table is the same
// whichever others are written.
func (w *worker) seedSector(idx int64, k int) {
	a := splitmix(w.seed ^ 0x5345435452 ^ uint64(k)*0x9e3779b97f4a7c15 ^ splitmix(uint64(idx)^0xa0761d6478bd642f))
	w.pcg.Seed(a, splitmix(a^0x632be59bd9b4e019))
}

// emitSectors writes person p's sector rows, and the rows of people not on
// the register that come with them.
func (w *worker) emitSectors(p *person) {
	s, r := w.sec, w.r
	age := ReferenceDate.Year() - int(p.c.y)
	s.pid = appendPad(append(s.pid[:0], 'H'), uint64(p.idx), 10)
	for i, sp := range s.specs {
		w.seedSector(p.idx, sectorIndex(sp.name))
		in := age >= sp.minAge && (sp.maxAge == 0 || age <= sp.maxAge)
		if !in || r.Float64() >= s.p[i] {
			continue
		}
		w.sectorRow(i, p, s.pid)
		if sp.extra > 0 && r.Float64() < sp.extra {
			w.sectorRow(i, p, s.pid)
		}
		if r.Float64() < sp.notOnReg {
			w.fakePerson(&s.fake, sp)
			w.sectorRow(i, &s.fake, nil)
		}
	}
}

// fakePerson makes up someone who is not on the register: drawn name,
// date and address, and a CCCD number above every real serial.
func (w *worker) fakePerson(f *person, sp *sectorSpec) {
	r, t := w.r, w.t
	*f = person{idx: -1, commonName: -1}
	f.c.female = r.IntN(2) == 1
	prov := t.provPick.pick(r)
	f.c.birthProv = int16(prov)
	lo, hi := max(sp.minAge, 18), sp.maxAge
	if hi == 0 {
		hi = 75
	}
	f.c.y, f.c.m, f.c.d = drawDOB(r, lo, hi)
	f.sur, f.mid, f.given = w.drawName(f.c.female, f.c.y, t.provs[prov].region)
	f.resProv = prov
	f.permWard = w.pickWard(prov)
	f.curWard = f.permWard
	f.house, f.street = 1+r.IntN(250), r.IntN(len(streets))
	f.curHouse, f.curStreet = f.house, f.street
	f.permNew = w.newWardOf(f.permWard)
	f.curNew = f.permNew
	cell := int32(prov)*cellsPerProv + int32(cgDigit(f.c.y, f.c.female))*100 + int32(f.c.y%100)
	w.makeCCCD(&f.cccd, prov, f.c.y, f.c.female, cell, maxRank+uint32(r.IntN(1000000-maxRank)))
}

func (s *sectorWork) label(l string) {
	if len(s.lbl) > 0 {
		s.lbl = append(s.lbl, ';')
	}
	s.lbl = append(s.lbl, l...)
}

// sectorRow writes one row of sector table i for p and its truth row;
// pid is p's person id, nil for someone not on the register.
func (w *worker) sectorRow(i int, p *person, pid []byte) {
	s, t := w.sec, w.t
	sp := s.specs[i]
	if s.k[i] >= 1<<sp.chunkBits {
		return
	}
	x := uint64(w.chunk)<<sp.chunkBits | s.k[i]
	if x >= sp.idSpace {
		return // the id space is spent (vehicles: past 400M persons)
	}
	s.k[i]++
	s.lbl = s.lbl[:0]
	if pid == nil {
		s.label("not_on_register")
	}
	b := s.out[i]
	// The row's own id.
	id := s.buf[0][:0]
	prov := p.resProv
	switch sp.name {
	case SectorBHXH:
		// 10 digits: the 2-digit province of issue, then 8.
		id = append(id, t.provs[prov].p.CCCDPrefix[1:]...)
		id = appendPad(id, permN(s.keys[i]^uint64(prov), x, sp.idSpace), 8)
	case SectorVehicles:
		id = w.plate(id, prov, permN(s.keys[i]^uint64(prov), x, sp.idSpace))
	case SectorPassports:
		id = append(id, 'C')
		id = appendPad(id, permN(s.keys[i], x, sp.idSpace), 8)
	}
	s.buf[0] = id
	b.set(0, id)
	name := w.sectorName(p, sp)
	dob := w.sectorDOB(p, sp)
	ident := w.sectorID(p, sp)
	switch sp.name {
	case SectorBHXH:
		b.set(1, name)
		b.set(2, dob)
		b.setStr(3, map[bool]string{false: "Nam", true: "Nữ"}[p.c.female])
		b.set(4, ident)
		b.set(5, w.sectorAddress(p, sp, true))
	case SectorVehicles:
		b.set(1, name)
		b.set(2, dob)
		b.set(3, ident)
		b.set(4, w.sectorAddress(p, sp, false))
	case SectorPassports:
		b.set(1, name)
		b.set(2, dob)
		b.setStr(3, map[bool]string{false: "M", true: "F"}[p.c.female])
		b.setStr(4, t.provs[p.c.birthProv].p.Name)
		b.set(5, ident)
	}
	b.endRow()
	tr := s.truth[i]
	tr.set(0, id)
	tr.set(1, pid)
	tr.set(2, s.lbl)
	tr.endRow()
}

// plate writes a registration plate from v < 26*11*10^5: a motorbike's
// "29-B1 123.45" for v below 26*10*10^5, else a car's "30A-123.45", so
// that no two values give the same plate.
func (w *worker) plate(dst []byte, prov int, v uint64) []byte {
	pre := w.t.provs[prov].cmnd
	if pre == "" {
		pre = w.t.provs[prov].p.CCCDPrefix[1:]
	}
	dst = append(dst, pre...)
	const bikes = 26 * 10 * 100_000
	car := v >= bikes
	if car {
		v -= bikes
	}
	num, v := v%100_000, v/100_000
	letter, v := byte('A'+v%26), v/26
	if car {
		dst = append(dst, letter, '-')
	} else {
		dst = append(dst, '-', letter, byte('0'+v), ' ')
	}
	dst = appendPad(dst, num/100, 3)
	dst = append(dst, '.')
	return appendPad(dst, num%100, 2)
}

// sectorName writes p's name as the sector keeps it.
func (w *worker) sectorName(p *person, sp *sectorSpec) []byte {
	s, r := w.sec, w.r
	n := w.appendTrueName(s.buf[1][:0], p)
	if r.Float64() < sp.nameTypo {
		w.tmp = appendTypo(w.tmp[:0], n, r)
		n, w.tmp = w.tmp, n
		s.label("name_typo")
	}
	switch u := r.Float64(); {
	case u < sp.upperASCII:
		s.buf[5] = appendASCII(s.buf[5][:0], n)
		w.tmp = appendUpper(w.tmp[:0], s.buf[5])
		n, w.tmp = w.tmp, n
	case u < sp.upperASCII+sp.upper:
		w.tmp = appendUpper(w.tmp[:0], n)
		n, w.tmp = w.tmp, n
	}
	s.buf[1] = n
	return n
}

// sectorDOB writes p's date of birth as the sector keeps it: yyyymmdd in
// social insurance, dd/mm/yyyy elsewhere.
func (w *worker) sectorDOB(p *person, sp *sectorSpec) []byte {
	s, r := w.sec, w.r
	d := s.buf[2][:0]
	switch {
	case r.Float64() < sp.dobMissing:
		s.label("dob_missing")
	case r.Float64() < sp.dobYearOnly:
		d = appendPad(d, uint64(p.c.y), 4)
		s.label("dob_year_only")
	case sp.name == SectorBHXH:
		d = appendPad(d, uint64(p.c.y), 4)
		d = appendDate2(d, int(p.c.m))
		d = appendDate2(d, int(p.c.d))
	default:
		d = appendDate2(d, int(p.c.d))
		d = append(d, '/')
		d = appendDate2(d, int(p.c.m))
		d = append(d, '/')
		d = appendPad(d, uint64(p.c.y), 4)
	}
	if len(d) == 8 || len(d) == 10 {
		if r.Float64() < sp.dobDigit {
			changeDigit(d, r)
			s.label("dob_digit")
		}
	}
	s.buf[2] = d
	return d
}

// sectorID writes the ID number the sector holds: the CCCD, the old CMND,
// or nothing.
func (w *worker) sectorID(p *person, sp *sectorSpec) []byte {
	s, r := w.sec, w.r
	d := s.buf[3][:0]
	if r.Float64() < sp.idMissing {
		s.label("id_missing")
		s.buf[3] = d
		return d
	}
	switch {
	case p.c.cmndOnly:
		d = append(d, p.cmnd[:]...)
	case p.idx >= 0 && p.c.y < 1990 && r.Float64() < sp.idCMND: // a made-up person has no CMND
		d = append(d, p.cmnd[:]...)
		s.label("id_cmnd")
	default:
		d = append(d, p.cccd[:]...)
	}
	if r.Float64() < sp.idDigit {
		changeDigit(d[3:], r)
		s.label("id_digit")
	}
	s.buf[3] = d
	return d
}

// sectorAddress writes p's current (social insurance) or permanent
// address (vehicle registration) as the sector keeps it.
func (w *worker) sectorAddress(p *person, sp *sectorSpec, current bool) []byte {
	s, r := w.sec, w.r
	ward, newWard, house, street := p.permWard, p.permNew, p.house, p.street
	if current {
		ward, newWard, house, street = p.curWard, p.curNew, p.curHouse, p.curStreet
	}
	use2025 := r.Float64() < sp.addr2025
	abbrev := r.Float64() < sp.addrAbbrev
	drop := r.Float64() < sp.addrMissing
	if drop {
		s.label("addr_missing_part")
	}
	a := w.renderAddress(s.buf[4][:0], ward, newWard, house, street, use2025, abbrev, drop)
	s.buf[4] = a
	return a
}

// sectorSink paths: the table and its truth, below the output folder.
func sectorPaths(name, ext string) (table, truth string) {
	return "sectors/" + name + ext, "truth/sectors/" + name + ext
}
