// Package gen writes synthetic Vietnamese population registers and SIM
// subscriber lists with their ground truth, for testing and measuring the
// normalizer and the linkage engine.
//
// Persons are numbered 0..People-1 and generated in fixed-size chunks on a
// worker pool. Every person draws from its own random stream, seeded from
// (seed, person index) by a mixing function, and everything that ties
// persons together (duplicates, hard negatives, SIM farms) stays inside one
// chunk, so memory is bounded and the output bytes do not depend on the
// number of workers: chunks are written in chunk order.
package gen

import (
	"fmt"
	"sort"
)

// Options configures Generate.
type Options struct {
	People  int64  // number of distinct persons, > 0
	Seed    uint64 // the same seed and options give the same bytes
	Profile string // clean, default, dirty, or a derived one: noids, twins ("" = default)
	Workers int    // generating goroutines; <= 0 means 1. Never changes the output.
	Format  string // parquet (default) or csv
	OutDir  string // created if missing
	Quiet   bool   // no progress on stderr
	// Nights is the number of nightly snapshots written after night 0
	// into OutDir/nights/1..Nights, at NightRate events per person per
	// night (0 = DefaultNightRate). See nights.go.
	Nights    int
	NightRate float64
	// Sectors are the sector tables to write besides the register
	// (SectorNames; see sectors.go), each with its truth.
	Sectors []string
}

// Rate names, in the order of the README table. Each is a probability per
// record (population), per person or per subscription, as Describe says.
const (
	RateMoved             = "moved_province"
	RateDuplicate         = "duplicate_same_province"
	RateNoDiacritics      = "name_no_diacritics"
	RateOldTone           = "name_old_tone"
	RateNFD               = "name_nfd"
	RateTCVN3             = "name_tcvn3"
	RateVNI               = "name_vni"
	RateTypo              = "name_typo"
	RateTelex             = "name_telex"
	RateReorder           = "name_reorder"
	RateMiddleDropped     = "name_middle_dropped"
	RateMiddleAbbrev      = "name_middle_abbrev"
	RateRegionalVariant   = "name_regional_variant"
	RateUpper             = "name_upper"
	RateDOBSwap           = "dob_day_month_swap"
	RateDOBYearOnly       = "dob_year_only"
	RateDOBDigit          = "dob_digit"
	RateDOBFormat         = "dob_format"
	RateGenderFormat      = "gender_format"
	RateIDMissing         = "id_missing"
	RateIDCMND            = "id_cmnd"
	RateIDDigit           = "id_digit"
	RatePhoneMissing      = "phone_missing"
	RatePhoneFormat       = "phone_format"
	RatePhoneOldPrefix    = "phone_old_prefix"
	RateAddrAbbrev        = "addr_abbrev"
	RateAddr2025          = "addr_2025_units"
	RateAddrMissing       = "addr_missing_part"
	RateCMNDOnly          = "cmnd_only"
	RateSameName          = "same_name_birthyear_province"
	RateTwin              = "twin"
	RateFatherSon         = "father_son"
	RateCommonName        = "common_name"
	RateSubTypo           = "sub_typo"
	RateSubWrongDOB       = "sub_wrong_dob"
	RateSubOtherID        = "sub_other_person_id"
	RateSubPhoneOtherName = "sub_phone_other_name"
	RateSubNonexistent    = "sub_nonexistent_id"
	RateSubFarm           = "sub_sim_farm"
	RateSubPlus84         = "sub_msisdn_plus84"
)

// rateDoc says what each rate is a probability of, for the README and
// the manifest.
var rateDoc = [][2]string{
	{RateMoved, "person: one more record in another province (moved; old address there)"},
	{RateDuplicate, "person: one more record in the same province"},
	{RateNoDiacritics, "record: name typed without diacritics"},
	{RateOldTone, "record whose name has a final oa/oe/uy: tone placed old-style (Hoà, Thuỷ)"},
	{RateNFD, "record: name and addresses in NFD instead of NFC"},
	{RateTCVN3, "record: name and addresses in TCVN3 read as Windows-1252"},
	{RateVNI, "record: name and addresses in VNI read as Windows-1252"},
	{RateTypo, "record: one keyboard slip in the name"},
	{RateTelex, "record: one name word left as Telex keys (Nguyeenx)"},
	{RateReorder, "record: given name written first"},
	{RateMiddleDropped, "record with a middle name: middle name dropped"},
	{RateMiddleAbbrev, "record with a middle name: middle name as an initial (Nguyễn T. Lan)"},
	{RateRegionalVariant, "record whose name has a variant (Hoàng/Huỳnh, Vũ/Võ…): variant used"},
	{RateUpper, "record: name in capitals"},
	{RateDOBSwap, "record with day ≤ 12 ≠ month: day and month swapped"},
	{RateDOBYearOnly, "record: only the birth year"},
	{RateDOBDigit, "record: one digit of the date wrong"},
	{RateDOBFormat, "record: date not in dd/mm/yyyy (yyyy-mm-dd, d-m-yy, dd.mm.yyyy…)"},
	{RateGenderFormat, "record: gender as nam/NAM/M/nu/F… instead of Nam/Nữ"},
	{RateIDMissing, "record: national ID empty"},
	{RateIDCMND, "record of a person born before 1990: the old 9-digit CMND instead of the CCCD"},
	{RateIDDigit, "record: one digit of the ID wrong"},
	{RatePhoneMissing, "record of a person with a phone: phone empty"},
	{RatePhoneFormat, "record: phone as +84/84, or with spaces, dots or dashes"},
	{RatePhoneOldPrefix, "record whose phone prefix was converted in 2018: old 11-digit form (0162…)"},
	{RateAddrAbbrev, "record: addresses abbreviated (P., Q., H., TX., TP.HCM…)"},
	{RateAddr2025, "record: addresses in the 2025 units (new ward, new province, no district)"},
	{RateAddrMissing, "record: one part of an address missing"},
	{RateCMNDOnly, "person born before 1985: has only a 9-digit CMND, no CCCD"},
	{RateSameName, "person: followed by another person with the same name, birth year and province"},
	{RateTwin, "person: followed by a twin (same surname, birth date, address)"},
	{RateFatherSon, "person: a father followed by his son of the same full name at the same address"},
	{RateCommonName, "person: given one of the commonest full names (Nguyễn Văn Anh…)"},
	{RateSubTypo, "subscription: small typo in the registered name"},
	{RateSubWrongDOB, "subscription: wrong registered date of birth"},
	{RateSubOtherID, "subscription: ID number of another real person"},
	{RateSubPhoneOtherName, "subscription: a real person's phone registered under another identity"},
	{RateSubNonexistent, "person: one extra subscription under a fake identity with a valid-looking ID nobody has"},
	{RateSubFarm, "person: holds a SIM farm of 10–100 subscriptions across carriers on one ID"},
	{RateSubPlus84, "subscription: msisdn in +84 form"},
}

// Profile is a named set of rates.
type Profile struct {
	Name  string
	Rates map[string]float64
}

// Rate returns the named rate, 0 if the profile does not set it.
func (p Profile) Rate(name string) float64 { return p.Rates[name] }

// profileTable holds clean, default, dirty for every rate.
var profileTable = map[string][3]float64{
	RateMoved:             {0.02, 0.06, 0.12},
	RateDuplicate:         {0.005, 0.02, 0.05},
	RateNoDiacritics:      {0.01, 0.05, 0.12},
	RateOldTone:           {0.05, 0.15, 0.30},
	RateNFD:               {0.005, 0.03, 0.08},
	RateTCVN3:             {0.002, 0.01, 0.03},
	RateVNI:               {0.002, 0.01, 0.03},
	RateTypo:              {0.005, 0.03, 0.08},
	RateTelex:             {0.002, 0.01, 0.03},
	RateReorder:           {0.002, 0.01, 0.03},
	RateMiddleDropped:     {0.005, 0.02, 0.05},
	RateMiddleAbbrev:      {0.003, 0.01, 0.03},
	RateRegionalVariant:   {0.01, 0.03, 0.06},
	RateUpper:             {0.02, 0.05, 0.10},
	RateDOBSwap:           {0.005, 0.02, 0.05},
	RateDOBYearOnly:       {0.003, 0.01, 0.03},
	RateDOBDigit:          {0.003, 0.01, 0.03},
	RateDOBFormat:         {0.05, 0.20, 0.40},
	RateGenderFormat:      {0.01, 0.05, 0.10},
	RateIDMissing:         {0.01, 0.04, 0.10},
	RateIDCMND:            {0.01, 0.04, 0.08},
	RateIDDigit:           {0.002, 0.01, 0.03},
	RatePhoneMissing:      {0.05, 0.15, 0.25},
	RatePhoneFormat:       {0.10, 0.30, 0.50},
	RatePhoneOldPrefix:    {0.02, 0.06, 0.12},
	RateAddrAbbrev:        {0.05, 0.25, 0.45},
	RateAddr2025:          {0.05, 0.15, 0.30},
	RateAddrMissing:       {0.02, 0.08, 0.15},
	RateCMNDOnly:          {0.05, 0.10, 0.15},
	RateSameName:          {0.002, 0.005, 0.005},
	RateTwin:              {0.005, 0.008, 0.008},
	RateFatherSon:         {0.002, 0.004, 0.004},
	RateCommonName:        {0.003, 0.01, 0.01},
	RateSubTypo:           {0.01, 0.04, 0.08},
	RateSubWrongDOB:       {0.005, 0.02, 0.05},
	RateSubOtherID:        {0.002, 0.01, 0.03},
	RateSubPhoneOtherName: {0.002, 0.01, 0.03},
	RateSubNonexistent:    {0.001, 0.005, 0.015},
	RateSubFarm:           {0.00005, 0.0002, 0.0005},
	RateSubPlus84:         {0.02, 0.08, 0.15},
}

// ProfileNames lists the profiles from the cleanest.
var ProfileNames = []string{"clean", "default", "dirty"}

// GetProfile returns the named profile ("" is default).
func GetProfile(name string) (Profile, error) {
	if name == "" {
		name = "default"
	}
	if p, ok := derivedProfile(name); ok {
		return p, nil
	}
	k := -1
	for i, n := range ProfileNames {
		if n == name {
			k = i
		}
	}
	if k < 0 {
		return Profile{}, fmt.Errorf("unknown profile %q (want clean, default, dirty, noids or twins)", name)
	}
	p := Profile{Name: name, Rates: map[string]float64{}}
	for r, v := range profileTable {
		p.Rates[r] = v[k]
	}
	return p, nil
}

// RateNames returns every rate name in documentation order.
func RateNames() []string {
	out := make([]string, len(rateDoc))
	for i, d := range rateDoc {
		out[i] = d[0]
	}
	return out
}

// DescribeRate says what a rate is a probability of.
func DescribeRate(name string) string {
	for _, d := range rateDoc {
		if d[0] == name {
			return d[1]
		}
	}
	return ""
}

// Manifest describes one generated data set. It holds no worker count,
// so that it is byte-identical whatever the parallelism.
type Manifest struct {
	Seed          uint64             `json:"seed"`
	People        int64              `json:"people"`
	Profile       string             `json:"profile"`
	Format        string             `json:"format"`
	ChunkSize     int                `json:"chunk_size"`
	ReferenceDate string             `json:"reference_date"`
	Rates         map[string]float64 `json:"rates"`
	Records       int64              `json:"records"`
	Subscriptions int64              `json:"subscriptions"`
	Files         []FileCount        `json:"files"`
	Corruptions   map[string]int64   `json:"corruptions"`
	SubCases      map[string]int64   `json:"subscriber_cases"`
	SubCorrupt    map[string]int64   `json:"subscriber_corruptions"`
	HardNegatives map[string]int64   `json:"hard_negatives"`
	Nights        int                `json:"nights,omitempty"`
	NightRate     float64            `json:"night_rate,omitempty"`
}

// FileCount is the number of rows of one output file.
type FileCount struct {
	Path string `json:"path"` // relative to the output folder
	Rows int64  `json:"rows"`
}

func sortFiles(fs []FileCount) {
	sort.Slice(fs, func(i, j int) bool { return fs[i].Path < fs[j].Path })
}
