// Command ours is dedup's side of the peer benchmark: over the normalized
// records written by benchmarks/export it computes the default config's
// blocking keys as the pipeline does (hashing the key parts with the rule
// index), builds the blocking index, enumerates every candidate pair once
// (under its first rule) and computes linkage.JaroWinkler on the folded
// names of each pair — the same work benchmarks/peer asks of DuckDB — and
// prints its figures as one JSON object.
//
//	go run ./benchmarks/ours --in norm.parquet
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/internal/parallel"
	"github.com/dedup-vn/dedup/internal/prefetch"
	"github.com/dedup-vn/dedup/internal/strcol"
	"github.com/dedup-vn/dedup/linkage"
)

// rule is one blocking rule as columns of the exported file.
type rule struct {
	name string
	keys []string
}

// parseRules reads NAME=COL,COL;NAME=COL... as printed by
// `export --rules`.
func parseRules(spec string) ([]rule, error) {
	var rs []rule
	for _, r := range strings.Split(spec, ";") {
		name, cols, ok := strings.Cut(r, "=")
		if !ok || name == "" || cols == "" {
			return nil, fmt.Errorf("rules: %q is not NAME=COL,COL", r)
		}
		rs = append(rs, rule{name: name, keys: strings.Split(cols, ",")})
	}
	if len(rs) > blocking.MaxRules {
		return nil, fmt.Errorf("rules: at most %d", blocking.MaxRules)
	}
	return rs, nil
}

type result struct {
	Engine       string             `json:"engine"`
	Workers      int                `json:"workers"`
	Records      int64              `json:"records"`
	PairsPerRule map[string]int64   `json:"pairs_per_rule"`
	Pairs        int64              `json:"pairs"`
	SumJW        float64            `json:"sum_jw"`
	PairsJW088   int64              `json:"pairs_jw_ge_0_88"`
	Seconds      map[string]float64 `json:"seconds"`
	SecondsTotal float64            `json:"seconds_total"`
	MaxBlockSize int                `json:"max_block_size"`
	Window       int                `json:"window"`
	// CPUWork is the process's user+system CPU time over the timed work
	// (keys, block, score), from getrusage; CPU splits it by stage.
	CPUWork float64            `json:"cpu_seconds_work"`
	CPU     map[string]float64 `json:"cpu_seconds"`
	// Repeats holds every run's seconds and CPU when --repeat > 1.
	Repeats []map[string]float64 `json:"repeats,omitempty"`
}

// strCol is a string column: value i is Get(i), null = empty.
type strCol = strcol.Column

func main() {
	in := flag.String("in", "", "normalized records (Parquet from benchmarks/export)")
	workers := flag.Int("workers", runtime.GOMAXPROCS(0), "worker goroutines")
	maxBlock := flag.Int("max-block-size", 1000, "largest block enumerated in full")
	window := flag.Int("window", 20, "sorted-neighbourhood window of a capped block")
	flag.IntVar(&chunkPairs, "chunk-pairs", 0, "candidate pairs per enumeration chunk (0: blocking's default)")
	flag.StringVar(&dumpKeys, "dump-keys", "", "write the rules' keys and the secondary key to this file (raw little-endian uint64: n, rules, each rule's keys, the secondary keys hashed) for blocking's BenchmarkBuildDumped")
	flag.BoolVar(&printStats, "stats", false, "print each rule's blocking statistics (key hashes and counts only) to stderr")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the timed work (keys, block, score) to this file")
	repeat := flag.Int("repeat", 1, "do the timed work this many times on the loaded file (for measurements; the figures are the last run's, every run's are in repeats)")
	rulesSpec := flag.String("rules", "", "blocking rules as printed by `export --rules` (required)")
	flag.Parse()
	if *in == "" || *rulesSpec == "" {
		fmt.Fprintln(os.Stderr, "usage: ours --in normalized.parquet --rules \"$(export --rules)\"")
		os.Exit(2)
	}
	rules, err := parseRules(*rulesSpec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ours:", err)
		os.Exit(1)
	}
	res, err := runRepeat(*in, rules, *workers, *maxBlock, *window, max(*repeat, 1), *cpuProfile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ours:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		fmt.Fprintln(os.Stderr, "ours:", err)
		os.Exit(1)
	}
}

// Measurement knobs: blocking.Options.ChunkPairs (--chunk-pairs) and
// whether to print the rules' statistics (--stats).
var (
	chunkPairs int
	printStats bool
	dumpKeys   string
)

// loaded is the file's columns in memory.
type loaded struct {
	n       int
	strs    map[string]*strCol
	ints    map[string][]int32
	seconds float64
}

// run loads in and does the timed work once.
func run(in string, rules []rule, workers, maxBlock, window int) (*result, error) {
	return runRepeat(in, rules, workers, maxBlock, window, 1, "")
}

// runRepeat loads in once and does the timed work repeat times, profiling
// the work into cpuProfile when it is not empty. The result is the last
// run's, with every run's figures in Repeats when repeat > 1.
func runRepeat(in string, rules []rule, workers, maxBlock, window, repeat int, cpuProfile string) (*result, error) {
	d, err := load(in, rules)
	if err != nil {
		return nil, err
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, err
		}
		defer pprof.StopCPUProfile()
	}
	var res *result
	var reps []map[string]float64
	for range repeat {
		if res, err = work(d, rules, workers, maxBlock, window); err != nil {
			return nil, err
		}
		rep := map[string]float64{"cpu": res.CPUWork}
		for k, v := range res.CPU {
			rep["cpu_"+k] = v
		}
		for k, v := range res.Seconds {
			rep[k] = v
		}
		reps = append(reps, rep)
	}
	if repeat > 1 {
		res.Repeats = reps
	}
	return res, nil
}

// cpuNow is the process's user+system CPU time in seconds.
func cpuNow() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// load reads the columns the rules use, plus folded, into memory.
func load(in string, rules []rule) (*loaded, error) {
	t0 := time.Now()
	// The columns the rules read, plus folded; string or int32 as stored.
	names := []string{"folded"}
	for _, ru := range rules {
		for _, c := range ru.keys {
			if !slices.Contains(names, c) {
				names = append(names, c)
			}
		}
	}
	strs := map[string]*strCol{}
	ints := map[string][]int32{}
	rd, err := dataio.Open(in, dataio.ReadOptions{Columns: names})
	if err != nil {
		return nil, err
	}
	for k, name := range names {
		switch t := rd.Schema().Field(k).Type.ID(); t {
		case arrow.STRING:
			strs[name] = &strCol{Offs: []uint32{0}}
		case arrow.INT32:
			ints[name] = []int32{}
		default:
			rd.Close()
			return nil, fmt.Errorf("column %s: type %s, want string or int32", name, rd.Schema().Field(k).Type)
		}
	}
	for rd.Next() {
		rec := rd.Batch()
		for k, name := range names {
			col := rec.Column(k)
			if sc, ok := strs[name]; ok {
				a := col.(*array.String)
				for i := 0; i < a.Len(); i++ {
					if !a.IsNull(i) {
						sc.Data = append(sc.Data, a.Value(i)...)
					}
					sc.Offs = append(sc.Offs, uint32(len(sc.Data)))
				}
				continue
			}
			a := col.(*array.Int32)
			for i := 0; i < a.Len(); i++ {
				v := int32(0)
				if !a.IsNull(i) {
					v = a.Value(i)
				}
				ints[name] = append(ints[name], v)
			}
		}
	}
	if err := rd.Err(); err != nil {
		rd.Close()
		return nil, err
	}
	rd.Close()
	return &loaded{n: len(strs["folded"].Offs) - 1, strs: strs, ints: ints, seconds: time.Since(t0).Seconds()}, nil
}

// work computes the keys, builds the index, enumerates and scores every
// pair: the timed part of the benchmark.
func work(d *loaded, rules []rule, workers, maxBlock, window int) (*result, error) {
	res := &result{Engine: "dedup", Workers: workers, PairsPerRule: map[string]int64{}, Seconds: map[string]float64{}, CPU: map[string]float64{}, MaxBlockSize: maxBlock, Window: window}
	n, strs, ints := d.n, d.strs, d.ints
	res.Records = int64(n)
	res.Seconds["load"] = d.seconds
	start := time.Now()
	cpu0 := cpuNow()

	// Keys: per rule, the hash of the rule index and its parts, 0 when a
	// part is missing, as pipeline/block.go computes them; the secondary
	// key is the first eight bytes of the folded name, big-endian.
	t0 := time.Now()
	folded := strs["folded"]
	sec := make([]uint64, n)
	for i := range sec {
		var buf [8]byte
		copy(buf[:], folded.Get(int32(i)))
		sec[i] = binary.BigEndian.Uint64(buf[:])
	}
	brules := make([]blocking.Rule, len(rules))
	for k, ru := range rules {
		brules[k] = blocking.Rule{Name: ru.name, Keys: make([]uint64, n), Secondary: sec}
	}
	// Rules and rows are independent: hash them on all workers, a range of
	// rows of one rule at a time, so that the workers finish together.
	const keyRows = 1 << 17
	ranges := (n + keyRows - 1) / keyRows
	parallel.For(workers, len(rules)*ranges, func(_, t int) {
		k, r0 := t/ranges, t%ranges*keyRows
		ruleKeys(brules[k].Keys[r0:min(r0+keyRows, n)], r0, k, rules[k], strs, ints)
	})
	res.Seconds["keys"] = time.Since(t0).Seconds()
	c := cpuNow()
	res.CPU["keys"] = c - cpu0
	if dumpKeys != "" {
		if err := writeKeys(dumpKeys, n, brules, sec); err != nil {
			return nil, err
		}
		c = cpuNow()
	}
	t0 = time.Now()
	ix, err := blocking.Build(n, brules, blocking.Options{MaxBlockSize: maxBlock, Window: window, Workers: workers, ChunkPairs: chunkPairs})
	if err != nil {
		return nil, err
	}
	res.Seconds["block"] = time.Since(t0).Seconds()
	res.CPU["block"], c = cpuNow()-c, cpuNow()
	if printStats {
		for _, st := range ix.Stats() {
			fmt.Fprintln(os.Stderr, st)
		}
	}

	// Enumerate and score: per worker sums, merged in worker order.
	t0 = time.Now()
	type acc struct {
		pairs [blocking.MaxRules]int64
		sum   float64
		ge088 int64
		_     [64]byte // keep workers' counters on separate cache lines
	}
	accs := make([]acc, workers)
	err = ix.EnumerateParallel(workers, func(w int, c *blocking.Chunk) error {
		a := &accs[w]
		s, ge := 0.0, int64(0)
		// The names of the pairs ahead are prefetched as the engine's
		// score loop prefetches its records (pipeline's prefetchPairs).
		pairs := c.Pairs
		const d = linkage.PrefetchDistance
		for k, p := range pairs {
			if k+2*d < len(pairs) {
				q := pairs[k+2*d]
				prefetch.Uint32(folded.Offs, int(q.Left))
				prefetch.Uint32(folded.Offs, int(q.Right))
			}
			if k+d < len(pairs) {
				q := pairs[k+d]
				prefetch.Byte(folded.Data, int(folded.Offs[q.Left]))
				prefetch.Byte(folded.Data, int(folded.Offs[q.Right]))
			}
			jw := linkage.JaroWinkler(folded.Get(p.Left), folded.Get(p.Right))
			s += jw
			if jw >= 0.88 {
				ge++
			}
		}
		a.pairs[c.Rule] += int64(len(c.Pairs))
		a.sum += s
		a.ge088 += ge
		return nil
	})
	if err != nil {
		return nil, err
	}
	res.Seconds["score"] = time.Since(t0).Seconds()
	res.CPU["score"] = cpuNow() - c
	res.CPUWork = cpuNow() - cpu0
	res.SecondsTotal = d.seconds + time.Since(start).Seconds()
	for _, a := range accs {
		for k, ru := range rules {
			res.PairsPerRule[ru.name] += a.pairs[k]
			res.Pairs += a.pairs[k]
		}
		res.SumJW += a.sum
		res.PairsJW088 += a.ge088
	}
	return res, nil
}

// ruleKeys hashes rule k's parts for rows [r0, r0+len(keys)) into keys:
// the hash of the rule index and its parts, 0 when a part is missing, as
// pipeline/block.go computes them.
func ruleKeys(keys []uint64, r0, k int, ru rule, strs map[string]*strCol, ints map[string][]int32) {
	type part struct {
		str  *strCol // nil for an int column
		ints []int32
	}
	// Resolve the part columns once, not per record.
	parts := make([]part, len(ru.keys))
	for j, name := range ru.keys {
		parts[j] = part{str: strs[name], ints: ints[name]}
	}
	// The rule index is every key's first part: hash it once.
	h0 := blocking.NewHasher().Uint64(uint64(k))
	for x := range keys {
		i := r0 + x
		h := h0
		ok := true
		for _, pt := range parts {
			if pt.str != nil {
				v := pt.str.Get(int32(i))
				h, ok = h.Bytes(v), len(v) > 0
			} else {
				v := pt.ints[i]
				h, ok = h.Uint64(uint64(v)), v != 0
			}
			if !ok {
				break
			}
		}
		if ok {
			keys[x] = h.Sum()
		}
	}
}

// writeKeys writes n, the number of rules, every rule's keys and the
// secondary keys as little-endian uint64s (the layout blocking's
// BenchmarkBuildDumped reads). Rule keys are hashes already; the secondary
// key (the start of a folded name) is written hashed, so that no name
// leaves the process: it orders capped blocks differently, at the same
// cost.
func writeKeys(path string, n int, rules []blocking.Rule, sec []uint64) error {
	buf := make([]byte, 0, 8*(2+n*(len(rules)+1)))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(n))
	buf = binary.LittleEndian.AppendUint64(buf, uint64(len(rules)))
	for _, r := range rules {
		for _, k := range r.Keys {
			buf = binary.LittleEndian.AppendUint64(buf, k)
		}
	}
	for _, k := range sec {
		buf = binary.LittleEndian.AppendUint64(buf, blocking.NewHasher().Uint64(k).Sum())
	}
	return dataio.WriteFileAtomic(path, buf)
}
