package main

import (
	"database/sql"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// testModel is a model.json with the labels the peer expects: level i of
// every comparison weighs i-1, the prior -5, and exact_canonical carries
// the term-frequency adjustment with m = 0.5.
func testModel(t *testing.T, dir string) string {
	type level struct {
		Label  string  `json:"label"`
		M      float64 `json:"m"`
		Weight float64 `json:"weight"`
		TF     bool    `json:"tf,omitempty"`
	}
	type comparison struct {
		Name   string  `json:"name"`
		Levels []level `json:"levels"`
	}
	var cs []comparison
	for _, name := range []string{"name", "dob", "gender", "national_id", "phone", "address"} {
		c := comparison{Name: name}
		for i, l := range expected[name] {
			c.Levels = append(c.Levels, level{Label: l, M: 0.5, Weight: float64(i - 1), TF: name == "name" && l == "exact_canonical"})
		}
		cs = append(cs, c)
	}
	data, err := json.Marshal(map[string]any{"prior_weight": -5.0, "tf_min": 1e-6, "comparisons": cs})
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "model.json")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRun runs the peer on four records: P1 and P2 share an ID (found by
// the first rule only, though the second would find them too), P3 is the
// same person without ID or phone in other layouts (found by given name,
// date and gender), P4 is someone else, and a row without a record id is
// left out.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	in := filepath.Join(dir, "in.parquet")
	if _, err := db.Exec(`COPY (SELECT * FROM (VALUES
		('P1', 'Nguyễn Văn An', '01/02/1990', 'Nam', '001090000001', '0912345678', 'Thôn 1, Xã A, Huyện B, Hà Nội'),
		('P2', 'NGUYỄN  VĂN AN', '1990-02-01', 'M', '001090000001', '+84 912 345 678', 'Thôn 1, Xã A, Huyện B, Thành phố Hà Nội'),
		('P3', 'Nguyen Van An', '1-2-90', '1', '', '', 'Xã A, Huyện B, TP. Hà Nội'),
		('P4', 'Trần Thị Bình', '05/06/1985', 'Nữ', '079085000002', '', 'Phường X, Quận 1, TP Hồ Chí Minh'),
		('', 'Nguyễn Văn An', '01/02/1990', 'Nam', '001090000001', '', '')
	) t(record_id, full_name, date_of_birth, gender, national_id, phone, permanent_address)) TO '` + in + `' (FORMAT parquet)`); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref")
	if err := os.MkdirAll(ref, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"provinces.csv": "name,province_2025\nHà Nội,01\nThành phố Hồ Chí Minh,79\nHồ Chí Minh,79\n",
		"cmnd.csv":      "cccd_prefix,cmnd_prefix\n001,01\n",
	} {
		if err := os.WriteFile(filepath.Join(ref, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "out")
	res, err := run(opts{in: in, model: testModel(t, dir), refDir: ref, out: out, refYear: 2026, pairsMin: -10,
		rules: "national_id=k_national_id;given_dob=k_name__given,k_dob,k_gender"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != 4 {
		t.Errorf("records %d, want 4", res.Records)
	}
	if want := map[string]int64{"national_id": 1, "given_dob": 2}; !reflect.DeepEqual(res.PairsPerRule, want) {
		t.Errorf("pairs per rule %v, want %v", res.PairsPerRule, want)
	}

	type pair struct {
		L, R, Rule                         string
		Name, Dob, Gender, ID, Phone, Addr int
		W                                  float64
	}
	rows, err := db.Query(`SELECT left_id, right_id, blocking_rule, name_level, dob_level, gender_level, national_id_level,
		phone_level, address_level, match_weight FROM read_parquet('` + filepath.Join(out, "pairs.parquet") + `') ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	var got []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.L, &p.R, &p.Rule, &p.Name, &p.Dob, &p.Gender, &p.ID, &p.Phone, &p.Addr, &p.W); err != nil {
			t.Fatal(err)
		}
		got = append(got, p)
	}
	rows.Close()
	// P1-P2: canonical names equal (level 8, tf 3/4: log2(0.5/0.75)), the
	// same date in two layouts (5), gender (1), ID (4), phone with +84 (1),
	// ward and province (3). P1-P3 and P2-P3: folded names equal (7, weight
	// 6), a two-digit year (5), gender code 1 (1), no ID or phone (-1: 0),
	// ward under TP. (3).
	w12 := math.Log2(0.5/0.75) + 4 + 0 + 3 + 0 + 2 - 5
	want := []pair{
		{"P1", "P2", "national_id", 8, 5, 1, 4, 1, 3, w12},
		{"P1", "P3", "given_dob", 7, 5, 1, -1, -1, 3, 6 + 4 + 0 + 2 - 5},
		{"P2", "P3", "given_dob", 7, 5, 1, -1, -1, 3, 6 + 4 + 0 + 2 - 5},
	}
	if len(got) != len(want) {
		t.Fatalf("pairs %+v, want %+v", got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if math.Abs(g.W-w.W) > 1e-9 {
			t.Errorf("pair %d weight %v, want %v", i, g.W, w.W)
		}
		g.W, w.W = 0, 0
		if g != w {
			t.Errorf("pair %d = %+v, want %+v", i, g, w)
		}
	}

	clusters := map[string]string{}
	rows, err = db.Query(`SELECT record_id, cluster_id FROM read_parquet('` + filepath.Join(out, "clusters.parquet") + `')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r, c string
		if err := rows.Scan(&r, &c); err != nil {
			t.Fatal(err)
		}
		clusters[r] = c
	}
	rows.Close()
	if want := map[string]string{"P1": "P1", "P2": "P1", "P3": "P1", "P4": "P4"}; !reflect.DeepEqual(clusters, want) {
		t.Errorf("clusters %v, want %v", clusters, want)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err != nil {
		t.Error(err)
	}
}

// TestRunRejectsModel: a model whose levels are not the ones the peer
// computes is refused, not scored with shifted weights.
func TestRunRejectsModel(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.json")
	if err := os.WriteFile(p, []byte(`{"prior_weight": -5, "comparisons": [{"name": "gender", "levels": [{"label": "else"}, {"label": "fuzzy"}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(opts{in: "x", model: p, refDir: dir, out: dir, rules: "a=k_gender"}); err == nil {
		t.Error("a model with unknown levels: no error")
	}
}
