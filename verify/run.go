package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/ordered"
	"github.com/dedup-vn/dedup/internal/radix"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/state"
)

// Options configures Run.
type Options struct {
	Register    []string // register files or folders (raw extracts or one golden.parquet)
	Subscribers []string // carrier list files or folders
	OutDir      string
	Config      Config // zero fields take DefaultConfig's values
	Workers     int    // 0: GOMAXPROCS
	BatchSize   int    // rows per batch; 0: dataio.DefaultBatchSize
	Progress    bool   // progress lines on stderr

	// MemoryLimit is the budget a memory-bounded run keeps under (0:
	// DefaultMemoryLimit). The register goes to disk and the
	// subscriptions are taken in partitions (see partition.go) when it
	// would pass 60% of it, always with ForceSpill, never with NoSpill.
	MemoryLimit         int64
	ForceSpill, NoSpill bool
	// SpillDir is the parent of the temporary folder of a spilled run
	// ("": OutDir); the folder is removed when the run ends.
	SpillDir string
	// PartitionRows, when positive, is the number of subscription rows
	// per partition of a spilled run instead of what MemoryLimit allows
	// (tests force many partitions with it).
	PartitionRows int
}

// Run verifies the carrier lists against the register and writes
// verdicts.parquet, ids.parquet, rejects.parquet, summary.json and
// manifest.json into opts.OutDir.
func Run(ctx context.Context, opts Options) (*Manifest, error) {
	cfg := opts.Config.withDefaults()
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.OutDir == "" {
		return nil, errors.New("verify: no output folder")
	}
	if err := os.MkdirAll(opts.OutDir, 0o700); err != nil {
		return nil, err
	}
	regFiles := opts.Register
	if _, ok := stateFolder(regFiles); !ok {
		for _, p := range regFiles {
			if state.IsState(p) {
				return nil, fmt.Errorf("register: %s is a state folder: give it alone", p)
			}
		}
		var err error
		if regFiles, err = dataio.ListInputs(opts.Register); err != nil {
			return nil, fmt.Errorf("register: %w", err)
		}
	}
	subFiles, err := dataio.ListInputs(opts.Subscribers)
	if err != nil {
		return nil, fmt.Errorf("subscribers: %w", err)
	}
	m := &Manifest{SchemaVersion: 1, Workers: opts.Workers, Limits: limitsOf(cfg)}
	spill, partRows := plan(opts, regFiles, subFiles)
	var reg *Register
	var rs *regSpill
	if spill {
		parent := opts.SpillDir
		if parent == "" {
			parent = opts.OutDir
		}
		dir, err := os.MkdirTemp(parent, ".verify-spill-")
		if err != nil {
			return nil, fmt.Errorf("cannot create the spill folder: %w", err)
		}
		// removed on success, error and cancellation (Ctrl-C cancels ctx)
		defer os.RemoveAll(dir)
		if rs, err = spillRegister(ctx, regFiles, cfg, opts, m, dir); err != nil {
			return nil, err
		}
	} else if reg, err = LoadRegister(ctx, regFiles, cfg, opts, m); err != nil {
		return nil, err
	}
	counts, err := countSIMs(ctx, subFiles, cfg, opts)
	if err != nil {
		return nil, err
	}
	if err := writeVerdicts(ctx, reg, rs, partRows, counts, subFiles, cfg, opts, m); err != nil {
		return nil, err
	}
	if rs != nil {
		if reg, err = rs.idRegister(ctx, counts); err != nil {
			return nil, err
		}
	}
	if err := writeIDs(reg, counts, opts.OutDir, m); err != nil {
		return nil, err
	}
	if err := writeSummary(m, opts.OutDir); err != nil {
		return nil, err
	}
	if err := writeManifest(m, opts.OutDir); err != nil {
		return nil, err
	}
	return m, nil
}

// cell returns row i of a string column without copying; null is empty.
func cell(a *array.String, i int) []byte {
	if a.IsNull(i) {
		return nil
	}
	off := a.ValueOffsets()
	return a.ValueBytes()[off[i]:off[i+1]]
}

func strCol(rec arrow.RecordBatch, k int) *array.String {
	if k < 0 {
		return nil
	}
	return rec.Column(k).(*array.String)
}

func cellOf(a *array.String, i int) []byte {
	if a == nil {
		return nil
	}
	return cell(a, i)
}

// LoadRegister reads and indexes a register: raw extracts (many files) or
// a golden.parquet, told apart by their columns; all files must be of one
// kind.
func LoadRegister(ctx context.Context, files []string, cfg Config, opts Options, m *Manifest) (*Register, error) {
	var reg *Register
	var nameYear []uint64
	err := readRegister(ctx, files, cfg, opts, m, func(kind string) { reg = newRegister(kind) }, func(ch *regChunk) error {
		return reg.merge(ch, &nameYear)
	})
	if err != nil {
		return nil, err
	}
	reg.buildIndexes(nameYear)
	if m != nil {
		m.Register.Rows = int64(reg.Rows())
	}
	return reg, nil
}

// readRegister reads and normalizes a register's rows, handing them to
// consume a batch at a time in file order; start is called first with
// the register's kind. The register is normalized once, here: the
// in-memory register and the spilled one (spillRegister) take the same
// chunks.
func readRegister(ctx context.Context, files []string, cfg Config, opts Options, m *Manifest, start func(kind string), consume func(*regChunk) error) error {
	cfg = cfg.withDefaults()
	if m == nil {
		m = &Manifest{}
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if dir, ok := stateFolder(files); ok {
		return readStateRegister(ctx, dir, cfg, opts, m, start, consume)
	}
	var cols []registerColumns
	for _, f := range files {
		rc, err := detectRegister(f, cfg.Columns, cfg.RunFields)
		if err != nil {
			return err
		}
		if len(cols) > 0 && rc.kind != cols[0].kind {
			return fmt.Errorf("%s: a %s register among %s ones: give one kind", f, rc.kind, cols[0].kind)
		}
		cols = append(cols, rc)
	}
	if len(cols) == 0 {
		return errors.New("register: no files")
	}
	start(cols[0].kind)
	m.Register.Kind = cols[0].kind
	produce := func(emit func(regItem) bool) error {
		for fi, f := range files {
			rc := cols[fi]
			names := []string{rc.id, rc.name, rc.dob, rc.nid}
			opt := [6]int{-1, -1, -1, -1, -1, -1}
			for k, c := range [6]string{rc.phone, rc.gender, rc.prov, rc.prov25, rc.dobPrec, rc.person} {
				if c != "" {
					opt[k] = len(names)
					names = append(names, c)
				}
			}
			r, err := dataio.Open(f, dataio.ReadOptions{Columns: names, AsStrings: true, BatchSize: opts.BatchSize,
				OnReject: func(rj dataio.Reject) {
					m.Register.RowsRejected++
					m.regRejects = append(m.regRejects, reject{SourceRegister, rj.File, rj.Row, rj.Column, rj.Reason})
				}})
			if err != nil {
				return err
			}
			m.Register.Files = append(m.Register.Files, f)
			for r.Next() {
				if ctx.Err() != nil {
					r.Close()
					return ctx.Err()
				}
				rec := r.Batch()
				rec.Retain()
				if !emit(regItem{rec, opt[0], opt[1], opt[2], opt[3], opt[4], opt[5], -1}) {
					rec.Release()
					break
				}
			}
			err = r.Err()
			r.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	return normalizeRegister(ctx, cfg, opts, produce, consume)
}

// regItem is a batch of register rows: id, name, date of birth and ID
// number in columns 0 to 3, then the positions of its optional columns
// (-1 = absent).
type regItem struct {
	rec                                         arrow.RecordBatch
	phone, gender, pv, pv25, prec, person, addr int
}

// normalizeRegister normalizes the batches produce emits on the worker
// pool and hands them to consume in order: every kind of register goes
// through it.
func normalizeRegister(ctx context.Context, cfg Config, opts Options, produce func(emit func(regItem) bool) error, consume func(*regChunk) error) error {
	norms := make([]*normalize.Normalizer, opts.Workers)
	addrs := make([]*normalize.AddressParser, opts.Workers)
	for i := range norms {
		norms[i] = normalize.New(normalize.Options{RefYear: cfg.ReferenceYear})
	}
	var bar *progress.Reporter
	if opts.Progress {
		bar = progress.New("register", 0, progress.Options{})
		defer bar.Done()
	}
	var werr error
	return ordered.Pool[regItem, *regChunk]{Workers: opts.Workers, Work: func(w int, it regItem) (*regChunk, error) {
		defer it.rec.Release()
		ch := newRegChunk()
		ids, nm, dob, nid := strCol(it.rec, 0), strCol(it.rec, 1), strCol(it.rec, 2), strCol(it.rec, 3)
		optCol := func(k int) *array.String {
			if k < 0 {
				return nil
			}
			return strCol(it.rec, k)
		}
		ph, gd, pv, pv25, prec := optCol(it.phone), optCol(it.gender), optCol(it.pv), optCol(it.pv25), optCol(it.prec)
		person, addr := optCol(it.person), optCol(it.addr)
		if addr != nil && addrs[w] == nil {
			addrs[w] = normalize.NewAddressParser()
		}
		for i := 0; i < int(it.rec.NumRows()); i++ {
			if err := ch.add(norms[w], addrs[w], cfg.ReferenceYear, regRow{id: cell(ids, i), name: cell(nm, i), dob: trimToPrecision(cell(dob, i), cellOf(prec, i)), nid: cell(nid, i), phone: cellOf(ph, i),
				gender: cellOf(gd, i), prov: cellOf(pv, i), prov25: cellOf(pv25, i), person: cellOf(person, i), addr: cellOf(addr, i)}); err != nil {
				werr = err
				break
			}
		}
		return ch, nil
	}, Consume: func(ch *regChunk) error {
		if werr != nil {
			return werr
		}
		if bar != nil {
			bar.Add(int64(len(ch.dob)))
		}
		return consume(ch)
	}}.Stream(ctx, produce)
}

// subColumns are the indexes of the subscriber roles in a read batch.
type subColumns struct {
	names                                      []string
	sid, carrier, msisdn, name, dob, nid, addr int
}

// openSubs opens a carrier list with the columns verify needs; a list
// without a carrier column takes its file name as the carrier.
func openSubs(path string, cfg Config, batch int, onReject func(dataio.Reject)) (*dataio.Reader, subColumns, error) {
	c := cfg.Columns
	probe, err := dataio.Open(path, dataio.ReadOptions{BatchSize: 1, LazyQuotes: true})
	if err != nil {
		return nil, subColumns{}, err
	}
	var have []string
	for _, f := range probe.Schema().Fields() {
		have = append(have, f.Name)
	}
	probe.Close()
	sc := subColumns{carrier: -1, addr: -1}
	for _, n := range []string{c.SubscriptionID, c.MSISDN, c.RegName, c.RegDOB, c.RegID} {
		if !slices.Contains(have, n) {
			return nil, sc, &dataio.Error{File: path, Column: n, Err: fmt.Errorf("%w: a carrier list needs %s, %s, %s, %s and %s", dataio.ErrMissingColumn, c.SubscriptionID, c.MSISDN, c.RegName, c.RegDOB, c.RegID)}
		}
	}
	sc.names = []string{c.SubscriptionID, c.MSISDN, c.RegName, c.RegDOB, c.RegID}
	sc.sid, sc.msisdn, sc.name, sc.dob, sc.nid = 0, 1, 2, 3, 4
	if slices.Contains(have, c.Carrier) {
		sc.carrier = len(sc.names)
		sc.names = append(sc.names, c.Carrier)
	}
	if slices.Contains(have, c.RegAddress) {
		sc.addr = len(sc.names)
		sc.names = append(sc.names, c.RegAddress)
	}
	r, err := dataio.Open(path, dataio.ReadOptions{Columns: sc.names, AsStrings: true, BatchSize: batch, LazyQuotes: false, OnReject: onReject})
	return r, sc, err
}

// simCounts holds the subscriptions per ID number and carrier, the
// carrier names and which rows repeat a subscription.
type simCounts struct {
	carriers []string        // carrier names, sorted
	unknown  int             // index of CarrierUnknown in carriers, -1 if none
	keys     []uint64        // ID keys, sorted
	total    []int32         // per key
	maxCar   []int32         // largest per-carrier count per key (CarrierUnknown left out)
	perCar   map[int][]int32 // key index → count per carrier, for IDs over a limit
	over     []uint8         // per key: bit 0 R1, bit 1 R6
	cfg      Config
	names    carrierCache
	// dup has a bit per row the readers return (all lists, in file
	// order): set for a row whose carrier and subscription id an earlier
	// row has. Only the first is verified and counted.
	dup []uint64
	// support has per row the Support bits: other subscriptions on its
	// ID (not repeats) give the same date of birth, the same name.
	support []uint8
	// alt holds per row the AltDOB of SubInput, nil when none has one.
	alt []int32
}

// altOf returns the AltDOB of row g.
func (s *simCounts) altOf(g int64) int32 {
	if g < int64(len(s.alt)) {
		return s.alt[g]
	}
	return 0
}

// supportOf returns the Support bits of row g.
func (s *simCounts) supportOf(g int64) uint8 {
	if g < int64(len(s.support)) {
		return s.support[g]
	}
	return 0
}

const (
	overR1 = 1 << iota
	overR6
)

// isDup says whether row g (in file order over all lists) repeats an
// earlier subscription.
func (s *simCounts) isDup(g int64) bool {
	return g>>6 < int64(len(s.dup)) && s.dup[g>>6]&(1<<(g&63)) != 0
}

// subKeys are two independent 64-bit hashes of a (carrier, subscription
// id): equal in both only for the same subscription (a false match needs
// a 128-bit collision).
func subKeys(carrier string, sid []byte) (uint64, uint64) {
	return blocking.NewHasher().String(carrier).Bytes(sid).Sum(),
		blocking.NewHasher().Uint64(0x9e3779b97f4a7c15).String(carrier).Bytes(sid).Sum()
}

// countSIMs reads the ID and carrier columns of every list, finds the
// rows that repeat a subscription (same carrier and subscription id) and
// counts subscriptions per ID number, per carrier and in total. Rows
// rejected by the reader, without a subscription id or repeating one are
// left out, as in the verdicts.
func countSIMs(ctx context.Context, files []string, cfg Config, opts Options) (*simCounts, error) {
	carIdx := map[string]int32{}
	var carNames []string
	names := carrierCache{}
	// per row returned by the readers: its ID key (0: none or no
	// subscription id), carrier index and second subscription hash
	var idKeys, h2 []uint64
	var cars []int32
	var subs []blocking.Entry // first subscription hash, row
	// per row: the full date of birth given (0: none) and the name as
	// spelt (spellingKey), for the support bits
	var dobs []int32
	var nameKeys []uint64
	for _, f := range files {
		r, sc, err := openSubs(f, cfg, opts.BatchSize, func(dataio.Reject) {})
		if err != nil {
			return nil, err
		}
		names[fileKey+f] = fileCarrier(f)
		for r.Next() {
			if ctx.Err() != nil {
				r.Close()
				return nil, ctx.Err()
			}
			rec := r.Batch()
			sid, nid, car := strCol(rec, sc.sid), strCol(rec, sc.nid), strCol(rec, sc.carrier)
			nmc, dobc := strCol(rec, sc.name), strCol(rec, sc.dob)
			for i := 0; i < int(rec.NumRows()); i++ {
				g := len(idKeys)
				if g >= 1<<31-1 {
					r.Close()
					return nil, errors.New("subscribers: more than 2^31 rows")
				}
				var c []byte
				if car != nil {
					c = cell(car, i)
					if _, ok := names[string(c)]; !ok {
						names[string(c)] = CarrierName(string(c))
					}
				}
				name := names.of(c, car != nil, f)
				ci, ok := carIdx[name]
				if !ok {
					ci = int32(len(carNames))
					carIdx[name] = ci
					carNames = append(carNames, name)
				}
				cars = append(cars, ci)
				s := cell(sid, i)
				if blank(s) {
					idKeys, h2 = append(idKeys, 0), append(h2, 0)
					dobs, nameKeys = append(dobs, 0), append(nameKeys, 0)
					continue
				}
				d := normalize.ParseDate(cell(dobc, i), normalize.DateOptions{RefYear: cfg.ReferenceYear})
				dk := int32(0)
				if d.Valid() && d.Precision == normalize.PrecisionDay {
					dk = d.Packed()
				}
				dobs, nameKeys = append(dobs, dk), append(nameKeys, spellingKey(cell(nmc, i)))
				k1, k2 := subKeys(name, bytes.TrimSpace(s))
				subs = append(subs, blocking.Entry{Key: k1, Row: int32(g)})
				h2 = append(h2, k2)
				id := normalize.ParseID(cell(nid, i))
				idKeys = append(idKeys, IDKey(&id))
			}
		}
		err = r.Err()
		r.Close()
		if err != nil {
			return nil, err
		}
	}
	dup := make([]uint64, (len(idKeys)+63)/64)
	subs = radix.Sort(subs, make([]blocking.Entry, len(subs)))
	for lo := 0; lo < len(subs); {
		hi := lo + 1
		for hi < len(subs) && subs[hi].Key == subs[lo].Key {
			hi++
		}
		// rows of one key are in file order (the sort is stable): all
		// but the first of each second hash repeat it
		for j := lo + 1; j < hi; j++ {
			for i := lo; i < j; i++ {
				if h2[subs[i].Row] == h2[subs[j].Row] {
					g := subs[j].Row
					dup[g>>6] |= 1 << (g & 63)
					break
				}
			}
		}
		lo = hi
	}
	subs, h2 = nil, nil
	support, alt := supportBits(idKeys, dup, dobs, nameKeys)
	dobs, nameKeys = nil, nil
	var entries []blocking.Entry
	for g, k := range idKeys {
		if k != 0 && dup[g>>6]&(1<<(g&63)) == 0 {
			entries = append(entries, blocking.Entry{Key: k, Row: cars[g]})
		}
	}
	idKeys, cars = nil, nil
	// carriers in name order, so output columns do not depend on file order
	order := slices.Clone(carNames)
	sort.Strings(order)
	remap := make([]int32, len(carNames))
	for i, n := range carNames {
		remap[i] = int32(slices.Index(order, n))
	}
	entries = radix.Sort(entries, make([]blocking.Entry, len(entries)))
	sc := &simCounts{carriers: order, unknown: slices.Index(order, CarrierUnknown), perCar: map[int][]int32{}, cfg: cfg, names: names, dup: dup, support: support, alt: alt}
	per := make([]int32, len(order))
	for lo := 0; lo < len(entries); {
		hi := lo
		clear(per)
		for hi < len(entries) && entries[hi].Key == entries[lo].Key {
			per[remap[entries[hi].Row]]++
			hi++
		}
		// R1 is per network: subscriptions of no known network count
		// towards the total only
		mx := int32(0)
		for ci, n := range per {
			if ci != sc.unknown {
				mx = max(mx, n)
			}
		}
		var o uint8
		if cfg.MaxPerCarrier >= 0 && int(mx) > cfg.MaxPerCarrier {
			o |= overR1
		}
		if cfg.MaxTotal >= 0 && hi-lo > cfg.MaxTotal {
			o |= overR6
		}
		if o != 0 {
			sc.perCar[len(sc.keys)] = slices.Clone(per)
		}
		sc.keys = append(sc.keys, entries[lo].Key)
		sc.total = append(sc.total, int32(hi-lo))
		sc.maxCar = append(sc.maxCar, mx)
		sc.over = append(sc.over, o)
		lo = hi
	}
	return sc, nil
}

// spellingKey hashes a name as written, spaces collapsed and case
// ignored (ASCII): two carriers' clerks spelling it alike. 0 for none.
func spellingKey(name []byte) uint64 {
	h := blocking.NewHasher()
	n := 0
	for _, w := range bytes.Fields(name) {
		h = h.Bytes(bytes.ToLower(w))
		n++
	}
	if n == 0 {
		return 0
	}
	return h.Sum()
}

// supportBits sets, per subscription row, SupportDOB when another
// subscription on its ID (not a repeat) gives the same full date of
// birth, and SupportName when another spells the name alike; and, per
// row, the other full date of birth given with the name spelt alike
// (the smallest when several), 0 for none.
func supportBits(idKeys, dup []uint64, dobs []int32, nameKeys []uint64) ([]uint8, []int32) {
	var e []blocking.Entry
	for g, k := range idKeys {
		if k != 0 && dup[g>>6]&(1<<(g&63)) == 0 {
			e = append(e, blocking.Entry{Key: k, Row: int32(g)})
		}
	}
	e = radix.Sort(e, make([]blocking.Entry, len(e)))
	out := make([]uint8, len(idKeys))
	var alt []int32
	for lo := 0; lo < len(e); {
		hi := lo + 1
		for hi < len(e) && e[hi].Key == e[lo].Key {
			hi++
		}
		for a := lo; a < hi; a++ {
			for b := a + 1; b < hi; b++ {
				i, j := e[a].Row, e[b].Row
				if dobs[i] != 0 && dobs[i] == dobs[j] {
					out[i] |= SupportDOB
					out[j] |= SupportDOB
				}
				if nameKeys[i] != 0 && nameKeys[i] == nameKeys[j] {
					out[i] |= SupportName
					out[j] |= SupportName
					if di, dj := dobs[i], dobs[j]; di != 0 && dj != 0 && di != dj {
						if alt == nil {
							alt = make([]int32, len(idKeys))
						}
						if alt[i] == 0 || dj < alt[i] {
							alt[i] = dj
						}
						if alt[j] == 0 || di < alt[j] {
							alt[j] = di
						}
					}
				}
			}
		}
		lo = hi
	}
	return out, alt
}

// find returns the index of an ID key, -1 if absent.
func (s *simCounts) find(k uint64) int {
	if k == 0 {
		return -1
	}
	i, ok := slices.BinarySearch(s.keys, k)
	if !ok {
		return -1
	}
	return i
}

// appendRules writes the rule ids an ID breaks: "R1", "R6" or "R1;R6".
func appendRules(dst []byte, o uint8) []byte {
	if o&overR1 != 0 {
		dst = append(dst, RulePerCarrier...)
	}
	if o&overR6 != 0 {
		if o&overR1 != 0 {
			dst = append(dst, ';')
		}
		dst = append(dst, RuleTotal...)
	}
	return dst
}

// verdictSchema is the schema of verdicts.parquet.
var verdictSchema = arrow.NewSchema([]arrow.Field{
	{Name: "subscription_id", Type: arrow.BinaryTypes.String},
	{Name: runfolder.ColCarrier, Type: arrow.BinaryTypes.String},
	{Name: "source", Type: arrow.BinaryTypes.String},
	{Name: "row", Type: arrow.PrimitiveTypes.Int64},
	{Name: runfolder.ColVerdict, Type: arrow.BinaryTypes.String},
	{Name: "verdict_code", Type: arrow.BinaryTypes.String},
	{Name: "mismatch_fields", Type: arrow.BinaryTypes.String},
	{Name: "differences", Type: arrow.BinaryTypes.String},
	{Name: "reason", Type: arrow.BinaryTypes.String},
	{Name: "matched_id", Type: arrow.BinaryTypes.String},
	{Name: "id_holder_id", Type: arrow.BinaryTypes.String},
	{Name: "phone_owner_id", Type: arrow.BinaryTypes.String},
	{Name: "tie", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "candidates", Type: arrow.PrimitiveTypes.Int32},
	{Name: "name_level", Type: arrow.PrimitiveTypes.Int8},
	{Name: "name_sim", Type: arrow.PrimitiveTypes.Float32},
	{Name: "dob_level", Type: arrow.PrimitiveTypes.Int8},
	{Name: "id_level", Type: arrow.PrimitiveTypes.Int8},
	{Name: "phone_level", Type: arrow.PrimitiveTypes.Int8},
	{Name: "sims_on_id", Type: arrow.PrimitiveTypes.Int32},
	{Name: "sims_on_id_carrier_max", Type: arrow.PrimitiveTypes.Int32},
	{Name: "over_limit", Type: arrow.FixedWidthTypes.Boolean},
	{Name: "limit_rules", Type: arrow.BinaryTypes.String},
	{Name: "evidence", Type: arrow.BinaryTypes.String},
	{Name: "register_inconsistent", Type: arrow.FixedWidthTypes.Boolean},
	// person_id is the register's person of matched_id (a state's or a
	// golden register's person ID; "" for raw extracts, whose person is
	// the record, and when nobody is matched); msisdn as the list gives it.
	{Name: runfolder.ColPersonID, Type: arrow.BinaryTypes.String},
	{Name: "msisdn", Type: arrow.BinaryTypes.String},
}, nil)

// Sources of rejects.parquet's rows (its schema is run's,
// runfolder.RejectsSchema).
const (
	SourceSubscribers = "subscribers"
	SourceRegister    = "register"
)

// reject is one row of rejects.parquet.
type reject struct {
	source, file   string
	row            int64
	column, reason string
}

// appendReject adds a reject to a builder of runfolder.RejectsSchema.
func appendReject(b *array.RecordBuilder, r reject) {
	f := b.Fields()
	f[0].(*array.StringBuilder).Append(r.source)
	f[1].(*array.StringBuilder).Append(r.file)
	f[2].(*array.Int64Builder).Append(r.row)
	f[3].(*array.StringBuilder).Append(r.column)
	f[4].(*array.StringBuilder).Append(r.reason)
}

// subItem is one batch of a carrier list.
type subItem struct {
	rec  arrow.RecordBatch
	sc   subColumns
	file int
	rows []int64 // 1-based file rows
	// first is the index of the batch's first row among all rows the
	// readers return, in file order (simCounts.isDup's numbering)
	first int64
	// reg is the register the batch is checked against: the whole one,
	// or its partition's (partition.go)
	reg *Register
}

// subOut is a worker's result for one batch.
type subOut struct {
	rec     arrow.RecordBatch
	rejects []reject
	stats   map[string]*CarrierSummary
}

// writeVerdicts checks the lists against reg, or, when rs is set, against
// the spilled register a partition of partRows rows at a time.
func writeVerdicts(ctx context.Context, reg *Register, rs *regSpill, partRows int, counts *simCounts, files []string, cfg Config, opts Options, m *Manifest) error {
	w, err := dataio.Create(filepath.Join(opts.OutDir, runfolder.FileVerdicts), verdictSchema)
	if err != nil {
		return err
	}
	defer w.Abort()
	rw, err := dataio.Create(filepath.Join(opts.OutDir, runfolder.FileRejects), runfolder.RejectsSchema)
	if err != nil {
		return err
	}
	defer rw.Abort()
	rb := array.NewRecordBuilder(memory.DefaultAllocator, runfolder.RejectsSchema)
	defer rb.Release()
	// the register's rejects come first, as the register is read first
	for _, rj := range m.regRejects {
		appendReject(rb, rj)
	}

	checkers := make([]*Checker, opts.Workers)
	builders := make([]*array.RecordBuilder, opts.Workers)
	for i := range checkers {
		checkers[i] = NewChecker(reg, cfg.ReferenceYear)
		builders[i] = array.NewRecordBuilder(memory.DefaultAllocator, verdictSchema)
		defer builders[i].Release()
	}
	m.Subscribers = make([]SubscriberFile, len(files))
	var readerRejects []reject
	var g int64 // rows returned by the readers so far
	var bar *progress.Reporter
	if opts.Progress {
		bar = progress.New("subscriptions", 0, progress.Options{})
		defer bar.Done()
	}
	sum := map[string]*CarrierSummary{}
	var part []subItem // the batches of the partition being read
	partN := 0
	// flush builds the register of the buffered partition and hands its
	// batches on; false when the stream stopped or the build failed.
	var perr error
	flush := func(emit func(subItem) bool) bool {
		if len(part) == 0 {
			return true
		}
		preg, err := rs.partitionRegister(ctx, part, cfg, opts.Workers, counts)
		if err != nil {
			perr = err
			for _, it := range part {
				it.rec.Release()
			}
			part = part[:0]
			return false
		}
		m.Partitions++
		for k, it := range part {
			it.reg = preg
			if !emit(it) {
				for _, rest := range part[k:] {
					rest.rec.Release()
				}
				part = part[:0]
				return false
			}
		}
		part, partN = part[:0], 0
		return true
	}
	produce := func(emit func(subItem) bool) error {
		if rs != nil {
			direct := emit
			emit = func(it subItem) bool {
				part = append(part, it)
				partN += len(it.rows)
				if partN >= partRows {
					return flush(direct)
				}
				return true
			}
			defer func() {
				for _, it := range part {
					it.rec.Release()
				}
				part = nil
			}()
			err := produceSubs(ctx, files, cfg, opts, m, &readerRejects, &g, emit)
			if err == nil && perr == nil {
				flush(direct)
			}
			if perr != nil {
				return perr
			}
			return err
		}
		return produceSubs(ctx, files, cfg, opts, m, &readerRejects, &g, func(it subItem) bool {
			it.reg = reg
			if !emit(it) {
				it.rec.Release()
				return false
			}
			return true
		})
	}
	err = ordered.Pool[subItem, subOut]{Workers: opts.Workers, Work: func(wk int, it subItem) (subOut, error) {
		checkers[wk].reg = it.reg
		return verdictBatch(checkers[wk], builders[wk], counts, files[it.file], it), nil
	}, Consume: func(o subOut) error {
		defer o.rec.Release()
		if err := w.Write(o.rec); err != nil {
			return err
		}
		for c, s := range o.stats {
			if sum[c] == nil {
				sum[c] = newCarrierSummary(c)
			}
			sum[c].merge(s)
		}
		for _, rj := range o.rejects {
			appendReject(rb, rj)
		}
		if bar != nil {
			bar.Add(o.rec.NumRows())
		}
		return nil
	}}.Stream(ctx, produce)
	if err != nil {
		return err
	}
	// Reader rejects (ragged rows, bad UTF-8…) come after the row rejects;
	// the reader reports them in file order.
	for _, rj := range readerRejects {
		appendReject(rb, rj)
	}
	if rb.Field(0).Len() > 0 {
		rec := rb.NewRecordBatch()
		err := rw.Write(rec)
		rec.Release()
		if err != nil {
			return err
		}
	}
	if err := w.Commit(); err != nil {
		return err
	}
	if err := rw.Commit(); err != nil {
		return err
	}
	// per-file verdict counts and the carrier summary
	for _, s := range sum {
		m.Carriers = append(m.Carriers, s)
	}
	sort.Slice(m.Carriers, func(i, j int) bool { return m.Carriers[i].Carrier < m.Carriers[j].Carrier })
	for _, s := range m.Carriers {
		for fi := range m.Subscribers {
			m.Subscribers[fi].Verdicts += s.byFile[fi]
			m.Subscribers[fi].Rejects += s.rejByFile[fi]
			m.Subscribers[fi].Duplicates += s.dupByFile[fi]
		}
	}
	return nil
}

// produceSubs reads the carrier lists in file order and hands each
// batch to emit, which owns it (releases it) whether or not it goes on;
// emit false stops the reading.
func produceSubs(ctx context.Context, files []string, cfg Config, opts Options, m *Manifest, readerRejects *[]reject, g *int64, emit func(subItem) bool) error {
	for fi, f := range files {
		m.Subscribers[fi].File = f
		r, sc, err := openSubs(f, cfg, opts.BatchSize, func(rj dataio.Reject) {
			// reader rejects go through the ordered stream with the next batch
			*readerRejects = append(*readerRejects, reject{SourceSubscribers, rj.File, rj.Row, rj.Column, rj.Reason})
			m.Subscribers[fi].Rejects++
			m.Subscribers[fi].RowsIn++
		})
		if err != nil {
			return err
		}
		for r.Next() {
			if ctx.Err() != nil {
				r.Close()
				return ctx.Err()
			}
			rec := r.Batch()
			rec.Retain()
			rows := make([]int64, rec.NumRows())
			for i := range rows {
				rows[i] = r.Row(i) + 1
			}
			m.Subscribers[fi].RowsIn += int64(len(rows))
			it := subItem{rec: rec, sc: sc, file: fi, rows: rows, first: *g}
			*g += int64(len(rows))
			if !emit(it) {
				r.Close()
				return nil
			}
		}
		err = r.Err()
		r.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// verdictBatch checks the rows of one batch.
func verdictBatch(c *Checker, b *array.RecordBuilder, counts *simCounts, file string, it subItem) subOut {
	defer it.rec.Release()
	sc := it.sc
	sid, ms, nm, dob, nid, car := strCol(it.rec, sc.sid), strCol(it.rec, sc.msisdn), strCol(it.rec, sc.name), strCol(it.rec, sc.dob), strCol(it.rec, sc.nid), strCol(it.rec, sc.carrier)
	addr := strCol(it.rec, sc.addr)
	out := subOut{stats: map[string]*CarrierSummary{}}
	f := b.Fields()
	str := func(k int) *array.StringBuilder { return f[k].(*array.StringBuilder) }
	var res Result
	var buf []byte
	reg := c.reg
	idOf := func(k int32) string {
		if k < 0 {
			return ""
		}
		return string(reg.ids.Get(k))
	}
	for i := 0; i < int(it.rec.NumRows()); i++ {
		carrier := counts.names.of(cellOf(car, i), car != nil, file)
		st := out.stats[carrier]
		if st == nil {
			st = newCarrierSummary(carrier)
			st.cellName = car != nil && !knownCarrier(carrier)
			out.stats[carrier] = st
		}
		if blank(cell(sid, i)) {
			out.rejects = append(out.rejects, reject{SourceSubscribers, file, it.rows[i], sc.names[sc.sid], ReasonSubIDMissing})
			st.addReject(it.file)
			continue
		}
		if counts.isDup(it.first + int64(i)) {
			out.rejects = append(out.rejects, reject{SourceSubscribers, file, it.rows[i], sc.names[sc.sid], ReasonSubIDDuplicate})
			st.addReject(it.file)
			st.Duplicates++
			st.dupByFile[it.file]++
			continue
		}
		in := SubInput{Name: cell(nm, i), DOB: cell(dob, i), ID: cell(nid, i), MSISDN: cell(ms, i), Support: counts.supportOf(it.first + int64(i)), AltDOB: counts.altOf(it.first + int64(i))}
		if addr != nil {
			in.Address = cell(addr, i)
		}
		c.Check(in, &res)
		str(0).BinaryBuilder.Append(cell(sid, i))
		str(1).Append(carrier)
		str(2).Append(file)
		f[3].(*array.Int64Builder).Append(it.rows[i])
		str(4).Append(res.Verdict)
		var over uint8
		total, mx := int32(0), int32(0)
		if k := counts.find(res.IDKey); k >= 0 {
			over, total, mx = counts.over[k], counts.total[k], counts.maxCar[k]
		}
		buf = append(buf[:0], res.Verdict...)
		if res.Fields != "" {
			buf = append(buf, ':')
			buf = append(buf, strings.ReplaceAll(res.Fields, ";", ",")...)
		}
		if res.Partial {
			buf = append(buf, ":dob_partial"...)
		}
		if over != 0 {
			buf = append(buf, "/over_limit"...)
		}
		str(5).BinaryBuilder.Append(buf)
		str(6).Append(res.Fields)
		str(7).BinaryBuilder.Append(res.Differences)
		str(8).Append(res.Reason)
		str(9).Append(idOf(res.Matched))
		str(10).Append(idOf(res.Holder))
		str(11).Append(idOf(res.PhoneOwner))
		f[12].(*array.BooleanBuilder).Append(res.Tie)
		f[13].(*array.Int32Builder).Append(res.Candidates)
		f[14].(*array.Int8Builder).Append(res.NameLevel)
		f[15].(*array.Float32Builder).Append(res.NameSim)
		f[16].(*array.Int8Builder).Append(res.DOBLevel)
		f[17].(*array.Int8Builder).Append(res.IDLevel)
		f[18].(*array.Int8Builder).Append(res.PhoneLevel)
		f[19].(*array.Int32Builder).Append(total)
		f[20].(*array.Int32Builder).Append(mx)
		f[21].(*array.BooleanBuilder).Append(over != 0)
		buf = appendRules(buf[:0], over)
		str(22).BinaryBuilder.Append(buf)
		str(23).Append(res.Evidence)
		f[24].(*array.BooleanBuilder).Append(res.Inconsistent)
		str(25).Append(reg.PersonID(res.Matched))
		str(26).BinaryBuilder.Append(cell(ms, i))
		st.add(it.file, &res, over != 0)
	}
	out.rec = b.NewRecordBatch()
	return out
}
