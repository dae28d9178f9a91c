package gen

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestSectors generates the three sector tables with 1 and 3 workers and
// checks: the same bytes whatever the workers; the register, subscriber
// and truth files the same bytes as without sectors; each table's
// columns, ids (unique, in the sector's form) and truth (one row per row,
// persons of the register or empty); coverage near the reports' figures;
// and the sector's conventions.
func TestSectors(t *testing.T) {
	const people = 60000
	a, b, plain := t.TempDir(), t.TempDir(), t.TempDir()
	for _, c := range []struct {
		dir     string
		workers int
		sectors []string
	}{{a, 1, SectorNames()}, {b, 3, SectorNames()}, {plain, 2, nil}} {
		if _, err := Generate(context.Background(), Options{People: people, Seed: 5, Workers: c.workers, OutDir: c.dir, Quiet: true, Sectors: c.sectors}); err != nil {
			t.Fatal(err)
		}
	}
	same := func(x, y, rel string) {
		p, _ := os.ReadFile(filepath.Join(x, rel))
		q, err := os.ReadFile(filepath.Join(y, rel))
		if err != nil || len(p) == 0 || !bytes.Equal(p, q) {
			t.Errorf("%s differs (%v)", rel, err)
		}
	}
	for _, n := range SectorNames() {
		same(a, b, filepath.Join("sectors", n+".parquet"))
		same(a, b, filepath.Join("truth", "sectors", n+".parquet"))
	}
	// One table alone is the same bytes as when written with the others.
	one := t.TempDir()
	if _, err := Generate(context.Background(), Options{People: people, Seed: 5, Workers: 2, OutDir: one, Quiet: true, Sectors: []string{SectorVehicles}}); err != nil {
		t.Fatal(err)
	}
	same(a, one, filepath.Join("sectors", "vehicles.parquet"))
	same(a, one, filepath.Join("truth", "sectors", "vehicles.parquet"))
	for _, rel := range []string{"truth/population.parquet", "truth/subscribers.parquet", "population/01.parquet", "subscribers/viettel.parquet"} {
		same(a, plain, rel)
	}
	if _, err := os.Stat(filepath.Join(plain, "sectors")); err == nil {
		t.Error("a generation without sectors made a sectors folder")
	}

	register := map[string]bool{}
	for _, p := range readParquet(t, filepath.Join(a, "truth", "population.parquet"))["person_id"] {
		register[p] = true
	}
	idForm := map[string]*regexp.Regexp{
		SectorBHXH:      regexp.MustCompile(`^\d{10}$`),
		SectorVehicles:  regexp.MustCompile(`^\d\d(-[A-Z]\d |[A-Z]-)\d{3}\.\d\d$`),
		SectorPassports: regexp.MustCompile(`^C\d{8}$`),
	}
	coverage := map[string][2]float64{SectorBHXH: {0.25, 0.29}, SectorVehicles: {0.014, 0.02}, SectorPassports: {0.012, 0.018}}
	for _, n := range SectorNames() {
		tab := readParquet(t, filepath.Join(a, "sectors", n+".parquet"))
		tr := readParquet(t, filepath.Join(a, "truth", "sectors", n+".parquet"))
		cols := SectorColumns(n)
		ids := tab[cols[0]]
		if len(tab) != len(cols) || len(ids) == 0 {
			t.Fatalf("%s: columns %d, rows %d", n, len(tab), len(ids))
		}
		if !slices.Equal(ids, tr["record_id"]) {
			t.Errorf("%s: truth record_id is not the table's %s, row for row", n, cols[0])
		}
		seen := map[string]bool{}
		persons := map[string]bool{}
		off := 0
		for i, id := range ids {
			if seen[id] {
				t.Errorf("%s: id of row %d repeated", n, i+1)
			}
			seen[id] = true
			if !idForm[n].MatchString(id) {
				t.Errorf("%s: id %q not in the sector's form", n, id)
			}
			p := tr["person_id"][i]
			switch {
			case p == "":
				off++
				if !strings.Contains(tr["corruptions"][i], "not_on_register") {
					t.Errorf("%s row %d: no person, not labelled not_on_register", n, i+1)
				}
			case !register[p]:
				t.Errorf("%s row %d: person %s not on the register", n, i+1, p)
			default:
				persons[p] = true
			}
		}
		share := float64(len(persons)) / people
		if share < coverage[n][0] || share > coverage[n][1] {
			t.Errorf("%s: %.4f of persons covered, want %v", n, share, coverage[n])
		}
		if off == 0 || float64(off) > 0.06*float64(len(ids)) {
			t.Errorf("%s: %d of %d rows not on the register", n, off, len(ids))
		}
		t.Logf("%s: %d rows, %.2f%% of persons, %d not on the register", n, len(ids), 100*share, off)
	}

	// Conventions.
	bh := readParquet(t, filepath.Join(a, "sectors", "bhxh.parquet"))
	ascii := 0
	for i, d := range bh["ngay_sinh"] {
		if !regexp.MustCompile(`^\d{8}$|^\d{4}$`).MatchString(d) {
			t.Fatalf("bhxh ngay_sinh %q of row %d is not yyyymmdd or a year", d, i+1)
		}
		if s := bh["ho_ten"][i]; s == strings.ToUpper(s) && isASCII(s) {
			ascii++
		}
	}
	if f := float64(ascii) / float64(len(bh["ho_ten"])); f < 0.5 || f > 0.7 {
		t.Errorf("bhxh: %.2f of names in capitals without diacritics, want about 0.6", f)
	}
	pp := readParquet(t, filepath.Join(a, "sectors", "passports.parquet"))
	for i, s := range pp["ho_ten"] {
		if s != strings.ToUpper(s) || !isASCII(s) {
			t.Fatalf("passport name of row %d is not capital ASCII", i+1)
		}
		if g := pp["gioi_tinh"][i]; g != "M" && g != "F" {
			t.Fatalf("passport gioi_tinh %q", g)
		}
	}
	vh := readParquet(t, filepath.Join(a, "sectors", "vehicles.parquet"))
	empty := 0
	for _, d := range vh["ngay_sinh"] {
		if d == "" {
			empty++
		}
	}
	if f := float64(empty) / float64(len(vh["ngay_sinh"])); f < 0.6 || f > 0.8 {
		t.Errorf("vehicles: %.2f of dates of birth empty, want about 0.7", f)
	}
	// A generation over one with sectors clears their files.
	if _, err := Generate(context.Background(), Options{People: 100, Seed: 5, OutDir: a, Quiet: true}); err != nil {
		t.Fatalf("a generation over one with sectors: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(a, "*", "sectors", "*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	if left, _ := filepath.Glob(filepath.Join(a, "sectors", "*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestParseSectors(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"passports,bhxh", []string{"bhxh", "passports"}, false},
		{"bhxh, bhxh", []string{"bhxh"}, false},
		{"all", SectorNames(), false},
		{"bhxh,cars", nil, true},
	} {
		got, err := ParseSectors(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) {
			t.Errorf("%q: %v %v, want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
	if _, err := Generate(context.Background(), Options{People: 10, OutDir: t.TempDir(), Sectors: []string{"cars"}}); err == nil {
		t.Error("an unknown sector was generated")
	}
}
