// Package refdata holds the Vietnamese reference tables the engine needs:
// administrative units before and after the 1 July 2025 reorganisation and
// the mapping between them, address abbreviations and province aliases,
// name frequencies and variants, mobile prefixes, CCCD codes, legacy
// encoding tables and SIM registration rules.
//
// The tables are generated from ../shared/data/vn by `go generate` (see
// internal/mkrefdata) and embedded in the binary, so nothing reads the
// shared folder at run or test time. They are parsed once, on first use.
package refdata

//go:generate go run ./internal/mkrefdata -src ../../shared/data/vn -dst data

import (
	"embed"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

//go:embed data/*.csv
var files embed.FS

// ProvinceOld is one of the 63 provinces in force until 30 June 2025.
type ProvinceOld struct {
	Code, Name, FullName, Type, NameEN string
	CCCDPrefix                         string // 3-digit CCCD code: "0" + Code
	NewCode                            string // the 2025 province it merged into
	Aliases                            []string
}

// ProvinceNew is one of the 34 provinces in force from 1 July 2025.
type ProvinceNew struct {
	Code, Name, FullName, Type, NameEN string
	OldCodes                           []string
	Aliases                            []string
}

// District is a pre-2025 district (districts were abolished in 2025).
type District struct {
	Code, Name, FullName, Type, ProvinceCode string
}

// WardOld is a pre-2025 ward, commune or township.
type WardOld struct {
	Code, Name, FullName, Type, DistrictCode, ProvinceCode string
}

// WardNew is a ward, commune or special zone from 1 July 2025.
type WardNew struct {
	Code, Name, FullName, Type, ProvinceCode string
}

// WardLink is one old→new ward relation. OldWard is empty for the island
// districts that had no wards and map as whole districts.
type WardLink struct {
	OldWard, OldDistrict, OldProvince string
	NewWard, NewProvince              string
	Partial                           bool // the old ward was split across several new wards
}

// ProvinceAlias is an informal or abbreviated name of a province.
type ProvinceAlias struct {
	Alias, OldCode, NewCode, Kind string
	Ambiguous                     bool
	OtherCodes                    []string // other pre-2025 codes the alias may mean
}

// Abbreviation is a common address abbreviation (TP., Q., P., H., TX. ...).
type Abbreviation struct {
	Abbrev, Expansion, Level string
}

// HistoricalProvince is a former province name with its successors.
type HistoricalProvince struct {
	Name       string
	Successors []string // pre-2025 province codes
}

// Surname is a family name with its share in percent. NationalShare is the
// published national estimate, known only for the 14 commonest surnames
// (Hoàng/Huỳnh and Vũ/Võ each counted as one group); SampleShare comes from
// a forum sample biased to the south and is known for all of them.
type Surname struct {
	Name          string
	NationalShare float64 // 0 where no national figure exists
	SampleShare   float64
	Variants      []string
}

// MiddleName is a middle name with its share in percent and a gender hint.
type MiddleName struct {
	Name       string
	Share      float64
	GenderHint string // "mostly male", "mostly female" or ""
}

// GivenName is a given name with its share in percent and gender hints.
type GivenName struct {
	Name      string
	Share     float64
	Boy, Girl bool
}

// NameVariant links two spellings of one name (Hoàng/Huỳnh, Vũ/Võ, Hòa/Hoà).
type NameVariant struct {
	A, B, AppliesTo string
}

// MobilePrefix is a 10-digit mobile prefix with its carrier and, where the
// prefix came from the 2018 conversion, the old 11-digit prefix.
type MobilePrefix struct {
	Prefix, Carrier, OldPrefix, Kind string
}

// CenturyGender decodes the fourth digit of a CCCD number.
type CenturyGender struct {
	Digit            byte
	Female           bool
	YearFrom, YearTo int
}

// CMNDPrefix is the issuing province of a 9-digit CMND by its first digits
// (the source list is partial).
type CMNDPrefix struct {
	Prefix, Province string
}

// LegacyChar gives the legacy encodings of one Vietnamese letter with a
// diacritic. Byte sequences are raw bytes; empty where the encoding has none.
type LegacyChar struct {
	Char   rune
	TCVN3  []byte // TCVN3 (ABC) 8-bit font byte
	VN1    []byte // full TCVN 5712:1993 VN1 byte
	VNI    []byte // VNI-Windows byte sequence (base letter + mark bytes)
	VIQR   string
	CP1258 []byte
	VISCII []byte
}

// SIMRule is a SIM registration rule with its legal basis and confidence.
type SIMRule struct {
	ID, Rule, Value, LegalBasis, Confidence string
}

// Tables is the parsed reference data.
type Tables struct {
	ProvincesOld        []ProvinceOld
	ProvincesNew        []ProvinceNew
	Districts           []District
	WardsOld            []WardOld
	WardsNew            []WardNew
	WardLinks           []WardLink
	ProvinceAliases     []ProvinceAlias
	Abbreviations       []Abbreviation
	HistoricalProvinces []HistoricalProvince
	Surnames            []Surname
	MiddleNames         []MiddleName
	GivenNames          []GivenName
	NameVariants        []NameVariant
	MobilePrefixes      []MobilePrefix
	CenturyGender       []CenturyGender
	CMNDPrefixes        []CMNDPrefix
	cmnd                cmndJoin // CMNDPrefixes joined to ProvincesOld (cmnd.go)
	LegacyChars         []LegacyChar
	SIMRules            []SIMRule
}

var (
	once   sync.Once
	loaded *Tables
)

// Get returns the reference tables, parsing them on first use. The tables
// are shared and must not be modified.
func Get() *Tables {
	once.Do(func() {
		t, err := parse()
		if err != nil {
			// The embedded files are generated and tested; a failure here
			// is a build defect, not bad user input.
			panic("BUG: refdata: " + err.Error())
		}
		loaded = t
	})
	return loaded
}

func parse() (*Tables, error) {
	t := &Tables{}
	var err error
	read := func(name string, want int, fn func(r []string) error) {
		if err != nil {
			return
		}
		var rows [][]string
		rows, err = readCSV(name, want)
		for i, r := range rows {
			if err != nil {
				return
			}
			if e := fn(r); e != nil {
				err = fmt.Errorf("%s row %d: %w", name, i+2, e)
			}
		}
	}
	read("provinces_pre2025.csv", 8, func(r []string) error {
		t.ProvincesOld = append(t.ProvincesOld, ProvinceOld{r[0], r[1], r[2], r[3], r[4], r[5], r[6], list(r[7])})
		return nil
	})
	read("provinces_2025.csv", 7, func(r []string) error {
		t.ProvincesNew = append(t.ProvincesNew, ProvinceNew{r[0], r[1], r[2], r[3], r[4], list(r[5]), list(r[6])})
		return nil
	})
	read("districts_pre2025.csv", 5, func(r []string) error {
		t.Districts = append(t.Districts, District{r[0], r[1], r[2], r[3], r[4]})
		return nil
	})
	read("wards_pre2025.csv", 6, func(r []string) error {
		t.WardsOld = append(t.WardsOld, WardOld{r[0], r[1], r[2], r[3], r[4], r[5]})
		return nil
	})
	read("wards_2025.csv", 5, func(r []string) error {
		t.WardsNew = append(t.WardsNew, WardNew{r[0], r[1], r[2], r[3], r[4]})
		return nil
	})
	read("ward_mapping_2025.csv", 6, func(r []string) error {
		t.WardLinks = append(t.WardLinks, WardLink{r[0], r[1], r[2], r[3], r[4], r[5] == "partial"})
		return nil
	})
	read("province_aliases.csv", 6, func(r []string) error {
		t.ProvinceAliases = append(t.ProvinceAliases, ProvinceAlias{r[0], r[1], r[2], r[3], r[4] == "yes", list(r[5])})
		return nil
	})
	read("address_abbreviations.csv", 3, func(r []string) error {
		t.Abbreviations = append(t.Abbreviations, Abbreviation{r[0], r[1], r[2]})
		return nil
	})
	read("historical_provinces.csv", 2, func(r []string) error {
		t.HistoricalProvinces = append(t.HistoricalProvinces, HistoricalProvince{r[0], list(r[1])})
		return nil
	})
	read("surnames.csv", 4, func(r []string) error {
		var national float64
		var e error
		if r[1] != "" {
			national, e = strconv.ParseFloat(r[1], 64)
		}
		sample, e2 := strconv.ParseFloat(r[2], 64)
		t.Surnames = append(t.Surnames, Surname{r[0], national, sample, list(r[3])})
		if e == nil {
			e = e2
		}
		return e
	})
	read("middle_names.csv", 3, func(r []string) error {
		share, e := strconv.ParseFloat(r[1], 64)
		t.MiddleNames = append(t.MiddleNames, MiddleName{r[0], share, r[2]})
		return e
	})
	read("given_names.csv", 4, func(r []string) error {
		share, e := strconv.ParseFloat(r[1], 64)
		t.GivenNames = append(t.GivenNames, GivenName{r[0], share, r[2] == "yes", r[3] == "yes"})
		return e
	})
	read("name_variants.csv", 3, func(r []string) error {
		t.NameVariants = append(t.NameVariants, NameVariant{r[0], r[1], r[2]})
		return nil
	})
	read("mobile_prefixes.csv", 4, func(r []string) error {
		t.MobilePrefixes = append(t.MobilePrefixes, MobilePrefix{r[0], r[1], r[2], r[3]})
		return nil
	})
	read("cccd_century_gender_codes.csv", 4, func(r []string) error {
		from, e1 := strconv.Atoi(r[2])
		to, e2 := strconv.Atoi(r[3])
		if len(r[0]) != 1 || e1 != nil || e2 != nil {
			return fmt.Errorf("bad century/gender row %q", r)
		}
		t.CenturyGender = append(t.CenturyGender, CenturyGender{r[0][0] - '0', r[1] == "female", from, to})
		return nil
	})
	read("cmnd_prefixes.csv", 2, func(r []string) error {
		t.CMNDPrefixes = append(t.CMNDPrefixes, CMNDPrefix{r[0], r[1]})
		return nil
	})
	read("legacy_encodings.csv", 7, func(r []string) error {
		runes := []rune(r[0])
		if len(runes) != 1 {
			return fmt.Errorf("char %q is not one rune", r[0])
		}
		c := LegacyChar{Char: runes[0], VIQR: r[4]}
		var e error
		for _, f := range []struct {
			dst *[]byte
			hex string
		}{{&c.TCVN3, r[1]}, {&c.VN1, r[2]}, {&c.VNI, r[3]}, {&c.CP1258, r[5]}, {&c.VISCII, r[6]}} {
			if *f.dst, e = unhex(f.hex); e != nil {
				return e
			}
		}
		t.LegacyChars = append(t.LegacyChars, c)
		return nil
	})
	read("sim_rules.csv", 5, func(r []string) error {
		t.SIMRules = append(t.SIMRules, SIMRule{r[0], r[1], r[2], r[3], r[4]})
		return nil
	})
	if err != nil {
		return nil, err
	}
	t.joinCMND()
	return t, nil
}

func readCSV(name string, want int) ([][]string, error) {
	f, err := files.Open("data/" + name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = want
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(rows) < 2 {
		return nil, fmt.Errorf("%s: no rows", name)
	}
	return rows[1:], nil
}

func list(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func unhex(s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	if len(s)%2 != 0 {
		return nil, fmt.Errorf("odd hex %q", s)
	}
	b := make([]byte, len(s)/2)
	for i := range b {
		v, err := strconv.ParseUint(s[2*i:2*i+2], 16, 8)
		if err != nil {
			return nil, fmt.Errorf("bad hex %q", s)
		}
		b[i] = byte(v)
	}
	return b, nil
}

// unitNames2025 maps the codes of the 2025 wards and provinces to their
// full names, built once.
var unitNames2025 = sync.OnceValues(func() (wards, provinces map[int32]string) {
	wards, provinces = map[int32]string{}, map[int32]string{}
	t := Get()
	for _, w := range t.WardsNew {
		c, _ := strconv.Atoi(w.Code)
		wards[int32(c)] = w.FullName
	}
	for _, p := range t.ProvincesNew {
		c, _ := strconv.Atoi(p.Code)
		provinces[int32(c)] = p.FullName
	}
	return wards, provinces
})

// WardName2025 is the full name of the 2025 ward with the given code, ""
// if none has it.
func WardName2025(code int32) string {
	w, _ := unitNames2025()
	return w[code]
}

// ProvinceName2025 is the full name of the 2025 province with the given
// code, "" if none has it.
func ProvinceName2025(code int32) string {
	_, p := unitNames2025()
	return p[code]
}

// oldUnits are the full names of the pre-2025 wards, districts and
// provinces, indexed by code (codes are dense and small: the golden
// records look up three per address, a slice index instead of a map's
// hash).
type oldUnits struct{ wards, districts, provinces []string }

// unitNamesOld indexes the names of the pre-2025 units, built once.
var unitNamesOld = sync.OnceValue(func() oldUnits {
	var u oldUnits
	put := func(names []string, code, name string) []string {
		c, _ := strconv.Atoi(code)
		if c >= len(names) {
			names = append(names, make([]string, c+1-len(names))...)
		}
		names[c] = name
		return names
	}
	t := Get()
	for _, w := range t.WardsOld {
		u.wards = put(u.wards, w.Code, w.FullName)
	}
	for _, d := range t.Districts {
		u.districts = put(u.districts, d.Code, d.FullName)
	}
	for _, p := range t.ProvincesOld {
		u.provinces = put(u.provinces, p.Code, p.FullName)
	}
	return u
})

// nameAt is names[code], "" when no unit has the code.
func nameAt(names []string, code int32) string {
	if code < 0 || int(code) >= len(names) {
		return ""
	}
	return names[code]
}

// WardNameOld is the full name of the pre-2025 ward with the given code,
// "" if none has it.
func WardNameOld(code int32) string {
	return nameAt(unitNamesOld().wards, code)
}

// DistrictNameOld is the full name of the pre-2025 district with the
// given code, "" if none has it.
func DistrictNameOld(code int32) string {
	return nameAt(unitNamesOld().districts, code)
}

// ProvinceNameOld is the full name of the pre-2025 province with the
// given code, "" if none has it.
func ProvinceNameOld(code int32) string {
	return nameAt(unitNamesOld().provinces, code)
}
