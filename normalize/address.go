package normalize

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Confidence says how well one administrative level of an address was
// resolved. A code is reported (non-zero) exactly when the confidence is
// Low or Resolved.
type Confidence uint8

const (
	// Unresolved: the level was not written, or not recognised.
	Unresolved Confidence = iota
	// Ambiguous: the text names several units and nothing decides; the
	// code is 0 and the reason is in the flags.
	Ambiguous
	// Low: one unit, on weak evidence (a ward name unique nationally with
	// nothing else written, a 2025 ward picked among the parts of a split
	// old ward, an old unit inferred from a 2025 one).
	Low
	// Resolved: one unit, confirmed by the levels above it.
	Resolved
)

var confNames = [...]string{"unresolved", "ambiguous", "low", "resolved"}

// String returns the lower-case name of c.
func (c Confidence) String() string {
	if int(c) < len(confNames) {
		return confNames[c]
	}
	return "invalid"
}

// AddrFlags are the reason codes of an address parse, one bit each.
type AddrFlags uint32

// Address reason flags. Their names (AppendNames) are lower_snake_case.
const (
	AddrProvinceMissing    AddrFlags = 1 << iota // no province written
	AddrProvinceUnknown                          // "Tỉnh X" written, X not a province
	AddrProvinceAmbiguous                        // initials such as QN with no deciding context
	AddrProvinceByContext                        // ambiguous initials decided by the ward or district
	AddrProvinceHistorical                       // a former province name (Hà Tây, Sông Bé)
	AddrDistrictMissing                          // no district written (normal for 2025 units)
	AddrDistrictUnknown                          // "Quận X" written, X not found
	AddrDistrictAmbiguous                        // several districts fit
	AddrWardMissing                              // no ward written
	AddrWardUnknown                              // "Phường X" written, X not found
	AddrWardAmbiguous                            // several wards fit
	AddrWard2025Partial                          // old ward split: NewWard is the first of NewWardCandidates
	AddrUnits2025                                // written in 2025 units
	AddrUnitsMixed                               // an old district with a 2025 ward
	AddrUnitsAmbiguous                           // the ward name fits an old and an unrelated 2025 ward; 2025 chosen
	AddrNationalBackoff                          // resolved without province: name unique nationally
	AddrToneDecided                              // same folded name, told apart by the written diacritics
)

var addrFlagNames = [...]string{
	"addr_province_missing",
	"addr_province_unknown",
	"addr_province_ambiguous",
	"addr_province_by_context",
	"addr_province_historical",
	"addr_district_missing",
	"addr_district_unknown",
	"addr_district_ambiguous",
	"addr_ward_missing",
	"addr_ward_unknown",
	"addr_ward_ambiguous",
	"addr_ward_2025_partial",
	"addr_units_2025",
	"addr_units_mixed",
	"addr_units_ambiguous",
	"addr_national_backoff",
	"addr_tone_decided",
}

// AppendNames appends the names of the set flags to dst, separated by ';'.
func (f AddrFlags) AppendNames(dst []byte) []byte {
	first := true
	for i, n := range addrFlagNames {
		if f&(1<<uint(i)) == 0 {
			continue
		}
		if !first {
			dst = append(dst, ';')
		}
		dst = append(dst, n...)
		first = false
	}
	return dst
}

// String returns the flag names separated by ';'.
func (f AddrFlags) String() string { return string(f.AppendNames(nil)) }

// MaxWardCandidates is the most 2025 wards one old ward was split into.
const MaxWardCandidates = 5

// Address is a parsed and resolved address. Codes are the GSO codes as
// integers (0 = unknown): provinces have 2 digits, districts 3, wards 5;
// print them with AppendCode. House and Street are sub-slices of the parsed
// input (no copy), valid as long as the input is.
type Address struct {
	House  []byte // house number with its alley/lane part: "12", "H. 12/3", "ngõ 5 ngách 3"
	Street []byte // the rest of the address line before the ward: street, hamlet, group

	OldProvince, OldDistrict, OldWard uint32 // units before 1 July 2025
	NewProvince, NewWard              uint32 // units from 1 July 2025

	// NewWardCandidates lists, in code order, every 2025 ward the address
	// may lie in when its old ward was split (AddrWard2025Partial).
	NewWardCandidates    [MaxWardCandidates]uint32
	NumNewWardCandidates uint8

	OldProvinceConf, OldDistrictConf, OldWardConf Confidence
	NewProvinceConf, NewWardConf                  Confidence

	Flags AddrFlags
}

// Code widths of AppendCode.
const (
	ProvinceDigits = 2
	DistrictDigits = 3
	WardDigits     = 5
)

// AppendCode appends code zero-padded to digits (ProvinceDigits,
// DistrictDigits or WardDigits); it appends nothing for code 0.
func AppendCode(dst []byte, code uint32, digits int) []byte {
	if code == 0 {
		return dst
	}
	var buf [10]byte
	i := len(buf)
	for code > 0 || len(buf)-i < digits {
		i--
		buf[i] = byte('0' + code%10)
		code /= 10
		if i == 0 {
			break
		}
	}
	return append(dst, buf[i:]...)
}

// tok is one token of the folded input: letters and digits only.
type tok struct {
	fs, fe int32 // folded bytes [fs, fe) in AddressParser.fb
	os, oe int32 // original bytes [os, oe) in the input
	seg    int32 // comma-separated segment number
	num    bool  // digits only
}

// Levels a unit-type marker may introduce.
const (
	lvProv    uint8 = 1
	lvDist    uint8 = 2
	lvWardOld uint8 = 4
	lvWardNew uint8 = 8
	lvWard          = lvWardOld | lvWardNew
)

// AddressParser parses and resolves addresses. It keeps scratch buffers
// between calls, so that Parse does not allocate in steady state; use one
// per goroutine.
type AddressParser struct {
	ix      *addrIndex
	src     []byte
	fb      []byte
	toks    []tok
	key     []byte
	pc      []provCand // province candidates of the last province match
	dc      []int32    // district candidates
	wo      []int32    // old ward candidates
	wn      []int32    // new ward candidates
	dc2     []int32    // saved district candidates
	woTyped bool       // the old ward candidates are of the written type
	wnTyped bool       // the new ward candidates are of the written type
	oneSeg  bool
	inDists bool  // old ward match restricted to dc
	wardEnd int   // end of the ward span
	named   int32 // a 2025 ward named in the text that the old ward maps into, else -1
	// spans memoizes the index lookup of token spans within one Parse:
	// entry e*(maxSpan+1)+l is for tokens [e-l, e), holding the entry
	// index + 1, or -1 when the span's key names nothing, or 0 when not
	// looked up yet. Parse tries the same spans for several levels (the
	// province, the district, old and new wards, each under two masks), and
	// the map lookup was the largest cost.
	spans []int32
	// runeOff is set when tokenizeFolded made the tokens: their os and oe
	// are then rune indices into src, which off turns into byte offsets
	// (walking src from the cursor offR, offB) for the few tokens whose
	// bytes are read.
	runeOff    bool
	offR, offB int32

	// The last Parse, for the next one on the same text (a row's current
	// address is most often its permanent one, typed again): its input,
	// its result, and where House and Street start and end in the input
	// (-1 for none), so that a repeat returns them as slices of its own
	// input. Parse is a function of the input's bytes alone.
	lastIn              []byte
	last                Address
	lastOK              bool
	lastHouse, lastStrt [2]int32
}

// NewAddressParser returns a parser; the shared indexes are built from
// refdata on first use.
func NewAddressParser() *AddressParser {
	return &AddressParser{ix: getAddrIndex()}
}

// tokenize folds s into p.fb and splits it into tokens. Commas, semicolons,
// pipes, parentheses and line breaks end a segment; any other non-letter
// ends a token. Combining marks (NFD input) belong to the letter before
// them. A letter followed by a digit starts a new token (Q1, P12).
func (p *AddressParser) tokenize(s []byte) {
	// Work on locals and store them back once: appending through p made
	// the compiler reload p.fb and p.toks on every byte. Runs of ASCII
	// letters and of digits are taken in inner loops, so that the
	// per-byte work inside a word is a table lookup and a copy.
	fb, toks, ft := p.fb[:0], p.toks[:0], foldTable
	p.runeOff = false
	var seg int32
	in, prevDigit := false, false
	// The open token's fields live in separate locals: a tok struct
	// written field by field and then copied whole into toks stalled on
	// store forwarding (the largest cost of this loop).
	var fs, os, oe int32
	num := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			f := ft[c]
			switch {
			case 'a' <= f && f <= 'z':
				if !in {
					fs, os = int32(len(fb)), int32(i)
					in = true
				}
				num = false
				fb = append(fb, f)
				for i++; i < len(s); i++ {
					c = s[i]
					if c >= utf8.RuneSelf {
						break
					}
					f = ft[c]
					if f < 'a' || f > 'z' {
						break
					}
					fb = append(fb, f)
				}
				oe = int32(i)
				prevDigit = false
			case '0' <= f && f <= '9':
				// A letter followed by a digit starts a new token.
				if in && !prevDigit {
					toks = pushTok(toks, fs, int32(len(fb)), os, oe, seg, num)
					in = false
				}
				if !in {
					fs, os, num = int32(len(fb)), int32(i), true
					in = true
				}
				fb = append(fb, f)
				for i++; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
					fb = append(fb, s[i])
				}
				oe = int32(i)
				prevDigit = true
			default:
				if in {
					toks = pushTok(toks, fs, int32(len(fb)), os, oe, seg, num)
					in = false
				}
				switch f {
				case ',', ';', '|', '(', ')', '\n', '\r':
					seg++
				}
				i++
			}
			continue
		}
		// Vietnamese letters are two-byte (U+00C0–U+01B0, the combining
		// marks) or three-byte E1 sequences (U+1EA0–U+1EF9): decode those
		// inline, as utf8.DecodeRune would, and leave anything else (and
		// every invalid sequence) to it. A non-ASCII rune folds to a
		// letter or to nothing, never to a digit or a separator.
		var r rune
		var size int
		switch {
		case c >= 0xC2 && c < 0xE0 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			r, size = rune(c&0x1F)<<6|rune(s[i+1]&0x3F), 2
		case c == 0xE1 && i+2 < len(s) && s[i+1]&0xC0 == 0x80 && s[i+2]&0xC0 == 0x80:
			r, size = rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F)|0x1000, 3
		default:
			r, size = utf8.DecodeRune(s[i:])
		}
		var f byte
		if r < foldLimit {
			f = ft[r]
		}
		switch {
		case f != 0:
			if !in {
				fs, os = int32(len(fb)), int32(i)
				in = true
			}
			num = false
			fb = append(fb, f)
			oe = int32(i + size)
			prevDigit = false
		case r >= 0x300 && r < 0x370:
			// a combining mark belongs to the letter before it
			if in {
				oe = int32(i + size)
			}
		case in:
			toks = pushTok(toks, fs, int32(len(fb)), os, oe, seg, num)
			in = false
		}
		i += size
	}
	if in {
		toks = pushTok(toks, fs, int32(len(fb)), os, oe, seg, num)
	}
	p.fb, p.toks = fb, toks
}

// pushTok appends a token field by field: a tok literal is built on the
// stack and copied in 16-byte moves, whose loads stall on forwarding from
// the 4-byte stores that built it.
func pushTok(toks []tok, fs, fe, os, oe, seg int32, num bool) []tok {
	toks = append(toks, tok{})
	t := &toks[len(toks)-1]
	t.fs, t.fe, t.os, t.oe, t.seg, t.num = fs, fe, os, oe, seg, num
	return toks
}

func (p *AddressParser) word(i int) []byte {
	t := &p.toks[i]
	return p.fb[t.fs:t.fe]
}

// appendSpanKey appends the lookup key of tokens [a, b): their folded
// letters run together (so "Đắk Lắk", "Daklak" and "Dak-Lak" agree), with
// leading zeros dropped from numbers ("Phường 03" = "P3").
func (p *AddressParser) appendSpanKey(dst []byte, a, b int) []byte {
	for i := a; i < b; i++ {
		w := p.word(i)
		if p.toks[i].num {
			for len(w) > 1 && w[0] == '0' {
				w = w[1:]
			}
		}
		dst = append(dst, w...)
	}
	return dst
}

func (p *AddressParser) segStart(i int) bool {
	return i == 0 || p.toks[i-1].seg != p.toks[i].seg
}

// markerBefore reports the unit-type marker ending just before token i in
// the same segment ("Phường", "P.", "Thị xã", "TP"...), the levels it may
// introduce, the type it names and the index of its first token.
func (p *AddressParser) markerBefore(i int) (lv uint8, typ unitType, start int) {
	if i == 0 || p.toks[i-1].seg != p.toks[i].seg {
		return 0, utNone, i
	}
	if i >= 2 && p.toks[i-2].seg == p.toks[i].seg {
		// Two-word markers, compared word by word without copying
		// (building "w2 w1" cost a string concatenation per call on a hot
		// path).
		w1 := p.word(i - 1)
		switch string(p.word(i - 2)) {
		case "thanh":
			if string(w1) == "pho" {
				return lvProv | lvDist, utThanhPho, i - 2
			}
		case "thi":
			switch string(w1) {
			case "xa":
				return lvDist, utThiXa, i - 2
			case "tran":
				return lvWardOld, utThiTran, i - 2
			}
		case "dac":
			if string(w1) == "khu" {
				return lvWardNew, utDacKhu, i - 2
			}
		}
	}
	switch string(p.word(i - 1)) {
	case "tinh", "t":
		return lvProv, utTinh, i - 1
	case "tp", "thanhpho":
		return lvProv | lvDist, utThanhPho, i - 1
	case "quan", "q":
		return lvDist, utQuan, i - 1
	case "huyen", "h":
		return lvDist, utHuyen, i - 1
	case "tx":
		return lvDist, utThiXa, i - 1
	case "phuong", "p", "f":
		return lvWard, utPhuong, i - 1
	case "xa", "x":
		return lvWard, utXa, i - 1
	case "tt":
		return lvWardOld, utThiTran, i - 1
	case "dk":
		return lvWardNew, utDacKhu, i - 1
	}
	return 0, utNone, i
}

// match finds the longest span of tokens ending at e, inside one segment,
// whose key names a unit of level lv (within mask: old provinces for
// districts and old wards, new provinces for new wards), and fills the
// level's candidate list. A span needs a marker of its level before it or
// must start its segment (any position when the input has no commas); a
// number needs a marker. It returns the span start and the marker start.
func (p *AddressParser) match(e int, lv uint8, mask uint64) (a, ms int, ok bool) {
	if e <= 0 {
		return 0, 0, false
	}
	first := e - 1
	for first > 0 && p.toks[first-1].seg == p.toks[e-1].seg {
		first--
	}
	maxL := min(p.ix.maxSpan, e-first)
	for l := maxL; l >= 1; l-- {
		a = e - l
		mlv, mtyp, mstart := p.markerBefore(a)
		if mlv != 0 && mlv&lv == 0 {
			continue
		}
		if mlv == 0 {
			if !(p.oneSeg || p.segStart(a)) {
				continue
			}
			// a bare number is a unit only as a whole segment: ", 12, "
			if p.toks[a].num && (p.oneSeg || !p.segStart(a) || e < len(p.toks) && p.toks[e].seg == p.toks[e-1].seg || l > 1) {
				continue
			}
			// "12 Lê Lợi": a name after a house number is the street;
			// "Thôn 2 Hòa Ninh", "Q1 HCM": after a numbered unit it is not
			if a > 0 && p.toks[a-1].seg == p.toks[a].seg && isDigit(p.fb[p.toks[a-1].fs]) {
				if lv, _, _ := p.markerBefore(a - 1); lv == 0 && !p.hamletBefore(a-1) {
					continue
				}
			}
		}
		ei, found := p.lookupSpan(a, e)
		if !found {
			continue
		}
		if p.filter(&p.ix.entries[ei], lv, mtyp, mask) {
			return a, mstart, true
		}
	}
	return 0, 0, false
}

// lookupSpan returns the index entry named by tokens [a, e), memoized per
// Parse (see AddressParser.spans).
func (p *AddressParser) lookupSpan(a, e int) (int32, bool) {
	slot := e*(p.ix.maxSpan+1) + (e - a)
	if v := p.spans[slot]; v != 0 {
		return v - 1, v > 0
	}
	// The folded words lie end to end in fb, so the key is a slice of it
	// unless a number in the span has a leading zero to drop.
	key := p.fb[p.toks[a].fs:p.toks[e-1].fe]
	for i := a; i < e; i++ {
		if t := &p.toks[i]; t.num && t.fe-t.fs > 1 && p.fb[t.fs] == '0' {
			p.key = p.appendSpanKey(p.key[:0], a, e)
			key = p.key
			break
		}
	}
	ei, found := p.ix.lookup(key)
	if !found {
		p.spans[slot] = -1
		return 0, false
	}
	p.spans[slot] = ei + 1
	return ei, true
}

// filter fills the candidate list of level lv from ent and reports whether
// it is non-empty. When the marker names a type, candidates of that type
// are kept if there are any (writers mix up Quận and Huyện).
func (p *AddressParser) filter(ent *nameEntry, lv uint8, typ unitType, mask uint64) bool {
	ix := p.ix
	switch lv {
	case lvProv:
		p.pc = ent.prov
		return len(p.pc) > 0
	case lvDist:
		p.dc = p.dc[:0]
		typed := false
		for _, d := range ent.dist {
			di := &ix.dist[d]
			if mask&(1<<uint(di.prov)) == 0 {
				continue
			}
			p.dc = keepTyped(p.dc, d, di.typ, typ, &typed)
		}
		return len(p.dc) > 0
	case lvWardOld:
		p.wo = p.wo[:0]
		typed := false
		for _, w := range ent.wOld {
			wi := &ix.wOld[w]
			if p.inDists && !containsInt32(p.dc, wi.dist) || !p.inDists && mask&(1<<uint(wi.prov)) == 0 {
				continue
			}
			p.wo = keepTyped(p.wo, w, wi.typ, typ, &typed)
		}
		p.woTyped = typed
		return len(p.wo) > 0
	case lvWardNew:
		p.wn = p.wn[:0]
		typed := false
		for _, w := range ent.wNew {
			wi := &ix.wNew[w]
			if mask&(1<<uint(wi.prov)) == 0 {
				continue
			}
			if p.inDists {
				// a 2025 ward written with an old district must lie in
				// it, and be of the written type
				in := false
				for _, d := range ix.newDist[wi.distStart:wi.distEnd] {
					in = in || containsInt32(p.dc, d)
				}
				if !in || typ != utNone && wi.typ != typ {
					continue
				}
			}
			p.wn = keepTyped(p.wn, w, wi.typ, typ, &typed)
		}
		p.wnTyped = typed
		return len(p.wn) > 0
	}
	return false
}

// keepTyped appends candidate c, of type ctyp, to list, unless the
// marker names a type (typ) and candidates of it have been seen (*typed):
// then only they are kept, and the first one empties the list.
func keepTyped(list []int32, c int32, ctyp, typ unitType, typed *bool) []int32 {
	if typ != utNone && ctyp == typ && !*typed {
		*typed = true
		list = list[:0]
	}
	if !*typed || ctyp == typ {
		list = append(list, c)
	}
	return list
}

// stripCountry drops a trailing "Việt Nam" / "Vietnam" / "VN".
func (p *AddressParser) stripCountry(e int) int {
	if e >= 2 && string(p.word(e-2)) == "viet" && string(p.word(e-1)) == "nam" {
		return e - 2
	}
	if e >= 1 {
		switch string(p.word(e - 1)) {
		case "vietnam", "vn":
			return e - 1
		}
	}
	return e
}

// Parse parses and resolves one address. s should be valid UTF-8 (NFC or
// NFD, any case, with or without diacritics); invalid bytes are treated as
// separators. The result's House and Street alias s.
func (p *AddressParser) Parse(s []byte) Address {
	if p.lastOK && string(p.lastIn) == string(s) {
		a := p.last
		p.src = s
		if h := p.lastHouse; h[0] >= 0 {
			a.House = s[h[0]:h[1]]
		}
		if st := p.lastStrt; st[0] >= 0 {
			a.Street = s[st[0]:st[1]]
		}
		return a
	}
	p.lastOK = false
	p.lastHouse, p.lastStrt = [2]int32{-1, -1}, [2]int32{-1, -1}
	a := p.parse(s)
	p.lastIn = append(p.lastIn[:0], s...)
	p.last, p.lastOK = a, true
	return a
}

// ParseText is Parse(t.Canonical) for t returned by Text or TextHint (its
// Folded the fold of its valid UTF-8 Canonical): the same Address,
// House and Street aliasing t.Canonical. When every rune of Canonical
// folds to one byte of t.Folded (the fold drops nothing), the tokens are
// read from Folded, one byte a rune, instead of decoding and folding
// Canonical again; otherwise it reads Canonical as Parse does.
func (p *AddressParser) ParseText(t Text) Address {
	s := t.Canonical
	if p.lastOK && string(p.lastIn) == string(s) {
		return p.Parse(s)
	}
	p.lastOK = false
	p.lastHouse, p.lastStrt = [2]int32{-1, -1}, [2]int32{-1, -1}
	var a Address
	if oneFoldEach(t.Folded, s) {
		p.src = s
		p.tokenizeFolded(t.Folded)
		a = p.parseTokens(s)
	} else {
		a = p.parse(s)
	}
	p.lastIn = append(p.lastIn[:0], s...)
	p.last, p.lastOK = a, true
	return a
}

// oneFoldEach reports whether fd has one byte for each rune of s: s starts
// a rune and has as many bytes that start one as fd has bytes.
func oneFoldEach(fd, s []byte) bool {
	if len(s) > 0 && s[0]&0xC0 == 0x80 {
		return false
	}
	// Count the continuation bytes (10xxxxxx) eight at a time: bit 7 set
	// and bit 6 clear in each byte, then a population count.
	cont, b := 0, s
	for len(b) >= 8 {
		w := binary.LittleEndian.Uint64(b)
		cont += bits.OnesCount64(w &^ (w << 1) & 0x8080808080808080)
		b = b[8:]
	}
	for _, c := range b {
		if c&0xC0 == 0x80 {
			cont++
		}
	}
	return len(s)-cont == len(fd)
}

// tokenizeFolded is tokenize(s) for s whose fold fd has one byte for each
// rune of s (see oneFoldEach): every byte of fd is then the fold of its
// rune, a letter, digit or other ASCII byte, and the tokens and folded
// bytes are those tokenize makes, save that os and oe are rune indices
// (see AddressParser.off). Reading fd alone, it skips decoding s.
func (p *AddressParser) tokenizeFolded(fd []byte) {
	// Each byte of fd gives at most one folded byte and starts at most one
	// token: with room for that made first, the loop writes by index and
	// calls nothing (growslice calls made the compiler keep its values on
	// the stack).
	fb, toks, ft := p.fb[:0], p.toks[:0], foldTable
	if cap(fb) < len(fd) {
		fb = make([]byte, 0, 2*len(fd))
	}
	if cap(toks) < len(fd) {
		toks = make([]tok, 0, 2*len(fd))
	}
	fb, toks = fb[:len(fd)], toks[:len(fd)]
	p.runeOff, p.offR, p.offB = true, 0, 0
	var seg, fs, os, oe int32
	nb, nt := 0, 0 // bytes in fb, tokens in toks
	in, prevDigit, num := false, false, false
	for i := 0; i < len(fd); {
		f := ft[fd[i]]
		switch {
		case 'a' <= f && f <= 'z':
			if !in {
				fs, os = int32(nb), int32(i)
				in = true
			}
			num = false
			fb[nb] = f
			nb++
			for i++; i < len(fd); i++ {
				f = ft[fd[i]]
				if f < 'a' || f > 'z' {
					break
				}
				fb[nb] = f
				nb++
			}
			oe = int32(i)
			prevDigit = false
		case '0' <= f && f <= '9':
			// A letter followed by a digit starts a new token.
			if in && !prevDigit {
				setTok(&toks[nt], fs, int32(nb), os, oe, seg, num)
				nt++
				in = false
			}
			if !in {
				fs, os, num = int32(nb), int32(i), true
				in = true
			}
			fb[nb] = f
			nb++
			for i++; i < len(fd) && '0' <= fd[i] && fd[i] <= '9'; i++ {
				fb[nb] = fd[i]
				nb++
			}
			oe = int32(i)
			prevDigit = true
		default:
			if in {
				setTok(&toks[nt], fs, int32(nb), os, oe, seg, num)
				nt++
				in = false
			}
			switch f {
			case ',', ';', '|', '(', ')', '\n', '\r':
				seg++
			}
			i++
		}
	}
	if in {
		setTok(&toks[nt], fs, int32(nb), os, oe, seg, num)
		nt++
	}
	p.fb, p.toks = fb[:nb], toks[:nt]
}

// setTok writes a token field by field: a composite literal assigned to
// toks[nt] was built in a zeroed temporary and copied (more instructions
// a token, in tokenizeFolded's loop).
func setTok(t *tok, fs, fe, os, oe, seg int32, num bool) {
	t.fs, t.fe, t.os, t.oe, t.seg, t.num = fs, fe, os, oe, seg, num
}

// off returns the byte offset in src of a token offset (os or oe): the
// offset itself, or after tokenizeFolded the byte where rune x starts
// (len(src) past the last). Callers ask in mostly rising order, so the
// walk goes on from the last answer; it never leaves src.
func (p *AddressParser) off(x int32) int32 {
	if !p.runeOff {
		return x
	}
	if x < p.offR {
		p.offR, p.offB = 0, 0
	}
	s, r, b := p.src, p.offR, int(p.offB)
	for r < x && b < len(s) {
		b++
		for b < len(s) && s[b]&0xC0 == 0x80 {
			b++
		}
		r++
	}
	p.offR, p.offB = r, int32(b)
	return int32(b)
}

func (p *AddressParser) parse(s []byte) Address {
	p.tokenize(s)
	return p.parseTokens(s)
}

// parseTokens parses s from the tokens tokenize made of it.
func (p *AddressParser) parseTokens(s []byte) Address {
	var a Address
	ix := p.ix
	p.src = s
	p.named = -1
	n := (len(p.toks) + 1) * (ix.maxSpan + 1)
	if cap(p.spans) < n {
		p.spans = make([]int32, n)
	}
	p.spans = p.spans[:n]
	clear(p.spans)
	e := p.stripCountry(len(p.toks))
	p.oneSeg = e == 0 || p.toks[0].seg == p.toks[e-1].seg
	rem := e // tokens before rem are the address line

	// Province, at the end.
	prefOld, extOld, newMask := ix.allOld, ix.allOld, ix.allNew
	var pcs []provCand
	provA, provE := -1, e
	if pa, pms, ok := p.match(e, lvProv, 0); ok {
		pcs = p.pc
		prefOld, extOld, newMask = 0, 0, 0
		for _, c := range pcs {
			if c.old >= 0 {
				prefOld |= 1 << uint(c.old)
			}
			newMask |= 1 << uint(c.new)
			extOld |= ix.provNew[c.new].oldMask
		}
		if prefOld == 0 {
			prefOld = extOld
		}
		provA = pa
		e, rem = pms, pms
		if mlv, _, _ := p.markerBefore(pa); mlv&lvDist != 0 && len(pcs) == 1 && pcs[0].old >= 0 && !ix.provOld[pcs[0].old].city {
			// "TP Thanh Hóa" with no province after it is the provincial
			// city (a district); the province is implied.
			if p.cityAsDistrict(pa, provE, prefOld) {
				e, rem = provE, provE
				provA, pcs = -1, nil
				prefOld, extOld, newMask = ix.allOld, ix.allOld, ix.allNew
				a.Flags |= AddrProvinceMissing
			}
		}
	} else {
		a.Flags |= AddrProvinceMissing
	}

	// District: first in the named old province(s), then in every old
	// province merged into the same 2025 province (an old district
	// written with its new province).
	da, dms, dok := p.match(e, lvDist, prefOld)
	if !dok && extOld != prefOld {
		da, dms, dok = p.match(e, lvDist, extOld)
	}
	we := e
	if dok {
		we, rem = dms, dms
	}

	// Ward, in either system.
	var wa, wms, na, nms int
	var wok, nok bool
	if dok {
		p.inDists = true
		wa, wms, wok = p.match(we, lvWardOld, 0)
		p.inDists = false
		if !wok {
			var nm uint64
			for _, d := range p.dc {
				nm |= 1 << uint(ix.provOld[ix.dist[d].prov].new)
			}
			p.inDists = true
			na, nms, nok = p.match(we, lvWardNew, nm)
			p.inDists = false
		}
		if !wok && !nok {
			// No ward inside the district: the "district" may be part of
			// a ward name ("Phường Nam Hồng Lĩnh") or a 2025 ward of the
			// same name ("Phú Bình, Thái Nguyên"). Keep the district only
			// if no ward covers its whole span.
			dc := append(p.dc2[:0], p.dc...)
			p.dc2 = dc
			wa, wms, wok = p.match(e, lvWardOld, prefOld)
			if !wok && extOld != prefOld {
				wa, wms, wok = p.match(e, lvWardOld, extOld)
			}
			wok = wok && wa <= da
			na, nms, nok = p.match(e, lvWardNew, newMask)
			nok = nok && na <= da
			if wok || nok {
				dok = false
				we, rem = e, e
			} else {
				p.dc = append(p.dc[:0], dc...)
			}
		}
	} else {
		wa, wms, wok = p.match(we, lvWardOld, prefOld)
		if !wok && extOld != prefOld {
			wa, wms, wok = p.match(we, lvWardOld, extOld)
		}
		na, nms, nok = p.match(we, lvWardNew, newMask)
		if !wok && !nok {
			// "Phường Thảo Điền, Quận 2, TP.HCM": a district that no
			// longer exists; skip its segment and look for the ward before.
			if f := p.segFirstBefore(we); f >= 0 && f+1 < we && p.districtMarkerAt(f) {
				we, rem = f, f
				a.Flags |= AddrDistrictUnknown
				wa, wms, wok = p.match(we, lvWardOld, prefOld)
				if !wok && extOld != prefOld {
					wa, wms, wok = p.match(we, lvWardOld, extOld)
				}
				na, nms, nok = p.match(we, lvWardNew, newMask)
			}
		}
		if !wok && !nok && provA >= 0 {
			// "Phường 1, TP Vĩnh Long": the province name was the city
			// (district) of the same name, and the province is implied.
			if p.cityAsDistrict(provA, provE, prefOld) {
				dok = true
				p.inDists = true
				wa, wms, wok = p.match(we, lvWardOld, 0)
				p.inDists = false
			}
		}
	}
	_ = nms
	useOld, useNew := wok, nok
	if wok && nok {
		oldOnly := len(pcs) > 0
		for _, c := range pcs {
			oldOnly = oldOnly && !c.newName
		}
		p.wardEnd = we
		useOld, useNew = p.pickSystem(&a, wa, na, oldOnly)
	}
	if useOld {
		rem = min(rem, wms)
	} else if useNew {
		rem = min(rem, nms)
	}

	// Resolve, bottom-up from what matched.
	switch {
	case useOld:
		p.resolveOldWard(&a, wa, we, dok, provA >= 0)
	case useNew:
		p.resolveNewWard(&a, na, we, provA >= 0)
		if dok {
			a.Flags |= AddrUnitsMixed
			p.resolveDistrict(&a, provA >= 0, false)
		} else {
			a.Flags |= AddrUnits2025 | AddrDistrictMissing
		}
	default:
		if dok {
			p.resolveDistrict(&a, provA >= 0, true)
		} else {
			a.Flags |= AddrDistrictMissing
		}
	}
	p.resolveProvince(&a, pcs)
	p.unknownFlags(&a, rem, dok, useOld || useNew)
	if a.Flags&AddrDistrictUnknown != 0 {
		a.Flags &^= AddrDistrictMissing
	}
	p.houseStreet(&a, rem)
	return a
}

// cityAsDistrict reports whether the province span [pa, pe) also names a
// district of one of the masked provinces; it leaves that district in dc.
func (p *AddressParser) cityAsDistrict(pa, pe int, mask uint64) bool {
	p.key = p.appendSpanKey(p.key[:0], pa, pe)
	ei, ok := p.ix.lookup(p.key)
	if !ok {
		// the span included its marker ("TP Vĩnh Long"): retry without
		if lv, _, _ := p.markerBefore(pa + 1); lv != 0 && pa+1 < pe {
			p.key = p.appendSpanKey(p.key[:0], pa+1, pe)
			ei, ok = p.ix.lookup(p.key)
		}
		if !ok {
			return false
		}
	}
	return p.filter(&p.ix.entries[ei], lvDist, utThanhPho, mask) && len(p.dc) == 1
}

// pickSystem decides between an old and a 2025 ward that both fit the
// ward span. When an old candidate maps into a new candidate the two agree
// (the new ward kept the old name) and the old one is used.
func (p *AddressParser) pickSystem(a *Address, wa, na int, oldOnly bool) (useOld, useNew bool) {
	ix := p.ix
	// Written diacritics that fit only one side decide ("Thuận Hóa" is
	// not the old "Thuận Hòa").
	if sig := p.spanToneSig(p.src, wa, p.wardEnd); sig != 0 {
		oldFit := false
		for _, w := range p.wo {
			oldFit = oldFit || ix.wOld[w].tone == sig
		}
		if sig2 := p.spanToneSig(p.src, na, p.wardEnd); true {
			newFit := false
			for _, w := range p.wn {
				newFit = newFit || ix.wNew[w].tone == sig2
			}
			if oldFit != newFit {
				if oldFit {
					return true, false
				}
				return false, true
			}
		}
	}
	// "X. Thanh Xuân": a written type that fits only one side decides.
	if p.woTyped != p.wnTyped {
		return p.woTyped, p.wnTyped
	}
	kept := p.wo[:0]
	for _, w := range p.wo {
		wi := &ix.wOld[w]
		linked := false
		for _, l := range ix.links[wi.linkStart:wi.linkEnd] {
			for _, n := range p.wn {
				if l == n {
					linked = true
				}
			}
		}
		if linked {
			kept = append(kept, w)
		}
	}
	if len(kept) == 1 {
		p.wo = kept
		if len(p.wn) == 1 {
			p.named = p.wn[0]
		}
		return true, false
	}
	if wa < na || oldOnly {
		// the old name is longer (it explains more text), or the province
		// is written by a name that no longer exists
		return true, false
	}
	if len(kept) == 0 {
		a.Flags |= AddrUnitsAmbiguous
	}
	return false, true
}

// keepByTone keeps, among the ward candidates *cands, the one whose
// official name has the diacritics written in tokens [sa, se) (tone(w) is a
// candidate's tone signature); it applies only when the input has some
// diacritics and exactly one candidate agrees.
func (p *AddressParser) keepByTone(cands *[]int32, sa, se int, tone func(w int32) uint64) bool {
	sig := p.spanToneSig(p.src, sa, se)
	if sig == 0 {
		return false
	}
	var hit int32 = -1
	for _, w := range *cands {
		if tone(w) == sig {
			if hit >= 0 {
				return false
			}
			hit = w
		}
	}
	if hit < 0 {
		return false
	}
	*cands = append((*cands)[:0], hit)
	return true
}

// resolveOldWard fills the result from the old ward candidates in p.wo,
// matched on tokens [wa, we).
func (p *AddressParser) resolveOldWard(a *Address, wa, we int, dok, pok bool) {
	ix := p.ix
	if len(p.wo) > 1 && p.keepByTone(&p.wo, wa, we, func(w int32) uint64 { return p.ix.wOld[w].tone }) {
		a.Flags |= AddrToneDecided
	}
	if !dok {
		a.Flags |= AddrDistrictMissing
	}
	conf := Resolved
	if !dok && !pok {
		conf = Low
		a.Flags |= AddrNationalBackoff
	}
	if len(p.wo) == 1 {
		w := &ix.wOld[p.wo[0]]
		a.OldWard, a.OldWardConf = w.code, conf
		a.OldDistrict, a.OldDistrictConf = ix.dist[w.dist].code, conf
		a.OldProvince, a.OldProvinceConf = ix.provOld[w.prov].code, conf
		p.newFromOld(a, w, conf)
		return
	}
	// Several wards share the name: keep whatever they agree on.
	a.OldWardConf = Ambiguous
	a.Flags |= AddrWardAmbiguous
	d0, pr0 := ix.wOld[p.wo[0]].dist, ix.wOld[p.wo[0]].prov
	sameD, sameP := true, true
	var nw int32 = -2
	for _, w := range p.wo {
		wi := &ix.wOld[w]
		sameD = sameD && wi.dist == d0
		sameP = sameP && wi.prov == pr0
		if wi.linkEnd-wi.linkStart != 1 {
			nw = -1
		} else {
			mergeUniq32(&nw, ix.links[wi.linkStart])
		}
	}
	if sameD {
		a.OldDistrict, a.OldDistrictConf = ix.dist[d0].code, conf
	} else if !dok {
		a.OldDistrictConf = Ambiguous
	}
	if sameP {
		a.OldProvince, a.OldProvinceConf = ix.provOld[pr0].code, conf
	}
	if nw >= 0 {
		// every candidate merged whole into one 2025 ward
		n := &ix.wNew[nw]
		a.NewWard, a.NewWardConf = n.code, Low
		a.NewProvince, a.NewProvinceConf = ix.provNew[n.prov].code, conf
	} else {
		a.NewWardConf = Ambiguous
	}
}

// newFromOld fills the 2025 ward from the links of old ward w.
func (p *AddressParser) newFromOld(a *Address, w *wardOldInfo, conf Confidence) {
	ix := p.ix
	links := ix.links[w.linkStart:w.linkEnd]
	if len(links) == 0 {
		return
	}
	n := &ix.wNew[links[0]]
	if p.named >= 0 {
		// the text also names the 2025 ward: it decides the split
		n = &ix.wNew[p.named]
		links = links[:1]
	}
	a.NewWard, a.NewWardConf = n.code, conf
	a.NewProvince, a.NewProvinceConf = ix.provNew[n.prov].code, conf
	if len(links) > 1 {
		a.NewWardConf = Low
		a.Flags |= AddrWard2025Partial
		for i, l := range links {
			if i < MaxWardCandidates {
				a.NewWardCandidates[i] = ix.wNew[l].code
				a.NumNewWardCandidates++
			}
		}
	}
}

// resolveNewWard fills the result from the 2025 ward candidates in p.wn,
// matched on tokens [na, we).
func (p *AddressParser) resolveNewWard(a *Address, na, we int, pok bool) {
	ix := p.ix
	if len(p.wn) > 1 && p.keepByTone(&p.wn, na, we, func(w int32) uint64 { return p.ix.wNew[w].tone }) {
		a.Flags |= AddrToneDecided
	}
	conf := Resolved
	if !pok {
		conf = Low
		a.Flags |= AddrNationalBackoff
	}
	if len(p.wn) > 1 {
		a.NewWardConf = Ambiguous
		a.Flags |= AddrWardAmbiguous
		pr := ix.wNew[p.wn[0]].prov
		for _, w := range p.wn {
			if ix.wNew[w].prov != pr {
				return
			}
		}
		a.NewProvince, a.NewProvinceConf = ix.provNew[pr].code, conf
		return
	}
	w := &ix.wNew[p.wn[0]]
	a.NewWard, a.NewWardConf = w.code, conf
	a.NewProvince, a.NewProvinceConf = ix.provNew[w.prov].code, conf
	// Old units only where the mapping makes them unique.
	if w.uniqWard >= 0 {
		a.OldWard, a.OldWardConf = ix.wOld[w.uniqWard].code, Low
	}
	if w.uniqDist >= 0 {
		a.OldDistrict, a.OldDistrictConf = ix.dist[w.uniqDist].code, Low
	}
	if w.uniqProv >= 0 {
		a.OldProvince, a.OldProvinceConf = ix.provOld[w.uniqProv].code, conf
	}
}

// resolveDistrict fills the district from p.dc when no old ward decided it;
// withNew also fills the 2025 ward of an island district without wards.
func (p *AddressParser) resolveDistrict(a *Address, pok, withNew bool) {
	ix := p.ix
	conf := Resolved
	if !pok {
		conf = Low
	}
	if len(p.dc) > 1 {
		a.OldDistrictConf = Ambiguous
		a.Flags |= AddrDistrictAmbiguous
		pr := ix.dist[p.dc[0]].prov
		for _, d := range p.dc {
			if ix.dist[d].prov != pr {
				return
			}
		}
		if a.OldProvince == 0 {
			a.OldProvince, a.OldProvinceConf = ix.provOld[pr].code, conf
		}
		return
	}
	d := &ix.dist[p.dc[0]]
	a.OldDistrict, a.OldDistrictConf = d.code, conf
	if a.OldProvince == 0 || a.OldProvinceConf < conf {
		a.OldProvince, a.OldProvinceConf = ix.provOld[d.prov].code, conf
	}
	if withNew && d.link >= 0 {
		n := &ix.wNew[d.link]
		a.NewWard, a.NewWardConf = n.code, conf
	}
	if a.NewProvince == 0 {
		a.NewProvince, a.NewProvinceConf = ix.provNew[ix.provOld[d.prov].new].code, conf
	}
}

// resolveProvince fills the province levels from the written province
// candidates pcs where the lower levels left them open, and checks that
// ambiguous initials were decided by context.
func (p *AddressParser) resolveProvince(a *Address, pcs []provCand) {
	ix := p.ix
	if len(pcs) == 0 {
		return
	}
	hist := false
	for _, c := range pcs {
		hist = hist || c.kind == pkHistorical
	}
	if hist {
		a.Flags |= AddrProvinceHistorical
	}
	if a.OldProvince != 0 || a.NewProvince != 0 {
		if len(pcs) > 1 {
			a.Flags |= AddrProvinceByContext
		}
		// The written province confirms what the lower levels found.
		if a.NewProvince != 0 && a.NewProvinceConf < Resolved {
			for _, c := range pcs {
				if ix.provNew[c.new].code == a.NewProvince {
					a.NewProvinceConf = Resolved
				}
			}
		}
		if a.NewProvince == 0 && a.OldProvince != 0 {
			for _, c := range pcs {
				if c.old >= 0 && ix.provOld[c.old].code == a.OldProvince {
					a.NewProvince, a.NewProvinceConf = ix.provNew[c.new].code, a.OldProvinceConf
				}
			}
		}
		return
	}
	if len(pcs) == 1 {
		c := pcs[0]
		if c.old >= 0 {
			a.OldProvince, a.OldProvinceConf = ix.provOld[c.old].code, Resolved
		} else {
			a.OldProvinceConf = Ambiguous
		}
		a.NewProvince, a.NewProvinceConf = ix.provNew[c.new].code, Resolved
		return
	}
	a.Flags |= AddrProvinceAmbiguous
	a.OldProvinceConf = Ambiguous
	n0 := pcs[0].new
	for _, c := range pcs {
		if c.new != n0 {
			a.NewProvinceConf = Ambiguous
			return
		}
	}
	a.NewProvince, a.NewProvinceConf = ix.provNew[n0].code, Resolved
}

// unknownFlags sets the missing/unknown flags of the levels not found, by
// the markers left in the unparsed tokens [0, rem).
func (p *AddressParser) unknownFlags(a *Address, rem int, dok, wok bool) {
	var seen uint8
	for i := 0; i+1 < rem; i++ {
		if p.toks[i+1].seg != p.toks[i].seg {
			continue
		}
		lv, _, st := p.markerBefore(i + 1)
		if lv == 0 {
			continue
		}
		w := p.word(st)
		switch string(w) {
		case "h", "q", "p", "x", "t", "f":
			// single letters are markers only before a name, and "H. 12"
			// is an alley; only "Q. 3", "P. 3" count before a number
			if p.toks[i+1].num && string(w) != "q" && string(w) != "p" && string(w) != "f" {
				continue
			}
		case "xa":
			if string(p.word(i+1)) == "lo" {
				continue // xa lộ: a highway
			}
		}
		if string(w) == "tinh" {
			seen |= lvProv
		}
		seen |= lv &^ lvProv
	}
	if a.Flags&AddrProvinceMissing != 0 && seen&lvProv != 0 {
		a.Flags = a.Flags&^AddrProvinceMissing | AddrProvinceUnknown
	}
	if !dok && seen&lvDist != 0 {
		a.Flags = a.Flags&^AddrDistrictMissing | AddrDistrictUnknown
	}
	if !wok {
		if seen&lvWard != 0 {
			a.Flags |= AddrWardUnknown
		} else {
			a.Flags |= AddrWardMissing
		}
	}
}

// houseStreet splits the address line, tokens [0, rem), into the house
// number (with its alley/lane part) and the rest.
func (p *AddressParser) houseStreet(a *Address, rem int) {
	if rem <= 0 {
		return
	}
	i := 0
	hs, he := -1, -1
	for i < rem && p.toks[i].seg == p.toks[0].seg {
		w := p.word(i)
		if p.fb[p.toks[i].fs] >= '0' && p.fb[p.toks[i].fs] <= '9' {
			if hs < 0 {
				hs = i
			}
			he = i + 1
			i++
			continue
		}
		lane := false
		switch string(w) {
		case "so", "nha", "sonha":
			if hs < 0 && i+1 < rem && p.toks[i+1].seg == p.toks[i].seg {
				i++
				continue
			}
		case "hem", "h", "ngo", "ng", "ngach", "ngh", "kiet", "k", "to", "lo", "can":
			lane = true
		}
		if lane && i+1 < rem && p.toks[i+1].seg == p.toks[i].seg && p.fb[p.toks[i+1].fs] >= '0' && p.fb[p.toks[i+1].fs] <= '9' {
			if hs < 0 {
				hs = i
			}
			i++
			continue
		}
		// one letter glued to a house number: "12 A", "12B" is one token
		if hs >= 0 && he == i && len(w) == 1 && p.toks[i].os == p.toks[i-1].oe { // the same in runes as in bytes
			he = i + 1
			i++
			continue
		}
		break
	}
	if hs >= 0 {
		p.lastHouse = [2]int32{p.off(p.toks[hs].os), p.off(p.toks[he-1].oe)}
		a.House = p.src[p.lastHouse[0]:p.lastHouse[1]]
	} else {
		he = 0
	}
	if he < rem {
		p.lastStrt = [2]int32{p.off(p.toks[he].os), p.off(p.toks[rem-1].oe)}
		a.Street = p.src[p.lastStrt[0]:p.lastStrt[1]]
	}
}

// segFirstBefore returns the first token of the segment that ends at
// token e-1, or -1.
func (p *AddressParser) segFirstBefore(e int) int {
	if e <= 0 || e > len(p.toks) {
		return -1
	}
	f := e - 1
	for f > 0 && p.toks[f-1].seg == p.toks[e-1].seg {
		f--
	}
	return f
}

// districtMarkerAt reports whether token i starts a district marker.
func (p *AddressParser) districtMarkerAt(i int) bool {
	if i+1 >= len(p.toks) || p.toks[i+1].seg != p.toks[i].seg {
		return false
	}
	lv, _, st := p.markerBefore(i + 1)
	if lv&lvDist != 0 && st == i {
		return true
	}
	if i+2 < len(p.toks) && p.toks[i+2].seg == p.toks[i].seg {
		lv, _, st = p.markerBefore(i + 2)
		return lv&lvDist != 0 && st == i
	}
	return false
}

// hamletBefore reports whether token i follows a word for a hamlet or
// residential group (thôn 2, ấp 3, tổ 5, khu phố 1, xóm 4, khóm 3, bản 1).
func (p *AddressParser) hamletBefore(i int) bool {
	if i == 0 || p.toks[i-1].seg != p.toks[i].seg {
		return false
	}
	switch string(p.word(i - 1)) {
	case "thon", "ap", "to", "xom", "khom", "ban", "kp", "pho", "doi", "khu", "tdp", "cum", "lang":
		return true
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
