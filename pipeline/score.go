package pipeline

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"

	"github.com/dedup-vn/dedup/blocking"
	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/internal/parallel"
	"github.com/dedup-vn/dedup/internal/prefetch"
	"github.com/dedup-vn/dedup/internal/radix"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/store"
)

// scorer holds the compiled comparisons, one comparer per worker and the
// model.
type scorer struct {
	compiled  *linkage.Compiled
	comparers []*linkage.Comparer
	model     *linkage.Model
	threshold float64 // match weight at or above which a pair is merged
	floor     float64 // match weight at or above which a pair is written
	rulePairs []int64
	width     int
	freqs     map[string]*linkage.FreqTable // term frequencies by comparison
	// idComparison is the index of the national ID comparison, -1 if none.
	idComparison int
	// idField names the field it compares; phoneComparison is the index
	// of the phone comparison, -1 if none (the two-digit ID typo rule).
	idField         string
	phoneComparison int
}

// columnFor names the store column a comparison role reads for a field.
func columnFor(fs *store.Field, kind linkage.Kind, role string) string {
	if kind == linkage.KindIDProvince {
		// The ID field gives the digits, each address its provinces.
		switch {
		case fs.Kind == config.KindNationalID && role == "digits",
			fs.Kind == config.KindVNAddress && role != "digits":
			return fs.Name + "." + role
		}
		return ""
	}
	switch fs.Kind {
	case config.KindPersonName:
		switch role {
		case "canonical", "folded", "variant_key":
			return fs.Name + "." + role
		case "value":
			return fs.Name + ".folded"
		}
		return ""
	case config.KindVNAddress:
		return fs.Name + "." + role
	}
	if r, ok := singleRole[fs.Kind]; ok {
		return fs.Name + "." + r
	}
	return ""
}

// singleRole is, for the kinds whose comparisons read one column whatever
// the role, that column.
var singleRole = map[normalize.Kind]string{
	config.KindDate:       "date",
	config.KindGender:     "value",
	config.KindNationalID: "digits",
	config.KindPhone:      "phones",
	config.KindText:       "value",
}

// tfColumn names the column whose value frequencies weigh spec's exact
// levels: the values those levels agree on, the folded form for names and
// the value column otherwise.
func tfColumn(spec linkage.Comparison) string {
	if spec.Kind == linkage.KindName {
		return spec.Inputs[0][1]
	}
	return spec.Inputs[0][0]
}

// compileComparisons maps the config's comparisons onto linkage specs over
// the columns of store st.
func compileComparisons(cfg *config.Config, st *store.Store) (*linkage.Compiled, error) {
	specs := make([]linkage.Comparison, len(cfg.Comparisons))
	for i, c := range cfg.Comparisons {
		kind, err := linkage.ParseKind(c.Kind)
		if err != nil {
			return nil, fmt.Errorf("comparisons[%d].kind: %w", i, err)
		}
		spec := linkage.Comparison{Name: c.Name, Kind: kind, Bands: c.JWThresholds, TermFrequency: c.TermFrequency}
		for _, fname := range append([]string{c.Field}, c.Also...) {
			fs := st.Field(fname)
			if fs == nil {
				return nil, fmt.Errorf("comparisons[%d]: unknown field %q", i, fname)
			}
			group := make([]string, 0, 3)
			for _, role := range kind.Roles() {
				group = append(group, columnFor(fs, kind, role.Name))
			}
			spec.Inputs = append(spec.Inputs, group)
		}
		specs[i] = spec
	}
	return linkage.Compile(specs)
}

// newScorer compiles the comparisons, counts the term-frequency tables,
// and trains the model (or loads --model). The comparisons are bound to
// each set of records they compare (comparersFor).
func (r *runner) newScorer(ctx context.Context, cands candidates) (*scorer, error) {
	compiled, err := compileComparisons(r.cfg, r.st)
	if err != nil {
		return nil, err
	}
	sc := &scorer{compiled: compiled, width: compiled.Len(), rulePairs: make([]int64, len(r.cfg.Blocking.Rules)), idComparison: -1, phoneComparison: -1}
	for k := 0; k < compiled.Len(); k++ {
		if compiled.Spec(k).Kind == linkage.KindID && sc.idComparison < 0 {
			sc.idComparison = k
			sc.idField = r.cfg.Comparisons[k].Field
		}
		if compiled.Spec(k).Kind == linkage.KindPhone && sc.phoneComparison < 0 {
			sc.phoneComparison = k
		}
	}
	if r.opt.ModelPath != "" {
		m, err := linkage.LoadModel(r.opt.ModelPath)
		if err != nil {
			return nil, err
		}
		if err := m.Check(compiled); err != nil {
			return nil, fmt.Errorf("model %s does not fit the config: %w", r.opt.ModelPath, err)
		}
		sc.model = m
		r.manifest.Model = runfolder.ModelInfo{File: r.opt.ModelPath}
		// A model with frozen term frequencies weighs by them.
		sc.freqs = m.Freqs
	}
	if sc.freqs == nil && r.opt.Frequencies != nil {
		for k := 0; k < compiled.Len(); k++ {
			if spec := compiled.Spec(k); spec.TermFrequency && r.opt.Frequencies[spec.Name] == nil {
				return nil, fmt.Errorf("comparisons[%d] (%s): term_frequency, but the frequencies given have no table of it", k, spec.Name)
			}
		}
		sc.freqs = r.opt.Frequencies
	}
	if sc.freqs == nil {
		if sc.freqs, err = r.freqTables(ctx, compiled); err != nil {
			return nil, err
		}
	}
	if sc.model == nil {
		if err := r.train(ctx, cands, sc); err != nil {
			return nil, err
		}
	}
	if r.opt.FreezeFrequencies && sc.model.Freqs == nil {
		sc.model.Freqs = sc.freqs
	}
	if sc.model.Freqs != nil {
		sc.model.TermFrequencies = runfolder.FileFreqs
	}
	if r.cfg.Threshold.MatchWeight != nil {
		sc.threshold = *r.cfg.Threshold.MatchWeight
	} else {
		p := *r.cfg.Threshold.MatchProbability
		sc.threshold = math.Log2(p / (1 - p))
	}
	sc.floor = r.cfg.Output.PairsMinWeight
	return sc, nil
}

// train gathers what linkage.Train estimates the model from: the
// comparison vectors of random pairs (u), of each training rule's pairs
// (m; at most model.sample_pairs_per_rule of a rule, sampled by whole
// blocks), of the blocked pairs (λ), and the value counts of the
// identifiers. Vectors are counted in per-worker histograms.
func (r *runner) train(ctx context.Context, cands candidates, sc *scorer) error {
	live := r.liveRows()
	if len(live) < 2 {
		return errTooFewRecords
	}
	d := &linkage.TrainingData{
		Seed:     r.cfg.Seed,
		Records:  len(live),
		AllPairs: r.allPairs(),
		TFMin:    r.cfg.Model.TermFrequencyMin,
		EM:       linkage.EMOptions{MaxIterations: r.cfg.Model.EMMaxIterations, Tolerance: r.cfg.Model.EMTolerance, EstimateU: !r.cfg.Model.EMFixU},
	}
	var err error
	if d.Random, err = r.randomVectors(ctx, sc, live); err != nil {
		return err
	}
	if d.Rules, err = r.trainingVectors(ctx, sc); err != nil {
		return err
	}
	if d.Candidates, err = r.candidateVectors(ctx, cands, sc); err != nil {
		return err
	}
	if d.Identifiers, err = r.identifierCounts(ctx, sc.compiled); err != nil {
		return err
	}
	if sc.model, err = linkage.Train(sc.compiled, d); err != nil {
		return err
	}
	r.manifest.Model = runfolder.ModelInfo{File: runfolder.FileModel, Trained: true, USamplePairs: int64(r.cfg.Model.USamplePairs), EMIterations: sc.model.Training.EMIterations}
	if sc.model.Training.MUntrained {
		r.warnf("the training rules found no candidate pairs (a register without duplicates?): m keeps its starting values, so match weights are rough; " +
			"to score this register with a trained model, pass --model with the model.json of an earlier run")
	}
	return nil
}

// newHistograms returns one histogram per worker.
func (r *runner) newHistograms(width int) []*linkage.Histogram {
	hs := make([]*linkage.Histogram, r.opt.Workers)
	for w := range hs {
		hs[w] = linkage.NewHistogram(width)
	}
	return hs
}

// mergeHistograms adds the counts of hs[1:] to hs[0] and returns it.
func mergeHistograms(hs []*linkage.Histogram) *linkage.Histogram {
	for _, o := range hs[1:] {
		hs[0].Merge(o)
	}
	return hs[0]
}

// randomVectors counts the comparison vectors of the random pairs among
// the live rows (linkage.EachUPair).
func (r *runner) randomVectors(ctx context.Context, sc *scorer, live []int32) (*linkage.Histogram, error) {
	var pairs []blocking.Pair
	linkage.EachUPair(len(live), r.cfg.Model.USamplePairs, r.cfg.Seed, func(i, j int32) {
		pairs = append(pairs, blocking.Pair{Left: live[i], Right: live[j]})
	})
	hs := r.newHistograms(sc.width)
	if err := r.comparePairs(ctx, sc, pairs, nil, func(w int) *linkage.Histogram { return hs[w] }); err != nil {
		return nil, err
	}
	return mergeHistograms(hs), nil
}

// trainingVectors counts, per training rule (the config's training rules,
// or else the blocking rules), the comparison vectors of the rule's pairs
// with the comparisons over the rule's fields set to null. Each rule is
// trained on its own pairs: after cross-rule de-duplication a later rule
// would never see an exact national ID, and m of that level would fall to
// zero. A rule with more pairs than the cap is sampled by whole blocks;
// its scale turns its counts back.
func (r *runner) trainingVectors(ctx context.Context, sc *scorer) ([]linkage.RuleSample, error) {
	trainRules := r.cfg.Model.TrainingRules
	if len(trainRules) == 0 {
		trainRules = r.cfg.Blocking.Rules
	}
	masked := r.ruleMasks(trainRules)
	out := make([]linkage.RuleSample, len(trainRules))
	for k, rule := range trainRules {
		single, err := r.ruleIndex(ctx, uint64(1000+k), rule)
		if err != nil {
			return nil, fmt.Errorf("model.training_rules[%d]: %w", k, err)
		}
		// The sampled pairs are listed, then compared (a piece of the
		// record set at a time): at most about the cap of them.
		sample := single.SampleForCap(r.cfg.Model.SamplePairsPerRule, r.cfg.Seed+uint64(k))
		var pairs, buf []blocking.Pair
		var kept int64
		for c := 0; c < single.NumChunks(); c++ {
			var kc int64
			buf, kc = single.AppendChunkSample(buf[:0], c, &sample)
			kept += kc
			for _, p := range buf {
				if !r.skipPair(p.Left, p.Right) {
					pairs = append(pairs, p)
				}
			}
		}
		scale := single.Scale(0, kept)
		single = nil
		hs := r.newHistograms(sc.width)
		if err := r.comparePairs(ctx, sc, pairs, masked[k], func(w int) *linkage.Histogram { return hs[w] }); err != nil {
			return nil, err
		}
		out[k] = linkage.RuleSample{Name: rule.Name, Vectors: mergeHistograms(hs), Masked: masked[k], Scale: scale}
	}
	return out, nil
}

// identifierCounts counts, for every identifier comparison
// (linkage.Kind.Identifier) whose field has values, how many live records
// hold each value, the values taken in the order of their hash.
func (r *runner) identifierCounts(ctx context.Context, compiled *linkage.Compiled) ([]*linkage.ValueCounts, error) {
	counts := make([]*linkage.ValueCounts, compiled.Len())
	for k := 0; k < compiled.Len(); k++ {
		spec := compiled.Spec(k)
		if !spec.Kind.Identifier() {
			continue
		}
		name, _, _ := strings.Cut(spec.Inputs[0][0], ".")
		fs := r.st.Field(name)
		if fs == nil || len(fs.Strs) == 0 {
			continue
		}
		entries := make([]blocking.Entry, 0, r.set.Len())
		if err := r.set.Scan(ctx, store.Groups(r.schema, false, name), nil, func(first int, st *store.Store) error {
			col := &st.Field(name).Strs[0]
			for i := 0; i < st.N; i++ {
				if v := col.Get(int32(i)); len(v) > 0 && !r.dropped[first+i] {
					entries = append(entries, blocking.Entry{Key: blocking.HashBytes(v), Row: int32(first + i)})
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
		entries = radix.Sort(entries, make([]blocking.Entry, len(entries)))
		vc := &linkage.ValueCounts{}
		for i := 0; i < len(entries); {
			j := i + 1
			for j < len(entries) && entries[j].Key == entries[i].Key {
				j++
			}
			vc.Add(j - i)
			i = j
		}
		counts[k] = vc
	}
	return counts, nil
}

// allPairs is the number of record pairs the mode compares: every pair in
// dedupe and link_and_dedupe, pairs across sources in link.
func (r *runner) allPairs() float64 {
	perSource := make([]float64, len(r.cfg.Sources))
	var n float64
	for i := 0; i < r.st.N; i++ {
		if !r.dropped[i] {
			perSource[r.st.Source[i]]++
			n++
		}
	}
	total := n * (n - 1) / 2
	if r.cfg.Mode == config.ModeLink {
		for _, k := range perSource {
			total -= k * (k - 1) / 2
		}
	}
	return max(total, 1)
}

// skipPair reports whether the mode excludes a pair: link mode compares
// records of different sources only.
func (r *runner) skipPair(i, j int32) bool {
	return r.cfg.Mode == config.ModeLink && r.st.Source[i] == r.st.Source[j]
}

// ruleMasks tells, per rule, which comparisons read a field the rule
// blocks on: a training rule's own comparisons, set to null in its
// vectors.
func (r *runner) ruleMasks(rules []config.BlockingRule) [][]bool {
	masks := make([][]bool, len(rules))
	for k, rule := range rules {
		onRule := map[string]bool{}
		for _, name := range ruleFields(rule) {
			onRule[name] = true
		}
		masks[k] = make([]bool, len(r.cfg.Comparisons))
		for c, cmp := range r.cfg.Comparisons {
			for _, f := range append([]string{cmp.Field}, cmp.Also...) {
				if onRule[f] {
					masks[k][c] = true
				}
			}
		}
	}
	return masks
}

// candidateVectors counts the full comparison vectors of the candidate
// pairs: every pair of a rule within the sample cap, else a sample of its
// blocks with the counts scaled to the rule: one histogram per rule, the
// workers' counts merged before they are scaled, so that the float sums
// do not depend on which worker compared which pair.
func (r *runner) candidateVectors(ctx context.Context, cands candidates, sc *scorer) ([]linkage.ScaledHistogram, error) {
	rules := len(r.cfg.Blocking.Rules)
	hists := make([][]*linkage.Histogram, rules) // [rule][worker]
	for k := range hists {
		hists[k] = r.newHistograms(sc.width)
	}
	scales, err := cands.sampleVectors(ctx, sc, hists)
	if err != nil {
		return nil, err
	}
	out := make([]linkage.ScaledHistogram, rules)
	for k, hs := range hists {
		out[k] = linkage.ScaledHistogram{Histogram: mergeHistograms(hs), Scale: scales[k]}
	}
	return out, nil
}

// sampledPairs calls fn on every pair of the blocks s keeps, chunk by chunk
// on workers goroutines (fn gets the worker's index), and returns per rule
// the candidate pairs of the kept blocks, for Index.Scale. fn compares
// with cms[w]: sampledPairs prefetches its rows (see prefetchPairs).
func sampledPairs(ix *blocking.Index, s *blocking.Sample, workers int, cms []*linkage.Comparer, fn func(w int, p blocking.Pair)) []int64 {
	kept := make([][]int64, workers)
	bufs := make([][]blocking.Pair, workers)
	for w := range kept {
		kept[w] = make([]int64, len(s.Keep))
	}
	parallel.For(workers, ix.NumChunks(), func(w, c int) {
		var k int64
		bufs[w], k = ix.AppendChunkSample(bufs[w][:0], c, s)
		kept[w][ix.ChunkRule(c)] += k
		for x, p := range bufs[w] {
			prefetchPairs(cms[w], bufs[w], x, nil, nil)
			fn(w, p)
		}
	})
	sum := make([]int64, len(s.Keep))
	for _, k := range kept {
		for r, v := range k {
			sum[r] += v
		}
	}
	return sum
}

// liveRows lists the rows that were not dropped, for random-pair sampling.
func (r *runner) liveRows() []int32 {
	rows := make([]int32, 0, r.st.N)
	for i := 0; i < r.st.N; i++ {
		if !r.dropped[i] {
			rows = append(rows, int32(i))
		}
	}
	return rows
}

// scoredChunk is one chunk's pairs at or above the output floor.
type scoredChunk struct {
	rule    []uint8
	left    []int32
	right   []int32
	levels  []int8    // width per pair
	sims    []float32 // width per pair
	weights []float64
	pairs   int64 // candidate pairs scored
	perRule []int64
	// st holds the pairs' records; localLeft and localRight are their
	// rows there (the same as left and right unless spilled).
	st                    *store.Store
	localLeft, localRight []int32
}

func (c *scoredChunk) reset(rules int) {
	c.rule, c.left, c.right = c.rule[:0], c.left[:0], c.right[:0]
	c.localLeft, c.localRight = c.localLeft[:0], c.localRight[:0]
	c.levels, c.sims, c.weights = c.levels[:0], c.sims[:0], c.weights[:0]
	c.pairs = 0
	c.perRule = append(c.perRule[:0], make([]int64, rules)...)
}

// pairSource is a run of an index's chunks to score and the records their
// rows point into.
type pairSource struct {
	ix     *blocking.Index
	c0, c1 int // chunks [c0, c1)
	// rule is the blocking rule to report for every pair, or -1 for the
	// pair's own (a spilled run indexes one rule at a time).
	rule int
	// st holds the records; loc maps the index's rows to st's (nil: the
	// same rows).
	st        *store.Store
	loc       []int32
	comparers []*linkage.Comparer // bound to st
	// earlier, when set, tells the pairs an earlier rule produced (the
	// index's rows and st's), which the index does not know.
	earlier func(gi, gj, li, lj int32) bool
	// earlierKeys are the columns (by st's rows) earlier reads, for
	// prefetching.
	earlierKeys [][]uint64
}

// score compares every candidate pair of src on the worker pool, writes
// the pairs above the floor in chunk order and feeds those above the
// threshold to the clusterer. The caller flushes pw.
func (r *runner) score(ctx context.Context, src pairSource, sc *scorer, pw *pairsWriter, acc *acceptedEdges) error {
	ix := src.ix
	pool := sync.Pool{New: func() any { return &scoredChunk{} }}
	pairBufs := make([][]blocking.Pair, r.opt.Workers)
	tfBufs := make([][]float32, r.opt.Workers)
	for w := range tfBufs {
		tfBufs[w] = make([]float32, sc.width)
	}
	nchunks := src.c1
	next := src.c0
	rules := len(r.cfg.Blocking.Rules)
	p := orderedPool[int, *scoredChunk]{
		workers: r.opt.Workers,
		work: func(w int, c int) (*scoredChunk, error) {
			out := pool.Get().(*scoredChunk)
			out.reset(rules)
			out.st = src.st
			pairBufs[w] = ix.AppendChunk(pairBufs[w][:0], c)
			cm, tf := src.comparers[w], tfBufs[w]
			pairs := pairBufs[w]
			for k, p := range pairs {
				prefetchPairs(cm, pairs, k, src.loc, src.earlierKeys)
				if r.skipPair(p.Left, p.Right) {
					continue
				}
				li, lj := p.Left, p.Right
				if src.loc != nil {
					li, lj = src.loc[li], src.loc[lj]
				}
				if src.earlier != nil && src.earlier(p.Left, p.Right, li, lj) {
					continue
				}
				rule := p.Rule
				if src.rule >= 0 {
					rule = uint8(src.rule)
				}
				n := len(out.levels)
				out.levels = append(out.levels, make([]int8, sc.width)...)
				out.sims = append(out.sims, make([]float32, sc.width)...)
				lv, sm := out.levels[n:], out.sims[n:]
				cm.Compare(li, lj, lv, sm, tf)
				wt := sc.model.Weight(lv, tf)
				out.pairs++
				out.perRule[rule]++
				if wt < sc.floor && wt < sc.threshold {
					out.levels, out.sims = out.levels[:n], out.sims[:n]
					continue
				}
				out.rule = append(out.rule, rule)
				out.left = append(out.left, p.Left)
				out.right = append(out.right, p.Right)
				out.localLeft = append(out.localLeft, li)
				out.localRight = append(out.localRight, lj)
				out.weights = append(out.weights, wt)
			}
			return out, nil
		},
		consume: func(c *scoredChunk) error {
			defer pool.Put(c)
			r.manifest.Pairs.Candidates += c.pairs
			for k, v := range c.perRule {
				sc.rulePairs[k] += v
			}
			for i, wt := range c.weights {
				if wt >= sc.threshold {
					acc.add(c.left[i], c.right[i], wt)
					if sc.idTypo(c, i) {
						acc.idTypo = append(acc.idTypo, [2]int32{c.left[i], c.right[i]})
					}
					r.manifest.Pairs.Accepted++
				}
			}
			written, err := pw.write(c, sc.floor)
			r.manifest.Pairs.Written += written
			r.progress.Add(c.pairs)
			return err
		},
	}
	err := p.run(ctx, func() (int, bool, error) {
		if next >= nchunks {
			return 0, false, nil
		}
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		next++
		return next - 1, true, nil
	})
	return err
}

// prefetchPairs starts the cache misses of the pairs ahead of pairs[k]:
// the rows of the pair 2×linkage.PrefetchDistance ahead and the string
// values of the pair PrefetchDistance ahead, whose rows were prefetched
// that many pairs ago (see linkage.Comparer.Prefetch). The rows of a
// blocking rule's pairs are scattered over the store, so without it the
// comparisons of each pair wait on a dozen misses in turn. loc maps the
// pairs' rows to cm's (nil: the same); it is as large as the register and
// read at random too, so its entries are prefetched a stage earlier, 3×
// ahead: a plain load of them would stall the loop as long as the misses
// it prefetches. keys are columns by cm's rows that the caller also reads
// of each pair (a spilled rule's earlier keys), prefetched with the rows.
func prefetchPairs(cm *linkage.Comparer, pairs []blocking.Pair, k int, loc []int32, keys [][]uint64) {
	const d = linkage.PrefetchDistance
	if loc != nil && k+3*d < len(pairs) {
		prefetch.Int32(loc, int(pairs[k+3*d].Left))
		prefetch.Int32(loc, int(pairs[k+3*d].Right))
	}
	if k+2*d < len(pairs) {
		i, j := pairs[k+2*d].Left, pairs[k+2*d].Right
		if loc != nil {
			i, j = loc[i], loc[j]
		}
		cm.Prefetch(i)
		cm.Prefetch(j)
		for _, c := range keys {
			prefetch.Uint64(c, int(i))
			prefetch.Uint64(c, int(j))
		}
	}
	if k+d < len(pairs) {
		i, j := pairs[k+d].Left, pairs[k+d].Right
		if loc != nil {
			i, j = loc[i], loc[j]
		}
		cm.PrefetchValues(i)
		cm.PrefetchValues(j)
	}
}

// idTypo says whether the IDs of accepted pair i of c are one number with
// a typo: one digit apart, or two digits apart when the pair's phones
// agree (each record with its own typo; IDs two digits apart are common
// among the people of one province and birth year, not with one phone
// number, name, birth date and address as well).
func (sc *scorer) idTypo(c *scoredChunk, i int) bool {
	if sc.idComparison < 0 {
		return false
	}
	switch c.levels[i*sc.width+sc.idComparison] {
	case linkage.IDOneDigit:
		return true
	case 0:
		if sc.phoneComparison < 0 || c.levels[i*sc.width+sc.phoneComparison] != linkage.PhoneExact || c.st == nil {
			return false
		}
		fs := c.st.Field(sc.idField)
		if fs == nil {
			return false
		}
		col := fs.Str("digits")
		if col == nil {
			return false
		}
		a, b := col.Get(c.localLeft[i]), col.Get(c.localRight[i])
		if len(a) != 12 || len(b) != 12 {
			return false
		}
		d := 0
		for k := range a {
			if a[k] != b[k] {
				d++
			}
		}
		return d <= 2
	}
	return false
}

// acceptedEdges buffers the pairs above the threshold until scoring ends:
// the cannot-link keys of the clusterer depend on all of them.
type acceptedEdges struct {
	left, right []int32
	weight      []float64
	idTypo      [][2]int32 // accepted pairs whose IDs are one number with a typo (scorer.idTypo)
}

func (a *acceptedEdges) add(l, r int32, w float64) {
	a.left, a.right, a.weight = append(a.left, l), append(a.right, r), append(a.weight, w)
}

// clusterKeys returns the cannot-link key of every record. Two valid CCCD
// numbers one digit apart on a pair accepted on the rest of its evidence
// are one number with a typo, not two people: their keys are merged so
// the guard does not split the person. Any other two valid numbers still
// keep their clusters apart.
func (a *acceptedEdges) clusterKeys(idKey []uint64) []uint64 {
	if len(a.idTypo) == 0 {
		return idKey
	}
	parent := map[uint64]uint64{}
	var find func(k uint64) uint64
	find = func(k uint64) uint64 {
		p, ok := parent[k]
		if !ok || p == k {
			return k
		}
		root := find(p)
		parent[k] = root
		return root
	}
	for _, e := range a.idTypo {
		x, y := idKey[e[0]], idKey[e[1]]
		if x == 0 || y == 0 {
			continue
		}
		rx, ry := find(x), find(y)
		if rx != ry {
			// The smaller key is the root, so the result does not depend
			// on the order of the pairs.
			parent[max(rx, ry)] = min(rx, ry)
		}
	}
	keys := make([]uint64, len(idKey))
	for i, k := range idKey {
		if k != 0 {
			k = find(k)
		}
		keys[i] = k
	}
	return keys
}

// freqTables counts the values of the term-frequency comparisons over the
// record set.
func (r *runner) freqTables(ctx context.Context, compiled *linkage.Compiled) (map[string]*linkage.FreqTable, error) {
	freqs := map[string]*linkage.FreqTable{}
	var fields []string
	for k := 0; k < compiled.Len(); k++ {
		if spec := compiled.Spec(k); spec.TermFrequency {
			freqs[spec.Name] = &linkage.FreqTable{}
			name, _, _ := strings.Cut(tfColumn(spec), ".")
			fields = append(fields, name)
		}
	}
	if len(freqs) == 0 {
		return freqs, nil
	}
	err := r.set.Scan(ctx, store.Groups(r.schema, false, fields...), nil, func(_ int, st *store.Store) error {
		cols := st.LinkageColumns()
		for k := 0; k < compiled.Len(); k++ {
			if spec := compiled.Spec(k); spec.TermFrequency {
				freqs[spec.Name].AddColumn(cols.Strings[tfColumn(spec)])
			}
		}
		return nil
	})
	return freqs, err
}

// comparersFor returns the comparisons bound to st's columns, one comparer
// per worker: bound once for the run's own store (sc.comparers), afresh
// for records read back.
func (r *runner) comparersFor(sc *scorer, st *store.Store) ([]*linkage.Comparer, error) {
	if st == r.st && sc.comparers != nil {
		return sc.comparers, nil
	}
	cols := st.LinkageColumns()
	cols.Freqs = sc.freqs
	base, err := sc.compiled.Bind(cols)
	if err != nil {
		return nil, err
	}
	cms := []*linkage.Comparer{base}
	for w := 1; w < r.opt.Workers; w++ {
		cms = append(cms, base.Clone())
	}
	if st == r.st {
		sc.comparers = cms
	}
	return cms, nil
}

// comparePairs compares pairs (the run's rows), a piece of the record set
// at a time, and adds each vector, with the masked comparisons set to
// null, to hist(worker).
func (r *runner) comparePairs(ctx context.Context, sc *scorer, pairs []blocking.Pair, mask []bool, hist func(w int) *linkage.Histogram) error {
	return r.set.EachPiece(ctx, pairs, func(part []blocking.Pair, st *store.Store, loc []int32) error {
		cms, err := r.comparersFor(sc, st)
		if err != nil {
			return err
		}
		r.compareOn(cms, part, loc, mask, sc.width, hist)
		r.progress.Add(int64(len(part)))
		return nil
	})
}

// compareOn compares pairs whose rows loc maps to cms's records (nil: the
// same rows) on the workers, and adds each vector, with the masked
// comparisons set to null, to hist(worker).
func (r *runner) compareOn(cms []*linkage.Comparer, pairs []blocking.Pair, loc []int32, mask []bool, width int, hist func(w int) *linkage.Histogram) {
	const span = 4096
	bufs := make([][]int8, r.opt.Workers)
	sims := make([][]float32, r.opt.Workers)
	parallel.For(r.opt.Workers, (len(pairs)+span-1)/span, func(w, c int) {
		if bufs[w] == nil {
			bufs[w], sims[w] = make([]int8, width), make([]float32, width)
		}
		part := pairs[c*span : min(len(pairs), (c+1)*span)]
		for k, p := range part {
			prefetchPairs(cms[w], part, k, loc, nil)
			i, j := p.Left, p.Right
			if loc != nil {
				i, j = loc[i], loc[j]
			}
			cms[w].Compare(i, j, bufs[w], sims[w], nil)
			hist(w).AddMasked(bufs[w], mask)
		}
	})
}
