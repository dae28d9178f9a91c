package gen

import (
	"fmt"
	"slices"
	"sort"

	"github.com/dedup-vn/dedup/refdata"
)

// CMND numbers (9 digits) are a prefix naming the issuing province and a
// serial. Persons get them in two ways:
//
//   - Legacy: a province with a 2-digit prefix (its own, or, where the
//     partial source list has none, a borrowed one) gives person idx below
//     cmndLegacyPersons the serial permN(idx) of [0, 10^7). The serial
//     depends on idx alone, so numbers are distinct whatever provinces
//     share a prefix, and registers made before the 100M fixes keep their
//     bytes.
//   - Ranked: everyone else (persons from idx 10^7 on, and every person of
//     a province with 3-digit prefixes) takes the next serial of its
//     group, counted in person order by the dispatcher like CCCD ranks. A
//     group fills blocks of numbers one after another: first its own
//     prefixes (for a 3-digit province: its prefixes, then the unlisted
//     3-digit siblings under the same two digits), then 2-digit prefixes
//     of the pool, which no province uses, handed out in person order.
//
// Every block belongs to one group and the legacy prefixes, the 3-digit
// heads and the pool are disjoint, so two persons share a CMND only if
// the pool (73 prefixes of 10^7, beyond about 700M persons) runs out, and
// the dispatcher stops with an error before that.
const cmndLegacyPersons = 10_000_000

// cmndGroup is the set of persons who draw CMND serials from one counter.
type cmndGroup struct {
	legacy bool    // a 2-digit prefix: legacy serials below cmndLegacyPersons
	static []int16 // own blocks, indexes into tables.cmndPrefixes
}

// cmndTables is the CMND part of tables.
type cmndTables struct {
	cmndPrefs    []string // 2-digit prefixes of the source list (with repeats): borrowed by unlisted provinces
	cmndPrefixes []string // every prefix a ranked CMND can take
	cmndGroups   []cmndGroup
	cmndPool     []int16 // 2-digit prefixes nobody uses, in handing-out order
}

// legacyBorrowers are the provinces (GSO codes) that keep the 2-digit
// prefix the first generator lent them although the list has their own:
// it matched the list's names letter for letter and missed Hoà Bình
// (listed as Hòa Bình, 11), which borrowed Phú Thọ's 13. Generated
// registers keep their bytes (TestBytesBeforeTheFixes fails without
// this); refdata's join, which the engine and verify read, gives Hoà
// Bình its 11.
var legacyBorrowers = map[string]bool{"17": true}

// buildCMND gives every province its CMND group. It runs after the
// provinces are built; 2-digit assignments are unchanged from the first
// generator (the fallback for unlisted provinces included), so legacy
// numbers keep their bytes.
func (t *tables) buildCMND(rd *refdata.Tables) error {
	for _, c := range rd.CMNDPrefixes {
		if len(c.Prefix) == 2 {
			t.cmndPrefs = append(t.cmndPrefs, c.Prefix)
		}
	}
	if len(t.cmndPrefs) == 0 {
		return fmt.Errorf("refdata: no 2-digit CMND prefixes")
	}
	// Each province's own prefixes, from refdata's join of the list
	// (provs are in ProvincesOld order).
	own2 := make([]string, len(t.provs))
	own3s := make([][]string, len(t.provs))
	for _, is := range rd.CMNDIssuers() {
		switch {
		case len(is.Prefix) == 2 && !legacyBorrowers[t.provs[is.Province].p.Code]:
			own2[is.Province] = is.Prefix
		case len(is.Prefix) == 3 && !slices.Contains(own3s[is.Province], is.Prefix):
			own3s[is.Province] = append(own3s[is.Province], is.Prefix)
		}
	}
	prefIdx := map[string]int16{}
	prefix := func(s string) int16 {
		if i, ok := prefIdx[s]; ok {
			return i
		}
		i := int16(len(t.cmndPrefixes))
		t.cmndPrefixes = append(t.cmndPrefixes, s)
		prefIdx[s] = i
		return i
	}
	used2 := map[string]bool{}
	group2 := map[string]int{}
	owner3 := map[string]int{} // 3-digit prefix → group
	for i := range t.provs {
		pi := &t.provs[i]
		pi.cmnd = own2[i]
		var own3 []string
		if pi.cmnd == "" {
			own3 = own3s[i]
		}
		if len(own3) > 0 {
			g := len(t.cmndGroups)
			var st []int16
			for _, c := range own3 {
				if _, dup := owner3[c]; dup {
					return fmt.Errorf("refdata: CMND prefix %s names two provinces", c)
				}
				owner3[c] = g
				st = append(st, prefix(c))
			}
			t.cmndGroups = append(t.cmndGroups, cmndGroup{static: st})
			pi.cmndGroup = g
			continue
		}
		if pi.cmnd == "" {
			pi.cmnd = t.cmndPrefs[i%len(t.cmndPrefs)] // borrowed: the list is partial
		}
		used2[pi.cmnd] = true
		g, ok := group2[pi.cmnd]
		if !ok {
			g = len(t.cmndGroups)
			group2[pi.cmnd] = g
			t.cmndGroups = append(t.cmndGroups, cmndGroup{legacy: true})
		}
		pi.cmndGroup = g
	}
	// Widening of 3-digit provinces: each unlisted sibling under the same
	// two digits goes to the province with the greatest own prefix below
	// it (the smallest one if none is below), so Bình Dương (280) gets
	// 281–284 and Bình Phước (285) 286–289.
	heads := map[string]bool{}
	var own []string
	for c := range owner3 {
		heads[c[:2]] = true
		own = append(own, c)
	}
	sort.Strings(own)
	for h := range heads {
		if used2[h] {
			return fmt.Errorf("refdata: CMND prefix %s is also the start of 3-digit prefixes", h)
		}
	}
	var hs []string
	for h := range heads {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	for _, h := range hs {
		for d := byte('0'); d <= '9'; d++ {
			x := h + string(d)
			if _, ok := owner3[x]; ok {
				continue
			}
			var to string
			for _, c := range own {
				if c[:2] == h && (to == "" || c < x) {
					to = c
				}
			}
			g := owner3[to]
			t.cmndGroups[g].static = append(t.cmndGroups[g].static, prefix(x))
		}
	}
	for v := 1; v < 100; v++ {
		s := string([]byte{byte('0' + v/10), byte('0' + v%10)})
		if !used2[s] && !heads[s] {
			t.cmndPool = append(t.cmndPool, prefix(s))
		}
	}
	if len(t.cmndPrefixes) > 1<<15-1 {
		return fmt.Errorf("BUG: %d CMND prefixes", len(t.cmndPrefixes))
	}
	return nil
}

// cmndBlock is the number of serials under a prefix.
func cmndBlock(pre string) uint32 {
	n := uint32(1)
	for range 9 - len(pre) {
		n *= 10
	}
	return n
}

// cmndAlloc hands out ranked CMND serials in person order (dispatcher).
type cmndAlloc struct {
	t     *tables
	cur   []int16  // current block of each group, -1 before the first
	used  []uint32 // serials taken in the current block
	next  []int    // next static block of each group
	pool  int      // next pool prefix
	block []uint32 // size of each prefix's block
}

func newCMNDAlloc(t *tables) *cmndAlloc {
	a := &cmndAlloc{t: t, cur: make([]int16, len(t.cmndGroups)), used: make([]uint32, len(t.cmndGroups)),
		next: make([]int, len(t.cmndGroups))}
	for i := range a.cur {
		a.cur[i] = -1
	}
	for _, p := range t.cmndPrefixes {
		a.block = append(a.block, cmndBlock(p))
	}
	return a
}

// errCMNDSpace reports a register too big for the CMND number space.
var errCMNDSpace = fmt.Errorf("too many persons for the 9-digit CMND number space (about %d)", 700_000_000)

// assign sets c.cmndPre and c.cmndSer for person idx (cmndPre -1: legacy).
func (a *cmndAlloc) assign(c *core, idx int64) error {
	g := a.t.provs[c.birthProv].cmndGroup
	if a.t.cmndGroups[g].legacy && idx < cmndLegacyPersons {
		c.cmndPre, c.cmndSer = -1, 0
		return nil
	}
	if a.cur[g] < 0 || a.used[g] == a.block[a.cur[g]] {
		st := a.t.cmndGroups[g].static
		switch {
		case a.next[g] < len(st):
			a.cur[g] = st[a.next[g]]
			a.next[g]++
		case a.pool < len(a.t.cmndPool):
			a.cur[g] = a.t.cmndPool[a.pool]
			a.pool++
		default:
			return errCMNDSpace
		}
		a.used[g] = 0
	}
	c.cmndPre, c.cmndSer = a.cur[g], a.used[g]
	a.used[g]++
	return nil
}

// makeCMND writes the CMND number of person idx of birth province
// birthProv with core c.
func (w *worker) makeCMND(dst *[9]byte, birthProv int, idx int64, c *core) {
	if c.cmndPre < 0 {
		copy(dst[:2], w.t.provs[birthProv].cmnd)
		appendPad(dst[:2], permN(w.seed^0x636d6e64, uint64(idx), cmndLegacyPersons), 7)
		return
	}
	pre := w.t.cmndPrefixes[c.cmndPre]
	n := copy(dst[:], pre)
	appendPad(dst[:n], permN(w.seed^0x636d6e64^uint64(c.cmndPre+1)<<44, uint64(c.cmndSer), uint64(cmndBlock(pre))), 9-n)
}
