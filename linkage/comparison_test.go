package linkage

import (
	"strings"
	"testing"
)

func strCol(vals ...string) StringColumn {
	c := StringColumn{Offsets: []uint32{0}}
	for _, v := range vals {
		c.Data = append(c.Data, v...)
		c.Offsets = append(c.Offsets, uint32(len(c.Data)))
	}
	return c
}

// vnSpecs is the Vietnamese register's comparisons, as the default config
// maps them.
func vnSpecs() []Comparison {
	return []Comparison{
		{Name: "name", Kind: KindName, Inputs: [][]string{{"name_canon", "name_fold", "name_key"}}, TermFrequency: true},
		{Name: "dob", Kind: KindDate, Inputs: [][]string{{"dob"}}},
		{Name: "gender", Kind: KindExact, Inputs: [][]string{{"gender"}}},
		{Name: "national_id", Kind: KindID, Inputs: [][]string{{"id"}}},
		{Name: "phone", Kind: KindPhone, Inputs: [][]string{{"phone"}}},
		{Name: "address", Kind: KindAddress, Inputs: [][]string{{"pw", "pd", "pp"}, {"cw", "cd", "cp"}}},
	}
}

// vnColumns holds four records: 0 and 1 the same person (tones lost, day
// and month swapped, ID typo, moved: current ward of 1 = permanent ward of
// 0), 2 a stranger, 3 with nothing but a name.
func vnColumns() Columns {
	fold := strCol("nguyen van an", "nguyen van an", "tran thi bich ngoc", "nguyen van an")
	return Columns{
		Rows: 4,
		Strings: map[string]StringColumn{
			"name_canon": strCol("Nguyễn Văn An", "Nguyen Van An", "Trần Thị Bích Ngọc", "Nguyễn Văn An"),
			"name_fold":  fold,
			"name_key":   strCol("nguyen van an", "nguyen van an", "tran thi bich ngoc", "nguyen van an"),
			"id":         strCol("001090012345", "001090012346", "079185000111", ""),
			"phone":      strCol("0912345678", "0987654321;0912345678", "0933333333", ""),
		},
		Ints: map[string][]int32{
			"dob":    {19900512, 19901205, 19851111, 0},
			"gender": {1, 1, 2, 0},
			"pw":     {101, 202, 303, 0}, "pd": {11, 22, 33, 0}, "pp": {1, 2, 3, 0},
			"cw": {0, 101, 0, 0}, "cd": {0, 11, 0, 0}, "cp": {0, 1, 0, 0},
		},
		Freqs: map[string]*FreqTable{"name": FreqTableOf(fold)},
	}
}

func TestComparerVector(t *testing.T) {
	c, err := Compile(vnSpecs())
	if err != nil {
		t.Fatal(err)
	}
	cm, err := c.Bind(vnColumns())
	if err != nil {
		t.Fatal(err)
	}
	n := int8(len(DefaultBands))
	f := func(i, j int32, want []int8, wantTF []float32) {
		t.Helper()
		levels := make([]int8, c.Len())
		sims := make([]float32, c.Len())
		tf := make([]float32, c.Len())
		cm.Compare(i, j, levels, sims, tf)
		for k := range want {
			if levels[k] != want[k] {
				t.Errorf("Compare(%d, %d) %s = %d (%s); want %d", i, j, c.Spec(k).Name, levels[k], label(c, k, levels[k]), want[k])
			}
			if tf[k] != wantTF[k] {
				t.Errorf("Compare(%d, %d) %s tf = %v; want %v", i, j, c.Spec(k).Name, tf[k], wantTF[k])
			}
		}
	}
	f(0, 1, []int8{n + nameFolded, DateSwap, 1, IDOneDigit, PhoneExact, AddrWard}, []float32{0.75, 0, 0, 0, 0, 0})
	f(0, 2, []int8{0, DateElse, 0, IDElse, PhoneElse, AddrElse}, []float32{0, 0, 0, 0, 0, 0})
	f(0, 3, []int8{n + nameCanonical, Null, Null, Null, Null, Null}, []float32{0.75, 0, 0, 0, 0, 0})

	// A clone computes the same and does not allocate.
	cl := cm.Clone()
	levels := make([]int8, c.Len())
	sims := make([]float32, c.Len())
	tf := make([]float32, c.Len())
	if a := testing.AllocsPerRun(100, func() { cl.Compare(0, 1, levels, sims, tf) }); a != 0 {
		t.Errorf("Compare allocates %v times; want 0", a)
	}
}

func label(c *Compiled, k int, l int8) string {
	if l < 0 {
		return "null"
	}
	return c.Labels(k)[l]
}

func TestCompileErrors(t *testing.T) {
	f := func(spec Comparison, want string) {
		t.Helper()
		_, err := Compile([]Comparison{spec})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Compile(%+v) error = %v; want one containing %q", spec, err, want)
		}
	}
	f(Comparison{Kind: KindDate, Inputs: [][]string{{"dob"}}}, "no name")
	f(Comparison{Name: "x", Inputs: [][]string{{"dob"}}}, "unknown kind")
	f(Comparison{Name: "x", Kind: KindDate}, "no inputs")
	f(Comparison{Name: "x", Kind: KindName, Inputs: [][]string{{"a"}}}, "wants 3")
	f(Comparison{Name: "x", Kind: KindName, Inputs: [][]string{{"a", "", ""}}}, "no column for folded")
	f(Comparison{Name: "x", Kind: KindText, Inputs: [][]string{{"a"}}, Bands: []float64{0.8, 0.9}}, "descending")
	f(Comparison{Name: "x", Kind: KindDate, Inputs: [][]string{{"a"}}, Bands: []float64{0.9}}, "bands only")
	f(Comparison{Name: "x", Kind: KindDate, Inputs: [][]string{{"a"}}, TermFrequency: true}, "term frequency")
	f(Comparison{Name: "x", Kind: KindAddress, Inputs: [][]string{{"", "", ""}}}, "no columns")
	if _, err := Compile([]Comparison{
		{Name: "x", Kind: KindExact, Inputs: [][]string{{"a"}}},
		{Name: "x", Kind: KindExact, Inputs: [][]string{{"a"}}},
	}); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("duplicate names: error = %v", err)
	}
}

func TestBindErrors(t *testing.T) {
	c, err := Compile(vnSpecs())
	if err != nil {
		t.Fatal(err)
	}
	cols := vnColumns()
	delete(cols.Ints, "dob")
	cols.Strings["id"] = strCol("1", "2") // wrong row count
	_, err = c.Bind(cols)
	if err == nil || !strings.Contains(err.Error(), "no column dob") || !strings.Contains(err.Error(), "column id") {
		t.Errorf("Bind error = %v; want one naming dob and id", err)
	}
}

func TestKindNames(t *testing.T) {
	for k := KindName; k <= KindExact; k++ {
		got, err := ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v; want %v", k.String(), got, err, k)
		}
	}
	if _, err := ParseKind("fuzzy"); err == nil {
		t.Errorf("ParseKind(fuzzy) succeeded")
	}
}

// BenchmarkCompareVector computes the full Vietnamese vector for realistic
// pairs: near-duplicate names and unrelated ones.
func BenchmarkCompareVector(b *testing.B) {
	c, err := Compile(vnSpecs())
	if err != nil {
		b.Fatal(err)
	}
	pairs := benchPairs()
	var canon, folded []string
	for _, p := range pairs {
		folded = append(folded, string(p[0]), string(p[1]))
		canon = append(canon, string(p[0]), strings.ToUpper(string(p[1])))
	}
	rows := len(folded)
	ints := func(f func(i int) int32) []int32 {
		v := make([]int32, rows)
		for i := range v {
			v[i] = f(i)
		}
		return v
	}
	ids := make([]string, rows)
	phones := make([]string, rows)
	for i := range ids {
		ids[i] = "0010900" + string(rune('0'+i%10)) + "2345"
		phones[i] = "091234567" + string(rune('0'+i%7))
	}
	cols := Columns{
		Rows: rows,
		Strings: map[string]StringColumn{
			"name_canon": strCol(canon...), "name_fold": strCol(folded...), "name_key": strCol(folded...),
			"id": strCol(ids...), "phone": strCol(phones...),
		},
		Ints: map[string][]int32{
			"dob":    ints(func(i int) int32 { return 19800101 + int32(i%12)*100 + int32(i%28) }),
			"gender": ints(func(i int) int32 { return 1 + int32(i%2) }),
			"pw":     ints(func(i int) int32 { return int32(i % 50) }), "pd": ints(func(i int) int32 { return int32(i % 9) }), "pp": ints(func(i int) int32 { return 1 + int32(i%3) }),
			"cw": ints(func(i int) int32 { return 0 }), "cd": ints(func(i int) int32 { return 0 }), "cp": ints(func(i int) int32 { return 0 }),
		},
		Freqs: map[string]*FreqTable{},
	}
	cols.Freqs["name"] = FreqTableOf(cols.Strings["name_fold"])
	cm, err := c.Bind(cols)
	if err != nil {
		b.Fatal(err)
	}
	levels := make([]int8, c.Len())
	sims := make([]float32, c.Len())
	tf := make([]float32, c.Len())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k := int32(2 * (i & 1023))
		cm.Compare(k, k+1, levels, sims, tf)
	}
}

// TestPrefetchColumns: Prefetch covers every column Compare reads, each
// once even when two roles share it, and ignores rows out of range.
func TestPrefetchColumns(t *testing.T) {
	c, err := Compile(vnSpecs())
	if err != nil {
		t.Fatal(err)
	}
	cols := vnColumns()
	cols.Strings["name_key"] = cols.Strings["name_fold"] // one column, two roles
	cm, err := c.Bind(cols)
	if err != nil {
		t.Fatal(err)
	}
	wantStr, wantInt := map[string]bool{}, map[string]bool{}
	for _, s := range vnSpecs() {
		for _, in := range s.Inputs {
			for _, name := range in {
				if name == "name_key" {
					name = "name_fold"
				}
				if _, ok := cols.Strings[name]; ok {
					wantStr[name] = true
				} else if _, ok := cols.Ints[name]; ok {
					wantInt[name] = true
				}
			}
		}
	}
	if len(cm.pfStrs) != len(wantStr) || len(cm.pfInts) != len(wantInt) {
		t.Fatalf("prefetches %d string and %d integer columns; Compare reads %d and %d", len(cm.pfStrs), len(cm.pfInts), len(wantStr), len(wantInt))
	}
	for name := range wantStr {
		found := false
		for _, pc := range cm.pfStrs {
			found = found || &pc.Offsets[0] == &cols.Strings[name].Offsets[0]
		}
		if !found {
			t.Errorf("column %s is not prefetched", name)
		}
	}
	for name := range wantInt {
		found := false
		for _, pc := range cm.pfInts {
			found = found || &pc[0] == &cols.Ints[name][0]
		}
		if !found {
			t.Errorf("column %s is not prefetched", name)
		}
	}
	cl := cm.Clone()
	if len(cl.pfStrs) != len(cm.pfStrs) || len(cl.pfInts) != len(cm.pfInts) {
		t.Error("Clone drops the prefetched columns")
	}
	for _, i := range []int32{0, 3, 4, -1, 1 << 30} {
		cm.Prefetch(i) // must not panic
		cm.PrefetchValues(i)
	}
}

// TestIDProvinceComparer: the id_province comparison reads the ID from
// its first input group and the addresses from the others, in both
// directions, and is null unless exactly one record holds a CCCD and the
// other no ID.
func TestIDProvinceComparer(t *testing.T) {
	c, err := Compile([]Comparison{{Name: "id_province", Kind: KindIDProvince, Inputs: [][]string{
		{"id.digits", "", ""},
		{"", "a.province_old", "a.province_2025"},
		{"", "c.province_old", "c.province_2025"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	cols := Columns{Rows: 4,
		Strings: map[string]StringColumn{"id.digits": strCol("002190123456", "", "", "123456789")},
		Ints: map[string][]int32{
			"a.province_old": {1, 79, 0, 2}, "a.province_2025": {1, 79, 8, 8},
			"c.province_old": {1, 2, 0, 2}, "c.province_2025": {1, 8, 8, 8},
		},
	}
	cm, err := c.Bind(cols)
	if err != nil {
		t.Fatal(err)
	}
	lv, sm := make([]int8, 1), make([]float32, 1)
	for _, tc := range []struct {
		i, j int32
		want int8
	}{
		{0, 1, IDProvinceOld},  // record 1's current address is in 002's province
		{1, 0, IDProvinceOld},  // either order
		{0, 2, IDProvince2025}, // only the 2025 province known
		{1, 2, Null},           // neither holds an ID
		{0, 3, Null},           // the other holds a CMND
	} {
		cm.Compare(tc.i, tc.j, lv, sm, nil)
		if lv[0] != tc.want {
			t.Errorf("records %d, %d: level %d, want %d", tc.i, tc.j, lv[0], tc.want)
		}
	}
}
