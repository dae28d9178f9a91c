package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dedup-vn/dedup/refdata"
)

// writeRefdata writes the two lookup tables the whole-pipeline peer
// (benchmarks/peer/e2e) joins, as a Splink user would load reference data
// into DuckDB: provinces.csv (name, province_2025: every old and 2025
// province's name, full name and aliases, with the 2025 province it is or
// merged into) and cmnd.csv (cccd_prefix, cmnd_prefix: the 9-digit CMND
// prefixes issued in the province of each 3-digit CCCD code). The peer
// folds the names itself, with the SQL it folds addresses with.
func writeRefdata(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	rd := refdata.Get()
	var prov [][]string
	for _, p := range rd.ProvincesOld {
		for _, n := range append([]string{p.Name, p.FullName}, p.Aliases...) {
			prov = append(prov, []string{n, p.NewCode})
		}
	}
	for _, p := range rd.ProvincesNew {
		for _, n := range append([]string{p.Name, p.FullName}, p.Aliases...) {
			prov = append(prov, []string{n, p.Code})
		}
	}
	var cmnd [][]string
	for _, is := range rd.CMNDIssuers() {
		if p := rd.ProvincesOld[is.Province].CCCDPrefix; len(p) == 3 {
			cmnd = append(cmnd, []string{p, is.Prefix})
		}
	}
	if err := writeCSV(filepath.Join(dir, "provinces.csv"), []string{"name", "province_2025"}, prov); err != nil {
		return err
	}
	return writeCSV(filepath.Join(dir, "cmnd.csv"), []string{"cccd_prefix", "cmnd_prefix"}, cmnd)
}

// writeCSV writes header and rows to path whole (temp file and rename).
func writeCSV(path string, header []string, rows [][]string) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	_ = w.Write(header)
	_ = w.WriteAll(rows) // WriteAll flushes; its error is w.Error()
	if err := w.Error(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
