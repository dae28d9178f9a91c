package link

import (
	"context"
	"fmt"
	"math/bits"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/parallel"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/state"
)

// keySet is a set of blocking keys (never 0: 0 is "no key"), open
// addressing with linear probing: one cache line a lookup, where a Go map
// of millions of keys costs several.
type keySet struct {
	slots []uint64
	shift uint
}

func newKeySet(keys []uint64) *keySet {
	n := max(16, 1<<bits.Len(uint(2*len(keys))))
	s := &keySet{slots: make([]uint64, n), shift: uint(64 - bits.TrailingZeros(uint(n)))}
	for _, k := range keys {
		if k == 0 {
			continue
		}
		for i := s.slot(k); ; i = (i + 1) & (len(s.slots) - 1) {
			if s.slots[i] == k {
				break
			}
			if s.slots[i] == 0 {
				s.slots[i] = k
				break
			}
		}
	}
	return s
}

// slot is k's home slot: the keys are hashes already, but of fields that
// may share low bits, so they are mixed once more (Fibonacci hashing).
func (s *keySet) slot(k uint64) int { return int((k * 0x9E3779B97F4A7C15) >> s.shift) }

func (s *keySet) has(k uint64) bool {
	for i := s.slot(k); ; i = (i + 1) & (len(s.slots) - 1) {
		switch s.slots[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

// sectorKeys runs the pipeline's load and block stages over the sector
// rows alone (a plan: nothing is written) under the nights' blocking
// rules and link rules (a key's hash is salted with its rule's place) and
// returns the keys of the rules used (by their index in the nights'
// Blocking.AllRules; nil for the others).
func sectorKeys(ctx context.Context, cfg, night *config.Config, used []bool, regSrc int, popt pipeline.Options, args []string) ([][]uint64, error) {
	kc := *cfg
	kc.Mode = config.ModeDedupe
	kc.Blocking = night.Blocking
	kc.Sources = nil
	for i, s := range cfg.Sources {
		if i != regSrc {
			kc.Sources = append(kc.Sources, s)
		}
	}
	keys := make([][]uint64, len(night.Blocking.AllRules()))
	popt.Inputs = args
	popt.Plan = true
	popt.OutDir = ""
	popt.Log = nil
	popt.BlockingKeys = func(rule int, _ []uint16, _ []int64, ks []uint64) error {
		if !used[rule] {
			return nil
		}
		for _, k := range ks {
			if k != 0 {
				keys[rule] = append(keys[rule], k)
			}
		}
		return nil
	}
	if _, err := pipeline.Run(ctx, &kc, popt); err != nil {
		return nil, err
	}
	return keys, nil
}

// candidates marks the register records that share a blocking key with a
// sector row under some rule: every register record a link run over the
// whole register would put in a block with a sector row. Blocks without
// a sector row give no cross pair and are left out.
func candidates(reg *state.Register, keys [][]uint64, workers int) []int32 {
	n := reg.Len()
	hit := make([]bool, n)
	for k, ks := range keys {
		if len(ks) == 0 {
			continue
		}
		set := newKeySet(ks)
		rk := reg.Keys(k)
		const chunk = 1 << 16
		parallel.For(workers, (n+chunk-1)/chunk, func(_, c int) {
			for i := c * chunk; i < min(n, (c+1)*chunk); i++ {
				if !hit[i] && rk[i] != 0 && set.has(rk[i]) {
					hit[i] = true
				}
			}
		})
	}
	var out []int32
	for i, h := range hit {
		if h {
			out = append(out, int32(i))
		}
	}
	return out
}

// writeRegister writes the cells of the register records rows (ascending)
// to path as the config's register source reads them (its column
// projection), each record's id replaced by its index in the state: the
// run's pairs then name state records directly, and records of the same id
// from two of the nights' sources stay apart. The workers read and build a
// batch each, written in order.
func writeRegister(reg *state.Register, cfg *config.Config, regSrc int, rows []int32, path string, workers int) error {
	cols := pipeline.SourceColumns(cfg, regSrc)
	fields := make([]arrow.Field, len(cols))
	for j, c := range cols {
		fields[j] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	w, err := dataio.Create(path, schema)
	if err != nil {
		return err
	}
	defer w.Abort()
	readers := make([]*state.CellReader, workers)
	for i := range readers {
		if readers[i], err = reg.CellReader(); err != nil {
			return err
		}
		defer readers[i].Close()
	}
	const batch = 32 << 10
	batches := (len(rows) + batch - 1) / batch
	recs := make([]arrow.RecordBatch, workers)
	errs := make([]error, workers)
	for wave := 0; wave < batches; wave += workers {
		n := min(workers, batches-wave)
		parallel.For(n, n, func(_, k int) {
			lo := (wave + k) * batch
			recs[k], errs[k] = buildBatch(readers[k], schema, rows[lo:min(len(rows), lo+batch)])
		})
		for k := range n {
			if err == nil {
				err = errs[k]
			}
			if err == nil {
				err = w.Write(recs[k])
			}
			if recs[k] != nil {
				recs[k].Release()
			}
		}
		if err != nil {
			return err
		}
	}
	return w.Commit()
}

// buildBatch is the cells of the records rows as one batch of schema.
func buildBatch(cr *state.CellReader, schema *arrow.Schema, rows []int32) (arrow.RecordBatch, error) {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	var cells []string
	var valid []bool
	var err error
	for _, i := range rows {
		if cells, valid, err = cr.Cells(int(i), cells, valid); err != nil {
			return nil, err
		}
		if len(cells) != len(schema.Fields()) {
			return nil, fmt.Errorf("state: a stored record has %d cells, the config's register source reads %d columns", len(cells), len(schema.Fields()))
		}
		cells[0], valid[0] = strconv.Itoa(int(i)), true
		dataio.AppendTextRow(b, cells, valid)
	}
	return b.NewRecordBatch(), nil
}
