package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// snapshot is one night read back: record id → row (all columns joined),
// its truth person, and the truth's true_national_id.
type snapshot struct {
	rows   map[string]string
	person map[string]string
	trueID map[string]string
}

func readSnapshot(t *testing.T, dir string) snapshot {
	t.Helper()
	s := snapshot{rows: map[string]string{}, person: map[string]string{}, trueID: map[string]string{}}
	files, err := filepath.Glob(filepath.Join(dir, "population", "*.parquet"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no population files in %s: %v", dir, err)
	}
	for _, f := range files {
		tb := readParquet(t, f)
		for i, id := range tb["record_id"] {
			var b strings.Builder
			for _, c := range PopulationColumns {
				b.WriteString(tb[c][i])
				b.WriteByte(0)
			}
			if _, dup := s.rows[id]; dup {
				t.Fatalf("%s: record id %s twice", dir, id)
			}
			s.rows[id] = b.String()
		}
	}
	tr := readParquet(t, filepath.Join(dir, "truth", "population.parquet"))
	for i, id := range tr["record_id"] {
		s.person[id] = tr["person_id"][i]
		s.trueID[id] = tr["true_national_id"][i]
	}
	if len(s.person) != len(s.rows) || len(tr["record_id"]) != len(s.rows) {
		t.Fatalf("%s: %d records, %d truth rows", dir, len(s.rows), len(tr["record_id"]))
	}
	for id := range s.rows {
		if _, ok := s.person[id]; !ok {
			t.Fatalf("%s: record %s has no truth row", dir, id)
		}
	}
	return s
}

const nightsPeople = 20000

// TestNights: each night differs from the one before in exactly the
// records its events name (added, removed, changed), every other record
// keeping its id and bytes; the events do what their kind says; the
// manifest counts them; and the nights are the same bytes whatever the
// worker count, and again when regenerated into the same folder.
func TestNights(t *testing.T) {
	const nights = 3
	a, b := t.TempDir(), t.TempDir()
	o := Options{People: nightsPeople, Seed: 5, Workers: 1, OutDir: a, Quiet: true, Nights: nights, NightRate: 0.01}
	m, err := Generate(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if m.Nights != nights || m.NightRate != 0.01 {
		t.Errorf("manifest nights %d rate %g", m.Nights, m.NightRate)
	}
	o.OutDir, o.Workers = b, 3
	if _, err := Generate(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sameTree(t, filepath.Join(a, "nights"), filepath.Join(b, "nights"), "1 and 3 workers")
	// Regenerated over itself (clearing the earlier nights): same bytes.
	if _, err := Generate(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sameTree(t, filepath.Join(a, "nights"), filepath.Join(b, "nights"), "a regeneration")

	prev := readSnapshot(t, a)
	total := map[string]int64{}
	for n := 1; n <= nights; n++ {
		dir := filepath.Join(a, "nights", strconv.Itoa(n))
		cur := readSnapshot(t, dir)
		ev := readParquet(t, filepath.Join(dir, "truth", "events.parquet"))
		want := map[string]map[string]bool{"added": {}, "removed": {}, "changed": {}}
		kinds := map[string]map[string]bool{}
		for i, id := range ev["record_id"] {
			ch, k := ev["change"][i], ev["event"][i]
			if want[ch] == nil {
				t.Fatalf("night %d: change %q", n, ch)
			}
			want[ch][id] = true
			if kinds[k] == nil {
				kinds[k] = map[string]bool{}
			}
			kinds[k][id] = true
			if p := cur.person[id]; p != "" && p != ev["person_id"][i] {
				t.Errorf("night %d: event row's person %s, truth's %s", n, ev["person_id"][i], p)
			}
		}
		for id, row := range cur.rows {
			old, ok := prev.rows[id]
			switch {
			case !ok && !want["added"][id]:
				t.Errorf("night %d: record %s new but no event added it", n, id)
			case ok && old != row && !want["changed"][id]:
				t.Errorf("night %d: record %s changed but no event changed it", n, id)
			case ok && old == row && want["changed"][id]:
				t.Errorf("night %d: record %s named changed but the same bytes", n, id)
			case ok && cur.person[id] != prev.person[id]:
				t.Errorf("night %d: record %s changed person", n, id)
			}
		}
		for id := range prev.rows {
			if _, ok := cur.rows[id]; !ok && !want["removed"][id] {
				t.Errorf("night %d: record %s gone but no event removed it", n, id)
			}
		}
		for id := range want["removed"] {
			if _, ok := cur.rows[id]; ok {
				t.Errorf("night %d: removed record %s still there", n, id)
			}
		}
		for id := range want["added"] {
			if _, ok := prev.rows[id]; ok {
				t.Errorf("night %d: added record %s was there before", n, id)
			}
		}
		// Deaths leave nothing of the person; births are new persons.
		persons := map[string]bool{}
		for _, p := range cur.person {
			persons[p] = true
		}
		for i, k := range ev["event"] {
			p := ev["person_id"][i]
			switch k {
			case EventDeath:
				if persons[p] {
					t.Errorf("night %d: %s died but has records", n, p)
				}
			case EventBirth:
				if x, _ := strconv.Atoi(p[1:]); x < nightsPeople {
					t.Errorf("night %d: born person %s numbered among night 0's", n, p)
				}
			case EventIDIssued:
				id := ev["record_id"][i]
				nid := strings.Split(cur.rows[id], "\x00")[4]
				if len(nid) != 12 || nid != cur.trueID[id] {
					t.Errorf("night %d: issued record's national_id %d digits, not its true id", n, len(nid))
				}
				for r, q := range cur.person {
					if q == p && cur.trueID[r] != nid {
						t.Errorf("night %d: a record of the person issued a CCCD has another true id", n)
					}
				}
			}
		}
		var nm NightManifest
		data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, &nm); err != nil {
			t.Fatal(err)
		}
		if nm.Records != int64(len(cur.rows)) || nm.RecordsAdded != int64(len(want["added"])) || nm.RecordsRemoved != int64(len(want["removed"])) {
			t.Errorf("night %d manifest: %d records, %d added, %d removed; files say %d, %d, %d", n,
				nm.Records, nm.RecordsAdded, nm.RecordsRemoved, len(cur.rows), len(want["added"]), len(want["removed"]))
		}
		for k, v := range nm.Events {
			total[k] += v
		}
		prev = cur
	}
	// 20000 persons × 3 nights × 0.01: about 600 events, each kind seen.
	var sum int64
	for _, k := range NightEventKinds() {
		if total[k] == 0 {
			t.Errorf("no %s event in %d nights", k, nights)
		}
		sum += total[k]
	}
	if sum < 450 || sum > 750 {
		t.Errorf("%d events in %d nights, want about 600", sum, nights)
	}
}

// sameTree fails unless the files under a are under b too, byte for
// byte, and returns how many it compared.
func sameTree(t *testing.T, a, b, what string) int {
	t.Helper()
	n := 0
	err := filepath.Walk(a, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a, p)
		x, _ := os.ReadFile(p)
		y, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil {
			t.Errorf("%s missing after %s", rel, what)
			return nil
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs after %s", rel, what)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no files under %s", a)
	}
	return n
}

// TestNightZeroUnchanged: asking for nights leaves night 0's files as
// they are without (the nights are written beside them).
func TestNightZeroUnchanged(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if _, err := Generate(context.Background(), Options{People: 5000, Seed: 3, OutDir: a, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), Options{People: 5000, Seed: 3, OutDir: b, Quiet: true, Nights: 1}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"population", "subscribers", "truth"} {
		sameTree(t, filepath.Join(a, d), filepath.Join(b, d), "asking for nights")
	}
}

func TestNightOptions(t *testing.T) {
	for _, o := range []Options{
		{People: 10, Nights: -1},
		{People: 10, Nights: 1, NightRate: 0.5},
		{People: 10, Nights: 1, NightRate: -0.1},
		{People: 10, Nights: maxNights + 1},
	} {
		o.OutDir, o.Quiet = t.TempDir(), true
		if _, err := Generate(context.Background(), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
	// A nights folder holding something gen does not write is refused.
	dir := t.TempDir()
	if _, err := Generate(context.Background(), Options{People: 100, OutDir: dir, Quiet: true, Nights: 1}); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(dir, "nights", "1", "notes.txt")
	if err := os.WriteFile(keep, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Generate(context.Background(), Options{People: 100, OutDir: dir, Quiet: true}); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("a nights folder with a foreign file: %v", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("the foreign file: %v", err)
	}
}

// TestNightMixDocumented: the README's table of night events says what
// nightMix does, share for share, and the shares sum to 1.
func TestNightMixDocumented(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, k := range NightEventKinds() {
		share, doc := NightEventShare(k)
		sum += share
		row := "| `" + k + "` | " + strconv.FormatFloat(math.Round(share*1000)/10, 'f', -1, 64) + "% | " + doc + " |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README lacks the row %s", row)
		}
	}
	if sum < 0.999999 || sum > 1.000001 {
		t.Errorf("shares sum to %v", sum)
	}
}
