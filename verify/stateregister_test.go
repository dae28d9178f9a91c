package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/state"
)

// personRegister builds a register of (record id, name, dob, national
// id, phone, person id) rows.
func personRegister(t *testing.T, rows [][6]string) *Register {
	t.Helper()
	reg, _ := personChunk(t, rows)
	return reg
}

// personChunk is personRegister and its rows as one chunk.
func personChunk(t *testing.T, rows [][6]string) (*Register, *regChunk) {
	t.Helper()
	reg := newRegister(RegisterState)
	ch := newRegChunk()
	n := normalize.New(normalize.Options{RefYear: 2026})
	for _, r := range rows {
		if err := ch.add(n, nil, 2026, regRow{id: []byte(r[0]), name: []byte(r[1]), dob: []byte(r[2]), nid: []byte(r[3]), phone: []byte(r[4]), person: []byte(r[5])}); err != nil {
			t.Fatal(err)
		}
	}
	var ny []uint64
	if err := reg.merge(ch, &ny); err != nil {
		t.Fatal(err)
	}
	reg.buildIndexes(ny)
	return reg, ch
}

// TestPersonRecords: where the register knows persons, a subscription
// whose ID is on one of a person's records is checked against all of
// them (a record without the ID, or with the old CMND, is theirs too),
// and the verdict names the person, also against a spilled register's
// partition (it keeps a person whole); the same rows without person IDs
// are separate records, and the ID's record alone decides.
func TestPersonRecords(t *testing.T) {
	rows := [][6]string{
		{"A1", "Lê Văn Nam", "03/04/1991", "001191000111", "", "P000000000007"},     // the ID's record: a wrong name and date
		{"A2", "Lê Thị Mai", "03/04/1990", "", "", "P000000000007"},                 // the person's record without the ID
		{"B1", "Phạm Minh Tuấn", "05/12/1979", "079079000222", "", "P000000000009"}, // the ID's record: a wrong date
		{"B2", "Phạm Minh Tuấn", "05/12/1978", "012345678", "", "P000000000009"},    // their old CMND
		{"C1", "Đỗ Quang Huy", "20/01/2000", "001200123499", "", "P000000000011"},
		{"D1", "Hoàng Văn Đức", "11/11/1985", "001086000333", "", "P000000000013"}, // the ID's record: a wrong date
		{"D2", "Trần Thị Hoa", "12/12/1986", "", "", "P000000000013"},              // their record that no name or phone key finds
		{"E1", "Ngô Thị Bình", "01/01/1990", "001190000443", "", "P000000000015"},  // two slips of the subscription's ID,
		{"E2", "Ngô Thị Bình", "01/01/1990", "001190000454", "", "P000000000015"},  // two digits apart: one person
	}
	withPersons, chunk := personChunk(t, rows)
	// The same register spilled, and one partition of the subscriptions
	// below: its register must hold the persons whole.
	tmp := t.TempDir()
	var spilled []byte
	for i := range chunk.dob {
		spilled = appendSpillRow(spilled, chunk, int32(i))
	}
	rs := &regSpill{path: filepath.Join(tmp, "register.rows"), kind: RegisterState, rows: int64(len(chunk.dob))}
	if err := os.WriteFile(rs.path, spilled, 0o600); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(tmp, "viettel.csv")
	os.WriteFile(list, []byte("subscription_id,msisdn,registered_name,registered_dob,registered_id_number\n"+
		"S1,0912000001,Lê Thị Mai,03/04/1990,001191000111\nS2,0912000002,Phạm Minh Tuấn,05/12/1978,079079000222\nS3,0912000003,Đỗ Quang Huy,20/01/2000,001200123499\n"+
		"S4,0912000004,Hoàng Văn Đức,12/12/1986,001086000333\nS5,0912000005,Ngô Thị Bình,01/01/1990,001190000444\n"), 0o600)
	cfg := DefaultConfig()
	counts, err := countSIMs(context.Background(), []string{list}, cfg, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, sc, err := openSubs(list, cfg, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if !r.Next() {
		t.Fatal(r.Err())
	}
	part, err := rs.partitionRegister(context.Background(), []subItem{{rec: r.Batch(), sc: sc, rows: []int64{1, 2, 3, 4, 5}}}, cfg, 1, counts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		rows[i][5] = ""
	}
	without := personRegister(t, rows)
	for _, tc := range []struct {
		name              string
		in                SubInput
		verdict, person   string
		verdictNoPersons  string
		matchedNoPersons  string
		matchedWithPerson string
	}{
		{name: "name and date on the person's other record", in: SubInput{Name: []byte("Lê Thị Mai"), DOB: []byte("03/04/1990"), ID: []byte("001191000111"), MSISDN: []byte("0912000001")},
			verdict: VerdictMatch, person: "P000000000007", verdictNoPersons: VerdictOtherPerson, matchedWithPerson: "A2"},
		{name: "the date on the old CMND's record", in: SubInput{Name: []byte("Phạm Minh Tuấn"), DOB: []byte("05/12/1978"), ID: []byte("079079000222"), MSISDN: []byte("0912000002")},
			verdict: VerdictMatch, person: "P000000000009", verdictNoPersons: VerdictMismatch, matchedWithPerson: "B2"},
		{name: "one record", in: SubInput{Name: []byte("Đỗ Quang Huy"), DOB: []byte("20/01/2000"), ID: []byte("001200123499"), MSISDN: []byte("0912000003")},
			verdict: VerdictMatch, person: "P000000000011", verdictNoPersons: VerdictMatch, matchedWithPerson: "C1"},
		{name: "the name on the ID's record, the date on another", in: SubInput{Name: []byte("Hoàng Văn Đức"), DOB: []byte("12/12/1986"), ID: []byte("001086000333"), MSISDN: []byte("0912000004")},
			verdict: VerdictMatch, person: "P000000000013", verdictNoPersons: VerdictMismatch, matchedWithPerson: "D1"},
		{name: "records holding two slips of the ID are one person, not a tie", in: SubInput{Name: []byte("Ngô Thị Bình"), DOB: []byte("01/01/1990"), ID: []byte("001190000444"), MSISDN: []byte("0912000005")},
			verdict: VerdictMatch, person: "P000000000015", verdictNoPersons: VerdictMatch, matchedWithPerson: "E1"},
	} {
		var res Result
		NewChecker(withPersons, 2026).Check(tc.in, &res)
		if res.Verdict != tc.verdict || withPersons.PersonID(res.Matched) != tc.person || withPersons.ID(res.Matched) != tc.matchedWithPerson {
			t.Errorf("%s: verdict %s, person %q, record %q; want %s, %s, %s", tc.name, res.Verdict, withPersons.PersonID(res.Matched), withPersons.ID(res.Matched),
				tc.verdict, tc.person, tc.matchedWithPerson)
		}
		NewChecker(part, 2026).Check(tc.in, &res)
		if res.Verdict != tc.verdict || part.PersonID(res.Matched) != tc.person || part.ID(res.Matched) != tc.matchedWithPerson {
			t.Errorf("%s, the partition's register: verdict %s, person %q, record %q; want %s, %s, %s", tc.name, res.Verdict, part.PersonID(res.Matched), part.ID(res.Matched),
				tc.verdict, tc.person, tc.matchedWithPerson)
		}
		NewChecker(without, 2026).Check(tc.in, &res)
		if res.Verdict != tc.verdictNoPersons || without.PersonID(res.Matched) != "" {
			t.Errorf("%s without person IDs: verdict %s, person %q; want %s and none", tc.name, res.Verdict, without.PersonID(res.Matched), tc.verdictNoPersons)
		}
	}
}

// verdictRows reads columns of a verdicts.parquet, by subscription_id.
func verdictRows(t *testing.T, path string, cols ...string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := dataio.EachRow(path, append([]string{"subscription_id"}, cols...), func(v []string) error {
		row := make([]string, len(cols))
		for i := range cols {
			row[i] = strings.Clone(v[i+1])
		}
		out[strings.Clone(v[0])] = row
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStateRegister: verify --register STATE against the state of a
// night over dedup gen's population gives the verdicts the raw extracts
// give wherever the person does not widen the evidence (the ID's
// persons have no record without it), naming the person of the matched
// record, the same person as against the night's golden.parquet where
// both match; memory-bounded runs give the in-memory run's bytes; the
// msisdn is the list's. A state given with other paths, a state of
// another config and a damaged one are errors.
func TestStateRegister(t *testing.T) {
	dir := generated(t, 3000, 7)
	stateDir, night := filepath.Join(dir, "state"), filepath.Join(dir, "night")
	if _, err := state.Run(context.Background(), config.Default(), pipeline.Options{OutDir: night, Inputs: []string{filepath.Join(dir, "population")}, Workers: 2, Progress: progress.Options{Quiet: true}},
		state.Options{Dir: stateDir}); err != nil {
		t.Fatal(err)
	}
	subs := filepath.Join(dir, "subscribers")
	run := func(name string, reg []string, o Options) (string, *Manifest, error) {
		out := filepath.Join(dir, name)
		o.Register, o.Subscribers, o.OutDir = reg, []string{subs}, out
		if o.Workers == 0 {
			o.Workers = 2
		}
		m, err := Run(context.Background(), o)
		return out, m, err
	}
	must := func(out string, m *Manifest, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	raw := must(run("raw", []string{filepath.Join(dir, "population")}, Options{NoSpill: true}))
	st, m, err := run("state", []string{stateDir}, Options{NoSpill: true})
	must(st, m, err)
	if m.Register.Kind != RegisterState || m.Register.Night != 1 {
		t.Fatalf("manifest register %+v", m.Register)
	}
	golden := must(run("golden", []string{filepath.Join(night, runfolder.FileGolden)}, Options{NoSpill: true}))

	// The person of each record, and the IDs whose persons have records
	// without them.
	personOf := map[string]string{}
	if err := state.Lookup(stateDir, func(k state.Key, p string) error { personOf[k.ID] = p; return nil }); err != nil {
		t.Fatal(err)
	}
	reg, err := LoadRegister(context.Background(), []string{stateDir}, DefaultConfig(), Options{Workers: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := NewChecker(reg, 2026)
	widened := func(id string) bool {
		p := normalize.ParseID([]byte(id))
		rows := lookup(reg.byID, IDKey(&p))
		return len(c.personRows(rows)) != len(rows)
	}
	cols := []string{"verdict_code", "mismatch_fields", "evidence", "register_inconsistent", "matched_id", runfolder.ColPersonID, "msisdn"}
	rv, sv, gv := verdictRows(t, filepath.Join(raw, runfolder.FileVerdicts), cols...), verdictRows(t, filepath.Join(st, runfolder.FileVerdicts), cols...),
		verdictRows(t, filepath.Join(golden, runfolder.FileVerdicts), cols...)
	list := map[string][2]string{} // subscription → ID, msisdn
	for _, f := range mustList(t, subs) {
		err := dataio.EachRow(f, []string{"subscription_id", "registered_id_number", "msisdn"}, func(v []string) error {
			list[strings.Clone(v[0])] = [2]string{strings.Clone(v[1]), strings.Clone(v[2])}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(sv) != len(rv) || len(sv) == 0 {
		t.Fatalf("%d verdicts against the state, %d against the extracts", len(sv), len(rv))
	}
	agree, wide, goldenBoth := 0, 0, 0
	for sid, s := range sv {
		r, g := rv[sid], gv[sid]
		if s[6] != list[sid][1] {
			t.Fatalf("%s: msisdn %q, the list's %q", sid, s[6], list[sid][1])
		}
		if r[5] != "" || personOf[s[4]] != s[5] {
			t.Fatalf("%s: person %q for record %q (Lookup: %q); against the extracts %q", sid, s[5], s[4], personOf[s[4]], r[5])
		}
		if widened(list[sid][0]) {
			wide++
		} else {
			if !slices.Equal(s[:4], r[:4]) {
				t.Errorf("%s: against the state %q, against the extracts %q", sid, s[:4], r[:4])
			}
			if r[4] != "" && personOf[r[4]] != s[5] {
				t.Errorf("%s: person %s, the extracts' match %s is %s's", sid, s[5], r[4], personOf[r[4]])
			}
			agree++
		}
		if strings.HasPrefix(s[0], VerdictMatch) && strings.HasPrefix(g[0], VerdictMatch) {
			goldenBoth++
			if g[5] != s[5] {
				t.Errorf("%s: person %s, against the golden records %s", sid, s[5], g[5])
			}
		}
	}
	t.Logf("%d subscriptions: %d checked against the extracts' verdicts, %d widened by the person; %d matched against both the state and the golden records",
		len(sv), agree, wide, goldenBoth)
	if goldenBoth < len(sv)*9/10 {
		t.Fatalf("only %d of %d match against both the state and the golden records", goldenBoth, len(sv))
	}

	// Memory-bounded runs give the same bytes.
	for _, tc := range []struct{ workers, batch, part int }{{1, 97, 1}, {3, 333, 1000}} {
		out := must(run("spill", []string{stateDir}, Options{Workers: tc.workers, BatchSize: tc.batch, ForceSpill: true, PartitionRows: tc.part}))
		assertSameOutputs(t, st, out, fmt.Sprintf("%+v", tc))
		assertNoSpill(t, out)
		os.RemoveAll(out)
	}

	// Errors.
	if _, _, err := run("bad1", []string{stateDir, filepath.Join(dir, "population")}, Options{}); err == nil || !strings.Contains(err.Error(), "state folder") {
		t.Errorf("a state with other paths: %v", err)
	}
	other := filepath.Join(dir, "other.yaml")
	def, err := os.ReadFile(filepath.Join("..", "config", "default.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(other, bytes.Replace(def, []byte("match_probability: 0.5"), []byte("match_probability: 0.7"), 1), 0o600)
	cfg, err := LoadConfig(other)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := run("bad2", []string{stateDir}, Options{Config: cfg}); !errors.Is(err, state.ErrConfigMismatch) {
		t.Errorf("a state of another config: %v", err)
	}
	seg, _ := filepath.Glob(filepath.Join(stateDir, "gen-*", "raw-*.bin"))
	if len(seg) != 1 {
		t.Fatalf("segments %v", seg)
	}
	b, _ := os.ReadFile(seg[0])
	b[len(b)/3] ^= 1
	os.Remove(seg[0]) // a hard link: write a new file
	os.WriteFile(seg[0], b, 0o600)
	for _, spill := range []bool{false, true} {
		if _, _, err := run("bad3", []string{stateDir}, Options{ForceSpill: spill, NoSpill: !spill}); !errors.Is(err, state.ErrDamaged) {
			t.Errorf("a damaged state (spill %v): %v", spill, err)
		}
	}
}

func mustList(t *testing.T, dir string) []string {
	t.Helper()
	files, err := dataio.ListInputs([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestRecordProvinceFromAddress: without a province code, a record's
// province is read from its addresses in turn: the first naming an old
// province gives it; a province named alone whose name is also a 2025
// province's (Phú Thọ, which Hòa Bình merged into) gives only the 2025
// one, unless a later address names the old one.
func TestRecordProvinceFromAddress(t *testing.T) {
	n := normalize.New(normalize.Options{RefYear: 2026})
	ap := normalize.NewAddressParser()
	for _, tc := range []struct {
		addr         string
		prov, prov25 uint8
	}{
		{"Thôn 1, Xã Lương Sơn, Huyện Lương Sơn, Tỉnh Hòa Bình", 17, 0},
		{"Thôn 1, Phú Thọ", 0, 25},
		{"Thôn 1, Phú Thọ\nThôn 1, Xã Lương Sơn, Tỉnh Phú Thọ", 17, 0},
		{"Thôn 1, Tỉnh Hòa Bình\nThôn 1, Phú Thọ", 17, 0},
		{"", 0, 0},
	} {
		ch := newRegChunk()
		if err := ch.add(n, ap, 2026, regRow{id: []byte("R1"), name: []byte("Lê Thị Mai"), dob: []byte("1990"), addr: []byte(tc.addr)}); err != nil {
			t.Fatal(err)
		}
		if ch.prov[0] != tc.prov || ch.prov25[0] != tc.prov25 {
			t.Errorf("%q: province %d, 2025 province %d; want %d, %d", tc.addr, ch.prov[0], ch.prov25[0], tc.prov, tc.prov25)
		}
	}
}
