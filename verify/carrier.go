package verify

import (
	"path/filepath"
	"strings"
	"sync"

	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/refdata"
)

// CarrierUnknown is the carrier of a subscription whose list has a
// carrier column but whose cell is empty. Such a subscription is verified
// and counts towards the total limit (R6), but towards no network's limit
// (R1): the network is not known, and lumping the unknown ones together
// would invent a network.
const CarrierUnknown = "unknown"

// carrierNoise are words that carriers' names carry or lose from one list
// to another ("Viettel Mobile", "Viettel Telecom", "Tập đoàn Viettel",
// "VNPT VinaPhone"): dropped from either end before the name is looked up.
var carrierNoise = map[string]bool{
	"mobile": true, "telecom": true, "telecoms": true, "telecommunication": true, "telecommunications": true,
	"jsc": true, "corp": true, "corporation": true, "group": true, "network": true, "vietnam": true, "vn": true,
	"tap": true, "doan": true, "cong": true, "ty": true, "mang": true, "vnpt": true, "co": true, "ltd": true,
}

var (
	carrierOnce  sync.Once
	carrierByKey map[string]string // folded key → refdata carrier name
)

// carrierKeys builds the known carriers from refdata.MobilePrefixes: the
// name before a parenthesis is the carrier ("Gmobile (Gtel)" is Gmobile),
// the part inside is an alias of it.
func carrierKeys() map[string]string {
	carrierOnce.Do(func() {
		carrierByKey = map[string]string{}
		for _, p := range refdata.Get().MobilePrefixes {
			name, alias, _ := strings.Cut(p.Carrier, "(")
			name = strings.TrimSpace(name)
			for _, a := range []string{name, strings.TrimSuffix(strings.TrimSpace(alias), ")")} {
				if k := carrierKey(a, false); k != "" {
					carrierByKey[k] = name
				}
				if k := carrierKey(a, true); k != "" && carrierByKey[k] == "" {
					carrierByKey[k] = name
				}
			}
		}
	})
	return carrierByKey
}

// carrierKey folds a carrier name to a key: lower case, no diacritics,
// only letters and digits ("Vina Phone", "VinaPhone", "vinaphone" are one
// key). With strip, noise words at either end are dropped first.
func carrierKey(s string, strip bool) string {
	words := strings.FieldsFunc(normalize.FoldString(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if strip {
		for len(words) > 1 && carrierNoise[words[len(words)-1]] {
			words = words[:len(words)-1]
		}
		for len(words) > 1 && carrierNoise[words[0]] {
			words = words[1:]
		}
	}
	return strings.Join(words, "")
}

// CarrierName is the carrier a list names: a known network under its
// refdata name whatever its case, diacritics, spacing or suffix
// ("VIETTEL", "Viettel Mobile", "Vina Phone", "Mobifone", "Gtel" are
// Viettel, Vinaphone, MobiFone and Gmobile); any other name as written,
// its spaces trimmed and collapsed; CarrierUnknown for a blank one.
func CarrierName(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return CarrierUnknown
	}
	keys := carrierKeys()
	if n := keys[carrierKey(s, false)]; n != "" {
		return n
	}
	if n := keys[carrierKey(s, true)]; n != "" {
		return n
	}
	return s
}

// knownCarrier says whether name is a network of refdata or
// CarrierUnknown: not a value only the data holds.
func knownCarrier(name string) bool {
	if name == CarrierUnknown {
		return true
	}
	for _, n := range carrierKeys() {
		if n == name {
			return true
		}
	}
	return false
}

// fileCarrier is the carrier of a list without a carrier column: by
// convention such a list is one network's, named by its file name
// (viettel.parquet is Viettel's).
func fileCarrier(path string) string {
	b := filepath.Base(path)
	return CarrierName(strings.TrimSuffix(b, filepath.Ext(b)))
}

// carrierCache maps the carrier cells seen in the lists to their
// CarrierName; built once by countSIMs and read by all workers.
type carrierCache map[string]string

// of returns the carrier of a cell; a list without a carrier column (col
// false) takes its file's.
func (c carrierCache) of(cell []byte, col bool, file string) string {
	if !col {
		return c[fileKey+file]
	}
	if n, ok := c[string(cell)]; ok {
		return n
	}
	return CarrierName(string(cell))
}

// fileKey prefixes the cache entry of a file's carrier; it cannot start a
// cell (a NUL byte).
const fileKey = "\x00file:"
