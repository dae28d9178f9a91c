package gen

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/dedup-vn/dedup/refdata"
)

// table is a file read back: column name → values.
type table map[string][]string

// readParquet reads a whole file through pqarrow, as a consumer would.
func readParquet(t *testing.T, path string) table {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 4096}, memory.DefaultAllocator)
	if err != nil {
		t.Fatalf("reader %s: %v", path, err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	defer tbl.Release()
	out := table{}
	for i := 0; i < int(tbl.NumCols()); i++ {
		col := tbl.Column(i)
		var vals []string
		for _, ch := range col.Data().Chunks() {
			s := ch.(*array.String)
			for k := 0; k < s.Len(); k++ {
				vals = append(vals, s.Value(k))
			}
		}
		out[col.Name()] = vals
	}
	return out
}

const testPeople = 40000

var (
	shared     string
	sharedM    *Manifest
	sharedOnce sync.Once
	sharedErr  error
)

// sharedSet generates one default-profile data set for the read-only tests.
func sharedSet(t *testing.T) (string, *Manifest) {
	t.Helper()
	sharedOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gen-test-")
		if err != nil {
			sharedErr = err
			return
		}
		shared = dir
		sharedM, sharedErr = Generate(context.Background(), Options{People: testPeople, Seed: 42, Workers: 2, OutDir: dir, Quiet: true})
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared, sharedM
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != "" {
		os.RemoveAll(shared)
	}
	os.Exit(code)
}

func TestDeterministicWhateverWorkers(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, c := range []struct {
		dir     string
		workers int
	}{{a, 1}, {b, 3}} {
		if _, err := Generate(context.Background(), Options{People: 20000, Seed: 9, Workers: c.workers, OutDir: c.dir, Quiet: true, Profile: "dirty"}); err != nil {
			t.Fatal(err)
		}
	}
	n := sameTree(t, a, b, "3 workers instead of 1")
	if n < 70 {
		t.Fatalf("compared only %d files", n)
	}
	// A different seed gives different data.
	c := t.TempDir()
	if _, err := Generate(context.Background(), Options{People: 20000, Seed: 10, Workers: 2, OutDir: c, Quiet: true, Profile: "dirty"}); err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(filepath.Join(a, "truth", "population.parquet"))
	y, _ := os.ReadFile(filepath.Join(c, "truth", "population.parquet"))
	if bytes.Equal(x, y) {
		t.Error("seeds 9 and 10 gave the same truth")
	}
}

func TestTruthCoversEveryRowOnce(t *testing.T) {
	dir, m := sharedSet(t)
	truth := readParquet(t, filepath.Join(dir, "truth", "population.parquet"))
	seen := map[string]int{}
	for _, id := range truth["record_id"] {
		seen[id]++
	}
	var total int64
	for _, f := range m.Files {
		if !strings.HasPrefix(f.Path, "population/") {
			continue
		}
		tb := readParquet(t, filepath.Join(dir, f.Path))
		code := strings.TrimSuffix(filepath.Base(f.Path), ".parquet")
		if int64(len(tb["record_id"])) != f.Rows {
			t.Errorf("%s: %d rows, manifest says %d", f.Path, len(tb["record_id"]), f.Rows)
		}
		for i, id := range tb["record_id"] {
			if seen[id] != 1 {
				t.Fatalf("%s row %d: record in truth %d times", f.Path, i, seen[id])
			}
			seen[id] = -1
			if tb["province_code"][i] != code || !strings.HasPrefix(id, "P"+code+"-") {
				t.Fatalf("%s row %d: province %q, id prefix wrong", f.Path, i, tb["province_code"][i])
			}
		}
		total += int64(len(tb["record_id"]))
	}
	if total != int64(len(truth["record_id"])) || total != m.Records {
		t.Fatalf("population rows %d, truth rows %d, manifest %d", total, len(truth["record_id"]), m.Records)
	}
	// subscribers
	st := readParquet(t, filepath.Join(dir, "truth", "subscribers.parquet"))
	sseen := map[string]int{}
	for _, id := range st["subscription_id"] {
		sseen[id]++
	}
	var subs int
	for _, f := range m.Files {
		if !strings.HasPrefix(f.Path, "subscribers/") {
			continue
		}
		tb := readParquet(t, filepath.Join(dir, f.Path))
		for i, id := range tb["subscription_id"] {
			if sseen[id] != 1 {
				t.Fatalf("%s row %d: subscription in truth %d times", f.Path, i, sseen[id])
			}
			sseen[id] = -1
			if ms := tb["msisdn"][i]; !(len(ms) == 10 && ms[0] == '0') && !(len(ms) == 12 && strings.HasPrefix(ms, "+84")) {
				t.Fatalf("%s row %d: msisdn not canonical", f.Path, i)
			}
		}
		subs += len(tb["subscription_id"])
	}
	if subs != len(st["subscription_id"]) || int64(subs) != m.Subscriptions {
		t.Fatalf("subscriber rows %d, truth %d, manifest %d", subs, len(st["subscription_id"]), m.Subscriptions)
	}
	cases := map[string]bool{}
	for i, c := range st["case"] {
		cases[c] = true
		if (st["person_id"][i] == "") != (c == CaseNonexistentID) {
			t.Fatalf("truth row %d: case %s with person_id %q", i, c, st["person_id"][i])
		}
	}
	for _, c := range []string{CaseCorrect, CaseTypo, CaseWrongDOB, CaseOtherPersonID, CaseNonexistentID, CasePhoneOther} {
		if !cases[c] {
			t.Errorf("no subscription of case %s", c)
		}
	}
}

func TestCCCDStructure(t *testing.T) {
	dir, _ := sharedSet(t)
	tr := readParquet(t, filepath.Join(dir, "truth", "population.parquet"))
	rd := refdata.Get()
	prefixes := map[string]bool{}
	for _, p := range rd.ProvincesOld {
		prefixes[p.CCCDPrefix] = true
	}
	byID := map[string]string{}
	cmnd := 0
	for i, id := range tr["true_national_id"] {
		pid := tr["person_id"][i]
		if other, ok := byID[id]; ok && other != pid {
			t.Fatalf("row %d: national ID shared by two persons", i)
		}
		byID[id] = pid
		if len(id) == 9 {
			cmnd++
			if tr["true_date_of_birth"][i] >= "1985" {
				t.Fatalf("row %d: CMND-only person born %s", i, tr["true_date_of_birth"][i][:4])
			}
			continue
		}
		if len(id) != 12 {
			t.Fatalf("row %d: national ID of %d digits", i, len(id))
		}
		if !prefixes[id[:3]] {
			t.Fatalf("row %d: bad province prefix", i)
		}
		dob := tr["true_date_of_birth"][i]
		female := tr["true_gender"][i] == "Nữ"
		want := byte('0' + (int(dob[0]-'0')*10+int(dob[1]-'0')-19)*2)
		if female {
			want++
		}
		if id[3] != want {
			t.Fatalf("row %d: century/gender digit %c, want %c", i, id[3], want)
		}
		if id[4:6] != dob[2:4] {
			t.Fatalf("row %d: year digits %s, born %s", i, id[4:6], dob[:4])
		}
	}
	if cmnd == 0 {
		t.Error("no CMND-only person")
	}
}

func TestWardsAreReal(t *testing.T) {
	dir, _ := sharedSet(t)
	tr := readParquet(t, filepath.Join(dir, "truth", "population.parquet"))
	rd := refdata.Get()
	old := map[string]bool{}
	for _, w := range rd.WardsOld {
		old[w.Code] = true
	}
	newProv := map[string]string{}
	for _, w := range rd.WardsNew {
		newProv[w.Code] = w.ProvinceCode
	}
	linked := map[[2]string]bool{}
	for _, l := range rd.WardLinks {
		linked[[2]string{l.OldWard, l.NewWard}] = true
	}
	for i := range tr["record_id"] {
		for _, k := range []string{"permanent", "current"} {
			o, n, p := tr["true_"+k+"_ward_old"][i], tr["true_"+k+"_ward_2025"][i], tr["true_"+k+"_province_2025"][i]
			if !old[o] {
				t.Fatalf("row %d: %s ward %s not in WardsOld", i, k, o)
			}
			if newProv[n] != p || p == "" {
				t.Fatalf("row %d: %s 2025 ward %s not in province %s", i, k, n, p)
			}
			if !linked[[2]string{o, n}] {
				t.Fatalf("row %d: %s ward %s does not map to %s", i, k, o, n)
			}
		}
	}
}

// persons returns one truth row index per person.
func persons(tr table) []int {
	seen := map[string]bool{}
	var out []int
	for i, p := range tr["person_id"] {
		if !seen[p] {
			seen[p] = true
			out = append(out, i)
		}
	}
	return out
}

func TestSurnameShares(t *testing.T) {
	dir, _ := sharedSet(t)
	tr := readParquet(t, filepath.Join(dir, "truth", "population.parquet"))
	ps := persons(tr)
	counts := map[string]int{}
	for _, i := range ps {
		if tr["hard_negative"][i] != "" {
			continue
		}
		n := tr["true_full_name"][i]
		counts[n[:strings.IndexByte(n, ' ')]]++
	}
	total := 0
	for _, c := range counts {
		total += c
	}
	share := func(names ...string) float64 {
		s := 0
		for _, n := range names {
			s += counts[n]
		}
		return 100 * float64(s) / float64(total)
	}
	check := func(want, tol float64, names ...string) {
		t.Helper()
		if got := share(names...); math.Abs(got-want) > tol {
			t.Errorf("%v: %.2f%%, want %.1f%% ± %.1f", names, got, want, tol)
		}
	}
	check(38.4, 1.5, "Nguyễn")
	check(12.1, 1.0, "Trần")
	check(9.5, 1.0, "Lê")
	check(7.0, 0.8, "Phạm")
	check(5.1, 0.7, "Hoàng", "Huỳnh")
	check(3.9, 0.6, "Vũ", "Võ")
	// the other surnames take what the 14 groups leave, about 10%
	check(9.9, 1.5, "Trương", "Đoàn", "Đinh", "Trịnh", "Cao", "Đào", "Mai", "Lương", "Lưu", "Lâm", "Hà", "Thái", "Phùng",
		"Tạ", "Tô", "Châu", "Quách", "Văn", "Từ", "Tăng", "Kiều", "Đậu", "Diệp", "Đàm", "Triệu", "La", "Lại", "Thạch",
		"Y", "Chung", "Lữ", "Nông", "Dư", "Bạch", "Hồng", "Trang", "Âu", "Giang", "Nhan", "Khúc", "Mạc", "Ông", "Tôn",
		"Vương", "Hứa", "Chu", "Lý", "Doãn", "Ninh", "Kim", "Khổng", "Hầu", "Thân", "Lục", "Viên", "Bế", "Lò")
	// the mojibake entry of the source list never appears
	for n := range counts {
		if !isVietWord(n) {
			t.Errorf("surname %q is not Vietnamese", n)
		}
	}
	// women: Thị is common
	thi, women := 0, 0
	for _, i := range ps {
		if tr["true_gender"][i] == "Nữ" {
			women++
			if strings.Contains(tr["true_full_name"][i], " Thị ") {
				thi++
			}
		}
	}
	if f := float64(thi) / float64(women); f < 0.35 || f > 0.7 {
		t.Errorf("Thị in %.2f of women's names", f)
	}
}

func TestCorruptionRates(t *testing.T) {
	dir, m := sharedSet(t)
	tr := readParquet(t, filepath.Join(dir, "truth", "population.parquet"))
	p, _ := GetProfile("default")
	counts := map[string]int{}
	for _, c := range tr["corruptions"] {
		if c == "" {
			continue
		}
		for _, l := range strings.Split(c, ";") {
			counts[l]++
		}
	}
	n := float64(len(tr["record_id"]))
	// unconditional per-record rates: within 4 standard deviations
	for _, r := range []string{RateNoDiacritics, RateNFD, RateTCVN3, RateVNI, RateTypo, RateTelex, RateReorder,
		RateUpper, RateDOBYearOnly, RateGenderFormat, RateIDMissing, RateAddrAbbrev, RateAddr2025, RateAddrMissing} {
		want := p.Rate(r)
		got := float64(counts[r]) / n
		sd := math.Sqrt(want * (1 - want) / n)
		if math.Abs(got-want) > 4*sd+0.001 {
			t.Errorf("%s: rate %.4f, profile %.4f", r, got, want)
		}
		if int64(counts[r]) != m.Corruptions[r] {
			t.Errorf("%s: %d in truth, %d in manifest", r, counts[r], m.Corruptions[r])
		}
	}
	// duplicates per person
	people := float64(testPeople)
	for _, r := range []string{RateMoved, RateDuplicate} {
		got := float64(counts[r]) / people
		if want := p.Rate(r); math.Abs(got-want) > 0.25*want {
			t.Errorf("%s: %.4f per person, profile %.4f", r, got, want)
		}
	}
	// hard negatives appear in pairs of the same group
	groups := map[string][]int{}
	for i, g := range tr["hard_negative_group"] {
		if g != "" && tr["hard_negative"][i] != "common_name" {
			groups[g] = append(groups[g], i)
		}
	}
	if len(groups) == 0 {
		t.Fatal("no hard-negative pairs")
	}
	for g, rows := range groups {
		ids := map[string]bool{}
		for _, i := range rows {
			ids[tr["person_id"][i]] = true
		}
		if len(ids) != 2 {
			t.Fatalf("group %s has %d persons", g, len(ids))
		}
	}
}

func TestManifestJSON(t *testing.T) {
	dir, m := sharedSet(t)
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var back Manifest
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Records != m.Records || back.People != testPeople || len(back.Files) != len(m.Files) {
		t.Fatalf("manifest on disk differs: %+v", back)
	}
	paths := make([]string, len(back.Files))
	for i, f := range back.Files {
		paths[i] = f.Path
	}
	if !sort.StringsAreSorted(paths) {
		t.Error("files not sorted")
	}
	for _, want := range []string{"subscribers/viettel.parquet", "subscribers/vinaphone.parquet", "subscribers/mobifone.parquet",
		"population/01.parquet", "population/79.parquet", "truth/population.parquet", "truth/subscribers.parquet"} {
		if sort.SearchStrings(paths, want) == len(paths) || paths[sort.SearchStrings(paths, want)] != want {
			t.Errorf("no %s", want)
		}
	}
}

func TestCSVFormat(t *testing.T) {
	dir := t.TempDir()
	if _, err := Generate(context.Background(), Options{People: 500, Seed: 1, OutDir: dir, Format: "csv", Quiet: true}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "truth", "population.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(strings.Join(PopulationTruthColumns, ",")+"\n")) {
		t.Fatalf("bad header: %.100s", b)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{
		{People: 0, OutDir: t.TempDir()},
		{People: 10},
		{People: 10, OutDir: t.TempDir(), Profile: "filthy"},
		{People: 10, OutDir: t.TempDir(), Format: "xlsx"},
	} {
		if _, err := Generate(context.Background(), o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

// TestFakeNumbersNeverReal: every number a real person's phone can take on
// the smallest carrier (all its real sequences) is marked, then the
// made-up numbers of a 100M-person run's chunks are drawn: none may be
// marked, and within the blocks they are all distinct.
func TestFakeNumbersNeverReal(t *testing.T) {
	tb, err := getTables()
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(tb, mustProfile(t, "default"), 7)
	c := 0
	for i := range tb.carriers {
		if len(tb.carriers[i].prefixes) < len(tb.carriers[c].prefixes) {
			c = i
		}
	}
	space, realCap := w.carrierSpace(c)
	if realCap >= space {
		t.Fatalf("carrier %s: no made-up sequences (space %d, real %d)", tb.carriers[c].Name, space, realCap)
	}
	// Numbers of one carrier index by prefix position and 7 digits.
	prefixPos := map[string]uint64{}
	for k, pi := range tb.carriers[c].prefixes {
		prefixPos[tb.prefixes[pi].prefix] = uint64(k)
	}
	index := func(num *[10]byte) uint64 {
		var v uint64
		for _, d := range num[3:] {
			v = v*10 + uint64(d-'0')
		}
		return prefixPos[string(num[:3])]*10_000_000 + v
	}
	real := make([]uint64, (space+63)/64)
	var num [10]byte
	for q := uint64(0); q < realCap; q++ {
		w.numberAt(&num, c, q)
		x := index(&num)
		real[x/64] |= 1 << (x % 64)
	}
	w.nChunks = (100_000_000 + ChunkSize - 1) / ChunkSize
	seen := map[uint64]bool{}
	for _, ci := range []int64{0, 1, 2, 777, w.nChunks / 2, w.nChunks - 1} {
		w.chunk = ci
		w.fakeK = make([]uint64, len(tb.carriers))
		for k := 0; k < 40; k++ {
			w.fakeNumber(&num, c)
			x := index(&num)
			if real[x/64]&(1<<(x%64)) != 0 {
				t.Fatalf("chunk %d made-up number %d is a real sequence's number", ci, k)
			}
			if seen[x] {
				t.Fatalf("chunk %d made-up number %d repeats another", ci, k)
			}
			seen[x] = true
		}
	}
}

// mustProfile returns a named profile or fails the test.
func mustProfile(t *testing.T, name string) Profile {
	t.Helper()
	p, err := GetProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestGeneratedFakeMSISDNs: on a generated dirty set, no SIM of a fake
// identity (nonexistent_id) or SIM farm carries a number that is a
// person's phone (true_phone of the register, or the msisdn of a real
// phone's subscription), and no msisdn is held twice on one carrier.
func TestGeneratedFakeMSISDNs(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 50,000 persons")
	}
	dir := t.TempDir()
	m, err := Generate(context.Background(), Options{People: 50000, Seed: 3, Workers: 2, OutDir: dir, Quiet: true, Profile: "dirty"})
	if err != nil {
		t.Fatal(err)
	}
	canon := func(ms string) string {
		if strings.HasPrefix(ms, "+84") {
			return "0" + ms[3:]
		}
		return ms
	}
	realPhones := map[string]bool{}
	for _, p := range readParquet(t, filepath.Join(dir, "truth", "population.parquet"))["true_phone"] {
		if p != "" {
			realPhones[p] = true
		}
	}
	st := readParquet(t, filepath.Join(dir, "truth", "subscribers.parquet"))
	caseOf := map[string]string{}
	for i, id := range st["subscription_id"] {
		caseOf[id] = st["case"][i]
	}
	type sub struct{ carrier, msisdn, cas string }
	var subs []sub
	for _, f := range m.Files {
		if !strings.HasPrefix(f.Path, "subscribers/") {
			continue
		}
		tb := readParquet(t, filepath.Join(dir, f.Path))
		for i, id := range tb["subscription_id"] {
			s := sub{tb["carrier"][i], canon(tb["msisdn"][i]), caseOf[id]}
			subs = append(subs, s)
			if s.cas != CaseNonexistentID && s.cas != CaseSIMFarm {
				realPhones[s.msisdn] = true
			}
		}
	}
	fakes, held := map[string]int{}, map[string]string{}
	for _, s := range subs {
		if s.cas == CaseNonexistentID || s.cas == CaseSIMFarm {
			fakes[s.cas]++
			if realPhones[s.msisdn] {
				t.Errorf("a %s subscription on %s carries a real person's phone", s.cas, s.carrier)
			}
			if prev, ok := held[s.carrier+s.msisdn]; ok {
				t.Errorf("a %s subscription on %s repeats the msisdn of a %s one", s.cas, s.carrier, prev)
			}
			held[s.carrier+s.msisdn] = s.cas
		}
	}
	// The test means something only if both kinds were drawn.
	if fakes[CaseNonexistentID] < 100 || fakes[CaseSIMFarm] < 100 {
		t.Fatalf("only %d nonexistent_id and %d sim_farm subscriptions", fakes[CaseNonexistentID], fakes[CaseSIMFarm])
	}
	t.Logf("%d made-up SIMs, %d real phones", len(held), len(realPhones))
}
