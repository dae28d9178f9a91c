package eval

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// SchemaVersion is the version of the JSON report; it changes only when a
// key is renamed or removed (adding keys keeps it).
const SchemaVersion = 1

// Report is the result of an evaluation; its JSON form is documented in
// the package doc.
type Report struct {
	SchemaVersion int    `json:"schema_version"`
	Truth         string `json:"truth"`
	Run           string `json:"run,omitempty"`
	// RunManifestSHA256 is the SHA-256 of the run's manifest.json bytes:
	// the run's identity, checked by `dedup report --eval`.
	RunManifestSHA256 string         `json:"run_manifest_sha256,omitempty"`
	TruthEntity       string         `json:"truth_entity"` // "column:<name>" or "febrl_rec_id"
	Threshold         *Threshold     `json:"threshold,omitempty"`
	Records           *RecordCounts  `json:"records,omitempty"`
	Pairwise          *PairMetrics   `json:"pairwise,omitempty"`
	Cluster           *ClusterStats  `json:"cluster,omitempty"`
	Blocking          *BlockingStats `json:"blocking,omitempty"`
	PairLevel         *PairMetrics   `json:"pair_level,omitempty"`
	Sweep             *Sweep         `json:"sweep,omitempty"`
	Errors            *ErrorAnalysis `json:"errors,omitempty"`
	Verdicts          *VerdictReport `json:"verdicts,omitempty"`
	Stability         *IDStability   `json:"id_stability,omitempty"`
	// Golden measures golden.parquet against the truth's true values,
	// when both are there.
	Golden *GoldenReport `json:"golden,omitempty"`
	Links  *LinkReport   `json:"links,omitempty"`
	// Warnings say what limits the figures, e.g. records of the truth
	// missing from the run.
	Warnings []string `json:"warnings,omitempty"`
}

// Threshold is the match-weight threshold the pair-level figures use.
type Threshold struct {
	MatchWeight      float64  `json:"match_weight"`
	MatchProbability *float64 `json:"match_probability,omitempty"`
	Source           string   `json:"source"` // "manifest", "flag" or "none"
}

// RecordCounts says which records took part.
type RecordCounts struct {
	Truth         int64 `json:"truth"`
	InRun         int64 `json:"in_run"`
	AbsentFromRun int64 `json:"absent_from_run"`
	RunNotInTruth int64 `json:"run_not_in_truth"`
	Entities      int64 `json:"entities"`
	Clusters      int64 `json:"clusters"`
}

// PairMetrics are pairwise counts and rates.
type PairMetrics struct {
	TruePairs      int64   `json:"true_pairs"`
	PredictedPairs int64   `json:"predicted_pairs"`
	TP             int64   `json:"tp"`
	FP             int64   `json:"fp"`
	FN             int64   `json:"fn"`
	FNAbsent       int64   `json:"fn_absent_record,omitempty"`
	Precision      float64 `json:"precision"`
	Recall         float64 `json:"recall"`
	F1             float64 `json:"f1"`
}

// ClusterStats are the cluster-level figures.
type ClusterStats struct {
	BCubedPrecision    float64 `json:"bcubed_precision"`
	BCubedRecall       float64 `json:"bcubed_recall"`
	BCubedF1           float64 `json:"bcubed_f1"`
	EntitiesExact      int64   `json:"entities_exact"`
	EntitiesExactShare float64 `json:"entities_exact_share"`
	EntitiesMulti      int64   `json:"entities_multi"`
	EntitiesMultiExact int64   `json:"entities_multi_exact"`
	EntitiesMultiShare float64 `json:"entities_multi_exact_share"`
	LargestCluster     int64   `json:"largest_cluster"` // truth records in the largest predicted cluster
	LargestEntity      int64   `json:"largest_entity"`  // records of the largest true entity
}

// BlockingStats keeps blocking losses apart from scoring losses.
type BlockingStats struct {
	// Basis says how "blocked" was decided: "pairs_file" means a true pair
	// counts as produced by blocking when it appears in pairs.parquet,
	// which is exact only when the run wrote every scored pair (no floor).
	Basis               string      `json:"blocking_recall_basis"`
	PairsInFile         int64       `json:"pairs_in_file"`
	PairsUnknownRecords int64       `json:"pairs_unknown_records"`
	PairsNoWeight       int64       `json:"pairs_no_weight"`
	TruePairsBlocked    int64       `json:"true_pairs_blocked"`
	TruePairsNotBlocked int64       `json:"true_pairs_not_blocked"`
	BlockingRecall      float64     `json:"blocking_recall"`
	ScoringRecall       float64     `json:"scoring_recall"`
	Rules               []RuleStats `json:"rules"`
}

// RuleStats counts the pairs each blocking rule produced.
type RuleStats struct {
	Rule      string `json:"rule"`
	Pairs     int64  `json:"pairs"`
	TruePairs int64  `json:"true_pairs"`
}

// Sweep is pair-level precision/recall/F1 at each match-weight step, from
// the pairs file alone (no clustering, so no transitive links).
type Sweep struct {
	Basis  string       `json:"basis"`
	Step   float64      `json:"step"`
	Points []SweepPoint `json:"points"`
	Best   SweepPoint   `json:"best"`
}

// SweepPoint is the pair-level outcome of accepting every pair whose match
// weight is at least MatchWeight.
type SweepPoint struct {
	MatchWeight float64 `json:"match_weight"`
	TP          int64   `json:"tp"`
	FP          int64   `json:"fp"`
	FN          int64   `json:"fn"`
	Precision   float64 `json:"precision"`
	Recall      float64 `json:"recall"`
	F1          float64 `json:"f1"`
}

// ErrorAnalysis breaks errors down by the generator's labels.
type ErrorAnalysis struct {
	FNByCorruption   []LabelStats `json:"fn_by_corruption"`
	FPByHardNegative []LabelStats `json:"fp_by_hard_negative"`
	WorstFP          []PairSample `json:"worst_fp"`
	WorstFN          []PairSample `json:"worst_fn"`
}

// LabelStats counts errors carrying one label. For corruptions, a true pair
// carries a label when either record does; Recall is 1 - FN/TruePairs. For
// hard negatives, FP counts wrongly clustered pairs from one planted group;
// the label "(none)" holds the other false positives.
type LabelStats struct {
	Label     string  `json:"label"`
	TruePairs int64   `json:"true_pairs,omitempty"`
	FN        int64   `json:"fn,omitempty"`
	Recall    float64 `json:"recall,omitempty"`
	FP        int64   `json:"fp,omitempty"`
}

// PairSample is one pair with its evidence: record ids, levels and
// similarities, never a field value.
type PairSample struct {
	LeftID           string             `json:"left_id"`
	RightID          string             `json:"right_id"`
	MatchWeight      float64            `json:"match_weight"`
	MatchProbability float64            `json:"match_probability"`
	BlockingRule     string             `json:"blocking_rule,omitempty"`
	Levels           map[string]int     `json:"levels"`
	Sims             map[string]float64 `json:"sims"`
	Labels           []string           `json:"labels,omitempty"`
}

// WriteJSON writes the report as indented JSON. Keys come from struct tags
// (fixed order) and maps are sorted by encoding/json, so the bytes are
// stable. Infinite weights (pairs without one) are written as null-free
// finite sentinels by construction: eval never stores them.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report for people: aligned columns, rates as
// percentages.
func (r *Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(format string, a ...any) { fmt.Fprintf(tw, format+"\n", a...) }
	line("truth\t%s\t(entity: %s)", r.Truth, r.TruthEntity)
	if r.Run != "" {
		line("run\t%s", r.Run)
	}
	if t := r.Threshold; t != nil {
		line("threshold\tmatch_weight %s\t(%s)", num(t.MatchWeight), t.Source)
	}
	if c := r.Records; c != nil {
		line("records\ttruth %d\tin run %d\tabsent %d\tnot in truth %d", c.Truth, c.InRun, c.AbsentFromRun, c.RunNotInTruth)
		line("entities / clusters\t%d\t%d", c.Entities, c.Clusters)
	}
	for _, w := range r.Warnings {
		line("WARNING\t%s", w)
	}
	if p := r.Pairwise; p != nil {
		line("")
		line("PAIRWISE (clusters)\tprecision\trecall\tF1\tTP\tFP\tFN\ttrue pairs")
		line("\t%s\t%s\t%s\t%d\t%d\t%d\t%d", pct(p.Precision), pct(p.Recall), pct(p.F1), p.TP, p.FP, p.FN, p.TruePairs)
		if p.FNAbsent > 0 {
			line("\tof FN, pairs with a record absent from the run: %d", p.FNAbsent)
		}
	}
	if c := r.Cluster; c != nil {
		line("B-CUBED\tprecision %s\trecall %s\tF1 %s", pct(c.BCubedPrecision), pct(c.BCubedRecall), pct(c.BCubedF1))
		line("ENTITIES EXACT\tall %s (%d)\twith duplicates %s (%d of %d)", pct(c.EntitiesExactShare), c.EntitiesExact, pct(c.EntitiesMultiShare), c.EntitiesMultiExact, c.EntitiesMulti)
		line("LARGEST\tcluster %d records\ttrue entity %d records", c.LargestCluster, c.LargestEntity)
	}
	if b := r.Blocking; b != nil {
		line("")
		line("BLOCKING\trecall %s\tnot blocked %d\t(basis: %s)", pct(b.BlockingRecall), b.TruePairsNotBlocked, b.Basis)
		line("SCORING\trecall %s\t(true pairs in the pairs file at or above the threshold)", pct(b.ScoringRecall))
		for _, rs := range b.Rules {
			line("  rule %s\tpairs %d\ttrue %d", rs.Rule, rs.Pairs, rs.TruePairs)
		}
	}
	if p := r.PairLevel; p != nil {
		line("PAIR LEVEL\tprecision %s\trecall %s\tF1 %s\tTP %d FP %d FN %d", pct(p.Precision), pct(p.Recall), pct(p.F1), p.TP, p.FP, p.FN)
	}
	if s := r.Sweep; s != nil && len(s.Points) > 0 {
		line("")
		line("SWEEP (pairs file)\tmatch_weight\tprecision\trecall\tF1\tTP\tFP")
		for _, p := range s.Points {
			mark := ""
			if p == s.Best {
				mark = "  <- best"
			}
			line("\t%s\t%s\t%s\t%s\t%d\t%d%s", num(p.MatchWeight), pct(p.Precision), pct(p.Recall), pct(p.F1), p.TP, p.FP, mark)
		}
	}
	if s := r.Stability; s != nil {
		line("")
		line("ID STABILITY	vs %s	(column %s)", s.Previous, s.IDColumn)
		line("	kept %s	%d of %d unchanged persons	ID changed: %d", pct(s.SharedKept), s.PersonsKeptID, s.PersonsUnchanged, s.PersonsChangedID)
		line("	persons %d	changed tonight %d	not in both runs %d", s.Persons, s.PersonsChanged, s.PersonsNotInRuns)
		line("	changed persons by	%s", s.ChangedBasis)
		if s.Note != "" {
			line("	NOTE	%s", s.Note)
		}
	}
	if e := r.Errors; e != nil {
		if len(e.FNByCorruption) > 0 {
			line("")
			line("FN BY CORRUPTION\ttrue pairs\tFN\trecall")
			for _, l := range e.FNByCorruption {
				line("  %s\t%d\t%d\t%s", l.Label, l.TruePairs, l.FN, pct(l.Recall))
			}
		}
		if len(e.FPByHardNegative) > 0 {
			line("")
			line("FP BY HARD NEGATIVE\tFP")
			for _, l := range e.FPByHardNegative {
				line("  %s\t%d", l.Label, l.FP)
			}
		}
		writeSamples(line, "WORST FP", e.WorstFP)
		writeSamples(line, "WORST FN", e.WorstFN)
	}
	if r.Golden != nil {
		r.Golden.table(line)
	}
	if v := r.Verdicts; v != nil {
		line("")
		line("VERDICTS\taccuracy %s\t(%d of %d)", pct(v.Accuracy), v.Correct, v.Total)
		line("  case\tn\taccuracy\tverdicts")
		for _, c := range v.Cases {
			var parts []string
			for _, vc := range c.Verdicts {
				parts = append(parts, fmt.Sprintf("%s=%d", vc.Verdict, vc.Count))
			}
			acc := "-"
			if c.Expected != nil {
				acc = pct(c.Accuracy)
			}
			line("  %s\t%d\t%s\t%s", c.Case, c.Total, acc, strings.Join(parts, " "))
		}
	}
	if l := r.Links; l != nil {
		line("")
		line("LINKS	rows %d	on the register %d	not on it %d", l.Rows, l.OnRegister, l.NotOnRegister)
		line("  linked precision	%s	(%d of %d)", pct(l.Precision), l.LinkedRight, l.Linked)
		line("  recall	%s	(%d of %d on the register)", pct(l.Recall), l.LinkedRight, l.OnRegister)
		line("  not_found accuracy	%s	(%d of %d not on the register)", pct(l.NotFoundAccuracy), l.NotFoundRight, l.NotOnRegister)
		for _, c := range l.Classes {
			var parts []string
			for _, o := range c.Outcomes {
				parts = append(parts, fmt.Sprintf("%s=%d", o.Verdict, o.Count))
			}
			line("  %s	%d	%s", c.Class, c.Rows, strings.Join(parts, " "))
		}
	}
	return tw.Flush()
}

func writeSamples(line func(string, ...any), title string, ss []PairSample) {
	if len(ss) == 0 {
		return
	}
	line("")
	line("%s\tleft\tright\tweight\tlevels\tlabels", title)
	for _, s := range ss {
		line("\t%s\t%s\t%s\t%s\t%s", s.LeftID, s.RightID, num(s.MatchWeight), levelsText(s.Levels), strings.Join(s.Labels, ";"))
	}
}

func levelsText(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%d", k, m[k])
	}
	return b.String()
}

// pct prints a rate with two decimals; a rate below 1 never rounds up to
// 100.00% (20,009 of 20,010 reads 99.99%): only a perfect figure shows 100%.
func pct(v float64) string {
	s := fmt.Sprintf("%.2f", 100*v)
	if s == "100.00" && v < 1 {
		s = "99.99"
	}
	return s + "%"
}

func num(v float64) string {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%.2f", v)
}
