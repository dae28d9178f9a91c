package gen

import (
	"math/rand/v2"
	"time"
)

// ChunkSize is the number of persons generated together. It is fixed (not
// derived from the worker count) because duplicates, hard negatives and
// per-chunk draws depend on it.
const ChunkSize = 8192

// ReferenceDate is the "today" of the generated data: ages, birth years
// and timestamps are relative to it, never to the wall clock.
var ReferenceDate = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

// Relations between consecutive persons (hard negatives).
const (
	relNone uint8 = iota
	relSameName
	relTwin
	relFatherSon
)

var relLabel = [...]string{"", "same_name_birthyear_province", "twin", "father_son"}

// ageWeights is Vietnam's age pyramid in 5-year bands (0–4 … 95–99),
// percent of the population, rounded from the 2019 census and later
// estimates; 100-year-olds are folded into the last band.
var ageWeights = []float64{7.6, 8.2, 8.0, 6.9, 6.8, 7.9, 8.2, 7.9, 7.5, 6.8, 6.2, 5.5, 4.6, 3.6, 2.4, 1.5, 1.0, 0.6, 0.25, 0.05}

var agePick = newPicker(ageWeights)

// core is what must be known of a person before the chunk is generated:
// what the CCCD number depends on. The dispatcher computes it in person
// order so that serial numbers can be ranked within their cell.
type core struct {
	female    bool
	rel       uint8 // relation of this person to the previous one
	leader    uint8 // relation this person leads with the next one
	cmndOnly  bool
	birthProv int16
	y         int16
	m, d      int8
	cell      int32
	rank      uint32 // rank of the person in its CCCD cell
	// cmndPre and cmndSer are the ranked CMND prefix (index into
	// tables.cmndPrefixes) and serial; cmndPre -1 for a legacy CMND.
	cmndPre int16
	cmndSer uint32
}

// cells: province × century/gender digit (0–3) × two-digit year.
const cellsPerProv = 400

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// seedPerson seeds pcg with stream k of person idx.
func seedPerson(pcg *rand.PCG, seed uint64, idx int64, k uint64) {
	a := splitmix(seed ^ splitmix(uint64(idx)*4+k))
	pcg.Seed(a, splitmix(a^0x632be59bd9b4e019))
}

func drawDOB(r *rand.Rand, minAge, maxAge int) (y int16, m, d int8) {
	var age int
	if maxAge > 0 {
		age = minAge + r.IntN(maxAge-minAge+1)
	} else {
		age = agePick.pick(r)*5 + r.IntN(5)
	}
	days := int64(float64(age)*365.25) + int64(r.IntN(365))
	t := ReferenceDate.Add(-time.Duration(days) * 24 * time.Hour)
	yy, mm, dd := t.Date()
	return int16(yy), int8(mm), int8(dd)
}

// computeCore draws the core of person idx; prev is the previous person's
// core when it is in the same chunk (nil otherwise), canLead whether the
// next person is in the same chunk.
func computeCore(t *tables, p Profile, seed uint64, idx int64, prev *core, canLead bool, pcg *rand.PCG, r *rand.Rand) core {
	seedPerson(pcg, seed, idx, 0)
	var c core
	c.female = r.IntN(2) == 1
	c.birthProv = int16(t.provPick.pick(r))
	c.y, c.m, c.d = drawDOB(r, 0, 0)
	if prev != nil && prev.leader != relNone {
		c.rel = prev.leader
		switch c.rel {
		case relSameName:
			c.female = prev.female
			c.birthProv = prev.birthProv
			_, c.m, c.d = drawDOB(r, 0, 0)
			c.y = prev.y
			if c.m == 2 && c.d == 29 {
				c.d = 28
			}
		case relTwin:
			c.birthProv = prev.birthProv
			c.y, c.m, c.d = prev.y, prev.m, prev.d
			if p.Rate(rateTwinSameMiddle) > 0 { // no draw: base profiles keep their bytes
				c.female = prev.female
			}
		case relFatherSon:
			c.female = false
			c.birthProv = prev.birthProv
			gap := 22 + r.IntN(14)
			c.y = prev.y + int16(gap)
			_, c.m, c.d = drawDOB(r, 0, 0)
			if c.m == 2 && c.d == 29 {
				c.d = 28
			}
			if int(c.y) > ReferenceDate.Year()-1 {
				c.y = int16(ReferenceDate.Year() - 1)
			}
		}
	} else if canLead {
		u := r.Float64()
		switch {
		case u < p.Rate(RateSameName):
			c.leader = relSameName
		case u < p.Rate(RateSameName)+p.Rate(RateTwin):
			c.leader = relTwin
		case u < p.Rate(RateSameName)+p.Rate(RateTwin)+p.Rate(RateFatherSon):
			c.leader = relFatherSon
			c.female = false
			c.y, c.m, c.d = drawDOB(r, 47, 80)
		}
	}
	if c.y < 1985 && r.Float64() < p.Rate(RateCMNDOnly) {
		c.cmndOnly = true
	}
	c.cell = int32(c.birthProv)*cellsPerProv + int32(cgDigit(c.y, c.female))*100 + int32(c.y%100)
	return c
}

// cgDigit is the CCCD century/gender digit: 0/1 for 1900–1999, 2/3 for
// 2000–2099, even for men (refdata CenturyGender).
func cgDigit(y int16, female bool) int {
	d := (int(y)/100 - 19) * 2
	if female {
		d++
	}
	return d
}

// maxRank bounds the serial ranks given to real persons; ranks above it
// make valid-looking CCCD numbers that nobody has.
const maxRank = 900000

// serial maps a rank within a cell to the 6 digits of a CCCD number: a
// keyed bijection of [0, 10^6), so serials look random but never collide.
func serial(seed uint64, cell int32, rank uint32) uint32 {
	return uint32(permN(seed^uint64(cell)*0x9e3779b1, uint64(rank), 1_000_000))
}

// permN is a keyed bijection of [0, n) for n <= 2^40: a 4-round Feistel
// network on the smallest even number of bits covering n, with cycle
// walking (values >= n are permuted again until they fall below n).
func permN(key, x, n uint64) uint64 {
	bits := uint(2)
	for uint64(1)<<bits < n {
		bits += 2
	}
	half := bits / 2
	mask := uint64(1)<<half - 1
	for {
		l, r := x>>half, x&mask
		for i := uint64(0); i < 4; i++ {
			l, r = r, l^(splitmix(key+i*0x51ed27+r)&mask)
		}
		x = l<<half | r
		if x < n {
			return x
		}
	}
}

// perm40 is a keyed bijection of [0, 10^12): record and subscription
// numbers look random, reveal nothing of the person, and never collide.
func perm40(key, x uint64) uint64 { return permN(key, x, 1_000_000_000_000) }

// appendPad appends v as exactly w decimal digits.
func appendPad(dst []byte, v uint64, w int) []byte {
	var b [20]byte
	for i := w - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return append(dst, b[:w]...)
}

// appendDate2 appends a two-digit number.
func appendDate2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}
