package survive

import (
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/normalize"
)

// person is one member of TestFalseCriterionNamesReason's clusters.
type person struct {
	name, nid string
	idKey     uint64
	dob       int32 // packed, 0 = none
	gender    normalize.Gender
	ward      int32
	updated   int64
	flags     normalize.Flags
}

// reasonsFor lists, per criterion, the quality_flags names that can
// explain it being false.
func reasonsFor(criterion string) func(name string) bool {
	return func(name string) bool {
		f, ok := normalize.ParseFlags(name)
		switch criterion {
		case "correct":
			return ok && f&normalize.CorrectMask != 0
		case "complete":
			return ok && f&(normalize.CompleteMask|normalize.FlagDOBUnparsed|normalize.FlagDOBImpossible|normalize.FlagGenderInvalid|
				normalize.FlagIDInvalidChars|normalize.FlagIDInvalidLength|normalize.FlagIDInvalidStructure|normalize.FlagNameInvalidUTF8) != 0 ||
				name == "addr_unresolved"
		case "clean":
			return name == "id_conflict"
		case "live":
			return name == "addr_unresolved" || name == "timestamp_missing"
		}
		return false
	}
}

// checkReasons fails for a golden row with a false criterion that no name
// in its quality_flags explains.
func checkReasons(t *testing.T, what string, row map[string]string) {
	t.Helper()
	names := strings.Split(row["quality_flags"], ";")
	for _, c := range []string{"correct", "complete", "clean", "live"} {
		if row[c] != "false" {
			continue
		}
		explained := false
		for _, n := range names {
			explained = explained || reasonsFor(c)(n)
		}
		if !explained {
			t.Errorf("%s: %s=false but quality_flags %q gives no reason", what, c, row["quality_flags"])
		}
	}
}

// TestFalseCriterionNamesReason: every false criterion of a golden record
// names its reason in quality_flags, with normalize's flag names where a
// record's value is at fault: a gender that is invalid or missing, a CCCD
// whose birth year or sex contradicts the chosen date or gender, an
// impossible date, an invalid ID; id_conflict, addr_unresolved and
// timestamp_missing for what the cluster lacks.
func TestFalseCriterionNamesReason(t *testing.T) {
	cfg := &config.Config{Fields: []config.Field{
		{Name: "name", Kind: config.KindPersonName},
		{Name: "nid", Kind: config.KindNationalID},
		{Name: "dob", Kind: config.KindDate},
		{Name: "gender", Kind: config.KindGender},
		{Name: "address", Kind: config.KindVNAddress},
		{Name: "updated_at", Kind: config.KindTimestamp},
	}}
	const ward = 1 // any ward code: golden text is not checked here
	ok := person{name: "Nguyễn Văn An", nid: "001090012345", idKey: 1, dob: 19900405, gender: normalize.GenderMale, ward: ward, updated: 100}
	mod := func(f func(p *person)) person { p := ok; f(&p); return p }
	tests := []struct {
		what string
		ps   []person
		want string // a name quality_flags must hold
	}{
		{"all good", []person{ok}, ""},
		{"gender invalid", []person{mod(func(p *person) { p.gender = 0; p.flags = normalize.FlagGenderInvalid })}, "gender_invalid"},
		{"gender missing", []person{mod(func(p *person) { p.gender = 0 })}, "gender_missing"},
		{"CCCD year against the date", []person{mod(func(p *person) { p.dob = 19910405 })}, "id_dob_mismatch"},
		{"CCCD sex against the gender", []person{mod(func(p *person) { p.gender = normalize.GenderFemale })}, "id_gender_mismatch"},
		{"CCCD year against another member's date", []person{mod(func(p *person) { p.dob = 0 }), mod(func(p *person) { p.nid, p.idKey = "", 0; p.dob = 19850101 })}, "id_dob_mismatch"},
		{"impossible date", []person{mod(func(p *person) { p.dob = 0; p.flags = normalize.FlagDOBImpossible })}, "dob_impossible"},
		{"ID of a wrong length", []person{mod(func(p *person) { p.nid, p.idKey = "", 0; p.flags = normalize.FlagIDInvalidLength })}, "id_invalid_length"},
		{"ID with a bad structure", []person{mod(func(p *person) { p.nid, p.idKey = "991090012345", 0; p.flags = normalize.FlagIDInvalidStructure })}, "id_invalid_structure"},
		{"no name", []person{mod(func(p *person) { p.name = "" })}, "name_missing"},
		{"two CCCDs", []person{ok, mod(func(p *person) { p.nid, p.idKey = "001090012346", 2 })}, "id_conflict"},
		{"no address", []person{mod(func(p *person) { p.ward = 0 })}, "addr_unresolved"},
		{"no update time", []person{mod(func(p *person) { p.updated = 0 })}, "timestamp_missing"},
	}
	for _, tc := range tests {
		m := &Members{Fields: make([]Field, len(cfg.Fields))}
		for i, f := range cfg.Fields {
			m.Fields[i].Kind = f.Kind
		}
		members := []int32{}
		for i, p := range tc.ps {
			appendStr(&m.RecordID, string(rune('a'+i)))
			m.Flags = append(m.Flags, uint64(p.flags))
			m.IDKey = append(m.IDKey, p.idKey)
			appendStr(&m.Fields[0].Text, p.name)
			appendStr(&m.Fields[1].Text, p.nid)
			m.Fields[2].Ints = append(m.Fields[2].Ints, p.dob)
			m.Fields[3].Ints = append(m.Fields[3].Ints, int32(p.gender))
			appendStr(&m.Fields[4].Street, "")
			m.Fields[4].Ward = append(m.Fields[4].Ward, p.ward)
			m.Fields[4].Province = append(m.Fields[4].Province, 1)
			m.Fields[5].TS = append(m.Fields[5].TS, p.updated)
			members = append(members, int32(i))
		}
		row := goldenRow(cfg, m, members)
		checkReasons(t, tc.what, row)
		if tc.want == "" {
			if row["quality_flags"] != "" || row["correct"] != "true" || row["complete"] != "true" || row["clean"] != "true" || row["live"] != "true" {
				t.Errorf("%s: %v", tc.what, row)
			}
			continue
		}
		if !strings.Contains(";"+row["quality_flags"]+";", ";"+tc.want+";") {
			t.Errorf("%s: quality_flags %q lack %s", tc.what, row["quality_flags"], tc.want)
		}
	}
}

// appendStr appends v to the string column s.
func appendStr(s *Strings, v string) {
	if s.Offs == nil {
		s.Offs = []uint32{0}
	}
	s.Data = append(s.Data, v...)
	s.Offs = append(s.Offs, uint32(len(s.Data)))
}

// goldenRow builds the golden row of one cluster: the given members of m.
func goldenRow(cfg *config.Config, m *Members, members []int32) map[string]string {
	g := New(cfg)
	rec := g.Golden(1, m, members)
	defer rec.Release()
	return rowsOf(rec)[0]
}
