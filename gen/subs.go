package gen

import "time"

// Subscriber cases (truth/subscribers.parquet column "case").
const (
	CaseCorrect       = "correct"
	CaseTypo          = "typo"
	CaseWrongDOB      = "wrong_dob"
	CaseOtherPersonID = "other_person_id"
	CaseNonexistentID = "nonexistent_id"
	CaseSIMFarm       = "sim_farm"
	CasePhoneOther    = "phone_other_name"
)

// maxSubsPerChunk bounds the subscription numbers of one chunk (they are
// chunk<<17 | k); farms that would pass it are skipped.
const maxSubsPerChunk = 1 << 17

// identity is a registered identity: real, or made up for a fake.
type identity struct {
	name    []byte
	y       int16
	m, d    int8
	id      []byte
	address []byte
}

// subscription writes one subscription and its truth row.
func (w *worker) subscription(car int, msisdn []byte, who *identity, personID []byte, cas string) {
	if w.subK >= maxSubsPerChunk {
		return
	}
	r := w.r
	b := w.out.subs[car]
	if b == nil {
		b = newBatch(len(SubscriberColumns))
		w.out.subs[car] = b
	}
	tr := w.out.subTruth
	id := appendPad(append(w.buf[0][:0], 'S'), perm40(w.seed^0x737562, uint64(w.chunk)<<17|w.subK), 12)
	w.subK++
	w.buf[0] = id
	b.set(0, id)
	b.setStr(1, w.t.carriers[car].Name)
	ms := w.buf[1][:0]
	if w.chance(RateSubPlus84) {
		ms = append(append(ms, "+84"...), msisdn[1:]...)
		w.label("msisdn_plus84")
	} else {
		ms = append(ms, msisdn...)
	}
	w.buf[1] = ms
	b.set(2, ms)
	b.set(3, who.name)
	dob := w.renderDOB(w.buf[2][:0], who.y, int(who.m), int(who.d), false)
	w.buf[2] = dob
	b.set(4, dob)
	b.set(5, who.id)
	b.set(6, who.address)
	act := ReferenceDate.Unix() - int64(r.IntN(14*365*86400))
	w.tmp = time.Unix(act, 0).UTC().AppendFormat(w.tmp[:0], time.RFC3339)
	b.set(7, w.tmp)
	b.endRow()
	tr.set(0, id)
	tr.set(1, personID)
	tr.setStr(2, cas)
	tr.set(3, w.lbl)
	tr.endRow()
	w.out.cases[cas]++
}

// fakeIdentity makes up a person nobody is: a drawn name and date, and a
// CCCD number with a serial above every real rank.
func (w *worker) fakeIdentity(dst *identity) {
	r := w.r
	female := r.IntN(2) == 1
	prov := w.t.provPick.pick(r)
	y, m, d := drawDOB(r, 18, 70)
	sur, mid, given := w.drawName(female, y, w.t.provs[prov].region)
	n := append(dst.name[:0], sur...)
	if mid != "" {
		n = append(append(n, ' '), mid...)
	}
	dst.name = append(append(n, ' '), given...)
	dst.y, dst.m, dst.d = y, m, d
	var id [12]byte
	cell := int32(prov)*cellsPerProv + int32(cgDigit(y, female))*100 + int32(y%100)
	w.makeCCCD(&id, prov, y, female, cell, maxRank+uint32(r.IntN(1000000-maxRank)))
	dst.id = append(dst.id[:0], id[:]...)
	ward := w.pickWard(prov)
	dst.address = w.renderAddress(dst.address[:0], ward, w.t.wards[ward].links[0], 1+r.IntN(250), r.IntN(len(streets)), false, false, false)
}

func (w *worker) realIdentity(dst *identity, p *person) {
	dst.name = w.appendTrueName(dst.name[:0], p)
	dst.y, dst.m, dst.d = p.c.y, p.c.m, p.c.d
	if p.c.cmndOnly {
		dst.id = append(dst.id[:0], p.cmnd[:]...)
	} else {
		dst.id = append(dst.id[:0], p.cccd[:]...)
	}
	dst.address = w.renderAddress(dst.address[:0], p.curWard, p.curNew, p.curHouse, p.curStreet, false, false, false)
}

// emitSubs writes the subscriptions of person j: one per phone, with a
// case, plus the person's fake-identity SIM and SIM farm if drawn.
func (w *worker) emitSubs(j int) {
	p := &w.ppl[j]
	r := w.r
	pid := appendPad(append(w.buf[3][:0], 'H'), uint64(p.idx), 10)
	w.buf[3] = pid
	var who identity
	for k := 0; k < p.nPhones; k++ {
		w.lbl = w.lbl[:0]
		w.realIdentity(&who, p)
		cas := CaseCorrect
		pr := w.p
		u := r.Float64()
		switch {
		case u < pr.Rate(RateSubTypo):
			cas = CaseTypo
			if r.IntN(2) == 0 {
				w.tmp = appendTypo(w.tmp[:0], who.name, r)
				w.label(RateTypo)
			} else {
				w.tmp = appendASCII(w.tmp[:0], who.name)
				w.label(RateNoDiacritics)
			}
			who.name, w.tmp = w.tmp, who.name
		case u < pr.Rate(RateSubTypo)+pr.Rate(RateSubWrongDOB):
			cas = CaseWrongDOB
			switch r.IntN(3) {
			case 0:
				who.y += int16(1 + r.IntN(3))
			case 1:
				who.m = int8(1 + (int(who.m)+r.IntN(10))%12)
			default:
				who.d = int8(1 + (int(who.d)+r.IntN(20))%28)
			}
		case u < pr.Rate(RateSubTypo)+pr.Rate(RateSubWrongDOB)+pr.Rate(RateSubOtherID):
			if len(w.ppl) > 1 {
				o := r.IntN(len(w.ppl) - 1)
				if o >= j {
					o++
				}
				op := &w.ppl[o]
				cas = CaseOtherPersonID
				if op.c.cmndOnly {
					who.id = append(who.id[:0], op.cmnd[:]...)
				} else {
					who.id = append(who.id[:0], op.cccd[:]...)
				}
			}
		case u < pr.Rate(RateSubTypo)+pr.Rate(RateSubWrongDOB)+pr.Rate(RateSubOtherID)+pr.Rate(RateSubPhoneOtherName):
			cas = CasePhoneOther
			w.fakeIdentity(&who)
		}
		w.subscription(int(p.phoneCar[k]), p.phones[k][:], &who, pid, cas)
	}
	var num [10]byte
	if w.chance(RateSubNonexistent) {
		w.lbl = w.lbl[:0]
		w.fakeIdentity(&who)
		car := w.t.carrierP.pick(r)
		w.fakeNumber(&num, car)
		w.subscription(car, num[:], &who, nil, CaseNonexistentID)
	}
	if p.c.y <= int16(ReferenceDate.Year()-18) && w.chance(RateSubFarm) {
		n := 10 + r.IntN(91)
		w.realIdentity(&who, p)
		for k := 0; k < n; k++ {
			w.lbl = w.lbl[:0]
			car := w.t.carrierP.pick(r)
			w.fakeNumber(&num, car)
			w.subscription(car, num[:], &who, pid, CaseSIMFarm)
		}
	}
}
