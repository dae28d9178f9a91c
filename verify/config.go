package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/refdata"
)

// Config is the verify section of a job config:
//
//	verify:
//	  reference_year: 2026
//	  # R1 (Thông tư 04/2012/TT-BTTTT Điều 9 khoản 1): 3 prepaid numbers per network per ID
//	  max_per_carrier: 3
//	  # R6 (Nghị định 163/2024/NĐ-CP, as reported; low confidence): 10 numbers in total
//	  max_total: 10
//	  columns: {...}
//
// Zero values take the defaults of DefaultConfig.
type Config struct {
	// ReferenceYear resolves two-digit years (see normalize.Options).
	ReferenceYear int `yaml:"reference_year"`
	// MaxPerCarrier is rule R1 of refdata.SIMRules: at most this many
	// subscriptions per ID number on one network. Negative: no limit.
	MaxPerCarrier int `yaml:"max_per_carrier"`
	// MaxTotal is rule R6 of refdata.SIMRules (low confidence: reported in
	// the press for Decree 163/2024): at most this many subscriptions per
	// ID number in total. Negative: no limit.
	MaxTotal int         `yaml:"max_total"`
	Columns  ColumnNames `yaml:"columns"`

	// RunFields are the fields of the job config (its fields: section):
	// a dedup run's golden.parquet names its columns after them, so a
	// golden register's name, date of birth, ID, phone and gender are
	// the fields of kinds person_name, date, national_id, phone and
	// gender. Empty: config.Default()'s fields.
	RunFields []config.Field `yaml:"-"`
	// runPath is the job config file LoadConfig read: a register read
	// from a state folder is read under its run config (config.Load).
	runPath string
}

// ColumnNames maps the roles to column names of the register and the
// carrier lists. A golden.parquet register always uses cluster_id as its
// id; its other roles are read from the column named here when it has
// one, else from the field of the role's kind (see Config.RunFields).
type ColumnNames struct {
	RecordID   string `yaml:"record_id"`
	Name       string `yaml:"name"`
	DOB        string `yaml:"date_of_birth"`
	NationalID string `yaml:"national_id"`
	Phone      string `yaml:"phone"`
	// Gender and Province (the province code of the record) are optional
	// register columns: the last evidence checked against a CCCD's digits
	// when the register lacks the ID (see the package doc).
	Gender   string `yaml:"gender"`
	Province string `yaml:"province_code"`

	SubscriptionID string `yaml:"subscription_id"`
	Carrier        string `yaml:"carrier"`
	MSISDN         string `yaml:"msisdn"`
	RegName        string `yaml:"registered_name"`
	RegDOB         string `yaml:"registered_dob"`
	RegID          string `yaml:"registered_id_number"`
	// RegAddress is optional: the province of the registered address is
	// evidence for a citizen whose register records lack the ID.
	RegAddress string `yaml:"registered_address"`
}

// Rule ids of refdata.SIMRules behind the limits.
const (
	RulePerCarrier = "R1"
	RuleTotal      = "R6"
)

// DefaultConfig returns the defaults: the column names of dedup gen, the
// reference year of the default job config, and the limits of the SIM
// rules R1 and R6 read from refdata.SIMRules.
func DefaultConfig() Config {
	c := Config{
		ReferenceYear: config.Default().ReferenceYear,
		MaxPerCarrier: ruleValue(RulePerCarrier, 3),
		MaxTotal:      ruleValue(RuleTotal, 10),
		Columns: ColumnNames{
			RecordID: "record_id", Name: "full_name", DOB: "date_of_birth", NationalID: "national_id", Phone: "phone",
			Gender: "gender", Province: "province_code",
			SubscriptionID: "subscription_id", Carrier: "carrier", MSISDN: "msisdn", RegName: "registered_name",
			RegDOB: "registered_dob", RegID: "registered_id_number", RegAddress: "registered_address",
		},
	}
	return c
}

// ruleValue reads the leading number of a SIM rule's value ("3 per
// network", "10 (unverified)").
func ruleValue(id string, def int) int {
	for _, r := range refdata.Get().SIMRules {
		if r.ID != id {
			continue
		}
		f := strings.Fields(r.Value)
		if len(f) > 0 {
			if v, err := strconv.Atoi(f[0]); err == nil {
				return v
			}
		}
	}
	return def
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.ReferenceYear == 0 {
		c.ReferenceYear = d.ReferenceYear
	}
	if c.MaxPerCarrier == 0 {
		c.MaxPerCarrier = d.MaxPerCarrier
	}
	if c.MaxTotal == 0 {
		c.MaxTotal = d.MaxTotal
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	cc, dc := &c.Columns, d.Columns
	fill(&cc.RecordID, dc.RecordID)
	fill(&cc.Name, dc.Name)
	fill(&cc.DOB, dc.DOB)
	fill(&cc.NationalID, dc.NationalID)
	fill(&cc.Phone, dc.Phone)
	fill(&cc.Gender, dc.Gender)
	fill(&cc.Province, dc.Province)
	fill(&cc.SubscriptionID, dc.SubscriptionID)
	fill(&cc.Carrier, dc.Carrier)
	fill(&cc.MSISDN, dc.MSISDN)
	fill(&cc.RegName, dc.RegName)
	fill(&cc.RegDOB, dc.RegDOB)
	fill(&cc.RegID, dc.RegID)
	fill(&cc.RegAddress, dc.RegAddress)
	return c
}

// LoadConfig reads the verify section of a YAML job config and the
// names and kinds of its fields (for a golden register); the run's other
// sections are not checked here (dedup run does). A file without a verify
// section gives the defaults. Unknown keys are errors, at the top level
// and in the verify section, as for dedup run: a typo must not fall back
// to a default silently.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return Config{}, fmt.Errorf("%s: the file is empty", path)
	}
	var doc jobDoc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return Config{}, fmt.Errorf("%s: the file holds no settings, only comments", path)
		}
		return Config{}, fmt.Errorf("%s: %w", path, configError(err))
	}
	c := doc.Verify.withDefaults()
	c.RunFields = doc.Fields
	c.runPath = path
	return c, nil
}

func init() { config.VerifySectionCheck = checkSection }

// checkSection checks the verify section of a job file for dedup run,
// which ignores it (config.VerifySectionCheck): its keys and the kinds of
// their values, not run's sections.
func checkSection(data []byte) error {
	var doc struct {
		Verify Config               `yaml:"verify"`
		Run    map[string]yaml.Node `yaml:",inline"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			err = errors.New(strings.Join(te.Errors, "\n")) // "line 3: …", as run's own errors
		}
		return configError(err)
	}
	return nil
}

// jobDoc is a job config as verify reads it: run's sections and verify's.
type jobDoc struct {
	config.Config `yaml:",inline"`
	Verify        Config `yaml:"verify"`
}

var yamlUnknownRE = regexp.MustCompile(`field (\S+) not found in type (\S+)`)

// configError says "unknown key X in the verify section" rather than the
// decoder's Go type names.
func configError(err error) error {
	return errors.New(yamlUnknownRE.ReplaceAllStringFunc(err.Error(), func(m string) string {
		g := yamlUnknownRE.FindStringSubmatch(m)
		where := map[string]string{"verify.jobDoc": "the top level", "verify.Config": "the verify section", "verify.ColumnNames": "verify.columns"}[g[2]]
		if where == "" {
			where = "the job config"
		}
		return fmt.Sprintf("unknown key %q in %s", g[1], where)
	}))
}
