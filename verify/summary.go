package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/refdata"
	"github.com/dedup-vn/dedup/runfolder"
)

// Manifest is manifest.json: what was read, what came out, and the counts
// that must add up: per carrier list, rows in = verdicts + rejects.
type Manifest struct {
	SchemaVersion int `json:"schema_version"`
	Workers       int `json:"workers"`
	// Partitions is the number of partitions of the subscriptions a
	// memory-bounded run took (0: the register was held in memory).
	Partitions int `json:"partitions,omitempty"`
	Register   struct {
		Kind         string   `json:"kind"`
		Files        []string `json:"files"`
		Rows         int64    `json:"rows"`
		RowsRejected int64    `json:"rows_rejected"`
		// Night is the state's night a register read from a state
		// folder is.
		Night int `json:"state_night,omitempty"`
	} `json:"register"`
	Subscribers []SubscriberFile  `json:"subscribers"`
	Limits      []Limit           `json:"limits"`
	IDsOver     int64             `json:"ids_over_limit"`
	Carriers    []*CarrierSummary `json:"carriers"`
	Outputs     []string          `json:"outputs"`

	regRejects []reject // the register's reader rejects, for rejects.parquet
}

// SubscriberFile counts one carrier list.
type SubscriberFile struct {
	File     string `json:"file"`
	RowsIn   int64  `json:"rows_in"`
	Verdicts int64  `json:"verdicts"`
	Rejects  int64  `json:"rejects"`
	// Duplicates are the rejects that repeat an earlier row's carrier and
	// subscription id (reason subscription_id_duplicate).
	Duplicates int64 `json:"duplicates"`
}

// Limit is one SIM limit applied, with its rule in refdata.SIMRules.
type Limit struct {
	Rule       string `json:"rule"`
	Scope      string `json:"scope"` // per_carrier or total
	Max        int    `json:"max"`   // negative: not applied
	LegalBasis string `json:"legal_basis"`
	Confidence string `json:"confidence"`
}

func limitsOf(cfg Config) []Limit {
	var out []Limit
	for _, l := range []struct {
		rule, scope string
		max         int
	}{{RulePerCarrier, "per_carrier", cfg.MaxPerCarrier}, {RuleTotal, "total", cfg.MaxTotal}} {
		lm := Limit{Rule: l.rule, Scope: l.scope, Max: l.max}
		for _, r := range refdata.Get().SIMRules {
			if r.ID == l.rule {
				lm.LegalBasis, lm.Confidence = r.LegalBasis, r.Confidence
			}
		}
		out = append(out, lm)
	}
	return out
}

// CarrierSummary counts the verdicts of one carrier.
type CarrierSummary struct {
	Carrier        string           `json:"carrier"`
	Subscriptions  int64            `json:"subscriptions"`
	Rejects        int64            `json:"rejects"`
	Duplicates     int64            `json:"duplicates"` // rejects repeating a subscription id
	Verdicts       map[string]int64 `json:"verdicts"`
	MismatchFields map[string]int64 `json:"mismatch_fields"`
	Ties           int64            `json:"ties"`
	OverLimit      int64            `json:"subscriptions_over_limit"`
	IDsOverLimit   int64            `json:"ids_over_limit"` // distinct IDs over a limit with a subscription here

	byFile    map[int]int64
	rejByFile map[int]int64
	dupByFile map[int]int64
	// cellName: the name is a carrier cell's value that is no known
	// network; the terminal table shows it by number (a misnamed column
	// could hold names or phone numbers), the files by name.
	cellName bool
}

func newCarrierSummary(c string) *CarrierSummary {
	return &CarrierSummary{Carrier: c, Verdicts: map[string]int64{}, MismatchFields: map[string]int64{}, byFile: map[int]int64{}, rejByFile: map[int]int64{}, dupByFile: map[int]int64{}}
}

func (s *CarrierSummary) add(file int, r *Result, over bool) {
	s.Subscriptions++
	s.byFile[file]++
	s.Verdicts[r.Verdict]++
	if r.Fields != "" {
		for _, f := range strings.Split(r.Fields, ";") {
			s.MismatchFields[f]++
		}
	}
	if r.Tie {
		s.Ties++
	}
	if over {
		s.OverLimit++
	}
}

func (s *CarrierSummary) addReject(file int) {
	s.Rejects++
	s.rejByFile[file]++
}

func (s *CarrierSummary) merge(o *CarrierSummary) {
	s.Subscriptions += o.Subscriptions
	s.Rejects += o.Rejects
	s.Duplicates += o.Duplicates
	s.cellName = s.cellName || o.cellName
	s.Ties += o.Ties
	s.OverLimit += o.OverLimit
	for k, v := range o.Verdicts {
		s.Verdicts[k] += v
	}
	for k, v := range o.MismatchFields {
		s.MismatchFields[k] += v
	}
	for k, v := range o.byFile {
		s.byFile[k] += v
	}
	for k, v := range o.rejByFile {
		s.rejByFile[k] += v
	}
	for k, v := range o.dupByFile {
		s.dupByFile[k] += v
	}
}

// idsSchema is the schema of ids.parquet: counts are integers (int32, as
// verdicts.parquet's sims_on_id), per_carrier is "carrier:count;...".
var idsSchema = arrow.NewSchema([]arrow.Field{
	{Name: runfolder.ColNationalID, Type: arrow.BinaryTypes.String},
	{Name: "id_holder_id", Type: arrow.BinaryTypes.String},
	{Name: runfolder.ColTotal, Type: arrow.PrimitiveTypes.Int32},
	{Name: "max_per_carrier", Type: arrow.PrimitiveTypes.Int32},
	{Name: runfolder.ColPerCarrier, Type: arrow.BinaryTypes.String},
	{Name: "rules", Type: arrow.BinaryTypes.String},
}, nil)

// writeIDs writes ids.parquet: the ID numbers over a limit, in ID order,
// with their counts per carrier, and counts them per carrier.
func writeIDs(reg *Register, counts *simCounts, dir string, m *Manifest) error {
	w, err := dataio.Create(filepath.Join(dir, runfolder.FileVerifyIDs), idsSchema)
	if err != nil {
		return err
	}
	defer w.Abort()
	b := array.NewRecordBuilder(memory.DefaultAllocator, idsSchema)
	defer b.Release()
	f := b.Fields()
	idsPer := map[string]int64{}
	var digits [12]byte
	var sb strings.Builder
	var rules []byte
	for k, key := range counts.keys {
		o := counts.over[k]
		if o == 0 {
			continue
		}
		m.IDsOver++
		per := counts.perCar[k]
		sb.Reset()
		for ci, n := range per {
			if n == 0 {
				continue
			}
			idsPer[counts.carriers[ci]]++
			if sb.Len() > 0 {
				sb.WriteByte(';')
			}
			fmt.Fprintf(&sb, "%s:%d", counts.carriers[ci], n)
		}
		holder := ""
		if rows := lookup(reg.byID, key); len(rows) > 0 {
			holder = reg.ID(rows[0].Row)
		}
		rules = appendRules(rules[:0], o)
		f[0].(*array.StringBuilder).BinaryBuilder.Append(idDigits(&digits, key))
		f[1].(*array.StringBuilder).Append(holder)
		f[2].(*array.Int32Builder).Append(counts.total[k])
		f[3].(*array.Int32Builder).Append(counts.maxCar[k])
		f[4].(*array.StringBuilder).Append(sb.String())
		f[5].(*array.StringBuilder).BinaryBuilder.Append(rules)
		if f[0].Len() >= dataio.DefaultRowGroupRows {
			rec := b.NewRecordBatch()
			err := w.Write(rec)
			rec.Release()
			if err != nil {
				return err
			}
		}
	}
	if f[0].Len() > 0 {
		rec := b.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	for _, s := range m.Carriers {
		s.IDsOverLimit = idsPer[s.Carrier]
	}
	return w.Commit()
}

// Summary is summary.json: the per-carrier counts and their total.
type Summary struct {
	Limits   []Limit           `json:"limits"`
	IDsOver  int64             `json:"ids_over_limit"`
	Carriers []*CarrierSummary `json:"carriers"`
	Total    *CarrierSummary   `json:"total"`
}

// SummaryOf builds the summary from a manifest.
func SummaryOf(m *Manifest) *Summary {
	tot := newCarrierSummary("total")
	for _, s := range m.Carriers {
		tot.merge(s)
	}
	tot.IDsOverLimit = m.IDsOver
	tot.cellName = false
	return &Summary{Limits: m.Limits, IDsOver: m.IDsOver, Carriers: m.Carriers, Total: tot}
}

func writeSummary(m *Manifest, dir string) error {
	data, err := json.MarshalIndent(SummaryOf(m), "", "  ")
	if err != nil {
		return err
	}
	return dataio.WriteFileAtomic(filepath.Join(dir, runfolder.FileVerifySummary), append(data, '\n'))
}

func writeManifest(m *Manifest, dir string) error {
	m.Outputs = []string{runfolder.FileVerdicts, runfolder.FileVerifyIDs, runfolder.FileRejects, runfolder.FileVerifySummary, runfolder.FileManifest}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return dataio.WriteFileAtomic(filepath.Join(dir, runfolder.FileManifest), append(data, '\n'))
}

// verdictOrder is the column order of the summary table.
var verdictOrder = []string{VerdictMatch, VerdictMismatch, VerdictOtherPerson, VerdictIDNotFound, VerdictIDInvalid, VerdictPhoneOtherName, VerdictUnusable}

// WriteTable writes the summary as a table for people: one line per
// carrier and a total, counts per verdict, per mismatch field and IDs over
// a limit. A carrier named by a cell value that is no known network is
// shown as "carrier #N" (its name is in summary.json): the terminal shows
// no cell value.
func (s *Summary) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "carrier\tsubs\t")
	for _, v := range verdictOrder {
		fmt.Fprintf(tw, "%s\t", v)
	}
	fmt.Fprint(tw, "mm:name\tmm:dob\tties\trejects\tover_limit\tids_over\t\n")
	rows := append(append([]*CarrierSummary{}, s.Carriers...), s.Total)
	sort.SliceStable(rows[:len(rows)-1], func(i, j int) bool { return rows[i].Carrier < rows[j].Carrier })
	other := 0
	for _, c := range rows {
		name := c.Carrier
		if c.cellName {
			other++
			name = fmt.Sprintf("carrier #%d", other)
		}
		fmt.Fprintf(tw, "%s\t%d\t", name, c.Subscriptions)
		for _, v := range verdictOrder {
			fmt.Fprintf(tw, "%d\t", c.Verdicts[v])
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%d\t%d\t\n", c.MismatchFields["name"], c.MismatchFields["dob"], c.Ties, c.Rejects, c.OverLimit, c.IDsOverLimit)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if other > 0 {
		if _, err := fmt.Fprintf(w, "carrier #N: a carrier column value that is no known network, named in %s\n", runfolder.FileVerifySummary); err != nil {
			return err
		}
	}
	for _, l := range s.Limits {
		if l.Max >= 0 {
			if _, err := fmt.Fprintf(w, "limit %s (%s): at most %d — %s, confidence %s\n", l.Rule, l.Scope, l.Max, l.LegalBasis, l.Confidence); err != nil {
				return err
			}
		}
	}
	return nil
}
