// Package explain answers "why were these two records merged, or not?"
// for `dedup explain`: the waterfall of a pair's match weight, from the
// prior through each comparison's level and weight to the final
// probability, with the values on both sides, whether the pair was a
// blocking candidate and under which rule, whether it was accepted and
// whether the two records ended in one cluster.
//
// It reads the run folder (manifest.json for the input files and the
// config digest, model.json, pairs.parquet, clusters.parquet), finds the
// two records in the inputs by record id (streaming, stopping when both
// are found), normalizes them and compares them with the same code path as
// the pipeline (see store.go for the duplication this takes). A pair the
// pipeline wrote to pairs.parquet gets its term-frequency adjustment from
// the stored weight; any other pair that agrees exactly on a
// term-frequency comparison costs one more pass over the inputs to count
// the value's frequency, as the pipeline did.
//
// Privacy: the explanation shows names, dates and addresses (it is the
// reviewer's tool: a decision cannot be checked without them) but masks ID
// numbers and phone numbers to their last three digits unless
// Options.ShowPII is set.
package explain

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/refdata"
	"github.com/dedup-vn/dedup/runfolder"
)

// Options says which pair to explain and how.
type Options struct {
	RunDir string
	// Config is the job config of the run; nil means config.Default().
	// Its digest is checked against the manifest's.
	Config *config.Config
	// ShowPII shows ID and phone numbers in full.
	ShowPII bool
	// ScanTF counts term frequencies over the inputs even when the pair is
	// in pairs.parquet (whose stored weight otherwise gives them).
	ScanTF bool
}

// Explanation is the waterfall of one pair.
type Explanation struct {
	Left        Record  `json:"left"`
	Right       Record  `json:"right"`
	Prior       float64 `json:"prior_weight"`
	Lambda      float64 `json:"lambda"`
	Steps       []Step  `json:"steps"`
	Total       float64 `json:"match_weight"`
	Probability float64 `json:"match_probability"`
	Threshold   float64 `json:"threshold_weight"`
	// Accepted: the weight reaches the threshold, so the pipeline merged
	// (or tried to merge: see SameCluster) the pair.
	Accepted bool `json:"accepted"`
	// Candidate tells whether blocking produced the pair: "yes" (it is in
	// pairs.parquet), "likely" (a rule's keys agree but the pair is not in
	// pairs.parquet: scored below the output floor or left out of a capped
	// block), "no" (no rule's keys agree).
	Candidate    string   `json:"candidate"`
	BlockingRule string   `json:"blocking_rule,omitempty"` // from pairs.parquet
	StoredWeight *float64 `json:"stored_weight,omitempty"` // match_weight in pairs.parquet
	RulesAgree   []string `json:"rules_agreeing"`          // rules whose keys are equal for both records
	LeftCluster  string   `json:"left_cluster,omitempty"`
	RightCluster string   `json:"right_cluster,omitempty"`
	SameCluster  bool     `json:"same_cluster"`
	Warnings     []string `json:"warnings,omitempty"`
}

// Record is one side of the pair.
type Record struct {
	ID     string       `json:"record_id"`
	Source string       `json:"source"`
	File   string       `json:"file"`
	Row    int64        `json:"row"` // 1-based data row in its file
	Fields []FieldValue `json:"fields"`
}

// FieldValue is one field of a record as typed and as normalized.
type FieldValue struct {
	Field      string `json:"field"`
	Raw        string `json:"raw"`
	Normalized string `json:"normalized"`
}

// Step is one comparison of the waterfall.
type Step struct {
	Comparison string  `json:"comparison"`
	Kind       string  `json:"kind"`
	Level      int8    `json:"level"` // -1: a value is missing (no evidence)
	Label      string  `json:"label"`
	Left       string  `json:"left"`
	Right      string  `json:"right"`
	Sim        float32 `json:"similarity"`
	M          float64 `json:"m,omitempty"`
	U          float64 `json:"u,omitempty"`
	Weight     float64 `json:"weight"`
	// TF says the weight was adjusted for the frequency of the agreed
	// value; TFSource says where the frequency came from.
	TF       bool    `json:"tf,omitempty"`
	TFFreq   float64 `json:"tf_frequency,omitempty"`
	TFSource string  `json:"tf_source,omitempty"`
	Running  float64 `json:"running_total"`
}

// Explain builds the explanation of the pair (leftID, rightID).
func Explain(opt Options, leftID, rightID string) (*Explanation, error) {
	if leftID == "" || rightID == "" {
		return nil, errors.New("two record ids are needed")
	}
	if leftID == rightID {
		return nil, errors.New("the two record ids are the same")
	}
	cfg := opt.Config
	if cfg == nil {
		cfg = config.Default()
	}
	m, err := runfolder.ReadManifest(opt.RunDir)
	if err != nil {
		return nil, err
	}
	if len(m.Inputs) == 0 {
		return nil, fmt.Errorf("%s: lists no input files", filepath.Join(opt.RunDir, runfolder.FileManifest))
	}
	e := &Explanation{Threshold: m.Threshold.MatchWeight}
	if d := cfg.Digest(); m.ConfigDigest != "" && d != m.ConfigDigest {
		e.warn("the config's digest %.12s differs from the run's %.12s: values and levels may not be what the run computed (pass the run's --config)", d, m.ConfigDigest)
	}
	model, err := linkage.LoadModel(filepath.Join(opt.RunDir, runfolder.FileModel))
	if err != nil {
		return nil, err
	}
	e.Prior, e.Lambda = model.PriorWeight, model.Lambda

	// Find and normalize the two records.
	st, err := pipeline.NewRecords(cfg)
	if err != nil {
		return nil, err
	}
	recs, raws, err := findRecords(cfg, st, m, []string{leftID, rightID})
	if err != nil {
		return nil, err
	}
	for _, raw := range raws {
		if err := st.Append(raw); err != nil {
			return nil, err
		}
	}
	for k := range recs {
		for f := range recs[k].Fields {
			fv, cf := &recs[k].Fields[f], &cfg.Fields[f]
			fv.Normalized = display(st, cf, k, opt.ShowPII)
			if !opt.ShowPII && (cf.Kind == config.KindNationalID || cf.Kind == config.KindPhone) {
				fv.Raw = runfolder.Mask(fv.Raw)
			}
		}
	}
	e.Left, e.Right = recs[0], recs[1]
	compiled := st.Compiled()
	if err := model.Check(compiled); err != nil {
		return nil, fmt.Errorf("model.json does not fit the config: %w", err)
	}

	// The pair's row in pairs.parquet and its clusters.
	stored, err := findPair(filepath.Join(opt.RunDir, runfolder.FilePairs), leftID, rightID, compiled)
	if err != nil {
		return nil, err
	}
	if err := e.clusters(filepath.Join(opt.RunDir, runfolder.FileClusters), leftID, rightID); err != nil {
		return nil, err
	}

	// Compare, first without term frequencies.
	width := compiled.Len()
	levels, sims, tf := make([]int8, width), make([]float32, width), make([]float32, width)
	cm, err := st.Comparer(nil)
	if err != nil {
		return nil, err
	}
	cm.Compare(0, 1, levels, sims, nil)
	var tfComps []int
	for k := 0; k < width; k++ {
		if compiled.Spec(k).TermFrequency && levels[k] >= 0 && compiled.TFLevel(k, levels[k]) {
			tfComps = append(tfComps, k)
		}
	}
	tfSource := ""
	tfWeight := map[int]float64{} // adjusted weights solved from pairs.parquet
	switch {
	case len(tfComps) == 0:
	case model.Freqs != nil:
		// The run weighed by the model's frozen tables (a nightly state's).
		if cm, err = st.Comparer(model.Freqs); err != nil {
			return nil, err
		}
		cm.Compare(0, 1, levels, sims, tf)
		tfSource = "the model's frozen frequencies (" + runfolder.FileFreqs + ")"
	case stored != nil && len(tfComps) == 1 && !opt.ScanTF:
		// The stored weight holds the one adjusted term: solve for it.
		k := tfComps[0]
		rest := model.PriorWeight
		for j, l := range levels {
			if j != k {
				rest += model.LevelWeight(j, l)
			}
		}
		wk := stored.weight - rest
		// weight = log2(m / max(f, TFMin)) gives the frequency back.
		mk := max(model.Comparisons[k].Levels[levels[k]].M, 1e-9)
		tf[k] = float32(mk / math.Exp2(wk))
		tfWeight[k] = wk
		tfSource = "solved from the weight in pairs.parquet"
	default:
		freqs, n, err := scanFrequencies(cfg, m, compiled, tfComps)
		if err != nil {
			return nil, err
		}
		if cm, err = st.Comparer(freqs); err != nil {
			return nil, err
		}
		cm.Compare(0, 1, levels, sims, tf)
		tfSource = fmt.Sprintf("counted over %d records", n)
	}

	// The waterfall.
	running := model.PriorWeight
	for k := 0; k < width; k++ {
		spec := compiled.Spec(k)
		s := Step{Comparison: spec.Name, Kind: spec.Kind.String(), Level: levels[k], Sim: sims[k], Label: "null (a value is missing)"}
		s.Left, s.Right = displayComparison(st, cfg, cfg.Comparisons[k], 0, opt.ShowPII), displayComparison(st, cfg, cfg.Comparisons[k], 1, opt.ShowPII)
		if s.Left != "" && s.Right != "" {
			// Both hold a value the comparison cannot weigh: a CMND against
			// a CCCD whose provinces cannot be told, a partial date.
			s.Label = "null (not comparable: no evidence)"
		}
		if l := levels[k]; l >= 0 {
			lv := model.Comparisons[k].Levels[l]
			s.Label, s.M, s.U = lv.Label, lv.M, lv.U
			s.Weight = model.LevelWeight(k, l)
			if slices.Contains(tfComps, k) && tf[k] > 0 {
				one := make([]int8, width)
				for j := range one {
					one[j] = -1
				}
				one[k] = l
				s.Weight = model.Weight(one, tf) - model.PriorWeight
				if w, ok := tfWeight[k]; ok {
					s.Weight = w
				}
				s.TF, s.TFFreq, s.TFSource = true, float64(tf[k]), tfSource
			}
		}
		running += s.Weight
		s.Running = running
		e.Steps = append(e.Steps, s)
	}
	e.Total = running
	e.Probability = linkage.Probability(e.Total)
	e.Accepted = e.Total >= e.Threshold

	// Blocking.
	for _, rule := range cfg.Blocking.Rules {
		agree, err := st.RuleAgrees(rule, 0, 1)
		if err != nil {
			// A key part the config names wrongly: say so rather than
			// fail the whole explanation.
			e.warn("blocking rule %s: keys not computed: %v", rule.Name, err)
			continue
		}
		if agree {
			e.RulesAgree = append(e.RulesAgree, rule.Name)
		}
	}
	switch {
	case stored != nil:
		e.Candidate, e.BlockingRule = "yes", stored.rule
		w := stored.weight
		e.StoredWeight = &w
		if math.Abs(w-e.Total) > 1e-6 {
			e.warn("recomputed weight %.4f differs from the run's %.4f: the inputs, config or code changed since the run", e.Total, w)
		}
		for k := range levels {
			if stored.levels != nil && stored.levels[k] != levels[k] {
				e.warn("comparison %s: recomputed level %d, the run wrote %d", compiled.Spec(k).Name, levels[k], stored.levels[k])
			}
		}
	case len(e.RulesAgree) > 0:
		e.Candidate = "likely"
	default:
		e.Candidate = "no"
	}
	return e, nil
}

func (e *Explanation) warn(format string, args ...any) {
	e.Warnings = append(e.Warnings, fmt.Sprintf(format, args...))
}

// rawRow returns the raw value of every config field of row i and whether
// the row was stored by the pipeline (a record id and some field value).
func rawRow(st *pipeline.Records, cols []*array.String, i int, cells []string) ([][]byte, bool) {
	for c := range cols {
		cells[c] = ""
		if !cols[c].IsNull(i) {
			cells[c] = cols[c].Value(i)
		}
	}
	return st.FieldValues(cells)
}

// eachInput streams every input file of the run with the columns a run
// reads.
func eachInput(columns []string, m *runfolder.Manifest, fn func(in runfolder.InputStat, r *dataio.Reader, cols []*array.String) (stop bool)) error {
	for _, in := range m.Inputs {
		r, err := dataio.Open(in.File, dataio.ReadOptions{Columns: columns, AsStrings: true, OnReject: func(dataio.Reject) {}})
		if err != nil {
			return fmt.Errorf("input of the run: %w", err)
		}
		stop := false
		for !stop && r.Next() {
			rec := r.Batch()
			cols := make([]*array.String, len(columns))
			for i := range cols {
				cols[i] = rec.Column(i).(*array.String)
			}
			stop = fn(in, r, cols)
		}
		err = r.Err()
		r.Close()
		if err != nil {
			return err
		}
		if stop {
			return nil
		}
	}
	return nil
}

// findRecords finds the first stored row of each id in the run's inputs.
func findRecords(cfg *config.Config, st *pipeline.Records, m *runfolder.Manifest, ids []string) ([]Record, [][][]byte, error) {
	cells := make([]string, len(st.InputColumns()))
	recs := make([]Record, len(ids))
	raws := make([][][]byte, len(ids))
	found := 0
	err := eachInput(st.InputColumns(), m, func(in runfolder.InputStat, r *dataio.Reader, cols []*array.String) bool {
		for i := 0; i < cols[0].Len(); i++ {
			id := strings.TrimSpace(cols[0].Value(i))
			for k, want := range ids {
				if raws[k] != nil || id != want {
					continue
				}
				raw, ok := rawRow(st, cols, i, cells)
				if !ok {
					continue
				}
				raws[k] = raw
				recs[k] = Record{ID: id, Source: in.Source, File: in.File, Row: r.Row(i) + 1}
				for f := range cfg.Fields {
					recs[k].Fields = append(recs[k].Fields, FieldValue{Field: cfg.Fields[f].Name, Raw: string(raw[f])})
				}
				found++
			}
		}
		return found == len(ids)
	})
	if err != nil {
		return nil, nil, err
	}
	for k, id := range ids {
		if raws[k] == nil {
			return nil, nil, fmt.Errorf("record %q is not in the run's inputs (or was rejected)", id)
		}
	}
	return recs, raws, nil
}

// scanFrequencies counts, over every record the pipeline stored, the
// values of the term-frequency columns of comparisons comps, as the
// pipeline's FreqTableOf does. It returns the tables and the record count.
func scanFrequencies(cfg *config.Config, m *runfolder.Manifest, compiled *linkage.Compiled, comps []int) (map[string]*linkage.FreqTable, int64, error) {
	st, err := pipeline.NewRecords(cfg)
	if err != nil {
		return nil, 0, err
	}
	cells := make([]string, len(st.InputColumns()))
	hashes := make([][]uint64, len(comps))
	var n int64
	var scanErr error
	err = eachInput(st.InputColumns(), m, func(_ runfolder.InputStat, _ *dataio.Reader, cols []*array.String) bool {
		for i := 0; i < cols[0].Len(); i++ {
			raw, ok := rawRow(st, cols, i, cells)
			if !ok {
				continue
			}
			n++
			// One record at a time, in a store reset per row.
			st.Reset()
			if err := st.Append(raw); err != nil {
				scanErr = err
				return true
			}
			for j, k := range comps {
				if v := st.TFValue(k, 0); len(v) > 0 {
					hashes[j] = append(hashes[j], linkage.HashValue(v))
				}
			}
		}
		return false
	})
	if err == nil {
		err = scanErr
	}
	if err != nil {
		return nil, 0, err
	}
	freqs := map[string]*linkage.FreqTable{}
	for j, k := range comps {
		freqs[compiled.Spec(k).Name] = linkage.NewFreqTable(hashes[j])
	}
	return freqs, n, nil
}

// storedPair is the pair's row in pairs.parquet.
type storedPair struct {
	rule   string
	weight float64
	levels []int8 // nil if the file lacks level columns
}

// findPair streams pairs.parquet for the pair in either order; nil when it
// is not there (or the file is missing).
func findPair(path, a, b string, compiled *linkage.Compiled) (*storedPair, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, nil
	}
	cols := []string{runfolder.ColLeftID, runfolder.ColRightID, runfolder.ColBlockingRule, runfolder.ColMatchWeight}
	for k := 0; k < compiled.Len(); k++ {
		cols = append(cols, runfolder.LevelColumn(compiled.Spec(k).Name))
	}
	r, err := dataio.Open(path, dataio.ReadOptions{Columns: cols, AsStrings: true})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for r.Next() {
		rec := r.Batch()
		l, rr := rec.Column(0).(*array.String), rec.Column(1).(*array.String)
		for i := 0; i < l.Len(); i++ {
			x, y := l.Value(i), rr.Value(i)
			if !(x == a && y == b || x == b && y == a) {
				continue
			}
			p := &storedPair{rule: rec.Column(2).(*array.String).Value(i)}
			if p.weight, err = strconv.ParseFloat(rec.Column(3).(*array.String).Value(i), 64); err != nil {
				return nil, fmt.Errorf("%s: row of the pair: %s: %w", path, cols[3], err)
			}
			for k := 0; k < compiled.Len(); k++ {
				v, err := strconv.Atoi(rec.Column(4 + k).(*array.String).Value(i))
				if err != nil {
					return nil, fmt.Errorf("%s: row of the pair: %s: %w", path, cols[4+k], err)
				}
				p.levels = append(p.levels, int8(v))
			}
			return p, nil
		}
	}
	return nil, r.Err()
}

// clusters looks both records up in clusters.parquet.
func (e *Explanation) clusters(path, a, b string) error {
	if _, err := os.Stat(path); err != nil {
		e.warn("no %s: cluster membership unknown", runfolder.FileClusters)
		return nil
	}
	r, err := dataio.Open(path, dataio.ReadOptions{Columns: []string{runfolder.ColRecordID, runfolder.ColClusterID}, AsStrings: true})
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() && (e.LeftCluster == "" || e.RightCluster == "") {
		rec := r.Batch()
		ids, cl := rec.Column(0).(*array.String), rec.Column(1).(*array.String)
		for i := 0; i < ids.Len(); i++ {
			switch ids.Value(i) {
			case a:
				if e.LeftCluster == "" {
					e.LeftCluster = cl.Value(i)
				}
			case b:
				if e.RightCluster == "" {
					e.RightCluster = cl.Value(i)
				}
			}
		}
	}
	e.SameCluster = e.LeftCluster != "" && e.LeftCluster == e.RightCluster
	return r.Err()
}

// displayComparison renders the normalized values a comparison reads for
// one row; several fields (address, current address) are joined with " / ".
func displayComparison(st *pipeline.Records, cfg *config.Config, c config.Comparison, row int, showPII bool) string {
	var parts []string
	for _, name := range append([]string{c.Field}, c.Also...) {
		i := slices.IndexFunc(cfg.Fields, func(f config.Field) bool { return f.Name == name })
		if i < 0 {
			continue
		}
		parts = append(parts, display(st, &cfg.Fields[i], row, showPII))
	}
	return strings.Join(parts, " / ")
}

// display renders field f's normalized value for one row.
func display(st *pipeline.Records, f *config.Field, row int, showPII bool) string {
	mask := func(b []byte) string {
		if showPII {
			return string(b)
		}
		return runfolder.Mask(string(b))
	}
	str := func(role string) []byte { return st.Bytes(f.Name, role, row) }
	num := func(role string) int32 { return st.Int32(f.Name, role, row) }
	switch f.Kind {
	case config.KindPersonName:
		return string(str("canonical"))
	case config.KindDate:
		v := num("date")
		if v == 0 {
			return ""
		}
		return string(normalize.DateFromPacked(v).AppendISO(nil))
	case config.KindGender:
		switch normalize.Gender(num("value")) {
		case normalize.GenderMale:
			return "Nam"
		case normalize.GenderFemale:
			return "Nữ"
		}
		return ""
	case config.KindNationalID:
		return mask(str("digits"))
	case config.KindPhone:
		return mask(str("phones"))
	case config.KindText:
		return string(str("canonical"))
	case config.KindVNAddress:
		var parts []string
		if st := str("street"); len(st) > 0 {
			parts = append(parts, string(st))
		}
		if w := refdata.WardName2025(num("ward_2025")); w != "" {
			parts = append(parts, w)
		}
		if p := refdata.ProvinceName2025(num("province_2025")); p != "" {
			parts = append(parts, p)
		}
		return strings.Join(parts, ", ")
	}
	return ""
}
