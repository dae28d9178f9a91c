package survive_test

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/refdata"
	"github.com/dedup-vn/dedup/runfolder"
)

// TestGeneratedGoldenReasons runs a generated register end to end and
// checks that no golden record has a false criterion without a reason in
// quality_flags (a 20k run had 32 clean=false records with none, and
// gender_invalid and id_dob_mismatch never reached golden records).
func TestGeneratedGoldenReasons(t *testing.T) {
	if testing.Short() {
		t.Skip("a whole run")
	}
	dir := t.TempDir()
	if _, err := gen.Generate(context.Background(), gen.Options{People: 4000, Seed: 19, Workers: 2, OutDir: dir, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "run")
	if _, err := pipeline.Run(context.Background(), config.Default(), pipeline.Options{OutDir: out,
		Inputs: []string{filepath.Join(dir, "population")}, Workers: 2, Progress: progress.Options{Quiet: true}}); err != nil {
		t.Fatal(err)
	}
	r, err := dataio.Open(filepath.Join(out, runfolder.FileGolden), dataio.ReadOptions{
		Columns:   []string{runfolder.ColCorrect, runfolder.ColComplete, runfolder.ColClean, runfolder.ColLive, runfolder.ColQualityFlags},
		AsStrings: true, Lists: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	explains := map[string]func(string) bool{
		runfolder.ColCorrect: func(n string) bool { f, ok := normalize.ParseFlags(n); return ok && f&normalize.CorrectMask != 0 },
		runfolder.ColComplete: func(n string) bool {
			f, ok := normalize.ParseFlags(n)
			return ok && f&(normalize.CompleteMask|normalize.CorrectMask) != 0 || n == "addr_unresolved"
		},
		runfolder.ColClean: func(n string) bool { return n == "id_conflict" },
		runfolder.ColLive:  func(n string) bool { return n == "addr_unresolved" || n == "timestamp_missing" },
	}
	rows, falses := 0, map[string]int{}
	seen := map[string]bool{}
	for r.Next() {
		b := r.Batch()
		col := func(i int) *array.String { return b.Column(i).(*array.String) }
		for i := 0; i < int(b.NumRows()); i++ {
			rows++
			flags := col(4).Value(i)
			for _, n := range strings.Split(flags, ";") {
				seen[n] = true
			}
			for c, name := range []string{runfolder.ColCorrect, runfolder.ColComplete, runfolder.ColClean, runfolder.ColLive} {
				if col(c).Value(i) != "false" {
					continue
				}
				falses[name]++
				ok := false
				for _, n := range strings.Split(flags, ";") {
					ok = ok || explains[name](n)
				}
				if !ok {
					t.Errorf("golden row %d: %s=false, quality_flags %q give no reason", rows, name, flags)
				}
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d golden records; false criteria %v", rows, falses)
	if !seen["id_dob_mismatch"] {
		t.Errorf("no golden record names id_dob_mismatch (generated records carry it)")
	}
	checkGoldenAddresses(t, filepath.Join(out, runfolder.FileGolden))
}

// checkGoldenAddresses: every resolved golden address names its 2025 ward
// and province in `address_2025`, and most name old units in `address`
// (the generator writes most addresses in the old units); an unresolved
// one is flagged.
func checkGoldenAddresses(t *testing.T, golden string) {
	t.Helper()
	r, err := dataio.Open(golden, dataio.ReadOptions{
		Columns:   []string{"address", "address_2025", "address" + runfolder.Ward2025Suffix, "address" + runfolder.Province2025Suffix, runfolder.ColQualityFlags},
		AsStrings: true, Lists: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	resolved, withOld := 0, 0
	for r.Next() {
		b := r.Batch()
		col := func(i int) *array.String { return b.Column(i).(*array.String) }
		for i := 0; i < int(b.NumRows()); i++ {
			old, a25, ward, prov := col(0).Value(i), col(1).Value(i), col(2).Value(i), col(3).Value(i)
			if ward == "" {
				if !strings.Contains(";"+col(4).Value(i)+";", ";addr_unresolved;") {
					t.Errorf("unresolved address without addr_unresolved (flags %q)", col(4).Value(i))
				}
				continue
			}
			resolved++
			w, _ := strconv.Atoi(ward)
			p, _ := strconv.Atoi(prov)
			if !strings.Contains(a25, refdata.WardName2025(int32(w))) || !strings.HasSuffix(a25, refdata.ProvinceName2025(int32(p))) {
				t.Errorf("address_2025 lacks its ward %s or province %s", ward, prov)
			}
			if old != a25 && (strings.Contains(old, "Quận ") || strings.Contains(old, "Huyện ") || strings.Contains(old, "Thị xã ") || strings.Contains(old, "Thành phố ")) {
				withOld++
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d resolved golden addresses, %d with old units", resolved, withOld)
	if resolved == 0 || withOld*2 < resolved {
		t.Errorf("%d of %d resolved golden addresses name old units", withOld, resolved)
	}
}
