package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/runfolder"
)

// readStrings calls fn with the cells of each row of a table.
func readStrings(t *testing.T, path string, cols []string, fn func([]string)) {
	t.Helper()
	if err := dataio.EachRow(path, cols, func(c []string) error { fn(c); return nil }); err != nil {
		t.Fatal(err)
	}
}

// sectorLinkQuality runs cfg over a register and a generated sector table
// of other column names and returns, from the clusters, the linked
// precision and the recall over the sector rows whose person is on the
// register.
func sectorLinkQuality(t *testing.T, cfg *config.Config, dir, sector string, workers int) (precision, recall float64, clusters string) {
	t.Helper()
	out, _ := runOnce(t, cfg, workers, "register="+filepath.Join(dir, "population"), sector+"="+filepath.Join(dir, "sectors", sector+".parquet"))
	person := map[string]string{}
	readStrings(t, filepath.Join(dir, "truth", "population.parquet"), []string{"record_id", "person_id"}, func(c []string) { person[c[0]] = c[1] })
	truth := map[string]string{}
	readStrings(t, filepath.Join(dir, "truth", "sectors", sector+".parquet"), []string{"record_id", "person_id"}, func(c []string) { truth[c[0]] = c[1] })
	members := map[string][]string{} // cluster -> register persons
	rows := map[string]string{}      // sector row -> cluster
	readStrings(t, filepath.Join(out, runfolder.FileClusters), []string{"record_id", "source", "cluster_id"}, func(c []string) {
		if c[1] == sector {
			rows[c[0]] = c[2]
		} else if p := person[c[0]]; !slices.Contains(members[c[2]], p) {
			members[c[2]] = append(members[c[2]], p)
		}
	})
	if len(rows) != len(truth) {
		t.Fatalf("%d %s rows clustered, truth has %d", len(rows), sector, len(truth))
	}
	var linked, right, onReg int
	for id, p := range truth {
		if p != "" {
			onReg++
		}
		if m := members[rows[id]]; len(m) == 1 {
			linked++
			if m[0] == p {
				right++
			}
		}
	}
	return float64(right) / float64(linked), float64(right) / float64(onReg), fileDigest(t, filepath.Join(out, runfolder.FileClusters))
}

// TestSourcesWithOwnColumns links a generated social-insurance table
// (ma_so_bhxh, ho_ten, ngay_sinh as yyyymmdd, so_cccd...) to the register
// (record_id, full_name, date_of_birth as dd/mm/yyyy, national_id...) with
// the embedded bhxh config, in link and in link_and_dedupe mode: each
// source is read by its own columns and date order. Without the mapping
// the run cannot find ho_ten; without the source's date order the
// yyyymmdd dates are misread and recall falls.
func TestSourcesWithOwnColumns(t *testing.T) {
	dir := t.TempDir()
	if _, err := gen.Generate(context.Background(), gen.Options{People: 5000, Seed: 3, Workers: 2, OutDir: dir, Quiet: true,
		Sectors: []string{gen.SectorBHXH}}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Sector("bhxh")
	p, r, digest := sectorLinkQuality(t, cfg, dir, "bhxh", 2)
	t.Logf("link: precision %.4f recall %.4f", p, r)
	if p < 0.995 || r < 0.97 {
		t.Errorf("link: precision %.4f recall %.4f, want at least 0.995 and 0.97", p, r)
	}
	if _, _, d := sectorLinkQuality(t, cfg, dir, "bhxh", 1); d != digest {
		t.Error("clusters differ between 1 and 2 workers")
	}

	both := *cfg
	both.Mode = config.ModeLinkAndDedupe
	p, r, _ = sectorLinkQuality(t, &both, dir, "bhxh", 2)
	t.Logf("link_and_dedupe: precision %.4f recall %.4f", p, r)
	if p < 0.99 || r < 0.97 {
		t.Errorf("link_and_dedupe: precision %.4f recall %.4f, want at least 0.99 and 0.97", p, r)
	}

	// The source's date order matters: read as day-first, 19850412 is
	// not the 12th of April 1985.
	dmy := *cfg
	dmy.Sources = slices.Clone(cfg.Sources)
	dmy.Sources[1].DateFormat = "dmy"
	if _, r2, _ := sectorLinkQuality(t, &dmy, dir, "bhxh", 2); r2 >= r {
		t.Errorf("recall %.4f with the wrong date order, %.4f with the right one: the source's date_format is not used", r2, r)
	}
}

// TestPlanSource: a source's plan reads its own columns for the fields it
// maps, the field's columns for the rest, none for a field mapped to [],
// and its date_format wins over the field's.
func TestPlanSource(t *testing.T) {
	cfg := config.Sector("bhxh")
	reg, bhxh := planSource(cfg, 0), planSource(cfg, 1)
	if reg.columns[0] != "record_id" || bhxh.columns[0] != "ma_so_bhxh" {
		t.Errorf("record id columns %q %q", reg.columns[0], bhxh.columns[0])
	}
	want := []string{"ma_so_bhxh", "ho_ten", "ngay_sinh", "gioi_tinh", "so_cccd", "dia_chi"}
	if !slices.Equal(bhxh.columns, want) {
		t.Errorf("bhxh reads %q, want %q", bhxh.columns, want)
	}
	if !slices.Contains(reg.columns, "full_name") || slices.Contains(reg.columns, "ho_ten") {
		t.Errorf("register reads %q", reg.columns)
	}
	phone := slices.IndexFunc(cfg.Fields, func(f config.Field) bool { return f.Name == "phone" })
	if len(bhxh.fields[phone]) != 0 {
		t.Errorf("phone mapped to [] reads columns %v", bhxh.fields[phone])
	}
	dob := slices.IndexFunc(cfg.Fields, func(f config.Field) bool { return f.Name == "dob" })
	if got := bhxh.rowFields(cfg, 1)[dob].DateOrder; got != normalize.YearFirst {
		t.Errorf("bhxh date order %v, want year first", got)
	}
	if got := reg.rowFields(cfg, 0)[dob].DateOrder; got != normalize.DayFirst {
		t.Errorf("register date order %v, want day first", got)
	}
}

// TestCheckSources: config check names the file, the source, the field
// and the column a source's files lack.
func TestCheckSources(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg.csv")
	sec := filepath.Join(dir, "sec.csv")
	os.WriteFile(reg, []byte("record_id,full_name,date_of_birth,gender,national_id,phone,permanent_address,current_address,updated_at\n1,A,,,,,,,\n"), 0o600)
	os.WriteFile(sec, []byte("ma_so_bhxh;ho_ten;ngay_sinh;gioi_tinh;so_cccd\n1;A;;;\n"), 0o600)
	cfg := config.Sector("bhxh")
	n, err := CheckSources(cfg, []string{"register=" + reg, "bhxh=" + sec})
	if n != 2 || err == nil {
		t.Fatalf("checked %d files, error %v: want 2 and a missing column", n, err)
	}
	for _, want := range []string{`source "bhxh"`, sec, `field address reads column "dia_chi"`, "sources[1].columns"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "register") {
		t.Errorf("the register's file has its columns, yet: %v", err)
	}
	cfg.Sources[1].Columns["address"] = nil
	if _, err := CheckSources(cfg, []string{"register=" + reg, "bhxh=" + sec}); err != nil {
		t.Errorf("address mapped to []: %v", err)
	}
}
