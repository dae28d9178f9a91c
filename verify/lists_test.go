package verify

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

// listsFixture writes a two-citizen register and the carrier lists given
// (file name → CSV lines), and runs verify with R1 at 2.
func listsFixture(t *testing.T, lists map[string][]string) (string, *Manifest) {
	t.Helper()
	dir := t.TempDir()
	reg := filepath.Join(dir, "register.csv")
	os.WriteFile(reg, []byte("record_id,full_name,date_of_birth,national_id,phone\nR1,Nguyễn Văn An,15/03/1990,001090123456,\nR2,Lê Thị Hoa,01/01/1980,001180000001,\n"), 0o600)
	var subs []string
	for name, lines := range lists {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
		subs = append(subs, p)
	}
	slices.Sort(subs)
	out := filepath.Join(dir, "out")
	m, err := Run(context.Background(), Options{Register: []string{reg}, Subscribers: subs, OutDir: out, Workers: 2, BatchSize: 2,
		Config: Config{MaxPerCarrier: 2, MaxTotal: -1}})
	if err != nil {
		t.Fatal(err)
	}
	return out, m
}

const listHeader = "subscription_id,carrier,msisdn,registered_name,registered_dob,registered_id_number"

// TestDuplicateSubscription: a subscription id repeated on one carrier is
// rejected (the first row is verified), counted in the manifest, and not
// counted twice towards the SIM limits; the same id on another carrier is
// another subscription.
func TestDuplicateSubscription(t *testing.T) {
	out, m := listsFixture(t, map[string][]string{"subs.csv": {listHeader,
		"S1,Viettel,0912000001,Nguyễn Văn An,15/03/1990,001090123456",
		"S2,Viettel,0912000002,Nguyễn Văn An,15/03/1990,001090123456",
		"S1,Viettel,0912000001,Nguyễn Văn An,15/03/1990,001090123456",   // repeats S1: would make 3 > 2 on Viettel
		"S1,MobiFone,0902000001,Nguyễn Văn An,15/03/1990,001090123456",  // another network's S1
		" S2 ,viettel,0912000002,Nguyễn Văn An,15/03/1990,001090123456", // S2 again, written otherwise
	}})
	var sids []string
	for _, r := range readColumns(t, filepath.Join(out, runfolder.FileVerdicts), "subscription_id", "carrier", "over_limit") {
		sids = append(sids, r[0]+"/"+r[1])
		if r[2] != "false" {
			t.Errorf("%s: over the limit, yet only two Viettel subscriptions are distinct", r[0])
		}
	}
	if want := []string{"S1/Viettel", "S2/Viettel", "S1/MobiFone"}; !slices.Equal(sids, want) {
		t.Errorf("verdicts for %q, want %q", sids, want)
	}
	var rej []string
	for _, r := range readColumns(t, filepath.Join(out, runfolder.FileRejects), "row", "column", "reason") {
		rej = append(rej, strings.Join(r, ":"))
	}
	if want := []string{"3:subscription_id:" + ReasonSubIDDuplicate, "5:subscription_id:" + ReasonSubIDDuplicate}; !slices.Equal(rej, want) {
		t.Errorf("rejects %q, want %q", rej, want)
	}
	f := m.Subscribers[0]
	if f.RowsIn != 5 || f.Verdicts != 3 || f.Rejects != 2 || f.Duplicates != 2 {
		t.Errorf("manifest: %+v", f)
	}
	for _, c := range m.Carriers {
		if c.Carrier == "Viettel" && (c.Duplicates != 2 || c.Rejects != 2) {
			t.Errorf("Viettel: %d duplicates, %d rejects", c.Duplicates, c.Rejects)
		}
	}
	if m.IDsOver != 0 {
		t.Errorf("%d IDs over a limit", m.IDsOver)
	}
}

// TestCarrierNames: one network written several ways is one carrier, in
// the verdicts, the summary and the per-network SIM counts.
func TestCarrierNames(t *testing.T) {
	for in, want := range map[string]string{
		"Viettel": "Viettel", "VIETTEL": "Viettel", "Viettel Mobile": "Viettel", "viettel telecom": "Viettel", "Tập đoàn Viettel": "Viettel",
		"VinaPhone": "Vinaphone", "Vina Phone": "Vinaphone", "VNPT VinaPhone": "Vinaphone", "Mobifone": "MobiFone", "MOBIFONE": "MobiFone",
		"Gtel": "Gmobile", "Gtel Mobile": "Gmobile", "I-Telecom": "Itelecom", "Indochina Telecom": "Itelecom", "Vietnamobile": "Vietnamobile",
		" Acme   Tel ": "Acme Tel", "": CarrierUnknown, "  ": CarrierUnknown,
	} {
		if got := CarrierName(in); got != want {
			t.Errorf("CarrierName(%q) = %q, want %q", in, got, want)
		}
	}
	out, m := listsFixture(t, map[string][]string{"subs.csv": {listHeader,
		"S1,Viettel,0912000001,Nguyễn Văn An,15/03/1990,001090123456",
		"S2,Viettel Mobile,0912000002,Nguyễn Văn An,15/03/1990,001090123456",
		"S3,VIETTEL,0912000003,Nguyễn Văn An,15/03/1990,001090123456", // 3 on Viettel: over R1 (2)
		"S4,VinaPhone,0912000004,Lê Thị Hoa,01/01/1980,001180000001",
		"S5,Vinaphone,0912000005,Lê Thị Hoa,01/01/1980,001180000001",
	}})
	var cars []string
	for _, c := range m.Carriers {
		cars = append(cars, c.Carrier)
	}
	if want := []string{"Viettel", "Vinaphone"}; !slices.Equal(cars, want) {
		t.Errorf("carriers %q, want %q", cars, want)
	}
	rows := readColumns(t, filepath.Join(out, runfolder.FileVerifyIDs), "national_id", "per_carrier", "rules")
	if len(rows) != 1 || !slices.Equal(rows[0], []string{"001090123456", "Viettel:3", "R1"}) {
		t.Errorf("ids.parquet %q", rows)
	}
}

// TestEmptyCarrierCell: in a list with a carrier column, an empty cell is
// carrier "unknown" (never the file name), verified and counted towards
// the total but towards no network's limit; a list without the column is
// its file name's network, by convention.
func TestEmptyCarrierCell(t *testing.T) {
	out, m := listsFixture(t, map[string][]string{
		"export_2024.csv": {listHeader,
			"S1,Viettel,0912000001,Nguyễn Văn An,15/03/1990,001090123456",
			"S2,,0912000002,Nguyễn Văn An,15/03/1990,001090123456",
			"S3,,0912000003,Nguyễn Văn An,15/03/1990,001090123456",
		},
		"mobifone.csv": {"subscription_id,msisdn,registered_name,registered_dob,registered_id_number",
			"M1,0902000001,Lê Thị Hoa,01/01/1980,001180000001"},
	})
	got := map[string]string{}
	for _, r := range readColumns(t, filepath.Join(out, runfolder.FileVerdicts), "subscription_id", "carrier", "verdict", "sims_on_id", "sims_on_id_carrier_max", "over_limit") {
		got[r[0]] = strings.Join(r[1:], "/")
	}
	want := map[string]string{"S1": "Viettel/match/3/1/false", "S2": CarrierUnknown + "/match/3/1/false", "S3": CarrierUnknown + "/match/3/1/false",
		"M1": "MobiFone/match/1/1/false"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	for _, c := range m.Carriers {
		if strings.Contains(c.Carrier, "export") {
			t.Errorf("carrier %q is the file name", c.Carrier)
		}
	}
}

// TestOutputSchemas: ids.parquet's counts are integers and rejects.parquet
// has run's schema (source, file, row, column, reason), the register's
// rejects included.
func TestOutputSchemas(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "register.csv")
	os.WriteFile(reg, []byte("record_id,full_name,date_of_birth,national_id\nR1,Nguyễn Văn An,15/03/1990,001090123456\nR2,x,y\n"), 0o600)
	var lines []string
	lines = append(lines, listHeader)
	for _, s := range []string{"S1", "S2", "S3", "S4"} {
		lines = append(lines, s+",Viettel,0912000001,Nguyễn Văn An,15/03/1990,001090123456")
	}
	lines = append(lines, ",Viettel,0912000009,Nguyễn Văn An,15/03/1990,001090123456")
	subs := filepath.Join(dir, "subs.csv")
	os.WriteFile(subs, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	out := filepath.Join(dir, "out")
	if _, err := Run(context.Background(), Options{Register: []string{reg}, Subscribers: []string{subs}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	schema := func(name string) *arrow.Schema {
		r, err := dataio.Open(filepath.Join(out, name), dataio.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		return r.Schema()
	}
	ids := schema(runfolder.FileVerifyIDs)
	for _, c := range []string{runfolder.ColTotal, "max_per_carrier"} {
		if k := ids.FieldIndices(c); len(k) != 1 || ids.Field(k[0]).Type.ID() != arrow.INT32 {
			t.Errorf("ids.parquet %s: %v, want int32", c, ids)
		}
	}
	got, want := schema(runfolder.FileRejects), runfolder.RejectsSchema
	same := got.NumFields() == want.NumFields()
	for i := 0; same && i < got.NumFields(); i++ {
		same = got.Field(i).Name == want.Field(i).Name && arrow.TypeEqual(got.Field(i).Type, want.Field(i).Type)
	}
	if !same {
		t.Errorf("rejects.parquet schema %v, want %v", got, want)
	}
	var rej []string
	for _, r := range readColumns(t, filepath.Join(out, runfolder.FileRejects), "source", "file", "row", "reason") {
		rej = append(rej, r[0]+":"+filepath.Base(r[1])+":"+r[2]+":"+r[3])
	}
	if want := []string{SourceRegister + ":register.csv:2:" + dataio.ReasonRaggedRow, SourceSubscribers + ":subs.csv:5:" + ReasonSubIDMissing}; !slices.Equal(rej, want) {
		t.Errorf("rejects %q, want %q", rej, want)
	}
}

// TestLoadConfigStrict: unknown keys are errors, at the top level and in
// the verify section, named in the config's terms; the job's fields are
// kept to read a golden register.
func TestLoadConfigStrict(t *testing.T) {
	dir := t.TempDir()
	for body, want := range map[string]string{
		"verify:\n  max_per_carier: 5\n":        `unknown key "max_per_carier" in the verify section`,
		"verify:\n  columns:\n    msisdnn: x\n": `unknown key "msisdnn" in verify.columns`,
		"verifY:\n  max_total: 5\n":             `unknown key "verifY" in the top level`,
		"":                                      "empty",
	} {
		p := filepath.Join(dir, "job.yaml")
		os.WriteFile(p, []byte(body), 0o600)
		_, err := LoadConfig(p)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "verify.") && !strings.Contains(want, "verify.") {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}

// TestGoldenRegisterFields: a golden register's columns are named after
// the job config's fields, whatever their names.
func TestGoldenRegisterFields(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "job.yaml")
	os.WriteFile(cfg, []byte("fields:\n  - {name: ho_ten, kind: person_name, columns: [a]}\n  - {name: ngay_sinh, kind: date, columns: [b]}\n"+
		"  - {name: so_dinh_danh, kind: national_id, columns: [c]}\n  - {name: dia_chi, kind: vn_address, columns: [d]}\n"), 0o600)
	c, err := LoadConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g := filepath.Join(dir, "golden.csv")
	os.WriteFile(g, []byte("cluster_id,size,member_ids,ho_ten,ho_ten_from,ngay_sinh,ngay_sinh_from,so_dinh_danh,so_dinh_danh_from,dia_chi,dia_chi_from,dia_chi_province_2025\n"+
		"C1,1,R1,Nguyễn Văn An,R1,1990-03-15,R1,001090123456,R1,Hà Nội,R1,1\n"), 0o600)
	reg, err := LoadRegister(context.Background(), []string{g}, c, Options{Workers: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Kind != RegisterGolden || reg.Rows() != 1 || reg.ID(0) != "C1" || reg.idKey[0] == 0 || reg.dob[0] != 19900315 || reg.prov25[0] != 1 {
		t.Errorf("golden register: kind %q rows %d", reg.Kind, reg.Rows())
	}
	// with the default config: the default fields' names
	if _, err := LoadRegister(context.Background(), []string{g}, Config{}, Options{Workers: 1}, nil); err == nil || !strings.Contains(err.Error(), "--config") {
		t.Errorf("golden register of other fields without their config: %v", err)
	}
}

// TestTableNamesNoCell: the terminal table names known networks and file
// names, never another carrier cell's value (a misnamed column can hold a
// person's name); summary.json does.
func TestTableNamesNoCell(t *testing.T) {
	out, m := listsFixture(t, map[string][]string{"subs.csv": {listHeader,
		"S1,viettel mobile,0912000001,Nguyễn Văn An,15/03/1990,001090123456",
		"S2,Lê Thị Hoa,0912000002,Nguyễn Văn An,15/03/1990,001090123456",
	}})
	var b strings.Builder
	if err := SummaryOf(m).WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if tb := b.String(); strings.Contains(tb, "Hoa") || !strings.Contains(tb, "Viettel") || !strings.Contains(tb, "carrier #1") || !strings.Contains(tb, "total") {
		t.Errorf("table:\n%s", tb)
	}
	if data, _ := os.ReadFile(filepath.Join(out, runfolder.FileVerifySummary)); !strings.Contains(string(data), "Lê Thị Hoa") {
		t.Errorf("summary.json does not name the carrier")
	}
}
