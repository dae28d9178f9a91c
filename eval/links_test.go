package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sectorTruth is a hand-made sector truth: four rows of persons on the
// register, two of persons not on it.
var sectorTruth = []KeyValue{
	{"B1", "H1"}, {"B2", "H2"}, {"B3", "H3"}, {"B4", "H4"},
	{"B5", ""}, {"B6", ""},
}

func TestScoreLinks(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		links                     [][3]string
		personMap                 map[string]string
		linked, right             int64
		precision, recall, notFnd float64
		unknown                   int64
	}{
		{name: "all right",
			links: [][3]string{{"B1", "linked", "H1"}, {"B2", "linked", "H2"}, {"B3", "linked", "H3"}, {"B4", "linked", "H4"},
				{"B5", "not_found", ""}, {"B6", "not_found", ""}},
			linked: 4, right: 4, precision: 1, recall: 1, notFnd: 1},
		{name: "wrong person, ambiguous, missing, a stranger linked",
			links: [][3]string{{"B1", "linked", "H1"}, {"B2", "linked", "H3"}, {"B3", "ambiguous", ""},
				{"B5", "linked", "H5"}, {"B6", "not_found", ""}, {"X9", "not_found", ""}},
			linked: 3, right: 1, precision: 1.0 / 3, recall: 0.25, notFnd: 0.5, unknown: 1},
		{name: "state ids mapped to the truth's",
			links:     [][3]string{{"B1", "linked", "P7"}, {"B2", "linked", "P8"}, {"B3", "linked", "P404"}, {"B5", "not_found", ""}},
			personMap: map[string]string{"P7": "H1", "P8": "H9"},
			linked:    3, right: 1, precision: 1.0 / 3, recall: 0.25, notFnd: 0.5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ScoreLinks(tc.links, sectorTruth, tc.personMap)
			if err != nil {
				t.Fatal(err)
			}
			if r.Rows != 6 || r.OnRegister != 4 || r.NotOnRegister != 2 {
				t.Errorf("rows %d on %d off %d, want 6 4 2", r.Rows, r.OnRegister, r.NotOnRegister)
			}
			if r.Linked != tc.linked || r.LinkedRight != tc.right || r.Unknown != tc.unknown {
				t.Errorf("linked %d right %d unknown %d, want %d %d %d", r.Linked, r.LinkedRight, r.Unknown, tc.linked, tc.right, tc.unknown)
			}
			if !near(r.Precision, tc.precision) || !near(r.Recall, tc.recall) || !near(r.NotFoundAccuracy, tc.notFnd) {
				t.Errorf("precision %v recall %v not_found %v, want %v %v %v", r.Precision, r.Recall, r.NotFoundAccuracy, tc.precision, tc.recall, tc.notFnd)
			}
			var sum int64
			for _, c := range r.Classes {
				for _, o := range c.Outcomes {
					sum += o.Count
				}
			}
			if sum != r.Rows {
				t.Errorf("outcomes add up to %d, want %d", sum, r.Rows)
			}
		})
	}
}

func TestScoreLinksBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links [][3]string
		want  string
	}{
		{"duplicate id", [][3]string{{"B1", "linked", "H1"}, {"B1", "not_found", ""}}, "row 2: record_id appears twice"},
		{"unknown verdict", [][3]string{{"B1", "match", "H1"}}, `unknown verdict "match"`},
		{"linked without person", [][3]string{{"B1", "linked", ""}}, "empty for a linked row"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ScoreLinks(tc.links, sectorTruth, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := ScoreLinks(nil, []KeyValue{{"B1", "H1"}, {"B1", "H1"}}, nil); err == nil {
		t.Error("a truth with a duplicate record_id was accepted")
	}
}

// TestRunLinksFiles scores CSV fixtures through Run, as `dedup eval
// --links` does, and checks the table names the figures.
func TestRunLinksFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truth := write("truth.csv", "record_id,person_id,corruptions\nB1,H1,\nB2,H2,name_typo\nB3,,not_on_register\n")
	links := write("links.csv", "record_id,verdict,person_id,match_probability\nB1,linked,H1,0.99\nB2,ambiguous,,0.7\nB3,not_found,,0\n")
	rep, err := Run(Options{Truth: truth, Links: links})
	if err != nil {
		t.Fatal(err)
	}
	l := rep.Links
	if l == nil || l.Rows != 3 || l.LinkedRight != 1 || l.Precision != 1 || !near(l.Recall, 0.5) || l.NotFoundAccuracy != 1 {
		t.Fatalf("report %+v", l)
	}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"linked precision", "100.00%", "recall", "50.00%", "not_found accuracy", "on_register"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if _, err := Run(Options{Truth: truth, Links: write("bad.csv", "record_id,verdict\nB1,linked\n")}); err == nil || !strings.Contains(err.Error(), "person_id") {
		t.Errorf("links without person_id: %v", err)
	}
}
