// Package peerrules holds what both DuckDB peers (benchmarks/peer and
// benchmarks/peer/e2e) do with blocking rules: read them as
// benchmarks/export --rules prints them, and count a pairs table's pairs
// per rule.
package peerrules

import (
	"database/sql"
	"fmt"
	"strings"
)

// Rule is one blocking rule: its name and key columns of the exported
// file (k_<field>__<part>).
type Rule struct {
	Name string
	Keys []string
}

// Parse reads NAME=COL,COL;NAME=COL... as printed by benchmarks/export
// --rules: the config's rules in order, as columns of the exported file,
// which hold the key parts with NULL where a part is empty (a record with
// any part missing has no key, as in the pipeline).
func Parse(spec string) ([]Rule, error) {
	var rs []Rule
	for _, r := range strings.Split(spec, ";") {
		name, cols, ok := strings.Cut(r, "=")
		if !ok || name == "" || cols == "" {
			return nil, fmt.Errorf("rules: %q is not NAME=COL,COL", r)
		}
		keys := strings.Split(cols, ",")
		for _, k := range keys {
			// Column names go into SQL: allow only what export writes.
			for _, c := range k {
				if !(c == '_' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
					return nil, fmt.Errorf("rules: column %q: only [a-z0-9_]", k)
				}
			}
		}
		rs = append(rs, Rule{name, keys})
	}
	return rs, nil
}

// CountPerRule counts the rows of table by its rule column (the index of
// the rule in rules), keyed by rule name.
func CountPerRule(db *sql.DB, table string, rules []Rule) (map[string]int64, error) {
	rows, err := db.Query("SELECT rule, count(*) FROM " + table + " GROUP BY rule ORDER BY rule")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k int
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		if k < 0 || k >= len(rules) {
			return nil, fmt.Errorf("%s: rule %d of %d", table, k, len(rules))
		}
		out[rules[k].Name] = n
	}
	return out, rows.Err()
}
