package verify

import (
	"context"
	"os"
	"runtime"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/ordered"
	"github.com/dedup-vn/dedup/internal/parallel"
	"github.com/dedup-vn/dedup/internal/strcol"
	"github.com/dedup-vn/dedup/internal/sysmem"
	"github.com/dedup-vn/dedup/state"
)

// A memory-bounded verify (Options.MemoryLimit, ForceSpill) keeps the register on disk,
// normalized once (spillRegister), and takes the subscriptions in
// partitions of consecutive rows. For each partition it lists every
// register lookup its subscriptions' checks may make (Checker.requests),
// reads the register file once, and keeps the rows those lookups would
// return: all rows of a requested ID or phone, and the rows of a
// requested name key whose name agrees with the name of a subscription
// asking for it (the checks pass over the others: gather, gatherGivenDOB
// and cccdHolder keep only names equal after normalization or a typo
// away). The kept rows, in register order, form a small Register with
// the same indexes, so that every lookup of the partition's checks
// returns the rows the whole register would, less rows they skip: the
// verdicts are the in-memory run's, byte for byte, whatever the
// partition size (TestPartitionsSameBytes). Memory scales with the
// partition, not with the register.

// Bytes of memory per row, measured at 1M and 10M (benchmarks/RESULTS.md):
// an in-memory register row with its indexes and load-time scratch; a
// subscription's SIM-count columns while they are counted (before the
// register is needed) and what stays of them per subscription while the
// partitions are checked (support and repeat bits, counts per ID); a
// subscription of a partition with its requests and the register rows
// kept for it.
const (
	memPerRegisterRow = 400
	memPerCountRow    = 100
	memPerCountKept   = 25
	memPerPartRow     = 1500
)

// DefaultMemoryLimit is the budget without --memory: a quarter of the
// machine's (or cgroup's) memory, at least 1 GiB, as for dedup run.
func DefaultMemoryLimit() int64 {
	t := sysmem.Total()
	if t <= 0 {
		return 4 << 30
	}
	return max(t/4, 1<<30)
}

// rowsOf sums the row counts of tables (an estimate where a count is not
// known: 100 bytes a row).
func rowsOf(files []string) int64 {
	var n int64
	for _, f := range files {
		if k, ok := dataio.CountRows(f); ok {
			n += k
		} else if st, err := os.Stat(f); err == nil {
			n += st.Size() / 100
		}
	}
	return n
}

// plan decides whether the register goes to disk and how many
// subscription rows a partition takes.
func plan(opts Options, regFiles, subFiles []string) (spill bool, partRows int) {
	budget := opts.MemoryLimit
	if budget <= 0 {
		budget = DefaultMemoryLimit()
	}
	subs := rowsOf(subFiles)
	regRows := int64(0)
	if dir, ok := stateFolder(regFiles); ok {
		if info, err := state.Describe(dir); err == nil {
			regRows = info.Records
		}
	} else {
		regRows = rowsOf(regFiles)
	}
	switch {
	case opts.NoSpill:
		return false, 0
	case !opts.ForceSpill && memPerRegisterRow*regRows+memPerCountRow*subs <= budget*6/10:
		return false, 0
	}
	if opts.PartitionRows > 0 {
		return true, opts.PartitionRows
	}
	left := budget*6/10 - memPerCountKept*subs
	return true, int(max(left/memPerPartRow, 1<<16))
}

// nameForms is a subscription's name as the name filter compares it.
type nameForms struct{ canon, folded, varKey, sorted []byte }

// requestSet is what the subscriptions of one partition ask of the
// register: IDs, phones and, per name key, the distinct names asking.
type requestSet struct {
	ids, phones map[uint64]struct{}
	names       [3]map[uint64][]int32 // tagNameYear, tagGivenDOB, tagFamDOB - tagNameYear: key → forms
	forms       []nameForms
	formOf      map[uint64]int32 // hash of a name's forms → index in forms
}

// rowFilter is one worker's view of a requestSet: the set is shared and
// read-only, the memo and the name comparison's scratch are the worker's.
type rowFilter struct {
	*requestSet
	memo map[uint64]bool // (tag, key, register name) → kept
	fc   *Checker        // scratch of the name filter
}

// partRequests lists the register lookups of a partition's subscriptions.
func partRequests(items []subItem, cfg Config, workers int, counts *simCounts) *requestSet {
	type req struct {
		tag  uint8
		key  uint64
		form uint64
	}
	type local struct {
		reqs  []req
		forms map[uint64]nameForms
	}
	locals := make([]local, len(items))
	checkers := make([]*Checker, workers)
	for i := range checkers {
		checkers[i] = NewChecker(nil, cfg.ReferenceYear)
	}
	parallel.For(workers, len(items), func(w, k int) {
		c, it := checkers[w], items[k]
		sc := it.sc
		ms, nm, dob, nid := strCol(it.rec, sc.msisdn), strCol(it.rec, sc.name), strCol(it.rec, sc.dob), strCol(it.rec, sc.nid)
		l := local{forms: map[uint64]nameForms{}, reqs: make([]req, 0, 7*it.rec.NumRows())}
		for i := 0; i < int(it.rec.NumRows()); i++ {
			c.load(SubInput{Name: cell(nm, i), DOB: cell(dob, i), ID: cell(nid, i), MSISDN: cell(ms, i), AltDOB: counts.altOf(it.first + int64(i))})
			fh := blocking.NewHasher().Bytes(c.canon).Bytes(c.folded).Bytes(c.varKey).Sum()
			named := false
			c.requests(func(tag int, key uint64) {
				if key == 0 {
					return
				}
				l.reqs = append(l.reqs, req{uint8(tag), key, fh})
				named = named || tag >= tagNameYear
			})
			if _, ok := l.forms[fh]; named && !ok {
				l.forms[fh] = nameForms{clone(c.canon), clone(c.folded), clone(c.varKey), clone(c.sorted)}
			}
		}
		locals[k] = l
	})
	rs := &requestSet{ids: map[uint64]struct{}{}, phones: map[uint64]struct{}{}, formOf: map[uint64]int32{}}
	for t := range rs.names {
		rs.names[t] = map[uint64][]int32{}
	}
	for _, l := range locals {
		for _, r := range l.reqs {
			switch r.tag {
			case tagID:
				rs.ids[r.key] = struct{}{}
			case tagPhone:
				rs.phones[r.key] = struct{}{}
			default:
				fi, ok := rs.formOf[r.form]
				if !ok {
					fi = int32(len(rs.forms))
					rs.formOf[r.form] = fi
					rs.forms = append(rs.forms, l.forms[r.form])
				}
				m := rs.names[r.tag-tagNameYear]
				if fs := m[r.key]; len(fs) == 0 || fs[len(fs)-1] != fi {
					m[r.key] = append(fs, fi)
				}
			}
		}
	}
	return rs
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// wants says whether a register row answers one of the partition's
// lookups (see the comment at the top of this file), and whole whether
// all rows of its person go with it: it holds a requested ID, and the
// check of an ID on the register takes the ID's persons' records
// (Checker.personRows).
func (rs *rowFilter) wants(r *spillRow) (keep, whole bool) {
	if r.idKey != 0 {
		if _, ok := rs.ids[r.idKey]; ok {
			return true, true
		}
	}
	return rs.wantsKey(r), false
}

// wantsKey says whether a register row answers one of the partition's
// phone and name lookups.
func (rs *rowFilter) wantsKey(r *spillRow) bool {
	if r.phone != 0 {
		if _, ok := rs.phones[r.phone]; ok {
			return true
		}
	}
	for t, k := range [3]uint64{r.nameYear, r.givenKey(), r.famKey()} {
		if k == 0 {
			continue
		}
		fs, ok := rs.names[t][k]
		if !ok {
			continue
		}
		if rs.nameAgrees(t, k, r, fs) {
			return true
		}
	}
	return false
}

// nameAgrees says whether the register row's name agrees with one of the
// names asking for its key: compareName's typo or better, or the same
// spelling (cccdHolder). A common name's rows share few spellings, so
// the answer is remembered per key and spelling.
func (rs *rowFilter) nameAgrees(t int, k uint64, r *spillRow, fs []int32) bool {
	mk := blocking.NewHasher().Uint64(uint64(t)).Uint64(k).Bytes(r.canon).Bytes(r.folded).Bytes(r.variant).Sum()
	if v, ok := rs.memo[mk]; ok {
		return v
	}
	c := rs.fc
	v := false
	for _, fi := range fs {
		f := &rs.forms[fi]
		c.canon, c.folded, c.varKey, c.sorted = f.canon, f.folded, f.varKey, f.sorted
		if cls, _, _, _ := c.compareNameForms(r.canon, r.folded, r.variant); cls >= nameMinor || c.sameSpellingForms(r.canon, r.folded) {
			v = true
			break
		}
	}
	rs.memo[mk] = v
	return v
}

// subRegister reads the spilled register and returns the rows want
// keeps, in register order, as a Register with its indexes; a row it
// keeps whole brings every row of its person (a person's rows are
// consecutive in a register that has persons: a state's, a golden
// register's one row). The rows are sifted on the workers, a block at a
// time, never splitting a person (want(w, row) runs on worker w); the
// register is built in row order.
func (s *regSpill) subRegister(ctx context.Context, workers int, want func(w int, r *spillRow) (keep, whole bool)) (*Register, error) {
	reg := newRegister(s.kind)
	// 10% over the last partition's size
	reg.reserve(s.last.rows*11/10, [4]int{s.last.bytes[0] * 11 / 10, s.last.bytes[1] * 11 / 10, s.last.bytes[2] * 11 / 10, s.last.bytes[3] * 11 / 10})
	nameYear := make([]uint64, 0, s.last.rows*11/10)
	type block struct {
		buf  []byte
		offs []int32 // record i is buf[offs[i]:offs[i+1]]
		keep []int32
	}
	const blockRows = 4096
	newBlock := func() *block {
		return &block{buf: make([]byte, 0, blockRows*160), offs: append(make([]int32, 0, blockRows+1), 0)}
	}
	produce := func(emit func(*block) bool) error {
		b := newBlock()
		last := uint64(0) // the person of the block's last row
		err := s.scanRaw(ctx, func(rec []byte) error {
			p := spillPerson(rec)
			if len(b.offs) > blockRows && (p == 0 || p != last) {
				if !emit(b) {
					return context.Canceled
				}
				b = newBlock()
			}
			b.buf = append(b.buf, rec...)
			b.offs = append(b.offs, int32(len(b.buf)))
			last = p
			return nil
		})
		if err != nil {
			return err
		}
		if len(b.offs) > 1 {
			emit(b)
		}
		return nil
	}
	err := ordered.Pool[*block, *block]{Workers: workers, Work: func(w int, b *block) (*block, error) {
		var r spillRow
		var whole map[uint64]bool // persons kept whole
		keep := make([]bool, len(b.offs)-1)
		for i := range keep {
			if err := decodeSpillRow(b.buf[b.offs[i]:b.offs[i+1]], &r); err != nil {
				return nil, err
			}
			k, all := want(w, &r)
			keep[i] = k
			if all && r.person != 0 {
				if whole == nil {
					whole = map[uint64]bool{}
				}
				whole[r.person] = true
			}
		}
		for i, k := range keep {
			if k || whole[spillPerson(b.buf[b.offs[i]:b.offs[i+1]])] {
				b.keep = append(b.keep, int32(i))
			}
		}
		return b, nil
	}, Consume: func(b *block) error {
		var r spillRow
		for _, i := range b.keep {
			if err := decodeSpillRow(b.buf[b.offs[i]:b.offs[i+1]], &r); err != nil {
				return err
			}
			if err := reg.appendRow(&r, &nameYear); err != nil {
				return err
			}
		}
		return nil
	}}.Stream(ctx, produce)
	if err != nil {
		return nil, err
	}
	reg.buildIndexes(nameYear)
	s.last.rows = reg.Rows()
	for k, c := range [4]*strcol.Column{&reg.ids, &reg.canon, &reg.folded, &reg.variant} {
		s.last.bytes[k] = len(c.Data)
	}
	return reg, nil
}

// idRegister returns the register rows holding the IDs over a limit: the
// holders ids.parquet names.
func (s *regSpill) idRegister(ctx context.Context, counts *simCounts) (*Register, error) {
	over := map[uint64]struct{}{}
	for k, o := range counts.over {
		if o != 0 {
			over[counts.keys[k]] = struct{}{}
		}
	}
	return s.subRegister(ctx, 1, func(_ int, r *spillRow) (bool, bool) {
		_, ok := over[r.idKey]
		return ok && r.idKey != 0, false
	})
}

// partitionRegister builds the register of one partition of
// subscriptions.
func (s *regSpill) partitionRegister(ctx context.Context, items []subItem, cfg Config, workers int, counts *simCounts) (*Register, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	rs := partRequests(items, cfg, workers, counts)
	filters := make([]*rowFilter, workers)
	for w := range filters {
		filters[w] = &rowFilter{requestSet: rs, memo: map[uint64]bool{}, fc: NewChecker(nil, cfg.ReferenceYear)}
	}
	return s.subRegister(ctx, workers, func(w int, r *spillRow) (bool, bool) { return filters[w].wants(r) })
}
