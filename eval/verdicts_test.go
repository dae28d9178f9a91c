package eval

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestScoreVerdicts(t *testing.T) {
	truth := []KeyValue{{"s1", "correct"}, {"s2", "correct"}, {"s3", "typo"}, {"s4", "sim_farm"}, {"s5", "odd_case"}}
	verdicts := []KeyValue{{"s1", "match"}, {"s2", "mismatch"}, {"s4", "match/over_limit"}, {"s5", "match"}, {"s9", "match"}}
	rep, err := ScoreVerdicts(verdicts, truth, nil)
	if err != nil {
		t.Fatal(err)
	}
	// correct: 1 of 2; typo: its subscription has no verdict (missing);
	// sim_farm: 1 of 1; odd_case has no expectation and is not scored.
	want := &VerdictReport{Total: 5, Correct: 2, Scored: 4, Accuracy: 0.5, Unknown: 1, Cases: []CaseVerdict{
		{Case: "correct", Total: 2, Expected: DefaultExpectedVerdicts["correct"], Correct: 1, Accuracy: 0.5, Verdicts: []VerdictCount{{"match", 1}, {"mismatch", 1}}},
		{Case: "odd_case", Total: 1, Verdicts: []VerdictCount{{"match", 1}}},
		{Case: "sim_farm", Total: 1, Expected: DefaultExpectedVerdicts["sim_farm"], Correct: 1, Accuracy: 1, Verdicts: []VerdictCount{{"match/over_limit", 1}}},
		{Case: "typo", Total: 1, Expected: DefaultExpectedVerdicts["typo"], Verdicts: []VerdictCount{{MissingVerdict, 1}}},
	}}
	if !reflect.DeepEqual(rep, want) {
		t.Errorf("got  %+v\nwant %+v", rep, want)
	}
	// A custom expectation replaces the default.
	rep, _ = ScoreVerdicts(verdicts, truth, map[string][]string{"odd_case": {"match"}})
	if rep.Scored != 1 || rep.Correct != 1 {
		t.Errorf("custom expectation: %+v", rep)
	}
	if _, err := ScoreVerdicts([]KeyValue{{"a", "x"}, {"a", "y"}}, truth, nil); err == nil || !strings.Contains(err.Error(), "row 2") {
		t.Errorf("duplicate verdict: %v", err)
	}
	if _, err := ScoreVerdicts(nil, []KeyValue{{"a", "x"}, {"a", "y"}}, nil); err == nil {
		t.Error("duplicate truth id accepted")
	}
}

func TestRunVerdicts(t *testing.T) {
	dir := t.TempDir()
	tp, vp := filepath.Join(dir, "subscribers.csv"), filepath.Join(dir, "verdicts.csv")
	os.WriteFile(tp, []byte("subscription_id,person_id,case,corruptions\ns1,p1,correct,\ns2,,nonexistent_id,\n"), 0o600)
	os.WriteFile(vp, []byte("subscription_id,verdict\ns1,match\ns2,id_not_found\n"), 0o600)
	rep, err := Run(Options{Truth: tp, Verdicts: vp})
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Verdicts; v == nil || v.Accuracy != 1 || v.Total != 2 {
		t.Errorf("verdicts %+v", rep.Verdicts)
	}
	// dedup verify's verdict_code, when present, is what is scored
	os.WriteFile(vp, []byte("subscription_id,verdict,verdict_code\ns1,match,match/over_limit\ns2,mismatch,mismatch:dob\n"), 0o600)
	rep, err = Run(Options{Truth: tp, Verdicts: vp})
	if err != nil {
		t.Fatal(err)
	}
	if v := rep.Verdicts; v == nil || v.Correct != 1 || v.Cases[0].Verdicts[0].Verdict != "match/over_limit" {
		t.Errorf("verdict_code: %+v", rep.Verdicts)
	}
	var b strings.Builder
	rep.WriteTable(&b)
	if !strings.Contains(b.String(), "nonexistent_id") {
		t.Errorf("table lacks the case rows:\n%s", b.String())
	}
}
