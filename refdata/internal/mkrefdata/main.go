// Command mkrefdata turns the reference facts in ../shared/data/vn into the
// compact CSV tables that package refdata embeds. It keeps only the columns
// the engine uses, checks the cross-references between tables, and writes
// the files in a stable order so that a rerun gives the same bytes.
//
// Run it through `go generate ./refdata` (or `make refdata`).
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// table names a source file and the columns kept from it, in output order.
type table struct {
	src     string
	dst     string
	columns []string
	sortBy  int // index into columns of the key that orders the output; -1 keeps the source order
}

var tables = []table{
	{"provinces_pre2025.csv", "provinces_pre2025.csv", []string{"code", "name", "full_name", "type", "name_en", "cccd_prefix", "new_code_2025", "aliases"}, 0},
	{"provinces_2025.csv", "provinces_2025.csv", []string{"code", "name", "full_name", "type", "name_en", "old_codes", "aliases"}, 0},
	{"districts_pre2025.csv", "districts_pre2025.csv", []string{"code", "name", "full_name", "type", "province_code"}, 0},
	{"wards_pre2025.csv", "wards_pre2025.csv", []string{"code", "name", "full_name", "type", "district_code", "province_code"}, 0},
	{"wards_2025.csv", "wards_2025.csv", []string{"code", "name", "full_name", "type", "province_code"}, 0},
	{"ward_mapping_2025.csv", "ward_mapping_2025.csv", []string{"old_ward_code", "old_district_code", "old_province_code", "new_ward_code", "new_province_code", "merge_type"}, -1},
	{"province_aliases.csv", "province_aliases.csv", []string{"alias", "province_code_pre2025", "province_code_2025", "kind", "ambiguous", "other_candidate_codes"}, -1},
	{"address_abbreviations.csv", "address_abbreviations.csv", []string{"abbreviation", "expansion", "level"}, -1},
	{"historical_provinces.csv", "historical_provinces.csv", []string{"former_name", "successor_codes_pre2025"}, -1},
	{"surnames.csv", "surnames.csv", []string{"surname", "national_share_percent", "sample_share_percent", "variants"}, -1},
	{"middle_names.csv", "middle_names.csv", []string{"middle_name", "share_of_persons_percent", "gender_hint"}, -1},
	{"given_names.csv", "given_names.csv", []string{"given_name", "share_of_persons_percent", "in_boy_name_list", "in_girl_name_list"}, -1},
	{"name_variants.csv", "name_variants.csv", []string{"form_a", "form_b", "applies_to"}, -1},
	{"mobile_prefixes.csv", "mobile_prefixes.csv", []string{"prefix", "carrier", "old_prefix_11_digit", "kind"}, -1},
	{"cccd_century_gender_codes.csv", "cccd_century_gender_codes.csv", []string{"digit", "gender", "birth_year_from", "birth_year_to"}, -1},
	{"cmnd_prefixes_partial.csv", "cmnd_prefixes.csv", []string{"cmnd_prefix", "issuing_province"}, -1},
	{"vietnamese_legacy_encodings.csv", "legacy_encodings.csv", []string{"char", "tcvn3_abc_byte", "tcvn5712_vn1_byte", "vni_windows_bytes", "viqr", "cp1258_bytes", "viscii_byte"}, -1},
	{"sim_registration_rules.csv", "sim_rules.csv", []string{"rule_id", "rule", "value", "legal_basis", "confidence"}, -1},
}

func main() {
	src := flag.String("src", "../../shared/data/vn", "folder with the shared Vietnamese reference CSVs")
	dst := flag.String("dst", "data", "folder to write the embedded tables into")
	flag.Parse()
	loaded := map[string][][]string{}
	for _, t := range tables {
		rows, err := extract(filepath.Join(*src, t.src), t)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mkrefdata:", err)
			os.Exit(1)
		}
		loaded[t.dst] = rows
	}
	if err := check(loaded); err != nil {
		fmt.Fprintln(os.Stderr, "mkrefdata: check failed:", err)
		os.Exit(1)
	}
	for _, t := range tables {
		if err := write(filepath.Join(*dst, t.dst), t.columns, loaded[t.dst]); err != nil {
			fmt.Fprintln(os.Stderr, "mkrefdata:", err)
			os.Exit(1)
		}
	}
}

func extract(path string, t table) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	all, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	index := map[string]int{}
	for i, h := range all[0] {
		index[strings.TrimPrefix(h, "\ufeff")] = i
	}
	cols := make([]int, len(t.columns))
	for i, c := range t.columns {
		j, ok := index[c]
		if !ok {
			return nil, fmt.Errorf("%s: missing column %q", path, c)
		}
		cols[i] = j
	}
	var out [][]string
	for _, rec := range all[1:] {
		row := make([]string, len(cols))
		for i, j := range cols {
			row[i] = strings.Join(strings.Fields(rec[j]), " ")
		}
		out = append(out, row)
	}
	if t.sortBy >= 0 {
		sort.SliceStable(out, func(a, b int) bool { return out[a][t.sortBy] < out[b][t.sortBy] })
	}
	return out, nil
}

// check verifies the cross-references the engine relies on: every ward and
// district names a known parent, and the old→new mapping covers both lists.
func check(t map[string][][]string) error {
	set := func(name string, col int) map[string]bool {
		m := map[string]bool{}
		for _, r := range t[name] {
			m[r[col]] = true
		}
		return m
	}
	oldProv, newProv := set("provinces_pre2025.csv", 0), set("provinces_2025.csv", 0)
	districts, oldWards, newWards := set("districts_pre2025.csv", 0), set("wards_pre2025.csv", 0), set("wards_2025.csv", 0)
	if len(oldProv) != 63 || len(newProv) != 34 {
		return fmt.Errorf("province counts %d/%d, want 63/34", len(oldProv), len(newProv))
	}
	for _, r := range t["districts_pre2025.csv"] {
		if !oldProv[r[4]] {
			return fmt.Errorf("district %s names unknown province %s", r[0], r[4])
		}
	}
	for _, r := range t["wards_pre2025.csv"] {
		if !districts[r[4]] || !oldProv[r[5]] {
			return fmt.Errorf("old ward %s names unknown district/province", r[0])
		}
	}
	for _, r := range t["wards_2025.csv"] {
		if !newProv[r[4]] {
			return fmt.Errorf("new ward %s names unknown province %s", r[0], r[4])
		}
	}
	mappedOld, mappedNew := map[string]bool{}, map[string]bool{}
	for _, r := range t["ward_mapping_2025.csv"] {
		if r[0] != "" && !oldWards[r[0]] {
			return fmt.Errorf("mapping names unknown old ward %s", r[0])
		}
		if !newWards[r[3]] {
			return fmt.Errorf("mapping names unknown new ward %s", r[3])
		}
		mappedOld[r[0]], mappedNew[r[3]] = true, true
	}
	for w := range oldWards {
		if !mappedOld[w] {
			return fmt.Errorf("old ward %s has no 2025 mapping", w)
		}
	}
	for w := range newWards {
		if !mappedNew[w] {
			return fmt.Errorf("new ward %s has no old ward", w)
		}
	}
	return nil
}

func write(path string, header []string, rows [][]string) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
