package main

import (
	"cmp"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/linkage"
)

// testRecord is one row of the exported file; "" and 0 are NULL.
type testRecord struct {
	folded, family, given, phonetic, id, phone string
	dob, year, prov                            int32
}

// TestRunMatchesSpec checks run against a direct implementation of what
// benchmarks/README.md says both sides compute (and the DuckDB peer's SQL
// spells out): full blocks up to maxBlock, capped blocks paired within the
// window by (first 8 bytes of folded, row), a pair once under its first
// rule, Jaro-Winkler on the folded names. Few distinct values and a small
// cap make large, capped and overlapping blocks.
func TestRunMatchesSpec(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	var recs []testRecord
	for range 400 {
		fam, giv := pick("nguyen", "tran", "le", ""), pick("an", "binh", "chi", "dung", "")
		r := testRecord{
			family: fam, given: giv, phonetic: strings.ReplaceAll(giv, "d", "z"),
			folded: strings.TrimSpace(fam + " " + pick("van", "thi", "") + " " + giv),
			id:     pick("001090012345", "079185000111", "", "", ""),
			phone:  pick("0912345678", "", "", "", "0987654321"),
		}
		switch rng.IntN(4) {
		case 0:
			r.dob, r.year = 19900512, 1990
		case 1:
			r.dob, r.year = 19851111, 1985
		case 2:
			r.year = 1990 // year only: no full date
		}
		if rng.IntN(5) > 0 {
			r.prov = int32(1 + rng.IntN(3))
		}
		if giv == "" {
			r.phonetic = ""
		}
		recs = append(recs, r)
	}
	path := filepath.Join(t.TempDir(), "norm.parquet")
	writeRecords(t, path, recs)

	const maxBlock, window = 12, 3
	got, err := run(path, testRules, 2, maxBlock, window)
	if err != nil {
		t.Fatal(err)
	}
	wantPerRule, wantSum := spec(recs, maxBlock, window)
	var total int64
	for k, ru := range testRules {
		if got.PairsPerRule[ru.name] != wantPerRule[k] {
			t.Errorf("rule %s: %d pairs; want %d", ru.name, got.PairsPerRule[ru.name], wantPerRule[k])
		}
		total += wantPerRule[k]
	}
	if got.Pairs != total || total == 0 {
		t.Errorf("pairs = %d; want %d (> 0)", got.Pairs, total)
	}
	if math.Abs(got.SumJW-wantSum) > 1e-9*wantSum {
		t.Errorf("sum of JW = %v; want %v", got.SumJW, wantSum)
	}
}

// testRules are the default config's rules as written by export --rules.
var testRules, _ = parseRules("national_id=k_national_id;phone=k_phone;surname_dob=k_name__family,k_dob;" +
	"given_dob=k_name__given,k_dob;name_year=k_name,k_dob__year;phonetic_year_province=k_name__phonetic,k_dob__year,k_address__province_2025")

// spec computes the pairs per rule and the sum of similarities directly.
func spec(recs []testRecord, maxBlock, window int) ([]int64, float64) {
	per := make([]int64, len(testRules))
	sum := 0.0
	for pr, k := range specPairs(recs, maxBlock, window) {
		per[k]++
		sum += linkage.JaroWinkler([]byte(recs[pr[0]].folded), []byte(recs[pr[1]].folded))
	}
	return per, sum
}

// specPairs returns every candidate pair with the first rule producing it.
func specPairs(recs []testRecord, maxBlock, window int) map[[2]int]int {
	part := func(r testRecord, name string) (string, bool) {
		switch name {
		case "k_national_id":
			return r.id, r.id != ""
		case "k_phone":
			return r.phone, r.phone != ""
		case "k_name":
			return r.folded, r.folded != ""
		case "k_name__family":
			return r.family, r.family != ""
		case "k_name__given":
			return r.given, r.given != ""
		case "k_name__phonetic":
			return r.phonetic, r.phonetic != ""
		case "k_dob":
			return strconv.Itoa(int(r.dob)), r.dob != 0
		case "k_dob__year":
			return strconv.Itoa(int(r.year)), r.year != 0
		case "k_address__province_2025":
			return strconv.Itoa(int(r.prov)), r.prov != 0
		}
		panic(name)
	}
	first := map[[2]int]int{}
	for k, ru := range testRules {
		blocks := map[string][]int{}
		for i, r := range recs {
			key, ok := "", true
			for _, p := range ru.keys {
				v, has := part(r, p)
				ok = ok && has
				key += v + "\x00"
			}
			if ok {
				blocks[key] = append(blocks[key], i)
			}
		}
		add := func(i, j int) {
			pr := [2]int{min(i, j), max(i, j)}
			if _, seen := first[pr]; !seen {
				first[pr] = k
			}
		}
		for _, rows := range blocks {
			if len(rows) <= maxBlock {
				for a := range rows {
					for _, j := range rows[a+1:] {
						add(rows[a], j)
					}
				}
				continue
			}
			prefix := func(i int) string { f := recs[i].folded; return f[:min(8, len(f))] }
			slices.SortFunc(rows, func(x, y int) int { return cmp.Or(strings.Compare(prefix(x), prefix(y)), cmp.Compare(x, y)) })
			for a := range rows {
				for _, j := range rows[a+1 : min(a+window+1, len(rows))] {
					add(rows[a], j)
				}
			}
		}
	}
	return first
}

func writeRecords(t *testing.T, path string, recs []testRecord) {
	t.Helper()
	var fields []arrow.Field
	for _, n := range []string{"row", "folded", "k_name", "k_name__family", "k_name__given", "k_name__phonetic",
		"k_dob", "k_dob__year", "k_national_id", "k_phone", "k_address__province_2025"} {
		typ := arrow.DataType(arrow.BinaryTypes.String)
		if n == "row" || strings.HasPrefix(n, "k_dob") || strings.HasPrefix(n, "k_address") {
			typ = arrow.PrimitiveTypes.Int32
		}
		fields = append(fields, arrow.Field{Name: n, Type: typ, Nullable: n != "row"})
	}
	schema := arrow.NewSchema(fields, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	str := func(k int, v string) {
		if v == "" {
			b.Field(k).(*array.StringBuilder).AppendNull()
		} else {
			b.Field(k).(*array.StringBuilder).Append(v)
		}
	}
	i32 := func(k int, v int32) {
		if v == 0 {
			b.Field(k).(*array.Int32Builder).AppendNull()
		} else {
			b.Field(k).(*array.Int32Builder).Append(v)
		}
	}
	for i, r := range recs {
		b.Field(0).(*array.Int32Builder).Append(int32(i))
		str(1, r.folded)
		str(2, r.folded)
		str(3, r.family)
		str(4, r.given)
		str(5, r.phonetic)
		i32(6, r.dob)
		i32(7, r.year)
		str(8, r.id)
		str(9, r.phone)
		i32(10, r.prov)
	}
	w, err := dataio.Create(path, schema)
	if err != nil {
		t.Fatal(err)
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}
