package config

import (
	"slices"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/normalize"
)

func TestSectorConfigs(t *testing.T) {
	if got := SectorNames(); !slices.Equal(got, []string{"bhxh", "passports", "vehicles"}) {
		t.Errorf("sector configs %v", got)
	}
	for _, name := range SectorNames() {
		c := Sector(name)
		if c.Mode != ModeLink || len(c.Sources) != 2 || c.Sources[1].Name != name {
			t.Errorf("%s: mode %s, sources %+v", name, c.Mode, c.Sources)
		}
		// Every field is mapped for the sector: none falls back to the
		// register's column names by mistake.
		for _, f := range c.Fields {
			if _, ok := c.Sources[1].Columns[f.Name]; !ok {
				t.Errorf("%s: field %s not mapped", name, f.Name)
			}
		}
	}
	if Sector("nope") != nil || SectorYAML("nope") != nil {
		t.Error("an unknown sector config was found")
	}
}

func TestSourceColumns(t *testing.T) {
	c := Sector("bhxh")
	id, fields := c.SourceColumns(1)
	if id != "ma_so_bhxh" {
		t.Errorf("record id %q", id)
	}
	byName := map[string][]string{}
	for i, f := range c.Fields {
		byName[f.Name] = fields[i]
	}
	if !slices.Equal(byName["name"], []string{"ho_ten"}) || len(byName["phone"]) != 0 {
		t.Errorf("name %q phone %q", byName["name"], byName["phone"])
	}
	id, fields = c.SourceColumns(0)
	if id != "record_id" || !slices.Equal(fields[0], []string{"full_name"}) {
		t.Errorf("register: %q %q", id, fields[0])
	}
	dob := slices.IndexFunc(c.Fields, func(f Field) bool { return f.Name == "dob" })
	if c.SourceRowField(1, dob, nil).DateOrder != normalize.YearFirst || c.SourceRowField(0, dob, nil).DateOrder != normalize.DayFirst {
		t.Error("source date_format not applied to its date fields only")
	}
}

// TestSourceMappingErrors: a source's mapping is checked and each error
// names its key.
func TestSourceMappingErrors(t *testing.T) {
	base := string(SectorYAML("bhxh"))
	for _, tc := range []struct{ old, new, want string }{
		{"      name: ho_ten ", "      nmae: ho_ten ", `sources[1].columns.nmae: unknown field "nmae"`},
		{"date_format: yyyymmdd", "date_format: yyyy/dd", "sources[1].date_format: unknown format"},
		{"record_id: ma_so_bhxh", "record_id: ma_so_bhxh\n    encoding: latin9", "sources[1].encoding: unknown encoding"},
		{"      name: ho_ten ", `      name: "" `, "sources[1].columns.name: an empty column name"},
		{"      name: ho_ten ", "      name: {a: b} ", "want a column or a list of columns"},
	} {
		if !strings.Contains(base, tc.old) {
			t.Fatalf("bhxh config lacks %q", tc.old)
		}
		_, err := Parse([]byte(strings.Replace(base, tc.old, tc.new, 1)), "t.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.new, err, tc.want)
		}
	}
	// A list of columns, and an encoding in any case.
	c, err := Parse([]byte(strings.Replace(strings.Replace(base, "      name: ho_ten ", "      name: [ho, ten] ", 1),
		"record_id: ma_so_bhxh", "record_id: ma_so_bhxh\n    encoding: Windows-1258", 1)), "t.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources[1].Columns["name"]; !slices.Equal(got, ColumnList{"ho", "ten"}) {
		t.Errorf("name columns %q", got)
	}
}

// TestDigestWithoutMappings: the new source keys are left out of a config
// that does not use them, so its digest (in every run manifest) is what it
// was.
func TestDigestWithoutMappings(t *testing.T) {
	c := Default()
	d := c.Digest()
	c.Sources[0].Columns = map[string]ColumnList{}
	if c.Digest() != d {
		t.Error("an empty mapping changes the digest")
	}
	c.Sources[0].Columns = map[string]ColumnList{"name": {"ho_ten"}}
	if c.Digest() == d {
		t.Error("a mapping does not change the digest")
	}
}
