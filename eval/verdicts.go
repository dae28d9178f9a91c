package eval

import (
	"fmt"
	"slices"
	"sort"
)

// Link mode: a verify run gives each subscription a verdict; the subscriber
// truth gives each subscription the case the generator made of it. The
// verdict vocabulary belongs to the verify command, so the case → accepted
// verdicts mapping is a parameter with a provisional default.

// DefaultExpectedVerdicts says which verdicts count as right for each
// subscriber-truth case, in the vocabulary of dedup verify's verdict_code
// column: the verdict, ":fields" for a mismatch, "/over_limit" when the
// subscription's ID number holds more SIMs than a limit (see package verify
// for the rules). A person's other subscriptions are right whether or not
// the person also holds a SIM farm, so most cases accept both forms.
var DefaultExpectedVerdicts = map[string][]string{
	// the citizen, name and date of birth as registered (match:dob_partial:
	// the register holds only part of the date, e.g. the year)
	"correct": withOverLimit("match", "match:dob_partial"),
	// a small typo (one edit) or no diacritics: a match allowing
	// normalization and a typo, or a name mismatch when the register's
	// record of the name has its own slip on top
	"typo": withOverLimit("match", "match:dob_partial", "mismatch:name"),
	// ID and name right, date of birth wrong; match:dob_partial when the
	// register holds only the year (or year and month) of the date, which
	// agrees: the wrong part cannot be seen, and the verdict says so
	"wrong_dob": withOverLimit("mismatch:dob", "match:dob_partial"),
	// another real person's ID with the subscriber's own name and date of
	// birth: that other citizen is named
	"other_person_id": withOverLimit("other_person"),
	// a made-up ID nobody holds
	"nonexistent_id": {"id_not_found"},
	// 10–100 subscriptions on one real ID: flagged over the R1/R6 limits
	// (whatever else is said of the subscription)
	"sim_farm": {"match/over_limit", "match:dob_partial/over_limit", "mismatch:name/over_limit", "mismatch:dob/over_limit", "mismatch:name,dob/over_limit",
		"other_person/over_limit", "id_not_found/over_limit", "id_invalid/over_limit", "phone_other_name/over_limit"},
	// a real person's phone under a made-up identity: the phone's owner is
	// named when the register holds the phone; when it does not, nothing
	// tells it from a made-up ID
	"phone_other_name": {"phone_other_name", "id_not_found"},
}

// withOverLimit returns the verdicts and their "/over_limit" forms.
func withOverLimit(vs ...string) []string {
	out := slices.Clone(vs)
	for _, v := range vs {
		out = append(out, v+"/over_limit")
	}
	return out
}

// verdictColumn is the column of a verdicts table that link mode scores:
// verdict_code when the table has it (dedup verify's qualified verdict),
// else verdict.
func verdictColumn(path string) string {
	tr, err := openTable(path, []string{"verdict_code"}, 0)
	if err != nil {
		return "verdict"
	}
	defer tr.close()
	if tr.has(0) {
		return "verdict_code"
	}
	return "verdict"
}

// MissingVerdict is the verdict given to a truth subscription that the
// verdicts table does not mention.
const MissingVerdict = "(missing)"

// KeyValue is one row of a two-column table: a subscription id and its
// verdict or case.
type KeyValue struct {
	Key, Value string
}

// VerdictReport is the per-case confusion matrix and accuracy.
type VerdictReport struct {
	Total    int64         `json:"total"`
	Correct  int64         `json:"correct"` // among cases with an expectation
	Scored   int64         `json:"scored"`  // subscriptions whose case has an expectation
	Accuracy float64       `json:"accuracy"`
	Unknown  int64         `json:"verdicts_not_in_truth"`
	Cases    []CaseVerdict `json:"cases"`
}

// CaseVerdict is one row of the confusion matrix.
type CaseVerdict struct {
	Case     string         `json:"case"`
	Total    int64          `json:"total"`
	Expected []string       `json:"expected"` // nil: no expectation, accuracy not scored
	Correct  int64          `json:"correct"`
	Accuracy float64        `json:"accuracy"`
	Verdicts []VerdictCount `json:"verdicts"`
}

// VerdictCount is one cell: how many subscriptions of a case got a verdict.
type VerdictCount struct {
	Verdict string `json:"verdict"`
	Count   int64  `json:"count"`
}

// ScoreVerdicts builds the confusion matrix of case × verdict and the
// accuracy per case. expected maps a case to its accepted verdicts (nil
// means [DefaultExpectedVerdicts]). A subscription in the truth without a
// verdict gets [MissingVerdict]; a verdict for a subscription absent from
// the truth is counted in Unknown. Duplicate ids in either table are an
// error.
func ScoreVerdicts(verdicts, truth []KeyValue, expected map[string][]string) (*VerdictReport, error) {
	if expected == nil {
		expected = DefaultExpectedVerdicts
	}
	byID := make(map[string]string, len(verdicts))
	for i, v := range verdicts {
		if _, dup := byID[v.Key]; dup {
			return nil, fmt.Errorf("verdicts row %d: subscription id appears twice", i+1)
		}
		byID[v.Key] = v.Value
	}
	cells := map[string]map[string]int64{}
	seen := make(map[string]bool, len(truth))
	rep := &VerdictReport{}
	for i, t := range truth {
		if seen[t.Key] {
			return nil, fmt.Errorf("subscriber truth row %d: subscription id appears twice", i+1)
		}
		seen[t.Key] = true
		v, ok := byID[t.Key]
		if !ok {
			v = MissingVerdict
		}
		if cells[t.Value] == nil {
			cells[t.Value] = map[string]int64{}
		}
		cells[t.Value][v]++
	}
	for k := range byID {
		if !seen[k] {
			rep.Unknown++
		}
	}
	cases := make([]string, 0, len(cells))
	for c := range cells {
		cases = append(cases, c)
	}
	sort.Strings(cases)
	for _, c := range cases {
		cv := CaseVerdict{Case: c, Expected: expected[c]}
		vs := make([]string, 0, len(cells[c]))
		for v := range cells[c] {
			vs = append(vs, v)
		}
		sort.Strings(vs)
		for _, v := range vs {
			n := cells[c][v]
			cv.Total += n
			cv.Verdicts = append(cv.Verdicts, VerdictCount{v, n})
			if slices.Contains(cv.Expected, v) {
				cv.Correct += n
			}
		}
		rep.Total += cv.Total
		if cv.Expected != nil {
			cv.Accuracy = Recall(cv.Correct, cv.Total)
			rep.Correct += cv.Correct
			rep.Scored += cv.Total
		}
		rep.Cases = append(rep.Cases, cv)
	}
	rep.Accuracy = Recall(rep.Correct, rep.Scored)
	return rep, nil
}

// readKeyValues reads two columns of a table as strings.
func readKeyValues(path, key, value string) ([]KeyValue, error) {
	tr, err := openTable(path, []string{key, value}, 2)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	var out []KeyValue
	var k, v []byte
	for tr.next() {
		for i := 0; i < tr.n; i++ {
			k = tr.cols[0].appendText(k[:0], i)
			if len(k) == 0 {
				return nil, fmt.Errorf("%s row %d column %s: empty id", path, tr.row+int64(i)+1, key)
			}
			v = tr.cols[1].appendText(v[:0], i)
			out = append(out, KeyValue{string(k), string(v)})
		}
	}
	return out, tr.err
}

func sortStrings(s []string) { sort.Strings(s) }
