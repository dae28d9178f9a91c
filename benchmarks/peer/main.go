// Command peer runs dedup's default blocking rules and the Jaro-Winkler
// similarity of the folded names in DuckDB (the engine under Splink), over
// the normalized records written by benchmarks/export, and prints its
// figures as one JSON object. It is a separate module so that the main
// dedup binary needs no cgo.
//
// What it computes is documented in benchmarks/README.md: per rule the
// candidate pairs (full blocks up to max_block_size records; larger blocks
// capped with a sorted-neighbourhood window on the first eight bytes of the
// folded name, then row), every pair kept once under the first rule that
// produces it, and jaro_winkler_similarity(folded_a, folded_b) for each.
package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/dedup-vn/dedup/benchmarks/peer/internal/peerrules"
)

// result is the JSON printed on stdout.
type result struct {
	Engine        string             `json:"engine"`
	Threads       int                `json:"threads"`
	Records       int64              `json:"records"`
	PairsPerRule  map[string]int64   `json:"pairs_per_rule"`
	Pairs         int64              `json:"pairs"`
	SumJW         float64            `json:"sum_jw"`
	PairsJW088    int64              `json:"pairs_jw_ge_0_88"`
	Seconds       map[string]float64 `json:"seconds"`
	SecondsTotal  float64            `json:"seconds_total"`
	MaxBlockSize  int                `json:"max_block_size"`
	Window        int                `json:"window"`
	DuckDBVersion string             `json:"duckdb_version"`
}

func main() {
	in := flag.String("in", "", "normalized records (Parquet from benchmarks/export)")
	threads := flag.Int("threads", 0, "DuckDB threads (0: DuckDB's default, all cores)")
	maxBlock := flag.Int("max-block-size", 1000, "largest block enumerated in full")
	window := flag.Int("window", 20, "sorted-neighbourhood window of a capped block")
	memLimit := flag.String("memory-limit", "", "DuckDB memory_limit (e.g. 8GB); empty: DuckDB's default")
	flag.BoolVar(&verbose, "verbose", false, "print each statement's time on stderr")
	rulesSpec := flag.String("rules", "", "blocking rules as printed by `export --rules` (required)")
	flag.Parse()
	if *in == "" || *rulesSpec == "" {
		fmt.Fprintln(os.Stderr, "usage: peer --in normalized.parquet --rules \"$(export --rules)\"")
		os.Exit(2)
	}
	rules, err := peerrules.Parse(*rulesSpec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
	res, err := run(*in, rules, *threads, *maxBlock, *window, *memLimit)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "peer:", err)
		os.Exit(1)
	}
}

// verbose prints each statement's time on stderr.
var verbose bool

// execTimed runs one statement, timing it when verbose.
func execTimed(db *sql.DB, name, q string) error {
	t0 := time.Now()
	_, err := db.Exec(q)
	if verbose {
		fmt.Fprintf(os.Stderr, "%-10s %.3f s\n", name, time.Since(t0).Seconds())
	}
	return err
}

func run(in string, rules []peerrules.Rule, threads, maxBlock, window int, memLimit string) (*result, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// One connection: settings and temp tables live in it.
	db.SetMaxOpenConns(1)
	res := &result{Engine: "duckdb", PairsPerRule: map[string]int64{}, Seconds: map[string]float64{}, MaxBlockSize: maxBlock, Window: window}
	if err := db.QueryRow("SELECT version()").Scan(&res.DuckDBVersion); err != nil {
		return nil, err
	}
	if threads > 0 {
		if _, err := db.Exec(fmt.Sprintf("SET threads = %d", threads)); err != nil {
			return nil, err
		}
	}
	if memLimit != "" {
		if _, err := db.Exec(fmt.Sprintf("SET memory_limit = '%s'", strings.ReplaceAll(memLimit, "'", ""))); err != nil {
			return nil, err
		}
	}
	if err := db.QueryRow("SELECT current_setting('threads')").Scan(&res.Threads); err != nil {
		return nil, err
	}
	start := time.Now()
	stage := func(name string, t0 time.Time) { res.Seconds[name] = time.Since(t0).Seconds() }

	t0 := time.Now()
	if _, err := db.Exec(fmt.Sprintf(`CREATE TEMP TABLE r AS
		SELECT * FROM read_parquet('%s')`, strings.ReplaceAll(in, "'", "''"))); err != nil {
		return nil, err
	}
	stage("load", t0)
	if err := db.QueryRow("SELECT count(*) FROM r").Scan(&res.Records); err != nil {
		return nil, err
	}

	// Per rule: the rows that have a key, their block and block size, and
	// for capped blocks the position by (first 8 bytes of folded, row).
	t0 = time.Now()
	var unions []string
	for k, ru := range rules {
		var notNull []string
		for _, c := range ru.Keys {
			notNull = append(notNull, c+" IS NOT NULL")
		}
		keys := strings.Join(ru.Keys, ", ")
		// Keyed records with their block size; singletons go at once. (A
		// hash aggregate joined back is faster in DuckDB than
		// count(*) OVER (PARTITION BY ...), which sorts.)
		q := fmt.Sprintf(`CREATE TEMP TABLE k%[1]d AS
			SELECT r.row, %[4]s, substr(r.folded, 1, 8) AS sec, g.bsize
			FROM r JOIN (SELECT %[2]s, count(*) AS bsize FROM r WHERE %[3]s GROUP BY %[2]s HAVING count(*) >= 2) g
			USING (%[2]s)`, k, keys, strings.Join(notNull, " AND "), "r."+strings.Join(ru.Keys, ", r."))
		if err := execTimed(db, fmt.Sprintf("keys %d", k), q); err != nil {
			return nil, fmt.Errorf("rule %s keys: %w", ru.Name, err)
		}
		var on []string
		for _, c := range ru.Keys {
			on = append(on, fmt.Sprintf("a.%[1]s = b.%[1]s", c))
		}
		// Full blocks: every pair. Capped blocks: positions by (first 8
		// bytes of folded, row) are numbered only there, and each record is
		// paired with the next window records, joined on equality (key,
		// pos + d) so that a large block never makes a quadratic join.
		unions = append(unions, fmt.Sprintf(`SELECT a.row AS l, b.row AS rr, %[1]d AS rule
			FROM (SELECT * FROM k%[1]d WHERE bsize <= %[3]d) a
			JOIN (SELECT * FROM k%[1]d WHERE bsize <= %[3]d) b ON %[2]s AND a.row < b.row`,
			k, strings.Join(on, " AND "), maxBlock))
		unions = append(unions, fmt.Sprintf(`SELECT least(a.row, b.row) AS l, greatest(a.row, b.row) AS rr, %[1]d AS rule
			FROM (SELECT * FROM c%[1]d, range(1, %[3]d + 1) t(d)) a
			JOIN c%[1]d b ON %[2]s AND b.pos = a.pos + a.d`, k, strings.Join(on, " AND "), window))
		q = fmt.Sprintf(`CREATE TEMP TABLE c%[1]d AS
			SELECT row, %[2]s, row_number() OVER (PARTITION BY %[2]s ORDER BY sec, row) AS pos
			FROM k%[1]d WHERE bsize > %[3]d`, k, keys, maxBlock)
		if err := execTimed(db, fmt.Sprintf("capped %d", k), q); err != nil {
			return nil, fmt.Errorf("rule %s capped blocks: %w", ru.Name, err)
		}
	}
	// A pair is kept once, under the first rule that produces it.
	if err := execTimed(db, "pairs", `CREATE TEMP TABLE pairs AS
		SELECT l, rr, min(rule) AS rule FROM (`+strings.Join(unions, "\nUNION ALL\n")+`) GROUP BY l, rr`); err != nil {
		return nil, fmt.Errorf("pairs: %w", err)
	}
	stage("block", t0)

	t0 = time.Now()
	if err := db.QueryRow(`SELECT count(*), coalesce(sum(jw), 0), count(*) FILTER (WHERE jw >= 0.88) FROM (
		SELECT jaro_winkler_similarity(a.folded, b.folded) AS jw
		FROM pairs p JOIN r a ON a.row = p.l JOIN r b ON b.row = p.rr)`).Scan(&res.Pairs, &res.SumJW, &res.PairsJW088); err != nil {
		return nil, fmt.Errorf("score: %w", err)
	}
	stage("score", t0)
	res.SecondsTotal = time.Since(start).Seconds()

	if res.PairsPerRule, err = peerrules.CountPerRule(db, "pairs", rules); err != nil {
		return nil, err
	}
	return res, nil
}
