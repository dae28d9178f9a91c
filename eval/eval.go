package eval

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"

	"github.com/dedup-vn/dedup/runfolder"
)

// Options say what to evaluate. The zero value of every optional field
// picks the documented default.
type Options struct {
	// Truth is the truth table (Parquet or CSV).
	Truth string
	// RunDir is a `dedup run` output folder (clusters.parquet, and
	// pairs.parquet and manifest.json when present). Empty with Verdicts
	// set: link mode only.
	RunDir string
	// TruthID and TruthEntity name the truth's columns; defaults
	// record_id and person_id.
	TruthID, TruthEntity string
	// FEBRL says whether the entity is encoded in the record id.
	FEBRL FEBRLMode
	// Threshold, when set, overrides the manifest's match-weight threshold
	// for the pair-level figures and samples. Clusters are as the run made
	// them whatever this says.
	Threshold *float64
	// SweepStep is the match-weight step of the threshold sweep; default 1.
	SweepStep float64
	// Samples is how many worst FP and FN pairs to keep; default 10,
	// negative for none.
	Samples int
	// Verdicts is a table of (subscription_id, verdict); with it, Truth is
	// the subscriber truth (subscription_id, case).
	Verdicts string
	// Expected maps subscriber cases to accepted verdicts; nil means
	// DefaultExpectedVerdicts.
	Expected map[string][]string
	// Previous is the previous night's run folder: when set, the report
	// says which share of the persons whose records did not change kept
	// their ID (IDStability). Events is that night's events file (gen's
	// truth/events); "" looks for one beside Truth.
	Previous, Events string
	// Links is a links file (runfolder.FileLinks); with it, Truth is a
	// sector truth (record_id, person_id; empty for a person not on the
	// register), scored by ScoreLinks.
	Links string
	// PersonMap, with Links, is a table (person_id, truth_person_id) that
	// translates the links' person ids into the truth's.
	PersonMap string
	// RegisterRun and RegisterTruth, with Links and instead of PersonMap,
	// give the map themselves: a folder whose clusters.parquet names each
	// register record's person_id (`dedup lookup --state` writes one) and
	// the register's truth (record_id, person_id); each register person
	// maps to the truth person most of its records belong to.
	RegisterRun, RegisterTruth string
}

// Run evaluates a run against a truth. It streams the run's files; memory
// is about 16 bytes per truth record for the id map plus 16 per record for
// the contingency table, whatever the number of pairs.
func Run(opts Options) (*Report, error) {
	if opts.Truth == "" {
		return nil, errors.New("no truth file")
	}
	if opts.Verdicts != "" {
		return runVerdicts(opts)
	}
	if opts.TruthID == "" {
		opts.TruthID = "record_id"
	}
	if opts.TruthEntity == "" {
		opts.TruthEntity = "person_id"
	}
	if opts.Links != "" {
		return runLinks(opts)
	}
	if opts.RunDir == "" {
		return nil, errors.New("no run folder")
	}
	if opts.SweepStep <= 0 || math.IsNaN(opts.SweepStep) || math.IsInf(opts.SweepStep, 0) {
		opts.SweepStep = 1
	}
	if opts.Samples == 0 {
		opts.Samples = 10
	}
	// The manifest is written last by a run and removed first by a rerun:
	// without it the folder's Parquet files may be a failed rerun's stale
	// leftovers, so there is nothing trustworthy to score.
	m, digest, err := readRunManifest(opts.RunDir)
	if err != nil {
		return nil, err
	}
	t, err := loadTruth(opts.Truth, opts.TruthID, opts.TruthEntity, opts.FEBRL)
	if err != nil {
		return nil, err
	}
	rep := &Report{SchemaVersion: SchemaVersion, Truth: opts.Truth, Run: opts.RunDir, RunManifestSHA256: digest, TruthEntity: "column:" + opts.TruthEntity}
	if t.febrl {
		rep.TruthEntity = "febrl_rec_id"
	}

	as, notInTruth, err := assign(RunFile(opts.RunDir, runfolder.FileClusters), t)
	if err != nil {
		return nil, err
	}
	c := Contingency(as, t.nEntities)
	rep.Records = &RecordCounts{
		Truth: c.Records, InRun: c.Records - c.AbsentRecords, AbsentFromRun: c.AbsentRecords,
		RunNotInTruth: notInTruth, Entities: c.Entities, Clusters: c.Clusters,
	}
	if err := checkOverlap(rep, m); err != nil {
		return nil, err
	}
	p, r := Precision(c.TruePositives, c.PredictedPairs), Recall(c.TruePositives, c.TruePairs)
	rep.Pairwise = &PairMetrics{
		TruePairs: c.TruePairs, PredictedPairs: c.PredictedPairs, TP: c.TruePositives,
		FP: c.PredictedPairs - c.TruePositives, FN: c.TruePairs - c.TruePositives,
		FNAbsent: c.TruePairsAbsent, Precision: p, Recall: r, F1: F1(p, r),
	}
	rep.Cluster = clusterStats(c)
	rep.Errors = &ErrorAnalysis{
		FPByHardNegative: fpByHardNegative(as, t), // as is sorted by cluster here
		FNByCorruption:   fnByCorruption(as, t),
	}
	as = nil // the contingency rows are done; let the GC have them before the pairs pass
	if opts.Previous != "" {
		if rep.Stability, err = idStability(opts.RunDir, opts.Previous, opts.Truth, opts.Events, t); err != nil {
			return nil, err
		}
	}

	th := runThreshold(m)
	if opts.Threshold != nil {
		th = &Threshold{MatchWeight: *opts.Threshold, Source: "flag"}
	}
	rep.Threshold = th
	pairsPath := RunFile(opts.RunDir, runfolder.FilePairs)
	if _, err := os.Stat(pairsPath); err == nil {
		thr := math.Inf(1) // no threshold: every pair is "below", FN samples still useful
		if th != nil {
			thr = th.MatchWeight
		}
		s, err := scanPairs(pairsPath, t, thr, opts.SweepStep, opts.Samples)
		if err != nil {
			return nil, err
		}
		rep.Blocking = blockingStats(s, c.TruePairs)
		if th != nil {
			pp, pr := Precision(s.tpAt, s.tpAt+s.fpAt), Recall(s.tpAt, c.TruePairs)
			rep.PairLevel = &PairMetrics{
				TruePairs: c.TruePairs, PredictedPairs: s.tpAt + s.fpAt, TP: s.tpAt, FP: s.fpAt,
				FN: c.TruePairs - s.tpAt, Precision: pp, Recall: pr, F1: F1(pp, pr),
			}
		}
		rep.Sweep = sweep(s, c.TruePairs, opts.SweepStep)
		rep.Errors.WorstFP, rep.Errors.WorstFN = s.worstFP, s.worstFN
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("cannot read %s: %w", pairsPath, err)
	}
	if t.febrl {
		return rep, nil // a FEBRL file holds no true values
	}
	if rep.Golden, err = measureGolden(RunFile(opts.RunDir, runfolder.FileGolden), opts.Truth, opts.TruthID, opts.TruthEntity); err != nil {
		return nil, err
	}
	return rep, nil
}

func clusterStats(c Counts) *ClusterStats {
	cs := &ClusterStats{
		BCubedPrecision: Recall(0, 0), BCubedRecall: Recall(0, 0),
		EntitiesExact: c.ExactEntities, EntitiesMulti: c.EntitiesMulti, EntitiesMultiExact: c.ExactEntitiesMulti,
		LargestCluster: c.LargestCluster, LargestEntity: c.LargestEntity,
	}
	if c.Records > 0 {
		cs.BCubedPrecision = c.BCubedPrecisionSum / float64(c.Records)
		cs.BCubedRecall = c.BCubedRecallSum / float64(c.Records)
	}
	cs.BCubedF1 = F1(cs.BCubedPrecision, cs.BCubedRecall)
	cs.EntitiesExactShare = Recall(c.ExactEntities, c.Entities)
	cs.EntitiesMultiShare = Recall(c.ExactEntitiesMulti, c.EntitiesMulti)
	return cs
}

func blockingStats(s *pairStats, truePairs int64) *BlockingStats {
	b := &BlockingStats{
		Basis:               "pairs_file: a true pair is blocked when it appears in pairs.parquet; exact only if the run wrote every scored pair (no weight floor)",
		PairsInFile:         s.pairs,
		PairsUnknownRecords: s.unknown,
		PairsNoWeight:       s.badWeight,
		TruePairsBlocked:    s.truePairs,
		TruePairsNotBlocked: truePairs - s.truePairs,
		BlockingRecall:      BlockingRecall(s.truePairs, truePairs),
		ScoringRecall:       Recall(s.tpAt, s.truePairs),
		Rules:               []RuleStats{},
	}
	for name, rc := range s.rules {
		b.Rules = append(b.Rules, RuleStats{Rule: name, Pairs: rc[0], TruePairs: rc[1]})
	}
	slices.SortFunc(b.Rules, func(x, y RuleStats) int {
		if x.Rule < y.Rule {
			return -1
		}
		if x.Rule > y.Rule {
			return 1
		}
		return 0
	})
	return b
}

// assign streams clusters.parquet and returns one Assignment per truth
// record (absent ones under AbsentKey) and the number of run records the
// truth does not know.
func assign(path string, t *truth) ([]Assignment, int64, error) {
	tr, err := openTable(path, []string{runfolder.ColRecordID, runfolder.ColClusterID}, 2)
	if err != nil {
		return nil, 0, err
	}
	defer tr.close()
	const unset = ^uint64(0) // a real key never has AbsentBit, so never equals this
	cl := make([]uint64, len(t.recs))
	for i := range cl {
		cl[i] = unset
	}
	var notInTruth int64
	var id, cid []byte
	for tr.next() {
		for i := 0; i < tr.n; i++ {
			id = tr.cols[0].appendText(id[:0], i)
			k, ok := t.find(HashID(id))
			if !ok {
				notInTruth++
				continue
			}
			if tr.cols[1].isNull(i) {
				return nil, 0, fmt.Errorf("%s row %d column %s: empty", path, tr.row+int64(i)+1, runfolder.ColClusterID)
			}
			if cl[k] != unset {
				return nil, 0, fmt.Errorf("%s row %d column %s: record appears twice in the run", path, tr.row+int64(i)+1, runfolder.ColRecordID)
			}
			cid = tr.cols[1].appendText(cid[:0], i)
			cl[k] = ClusterKey(cid)
		}
	}
	if tr.err != nil {
		return nil, 0, tr.err
	}
	as := make([]Assignment, len(t.recs))
	for k := range t.recs {
		key := cl[k]
		if key == unset {
			key = AbsentKey(uint32(k))
		}
		as[k] = Assignment{Cluster: key, Entity: t.recs[k].ent, Record: uint32(k)}
	}
	return as, notInTruth, nil
}

// fpByHardNegative splits the false-positive pairs by planted hard-negative
// group: within a cluster, pairs of records from one group but different
// entities are counted under the group's label; the rest under "(none)".
// as must be sorted by cluster. Pairs are counted, never enumerated.
func fpByHardNegative(as []Assignment, t *truth) []LabelStats {
	if !t.hasHN {
		return nil
	}
	byLabel := make([]int64, len(t.hnLabels))
	var total, planted int64
	type ge struct{ g, e uint32 }
	var scratch []ge
	for i := 0; i < len(as); {
		j := i + 1
		for j < len(as) && as[j].Cluster == as[i].Cluster {
			j++
		}
		if j-i > 1 && as[i].Cluster&AbsentBit == 0 {
			fp := pairs(int64(j - i))
			for k := i; k < j; {
				l := k + 1
				for l < j && as[l].Entity == as[k].Entity {
					l++
				}
				fp -= pairs(int64(l - k))
				k = l
			}
			total += fp
			if fp > 0 {
				scratch = scratch[:0]
				for k := i; k < j; k++ {
					if g := t.hnGroup(t.recs[as[k].Record].rec); g != 0 {
						scratch = append(scratch, ge{g, as[k].Entity})
					}
				}
				slices.SortFunc(scratch, func(a, b ge) int {
					if a.g != b.g {
						return int(int64(a.g) - int64(b.g))
					}
					return int(int64(a.e) - int64(b.e))
				})
				for k := 0; k < len(scratch); {
					l := k + 1
					for l < len(scratch) && scratch[l].g == scratch[k].g {
						l++
					}
					n := pairs(int64(l - k))
					for m := k; m < l; {
						o := m + 1
						for o < l && scratch[o].e == scratch[m].e {
							o++
						}
						n -= pairs(int64(o - m))
						m = o
					}
					byLabel[t.groupLabel[scratch[k].g-1]] += n
					planted += n
					k = l
				}
			}
		}
		i = j
	}
	out := []LabelStats{}
	for li, n := range byLabel {
		out = append(out, LabelStats{Label: t.hnLabels[li], FP: n})
	}
	slices.SortFunc(out, func(a, b LabelStats) int {
		if a.Label < b.Label {
			return -1
		}
		return 1
	})
	return append(out, LabelStats{Label: "(none)", FP: total - planted})
}

// fnByCorruption gives, per corruption label, the true pairs where either
// record carries the label and how many of them the clusters missed.
// Within an entity of k records, of which k_L carry label L, the pairs
// touching L number C(k,2) - C(k-k_L,2); found ones are counted the same
// way per cell. Re-sorts as by entity.
func fnByCorruption(as []Assignment, t *truth) []LabelStats {
	if !t.hasCorr || len(t.labels) == 0 {
		return nil
	}
	sortByEntity(as)
	nl := len(t.labels)
	truePairs := make([]int64, nl)
	found := make([]int64, nl)
	kL := make([]int64, nl)
	cellL := make([]int64, nl)
	for i := 0; i < len(as); {
		j := i + 1
		for j < len(as) && as[j].Entity == as[i].Entity {
			j++
		}
		k := int64(j - i)
		if k > 1 {
			clear(kL)
			for m := i; m < j; m++ {
				addBits(kL, t.corrMasks[t.recs[as[m].Record].corr])
			}
			for b := range kL {
				if kL[b] > 0 {
					truePairs[b] += pairs(k) - pairs(k-kL[b])
				}
			}
			for m := i; m < j; {
				o := m + 1
				for o < j && as[o].Cluster == as[m].Cluster {
					o++
				}
				if as[m].Cluster&AbsentBit == 0 && o-m > 1 {
					clear(cellL)
					for q := m; q < o; q++ {
						addBits(cellL, t.corrMasks[t.recs[as[q].Record].corr])
					}
					n := int64(o - m)
					for b := range cellL {
						if cellL[b] > 0 {
							found[b] += pairs(n) - pairs(n-cellL[b])
						}
					}
				}
				m = o
			}
		}
		i = j
	}
	out := []LabelStats{}
	for b, name := range t.labels {
		out = append(out, LabelStats{
			Label: name, TruePairs: truePairs[b], FN: truePairs[b] - found[b],
			Recall: Recall(found[b], truePairs[b]),
		})
	}
	slices.SortFunc(out, func(a, b LabelStats) int {
		if a.Label < b.Label {
			return -1
		}
		return 1
	})
	return out
}

func addBits(dst []int64, m uint64) {
	for m != 0 {
		b := 0
		for m&(1<<b) == 0 {
			b++
		}
		if b < len(dst) {
			dst[b]++
		}
		m &^= 1 << b
	}
}

// runThreshold is the run's threshold from its manifest; nil when the
// manifest records none.
func runThreshold(m *runfolder.Manifest) *Threshold {
	if m.Threshold == (runfolder.ThresholdInfo{}) {
		return nil
	}
	p := m.Threshold.MatchProbability
	return &Threshold{MatchWeight: m.Threshold.MatchWeight, MatchProbability: &p, Source: "manifest"}
}

// readRunManifest reads dir's manifest.json with runfolder.ReadManifest
// (whose error says a folder without one is not a run folder) and returns
// it with the SHA-256 of its bytes: the run's identity, which report
// compares to tell an eval of this run from an eval of another.
func readRunManifest(dir string) (*runfolder.Manifest, string, error) {
	m, err := runfolder.ReadManifest(dir)
	if err != nil {
		return nil, "", err
	}
	digest, err := ManifestDigest(dir)
	if err != nil {
		return nil, "", err
	}
	return m, digest, nil
}

// ManifestDigest is the hex SHA-256 of dir's manifest.json bytes, as
// Report.RunManifestSHA256 records it. Every run writes its own manifest
// (stage timings to the microsecond included), so two runs practically
// never share a digest, even on the same inputs.
func ManifestDigest(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, runfolder.FileManifest))
	if err != nil {
		if _, err := runfolder.ReadManifest(dir); err != nil {
			return "", err // the error that says what is wrong with the folder
		}
		return "", fmt.Errorf("cannot read %s: %w", filepath.Join(dir, runfolder.FileManifest), err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// checkOverlap refuses a truth that shares no record with the run (every
// figure would be vacuous: precision 100% of nothing) and warns, with the
// counts, when only part of either side is shared.
func checkOverlap(rep *Report, m *runfolder.Manifest) error {
	c := rep.Records
	if c.InRun == 0 {
		return fmt.Errorf("the truth %s and the run %s share no record id (truth %d records, run %d records not in the truth): is it the truth of this run? (check --truth-id)",
			rep.Truth, rep.Run, c.Truth, c.RunNotInTruth)
	}
	if c.AbsentFromRun > 0 {
		w := fmt.Sprintf("%d of %d truth records are not in the run", c.AbsentFromRun, c.Truth)
		if m.RowsRejected > 0 {
			w += fmt.Sprintf(" (the run rejected %d rows; see rejects.parquet)", m.RowsRejected)
		}
		rep.Warnings = append(rep.Warnings, w+": their pairs count as missed")
	}
	if c.RunNotInTruth > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d of %d run records are not in the truth: they are left out of every figure", c.RunNotInTruth, c.InRun+c.RunNotInTruth))
	}
	return nil
}

func runVerdicts(opts Options) (*Report, error) {
	verdicts, err := readKeyValues(opts.Verdicts, "subscription_id", verdictColumn(opts.Verdicts))
	if err != nil {
		return nil, err
	}
	truth, err := readKeyValues(opts.Truth, "subscription_id", "case")
	if err != nil {
		return nil, err
	}
	v, err := ScoreVerdicts(verdicts, truth, opts.Expected)
	if err != nil {
		return nil, err
	}
	return &Report{SchemaVersion: SchemaVersion, Truth: opts.Truth, TruthEntity: "column:case", Verdicts: v}, nil
}
