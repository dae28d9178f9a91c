package linkage

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"
	"sync"

	"github.com/dedup-vn/dedup/refdata"
)

// Null is the level of a comparison where either side has no value: it
// carries no evidence and contributes 0 to the match weight.
const Null int8 = -1

// DefaultBands are the Jaro-Winkler thresholds used when a comparison sets
// none, strongest first.
var DefaultBands = []float64{0.95, 0.88, 0.80}

// bandLevel returns the level of a Jaro-Winkler similarity s among bands
// (descending): len(bands) for s >= bands[0] down to 1 for the last band,
// 0 below them all.
func bandLevel(s float64, bands []float64) int8 {
	for k, t := range bands {
		if s >= t {
			return int8(len(bands) - k)
		}
	}
	return 0
}

// Name levels above the Jaro-Winkler bands, relative to len(bands): the
// level of "else" is 0, bands take 1..len(bands), and these follow.
const (
	nameMiddle    = 1 // family and given equal, middle dropped or abbreviated
	nameTokenSet  = 2 // same tokens, other order
	nameVariant   = 3 // regional-variant keys equal
	nameFolded    = 4 // exact on the folded form
	nameCanonical = 5 // exact on the accented canonical form
	nameExtra     = 5
)

// NameForms are the normalized forms of one person name: Canonical is the
// accented NFC form, Folded the lower-case ASCII fold with single spaces
// between tokens (family first), Key the regional-variant key (empty when
// normalize gives none).
type NameForms struct {
	Canonical, Folded, Key []byte
}

// maxTokens bounds the tokens of a name that the token comparisons see;
// longer names fall through to Jaro-Winkler.
const maxTokens = 16

type tokens struct {
	n    int
	sum  int // sum of the token bytes: equal token multisets have equal sums
	span [maxTokens][2]uint16
}

// split records the spans of the space-separated tokens of s (dots and
// hyphens also separate, for "v." initials). ok is false when s has more
// than maxTokens tokens or is longer than 65535 bytes.
func (t *tokens) split(s []byte) (ok bool) {
	if len(s) <= 64 {
		return t.splitShort(s)
	}
	t.n, t.sum = 0, 0
	if len(s) > 0xFFFF {
		return false
	}
	sum, n, start := 0, 0, 0
	for i, c := range s {
		if nameSeparator[c] == 0 {
			sum += int(c)
			continue
		}
		if i > start {
			if n == maxTokens {
				return false
			}
			t.span[n] = [2]uint16{uint16(start), uint16(i)}
			n++
		}
		start = i + 1
	}
	if len(s) > start {
		if n == maxTokens {
			return false
		}
		t.span[n] = [2]uint16{uint16(start), uint16(len(s))}
		n++
	}
	t.n, t.sum = n, sum
	return true
}

// splitShort is split for len(s) <= 64 without a branch per byte (the
// "separator?" branch mispredicted at every token and was most of a
// comparison vector's tokenizing time): the separators go into a bitmap,
// whose runs of zeros are the tokens.
//
// Names of eight bytes or more are scanned eight bytes at a time (the
// byte loop was a tenth of a comparison vector): separators are found by
// SWAR compares, and the last, partial word is loaded overlapping the one
// before it, its repeated bytes shifted out.
func (t *tokens) splitShort(s []byte) bool {
	var sep uint64
	sum := 0
	if len(s) >= 8 {
		i := 0
		for ; i+8 <= len(s); i += 8 {
			w := binary.LittleEndian.Uint64(s[i:])
			z := separatorBytes(w)
			sep |= gatherHighBits(z) << (uint(i) & 63)
			sum += byteSum(w &^ (z >> 7 * 0xff))
		}
		if rest := len(s) - i; rest > 0 {
			// The top rest bytes of the last eight are s[i:]; zero bytes
			// shifted in are no separator and add nothing.
			w := binary.LittleEndian.Uint64(s[len(s)-8:]) >> (uint(8-rest) * 8 & 63)
			z := separatorBytes(w)
			sep |= gatherHighBits(z) << (uint(i) & 63)
			sum += byteSum(w &^ (z >> 7 * 0xff))
		}
	} else {
		for i, c := range s {
			x := nameSeparator[c]
			sep |= uint64(x) << (uint(i) & 63)
			sum += int(c) &^ -int(x)
		}
	}
	// Bit i of word is set when s[i] belongs to a token.
	word := ^sep
	if len(s) < 64 {
		word &= uint64(1)<<(uint(len(s))&63) - 1
	}
	starts := word &^ (word << 1)
	ends := word &^ (word >> 1)
	n := bits.OnesCount64(starts)
	if n > maxTokens {
		t.n, t.sum = 0, 0
		return false
	}
	for k := 0; starts != 0; k++ {
		t.span[k&(maxTokens-1)] = [2]uint16{uint16(bits.TrailingZeros64(starts)), uint16(bits.TrailingZeros64(ends) + 1)}
		starts &= starts - 1
		ends &= ends - 1
	}
	t.n, t.sum = n, sum
	return true
}

// separatorBytes sets the high bit of each byte of w that is a name
// separator (space, dot, hyphen: nameSeparator) and clears every other
// bit. A byte is zero after the xor exactly when it equals the separator.
func separatorBytes(w uint64) uint64 {
	const lo7, ones = 0x7f7f7f7f7f7f7f7f, 0x0101010101010101
	zero := func(x uint64) uint64 { return ^((x&lo7 + lo7) | x) }
	return (zero(w^' '*ones) | zero(w^'.'*ones) | zero(w^'-'*ones)) & ^uint64(lo7)
}

// gatherHighBits packs the high bits of the eight bytes of z (all other
// bits clear) into bits 0-7, byte 0's first.
func gatherHighBits(z uint64) uint64 {
	return (z >> 7) * 0x0102040810204080 >> 56
}

// byteSum returns the sum of the eight bytes of w.
func byteSum(w uint64) int {
	const even = 0x00ff00ff00ff00ff
	x := w&even + w>>8&even // four 16-bit sums, each below 512
	return int(x * 0x0001000100010001 >> 48)
}

// nameSeparator is 1 for the bytes that separate name tokens.
var nameSeparator = [256]uint8{' ': 1, '.': 1, '-': 1}

func (t *tokens) get(s []byte, k int) []byte { return s[t.span[k][0]:t.span[k][1]] }

// sort orders the token spans by their bytes (insertion sort: names have a
// handful of tokens).
func (t *tokens) sort(s []byte) {
	for i := 1; i < t.n; i++ {
		for j := i; j > 0 && bytes.Compare(t.get(s, j-1), t.get(s, j)) > 0; j-- {
			t.span[j-1], t.span[j] = t.span[j], t.span[j-1]
		}
	}
}

// NameScratch holds the token buffers of [CompareName]; one per worker.
type NameScratch struct {
	ta, tb tokens
}

// CompareName compares two names and returns the level and the
// Jaro-Winkler similarity of the folded forms (1 for the exact levels).
// Levels, strongest first, with n = len(bands):
//
//	n+5  exact on the canonical (accented) form
//	n+4  exact on the folded form
//	n+3  regional-variant keys equal (Hoàng/Huỳnh, Vũ/Võ)
//	n+2  same folded tokens in another order
//	n+1  family and given equal, one middle dropped or abbreviated
//	n..1 Jaro-Winkler >= bands[0], ..., >= bands[n-1], taking the weaker of
//	     the folded full names' and the given names' similarity
//	0    else
//	-1   either folded form empty
func CompareName(s *NameScratch, a, b NameForms, bands []float64) (int8, float32) {
	if len(a.Folded) == 0 || len(b.Folded) == 0 {
		return Null, 0
	}
	n := int8(len(bands))
	if len(a.Canonical) > 0 && bytes.Equal(a.Canonical, b.Canonical) {
		return n + nameCanonical, 1
	}
	if bytes.Equal(a.Folded, b.Folded) {
		return n + nameFolded, 1
	}
	return compareNameFuzzy(s, a.Folded, b.Folded, len(a.Key) > 0 && bytes.Equal(a.Key, b.Key), bands)
}

// compareNameFuzzy is CompareName below the exact levels, for folded forms
// that are not empty and differ; keyEqual tells whether the variant keys
// are equal and not empty. Comparer reads the key columns only when the
// exact levels did not decide.
func compareNameFuzzy(s *NameScratch, fa, fb []byte, keyEqual bool, bands []float64) (int8, float32) {
	n := int8(len(bands))
	jw := JaroWinkler(fa, fb)
	if keyEqual {
		return n + nameVariant, float32(jw)
	}
	if s.ta.split(fa) && s.tb.split(fb) && s.ta.n > 0 && s.tb.n > 0 {
		if sameTokenSet(s, fa, fb) {
			return n + nameTokenSet, float32(jw)
		}
		if middleCompatible(&s.ta, &s.tb, fa, fb) {
			return n + nameMiddle, float32(jw)
		}
		// One typo: the same tokens but one, and that one a single edit
		// away ("pyam"/"pham", "li"/"ly"). Jaro-Winkler undervalues a typo
		// near the start of a name, so it gets the top band directly.
		if n > 0 && oneTokenTypo(&s.ta, &s.tb, fa, fb) {
			return n, float32(jw)
		}
		// The bands take the weaker of the full-name and the given-name
		// similarity: Vietnamese names share a few family and middle names
		// ("nguyen thi "), which lift the full-name score of two different
		// people above 0.8, while the given name is what tells them apart.
		// A typo in a short given name ("anh"/"ahn") is one edit and keeps
		// the full-name score; Jaro-Winkler alone is harsh on short strings.
		if s.ta.n >= 2 && s.tb.n >= 2 {
			ga, gb := s.ta.get(fa, s.ta.n-1), s.tb.get(fb, s.tb.n-1)
			if !withinOneEdit(ga, gb) {
				if g := JaroWinkler(ga, gb); g < jw {
					jw = g
				}
			}
		}
	}
	return bandLevel(jw, bands), float32(jw)
}

// sameTokenSet reports whether the two token lists are equal as multisets.
// It sorts the spans, so it runs after anything that needs token order.
func sameTokenSet(s *NameScratch, a, b []byte) bool {
	if s.ta.n != s.tb.n || s.ta.sum != s.tb.sum {
		return false // cheap rejection of most pairs before sorting
	}
	// Copy the spans: middleCompatible needs the original order after us.
	sa, sb := s.ta, s.tb
	sa.sort(a)
	sb.sort(b)
	for k := 0; k < sa.n; k++ {
		if !bytes.Equal(sa.get(a, k), sb.get(b, k)) {
			return false
		}
	}
	return true
}

// middleCompatible reports whether two names share family (first token)
// and given (last token) names and the middle tokens of the shorter are an
// in-order subsequence of the other's, each equal or an initial of it:
// "nguyen an" ~ "nguyen van an", "nguyen v an" ~ "nguyen van an".
func middleCompatible(ta, tb *tokens, a, b []byte) bool {
	if ta.n < 2 || tb.n < 2 {
		return false
	}
	// The family names agree; the given names agree or differ by a typo
	// (a dropped middle name and a typo often come together).
	if !bytes.Equal(ta.get(a, 0), tb.get(b, 0)) {
		return false
	}
	if ga, gb := ta.get(a, ta.n-1), tb.get(b, tb.n-1); !bytes.Equal(ga, gb) && (ta.n == tb.n || !withinOneEdit(ga, gb)) {
		return false
	}
	if ta.n > tb.n {
		ta, tb, a, b = tb, ta, b, a
	}
	// Greedy subsequence match of a's middles into b's middles.
	j := 1
	for i := 1; i < ta.n-1; i++ {
		x := ta.get(a, i)
		for {
			if j >= tb.n-1 {
				return false
			}
			y := tb.get(b, j)
			j++
			if bytes.Equal(x, y) || len(x) == 1 && x[0] == y[0] || len(y) == 1 && y[0] == x[0] {
				break
			}
		}
	}
	return true
}

// Date levels.
const (
	DateElse      int8 = 0
	DateYear      int8 = 1 // same year (the most a year-only date can give)
	DateYearMonth int8 = 2 // same year and month
	DateOneDigit  int8 = 3 // one digit substituted or two adjacent digits swapped
	DateSwap      int8 = 4 // day and month swapped, same year
	DateExact     int8 = 5 // same full date
)

// CompareDate compares two dates packed as yyyymmdd with 00 for an unknown
// month or day (19900000 is "1990", 19900500 "May 1990"); 0 or a zero year
// is null. Partial dates compare only what both have: when either lacks the
// month only the years count (DateYear or DateElse), when either lacks the
// day the levels stop at DateYearMonth. The similarity is the share of equal
// digits among those compared.
func CompareDate(a, b int32) (int8, float32) {
	ya, ma, da := a/10000, a/100%100, a%100
	yb, mb, db := b/10000, b/100%100, b%100
	if a <= 0 || b <= 0 || ya == 0 || yb == 0 {
		return Null, 0
	}
	if ma == 0 || mb == 0 {
		sim := float32(equalDigits(ya, yb, 4)) / 4
		if ya == yb {
			return DateYear, sim
		}
		return DateElse, sim
	}
	if da == 0 || db == 0 {
		sim := float32(equalDigits(a/100, b/100, 6)) / 6
		switch {
		case ya == yb && ma == mb:
			return DateYearMonth, sim
		case ya == yb:
			return DateYear, sim
		}
		return DateElse, sim
	}
	if a == b {
		return DateExact, 1
	}
	// The low eight digits of each date, one per byte (least significant
	// in byte 0), from the parts already split: the differing digits are
	// the non-zero bytes of the xor, counted without a loop (the digit loop
	// took sixteen divisions and a tenth of a comparison vector).
	nz := nonZeroBytes(packDigits(ya, ma, da) ^ packDigits(yb, mb, db))
	diff := int(nz >> 7 * 0x0101010101010101 >> 56)
	sim := float32(8-diff) / 8
	switch {
	case ya == yb && ma == db && da == mb:
		return DateSwap, sim
	case diff == 1 || diff == 2 && adjacentSwap(packDigits(ya, ma, da), packDigits(yb, mb, db), nz):
		return DateOneDigit, sim
	case ya == yb && ma == mb:
		return DateYearMonth, sim
	case ya == yb:
		return DateYear, sim
	}
	return DateElse, sim
}

// digitPairs[n] holds the two decimal digits of n < 100, the units in the
// low byte.
var digitPairs = func() (t [100]uint16) {
	for n := range t {
		t[n] = uint16(n%10) | uint16(n/10)<<8
	}
	return t
}()

// packDigits returns the low eight decimal digits of the date y*10000 +
// m*100 + d (y >= 0, m and d < 100), one per byte, units in byte 0.
func packDigits(y, m, d int32) uint64 {
	yy := uint32(y)
	return uint64(digitPairs[uint32(d)%100]) | uint64(digitPairs[uint32(m)%100])<<16 |
		uint64(digitPairs[yy%100])<<32 | uint64(digitPairs[yy/100%100])<<48
}

// nonZeroBytes sets the high bit of each byte of x that is not zero and
// clears every other bit.
func nonZeroBytes(x uint64) uint64 {
	return ((x & 0x7f7f7f7f7f7f7f7f) + 0x7f7f7f7f7f7f7f7f | x) & 0x8080808080808080
}

// adjacentSwap reports whether the digits packed in x and y differ in
// exactly two adjacent bytes, swapped; nz is nonZeroBytes(x ^ y) with two
// bits set.
func adjacentSwap(x, y, nz uint64) bool {
	if nz&(nz<<8) == 0 {
		return false
	}
	k := uint(bits.TrailingZeros64(nz)) &^ 7 // the lower of the two bytes
	u, v := uint16(x>>k), uint16(y>>k)
	return u == v>>8|v<<8
}

// equalDigits counts the equal decimal digits of the n-digit numbers a, b.
func equalDigits(a, b int32, n int) int {
	k := 0
	for range n {
		k += b2i(a%10 == b%10)
		a /= 10
		b /= 10
	}
	return k
}

func digitsOneOff[T byte | int32](a, b []T) bool {
	first, diff := -1, 0
	for i := range a {
		if a[i] != b[i] {
			if diff == 0 {
				first = i
			}
			diff++
			if diff > 2 {
				return false
			}
		}
	}
	switch diff {
	case 1:
		return true
	case 2:
		i := first
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i]
	}
	return false
}

// ID levels.
const (
	IDElse int8 = 0
	// IDCrossDiffers: a 9-digit CMND against a 12-digit CCCD whose
	// province code is not one the CMND's prefix was issued by.
	IDCrossDiffers int8 = 1
	// IDCrossAgrees: a CMND whose prefix is one of the CCCD's province's.
	IDCrossAgrees int8 = 2
	IDOneDigit    int8 = 3 // one digit substituted or two adjacent swapped
	IDExact       int8 = 4
)

// cmndPrefixes lists, per 3-digit CCCD province code, the CMND prefixes
// (2 or 3 digits) issued in that province, from refdata's partial list.
var cmndPrefixes = sync.OnceValue(func() *[1000][]string {
	rd := refdata.Get()
	var out [1000][]string
	for _, is := range rd.CMNDIssuers() {
		p := rd.ProvincesOld[is.Province].CCCDPrefix
		if len(p) != 3 || !allDigits(p) {
			continue
		}
		code := int(p[0]-'0')*100 + int(p[1]-'0')*10 + int(p[2]-'0')
		out[code] = append(out[code], is.Prefix)
	}
	return &out
})

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// crossLevel compares a 9-digit CMND with a 12-digit CCCD: the CMND's
// prefix names the province that issued it, the CCCD's first three digits
// the province of birth registration. Most people hold both from one
// province, so agreement is evidence for a match and disagreement against;
// the model learns how much from the data. A CCCD province the partial
// prefix list does not cover gives null.
func crossLevel(cmnd, cccd []byte) int8 {
	if !isDigit(cccd[0]) || !isDigit(cccd[1]) || !isDigit(cccd[2]) {
		return Null
	}
	ps := cmndPrefixes()[int(cccd[0]-'0')*100+int(cccd[1]-'0')*10+int(cccd[2]-'0')]
	if len(ps) == 0 {
		return Null
	}
	for _, p := range ps {
		if string(cmnd[:len(p)]) == p {
			return IDCrossAgrees
		}
	}
	return IDCrossDiffers
}

// CompareID compares two ID numbers given as digit strings. A 9-digit CMND
// against a 12-digit CCCD shares no digits (the CCCD is a new number), so
// it is compared on provinces only (see crossLevel). Other length
// mismatches are IDElse. The similarity is the share of equal digits (0
// when the lengths differ).
func CompareID(a, b []byte) (int8, float32) {
	if len(a) == 0 || len(b) == 0 {
		return Null, 0
	}
	if len(a) != len(b) {
		switch {
		case len(a) == 9 && len(b) == 12:
			return crossLevel(a, b), 0
		case len(a) == 12 && len(b) == 9:
			return crossLevel(b, a), 0
		}
		return IDElse, 0
	}
	// Most candidate pairs that share an ID share it exactly.
	if string(a) == string(b) {
		return IDExact, 1
	}
	eq := 0
	for i := range a {
		eq += b2i(a[i] == b[i])
	}
	sim := float32(eq) / float32(len(a))
	switch {
	case digitsOneOff(a, b):
		return IDOneDigit, sim
	}
	return IDElse, sim
}

// ID-province levels.
const (
	IDProvinceElse int8 = 0
	// IDProvince2025: the CCCD's province lies in the 2025 province of
	// the other record's address (its old province unknown or another).
	IDProvince2025 int8 = 1
	// IDProvinceOld: the CCCD's province is the old province of the
	// other record's address.
	IDProvinceOld int8 = 2
)

// cccdNewProvince maps an old province code (a CCCD's first three digits)
// to its 2025 province code, 0 where refdata has none.
var cccdNewProvince = sync.OnceValue(func() *[1000]int32 {
	var out [1000]int32
	for _, p := range refdata.Get().ProvincesOld {
		c, e1 := strconv.Atoi(p.Code)
		n, e2 := strconv.Atoi(p.NewCode)
		if e1 == nil && e2 == nil && c > 0 && c < 1000 {
			out[c] = int32(n)
		}
	}
	return &out
})

// CompareIDProvince compares a record's 12-digit CCCD with the addresses
// of a record that holds no ID number (provs: per address its old and
// 2025 province codes, 0 unknown). A CCCD's first three digits are the
// province where the birth was registered; people live there or return
// there, so a record without an ID living in that province is evidence
// for a match, one living elsewhere against (the model learns how much;
// a namesake born the same day elsewhere in the country is the commonest
// false match of a register whose records lack IDs). The best address
// wins; no address known gives Null.
func CompareIDProvince(cccd []byte, provs [][2]int32) (int8, float32) {
	if len(cccd) != 12 || !isDigit(cccd[0]) || !isDigit(cccd[1]) || !isDigit(cccd[2]) {
		return Null, 0
	}
	code := int32(cccd[0]-'0')*100 + int32(cccd[1]-'0')*10 + int32(cccd[2]-'0')
	newCode := cccdNewProvince()[code]
	best := Null
	for _, p := range provs {
		switch {
		case p[0] != 0 && p[0] == code:
			return IDProvinceOld, 1
		case p[1] != 0 && newCode != 0 && p[1] == newCode:
			best = IDProvince2025
		case (p[0] != 0 || p[1] != 0) && best == Null:
			best = IDProvinceElse
		}
	}
	return best, 0
}

// Phone levels.
const (
	PhoneElse  int8 = 0
	PhoneExact int8 = 1 // some phone of one record is a phone of the other
)

// ComparePhones compares two lists of phone numbers, each a run of digits
// separated by any non-digit byte ("0912345678;0987654321"): PhoneExact
// when any number of a equals any number of b, null when either list is
// empty.
func ComparePhones(a, b []byte) (int8, float32) {
	if !hasDigit(a) || !hasDigit(b) {
		return Null, 0
	}
	for ia := 0; ia < len(a); {
		x, na := nextNumber(a, ia)
		ia = na
		if len(x) == 0 {
			continue
		}
		for ib := 0; ib < len(b); {
			y, nb := nextNumber(b, ib)
			ib = nb
			if len(y) > 0 && bytes.Equal(x, y) {
				return PhoneExact, 1
			}
		}
	}
	return PhoneElse, 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func hasDigit(s []byte) bool {
	for _, c := range s {
		if isDigit(c) {
			return true
		}
	}
	return false
}

// nextNumber returns the digit run starting at or after i and the index
// after it.
func nextNumber(s []byte, i int) ([]byte, int) {
	for i < len(s) && !isDigit(s[i]) {
		i++
	}
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return s[i:j], j
}

// Address levels.
const (
	AddrElse        int8 = 0
	AddrProvince    int8 = 1 // same 2025 province
	AddrDistrictOld int8 = 2 // same pre-2025 district
	AddrWard        int8 = 3 // same 2025 ward
)

// AddressCodes are the administrative units of one address, 0 where
// unknown: the 2025 ward and province (derived by normalize also for
// addresses written in old units, so both sides compare in 2025 units) and
// the pre-2025 district.
type AddressCodes struct {
	Ward2025, DistrictOld, Province2025 int32
}

// CompareAddress returns the strongest unit both addresses share: AddrWard,
// AddrDistrictOld, AddrProvince, else AddrElse when some unit is known on
// both sides, and null when no unit is known on both sides. The similarity
// is the level over AddrWard.
func CompareAddress(a, b AddressCodes) (int8, float32) {
	l := Null
	switch {
	case a.Ward2025 != 0 && a.Ward2025 == b.Ward2025:
		l = AddrWard
	case a.DistrictOld != 0 && a.DistrictOld == b.DistrictOld:
		l = AddrDistrictOld
	case a.Province2025 != 0 && a.Province2025 == b.Province2025:
		l = AddrProvince
	case a.Ward2025 != 0 && b.Ward2025 != 0,
		a.DistrictOld != 0 && b.DistrictOld != 0,
		a.Province2025 != 0 && b.Province2025 != 0:
		l = AddrElse
	default:
		return Null, 0
	}
	return l, float32(l) / float32(AddrWard)
}

// CompareString compares two normalized strings (FEBRL-style fields):
// len(bands)+1 when equal, the Jaro-Winkler band (len(bands)..1) otherwise,
// 0 below every band, null when either is empty. The similarity is the
// Jaro-Winkler similarity.
func CompareString(a, b []byte, bands []float64) (int8, float32) {
	if len(a) == 0 || len(b) == 0 {
		return Null, 0
	}
	if bytes.Equal(a, b) {
		return int8(len(bands)) + 1, 1
	}
	jw := JaroWinkler(a, b)
	return bandLevel(jw, bands), float32(jw)
}

// CompareExact returns 1 when a and b are equal, 0 when not, null when
// either is empty.
func CompareExact(a, b []byte) (int8, float32) {
	if len(a) == 0 || len(b) == 0 {
		return Null, 0
	}
	if bytes.Equal(a, b) {
		return 1, 1
	}
	return 0, 0
}

// CompareExactInt is [CompareExact] for integer codes, 0 being null.
func CompareExactInt(a, b int32) (int8, float32) {
	if a == 0 || b == 0 {
		return Null, 0
	}
	if a == b {
		return 1, 1
	}
	return 0, 0
}

// withinOneEdit reports whether a and b differ by at most one insertion,
// deletion, substitution or transposition of adjacent bytes.
func withinOneEdit(a, b []byte) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true // equal, or b has one byte more at the end
	}
	if len(a) == len(b) {
		if bytes.Equal(a[i+1:], b[i+1:]) {
			return true // substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && bytes.Equal(a[i+2:], b[i+2:]) // transposition
	}
	return bytes.Equal(a[i:], b[i+1:]) // insertion into a
}

// oneTokenTypo reports whether two token lists of the same length are equal
// but for exactly one token, which is within one edit of its counterpart.
func oneTokenTypo(ta, tb *tokens, a, b []byte) bool {
	if ta.n != tb.n || ta.n < 2 {
		return false
	}
	diff := 0
	for k := 0; k < ta.n; k++ {
		x, y := ta.get(a, k), tb.get(b, k)
		if bytes.Equal(x, y) {
			continue
		}
		if diff++; diff > 1 || !withinOneEdit(x, y) {
			return false
		}
	}
	return diff == 1
}

// WithinOneEdit reports whether a and b are equal or one substitution,
// insertion, deletion or adjacent transposition apart (the typo the name
// levels forgive; the clusterer's given-name cannot-link forgives it too).
func WithinOneEdit(a, b []byte) bool { return withinOneEdit(a, b) }
