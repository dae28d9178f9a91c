// Package config is the job config of `dedup run`: input sources and the
// schema mapping (which columns feed which fields, of which kind), blocking
// rules, comparisons, model training, the threshold, outputs and
// survivorship. A config is YAML; Default is the Vietnamese register schema
// written by `dedup gen`. Validate names the offending key in every error.
package config

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/dedup-vn/dedup/normalize"
)

//go:embed default.yaml
var defaultYAML []byte

//go:embed febrl.yaml
var febrlYAML []byte

// sectorYAML are the embedded configs that link a sector table to the
// register, by name (`dedup config bhxh`).
var sectorYAML = map[string][]byte{"bhxh": bhxhYAML, "vehicles": vehiclesYAML, "passports": passportsYAML}

var (
	//go:embed bhxh.yaml
	bhxhYAML []byte
	//go:embed vehicles.yaml
	vehiclesYAML []byte
	//go:embed passports.yaml
	passportsYAML []byte
)

// SectorNames lists the embedded sector configs.
func SectorNames() []string { return sortedKeys(sectorYAML) }

// SectorYAML is the text of the named embedded sector config, or nil.
func SectorYAML(name string) []byte {
	if b, ok := sectorYAML[name]; ok {
		return slices.Clone(b)
	}
	return nil
}

// Sector returns the named embedded sector config, or nil.
func Sector(name string) *Config {
	b, ok := sectorYAML[name]
	if !ok {
		return nil
	}
	c, err := Parse(b, name+".yaml")
	if err != nil {
		panic("BUG: embedded " + name + " config: " + err.Error())
	}
	return c
}

// Modes of a run.
const (
	ModeDedupe        = "dedupe"
	ModeLink          = "link"
	ModeLinkAndDedupe = "link_and_dedupe"
)

// Field kinds: each picks a normalizer and its columns (normalize.Kind
// lists them); the names here are short for config readers.
const (
	KindPersonName = normalize.KindPersonName
	KindDate       = normalize.KindDate
	KindGender     = normalize.KindGender
	KindNationalID = normalize.KindNationalID
	KindPhone      = normalize.KindPhone
	KindVNAddress  = normalize.KindVNAddress
	KindText       = normalize.KindText
	KindTimestamp  = normalize.KindTimestamp
)

// Comparison kinds that are not field kinds.
const (
	CompareExact = "exact"
	// CompareIDProvince compares the province of birth registration in
	// one record's CCCD with the address of a record holding no ID: its
	// field is the national ID, its also the address fields.
	CompareIDProvince = "id_province"
)

// FieldParts lists, per field kind, the parts a blocking key may use
// ("name.family"); "" is the whole normalized value ("phone").
var FieldParts = map[normalize.Kind][]string{
	KindPersonName: {"", "family", "middle", "given", "phonetic", "variant"},
	KindDate:       {"", "year", "year_month", "year_day", "year_unordered", "month_day"},
	KindGender:     {""},
	KindNationalID: {""},
	KindPhone:      {""},
	KindVNAddress:  {"", "ward_2025", "province_2025", "district", "ward_old"},
	KindText:       {""},
	KindTimestamp:  {},
}

// ComparisonKinds lists the comparison kinds each field kind accepts.
var ComparisonKinds = map[normalize.Kind][]string{
	KindPersonName: {string(KindPersonName), string(KindText), CompareExact},
	KindDate:       {string(KindDate), CompareExact},
	KindGender:     {CompareExact},
	KindNationalID: {string(KindNationalID), CompareExact, CompareIDProvince},
	KindPhone:      {string(KindPhone), CompareExact},
	KindVNAddress:  {string(KindVNAddress), CompareIDProvince},
	KindText:       {string(KindText), CompareExact},
}

// Survivorship rules.
const (
	SurviveMostRecent   = "most_recent"
	SurviveMostFrequent = "most_frequent"
	SurviveValidFirst   = "valid_first"
)

// Config is a whole job config.
type Config struct {
	Mode string `yaml:"mode"`
	Seed uint64 `yaml:"seed"`
	// ReferenceYear is the year of the extracts: two-digit years resolve to
	// the latest year not after it and later birth years are flagged. The
	// engine never reads the clock, so results do not change with the date.
	ReferenceYear int          `yaml:"reference_year"`
	Sources       []Source     `yaml:"sources"`
	RecordID      string       `yaml:"record_id"`
	Fields        []Field      `yaml:"fields"`
	Blocking      Blocking     `yaml:"blocking"`
	Comparisons   []Comparison `yaml:"comparisons"`
	Model         Model        `yaml:"model"`
	Threshold     Threshold    `yaml:"threshold"`
	Cluster       Cluster      `yaml:"cluster"`
	Output        Output       `yaml:"output"`
	Survivorship  Survivorship `yaml:"survivorship"`
	// Link configures `dedup link --register`; absent in most configs.
	Link Link `yaml:"link,omitempty"`
}

// Link holds the settings of `dedup link --register`, which links a
// sector table's rows to the persons of a nightly run's state.
type Link struct {
	// AmbiguityMargin is how many bits (match weight) the best person's
	// pair must lead the next person's by: closer, the row is ambiguous
	// and names no person. 0 means DefaultAmbiguityMargin.
	AmbiguityMargin float64 `yaml:"ambiguity_margin,omitempty"`
}

// DefaultAmbiguityMargin is the link margin when the config sets none: a
// lead of 3 bits is 8 times the odds of the runner-up.
const DefaultAmbiguityMargin = 3.0

// Source is a named group of input files.
type Source struct {
	Name  string   `yaml:"name"`
	Paths []string `yaml:"paths"`
	// Delimiter is the field separator of the source's CSV files: one
	// character, or "tab". Empty: ',' unless a file's header line shows
	// ';', tab or '|' (what Excel writes where the decimal mark is a comma).
	Delimiter string `yaml:"delimiter,omitempty"`
	// Encoding is the character encoding of the source's CSV files (see
	// Encodings). Empty: UTF-8, or UTF-16 when the file starts with its
	// byte-order mark.
	Encoding string `yaml:"encoding,omitempty"`
	// RecordID is the source's own id column; empty: the config's
	// record_id.
	RecordID string `yaml:"record_id,omitempty"`
	// Columns maps a config field to the source's own columns, so that
	// one config links tables that name the same facts differently (a
	// register's full_name, a social-insurance table's ho_ten). A field
	// left out reads the field's columns; an empty list says the source
	// has no such column, and the field is empty in its records.
	Columns map[string]ColumnList `yaml:"columns,omitempty"`
	// DateFormat is the order of day, month and year in the source's date
	// fields (see DateOrders); empty: each field's date_format.
	DateFormat string `yaml:"date_format,omitempty"`
	// OnePerPerson says the source holds at most one record per person
	// (a passport table, a social-insurance table): `dedup link` then
	// assigns its rows to persons one to one.
	OnePerPerson bool `yaml:"one_per_person,omitempty"`
}

// ColumnList is one or more input columns; YAML may give a single column
// as a plain value (name: ho_ten) or a list (name: [ho, ten]).
type ColumnList []string

// UnmarshalYAML accepts a scalar as a list of one.
func (l *ColumnList) UnmarshalYAML(n *yaml.Node) error {
	switch {
	case n.Kind == yaml.ScalarNode && n.Tag == "!!null":
		*l = ColumnList{} // "phone:" as "phone: []": the source has none
		return nil
	case n.Kind == yaml.ScalarNode:
		*l = ColumnList{n.Value}
		return nil
	}
	var s []string
	if n.Kind != yaml.SequenceNode || n.Decode(&s) != nil {
		return fmt.Errorf("line %d: want a column or a list of columns", n.Line)
	}
	*l = s
	return nil
}

// Encodings are the accepted values of a source's encoding: the CSV bytes
// are decoded to UTF-8 before anything else reads them. windows-1252 is
// for text typed with the legacy TCVN3 (ABC) or VNI fonts, which the
// normalizer then reads as Vietnamese.
var Encodings = []string{"utf-8", "utf-16le", "utf-16be", "windows-1258", "windows-1252"}

// SourceColumns is the input columns source src reads: its record id
// column and, per config field, its columns (none when the source lacks
// the field).
func (c *Config) SourceColumns(src int) (recordID string, fields [][]string) {
	s := &c.Sources[src]
	recordID = c.RecordID
	if s.RecordID != "" {
		recordID = s.RecordID
	}
	fields = make([][]string, len(c.Fields))
	for i := range c.Fields {
		fields[i] = c.Fields[i].Columns
		if cols, ok := s.Columns[c.Fields[i].Name]; ok {
			fields[i] = cols
		}
	}
	return recordID, fields
}

// SourceRowField is field i as the row normalizer reads it from source
// src, its columns at the given indexes of a row's cells: the source's
// date_format, when set, wins over the field's.
func (c *Config) SourceRowField(src, i int, cells []int) normalize.Field {
	f := c.Fields[i].RowField(cells)
	if src < len(c.Sources) && c.Sources[src].DateFormat != "" && f.Kind == KindDate {
		f.DateOrder = DateOrders[c.Sources[src].DateFormat]
	}
	return f
}

// ParseDelimiter reads a delimiter setting: "" is 0 (detect from the
// header), "tab" or a tab is '\t', else exactly one character that cannot
// be part of a CSV's quoting or line ends.
func ParseDelimiter(s string) (rune, error) {
	switch s {
	case "":
		return 0, nil
	case "tab", "\\t":
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n != len(s) || r == utf8.RuneError || r == '"' || r == '\r' || r == '\n' || r == 0xFEFF {
		return 0, fmt.Errorf("%q is not one character (for example ';', '|' or tab)", s)
	}
	return r, nil
}

// DelimiterRune is the source's CSV delimiter; 0 means detect it.
func (s Source) DelimiterRune() rune {
	r, _ := ParseDelimiter(s.Delimiter)
	return r
}

// DateOrders maps the accepted date_format values to the order in which a
// field's full dates give day, month and year (see normalize.DateOrder):
// "dmy" (the default, as Vietnamese clerks write), "mdy" (month first, as
// in US-style extracts) or "ymd".
var DateOrders = map[string]normalize.DateOrder{
	"":           normalize.DayFirst,
	"dmy":        normalize.DayFirst,
	"dd/mm/yyyy": normalize.DayFirst,
	"ddmmyyyy":   normalize.DayFirst,
	"mdy":        normalize.MonthFirst,
	"mm/dd/yyyy": normalize.MonthFirst,
	"mmddyyyy":   normalize.MonthFirst,
	"ymd":        normalize.YearFirst,
	"yyyy-mm-dd": normalize.YearFirst,
	"yyyymmdd":   normalize.YearFirst,
}

// Field is one normalized field built from input columns.
type Field struct {
	Name       string         `yaml:"name"`
	Kind       normalize.Kind `yaml:"kind"`
	Columns    []string       `yaml:"columns"`     // joined with a space when several
	DateFormat string         `yaml:"date_format"` // kind date: the order of day, month and year (see DateOrders)
}

// Blocking holds the blocking rules and the caps on oversized blocks.
type Blocking struct {
	MaxBlockSize int            `yaml:"max_block_size"`
	Window       int            `yaml:"window"`
	Rules        []BlockingRule `yaml:"rules"`
	// LinkRules are rules a run does not block on: a nightly state
	// (`dedup run --state`) keeps their keys beside the rules' so that
	// `dedup link --register` can block sector tables on them, e.g. a
	// vehicle table without dates of birth on the name and the ward.
	LinkRules []BlockingRule `yaml:"link_rules,omitempty"`
}

// AllRules is the rules then the link rules: the rules whose keys a
// nightly state keeps, each key salted with its place in this list.
func (b *Blocking) AllRules() []BlockingRule {
	return append(slices.Clip(b.Rules), b.LinkRules...)
}

// BlockingRule is a key made of field parts ("name.family", "dob").
type BlockingRule struct {
	Name string   `yaml:"name"`
	Keys []string `yaml:"keys"`
}

// Comparison compares one field (and optionally others of the same kind,
// taking the best level) between the two records of a pair.
type Comparison struct {
	Name          string    `yaml:"name"`
	Field         string    `yaml:"field"`
	Also          []string  `yaml:"also"`
	Kind          string    `yaml:"kind"`
	JWThresholds  []float64 `yaml:"jw_thresholds"`
	TermFrequency bool      `yaml:"term_frequency"`
}

// Model configures training.
type Model struct {
	// TrainingRules are the blocks EM trains m on, one rule at a time, each
	// with the comparisons over its own fields left out. Empty means the
	// blocking rules. A few rules that each yield near-certain matches for
	// the others' fields (an ID; an exact name and date of birth) train a
	// cleaner m than rules full of namesakes.
	TrainingRules []BlockingRule `yaml:"training_rules"`
	USamplePairs  int            `yaml:"u_sample_pairs"`
	// SamplePairsPerRule caps the candidate pairs of one rule that EM and
	// the prior estimate see: a rule with more pairs is sampled by whole
	// blocks (deterministically) and its counts scaled back. Millions of
	// pairs pin m and λ down; comparing every one of a 10M register's 234M
	// candidates twice more would not move them. 0 means the default.
	SamplePairsPerRule int64   `yaml:"sample_pairs_per_rule"`
	EMMaxIterations    int     `yaml:"em_max_iterations"`
	EMTolerance        float64 `yaml:"em_tolerance"`
	// EMFixU keeps u at its random-pair estimate while EM trains m, as
	// Splink does. By default EM fits a u of its own to each training
	// rule's pairs and drops it afterwards: the non-matches inside a block
	// are not random pairs (namesakes born the same day share their
	// CCCD's year and sex digits, often its province digits too, so their
	// IDs differ in fewer ways), and with u held at the random pairs'
	// values EM explains them by moving them into the matches. That drift
	// grows with the register: m of a differing ID was 0.0001 at 1M
	// records, 0.0012 at 10M and 0.019 at 100M with u fixed. Scoring always
	// uses the random-pair u.
	EMFixU           bool    `yaml:"em_fix_u"`
	TermFrequencyMin float64 `yaml:"tf_min_frequency"`
}

// Threshold decides which pairs are merged: a probability, or a weight
// when MatchWeight is set. Both are pointers so that a key left out is
// told from an explicit 0: left out, the probability is
// DefaultMatchProbability; 0 is an error, never "unset".
type Threshold struct {
	MatchProbability *float64 `yaml:"match_probability"`
	MatchWeight      *float64 `yaml:"match_weight"`
}

// DefaultMatchProbability is the threshold of a config that gives neither
// a probability nor a weight: merge when a match is more likely than not
// (default.yaml says why).
const DefaultMatchProbability = 0.5

// Cluster configures how accepted pairs become clusters.
type Cluster struct {
	// Method: "average" re-clusters each connected component of the
	// accepted pairs by average linkage over every pair of its records
	// (default.yaml sets it); "components", the default of a config that
	// does not say, keeps the union-find clusters with the cannot-link
	// rules. On FEBRL3 average linkage split 3 true pairs that components
	// kept (F1 0.9985 against 0.9988), so a config must opt in.
	Method string `yaml:"method"`
	// RecordMargin is the match weight per record beyond a pair that
	// average linkage asks above the threshold before two groups merge
	// (cluster.AverageLinkage): a third record of one person is rarer than
	// a second, so it needs more evidence. 0, the default, is plain
	// average linkage; default.yaml sets 1.
	RecordMargin float64    `yaml:"record_margin"`
	CannotLink   CannotLink `yaml:"cannot_link"`
}

// Cluster methods.
const (
	ClusterAverage    = "average"
	ClusterComponents = "components"
)

// CannotLink lists the decisive evidence that keeps two records out of one
// cluster whatever their match weight: the model adds up evidence, and a
// strong agreement on birth date and address can outvote a different
// given name, which a registrar would not accept. Each rule reads the
// config's first field of the kind it needs (person_name, date, gender,
// vn_address) and is inactive without it. Left out, each is on
// (generation_years 15).
type CannotLink struct {
	// NationalID: two different valid 12-digit CCCD numbers (one digit
	// apart on an accepted pair counts as a typo, not two people).
	NationalID *bool `yaml:"national_id"`
	// GivenName: the same family name, address ward (the district when a
	// record lacks its ward) and birth date (the year when a record lacks
	// its day) with given names more than one edit apart, two names of
	// the lexicon, or one name with other tones (twins, siblings).
	GivenName *bool `yaml:"given_name"`
	// GenerationYears: the same full name and address ward with birth
	// years at least this far apart, on another day and month (father and
	// son); 0 turns it off.
	GenerationYears *int `yaml:"generation_years"`
	// Gender: both genders valid and different.
	Gender *bool `yaml:"gender"`
}

// DefaultGenerationYears is the birth-year gap of cannot_link's father
// and son rule when the config does not give one.
const DefaultGenerationYears = 15

// Output configures what is written besides the clusters.
type Output struct {
	PairsMinWeight float64 `yaml:"pairs_min_weight"`
}

// Survivorship picks golden-record values field by field.
type Survivorship struct {
	Default string            `yaml:"default"`
	Fields  map[string]string `yaml:"fields"`
}

// Default returns the embedded Vietnamese register config.
func Default() *Config { return mustParse(defaultYAML, "default.yaml") }

// DefaultYAML is the text of the embedded default config.
func DefaultYAML() []byte { return slices.Clone(defaultYAML) }

// FEBRL returns the embedded config for the FEBRL benchmark schema.
func FEBRL() *Config { return mustParse(febrlYAML, "febrl.yaml") }

// mustParse parses an embedded config, which is valid (the tests load
// each).
func mustParse(data []byte, name string) *Config {
	c, err := Parse(data, name)
	if err != nil {
		panic("BUG: embedded config " + name + ": " + err.Error())
	}
	return c
}

// FEBRLYAML is the text of the embedded FEBRL config.
func FEBRLYAML() []byte { return slices.Clone(febrlYAML) }

// Load reads, parses and validates a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read config: %w", err)
	}
	return Parse(data, path)
}

// jobFile is a job file as run reads it: the config, and the verify
// section that `dedup verify --config` reads from the same file, so that
// one file holds a job's run and verify. Run ignores the section but
// checks its shape (VerifySectionCheck).
type jobFile struct {
	Config `yaml:",inline"`
	Verify yaml.Node `yaml:"verify"`
}

// VerifySectionCheck checks the verify section of a job file (given the
// whole file) for unknown keys and values of the wrong kind. Package
// verify sets it: config cannot import verify, and a mistake in the
// section should stop `dedup config check` and `dedup run` as it would
// `dedup verify`. Nil (verify not linked in), the section need only be a
// mapping.
var VerifySectionCheck func(data []byte) error

// Parse parses and validates a config; name labels errors. Unknown keys
// are errors (a typo must not silently fall back to a default); the
// verify section is checked, not used (see jobFile).
func Parse(data []byte, name string) (*Config, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%s: the file is empty (`dedup config default` prints a config to start from)", name)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	doc := &jobFile{}
	if err := dec.Decode(doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: the file holds no settings, only comments (`dedup config default` prints a config to start from)", name)
		}
		return nil, fmt.Errorf("%s: %w", name, yamlError(err))
	}
	if v := &doc.Verify; v.Kind != 0 && v.Kind != yaml.MappingNode && v.Tag != "!!null" {
		return nil, fmt.Errorf("%s: line %d: the verify section must be a mapping (the settings of dedup verify)", name, v.Line)
	}
	if doc.Verify.Kind != 0 && VerifySectionCheck != nil {
		if err := VerifySectionCheck(data); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	c := &doc.Config
	c.applyDefaults()
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c, nil
}

func (c *Config) applyDefaults() {
	if c.Mode == "" {
		c.Mode = ModeDedupe
	}
	if c.RecordID == "" {
		c.RecordID = "record_id"
	}
	if c.Blocking.MaxBlockSize == 0 {
		c.Blocking.MaxBlockSize = 1000
	}
	if c.Blocking.Window == 0 {
		c.Blocking.Window = 20
	}
	if c.Model.USamplePairs == 0 {
		c.Model.USamplePairs = 1_000_000
	}
	if c.Model.SamplePairsPerRule == 0 {
		c.Model.SamplePairsPerRule = 5_000_000
	}
	if c.Model.EMMaxIterations == 0 {
		c.Model.EMMaxIterations = 50
	}
	if c.Model.EMTolerance == 0 {
		c.Model.EMTolerance = 1e-4
	}
	if c.Model.TermFrequencyMin == 0 {
		c.Model.TermFrequencyMin = 1e-6
	}
	if c.Threshold.MatchProbability == nil && c.Threshold.MatchWeight == nil {
		p := DefaultMatchProbability
		c.Threshold.MatchProbability = &p
	}
	if c.Survivorship.Default == "" {
		c.Survivorship.Default = SurviveMostRecent
	}
	if c.Cluster.Method == "" {
		c.Cluster.Method = ClusterComponents
	}
	cl := &c.Cluster.CannotLink
	for _, b := range []**bool{&cl.NationalID, &cl.GivenName, &cl.Gender} {
		if *b == nil {
			on := true
			*b = &on
		}
	}
	if cl.GenerationYears == nil {
		y := DefaultGenerationYears
		cl.GenerationYears = &y
	}
}

// Validate checks the config; each error names the key at fault.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	switch c.Mode {
	case ModeDedupe, ModeLink, ModeLinkAndDedupe:
	default:
		bad("mode", "%q is not dedupe, link or link_and_dedupe", c.Mode)
	}
	if len(c.Sources) == 0 {
		bad("sources", "at least one source is needed")
	}
	if c.Mode != ModeDedupe && len(c.Sources) < 2 {
		bad("mode", "%s needs at least two sources", c.Mode)
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		key := fmt.Sprintf("sources[%d].name", i)
		if s.Name == "" {
			bad(key, "empty")
		} else if seen[s.Name] {
			bad(key, "duplicate source %q", s.Name)
		}
		seen[s.Name] = true
		if _, err := ParseDelimiter(s.Delimiter); err != nil {
			bad(fmt.Sprintf("sources[%d].delimiter", i), "%v", err)
		}
		if s.Encoding != "" && !slices.Contains(Encodings, strings.ToLower(s.Encoding)) {
			bad(fmt.Sprintf("sources[%d].encoding", i), "unknown encoding %q (want one of %s)", s.Encoding, strings.Join(Encodings, ", "))
		}
		if _, ok := DateOrders[s.DateFormat]; !ok {
			bad(fmt.Sprintf("sources[%d].date_format", i), "unknown format %q (want one of %s)", s.DateFormat, strings.Join(sortedKeys(DateOrders)[1:], ", "))
		}
		for _, f := range sortedKeys(s.Columns) {
			key := fmt.Sprintf("sources[%d].columns.%s", i, f)
			if !slices.ContainsFunc(c.Fields, func(x Field) bool { return x.Name == f }) {
				bad(key, "unknown field %q", f)
			}
			for _, col := range s.Columns[f] {
				if strings.TrimSpace(col) == "" {
					bad(key, "an empty column name")
				}
			}
		}
	}
	if m := c.Link.AmbiguityMargin; m < 0 || math.IsNaN(m) || math.IsInf(m, 0) {
		bad("link.ambiguity_margin", "%v: want a number of bits, 0 or more", m)
	}
	fields := map[string]*Field{}
	for i := range c.Fields {
		f := &c.Fields[i]
		key := fmt.Sprintf("fields[%d]", i)
		if f.Name == "" || strings.ContainsAny(f.Name, ". ") {
			bad(key+".name", "%q is not a plain name", f.Name)
		} else if fields[f.Name] != nil {
			bad(key+".name", "duplicate field %q", f.Name)
		}
		if !f.Kind.Valid() {
			var kinds []string
			for _, k := range normalize.Kinds() {
				kinds = append(kinds, string(k))
			}
			slices.Sort(kinds)
			bad(key+".kind", "unknown kind %q (want one of %s)", f.Kind, strings.Join(kinds, ", "))
		}
		if len(f.Columns) == 0 {
			bad(key+".columns", "no input column")
		}
		if f.DateFormat != "" && f.Kind != KindDate {
			bad(key+".date_format", "only for kind date")
		} else if _, ok := DateOrders[f.DateFormat]; !ok {
			bad(key+".date_format", "unknown format %q (want one of %s)", f.DateFormat, strings.Join(sortedKeys(DateOrders)[1:], ", "))
		}
		fields[f.Name] = f
	}
	if len(c.Fields) == 0 {
		bad("fields", "no fields")
	}
	if c.ReferenceYear != 0 && (c.ReferenceYear < 1900 || c.ReferenceYear > 2200) {
		bad("reference_year", "%d is not a plausible year", c.ReferenceYear)
	}
	if c.Blocking.MaxBlockSize < 2 {
		bad("blocking.max_block_size", "must be at least 2")
	}
	if c.Blocking.Window < 1 {
		bad("blocking.window", "must be at least 1")
	}
	if len(c.Blocking.Rules) == 0 {
		bad("blocking.rules", "no blocking rules: every pair would be compared")
	}
	if len(c.Blocking.AllRules()) > 64 {
		bad("blocking.rules", "at most 64 rules and link rules")
	}
	ruleNames := map[string]bool{}
	for i, r := range c.Blocking.AllRules() {
		key := fmt.Sprintf("blocking.rules[%d]", i)
		if i >= len(c.Blocking.Rules) {
			key = fmt.Sprintf("blocking.link_rules[%d]", i-len(c.Blocking.Rules))
		}
		if r.Name == "" || ruleNames[r.Name] {
			bad(key+".name", "empty or duplicate rule name %q", r.Name)
		}
		ruleNames[r.Name] = true
		if len(r.Keys) == 0 {
			bad(key+".keys", "no key parts")
		}
		for j, k := range r.Keys {
			if err := checkPart(fields, k); err != nil && err != errReported {
				bad(fmt.Sprintf("%s.keys[%d]", key, j), "%v", err)
			}
		}
	}
	for i, r := range c.Model.TrainingRules {
		key := fmt.Sprintf("model.training_rules[%d]", i)
		if r.Name == "" {
			bad(key+".name", "empty")
		}
		if len(r.Keys) == 0 {
			bad(key+".keys", "no key parts")
		}
		for j, k := range r.Keys {
			if err := checkPart(fields, k); err != nil && err != errReported {
				bad(fmt.Sprintf("%s.keys[%d]", key, j), "%v", err)
			}
		}
	}
	if len(c.Comparisons) == 0 {
		bad("comparisons", "no comparisons")
	}
	compNames := map[string]bool{}
	for i, cp := range c.Comparisons {
		key := fmt.Sprintf("comparisons[%d]", i)
		if cp.Name == "" || compNames[cp.Name] {
			bad(key+".name", "empty or duplicate comparison name %q", cp.Name)
		}
		compNames[cp.Name] = true
		for _, fname := range append([]string{cp.Field}, cp.Also...) {
			f := fields[fname]
			if f == nil {
				bad(key+".field", "unknown field %q", fname)
				continue
			}
			if _, known := FieldParts[f.Kind]; !known {
				continue // the field's kind was reported
			}
			if !slices.Contains(ComparisonKinds[f.Kind], cp.Kind) {
				bad(key+".kind", "%q cannot compare field %q of kind %s (want one of %s)", cp.Kind, fname, f.Kind, strings.Join(ComparisonKinds[f.Kind], ", "))
			}
		}
		if cp.Kind == CompareIDProvince {
			if f := fields[cp.Field]; f != nil && f.Kind != KindNationalID {
				bad(key+".field", "id_province compares a national_id field, not %q", cp.Field)
			}
			if len(cp.Also) == 0 {
				bad(key+".also", "id_province needs the address fields (vn_address) in also")
			}
			for _, fname := range cp.Also {
				if f := fields[fname]; f != nil && f.Kind != KindVNAddress {
					bad(key+".also", "id_province compares vn_address fields, not %q", fname)
				}
			}
		}
		for j, t := range cp.JWThresholds {
			if t <= 0 || t >= 1 || j > 0 && t >= cp.JWThresholds[j-1] {
				bad(fmt.Sprintf("%s.jw_thresholds[%d]", key, j), "thresholds must be in (0,1) and decreasing")
			}
		}
		if len(cp.JWThresholds) > 0 && cp.Kind != string(KindText) && cp.Kind != string(KindPersonName) {
			bad(key+".jw_thresholds", "only for kinds text and person_name")
		}
	}
	if c.Model.SamplePairsPerRule < 1000 {
		bad("model.sample_pairs_per_rule", "at least 1000")
	}
	if c.Model.USamplePairs < 1000 {
		bad("model.u_sample_pairs", "at least 1000")
	}
	if c.Model.EMMaxIterations < 1 {
		bad("model.em_max_iterations", "at least 1")
	}
	if c.Model.EMTolerance <= 0 {
		bad("model.em_tolerance", "must be positive")
	}
	switch p := c.Threshold.MatchProbability; {
	case p != nil && !(*p > 0 && *p < 1):
		bad("threshold.match_probability", "must be in (0,1), got %v", *p)
	case p == nil && c.Threshold.MatchWeight == nil:
		bad("threshold", "set match_probability or match_weight")
	}
	if m := c.Cluster.Method; m != ClusterAverage && m != ClusterComponents {
		bad("cluster.method", "unknown method %q (want average or components)", m)
	}
	if m := c.Cluster.RecordMargin; m < 0 || m > 100 || m != m {
		bad("cluster.record_margin", "must be between 0 and 100, got %g", m)
	}
	if y := c.Cluster.CannotLink.GenerationYears; y != nil && (*y < 0 || *y > 150) {
		bad("cluster.cannot_link.generation_years", "must be between 0 (off) and 150, got %d", *y)
	}
	for _, rule := range append([]string{c.Survivorship.Default}, mapValues(c.Survivorship.Fields)...) {
		switch rule {
		case SurviveMostRecent, SurviveMostFrequent, SurviveValidFirst:
		default:
			bad("survivorship", "unknown rule %q (want most_recent, most_frequent or valid_first)", rule)
		}
	}
	for f := range c.Survivorship.Fields {
		if fields[f] == nil {
			bad("survivorship.fields."+f, "unknown field")
		}
	}
	return errors.Join(errs...)
}

// errReported is checkPart's answer for a field whose kind is unknown: the
// field was reported, and one mistake gives one error, not one per use.
var errReported = errors.New("reported")

// checkPart validates a blocking key part "field" or "field.part".
func checkPart(fields map[string]*Field, part string) error {
	name, sub, _ := strings.Cut(part, ".")
	f := fields[name]
	if f == nil {
		return fmt.Errorf("unknown field %q", name)
	}
	parts, known := FieldParts[f.Kind]
	if !known {
		return errReported
	}
	if !slices.Contains(parts, sub) {
		if len(parts) == 0 {
			return fmt.Errorf("a %s field cannot be a blocking key", f.Kind)
		}
		specs := make([]string, len(parts))
		for i, p := range parts {
			specs[i] = name
			if p != "" {
				specs[i] += "." + p
			}
		}
		return fmt.Errorf("%q has no part %q (a %s field has: %s)", name, sub, f.Kind, strings.Join(specs, ", "))
	}
	return nil
}

// FieldByName returns the named field, or nil.
func (c *Config) FieldByName(name string) *Field {
	for i := range c.Fields {
		if c.Fields[i].Name == name {
			return &c.Fields[i]
		}
	}
	return nil
}

// Digest is a SHA-256 of the config's canonical YAML: two runs with the
// same digest used the same settings.
func (c *Config) Digest() string {
	sum := sha256.Sum256(c.YAML())
	return hex.EncodeToString(sum[:])
}

// YAML is the config as the digest reads it: Parse of these bytes gives
// the config back (the nightly state keeps them, so that `dedup link
// --register` knows how the register was normalized and keyed).
func (c *Config) YAML() []byte {
	data, err := yaml.Marshal(c)
	if err != nil {
		panic("BUG: config marshal: " + err.Error())
	}
	return data
}

// SurvivorshipFor returns the survivorship rule of a field.
func (c *Config) SurvivorshipFor(field string) string {
	if r, ok := c.Survivorship.Fields[field]; ok {
		return r
	}
	return c.Survivorship.Default
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// yamlTypeWords names the Go types a config value decodes into, for
// people who write YAML rather than Go.
var yamlTypeWords = map[string]string{
	"int": "a whole number", "int64": "a whole number", "uint64": "a whole number", "int32": "a whole number",
	"float64": "a number", "float32": "a number", "bool": "true or false", "string": "text",
	"[]string": "a list of text", "config.ColumnList": "a column or a list of columns", "config.Threshold": "a mapping (match_probability or match_weight)",
}

// yamlTypeNames are the config's Go types by the key that holds them.
var yamlTypeNames = map[string]string{
	"config.Config": "the top level", "config.jobFile": "the top level", "config.Model": "model", "config.Blocking": "blocking",
	"config.BlockingRule": "a blocking rule", "config.Field": "a field", "config.Source": "a source",
	"config.Comparison": "a comparison", "config.Threshold": "threshold", "config.Survivorship": "survivorship",
	"config.Output": "output",
}

var (
	yamlUnmarshalRE = regexp.MustCompile("cannot unmarshal !!(\\w+) `(.*)` into (\\S+)")
	yamlUnknownRE   = regexp.MustCompile(`field (\S+) not found in type (\S+)`)
)

// yamlError rewrites the YAML decoder's messages in the config's terms:
// "line 4: got text `abc`, want a number" rather than "cannot unmarshal
// !!str `abc` into float64", and "unknown key blockin in the top level"
// rather than "field blockin not found in type config.Config".
func yamlError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	lines := make([]string, len(te.Errors))
	for i, e := range te.Errors {
		e = yamlUnmarshalRE.ReplaceAllStringFunc(e, func(m string) string {
			g := yamlUnmarshalRE.FindStringSubmatch(m)
			want := yamlTypeWords[g[3]]
			if want == "" {
				want = "a mapping"
				if n := yamlTypeNames[strings.TrimPrefix(g[3], "[]")]; n != "" {
					want = "the settings of " + n
				}
			}
			got := map[string]string{"str": "text", "int": "a number", "float": "a number", "bool": "true/false", "seq": "a list", "map": "a mapping", "null": "nothing"}[g[1]]
			if got == "" {
				got = g[1]
			}
			return fmt.Sprintf("got %s `%s`, want %s", got, g[2], want)
		})
		e = yamlUnknownRE.ReplaceAllStringFunc(e, func(m string) string {
			g := yamlUnknownRE.FindStringSubmatch(m)
			where := yamlTypeNames[g[2]]
			if where == "" {
				where = "this section"
			}
			return fmt.Sprintf("unknown key %q in %s", g[1], where)
		})
		lines[i] = e
	}
	return errors.New(strings.Join(lines, "\n"))
}

// RowField is field f as the row normalizer reads it, its columns at the
// given indexes of a row's cells.
func (f *Field) RowField(cells []int) normalize.Field {
	return normalize.Field{Kind: f.Kind, Cells: cells, DateOrder: DateOrders[f.DateFormat]}
}
