package pipeline

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/store"
)

// Records is the run's columnar store for a handful of records, built by
// the same code as a run: the input columns read, the row normalizer, the
// comparisons and the blocking keys. explain uses it to recompute one
// pair exactly as the run scored it, so the two cannot drift apart.
type Records struct {
	cfg      *config.Config
	plan     columnPlan
	st       *store.Store
	w        *worker
	rows     *normalize.RowNormalizer // the first source's
	compiled *linkage.Compiled
}

// NewRecords returns an empty store for cfg with its comparisons compiled.
func NewRecords(cfg *config.Config) (*Records, error) {
	plans := planColumns(cfg)
	r := &Records{cfg: cfg, plan: plans[0], st: store.New(store.SchemaOf(cfg.Fields), 2), w: newWorker(cfg, plans)}
	r.rows = r.w.normalizer(cfg, plans, 0)
	var err error
	if r.compiled, err = compileComparisons(cfg, r.st); err != nil {
		return nil, err
	}
	return r, nil
}

// InputColumns returns the input columns a run reads for the config, the
// record id first. The caller must not modify the slice.
func (r *Records) InputColumns() []string { return r.plan.columns }

// FieldValues joins one input row's cells, in InputColumns order (a null
// cell is ""), into the raw value of each config field as a run does, and
// reports whether a run stores the row: it has a record id and some field
// value. The values are the caller's.
func (r *Records) FieldValues(cells []string) (raw [][]byte, stored bool) {
	for c := range cells {
		r.w.cells[c] = []byte(cells[c])
	}
	vals := r.rows.Values(r.w.cells)
	raw = make([][]byte, len(vals))
	for f, v := range vals {
		raw[f] = bytes.Clone(v)
	}
	return raw, len(bytes.TrimSpace(r.w.cells[0])) > 0 && !allEmpty(vals)
}

// Append normalizes one record, given the raw value of each config field
// (as FieldValues returns them), into the next row.
func (r *Records) Append(raw [][]byte) error {
	if len(raw) != len(r.cfg.Fields) {
		return fmt.Errorf("pipeline: %d field values for %d config fields", len(raw), len(r.cfg.Fields))
	}
	var err error
	r.w.buf, err = r.st.AppendRecord(nil, 0, 0, 0, r.rows.Row(raw), r.w.buf)
	return err
}

// Reset empties the store, keeping its memory, for a scan that
// normalizes one record at a time.
func (r *Records) Reset() { r.st.Reset() }

// Len returns the number of records appended.
func (r *Records) Len() int { return r.st.N }

// Compiled returns the config's comparisons as a run compiles them.
func (r *Records) Compiled() *linkage.Compiled { return r.compiled }

// Comparer binds the comparisons to the records. freqs, keyed by
// comparison name, weighs the exact levels by term frequency as a run
// does; nil leaves them unweighted.
func (r *Records) Comparer(freqs map[string]*linkage.FreqTable) (*linkage.Comparer, error) {
	cols := r.st.LinkageColumns()
	cols.Freqs = freqs
	return r.compiled.Bind(cols)
}

// TFValue returns the value of row whose frequency weighs comparison k's
// exact levels in a run (linkage.HashValue of it is what FreqTables
// count); empty when the row has none or k uses no term frequencies.
func (r *Records) TFValue(k, row int) []byte {
	spec := r.compiled.Spec(k)
	if !spec.TermFrequency {
		return nil
	}
	col := tfColumn(spec) // "<field>.<role>"; roles have no dot
	i := strings.LastIndexByte(col, '.')
	return r.Bytes(col[:i], col[i+1:], row)
}

// Bytes returns the normalized string role of a field for row, e.g.
// ("name", "canonical") or ("address", "street"); nil when the field has
// no such role. The roles per kind are those of the run's store.
func (r *Records) Bytes(field, role string, row int) []byte {
	if fs := r.st.Field(field); fs != nil {
		if c := fs.Str(role); c != nil {
			return c.Get(int32(row))
		}
	}
	return nil
}

// Int32 returns the normalized integer role of a field for row, e.g.
// ("dob", "date") packed as normalize.Date.Packed or ("address",
// "ward_2025"); 0 (null) when the field has no such role.
func (r *Records) Int32(field, role string, row int) int32 {
	if fs := r.st.Field(field); fs != nil {
		if c := fs.Int32s(role); c != nil {
			return c[row]
		}
	}
	return 0
}

// RuleAgrees reports whether blocking rule gives rows a and b the same
// key, every part present, as the run's blocking computes it.
func (r *Records) RuleAgrees(rule config.BlockingRule, a, b int) (bool, error) {
	keys, err := ruleKeys(r.st, nil, 0, rule)
	if err != nil {
		return false, err
	}
	return keys[a] != 0 && keys[a] == keys[b], nil
}
