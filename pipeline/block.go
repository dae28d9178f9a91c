package pipeline

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/internal/strcol"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/store"
)

// keyPart reads one part of a blocking key for a record: a byte string or
// an integer; ok is false when the record has no value for it.
type keyPart func(row int32, h blocking.Hasher) (blocking.Hasher, bool)

// compilePart turns "field" or "field.part" into a keyPart over store st.
func compilePart(st *store.Store, spec string) (keyPart, error) {
	name, sub, _ := strings.Cut(spec, ".")
	fs := st.Field(name)
	if fs == nil {
		return nil, fmt.Errorf("blocking key %q: unknown field", spec)
	}
	str := func(role string) keyPart {
		col := fs.Str(role)
		return func(row int32, h blocking.Hasher) (blocking.Hasher, bool) {
			b := col.Get(row)
			return h.Bytes(b), len(b) > 0
		}
	}
	num := func(vals []int32, div int32, need func(int32) bool) keyPart {
		return func(row int32, h blocking.Hasher) (blocking.Hasher, bool) {
			v := vals[row]
			if v == 0 || need != nil && !need(v) {
				return h, false
			}
			return h.Uint64(uint64(v / div)), true
		}
	}
	switch fs.Kind {
	case config.KindPersonName:
		role := map[string]string{"": "folded", "family": "family", "middle": "middle", "given": "given", "phonetic": "phonetic", "variant": "variant_key"}[sub]
		if role == "" {
			break
		}
		return str(role), nil
	case config.KindDate:
		d := fs.Int32s("date")
		switch sub {
		case "":
			return num(d, 1, func(v int32) bool { return v%100 != 0 && v/100%100 != 0 }), nil
		case "year":
			return num(d, 10000, nil), nil
		case "year_month":
			return num(d, 100, func(v int32) bool { return v/100%100 != 0 }), nil
		case "year_day":
			// The date without its month, for typos in the month.
			yd := make([]int32, len(d))
			for i, v := range d {
				if v%100 != 0 && v/100%100 != 0 {
					yd[i] = v/10000*100 + v%100
				}
			}
			return num(yd, 1, nil), nil
		case "year_unordered":
			// The year with the day and month as a set: a date and its
			// day/month swap (03/07 and 07/03) share it.
			yu := make([]int32, len(d))
			for i, v := range d {
				day, month := v%100, v/100%100
				if day != 0 && month != 0 {
					yu[i] = v/10000*10000 + min(day, month)*100 + max(day, month)
				}
			}
			return num(yu, 1, nil), nil
		case "month_day":
			// The date without its year, for typos in the year.
			md := make([]int32, len(d))
			for i, v := range d {
				if v%100 != 0 && v/100%100 != 0 {
					md[i] = v % 10000
				}
			}
			return num(md, 1, nil), nil
		}
	case config.KindGender:
		return num(fs.Int32s("value"), 1, nil), nil
	case config.KindNationalID:
		return str("digits"), nil
	case config.KindPhone:
		return str("phones"), nil
	case config.KindText:
		return str("value"), nil
	case config.KindVNAddress:
		role := map[string]string{"": "ward_2025", "ward_2025": "ward_2025", "province_2025": "province_2025", "district": "district_old", "ward_old": "ward_old"}[sub]
		if role == "" {
			break
		}
		return num(fs.Int32s(role), 1, nil), nil
	}
	return nil, fmt.Errorf("blocking key %q: field kind %s has no part %q", spec, fs.Kind, sub)
}

// candidates is how the train and score stages walk the candidate pairs
// the block stage found: the one part of the run that is not written once
// for both record sets, because one index over every rule is the fastest
// way to score a store in memory and a spilled register cannot hold it.
//   - allRules (in memory): every rule's keys at once, one blocking.Index
//     over all rules that drops a pair a previous rule produced as it
//     enumerates, scored in one pass over its chunks;
//   - eachRule (spilled, spillrun.go): one rule at a time, its blocks cut
//     into partitions read back from the spill file, the cross-rule test
//     made from the partition's own keys (blocking.Produces).
type candidates interface {
	// plan is the rules' statistics for --plan.
	plan(workers int) ([]blocking.RuleStats, error)
	// stats is the rules' statistics after scoring.
	stats() []blocking.RuleStats
	// sampleVectors adds the comparison vectors of every rule's sampled
	// candidate pairs to hists[rule][worker] and returns the rules' scales.
	sampleVectors(ctx context.Context, sc *scorer, hists [][]*linkage.Histogram) ([]float64, error)
	// score compares every candidate pair (scorer.score).
	score(ctx context.Context, sc *scorer, pw *pairsWriter, acc *acceptedEdges) error
}

// block is the block stage: the records' capped-block sort keys, then the
// candidates strategy that fits the record set.
func (r *runner) block(ctx context.Context) (candidates, error) {
	var err error
	if r.secondary, err = r.secondaryKeys(ctx); err != nil {
		return nil, err
	}
	if err := r.reportLinkKeys(ctx); err != nil {
		return nil, err
	}
	if sp, ok := r.set.(*store.Spilled); ok {
		return r.blockEachRule(ctx, sp)
	}
	return r.blockAllRules(ctx)
}

// reportLinkKeys hands the keys of blocking.link_rules, which the run does
// not block on, to Options.BlockingKeys (as rules len(rules)...), for the
// nightly state to keep.
func (r *runner) reportLinkKeys(ctx context.Context) error {
	if r.opt.BlockingKeys == nil {
		return nil
	}
	n := len(r.cfg.Blocking.Rules)
	for j, rule := range r.cfg.Blocking.LinkRules {
		keys, err := r.keys(ctx, uint64(n+j), rule)
		if err == nil {
			err = r.reportKeys(n+j, keys)
		}
		if err != nil {
			return fmt.Errorf("blocking.link_rules[%d]: %w", j, err)
		}
	}
	return nil
}

// allRules is the candidates strategy of a run in memory: one index over
// every rule.
type allRules struct {
	r  *runner
	ix *blocking.Index
}

// blockAllRules computes every rule's keys and builds one index of them.
func (r *runner) blockAllRules(ctx context.Context) (*allRules, error) {
	rules := make([]blocking.Rule, len(r.cfg.Blocking.Rules))
	for k, rule := range r.cfg.Blocking.Rules {
		keys, err := r.keys(ctx, uint64(k), rule)
		if err != nil {
			return nil, fmt.Errorf("blocking.rules[%d]: %w", k, err)
		}
		if err := r.reportKeys(k, keys); err != nil {
			return nil, err
		}
		rules[k] = blocking.Rule{Name: rule.Name, Keys: keys, Secondary: r.secondary}
	}
	ix, err := blocking.Build(r.set.Len(), rules, r.blockingOptions())
	if err != nil {
		return nil, err
	}
	return &allRules{r: r, ix: ix}, nil
}

// plan counts the pairs the run scores (link mode skips pairs within one
// source).
func (a *allRules) plan(workers int) ([]blocking.RuleStats, error) {
	return a.ix.PlanKept(workers, func(p blocking.Pair) bool { return !a.r.skipPair(p.Left, p.Right) })
}

func (a *allRules) stats() []blocking.RuleStats { return a.ix.Stats() }

// sampleVectors compares the pairs of the blocks the index samples, chunk
// by chunk on the workers.
func (a *allRules) sampleVectors(_ context.Context, sc *scorer, hists [][]*linkage.Histogram) ([]float64, error) {
	r := a.r
	cms, err := r.comparersFor(sc, r.st)
	if err != nil {
		return nil, err
	}
	bufs := make([][]int8, r.opt.Workers)
	sims := make([][]float32, r.opt.Workers)
	for w := range bufs {
		bufs[w], sims[w] = make([]int8, sc.width), make([]float32, sc.width)
	}
	sample := a.ix.SampleForCap(r.cfg.Model.SamplePairsPerRule, r.cfg.Seed)
	kept := sampledPairs(a.ix, &sample, r.opt.Workers, cms, func(w int, p blocking.Pair) {
		if r.skipPair(p.Left, p.Right) {
			return
		}
		cms[w].Compare(p.Left, p.Right, bufs[w], sims[w], nil)
		hists[p.Rule][w].Add(bufs[w])
	})
	scales := make([]float64, len(hists))
	for k := range scales {
		scales[k] = a.ix.Scale(k, kept[k])
	}
	return scales, nil
}

// score scores the whole index in one pass over its chunks.
func (a *allRules) score(ctx context.Context, sc *scorer, pw *pairsWriter, acc *acceptedEdges) error {
	cms, err := a.r.comparersFor(sc, a.r.st)
	if err != nil {
		return err
	}
	return a.r.score(ctx, pairSource{ix: a.ix, c1: a.ix.NumChunks(), rule: -1, st: a.r.st, comparers: cms}, sc, pw, acc)
}

// keys computes one rule's key for every record (0 for dropped ones), a
// batch of the record set at a time on all workers. salt goes into the
// hash so that equal values under different rules never share a key.
func (r *runner) keys(ctx context.Context, salt uint64, rule config.BlockingRule) ([]uint64, error) {
	keys := make([]uint64, r.set.Len())
	err := r.set.Scan(ctx, store.Groups(r.schema, false, ruleFields(rule)...), func(first int, st *store.Store) error {
		return fillRuleKeys(keys[first:first+st.N], st, r.dropped[first:first+st.N], salt, rule)
	}, nil)
	return keys, err
}

// reportKeys hands one rule's keys to Options.BlockingKeys, if set.
func (r *runner) reportKeys(rule int, keys []uint64) error {
	if r.opt.BlockingKeys == nil {
		return nil
	}
	return r.opt.BlockingKeys(rule, r.st.File, r.st.Row, keys)
}

// ruleIndex computes one rule's keys (salted by salt) and indexes that
// rule alone.
func (r *runner) ruleIndex(ctx context.Context, salt uint64, rule config.BlockingRule) (*blocking.Index, error) {
	keys, err := r.keys(ctx, salt, rule)
	if err != nil {
		return nil, err
	}
	return blocking.Build(r.set.Len(), []blocking.Rule{{Name: rule.Name, Keys: keys, Secondary: r.secondary}}, r.blockingOptions())
}

// ruleKeys computes one rule's key per record of st: 0 when a part is
// empty or the record was dropped (dropped may be nil). salt goes into the
// hash so that equal values under different rules never share a key.
func ruleKeys(st *store.Store, dropped []bool, salt uint64, rule config.BlockingRule) ([]uint64, error) {
	keys := make([]uint64, st.N)
	return keys, fillRuleKeys(keys, st, dropped, salt, rule)
}

// fillRuleKeys is ruleKeys into keys.
func fillRuleKeys(keys []uint64, st *store.Store, dropped []bool, salt uint64, rule config.BlockingRule) error {
	parts := make([]keyPart, len(rule.Keys))
	for j, spec := range rule.Keys {
		p, err := compilePart(st, spec)
		if err != nil {
			return err
		}
		parts[j] = p
	}
	for i := range keys {
		if dropped != nil && dropped[i] {
			continue
		}
		h := blocking.NewHasher().Uint64(salt)
		ok := true
		for _, p := range parts {
			if h, ok = p(int32(i), h); !ok {
				break
			}
		}
		if ok {
			keys[i] = h.Sum()
		}
	}
	return nil
}

func (r *runner) blockingOptions() blocking.Options {
	return blocking.Options{MaxBlockSize: r.cfg.Blocking.MaxBlockSize, Window: r.cfg.Blocking.Window, Workers: r.opt.Workers}
}

// secondaryKeys orders the records of an oversized block for its
// sorted-neighbourhood window: the first eight bytes of the first name or
// text field, big-endian, so that similar spellings sit side by side.
func (r *runner) secondaryKeys(ctx context.Context) ([]uint64, error) {
	var textFields []string
	for _, f := range r.cfg.Fields {
		if f.Kind == config.KindPersonName || f.Kind == config.KindText {
			textFields = append(textFields, f.Name)
		}
	}
	keys := make([]uint64, r.set.Len())
	err := r.set.Scan(ctx, store.Groups(r.schema, false, textFields...), func(first int, st *store.Store) error {
		fillSecondaryKeys(keys[first:first+st.N], st)
		return nil
	}, nil)
	return keys, err
}

// fillSecondaryKeys is secondaryKeys for the records of st, into keys.
func fillSecondaryKeys(keys []uint64, st *store.Store) {
	var col *strcol.Column
	for i := range st.Fields {
		f := &st.Fields[i]
		if f.Kind == config.KindPersonName {
			col = f.Str("folded")
			break
		}
		if f.Kind == config.KindText && col == nil {
			col = f.Str("value")
		}
	}
	if col == nil {
		return
	}
	var buf [8]byte
	for i := range keys {
		b := col.Get(int32(i))
		clear(buf[:])
		copy(buf[:], b)
		keys[i] = binary.BigEndian.Uint64(buf[:])
	}
}
