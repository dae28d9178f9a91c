package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

// TestNonLatinNamesMatch: two records of the same person whose name is in
// another script (kept whole, name_non_latin) block and cluster together
// on the name and date of birth, as a Vietnamese namesake pair would; a
// folded key that dropped every non-ASCII letter left them unmatchable.
func TestNonLatinNamesMatch(t *testing.T) {
	extra := filepath.Join(t.TempDir(), "extra.csv")
	rows := [][]string{
		{"zh1", "王小明", "06/05/1990", "Nam", "", "", "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh", "", ""},
		{"zh2", "王小明", "1990-05-06", "Nam", "", "", "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh", "", ""},
		{"km1", "ស៊ុន សុខា", "12/11/1985", "Nữ", "", "", "Hà Nội", "", ""},
		{"km2", "ស៊ុ\u200bន  សុខា", "1985-11-12", "Nữ", "", "", "Hà Nội", "", ""},
		{"ar1", "محمد علي", "03/03/1970", "Nam", "", "", "Đà Nẵng", "", ""},
	}
	var b strings.Builder
	b.WriteString(strings.Join(inputHeader, ",") + "\n")
	for _, r := range rows {
		for i, c := range r {
			if strings.Contains(c, ",") {
				r[i] = `"` + c + `"`
			}
		}
		b.WriteString(strings.Join(r, ",") + "\n")
	}
	if err := os.WriteFile(extra, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runInputs(t, config.Default(), filepath.Join(generated(t), "population"), extra)
	if err != nil {
		t.Fatal(err)
	}
	cl := clusterOf(t, filepath.Join(out, runfolder.FileClusters), "zh1", "zh2", "km1", "km2", "ar1")
	if cl["zh1"] != cl["zh2"] {
		t.Errorf("the two records of 王小明 born 1990-05-06 are in clusters %s and %s", cl["zh1"], cl["zh2"])
	}
	if cl["km1"] != cl["km2"] {
		t.Errorf("the two records of ស៊ុន សុខា are in clusters %s and %s", cl["km1"], cl["km2"])
	}
	if cl["zh1"] == cl["km1"] || cl["ar1"] == cl["zh1"] || cl["ar1"] == cl["km1"] {
		t.Errorf("different people clustered together: %v", cl)
	}
}

// clusterOf reads the cluster id of each of the given record ids.
func clusterOf(t *testing.T, path string, ids ...string) map[string]string {
	t.Helper()
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	r, err := dataio.Open(path, dataio.ReadOptions{Columns: []string{runfolder.ColRecordID, runfolder.ColClusterID}, AsStrings: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := map[string]string{}
	for r.Next() {
		rec := r.Batch()
		id, cid := rec.Column(0).(*array.String), rec.Column(1).(*array.String)
		for i := 0; i < id.Len(); i++ {
			if want[id.Value(i)] {
				got[id.Value(i)] = cid.Value(i)
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if _, ok := got[id]; !ok {
			t.Fatalf("record %s not in %s", id, path)
		}
	}
	return got
}
