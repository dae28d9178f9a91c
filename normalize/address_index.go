package normalize

import (
	"encoding/binary"
	"math/bits"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/dedup-vn/dedup/refdata"
)

// unitType is the administrative type of a unit as written before its name
// ("Quận", "Huyện", "Phường"...). It separates same-name units of different
// types, such as Thị xã Kỳ Anh and Huyện Kỳ Anh in one province.
type unitType uint8

const (
	utNone unitType = iota
	utTinh
	utThanhPho
	utQuan
	utHuyen
	utThiXa
	utPhuong
	utXa
	utThiTran
	utDacKhu
)

func parseUnitType(s string) unitType {
	switch s {
	case "Tỉnh":
		return utTinh
	case "Thành phố", "Thành phố trực thuộc trung ương":
		return utThanhPho
	case "Quận":
		return utQuan
	case "Huyện":
		return utHuyen
	case "Thị xã":
		return utThiXa
	case "Phường":
		return utPhuong
	case "Xã":
		return utXa
	case "Thị trấn":
		return utThiTran
	case "Đặc khu":
		return utDacKhu
	}
	return utNone
}

// Province candidate kinds, from strongest to weakest evidence.
const (
	pkName       uint8 = iota // official name, English name or a listed alias
	pkInitials                // two-letter initials marked ambiguous in refdata
	pkHistorical              // a former province name (Hà Tây, Sông Bé...)
)

// provCand is one province a name may denote: an index into the old
// provinces (-1 when the name is only a 2025 province) and into the new ones.
type provCand struct {
	old, new int8
	kind     uint8
	// newName: the name is one of a 2025 province; a name that is only
	// an old one (Bình Dương, Hậu Giang) says the address is in old units.
	newName bool
}

// nameEntry lists every unit whose folded, type-free name is one key.
type nameEntry struct {
	prov []provCand
	dist []int32 // indexes into addrIndex.dist
	wOld []int32 // indexes into addrIndex.wOld
	wNew []int32 // indexes into addrIndex.wNew
}

type provOldInfo struct {
	code uint32
	new  int8 // index of the 2025 province it merged into
	city bool // centrally-run city: "TP X" is the province, not a district
}

type provNewInfo struct {
	code    uint32
	oldMask uint64 // bit i set: old province i merged into it
}

type distInfo struct {
	code uint32
	prov int8 // old province index
	typ  unitType
	link int32 // new ward of an island district without wards, else -1
}

type wardOldInfo struct {
	code      uint32
	dist      int32
	prov      int8
	typ       unitType
	linkStart int32 // links into addrIndex.links: [linkStart, linkEnd)
	linkEnd   int32
	tone      uint64 // tone signature of the official name (see toneSig)
}

type wardNewInfo struct {
	code     uint32
	prov     int8 // new province index
	typ      unitType
	uniqWard int32 // the only old ward mapped into it, else -1
	uniqDist int32 // the only old district mapped into it, else -1
	uniqProv int8  // the only old province mapped into it, else -1
	tone     uint64
	// old districts mapped into it: addrIndex.newDist[distStart:distEnd]
	distStart, distEnd int32
}

// addrIndex holds every lookup table of the address parser. It is built
// once from refdata and shared read-only by all parsers.
type addrIndex struct {
	keys    map[string]int32
	entries []nameEntry
	provOld []provOldInfo
	provNew []provNewInfo
	dist    []distInfo
	wOld    []wardOldInfo
	wNew    []wardNewInfo
	links   []int32 // new ward indexes, per old ward in code order
	partial []bool  // parallel to links: the old ward was split
	newDist []int32 // old districts per new ward (see wardNewInfo)
	maxSpan int     // most tokens in any key
	allOld  uint64
	allNew  uint64

	// table is keys as an open-addressing hash table, the parser's lookup
	// path: most span keys the parser tries name nothing, and a miss here
	// usually costs one hash and one probe of an 8-byte slot, where the Go
	// map also compared control groups. keyOf holds each entry's key for the
	// final check.
	table []keySlot
	keyOf []string
	// present has the bit (h>>16)&presentMask of every key's hash h set:
	// most spans looked up name nothing, and this 8 KiB set, which stays
	// in the L1 cache, turns most of them away before the probe of the
	// 256 KiB table, which does not.
	present []uint64
}

const presentMask = 1<<16 - 1

// keySlot is one slot of addrIndex.table: the key's hash and its entry
// index + 1 (0 = empty).
type keySlot struct {
	h  uint32
	ei int32
}

// buildTable fills ix.table from ix.keys at a load factor of at most 1/4.
func (ix *addrIndex) buildTable() {
	size := 1 << bits.Len(uint(4*len(ix.keys)))
	ix.table = make([]keySlot, size)
	ix.keyOf = make([]string, len(ix.entries))
	ix.present = make([]uint64, (presentMask+1)/64)
	mask := uint64(size - 1)
	for k, ei := range ix.keys {
		ix.keyOf[ei] = k
		h := keyHash([]byte(k))
		b := h >> 16 & presentMask
		ix.present[b/64] |= 1 << (b % 64)
		for i := h & mask; ; i = (i + 1) & mask {
			if ix.table[i].ei == 0 {
				ix.table[i] = keySlot{h: uint32(h >> 32), ei: ei + 1}
				break
			}
		}
	}
}

// lookup returns the entry index of key, as ix.keys[key] would.
func (ix *addrIndex) lookup(key []byte) (int32, bool) {
	h := keyHash(key)
	if b := h >> 16 & presentMask; ix.present[b/64]&(1<<(b%64)) == 0 {
		return 0, false
	}
	mask := uint64(len(ix.table) - 1)
	hi := uint32(h >> 32)
	for i := h & mask; ; i = (i + 1) & mask {
		s := ix.table[i]
		if s.ei == 0 {
			return 0, false
		}
		if s.h == hi && ix.keyOf[s.ei-1] == string(key) {
			return s.ei - 1, true
		}
	}
}

// keyHash hashes a span key for addrIndex.table. The keys are short (a
// few folded words), and an inlined multiply-xorshift over 8-byte words
// costs a fraction of maphash's call; the table holds fixed reference keys
// and is only probed, so a fixed function is as good as a seeded one.
func keyHash(b []byte) uint64 {
	h := uint64(len(b)) * 0x9E3779B97F4A7C15
	for len(b) >= 8 {
		h = (h ^ binary.LittleEndian.Uint64(b)) * 0xBF58476D1CE4E5B9
		h ^= h >> 31
		b = b[8:]
	}
	var t uint64
	for i, c := range b {
		t |= uint64(c) << (8 * uint(i))
	}
	h = (h ^ t) * 0x94D049BB133111EB
	h ^= h >> 29
	h *= 0xBF58476D1CE4E5B9
	return h ^ h>>32
}

var (
	addrIdxOnce sync.Once
	addrIdx     *addrIndex
)

func getAddrIndex() *addrIndex {
	addrIdxOnce.Do(func() { addrIdx = buildAddrIndex(refdata.Get()) })
	return addrIdx
}

func atou(s string) uint32 {
	v, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		// refdata codes are checked at generation; a bad one is a build defect.
		panic("BUG: normalize: bad refdata code " + strconv.Quote(s))
	}
	return uint32(v)
}

func buildAddrIndex(t *refdata.Tables) *addrIndex {
	ix := &addrIndex{keys: make(map[string]int32, 16384)}
	kp := &AddressParser{}
	// key returns the lookup key of a name and its token count, through
	// the same tokenizer the parser runs on input, so the two always agree.
	key := func(name string) (string, int) {
		kp.tokenize([]byte(name))
		kp.key = kp.appendSpanKey(kp.key[:0], 0, len(kp.toks))
		return string(kp.key), len(kp.toks)
	}
	entry := func(name string) *nameEntry {
		k, n := key(name)
		if k == "" {
			return nil
		}
		if n > ix.maxSpan {
			ix.maxSpan = n
		}
		i, ok := ix.keys[k]
		if !ok {
			i = int32(len(ix.entries))
			ix.entries = append(ix.entries, nameEntry{})
			ix.keys[k] = i
		}
		return &ix.entries[i]
	}

	oldByCode := map[string]int8{}
	newByCode := map[string]int8{}
	for i, p := range t.ProvincesNew {
		newByCode[p.Code] = int8(i)
		ix.provNew = append(ix.provNew, provNewInfo{code: atou(p.Code)})
	}
	for i, p := range t.ProvincesOld {
		oldByCode[p.Code] = int8(i)
		n := newByCode[p.NewCode]
		ix.provOld = append(ix.provOld, provOldInfo{code: atou(p.Code), new: n, city: strings.HasPrefix(p.Type, "Thành phố")})
		ix.provNew[n].oldMask |= 1 << uint(i)
		ix.allOld |= 1 << uint(i)
	}
	for i := range ix.provNew {
		ix.allNew |= 1 << uint(i)
	}
	addProv := func(name string, c provCand) {
		e := entry(name)
		if e == nil {
			return
		}
		for j, o := range e.prov {
			if o.old == c.old && o.new == c.new {
				if c.kind < o.kind {
					e.prov[j].kind = c.kind
				}
				e.prov[j].newName = o.newName || c.newName
				return
			}
		}
		e.prov = append(e.prov, c)
	}
	for i, p := range t.ProvincesOld {
		c := provCand{old: int8(i), new: ix.provOld[i].new}
		for _, n := range append([]string{p.Name, p.FullName, p.NameEN}, p.Aliases...) {
			addProv(n, c)
		}
	}
	for i, p := range t.ProvincesNew {
		c := provCand{old: -1, new: int8(i), newName: true}
		// A 2025 province that kept the name of an old one denotes it
		// too; the code is no guide (Đồng Tháp 2025 has Tiền Giang's 82).
		nk, _ := key(p.Name)
		for o, po := range t.ProvincesOld {
			if k, _ := key(po.Name); k == nk && ix.provOld[o].new == int8(i) {
				c.old = int8(o)
			}
		}
		for _, n := range append([]string{p.Name, p.FullName, p.NameEN}, p.Aliases...) {
			addProv(n, c)
		}
	}
	for _, a := range t.ProvinceAliases {
		o, ok := oldByCode[a.OldCode]
		if !ok {
			continue
		}
		kind := pkName
		if a.Ambiguous {
			kind = pkInitials
		}
		addProv(a.Alias, provCand{old: o, new: ix.provOld[o].new, kind: kind})
	}
	for _, h := range t.HistoricalProvinces {
		name := h.Name
		if i := strings.Index(name, " ("); i >= 0 {
			name = name[:i]
		}
		if k, _ := key(name); k != "" {
			if i, ok := ix.keys[k]; ok && len(ix.entries[i].prov) > 0 {
				continue // "Cần Thơ (province, 1991-2003)": the current name wins
			}
		}
		for _, code := range h.Successors {
			if o, ok := oldByCode[code]; ok {
				addProv(name, provCand{old: o, new: ix.provOld[o].new, kind: pkHistorical})
			}
		}
	}

	distByCode := map[string]int32{}
	for i, d := range t.Districts {
		distByCode[d.Code] = int32(i)
		ix.dist = append(ix.dist, distInfo{code: atou(d.Code), prov: oldByCode[d.ProvinceCode], typ: parseUnitType(d.Type), link: -1})
		if e := entry(d.Name); e != nil {
			e.dist = append(e.dist, int32(i))
		}
	}
	wOldByCode := map[string]int32{}
	for i, w := range t.WardsOld {
		wOldByCode[w.Code] = int32(i)
		ix.wOld = append(ix.wOld, wardOldInfo{code: atou(w.Code), dist: distByCode[w.DistrictCode], prov: oldByCode[w.ProvinceCode], typ: parseUnitType(w.Type), tone: toneSig(w.Name)})
		if e := entry(w.Name); e != nil {
			e.wOld = append(e.wOld, int32(i))
		}
	}
	wNewByCode := map[string]int32{}
	for i, w := range t.WardsNew {
		wNewByCode[w.Code] = int32(i)
		ix.wNew = append(ix.wNew, wardNewInfo{code: atou(w.Code), prov: newByCode[w.ProvinceCode], typ: parseUnitType(w.Type), uniqWard: -2, uniqDist: -2, uniqProv: -2, tone: toneSig(w.Name)})
		if e := entry(w.Name); e != nil {
			e.wNew = append(e.wNew, int32(i))
		}
	}

	// Links: per old ward, its new wards in code order; per new ward, the
	// old units when only one of each maps into it.
	perOld := make([][]int32, len(ix.wOld))
	perOldPartial := make([][]bool, len(ix.wOld))
	for _, l := range t.WardLinks {
		nw, ok := wNewByCode[l.NewWard]
		if !ok {
			continue
		}
		nwi := &ix.wNew[nw]
		if l.OldWard == "" {
			d := distByCode[l.OldDistrict]
			ix.dist[d].link = nw
			nwi.uniqWard = -1
			mergeUniq32(&nwi.uniqDist, d)
			mergeUniq8(&nwi.uniqProv, ix.dist[d].prov)
			continue
		}
		ow, ok := wOldByCode[l.OldWard]
		if !ok {
			continue
		}
		perOld[ow] = append(perOld[ow], nw)
		perOldPartial[ow] = append(perOldPartial[ow], l.Partial)
		mergeUniq32(&nwi.uniqWard, ow)
		mergeUniq32(&nwi.uniqDist, ix.wOld[ow].dist)
		mergeUniq8(&nwi.uniqProv, ix.wOld[ow].prov)
	}
	perNewDist := make([][]int32, len(ix.wNew))
	for _, l := range t.WardLinks {
		nw, ok := wNewByCode[l.NewWard]
		if !ok {
			continue
		}
		d := distByCode[l.OldDistrict]
		if !containsInt32(perNewDist[nw], d) {
			perNewDist[nw] = append(perNewDist[nw], d)
		}
	}
	for i := range ix.wNew {
		w := &ix.wNew[i]
		w.distStart = int32(len(ix.newDist))
		ix.newDist = append(ix.newDist, perNewDist[i]...)
		w.distEnd = int32(len(ix.newDist))
		if w.uniqWard < 0 {
			w.uniqWard = -1
		}
		if w.uniqDist < 0 {
			w.uniqDist = -1
		}
		if w.uniqProv < 0 {
			w.uniqProv = -1
		}
	}
	for i := range ix.wOld {
		ls, ps := perOld[i], perOldPartial[i]
		idx := make([]int, len(ls))
		for j := range idx {
			idx[j] = j
		}
		sort.Slice(idx, func(a, b int) bool { return ix.wNew[ls[idx[a]]].code < ix.wNew[ls[idx[b]]].code })
		ix.wOld[i].linkStart = int32(len(ix.links))
		for _, j := range idx {
			ix.links = append(ix.links, ls[j])
			ix.partial = append(ix.partial, ps[j] || len(ls) > 1)
		}
		ix.wOld[i].linkEnd = int32(len(ix.links))
	}
	ix.buildTable()
	return ix
}

// mergeUniq32 keeps in *u the single value seen so far: -2 means none yet,
// -1 means several.
func mergeUniq32(u *int32, v int32) {
	switch *u {
	case -2:
		*u = v
	case v, -1:
	default:
		*u = -1
	}
}

func mergeUniq8(u *int8, v int8) {
	switch *u {
	case -2:
		*u = v
	case v, -1:
	default:
		*u = -1
	}
}

func containsInt32(s []int32, v int32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
