package report

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

// maxOverLimitRows is how many over-limit ID numbers the page lists (the
// most SIMs first); the count of all of them is shown too.
const maxOverLimitRows = 50

// Verify is the verification section: verdicts per carrier and the ID
// numbers holding more SIMs than the limit.
//
// `dedup verify` is built alongside this package, so its files are read
// leniently: summary.json may give per-carrier verdicts as
// {"by_carrier": {"viettel": {"match": 10, ...}}} or as a list of
// {"carrier", "verdicts": {...}} or {"carrier", "verdict", "count"}
// objects (keys by_carrier, carriers or verdicts_by_carrier), and the
// over-limit IDs as a list of {"id"|"national_id"|"id_number", "sims"|
// "subscriptions"|"count", "carriers"} (keys ids_over_limit, over_limit,
// over_sim_limit) with sim_limit or limit, or the count alone with the
// IDs in ids.parquet (national_id, total, per_carrier: what dedup verify
// writes), and "limits" as [{rule, scope, max}]; its other top-level numbers
// and strings are listed as they are. What the summary lacks is counted
// from verdicts.parquet (carrier, verdict columns) and ids.parquet (an ID
// column, a SIM count column and optionally over_limit).
type Verify struct {
	Dir            string
	Facts          []Fact // top-level scalars of summary.json
	Verdicts       []string
	Carriers       []CarrierVerdicts
	Limit          int64
	Limits         string        // summary.json "limits": rule, max and scope of each
	OverLimit      []OverLimitID // masked unless ShowPII
	OverLimitTotal int64
}

// Fact is one top-level scalar of summary.json.
type Fact struct{ Key, Value string }

// CarrierVerdicts counts the verdicts of one carrier, in Verify.Verdicts
// order.
type CarrierVerdicts struct {
	Carrier string
	Counts  []int64
	Total   int64
}

// OverLimitID is an ID number holding more SIMs than the limit.
type OverLimitID struct {
	ID       string
	SIMs     int64
	Carriers string
}

// loadVerify reads a verify output folder; nil when it holds none.
func loadVerify(dir string, showPII bool) (*Verify, error) {
	sp, vp, ip := filepath.Join(dir, runfolder.FileVerifySummary), filepath.Join(dir, runfolder.FileVerdicts), filepath.Join(dir, runfolder.FileVerifyIDs)
	if !exists(sp) && !exists(vp) && !exists(ip) {
		return nil, nil
	}
	v := &Verify{Dir: dir}
	counts := map[string]map[string]int64{} // carrier → verdict → n
	haveOver := false
	if exists(sp) {
		data, err := os.ReadFile(sp)
		if err != nil {
			return nil, err
		}
		var top map[string]any
		if err := json.Unmarshal(data, &top); err != nil {
			return nil, fmt.Errorf("%s: %w", sp, err)
		}
		keys := make([]string, 0, len(top))
		for k := range top {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			switch val := top[k].(type) {
			case string:
				v.Facts = append(v.Facts, Fact{k, val})
			case float64:
				v.Facts = append(v.Facts, Fact{k, fmtJSONNum(val)})
			case bool:
				v.Facts = append(v.Facts, Fact{k, strconv.FormatBool(val)})
			}
		}
		for _, k := range []string{"sim_limit", "limit", "max_sims"} {
			if n, ok := num(top[k]); ok {
				v.Limit = n
				break
			}
		}
		if list, ok := top["limits"].([]any); ok {
			var parts []string
			for _, l := range list {
				if lm, ok := l.(map[string]any); ok {
					if n, ok := num(lm["max"]); ok && n >= 0 {
						parts = append(parts, fmt.Sprintf("%s: %d %s", str(lm, "rule"), n, strings.ReplaceAll(str(lm, "scope"), "_", " ")))
					}
				}
			}
			v.Limits = strings.Join(parts, "; ")
		}
		for _, k := range []string{"by_carrier", "carriers", "verdicts_by_carrier"} {
			if val, ok := top[k]; ok {
				addCarrierCounts(counts, val)
				break
			}
		}
		for _, k := range []string{"ids_over_limit", "over_limit", "over_sim_limit"} {
			val, ok := top[k]
			if !ok {
				continue
			}
			if n, ok := num(val); ok {
				v.OverLimitTotal, haveOver = n, true
			} else if list, ok := val.([]any); ok {
				for _, e := range list {
					if o, ok := overLimitOf(e); ok {
						v.OverLimit = append(v.OverLimit, o)
					}
				}
				v.OverLimitTotal, haveOver = int64(len(v.OverLimit)), true
			}
			break
		}
	}
	if len(counts) == 0 && exists(vp) {
		if err := countVerdicts(vp, counts); err != nil {
			return nil, err
		}
	}
	if exists(ip) && (!haveOver || len(v.OverLimit) == 0) {
		if err := readOverLimit(ip, v); err != nil {
			return nil, err
		}
	}
	v.setCarriers(counts)
	slices.SortFunc(v.OverLimit, cmpOverLimit)
	if len(v.OverLimit) > maxOverLimitRows {
		v.OverLimit = v.OverLimit[:maxOverLimitRows]
	}
	if !showPII {
		for i := range v.OverLimit {
			v.OverLimit[i].ID = runfolder.Mask(v.OverLimit[i].ID)
		}
	}
	return v, nil
}

// cmpOverLimit orders over-limit IDs by SIMs, most first, then by ID, so
// the rows kept do not depend on the file order of ties.
func cmpOverLimit(a, b OverLimitID) int {
	if c := cmp.Compare(b.SIMs, a.SIMs); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

func (v *Verify) setCarriers(counts map[string]map[string]int64) {
	verdicts := map[string]bool{}
	for _, m := range counts {
		for k := range m {
			verdicts[k] = true
		}
	}
	for k := range verdicts {
		v.Verdicts = append(v.Verdicts, k)
	}
	slices.SortFunc(v.Verdicts, func(a, b string) int {
		if ra, rb := verdictRank(a), verdictRank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	for c, m := range counts {
		cv := CarrierVerdicts{Carrier: c, Counts: make([]int64, len(v.Verdicts))}
		for i, k := range v.Verdicts {
			cv.Counts[i] = m[k]
			cv.Total += m[k]
		}
		v.Carriers = append(v.Carriers, cv)
	}
	slices.SortFunc(v.Carriers, func(a, b CarrierVerdicts) int { return strings.Compare(a.Carrier, b.Carrier) })
}

func fmtJSONNum(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', 4, 64)
}

func num(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), true
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

func str(m map[string]any, keys ...string) string {
	for _, k := range keys {
		switch s := m[k].(type) {
		case string:
			return s
		case []any:
			parts := make([]string, 0, len(s))
			for _, p := range s {
				if ps, ok := p.(string); ok {
					parts = append(parts, ps)
				}
			}
			return strings.Join(parts, ", ")
		}
	}
	return ""
}

func addCarrierCounts(counts map[string]map[string]int64, val any) {
	add := func(carrier, verdict string, n int64) {
		if counts[carrier] == nil {
			counts[carrier] = map[string]int64{}
		}
		counts[carrier][verdict] += n
	}
	switch c := val.(type) {
	case map[string]any:
		for carrier, vs := range c {
			if m, ok := vs.(map[string]any); ok {
				for verdict, n := range m {
					if k, ok := num(n); ok {
						add(carrier, verdict, k)
					}
				}
			}
		}
	case []any:
		for _, e := range c {
			m, ok := e.(map[string]any)
			if !ok {
				continue
			}
			carrier := str(m, "carrier", "name")
			if vs, ok := m["verdicts"].(map[string]any); ok {
				for verdict, n := range vs {
					if k, ok := num(n); ok {
						add(carrier, verdict, k)
					}
				}
			} else if k, ok := num(m["count"]); ok {
				add(carrier, str(m, "verdict"), k)
			}
		}
	}
}

func overLimitOf(e any) (OverLimitID, bool) {
	m, ok := e.(map[string]any)
	if !ok {
		return OverLimitID{}, false
	}
	o := OverLimitID{ID: str(m, "id", "national_id", "id_number"), Carriers: str(m, "carriers", "carrier")}
	for _, k := range []string{"sims", "subscriptions", "count", "msisdns"} {
		if n, ok := num(m[k]); ok {
			o.SIMs = n
			break
		}
	}
	return o, o.ID != ""
}

// countVerdicts counts verdicts.parquet by carrier and verdict.
func countVerdicts(path string, counts map[string]map[string]int64) error {
	r, err := dataio.Open(path, dataio.ReadOptions{Columns: []string{runfolder.ColCarrier, runfolder.ColVerdict}, AsStrings: true})
	if err != nil {
		return err
	}
	defer r.Close()
	for r.Next() {
		rec := r.Batch()
		c, v := rec.Column(0).(*array.String), rec.Column(1).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			carrier, verdict := c.Value(i), v.Value(i)
			if counts[carrier] == nil {
				counts[carrier] = map[string]int64{}
			}
			counts[carrier][verdict]++
		}
	}
	return r.Err()
}

// readOverLimit lists the over-limit IDs of ids.parquet: rows whose
// over_limit column is true, or, without that column, whose SIM count
// exceeds the limit.
func readOverLimit(path string, v *Verify) error {
	probe, err := dataio.Open(path, dataio.ReadOptions{BatchSize: 1})
	if err != nil {
		return err
	}
	var names []string
	for _, f := range probe.Schema().Fields() {
		names = append(names, f.Name)
	}
	probe.Close()
	pick := func(cands ...string) string {
		for _, c := range cands {
			if slices.Contains(names, c) {
				return c
			}
		}
		return ""
	}
	idCol := pick("id_number", runfolder.ColNationalID, "id", "registered_id_number")
	simCol := pick("sims", runfolder.ColTotal, "subscriptions", "sim_count", "count", "msisdns")
	overCol := pick("over_limit", "over_sim_limit")
	carrierCol := pick("carriers", runfolder.ColPerCarrier, runfolder.ColCarrier)
	if idCol == "" || simCol == "" && overCol == "" {
		return fmt.Errorf("%s: want an ID column (id_number, national_id or id) and a SIM count or over_limit column", path)
	}
	cols := []string{idCol}
	idx := map[string]int{}
	for _, c := range []string{simCol, overCol, carrierCol} {
		if c != "" {
			idx[c] = len(cols)
			cols = append(cols, c)
		}
	}
	r, err := dataio.Open(path, dataio.ReadOptions{Columns: cols, AsStrings: true})
	if err != nil {
		return err
	}
	defer r.Close()
	v.OverLimit, v.OverLimitTotal = v.OverLimit[:0], 0
	for r.Next() {
		rec := r.Batch()
		get := func(col string, i int) string {
			if col == "" {
				return ""
			}
			return rec.Column(idx[col]).(*array.String).Value(i)
		}
		ids := rec.Column(0).(*array.String)
		for i := 0; i < int(rec.NumRows()); i++ {
			sims, _ := strconv.ParseInt(get(simCol, i), 10, 64)
			over := false
			switch {
			case overCol != "":
				over = get(overCol, i) == "true"
			case v.Limit > 0:
				over = sims > v.Limit
			default:
				// dedup verify writes only the IDs over a limit.
				over = true
			}
			if !over {
				continue
			}
			v.OverLimitTotal++
			// "MobiFone:14;Viettel:32" (verify's per_carrier) reads better
			// as "MobiFone 14, Viettel 32".
			carriers := strings.ReplaceAll(strings.ReplaceAll(get(carrierCol, i), ";", ", "), ":", " ")
			v.OverLimit = append(v.OverLimit, OverLimitID{ID: ids.Value(i), SIMs: sims, Carriers: carriers})
			// Keep memory bounded on a national run: trim to the top rows
			// whenever the buffer doubles.
			if len(v.OverLimit) >= 4*maxOverLimitRows {
				slices.SortFunc(v.OverLimit, cmpOverLimit)
				v.OverLimit = v.OverLimit[:maxOverLimitRows]
			}
		}
	}
	return r.Err()
}

// verdictOrder is the order verdicts are drawn in: the good one first, then
// the problems from mild to grave, unusable rows last. Verdicts not listed
// (another verify version's) go between the problems and unusable.
var verdictOrder = []string{"match", "phone_other_name", "mismatch", "name_mismatch", "id_not_found", "id_invalid", "other_person", "sim_farm", "unusable"}

func verdictRank(verdict string) int {
	base, _, _ := strings.Cut(verdict, "/") // "match/over_limit" ranks as match
	if i := slices.Index(verdictOrder, base); i >= 0 {
		if base == "unusable" {
			return len(verdictOrder) + 1
		}
		return i
	}
	return len(verdictOrder)
}

// verdictColour is a verdict's colour: green for a match, warm (amber to
// red) for a problem, grey for a row that could not be checked. A verdict
// this package does not know is a problem, so it gets a warm colour too.
func verdictColour(verdict string, i int) string {
	base, _, _ := strings.Cut(verdict, "/")
	switch base {
	case "match":
		return colGreen
	case "unusable":
		return colGrey
	case "phone_other_name":
		return colYellow
	case "mismatch", "name_mismatch":
		return colAmber
	case "id_not_found":
		return colOrange
	case "id_invalid":
		return colBrown
	case "other_person", "sim_farm":
		return colRed
	}
	return warmColours[i%len(warmColours)]
}
