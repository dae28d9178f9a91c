package eval

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// writeNightRun writes a run folder whose clusters.parquet maps each
// record to (cluster_id, person_id); withPerson false leaves person_id out.
func writeNightRun(t *testing.T, dir string, ids map[string][2]string, withPerson bool) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	fields := []arrow.Field{str("record_id"), str("source"), str("cluster_id")}
	if withPerson {
		fields = append(fields, str(ColPersonID))
	}
	var rows [][]any
	for _, r := range []string{"r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"} {
		v, ok := ids[r]
		if !ok {
			continue
		}
		row := []any{r, "src", v[0]}
		if withPerson {
			row = append(row, v[1])
		}
		rows = append(rows, row)
	}
	writeTable(t, filepath.Join(dir, "clusters.parquet"), fields, rows)
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"rows": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestIDStability: persons A..F of tonight's truth, against the previous
// night's run:
//
//	A r1 r2  unchanged, IDs kept
//	B r3     unchanged, ID changed
//	C r4     corrected tonight (events), ID changed
//	D r5 r6  r5 added tonight, r6 kept its ID
//	E r7     unchanged but absent from tonight's run (rejected)
//	F r8     unchanged, ID kept
//
// r9 was the previous night's record of a person who died.
func TestIDStability(t *testing.T) {
	dir := t.TempDir()
	truthDir := filepath.Join(dir, "night2", "truth")
	if err := os.MkdirAll(truthDir, 0o700); err != nil {
		t.Fatal(err)
	}
	truthCSV := "record_id,person_id\nr1,A\nr2,A\nr3,B\nr4,C\nr5,D\nr6,D\nr7,E\nr8,F\n"
	truthPath := filepath.Join(truthDir, "population.csv")
	if err := os.WriteFile(truthPath, []byte(truthCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	// the same truth in a folder without an events file
	bare := filepath.Join(dir, "bare.csv")
	if err := os.WriteFile(bare, []byte(truthCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	writeTable(t, filepath.Join(truthDir, "events.parquet"), []arrow.Field{str("event"), str("person_id"), str("record_id"), str("change")},
		[][]any{{"correction_fixed", "C", "r4", "changed"}, {"late_duplicate", "D", "r5", "added"}, {"death", "G", "r9", "removed"}})

	prev := map[string][2]string{"r1": {"c1", "P1"}, "r2": {"c1", "P1"}, "r3": {"c3", "P3"}, "r4": {"c4", "P4"},
		"r6": {"c6", "P6"}, "r7": {"c7", "P7"}, "r8": {"c8", "P8"}, "r9": {"c9", "P9"}}
	// Tonight every cluster_id differs (they are not persistent), the
	// person IDs as the table above says.
	cur := map[string][2]string{"r1": {"k1", "P1"}, "r2": {"k1", "P1"}, "r3": {"k3", "P30"}, "r4": {"k4", "P40"},
		"r5": {"k6", "P6"}, "r6": {"k6", "P6"}, "r8": {"k8", "P8"}}
	prevRun, curRun, prevNoPerson := filepath.Join(dir, "prev"), filepath.Join(dir, "cur"), filepath.Join(dir, "prev-old")
	writeNightRun(t, prevRun, prev, true)
	writeNightRun(t, curRun, cur, true)
	writeNightRun(t, prevNoPerson, prev, false)

	for _, c := range []struct {
		name, truth, previous, events string
		want                          IDStability
		basis                         string
	}{
		{"events beside the truth", truthPath, prevRun, "",
			IDStability{IDColumn: "person_id", Persons: 6, PersonsChanged: 2, PersonsNotInRuns: 1, PersonsUnchanged: 3, PersonsKeptID: 2, PersonsChangedID: 1}, "events"},
		{"events given", bare, prevRun, filepath.Join(truthDir, "events.parquet"),
			IDStability{IDColumn: "person_id", Persons: 6, PersonsChanged: 2, PersonsNotInRuns: 1, PersonsUnchanged: 3, PersonsKeptID: 2, PersonsChangedID: 1}, "events"},
		// Without events the correction of C is not seen: C counts as
		// unchanged, with its ID changed.
		{"no events", bare, prevRun, "",
			IDStability{IDColumn: "person_id", Persons: 6, PersonsChanged: 1, PersonsNotInRuns: 1, PersonsUnchanged: 4, PersonsKeptID: 2, PersonsChangedID: 2}, "record ids"},
		// A previous run without person_id: both compared on cluster_id,
		// every one of which changed.
		{"cluster_id fallback", truthPath, prevNoPerson, "",
			IDStability{IDColumn: "cluster_id", Persons: 6, PersonsChanged: 2, PersonsNotInRuns: 1, PersonsUnchanged: 3, PersonsKeptID: 0, PersonsChangedID: 3}, "events"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rep, err := Run(Options{Truth: c.truth, RunDir: curRun, Previous: c.previous, Events: c.events})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Stability
			if s == nil {
				t.Fatal("no id_stability")
			}
			got := *s
			got.Previous, got.ChangedBasis, got.Events, got.Note, got.SharedKept = "", "", "", "", 0
			if got != c.want {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
			if want := Recall(c.want.PersonsKeptID, c.want.PersonsUnchanged); s.SharedKept != want {
				t.Errorf("share %v, want %v", s.SharedKept, want)
			}
			if !strings.HasPrefix(s.ChangedBasis, c.basis) {
				t.Errorf("basis %q, want %s…", s.ChangedBasis, c.basis)
			}
			if (s.IDColumn == "cluster_id") != (s.Note != "") {
				t.Errorf("column %s with note %q: the fallback must say so", s.IDColumn, s.Note)
			}
			var table, js bytes.Buffer
			if err := rep.WriteTable(&table); err != nil {
				t.Fatal(err)
			}
			if err := rep.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(table.String(), "ID STABILITY") || !strings.Contains(js.String(), `"id_stability"`) {
				t.Error("the stability section is missing from the table or the JSON")
			}
			for _, v := range []string{"P30", "P40", "P1\"", "k3"} {
				if strings.Contains(table.String(), v) || strings.Contains(js.String(), v) {
					t.Errorf("the report shows the ID value %s: counts only", v)
				}
			}
		})
	}

	// Errors: a previous folder that is no run; an events file that is not there.
	if _, err := Run(Options{Truth: truthPath, RunDir: curRun, Previous: dir}); err == nil || !strings.Contains(err.Error(), "--previous") {
		t.Errorf("previous folder without a manifest: %v", err)
	}
	if _, err := Run(Options{Truth: truthPath, RunDir: curRun, Previous: prevRun, Events: filepath.Join(dir, "none.parquet")}); err == nil || !strings.Contains(err.Error(), "none.parquet") {
		t.Errorf("missing events file: %v", err)
	}
}
