package gen

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestDerivedProfiles: noids leaves every national ID and phone empty;
// twins gives many twins, each sharing its sibling's family and middle
// name, birth date and gender with another given name; a
// base profile's rates are not touched.
func TestDerivedProfiles(t *testing.T) {
	if p := mustProfile(t, "default"); p.Rate(rateTwinSameMiddle) != 0 {
		t.Fatalf("default profile sets %s", rateTwinSameMiddle)
	}
	for _, name := range DerivedProfileNames() {
		p := mustProfile(t, name)
		if p.Name != name {
			t.Errorf("profile %s is named %q", name, p.Name)
		}
	}
	dir := t.TempDir()
	if _, err := Generate(context.Background(), Options{People: 3000, Seed: 9, Workers: 2, OutDir: filepath.Join(dir, "noids"), Quiet: true, Profile: "noids"}); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "noids", "population", "*.parquet"))
	rows := 0
	for _, f := range files {
		tb := readParquet(t, f)
		for i := range tb["record_id"] {
			rows++
			if tb["national_id"][i] != "" || tb["phone"][i] != "" {
				t.Fatalf("noids: record %d of %s has an ID or phone", i, f)
			}
		}
	}
	if rows < 3000 {
		t.Fatalf("noids: %d records", rows)
	}

	if _, err := Generate(context.Background(), Options{People: 3000, Seed: 9, Workers: 2, OutDir: filepath.Join(dir, "twins"), Quiet: true, Profile: "twins"}); err != nil {
		t.Fatal(err)
	}
	tr := readParquet(t, filepath.Join(dir, "twins", "truth", "population.parquet"))
	// The ward is a record's (a moved record holds another), so it is
	// not compared here.
	type person struct{ family, middle, given, dob, gender string }
	groups := map[string]map[string]person{} // hard-negative group → person id → truth
	for i, g := range tr["hard_negative_group"] {
		if tr["hard_negative"][i] != "twin" {
			continue
		}
		parts := strings.Fields(tr["true_full_name"][i])
		if len(parts) < 3 {
			continue // no middle name to compare
		}
		if groups[g] == nil {
			groups[g] = map[string]person{}
		}
		groups[g][tr["person_id"][i]] = person{parts[0], strings.Join(parts[1:len(parts)-1], " "), parts[len(parts)-1],
			tr["true_date_of_birth"][i], tr["true_gender"][i]}
	}
	pairs := 0
	for g, ps := range groups {
		if len(ps) != 2 {
			continue
		}
		var a, b person
		k := 0
		for _, p := range ps {
			if k == 0 {
				a = p
			} else {
				b = p
			}
			k++
		}
		pairs++
		if a.family != b.family || a.middle != b.middle || a.dob != b.dob || a.gender != b.gender || a.given == b.given {
			t.Errorf("twins %s: %+v and %+v differ beyond the given name", g, a, b)
		}
	}
	if pairs < 50 {
		t.Fatalf("twins: only %d twin pairs among 3000 persons", pairs)
	}
}
