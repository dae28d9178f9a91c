package pipeline

import (
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
)

// TestRecords builds a store for three records through the exported API
// and checks the projection, the normalized roles, the comparer, the
// term-frequency value and the blocking rules against known answers.
func TestRecords(t *testing.T) {
	cfg := config.Default()
	st, err := NewRecords(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cols := st.InputColumns()
	if cols[0] != cfg.RecordID || len(cols) != 9 {
		t.Fatalf("input columns %v", cols)
	}
	row := func(vals map[string]string) []string {
		cells := make([]string, len(cols))
		for i, c := range cols {
			cells[i] = vals[c]
		}
		return cells
	}
	people := []map[string]string{
		{"record_id": "a", "full_name": "  Nguyễn Văn An ", "date_of_birth": "1990-05-17", "gender": "Nam", "phone": "0912345678", "permanent_address": "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh"},
		{"record_id": "b", "full_name": "NGUYEN VAN AN", "date_of_birth": "17/05/1990", "gender": "nam", "permanent_address": "P. Bến Nghé, Q.1, TP.HCM"},
		{"record_id": "c", "full_name": "Trần Thị Bình", "date_of_birth": "1985", "gender": "Nữ"},
	}
	for i, p := range people {
		raw, ok := st.FieldValues(row(p))
		if !ok {
			t.Fatalf("record %d: not stored", i)
		}
		if err := st.Append(raw); err != nil {
			t.Fatal(err)
		}
	}
	if st.Len() != 3 {
		t.Fatalf("Len %d, want 3", st.Len())
	}
	// A run stores no row without an id or without any field value.
	if _, ok := st.FieldValues(row(map[string]string{"full_name": "An"})); ok {
		t.Error("row without record id stored")
	}
	if _, ok := st.FieldValues(row(map[string]string{"record_id": "x", "full_name": "  "})); ok {
		t.Error("row with only blank fields stored")
	}
	if got := string(st.Bytes("name", "folded", 0)); got != string(st.Bytes("name", "folded", 1)) || got == "" {
		t.Errorf("folded names %q and %q, want equal", got, st.Bytes("name", "folded", 1))
	}
	if st.Int32("dob", "date", 0) != 19900517 || st.Int32("dob", "date", 1) != 19900517 {
		t.Errorf("dates %d %d, want 19900517", st.Int32("dob", "date", 0), st.Int32("dob", "date", 1))
	}
	if st.Bytes("name", "nope", 0) != nil || st.Int32("nope", "date", 0) != 0 {
		t.Error("unknown role or field not nil/0")
	}
	if got := string(st.Bytes("phone", "phones", 0)); !strings.HasSuffix(got, "912345678") {
		t.Errorf("phone %q", got)
	}
	// The name comparison is term-frequency weighted on the folded name.
	if got, want := string(st.TFValue(0, 0)), string(st.Bytes("name", "folded", 0)); got != want {
		t.Errorf("TFValue %q, want %q", got, want)
	}
	if st.TFValue(1, 0) != nil {
		t.Error("TFValue of a comparison without term frequencies")
	}

	cm, err := st.Comparer(nil)
	if err != nil {
		t.Fatal(err)
	}
	w := st.Compiled().Len()
	same, other := make([]int8, w), make([]int8, w)
	cm.Compare(0, 1, same, make([]float32, w), nil)
	cm.Compare(0, 2, other, make([]float32, w), nil)
	if same[0] <= other[0] || same[1] <= other[1] {
		t.Errorf("name/dob levels of the same person %v not above another's %v", same[:2], other[:2])
	}
	if same[4] != -1 {
		t.Errorf("phone level %d with one phone missing, want -1 (null)", same[4])
	}

	for _, c := range []struct {
		rule  string
		a, b  int
		agree bool
	}{
		{"name_year_month", 0, 1, true},
		{"given_dob", 0, 1, true},
		{"name_year_month", 0, 2, false},
		{"phone", 0, 1, false}, // b has no phone: no key
		{"name_month_day", 0, 2, false},
	} {
		var rule config.BlockingRule
		for _, r := range cfg.Blocking.Rules {
			if r.Name == c.rule {
				rule = r
			}
		}
		got, err := st.RuleAgrees(rule, c.a, c.b)
		if err != nil || got != c.agree {
			t.Errorf("rule %s rows %d,%d: %v %v, want %v", c.rule, c.a, c.b, got, err, c.agree)
		}
	}
	for _, key := range []string{"name.nope", "nope", "address.nope", "dob.nope"} {
		if _, err := st.RuleAgrees(config.BlockingRule{Name: "bad", Keys: []string{key}}, 0, 1); err == nil {
			t.Errorf("key %q: no error", key)
		}
	}

	st.Reset()
	if st.Len() != 0 {
		t.Errorf("Len after Reset %d", st.Len())
	}
	if err := st.Append(nil); err == nil {
		t.Error("Append of no field values: no error")
	}
}

// TestRecordsDateFormat: a field's date_format decides how an ambiguous
// date reads; the default reads day first.
func TestRecordsDateFormat(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   int32
	}{{"", 19900504}, {"dmy", 19900504}, {"mdy", 19900405}, {"mm/dd/yyyy", 19900405}} {
		cfg := config.Default()
		for i := range cfg.Fields {
			if cfg.Fields[i].Kind == config.KindDate {
				cfg.Fields[i].DateFormat = tc.format
			}
		}
		st, err := NewRecords(cfg)
		if err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(st.InputColumns()))
		for i, c := range st.InputColumns() {
			cells[i] = map[string]string{"record_id": "a", "date_of_birth": "04/05/1990"}[c]
		}
		raw, _ := st.FieldValues(cells)
		if err := st.Append(raw); err != nil {
			t.Fatal(err)
		}
		if got := st.Int32("dob", "date", 0); got != tc.want {
			t.Errorf("date_format %q: 04/05/1990 read as %d, want %d", tc.format, got, tc.want)
		}
	}
}
