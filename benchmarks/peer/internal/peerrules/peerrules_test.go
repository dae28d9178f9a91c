package peerrules

import (
	"database/sql"
	"reflect"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

func TestParse(t *testing.T) {
	tests := []struct {
		spec    string
		want    []Rule
		wantErr bool
	}{
		{"id=k_national_id", []Rule{{"id", []string{"k_national_id"}}}, false},
		{"a=k_x,k_y;b=k_z", []Rule{{"a", []string{"k_x", "k_y"}}, {"b", []string{"k_z"}}}, false},
		{"a", nil, true},
		{"=k_x", nil, true},
		{"a=", nil, true},
		{"a=k_x;b=k_y OR 1=1", nil, true}, // a column name goes into SQL
		{"a=K_X", nil, true},
	}
	for _, tc := range tests {
		got, err := Parse(tc.spec)
		if (err != nil) != tc.wantErr {
			t.Errorf("Parse(%q) error %v, want error %v", tc.spec, err, tc.wantErr)
			continue
		}
		if !tc.wantErr && !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) = %v, want %v", tc.spec, got, tc.want)
		}
	}
}

func TestCountPerRule(t *testing.T) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TEMP TABLE p AS SELECT * FROM (VALUES (0), (0), (2)) t(rule)"); err != nil {
		t.Fatal(err)
	}
	rules := []Rule{{"a", nil}, {"b", nil}, {"c", nil}}
	got, err := CountPerRule(db, "p", rules)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]int64{"a": 2, "c": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("CountPerRule = %v, want %v", got, want)
	}
	if _, err := CountPerRule(db, "p", rules[:2]); err == nil {
		t.Error("CountPerRule with a rule index beyond the rules: no error")
	}
}
