package pipeline

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/internal/parallel"
)

// keyPart reads one part of a blocking key for a record: a byte string or
// an integer; ok is false when the record has no value for it.
type keyPart func(row int32, h blocking.Hasher) (blocking.Hasher, bool)

// compilePart turns "field" or "field.part" into a keyPart over store st.
func compilePart(st *store, spec string) (keyPart, error) {
	name, sub, _ := strings.Cut(spec, ".")
	fs := st.field(name)
	if fs == nil {
		return nil, fmt.Errorf("blocking key %q: unknown field", spec)
	}
	str := func(role string) keyPart {
		col := fs.str(role)
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
	switch fs.kind {
	case config.KindPersonName:
		role := map[string]string{"": "folded", "family": "family", "middle": "middle", "given": "given", "phonetic": "phonetic", "variant": "variant_key"}[sub]
		if role == "" {
			break
		}
		return str(role), nil
	case config.KindDate:
		d := fs.int32s("date")
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
		return num(fs.int32s("value"), 1, nil), nil
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
		return num(fs.int32s(role), 1, nil), nil
	}
	return nil, fmt.Errorf("blocking key %q: field kind %s has no part %q", spec, fs.kind, sub)
}

// buildIndex computes every rule's keys and builds the blocking index.
func (r *runner) buildIndex() (*blocking.Index, error) {
	secondary := r.secondaryKeys()
	rules := make([]blocking.Rule, len(r.cfg.Blocking.Rules))
	errs := make([]error, len(rules))
	// Each rule's keys are independent of the others': hash them on all
	// workers, a rule at a time each.
	parallel.For(r.opt.Workers, len(rules), func(_, k int) {
		rule := r.cfg.Blocking.Rules[k]
		keys, err := ruleKeys(r.st, r.dropped, uint64(k), rule)
		if err != nil {
			errs[k] = fmt.Errorf("blocking.rules[%d]: %w", k, err)
			return
		}
		rules[k] = blocking.Rule{Name: rule.Name, Keys: keys, Secondary: secondary}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	r.secondary = secondary
	return blocking.Build(r.st.n, rules, r.blockingOptions())
}

// ruleKeys computes one rule's key per record of st: 0 when a part is
// empty or the record was dropped (dropped may be nil). salt goes into the
// hash so that equal values under different rules never share a key.
func ruleKeys(st *store, dropped []bool, salt uint64, rule config.BlockingRule) ([]uint64, error) {
	parts := make([]keyPart, len(rule.Keys))
	for j, spec := range rule.Keys {
		p, err := compilePart(st, spec)
		if err != nil {
			return nil, err
		}
		parts[j] = p
	}
	keys := make([]uint64, st.n)
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
	return keys, nil
}

func (r *runner) blockingOptions() blocking.Options {
	return blocking.Options{MaxBlockSize: r.cfg.Blocking.MaxBlockSize, Window: r.cfg.Blocking.Window, Workers: r.opt.Workers}
}

// secondaryKeys orders the records of an oversized block for its
// sorted-neighbourhood window: the first eight bytes of the first name or
// text field, big-endian, so that similar spellings sit side by side.
func (r *runner) secondaryKeys() []uint64 { return secondaryKeysOf(r.st) }

// secondaryKeysOf is secondaryKeys for the records of st.
func secondaryKeysOf(st *store) []uint64 {
	var col *bytesColumn
	for i := range st.fields {
		f := &st.fields[i]
		if f.kind == config.KindPersonName {
			col = f.str("folded")
			break
		}
		if f.kind == config.KindText && col == nil {
			col = f.str("value")
		}
	}
	keys := make([]uint64, st.n)
	if col == nil {
		return keys
	}
	var buf [8]byte
	for i := range keys {
		b := col.Get(int32(i))
		clear(buf[:])
		copy(buf[:], b)
		keys[i] = binary.BigEndian.Uint64(buf[:])
	}
	return keys
}
