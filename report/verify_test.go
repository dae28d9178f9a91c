package report

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

var fuzzManifest = &runfolder.Manifest{}

func writeFile(t testing.TB, dir, name, data string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeTable(t *testing.T, path string, cols []string, rows [][]string) {
	t.Helper()
	schema := dataio.StringSchema(cols...)
	w, err := dataio.Create(path, schema)
	if err != nil {
		t.Fatal(err)
	}
	b := dataio.NewStringBatchBuilder(schema)
	defer b.Release()
	for _, r := range rows {
		b.Append(r)
	}
	rec := b.NewBatch()
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyLenient: the shapes of summary.json the section accepts, and
// the fallbacks to verdicts.parquet and ids.parquet.
func TestVerifyLenient(t *testing.T) {
	type want struct {
		carriers  []string
		verdicts  []string
		totals    []int64
		overTotal int64
		overIDs   []string // masked
		limit     int64
	}
	for _, tc := range []struct {
		name    string
		summary string
		want    want
	}{
		{
			name:    "map by carrier",
			summary: `{"sim_limit": 9, "by_carrier": {"viettel": {"match": 3, "mismatch": 1}, "vinaphone": {"match": 2}}, "ids_over_limit": [{"national_id": "001203004567", "sims": 12}]}`,
			want:    want{carriers: []string{"viettel", "vinaphone"}, verdicts: []string{"match", "mismatch"}, totals: []int64{4, 2}, overTotal: 1, overIDs: []string{"•••••••••567"}, limit: 9},
		},
		{
			name:    "list with verdict maps",
			summary: `{"limit": 4, "carriers": [{"carrier": "mobifone", "verdicts": {"ok": 7}}], "over_limit": 3}`,
			want:    want{carriers: []string{"mobifone"}, verdicts: []string{"ok"}, totals: []int64{7}, overTotal: 3, limit: 4},
		},
		{
			name:    "flat list",
			summary: `{"verdicts_by_carrier": [{"carrier": "a", "verdict": "x", "count": 2}, {"carrier": "a", "verdict": "y", "count": "5"}], "over_sim_limit": [{"id_number": "123456789", "subscriptions": 20, "carrier": "a"}, {"id": "987654321", "count": 30}]}`,
			want:    want{carriers: []string{"a"}, verdicts: []string{"x", "y"}, totals: []int64{7}, overTotal: 2, overIDs: []string{"••••••321", "••••••789"}},
		},
		{
			name:    "unknown shapes ignored",
			summary: `{"by_carrier": "n/a", "ids_over_limit": [1, "x", {"sims": 3}], "note": "hello", "ok": true}`,
			want:    want{overTotal: 0},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, runfolder.FileVerifySummary, tc.summary)
			v, err := loadVerify(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			var carriers []string
			var totals []int64
			for _, c := range v.Carriers {
				carriers = append(carriers, c.Carrier)
				totals = append(totals, c.Total)
			}
			var ids []string
			for _, o := range v.OverLimit {
				ids = append(ids, o.ID)
			}
			if !slices.Equal(carriers, tc.want.carriers) || !slices.Equal(v.Verdicts, tc.want.verdicts) || !slices.Equal(totals, tc.want.totals) {
				t.Errorf("carriers %v verdicts %v totals %v, want %v %v %v", carriers, v.Verdicts, totals, tc.want.carriers, tc.want.verdicts, tc.want.totals)
			}
			if v.OverLimitTotal != tc.want.overTotal || !slices.Equal(ids, tc.want.overIDs) || v.Limit != tc.want.limit {
				t.Errorf("over limit %d %v (limit %d), want %d %v (limit %d)", v.OverLimitTotal, ids, v.Limit, tc.want.overTotal, tc.want.overIDs, tc.want.limit)
			}
		})
	}
}

func TestVerifyFromParquet(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, runfolder.FileVerifySummary, `{"sim_limit": 2}`)
	writeTable(t, filepath.Join(dir, runfolder.FileVerdicts), []string{"subscription_id", "carrier", "verdict"}, [][]string{
		{"s1", "viettel", "match"}, {"s2", "viettel", "match"}, {"s3", "viettel", "name_mismatch"}, {"s4", "mobifone", "match"},
	})
	writeTable(t, filepath.Join(dir, runfolder.FileVerifyIDs), []string{"id_number", "sims", "carriers"}, [][]string{
		{"001203004567", "3", "viettel"}, {"001203004568", "2", "viettel"}, {"001203004569", "5", "mobifone;viettel"},
	})
	v, err := loadVerify(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Carriers) != 2 || v.Carriers[1].Carrier != "viettel" || v.Carriers[1].Total != 3 || !slices.Equal(v.Verdicts, []string{"match", "name_mismatch"}) {
		t.Errorf("carriers %+v verdicts %v", v.Carriers, v.Verdicts)
	}
	if v.OverLimitTotal != 2 || len(v.OverLimit) != 2 || v.OverLimit[0].ID != "•••••••••569" || v.OverLimit[0].SIMs != 5 {
		t.Errorf("over limit %d %+v", v.OverLimitTotal, v.OverLimit)
	}
	shown, err := loadVerify(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if shown.OverLimit[0].ID != "001203004569" {
		t.Errorf("ShowPII: ID %q", shown.OverLimit[0].ID)
	}
	// The shape dedup verify writes: the count in summary.json, the IDs
	// (all over a limit) in ids.parquet.
	real := t.TempDir()
	writeFile(t, real, runfolder.FileVerifySummary, `{"limits": [{"rule": "R1", "scope": "per_carrier", "max": 3}, {"rule": "R6", "scope": "total", "max": -1}],
	  "ids_over_limit": 2, "carriers": [{"carrier": "Viettel", "subscriptions": 3, "verdicts": {"match": 2, "mismatch": 1}}]}`)
	writeTable(t, filepath.Join(real, runfolder.FileVerifyIDs), []string{"national_id", "id_holder_id", "total", "max_per_carrier", "per_carrier", "rules"}, [][]string{
		{"001203004567", "P01-1", "4", "4", "Viettel:4", "R1"}, {"038195001234", "", "12", "5", "MobiFone:5;Viettel:7", "R1;R6"},
	})
	rv, err := loadVerify(real, false)
	if err != nil {
		t.Fatal(err)
	}
	if rv.OverLimitTotal != 2 || len(rv.OverLimit) != 2 || rv.OverLimit[0].ID != "•••••••••234" || rv.OverLimit[0].SIMs != 12 ||
		rv.OverLimit[0].Carriers != "MobiFone 5, Viettel 7" || rv.Limits != "R1: 3 per carrier" || len(rv.Carriers) != 1 || rv.Carriers[0].Total != 3 {
		t.Errorf("verify's own shape: %+v", rv)
	}
	if none, err := loadVerify(t.TempDir(), false); none != nil || err != nil {
		t.Errorf("empty folder: %v, %v", none, err)
	}
}

// FuzzVerifySummary: any summary.json either loads or is an error; it
// never panics, and what loads renders.
func FuzzVerifySummary(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `null`, `{"by_carrier": {"a": {"b": 1}}}`, `{"carriers": [{"carrier": "a", "verdict": "b", "count": 1e300}]}`,
		`{"ids_over_limit": [{"id": "1", "sims": -5}]}`, `{"over_limit": "7", "limit": "x"}`, `{"a": 1.5, "b": "s", "c": false}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dir := t.TempDir()
		writeFile(t, dir, runfolder.FileVerifySummary, s)
		v, err := loadVerify(dir, false)
		if err != nil {
			return
		}
		d := &Data{Manifest: fuzzManifest, Verify: v}
		var buf bytes.Buffer
		if err := d.WriteHTML(&buf); err != nil {
			t.Fatal(err)
		}
	})
}
