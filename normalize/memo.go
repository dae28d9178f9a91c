package normalize

// The name memo. Name is a pure function of its input and hint, and a
// register's names repeat: they are drawn from frequency tables of family,
// middle and given names (a third of the names of a generated population
// of a million are distinct). A Normalizer keeps a bounded table of recent
// Name results and copies a hit back into its usual buffer, so that a
// result is the same bytes, with the same lifetime, as when it is
// computed.
//
// The table is 2-way set associative with fixed-size entries and no
// pointers. The sets' tags lie apart from the entries (a miss reads 16
// bytes of a small array rather than two entries of a large one), and a
// name is kept only the second time it misses (each set remembers the tag
// of the last name it turned away): most distinct names occur once, and
// writing each into the table would cost a cache miss and evict a name
// that recurs. It is allocated only after memoWarmup calls, so that a
// short-lived Normalizer (TextString, NameString) pays nothing. The memo
// never changes a result: TestNameMemoMatchesPlain and FuzzNameMemo check
// it against memo-less Normalizers.
//
// Memos of Text and of the address parse were measured too (on a cold
// pass over a generated population, BenchmarkRecordColdPassAB) and left
// out: addresses repeat less, mostly in pairs, and their misses cost more
// than their hits saved.

// memoWarmup is the number of calls an object makes before it allocates
// its memo.
const memoWarmup = 256

// nameMemoSets is the number of sets (of 2 entries) of the name memo;
// nameMemoBuf the bytes an entry holds: the key, then the bytes of the
// Name as name1 laid them out (a longer name is computed every time).
// TestNameMemoBytes states the memory a Normalizer's memo takes.
const (
	nameMemoSets = 16384
	nameMemoBuf  = 184
)

// memoSet is one set of a memo: the tags of its two entries (0: empty),
// the tag of the last key it did not keep, and the way used last.
type memoSet struct {
	tag   [2]uint32
	ghost uint32
	mru   uint32
}

// memoTags counts a memo's lookups (for the benchmarks) and admissions.
type memoTags struct {
	hits, misses, kept uint64
}

// memoHash hashes a key and its hint into a set index (the low bits) and
// a tag (the high 32 bits, never 0).
func memoHash(s []byte, hint Encoding) uint64 {
	return keyHash(s) ^ uint64(hint)<<24 | 1<<32
}

// find returns the way of set st whose tag is t, or -1.
func (st *memoSet) find(t uint32) int {
	switch t {
	case st.tag[0]:
		return 0
	case st.tag[1]:
		return 1
	}
	return -1
}

// admit decides whether a key of tag t that missed is kept: it is when it
// missed before (it is the set's ghost), in the way not used last, whose
// tag it takes; otherwise it becomes the ghost.
func (c *memoTags) admit(st *memoSet, t uint32) (way int, ok bool) {
	if st.ghost != t {
		st.ghost = t
		return 0, false
	}
	st.ghost = 0
	w := 1 - st.mru
	st.mru = w
	st.tag[w] = t
	c.kept++
	return int(w), true
}

type nameMemo struct {
	sets [nameMemoSets]memoSet
	ents [2 * nameMemoSets]nameMemoEnt
	memoTags
}

// memoOK reports whether n may use its memo: not while a test switches
// the scan or the legacy detection, nor while the lexicon is built.
func (n *Normalizer) memoOK() bool {
	if n.refScan || n.fullLegacy || n.noLexicon || n.noMemo {
		return false
	}
	if n.nmemo == nil {
		n.calls++
		if n.calls < memoWarmup {
			return false
		}
		n.nmemo = new(nameMemo)
	}
	return true
}

// nameMemoEnt is one Name result: the bytes of nameScratch.out follow the
// key in buf, and b holds their nameBounds (tokens == 0: no slices).
type nameMemoEnt struct {
	flags     Flags
	b         [13]uint8 // cs[0:4], fs[0:4], vk, iy, ph, vf, end
	klen      uint8
	hint, enc Encoding
	order     Order
	tokens    uint8
	buf       [nameMemoBuf]byte
}

// nameMemoized is nameHint with the memo.
func (n *Normalizer) nameMemoized(s []byte, hint Encoding) Name {
	if !n.memoOK() {
		return n.nameHint(s, hint)
	}
	m := n.nmemo
	h := memoHash(s, hint)
	set := h & (nameMemoSets - 1)
	st, t32 := &m.sets[set], uint32(h>>32)
	if w := st.find(t32); w >= 0 {
		e := &m.ents[2*set+uint64(w)]
		if e.hint == hint && string(e.buf[:e.klen]) == string(s) {
			st.mru = uint32(w)
			m.hits++
			return n.nameFromMemo(e)
		}
	}
	m.misses++
	// The key is copied first: s may alias the buffers nameHint writes.
	sc := &n.name
	sc.memoKey = append(sc.memoKey[:0], s...)
	nm := n.nameHint(s, hint)
	b := &sc.bounds
	k, d := len(sc.memoKey), b.end
	if nm.Tokens == 0 {
		d = 0
	}
	if string(sc.memoKey) != string(s) || nm.Tokens > 255 || k > 255 || d > 255 || k+d > nameMemoBuf {
		return nm
	}
	w, ok := m.admit(st, t32)
	if !ok {
		return nm
	}
	e := &m.ents[2*set+uint64(w)]
	e.hint, e.enc, e.flags, e.order, e.tokens = hint, nm.Encoding, nm.Flags, nm.Order, uint8(nm.Tokens)
	e.klen = uint8(k)
	for i := range 4 {
		e.b[i], e.b[4+i] = uint8(b.cs[i]), uint8(b.fs[i])
	}
	e.b[8], e.b[9], e.b[10], e.b[11], e.b[12] = uint8(b.vk), uint8(b.iy), uint8(b.ph), uint8(b.vf), uint8(d)
	copy(e.buf[copy(e.buf[:], sc.memoKey):], sc.out[:d])
	return nm
}

// nameFromMemo copies e's bytes into nameScratch.out and slices them as
// name1 did.
func (n *Normalizer) nameFromMemo(e *nameMemoEnt) Name {
	nm := Name{Tokens: int(e.tokens), Order: e.order, Encoding: e.enc, Flags: e.flags}
	if e.tokens == 0 {
		return nm
	}
	sc := &n.name
	k := int(e.klen)
	sc.out = append(sc.out[:0], e.buf[k:k+int(e.b[12])]...)
	b := &sc.bounds
	for i := range 4 {
		b.cs[i], b.fs[i] = int(e.b[i]), int(e.b[4+i])
	}
	b.vk, b.iy, b.ph, b.vf, b.end = int(e.b[8]), int(e.b[9]), int(e.b[10]), int(e.b[11]), int(e.b[12])
	b.slice(&nm, sc.out)
	return nm
}
