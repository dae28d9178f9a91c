// Command e2e is the whole-pipeline peer: the job `dedup run --model M`
// does, written as the SQL Splink generates on DuckDB, on the raw register
// (benchmarks/README.md says exactly what it does and does not compute).
//
//	e2e --in 'gen/population/*.parquet' --model run/model.json \
//	    --refdata DIR --rules "$(export --rules)" --out DIR
//
// Stages, each one or more SQL statements, timed apart:
//
//   - clean: read the Parquet files and clean the fields as a Splink user
//     writes it in SQL (lower, strip accents, trim, collapse spaces; dates
//     parsed from their common layouts; phone and ID digits; the
//     address's comma parts and its province looked up in a province
//     table), one row per record (the table's rowid is the pairs' record id);
//   - tf: the term frequency of each folded name;
//   - block: the config's blocking rules, each a self-join on its key
//     columns with Splink's "not an earlier rule" condition, so a pair is
//     produced once, by its first rule (no block cap: Splink has none);
//   - score: the comparison levels of the dedup model as CASE expressions,
//     the level weights and prior of the model.json, and the term-frequency
//     adjustment log2(m / max(tf, tf_min)) on the exact name levels;
//   - cluster: connected components of the pairs at or above the
//     threshold by iterated SQL, as Splink's
//     cluster_pairwise_predictions_at_threshold does (each node takes the
//     least representative of its neighbours until none changes);
//   - write: clusters.parquet, pairs.parquet (pairs at or above
//     --pairs-min-weight) and a manifest.json that `dedup eval` accepts.
//
// It prints its figures as one JSON object on stdout.
package main

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/dedup-vn/dedup/benchmarks/peer/internal/peerrules"
)

// model is the part of a dedup model.json the peer reads.
type model struct {
	PriorWeight float64 `json:"prior_weight"`
	TFMin       float64 `json:"tf_min"`
	Comparisons []struct {
		Name   string `json:"name"`
		Levels []struct {
			Label  string  `json:"label"`
			M      float64 `json:"m"`
			Weight float64 `json:"weight"`
			TF     bool    `json:"tf"`
		} `json:"levels"`
	} `json:"comparisons"`
}

// result is the JSON printed on stdout.
type result struct {
	Engine        string             `json:"engine"`
	DuckDBVersion string             `json:"duckdb_version"`
	Threads       int                `json:"threads"`
	Records       int64              `json:"records"`
	PairsPerRule  map[string]int64   `json:"pairs_per_rule"`
	Pairs         int64              `json:"pairs"`
	PairsWritten  int64              `json:"pairs_written"`
	Accepted      int64              `json:"accepted"`
	Clusters      int64              `json:"clusters"`
	Iterations    int                `json:"cluster_iterations"`
	Seconds       map[string]float64 `json:"seconds"`
	SecondsTotal  float64            `json:"seconds_total"`
}

func main() {
	in := flag.String("in", "", "input Parquet files (a read_parquet glob, e.g. 'g/population/*.parquet')")
	modelPath := flag.String("model", "", "dedup model.json (weights and prior)")
	refDir := flag.String("refdata", "", "folder with provinces.csv and cmnd.csv (export --refdata)")
	rulesSpec := flag.String("rules", "", "blocking rules as printed by `export --rules`")
	out := flag.String("out", "", "output folder (clusters.parquet, pairs.parquet, manifest.json)")
	threads := flag.Int("threads", 0, "DuckDB threads (0: all cores)")
	memLimit := flag.String("memory-limit", "", "DuckDB memory_limit (e.g. 8GB); empty: DuckDB's default")
	refYear := flag.Int("reference-year", 2026, "two-digit years resolve to the latest year not after this")
	threshold := flag.Float64("threshold", 0, "match weight at or above which pairs are merged (0: probability 0.5)")
	pairsMin := flag.Float64("pairs-min-weight", -10, "pairs below this weight are not written")
	flag.BoolVar(&verbose, "verbose", false, "print each statement's time on stderr")
	flag.BoolVar(&explain, "explain", false, "print EXPLAIN ANALYZE of each single statement on stderr")
	agree := flag.String("agree", "", "compare two run folders, OURS,PEER (dedup run and e2e --out): print the pairs and co-clustered pairs of each and of both, and exit")
	flag.Parse()
	if *agree != "" {
		a, b, ok := strings.Cut(*agree, ",")
		if !ok {
			fmt.Fprintln(os.Stderr, "e2e: --agree OURS,PEER")
			os.Exit(2)
		}
		if err := agreement(a, b, *threshold); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			os.Exit(1)
		}
		return
	}
	if *in == "" || *modelPath == "" || *refDir == "" || *rulesSpec == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: e2e --in GLOB --model model.json --refdata DIR --rules SPEC --out DIR")
		os.Exit(2)
	}
	res, err := run(opts{*in, *modelPath, *refDir, *rulesSpec, *out, *threads, *memLimit, *refYear, *threshold, *pairsMin})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		os.Exit(1)
	}
}

type opts struct {
	in, model, refDir, rules, out string
	threads                       int
	memLimit                      string
	refYear                       int
	threshold, pairsMin           float64
}

var verbose, explain bool

// lit quotes s as an SQL string literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// fold is the SQL a Splink user folds Vietnamese text with: NFC, lower
// case, accents stripped (đ has no decomposition: replaced), dots as
// spaces, spaces collapsed and trimmed.
func fold(x string) string {
	return fmt.Sprintf(`nullif(trim(regexp_replace(replace(replace(strip_accents(lower(nfc_normalize(%s))), 'đ', 'd'), '.', ' '), '\s+', ' ', 'g')), '')`, x)
}

// partSQL maps the export's key-part columns (export --rules) to columns of
// the cleaned table: the blocking rules follow the config, and a part the
// peer cannot compute is an error rather than a silent difference.
var partSQL = map[string]string{
	"k_national_id":            "nid",
	"k_phone":                  "phone",
	"k_name":                   "folded",
	"k_name__family":           "family",
	"k_name__middle":           "middle",
	"k_name__given":            "given",
	"k_name__phonetic":         "phonetic",
	"k_dob":                    "dob",
	"k_dob__year":              "dy",
	"k_dob__year_month":        "dob_ym",
	"k_dob__year_day":          "dob_yd",
	"k_dob__month_day":         "dob_md",
	"k_dob__year_unordered":    "dob_yu",
	"k_gender":                 "gender",
	"k_address__province_2025": "province",
}

type rule struct {
	name string
	cols []string
}

// parseRules reads the rules of export --rules and maps their key parts to
// the cleaned table's columns.
func parseRules(spec string) ([]rule, []peerrules.Rule, error) {
	prs, err := peerrules.Parse(spec)
	if err != nil {
		return nil, nil, err
	}
	var rs []rule
	for _, pr := range prs {
		ru := rule{name: pr.Name}
		for _, k := range pr.Keys {
			c, ok := partSQL[k]
			if !ok {
				return nil, nil, fmt.Errorf("rules: rule %s: key part %s has no SQL cleaning in the peer", pr.Name, k)
			}
			ru.cols = append(ru.cols, c)
		}
		rs = append(rs, ru)
	}
	return rs, prs, nil
}

// expected lists, per comparison of the default config, the labels of the
// levels the peer's CASE expressions return by index; the model must agree.
var expected = map[string][]string{
	"name":        {"else", "jw>=0.8", "jw>=0.88", "jw>=0.95", "middle_name", "token_set", "variant_key", "exact_folded", "exact_canonical"},
	"dob":         {"else", "year", "year_month", "one_digit", "day_month_swap", "exact"},
	"gender":      {"else", "exact"},
	"national_id": {"else", "cross_differs", "cross_agrees", "one_digit", "exact"},
	"phone":       {"else", "exact"},
	"address":     {"else", "province_2025", "district_old", "ward_2025"},
}

// nameLevels is the name comparison's levels above the Jaro-Winkler bands,
// strongest first: canonical (accented) exact, folded exact, phonetic keys
// equal (for dedup's regional-variant key), same tokens in another order,
// family and given equal with the middles of one among the other's (or
// their initials), one edit apart with the same token count (dedup's
// one-token typo, given the top band); NULL below them, where nameJW and
// the bands take over (see the score stage). Cheap length tests guard the
// list sorts and edit distances, which DuckDB evaluates only on the rows
// that pass them.
const nameLevels = `CASE
		WHEN l.folded IS NULL OR r.folded IS NULL THEN -1
		WHEN l.canon = r.canon THEN 8
		WHEN l.folded = r.folded THEN 7
		WHEN l.phonetic = r.phonetic THEN 6
		WHEN length(l.folded) = length(r.folded) AND l.nt = r.nt AND list_sort(string_split(l.folded, ' ')) = list_sort(string_split(r.folded, ' ')) THEN 5
		WHEN l.nt >= 2 AND r.nt >= 2 AND l.family = r.family
			AND (l.given = r.given OR l.nt <> r.nt AND abs(length(l.given) - length(r.given)) <= 1 AND damerau_levenshtein(l.given, r.given) <= 1)
			AND CASE WHEN l.nt <= r.nt
				THEN list_has_all(list_concat(string_split(r.folded, ' ')[2:-2], list_transform(string_split(r.folded, ' ')[2:-2], x -> x[1])), string_split(l.folded, ' ')[2:-2])
				ELSE list_has_all(list_concat(string_split(l.folded, ' ')[2:-2], list_transform(string_split(l.folded, ' ')[2:-2], x -> x[1])), string_split(r.folded, ' ')[2:-2]) END THEN 4
		WHEN l.nt = r.nt AND abs(length(l.folded) - length(r.folded)) <= 1 AND damerau_levenshtein(l.folded, r.folded) <= 1 THEN 3
		END`

// nameJW is the similarity the name's bands test: the weaker of the
// full-name and given-name Jaro-Winkler, as dedup takes it (the given
// name's only when both names have two tokens or more and the given names
// are more than one edit apart). It is computed once, for the pairs below
// nameLevels, where Splink would write it out in each band's level.
const nameJW = `CASE WHEN lt >= 2 AND rt >= 2 AND lg <> rg AND (abs(length(lg) - length(rg)) > 1 OR damerau_levenshtein(lg, rg) > 1)
		THEN least(jaro_winkler_similarity(lf, rf), jaro_winkler_similarity(lg, rg))
		ELSE jaro_winkler_similarity(lf, rf) END`

// otherLevels is each other comparison's level as Splink's comparison
// levels write it: a CASE over the left (l) and right (r) records, -1 for
// null.
var otherLevels = map[string]string{
	// Dates packed yyyymmdd, 00 for an unknown month or day; partial dates
	// compare what both have.
	"dob": `CASE
		WHEN l.dob IS NULL OR r.dob IS NULL THEN -1
		WHEN l.dm = 0 OR r.dm = 0 THEN CASE WHEN l.dy = r.dy THEN 1 ELSE 0 END
		WHEN l.dd = 0 OR r.dd = 0 THEN CASE WHEN l.dy = r.dy AND l.dm = r.dm THEN 2 WHEN l.dy = r.dy THEN 1 ELSE 0 END
		WHEN l.dob = r.dob THEN 5
		WHEN l.dy = r.dy AND l.dm = r.dd AND l.dd = r.dm THEN 4
		WHEN hamming(lpad(l.dob::VARCHAR, 8, '0'), lpad(r.dob::VARCHAR, 8, '0')) = 1
			OR hamming(lpad(l.dob::VARCHAR, 8, '0'), lpad(r.dob::VARCHAR, 8, '0')) = 2
			AND damerau_levenshtein(lpad(l.dob::VARCHAR, 8, '0'), lpad(r.dob::VARCHAR, 8, '0')) = 1 THEN 3
		WHEN l.dy = r.dy AND l.dm = r.dm THEN 2
		WHEN l.dy = r.dy THEN 1
		ELSE 0 END`,
	"gender": `CASE WHEN l.gender IS NULL OR r.gender IS NULL THEN -1 WHEN l.gender = r.gender THEN 1 ELSE 0 END`,
	// A 9-digit CMND against a 12-digit CCCD: does the CMND's prefix belong
	// to the CCCD's province (the cmnd table, from refdata)?
	"national_id": `CASE
		WHEN l.nid IS NULL OR r.nid IS NULL THEN -1
		WHEN length(l.nid) = 9 AND length(r.nid) = 12 THEN
			CASE WHEN NOT r.cccd_known THEN -1 WHEN list_contains(l.cmnd_provs, r.nid[1:3]) THEN 2 ELSE 1 END
		WHEN length(l.nid) = 12 AND length(r.nid) = 9 THEN
			CASE WHEN NOT l.cccd_known THEN -1 WHEN list_contains(r.cmnd_provs, l.nid[1:3]) THEN 2 ELSE 1 END
		WHEN length(l.nid) <> length(r.nid) THEN 0
		WHEN l.nid = r.nid THEN 4
		WHEN hamming(l.nid, r.nid) = 1 OR hamming(l.nid, r.nid) = 2 AND damerau_levenshtein(l.nid, r.nid) = 1 THEN 3
		ELSE 0 END`,
	"phone": `CASE WHEN l.phone IS NULL OR r.phone IS NULL THEN -1 WHEN l.phone = r.phone THEN 1 ELSE 0 END`,
	// Address parts as written (no resolution of units): ward and province
	// equal, district and province equal, province equal.
	"address": `CASE
		WHEN l.province = r.province AND l.ward = r.ward THEN 3
		WHEN l.province = r.province AND l.district = r.district THEN 2
		WHEN l.province = r.province THEN 1
		WHEN l.province IS NOT NULL AND r.province IS NOT NULL THEN 0
		ELSE -1 END`,
}

func run(o opts) (*result, error) {
	var m model
	data, err := os.ReadFile(o.model)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", o.model, err)
	}
	for _, c := range m.Comparisons {
		want, ok := expected[c.Name]
		if !ok || len(want) != len(c.Levels) {
			return nil, fmt.Errorf("model comparison %s: the peer knows no such levels", c.Name)
		}
		for i, l := range c.Levels {
			if l.Label != want[i] {
				return nil, fmt.Errorf("model comparison %s level %d is %q, the peer computes %q", c.Name, i, l.Label, want[i])
			}
		}
	}
	rules, prs, err := parseRules(o.rules)
	if err != nil {
		return nil, err
	}

	db, err := sql.Open("duckdb", os.Getenv("E2E_DB")) // a file keeps the tables for study; default in memory
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // settings and temp tables live in one connection
	res := &result{Engine: "duckdb (Splink-style SQL)", PairsPerRule: map[string]int64{}, Seconds: map[string]float64{}}
	if err := db.QueryRow("SELECT version()").Scan(&res.DuckDBVersion); err != nil {
		return nil, err
	}
	if o.threads > 0 {
		if _, err := db.Exec(fmt.Sprintf("SET threads = %d", o.threads)); err != nil {
			return nil, err
		}
	}
	if o.memLimit != "" {
		if _, err := db.Exec("SET memory_limit = " + lit(o.memLimit)); err != nil {
			return nil, err
		}
	}
	if err := db.QueryRow("SELECT current_setting('threads')").Scan(&res.Threads); err != nil {
		return nil, err
	}
	exec := func(name, q string) error {
		if explain && strings.Count(strings.TrimSpace(q), ";") == 0 {
			var kind, plan string
			if err := db.QueryRow("EXPLAIN ANALYZE "+q).Scan(&kind, &plan); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			fmt.Fprintf(os.Stderr, "== %s\n%s\n", name, plan)
			if strings.HasPrefix(strings.TrimSpace(q), "CREATE") {
				return nil
			}
		}
		t0 := time.Now()
		_, err := db.Exec(q)
		if verbose {
			fmt.Fprintf(os.Stderr, "%-12s %.3f s\n", name, time.Since(t0).Seconds())
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	start := time.Now()
	t0 := start
	stage := func(name string) {
		res.Seconds[name] = time.Since(t0).Seconds()
		t0 = time.Now()
	}

	// clean
	if err := exec("refdata", fmt.Sprintf(`
		CREATE TABLE provinces AS
			SELECT n AS name, min(province_2025) AS code FROM (
				SELECT regexp_replace(%s, '^(tinh|thanh pho|tp) ', '') AS n, province_2025 FROM read_csv(%s, header = true, all_varchar = true))
			WHERE n IS NOT NULL GROUP BY n HAVING count(DISTINCT province_2025) = 1;
		CREATE TABLE cmnd AS SELECT * FROM read_csv(%s, header = true, all_varchar = true);`,
		fold("name"), lit(filepath.Join(o.refDir, "provinces.csv")), lit(filepath.Join(o.refDir, "cmnd.csv")))); err != nil {
		return nil, err
	}
	y2 := o.refYear % 100
	// Dates: the layouts in the register, by strptime; a two-digit year
	// (strptime's %Y reads it as year 84) is the latest year ending so not
	// after the reference year; a bare year is yyyy0000.
	if err := exec("clean", fmt.Sprintf(`
		CREATE TABLE r AS
		WITH c AS (
			SELECT record_id,
				nullif(regexp_replace(trim(lower(full_name)), '\s+', ' ', 'g'), '') AS canon,
				try_strptime(trim(date_of_birth), ['%%d/%%m/%%Y', '%%d.%%m.%%Y', '%%d-%%m-%%Y', '%%Y-%%m-%%d', '%%Y%%m%%d']) AS ts,
				CASE WHEN regexp_full_match(trim(date_of_birth), '\d{4}') THEN trim(date_of_birth)::INT END AS year_only,
				CASE WHEN lower(strip_accents(trim(gender))) IN ('nam', 'm', '1', 'nam gioi', 'male') THEN 'm'
					WHEN lower(strip_accents(trim(gender))) IN ('nu', 'f', '0', 'nu gioi', 'female') THEN 'f' END AS gender,
				nullif(regexp_replace(national_id, '[^0-9]', '', 'g'), '') AS nid,
				regexp_replace(phone, '[^0-9]', '', 'g') AS p,
				replace(strip_accents(lower(permanent_address)), 'đ', 'd') AS a
			FROM read_parquet(%[1]s) WHERE nullif(trim(record_id), '') IS NOT NULL),
		c2 AS (
			SELECT * EXCLUDE (ts, year_only, p, a),
				replace(strip_accents(canon), 'đ', 'd') AS folded,
				CASE WHEN ts IS NOT NULL THEN
					(CASE WHEN year(ts) >= 100 THEN year(ts) WHEN year(ts) <= %[3]d THEN 2000 + year(ts) ELSE 1900 + year(ts) END) * 10000
						+ month(ts) * 100 + day(ts)
					WHEN year_only BETWEEN 1800 AND %[4]d THEN year_only * 10000 END AS dob,
				CASE WHEN length(p) IN (11, 12) AND starts_with(p, '84') THEN '0' || p[3:] ELSE nullif(p, '') END AS phone,
				regexp_replace(trim(regexp_extract(a, '[^,]*$')), '^(tinh|thanh pho|tp)[ .]+', '') AS pname,
				nullif(regexp_extract(a, '(?:^|,)\s*(?:xa|phuong|thi tran|x|p|tt)[ .]+([^,]*)', 1), '') AS ward,
				nullif(regexp_extract(a, ',\s*(?:huyen|quan|thi xa|thanh pho|h|q|tx|tp)[ .]+([^,]*),[^,]*$', 1), '') AS district
			FROM c)
		SELECT c2.* EXCLUDE (pname),
			split_part(folded, ' ', 1) AS family,
			nullif(regexp_extract(folded, ' ([^ ]+)$', 1), '') AS given,
			nullif(regexp_extract(folded, '^[^ ]+ (.+) [^ ]+$', 1), '') AS middle,
			regexp_replace(regexp_replace(regexp_replace(folded, '(^| )ngh', '\1ng', 'g'), '(^| )gh', '\1g', 'g'), '(^| )[kq]', '\1c', 'g') AS phonetic,
			dob // 10000 AS dy, (dob // 100 %% 100)::TINYINT AS dm, (dob %% 100)::TINYINT AS dd,
			length(folded) - length(replace(folded, ' ', '')) + 1 AS nt,
			CASE WHEN dob // 100 %% 100 > 0 THEN dob // 100 END AS dob_ym,
			CASE WHEN dob %% 100 > 0 THEN dob // 10000 * 100 + dob %% 100 END AS dob_yd,
			CASE WHEN dob %% 100 > 0 THEN dob %% 10000 END AS dob_md,
			CASE WHEN dob %% 100 > 0 THEN dob // 10000 * 10000 + least(dob // 100 %% 100, dob %% 100) * 100 + greatest(dob // 100 %% 100, dob %% 100) END AS dob_yu,
			CASE WHEN length(nid) = 9 THEN list_concat(m2.provs, m3.provs) END AS cmnd_provs,
			length(nid) = 12 AND k.cccd_prefix IS NOT NULL AS cccd_known,
			pv.code AS province
		FROM c2
		LEFT JOIN provinces pv ON pv.name = c2.pname
		LEFT JOIN (SELECT DISTINCT cccd_prefix FROM cmnd) k ON k.cccd_prefix = c2.nid[1:3]
		LEFT JOIN (SELECT cmnd_prefix, list(cccd_prefix) AS provs FROM cmnd GROUP BY ALL) m2 ON m2.cmnd_prefix = c2.nid[1:2]
		LEFT JOIN (SELECT cmnd_prefix, list(cccd_prefix) AS provs FROM cmnd GROUP BY ALL) m3 ON m3.cmnd_prefix = c2.nid[1:3]`,
		lit(o.in), "", y2, o.refYear)); err != nil {
		return nil, err
	}
	if err := db.QueryRow("SELECT count(*) FROM r").Scan(&res.Records); err != nil {
		return nil, err
	}
	stage("clean")

	// tf: Splink's tf table, the share of each folded name among the
	// records that have one.
	if err := exec("tf", `CREATE TABLE tf_name AS
		SELECT folded, count(*) / sum(count(*)) OVER () AS tf FROM r WHERE folded IS NOT NULL GROUP BY folded`); err != nil {
		return nil, err
	}
	stage("tf")

	// block: Splink's blocked pairs, each rule excluding the pairs an
	// earlier rule produces.
	var unions, earlier []string
	for k, ru := range rules {
		var on []string
		for _, c := range ru.cols {
			on = append(on, fmt.Sprintf("l.%[1]s = r.%[1]s", c))
		}
		cond := "(" + strings.Join(on, " AND ") + ")"
		q := fmt.Sprintf("SELECT l.rowid AS l, r.rowid AS rr, %d AS rule FROM r AS l JOIN r AS r ON %s WHERE l.rowid < r.rowid", k, cond)
		for _, e := range earlier {
			q += " AND NOT coalesce(" + e + ", false)"
		}
		unions = append(unions, q)
		earlier = append(earlier, cond)
	}
	if err := exec("block", "CREATE TABLE pairs AS "+strings.Join(unions, "\nUNION ALL\n")); err != nil {
		return nil, err
	}
	stage("block")

	// score: each comparison's level, then the name's bands where its CASE
	// gave none, and the match weight. Token lists are made inside the
	// levels that need them, for the pairs that reach those levels.
	var lv, wsum, levelCols []string
	for _, c := range m.Comparisons {
		levelCols = append(levelCols, c.Name+"_level")
		if c.Name != "name" {
			lv = append(lv, fmt.Sprintf("(%s)::TINYINT AS %s_level", otherLevels[c.Name], c.Name))
		}
		var cs []string
		for i, l := range c.Levels {
			w := fmt.Sprintf("%.17g", l.Weight)
			if l.TF && c.Name == "name" {
				// dedup's adjustment: u replaced by the value's frequency.
				w = fmt.Sprintf("log2(%.17g / greatest(coalesce(tf, 0), %.17g))", l.M, m.TFMin)
			}
			cs = append(cs, fmt.Sprintf("WHEN %d THEN %s", i, w))
		}
		wsum = append(wsum, fmt.Sprintf("CASE %s_level %s ELSE 0 END", c.Name, strings.Join(cs, " ")))
	}
	if err := exec("score", fmt.Sprintf(`CREATE TABLE scored AS
		WITH v0 AS (
			SELECT p.l, p.rr, p.rule, t.tf, (%[1]s)::TINYINT AS name_pre,
				l.folded AS lf, r.folded AS rf, l.given AS lg, r.given AS rg, l.nt AS lt, r.nt AS rt,
				%[2]s
			FROM pairs p JOIN r AS l ON l.rowid = p.l JOIN r AS r ON r.rowid = p.rr
			LEFT JOIN tf_name t ON t.folded = l.folded),
		v1 AS (SELECT *, CASE WHEN name_pre IS NULL THEN %[3]s END AS jw FROM v0),
		v AS (SELECT *, coalesce(name_pre, CASE WHEN jw >= 0.95 THEN 3 WHEN jw >= 0.88 THEN 2 WHEN jw >= 0.80 THEN 1 ELSE 0 END)::TINYINT AS name_level FROM v1)
		SELECT l, rr, rule, %[4]s, %.17[5]g + %[6]s AS match_weight FROM v`,
		nameLevels, strings.Join(lv, ",\n"), nameJW, strings.Join(levelCols, ", "), m.PriorWeight, strings.Join(wsum, " + "))); err != nil {
		return nil, err
	}
	stage("score")

	// cluster: Splink's connected components. Neighbours are the accepted
	// edges both ways plus each node to itself; every node starts as its
	// own representative and takes its neighbours' least until stable.
	if err := exec("cluster0", fmt.Sprintf(`
		CREATE TABLE nb AS
			SELECT l AS node, rr AS nbr FROM scored WHERE match_weight >= %[1]g
			UNION ALL SELECT rr, l FROM scored WHERE match_weight >= %[1]g;
		CREATE TABLE rep AS SELECT node, least(node, min(nbr)) AS rep FROM nb GROUP BY node;`, o.threshold)); err != nil {
		return nil, err
	}
	for {
		res.Iterations++
		if err := exec("cluster", `CREATE OR REPLACE TABLE rep2 AS
			SELECT n.node, least(min(x.rep), any_value(s.rep)) AS rep
			FROM nb n JOIN rep x ON x.node = n.nbr JOIN rep s ON s.node = n.node GROUP BY n.node`); err != nil {
			return nil, err
		}
		var changed int64
		if err := db.QueryRow(`SELECT count(*) FROM rep2 JOIN rep USING (node) WHERE rep2.rep <> rep.rep`).Scan(&changed); err != nil {
			return nil, err
		}
		if err := exec("cluster", "DROP TABLE rep; ALTER TABLE rep2 RENAME TO rep"); err != nil {
			return nil, err
		}
		if changed == 0 || res.Iterations > 100 {
			break
		}
	}
	stage("cluster")

	// write
	if err := os.MkdirAll(o.out, 0o700); err != nil {
		return nil, err
	}
	_ = os.Remove(filepath.Join(o.out, "manifest.json"))
	clusters, pairsOut := filepath.Join(o.out, "clusters.parquet"), filepath.Join(o.out, "pairs.parquet")
	var rn []string
	for _, ru := range rules {
		rn = append(rn, lit(ru.name))
	}
	var lvSel []string
	for _, c := range levelCols {
		lvSel = append(lvSel, "s."+c)
	}
	if err := exec("write", fmt.Sprintf(`
		COPY (SELECT r.record_id, 'population' AS source, coalesce(c.record_id, r.record_id) AS cluster_id
			FROM r LEFT JOIN rep ON rep.node = r.rowid LEFT JOIN r AS c ON c.rowid = rep.rep)
			TO %[1]s (FORMAT parquet, COMPRESSION zstd);
		COPY (SELECT a.record_id AS left_id, b.record_id AS right_id, 'population' AS left_source, 'population' AS right_source,
				[%[3]s][s.rule + 1] AS blocking_rule, %[4]s, s.match_weight,
				pow(2, s.match_weight) / (1 + pow(2, s.match_weight)) AS match_probability
			FROM scored s JOIN r a ON a.rowid = s.l JOIN r b ON b.rowid = s.rr WHERE s.match_weight >= %[5]g)
			TO %[2]s (FORMAT parquet, COMPRESSION zstd);`,
		lit(clusters+".tmp"), lit(pairsOut+".tmp"), strings.Join(rn, ", "), strings.Join(lvSel, ", "), o.pairsMin)); err != nil {
		return nil, err
	}
	for _, f := range []string{clusters, pairsOut} {
		if err := os.Chmod(f+".tmp", 0o600); err != nil {
			return nil, err
		}
		if err := os.Rename(f+".tmp", f); err != nil {
			return nil, err
		}
	}
	p := 1 / (1 + math.Pow(2, -o.threshold))
	man := fmt.Sprintf(`{"tool": "dedup-benchmarks-peer-e2e", "mode": "dedupe", "rows_in": %d, "rows_clustered": %d, "threshold": {"match_weight": %g, "match_probability": %g}}`+"\n",
		res.Records, res.Records, o.threshold, p)
	if err := os.WriteFile(filepath.Join(o.out, "manifest.json"), []byte(man), 0o600); err != nil {
		return nil, err
	}
	stage("write")
	res.SecondsTotal = time.Since(start).Seconds()

	q := `SELECT (SELECT count(*) FROM scored), (SELECT count(*) FROM scored WHERE match_weight >= ?),
		(SELECT count(*) FROM scored WHERE match_weight >= ?),
		(SELECT count(DISTINCT cluster_id) FROM read_parquet(?))`
	if err := db.QueryRow(q, o.pairsMin, o.threshold, clusters).Scan(&res.Pairs, &res.PairsWritten, &res.Accepted, &res.Clusters); err != nil {
		return nil, err
	}
	if res.PairsPerRule, err = peerrules.CountPerRule(db, "pairs", prs); err != nil {
		return nil, err
	}
	return res, nil
}

// agreement prints, as JSON, how far two run folders agree: the pairs each
// accepted (pairs.parquet at or above the threshold weight) and the pairs
// each put in one cluster (clusters.parquet), with the counts in both.
func agreement(ours, peer string, threshold float64) error {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	pairs := func(dir string) string {
		return fmt.Sprintf(`SELECT DISTINCT least(left_id, right_id) AS a, greatest(left_id, right_id) AS b
			FROM read_parquet(%s) WHERE match_weight >= %g`, lit(filepath.Join(dir, "pairs.parquet")), threshold)
	}
	co := func(dir string) string {
		f := lit(filepath.Join(dir, "clusters.parquet"))
		return fmt.Sprintf(`SELECT x.record_id AS a, y.record_id AS b FROM read_parquet(%[1]s) x
			JOIN read_parquet(%[1]s) y ON x.cluster_id = y.cluster_id AND x.record_id < y.record_id`, f)
	}
	var r struct {
		AcceptedOurs, AcceptedPeer, AcceptedBoth          int64
		CoClusteredOurs, CoClusteredPeer, CoClusteredBoth int64
	}
	q := fmt.Sprintf(`WITH po AS (%s), pp AS (%s), co AS (%s), cp AS (%s)
		SELECT (SELECT count(*) FROM po), (SELECT count(*) FROM pp), (SELECT count(*) FROM po JOIN pp USING (a, b)),
			(SELECT count(*) FROM co), (SELECT count(*) FROM cp), (SELECT count(*) FROM co JOIN cp USING (a, b))`,
		pairs(ours), pairs(peer), co(ours), co(peer))
	if err := db.QueryRow(q).Scan(&r.AcceptedOurs, &r.AcceptedPeer, &r.AcceptedBoth, &r.CoClusteredOurs, &r.CoClusteredPeer, &r.CoClusteredBoth); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]int64{
		"accepted_pairs_ours": r.AcceptedOurs, "accepted_pairs_peer": r.AcceptedPeer, "accepted_pairs_both": r.AcceptedBoth,
		"coclustered_pairs_ours": r.CoClusteredOurs, "coclustered_pairs_peer": r.CoClusteredPeer, "coclustered_pairs_both": r.CoClusteredBoth,
	})
}
