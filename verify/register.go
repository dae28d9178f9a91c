package verify

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/radix"
	"github.com/dedup-vn/dedup/internal/strcol"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/state"
)

// Register kinds.
const (
	RegisterRaw    = "raw"    // dedup gen population extracts: one row per record
	RegisterGolden = "golden" // dedup run golden.parquet: one row per citizen
	RegisterState  = "state"  // a nightly run's state folder: its records and person IDs (stateregister.go)
)

// Register is the in-memory index of a population register: per row the
// record (or golden) id, the normalized name forms, the packed date of
// birth, the ID number packed into a uint64 key and the phone, plus three
// sorted (key, row) indexes: ID, (folded family + given, birth year) and
// phone. It is read-only once built and shared by all workers.
type Register struct {
	Kind string // RegisterRaw or RegisterGolden

	ids, canon, folded, variant strcol.Column
	family, given               []uint8 // lengths of the folded family and given names inside folded
	dob                         []int32 // packed yyyymmdd, 0 = missing
	dobFixed                    []bool  // the year was mended (fixYear)
	idKey                       []uint64
	idYear                      []int16 // birth year encoded in a CCCD, 0 otherwise
	phone                       []uint64
	gender                      []normalize.Gender
	prov                        []uint8 // province code of the record (GSO number), 0 = none
	// prov25 is the 2025 province of the record's address, where the
	// register has it instead of prov (a golden register): 0 = none
	prov25 []uint8
	// person is the row's person (the number of its person ID,
	// state.FormatPersonID; 0: none): a state's records, a golden
	// register's person_id. A raw extract has none: its person is the
	// record.
	person []uint64

	byID, byNameYear, byPhone []blocking.Entry
	// byGivenDOB is the second candidate search: folded given name and
	// full date of birth, for a citizen whose register record has a slip
	// in the family or middle name (the first key misses it).
	byGivenDOB []blocking.Entry
	// byFamDOB is the third: the folded name without its given name
	// (family and middle) and the full date, for a slip in the given name.
	byFamDOB []blocking.Entry
	// byPerson groups the rows of a person: a subscription whose ID is on
	// one of their records is checked against all of them (personRows).
	byPerson []blocking.Entry
}

// Rows is the number of register rows.
func (r *Register) Rows() int { return len(r.dob) }

// ID returns the record id (raw) or golden cluster id of row i ("" for
// -1: nobody).
func (r *Register) ID(i int32) string {
	if i < 0 {
		return ""
	}
	return string(r.ids.Get(i))
}

// IDKey packs a parsed ID into a uint64: the kind in the top bits and the
// digits below, so that a CMND and a CCCD with the same digits differ and
// there are no hash collisions. 0 means no valid ID.
func IDKey(id *normalize.ID) uint64 {
	switch id.Kind {
	case normalize.IDCCCD:
		return 1<<60 | id.Uint64()
	case normalize.IDCMND:
		return 2<<60 | id.Uint64()
	}
	return 0
}

// nameYearKey is the blocking key of a name and a birth year: folded family
// and given names (the middle name is the part most often dropped,
// abbreviated or mistyped) and the year. 0 when either is missing.
func nameYearKey(fam, given []byte, year int) uint64 {
	if len(given) == 0 || year <= 0 {
		return 0
	}
	return blocking.NewHasher().Bytes(fam).Bytes(given).Uint64(uint64(year)).Sum()
}

// regRow is one register row as read, before normalization.
type regRow struct {
	id, name, dob, nid, phone []byte
	gender, prov, prov25      []byte
	// person is the row's person ID ("" for none); addr the addresses
	// (one a line) the record's province is read from when it has no
	// province code (a state's records: see stateregister.go).
	person, addr []byte
}

// regChunk is the normalized form of a batch of register rows, merged into
// the Register in batch order.
type regChunk struct {
	ids, canon, folded, variant strcol.Column
	family, given               []uint8
	dob                         []int32
	dobFixed                    []bool
	idKey                       []uint64
	idYear                      []int16
	phone                       []uint64
	gender                      []normalize.Gender
	prov, prov25                []uint8
	person                      []uint64
	nameYear                    []uint64
}

func newRegChunk() *regChunk {
	return &regChunk{ids: strcol.New(0, 0), canon: strcol.New(0, 0), folded: strcol.New(0, 0), variant: strcol.New(0, 0)}
}

// add normalizes one row into the chunk; ap parses row.addr (nil when
// the register has no addresses).
func (c *regChunk) add(n *normalize.Normalizer, ap *normalize.AddressParser, refYear int, row regRow) error {
	person := uint64(0)
	if len(row.person) > 0 {
		p, ok := parsePersonID(row.person)
		if !ok {
			return errors.New("a person_id that is not a person ID")
		}
		person = p
	}
	nm := n.Name(row.name)
	if err := c.ids.Append(row.id); err != nil {
		return err
	}
	if err := c.canon.Append(nm.Canonical); err != nil {
		return err
	}
	if err := c.folded.Append(nm.Folded); err != nil {
		return err
	}
	if err := c.variant.Append(nm.VariantKeyFolded); err != nil {
		return err
	}
	c.family = append(c.family, uint8(min(len(nm.FamilyFolded), 255)))
	c.given = append(c.given, uint8(min(len(nm.GivenFolded), 255)))
	ny := uint64(0)
	d := normalize.ParseDate(row.dob, normalize.DateOptions{RefYear: refYear})
	packed := int32(0)
	fixed := false
	if d.Year > 0 {
		if y, ok := fixYear(d, refYear); ok {
			d.Year, d.Flags, fixed = y, d.Flags&^(normalize.FlagDOBTooOld|normalize.FlagDOBFuture), true
		}
		packed = registerDOB(d)
		ny = nameYearKey(nm.FamilyFolded, nm.GivenFolded, int(d.Year))
	}
	c.dob = append(c.dob, packed)
	c.dobFixed = append(c.dobFixed, fixed)
	c.nameYear = append(c.nameYear, ny)
	id := normalize.ParseID(row.nid)
	c.idKey = append(c.idKey, IDKey(&id))
	y := int16(0)
	if id.Kind == normalize.IDCCCD {
		y = id.BirthYear
	}
	c.idYear = append(c.idYear, y)
	ph := normalize.ParsePhone(row.phone)
	pk := uint64(0)
	if ph.Valid() {
		pk = ph.Uint64()
	}
	c.phone = append(c.phone, pk)
	g := normalize.ParseGender(row.gender)
	if g == normalize.GenderInvalid {
		g = normalize.GenderUnknown
	}
	c.gender = append(c.gender, g)
	prov := provinceNumber(row.prov)
	prov25 := provinceNumber(row.prov25)
	// Addresses are tried in turn (newline-separated): the first that
	// names an old province gives it; else the first naming a 2025
	// province (an address written in the 2025 units, where the old
	// province is ambiguous) gives that, compared at its grain as a
	// golden register's.
	newProv := uint8(0)
	for rest := row.addr; prov == 0 && len(rest) > 0 && ap != nil; {
		var one []byte
		one, rest, _ = bytes.Cut(rest, []byte{'\n'})
		a := ap.ParseText(n.Text(one))
		// An address without an old ward in a province whose name is
		// both an old and a 2025 province's (Phú Thọ, which Hòa Bình
		// merged into; "Thôn 1, Phú Thọ" also reads as the old town of
		// Phú Thọ) says only the 2025 one.
		alone := a.OldProvince == a.NewProvince && a.OldWardConf < normalize.Low
		if a.OldProvinceConf >= normalize.Low && a.OldProvince > 0 && a.OldProvince < 256 && !alone {
			prov = uint8(a.OldProvince)
		} else if a.NewProvinceConf >= normalize.Low && a.NewProvince > 0 && a.NewProvince < 256 && newProv == 0 {
			newProv = uint8(a.NewProvince)
		}
	}
	if prov == 0 && prov25 == 0 {
		prov25 = newProv
	}
	c.prov = append(c.prov, prov)
	c.prov25 = append(c.prov25, prov25)
	c.person = append(c.person, person)
	return nil
}

// parsePersonID reads a person ID (state.FormatPersonID: "P" and 12
// digits) as its number.
func parsePersonID(b []byte) (uint64, bool) {
	if len(b) != state.PersonIDLen || b[0] != 'P' {
		return 0, false
	}
	v := uint64(0)
	for _, ch := range b[1:] {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	return v, v > 0
}

// PersonID returns the person ID of row i ("" for none).
func (r *Register) PersonID(i int32) string {
	if i < 0 || r.person[i] == 0 {
		return ""
	}
	return state.FormatPersonID(r.person[i])
}

// provinceNumber reads a province code as written ("01", "79", " 8 "):
// one to three digits, 1 to 255; 0 when absent or anything else.
func provinceNumber(b []byte) uint8 {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || len(b) > 3 {
		return 0
	}
	v := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0
		}
		v = v*10 + int(ch-'0')
	}
	if v > 255 {
		return 0
	}
	return uint8(v)
}

// fixYear mends a register year of birth that cannot be (before 1900 or
// after the reference year: 5969, 2702, 1178) when exactly one digit
// changed gives a possible one: a clerk's slip of one key, as the
// register's other slips. The row keeps a mark (dobFixed), and a date
// agreeing only through the mended year says so (dob:register_typo).
func fixYear(d normalize.Date, refYear int) (int16, bool) {
	y := int(d.Year)
	if d.Flags&(normalize.FlagDOBTooOld|normalize.FlagDOBFuture) == 0 || y < 1000 || y > 9999 || refYear < 1900 {
		return 0, false
	}
	found := 0
	for pos := 1; pos <= 1000; pos *= 10 {
		digit := y / pos % 10
		for v := 0; v <= 9; v++ {
			if v == digit {
				continue
			}
			if c := y + (v-digit)*pos; c >= 1900 && c <= refYear {
				if found != 0 {
					return 0, false
				}
				found = c
			}
		}
	}
	return int16(found), found != 0
}

// registerDOB packs a register date of birth. An impossible date (month
// 78, 31 February) is a known slip of the register: only its possible
// parts are kept (the year, or the year and month), so that it is compared
// as a partial date rather than held against the subscription.
func registerDOB(d normalize.Date) int32 {
	if d.Flags&normalize.FlagDOBMonthFirst != 0 && d.Flags&normalize.FlagDOBImpossible == 0 {
		// 05/20/1950 read as 20 May only because 20 cannot be a month:
		// a register writes the day first, so this is as likely 5 of a
		// month with a slip (05/10/1950). The year alone is sure.
		return int32(d.Year) * 10000
	}
	if d.Flags&normalize.FlagDOBImpossible == 0 {
		return d.Packed()
	}
	// A month read first only because the other part cannot be a month
	// (08/82/2010) may well be the day: keep the year alone then.
	if d.Month >= 1 && d.Month <= 12 && d.Flags&normalize.FlagDOBMonthFirst == 0 {
		return int32(d.Year)*10000 + int32(d.Month)*100
	}
	return int32(d.Year) * 10000
}

// merge appends a chunk to the register.
func (r *Register) merge(c *regChunk, nameYear *[]uint64) error {
	for _, p := range []struct{ dst, src *strcol.Column }{{&r.ids, &c.ids}, {&r.canon, &c.canon}, {&r.folded, &c.folded}, {&r.variant, &c.variant}} {
		if err := p.dst.AppendColumn(p.src); err != nil {
			return fmt.Errorf("register too large for one string arena: %w", err)
		}
	}
	if len(r.dob)+len(c.dob) > 1<<31-1 {
		return errors.New("register has more than 2^31 rows")
	}
	r.family = append(r.family, c.family...)
	r.given = append(r.given, c.given...)
	r.dob = append(r.dob, c.dob...)
	r.dobFixed = append(r.dobFixed, c.dobFixed...)
	r.idKey = append(r.idKey, c.idKey...)
	r.idYear = append(r.idYear, c.idYear...)
	r.phone = append(r.phone, c.phone...)
	r.gender = append(r.gender, c.gender...)
	r.prov = append(r.prov, c.prov...)
	r.prov25 = append(r.prov25, c.prov25...)
	r.person = append(r.person, c.person...)
	*nameYear = append(*nameYear, c.nameYear...)
	return nil
}

func newRegister(kind string) *Register {
	return &Register{Kind: kind, ids: strcol.New(0, 0), canon: strcol.New(0, 0), folded: strcol.New(0, 0), variant: strcol.New(0, 0)}
}

// givenDOBKey is the key of the second candidate search: the folded given
// name and the full packed date of birth. 0 when either is missing or the
// date is partial (a year-only record has too many namesakes to block on).
func givenDOBKey(given []byte, dob int32) uint64 {
	if len(given) == 0 || dob%100 == 0 {
		return 0
	}
	return blocking.NewHasher().Bytes(given).Uint64(uint64(dob)).Sum()
}

// famDOBKey is the key of the third candidate search: the folded name
// without its given name (family and middle names) and the full packed
// date of birth. 0 when the name is the given name alone or the date is
// partial.
func famDOBKey(folded []byte, givenLen int, dob int32) uint64 {
	head := bytes.TrimRight(folded[:len(folded)-min(givenLen, len(folded))], " ")
	if len(head) == 0 || dob%100 == 0 {
		return 0
	}
	return blocking.NewHasher().Bytes(head).Uint64(uint64(dob)).Sum()
}

// givenOf returns the folded given name of row i (the end of its folded
// name).
func (r *Register) givenOf(i int32) []byte {
	f := r.folded.Get(i)
	return f[len(f)-min(int(r.given[i]), len(f)):]
}

// buildIndexes sorts the four (key, row) indexes. Rows without a key are
// left out. The sort is stable, so rows of one key stay in row order.
func (r *Register) buildIndexes(nameYear []uint64) {
	// The keys go to a buffer first, so that each index is allocated at
	// its size (growing it by appends was ~5% of a spilled 1M run's CPU).
	keys := make([]uint64, len(r.dob))
	build := func(key func(i int) uint64) []blocking.Entry {
		n := 0
		for i := range keys {
			keys[i] = key(i)
			if keys[i] != 0 {
				n++
			}
		}
		e := make([]blocking.Entry, 0, n)
		for i, k := range keys {
			if k != 0 {
				e = append(e, blocking.Entry{Key: k, Row: int32(i)})
			}
		}
		return radix.Sort(e, make([]blocking.Entry, len(e)))
	}
	r.byID = build(func(i int) uint64 { return r.idKey[i] })
	r.byNameYear = build(func(i int) uint64 { return nameYear[i] })
	r.byPhone = build(func(i int) uint64 { return r.phone[i] })
	r.byGivenDOB = build(func(i int) uint64 { return givenDOBKey(r.givenOf(int32(i)), r.dob[i]) })
	r.byFamDOB = build(func(i int) uint64 { return famDOBKey(r.folded.Get(int32(i)), int(r.given[i]), r.dob[i]) })
	r.byPerson = build(func(i int) uint64 { return r.person[i] })
}

// lookup returns the entries of key in a sorted index.
func lookup(idx []blocking.Entry, key uint64) []blocking.Entry {
	if key == 0 {
		return nil
	}
	lo := sort.Search(len(idx), func(i int) bool { return idx[i].Key >= key })
	hi := lo
	for hi < len(idx) && idx[hi].Key == key {
		hi++
	}
	return idx[lo:hi]
}

// registerColumns says which columns of a register table hold what.
type registerColumns struct {
	kind                      string
	id, name, dob, nid, phone string
	gender, prov, prov25      string // optional: "" when absent
	person                    string // a golden register's person_id (a run with --state); "" when absent
	// dobPrec is a golden register's `<dob>_precision` column: its date
	// of birth is a date32, the first day of what is known; "" for none.
	dobPrec string
}

// detectRegister tells a raw extract from a golden output by its columns:
// golden.parquet has cluster_id and member_ids. A golden register's
// columns are named after the run's fields: each role takes the column
// ColumnNames gives when the file has it, else the first field of the
// role's kind (fields) that is a golden field (it has its `_from`
// column): with the default config, name, dob, national_id, phone and
// gender. It has no province code of the record, but the 2025 province
// of the first address field: evidence for the CCCD's birth province and
// the registered address at the 2025 provinces' coarser grain.
func detectRegister(path string, cols ColumnNames, fields []config.Field) (registerColumns, error) {
	r, err := dataio.Open(path, dataio.ReadOptions{BatchSize: 1})
	if err != nil {
		return registerColumns{}, err
	}
	defer r.Close()
	var names []string
	for _, f := range r.Schema().Fields() {
		names = append(names, f.Name)
	}
	rc := registerColumns{kind: RegisterRaw, id: cols.RecordID, name: cols.Name, dob: cols.DOB, nid: cols.NationalID, phone: cols.Phone,
		gender: cols.Gender, prov: cols.Province}
	if slices.Contains(names, runfolder.ColClusterID) && slices.Contains(names, runfolder.ColMemberIDs) {
		rc.kind, rc.id = RegisterGolden, runfolder.ColClusterID
		if len(fields) == 0 {
			fields = config.Default().Fields
		}
		golden := func(dst *string, kind normalize.Kind) {
			if slices.Contains(names, *dst) {
				return
			}
			for _, f := range fields {
				if f.Kind == kind && slices.Contains(names, f.Name) && slices.Contains(names, f.Name+runfolder.FromSuffix) {
					*dst = f.Name
					return
				}
			}
		}
		golden(&rc.name, normalize.KindPersonName)
		golden(&rc.dob, normalize.KindDate)
		golden(&rc.nid, normalize.KindNationalID)
		golden(&rc.phone, normalize.KindPhone)
		golden(&rc.gender, normalize.KindGender)
		rc.prov = ""
		for _, f := range fields {
			if c := f.Name + runfolder.Province2025Suffix; f.Kind == normalize.KindVNAddress && slices.Contains(names, c) {
				rc.prov25 = c
				break
			}
		}
	}
	for _, c := range []string{rc.id, rc.name, rc.dob, rc.nid} {
		if !slices.Contains(names, c) {
			err := fmt.Errorf("%w: a register needs %s, %s, %s and %s", dataio.ErrMissingColumn, rc.id, rc.name, rc.dob, rc.nid)
			if rc.kind == RegisterGolden {
				err = fmt.Errorf("%w: a golden register needs cluster_id and fields of kinds person_name, date and national_id (named by the job config's fields: give it with --config)", dataio.ErrMissingColumn)
			}
			return rc, &dataio.Error{File: path, Column: c, Err: err}
		}
	}
	if !slices.Contains(names, rc.phone) {
		rc.phone = "" // phone is optional: without it there is no phone evidence
	}
	if !slices.Contains(names, rc.gender) {
		rc.gender = ""
	}
	if !slices.Contains(names, rc.prov) {
		rc.prov = ""
	}
	if c := rc.dob + runfolder.PrecisionSuffix; rc.kind == RegisterGolden && slices.Contains(names, c) {
		rc.dobPrec = c
	}
	if rc.kind == RegisterGolden && slices.Contains(names, runfolder.ColPersonID) {
		rc.person = runfolder.ColPersonID
	}
	return rc, nil
}

// trimToPrecision cuts an ISO date to what its precision says is known:
// a golden date of birth known to the year reads 1990, not 1990-01-01.
func trimToPrecision(iso, precision []byte) []byte {
	switch string(precision) {
	case "year":
		return iso[:min(len(iso), 4)]
	case "month":
		return iso[:min(len(iso), 7)]
	}
	return iso
}
