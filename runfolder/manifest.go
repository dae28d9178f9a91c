package runfolder

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Manifest is manifest.json of a run: what went in, what came out, and how
// long each stage took. Every row read is either clustered or rejected, and
// RowsIn = RowsClustered + RowsRejected always holds.
type Manifest struct {
	Tool         string `json:"tool"`
	ConfigDigest string `json:"config_digest"`
	Mode         string `json:"mode"`
	Workers      int    `json:"workers"`
	// MemoryBudgetBytes is the --memory budget the run kept its heap under.
	MemoryBudgetBytes int64            `json:"memory_budget_bytes"`
	Inputs            []InputStat      `json:"inputs"`
	RowsIn            int64            `json:"rows_in"`
	RowsClustered     int64            `json:"rows_clustered"`
	RowsRejected      int64            `json:"rows_rejected"`
	RejectReasons     map[string]int64 `json:"reject_reasons"`
	Blocking          []RuleStat       `json:"blocking"`
	Pairs             PairStats        `json:"pairs"`
	Threshold         ThresholdInfo    `json:"threshold"`
	Model             ModelInfo        `json:"model"`
	Clusters          ClusterStats     `json:"clusters"`
	// Linkage describes the two-step clustering (cluster.method: average);
	// absent for components.
	Linkage       *LinkageStats `json:"linkage,omitempty"`
	Outputs       []string      `json:"outputs"`
	Stages        []StageTiming `json:"stages"`
	WallSeconds   float64       `json:"wall_seconds"`
	PeakHeapBytes uint64        `json:"peak_heap_bytes"`
	Warnings      []string      `json:"warnings,omitempty"`
	// Spill is set when the records were kept on disk.
	Spill *SpillStat `json:"spill,omitempty"`
	// Night is set by a run with --state (package state): what the night
	// found and did.
	Night *NightStat `json:"night,omitempty"`
	// Link is set by `dedup link --register`: the state linked against
	// and the rows by verdict.
	Link *LinkStat `json:"link,omitempty"`
}

// LinkStat describes one `dedup link --register` run. Its rows in are
// Verdicts' sum plus the manifest's rows_rejected.
type LinkStat struct {
	State      string `json:"state"`      // the state folder linked against
	Night      int    `json:"night"`      // the night that wrote its generation
	Records    int64  `json:"records"`    // register records in the state
	Candidates int64  `json:"candidates"` // those sharing a blocking key with a row
	// AmbiguityMargin is the lead in bits the best person needs over the
	// next (config link.ambiguity_margin).
	AmbiguityMargin float64 `json:"ambiguity_margin"`
	// OnePerPerson lists the sources linked one to one.
	OnePerPerson []string         `json:"one_per_person,omitempty"`
	Verdicts     map[string]int64 `json:"verdicts"` // rows by verdict
}

// NightStat counts one night of a run with --state: its records by their
// difference from the state's previous generation, and the person events.
type NightStat struct {
	Night      int    `json:"night"`      // 1 for the first night on an empty state
	Generation string `json:"generation"` // the state generation this night wrote
	Retrained  bool   `json:"retrained"`  // the model was trained tonight, not the state's
	// Full is a night that re-read and re-scored every record (the first,
	// --retrain, --full); otherwise only the records below.
	Full bool `json:"full"`
	// Region is the records that share a blocking key with a new,
	// changed or deleted record (or lie in a capped block); Rescored the
	// records re-normalized, re-blocked, re-scored and re-clustered
	// tonight: the region and every record of the components it touches.
	// The outputs' clusters and golden records are theirs.
	Region    int64 `json:"records_region"`
	Rescored  int64 `json:"records_rescored"`
	New       int64 `json:"records_new"`
	Changed   int64 `json:"records_changed"`
	Unchanged int64 `json:"records_unchanged"`
	Deleted   int64 `json:"records_deleted"`
	// TouchedClusters is the number of tonight's clusters holding a new or
	// changed record or a record whose person's membership changed.
	TouchedClusters int64            `json:"touched_clusters"`
	Events          map[string]int64 `json:"events"`  // changes.parquet rows by event
	Persons         int64            `json:"persons"` // active person IDs after the night
}

// SpillStat describes a spilled run's use of the disk.
type SpillStat struct {
	// RecordBytes is the size of the records' spill file (compressed).
	RecordBytes int64 `json:"record_bytes"`
	// PartitionRows is the most records one partition holds.
	PartitionRows int `json:"partition_rows"`
	// Partitions is the number of partitions of each blocking rule.
	Partitions []int `json:"partitions"`
	// PartitionBytes is what the partitions of all rules wrote to disk.
	PartitionBytes int64 `json:"partition_bytes"`
}

// InputStat counts the rows of one input file.
type InputStat struct {
	Source   string `json:"source"`
	File     string `json:"file"`
	Rows     int64  `json:"rows"`
	Rejected int64  `json:"rejected"`
}

// RuleStat describes one blocking rule's candidate pairs.
type RuleStat struct {
	Name          string  `json:"name"`
	KeyedRecords  int64   `json:"keyed_records"`
	Blocks        int64   `json:"blocks"`
	LargestBlocks []int64 `json:"largest_blocks"`
	NaivePairs    int64   `json:"naive_pairs"`
	Pairs         int64   `json:"pairs"`
	CappedBlocks  int64   `json:"capped_blocks"`
	CappedRecords int64   `json:"capped_records"`
}

// PairStats counts pairs through scoring.
type PairStats struct {
	Candidates         int64 `json:"candidates"`
	Written            int64 `json:"written"`
	Accepted           int64 `json:"accepted"`
	CannotLinkRejected int64 `json:"cannot_link_rejected"`
	// CannotLinkSplits counts, by rule (given_name, generation, gender),
	// the accepted pairs whose merge the pairwise cannot-link rules
	// refused; absent when no pairwise rule was in force.
	CannotLinkSplits map[string]int64 `json:"cannot_link_splits,omitempty"`
	// CannotLinkUnchecked counts merges too large for the pairwise rules
	// (cluster.MaxPairChecks record pairs), made without them.
	CannotLinkUnchecked int64 `json:"cannot_link_unchecked,omitempty"`
}

// LinkageStats counts the two-step clustering's work: connected
// components over the accepted pairs, each re-clustered by average
// linkage over every pair of its records.
type LinkageStats struct {
	Components       int64 `json:"components"`        // components of two records or more
	LargestComponent int64 `json:"largest_component"` // records
	MaxComponent     int64 `json:"max_component"`     // the most records average linkage takes (cluster.MaxLinkage)
	PairsScored      int64 `json:"pairs_scored"`      // record pairs inside the re-clustered components
	ComponentsSplit  int64 `json:"components_split"`  // components that became two clusters or more
	Splits           int64 `json:"splits"`            // clusters beyond one per component
	// FallbackComponents are components above MaxComponent, clustered by
	// union-find with the cannot-link guards instead; FallbackRejected
	// counts the pairs the ID guard refused there.
	FallbackComponents int64 `json:"fallback_components"`
	FallbackRejected   int64 `json:"fallback_rejected"`
	// CannotLinkPairs counts, by rule, the record pairs inside components
	// that the cannot-link rules forbid to share a cluster (and, in the
	// fallback, the merges they refused).
	CannotLinkPairs map[string]int64 `json:"cannot_link_pairs"`
}

// ThresholdInfo is the merge threshold in both scales.
type ThresholdInfo struct {
	MatchWeight      float64 `json:"match_weight"`
	MatchProbability float64 `json:"match_probability"`
}

// ModelInfo says where the model came from.
type ModelInfo struct {
	File         string `json:"file"`
	Trained      bool   `json:"trained"`
	USamplePairs int64  `json:"u_sample_pairs"`
	EMIterations int    `json:"em_iterations"`
}

// ClusterStats summarizes the clusters.
type ClusterStats struct {
	Clusters   int64            `json:"clusters"`
	Singletons int64            `json:"singletons"`
	Largest    int64            `json:"largest"`
	SizeCounts map[string]int64 `json:"size_counts"`
	// Splits sums, over the connected components of accepted pairs, the
	// clusters each became beyond one; Sparse counts the clusters of two
	// records or more whose density (clusters.parquet) is below 1.
	Splits int64 `json:"splits"`
	Sparse int64 `json:"sparse"`
	Golden int64 `json:"golden_records"`
}

// StageTiming is the wall time of one stage.
type StageTiming struct {
	Name    string  `json:"name"`
	Seconds float64 `json:"seconds"`
	// CPUSeconds is the process's user+system CPU time in the stage: near
	// Seconds × workers when the stage keeps every core busy.
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
	// PeakRSSBytes is the process's peak resident memory so far, at the
	// end of the stage: the first stage where it jumps is the one to shrink.
	PeakRSSBytes int64 `json:"peak_rss_bytes,omitempty"`
}

// Marshal encodes the manifest as manifest.json holds it: indented by two
// spaces, one newline at the end.
func (m *Manifest) Marshal() ([]byte, error) {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// ReadManifest reads dir's manifest.json. A folder without one gives an
// error that says it is not a run folder (and wraps fs.ErrNotExist); a
// manifest that is not JSON, or does not fit Manifest, gives an error
// naming the file.
func ReadManifest(dir string) (*Manifest, error) {
	path := filepath.Join(dir, FileManifest)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no %s (is it a dedup run output folder?): %w", dir, FileManifest, fs.ErrNotExist)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %w", path, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		if _, syntax := errors.AsType[*json.SyntaxError](err); syntax {
			return nil, fmt.Errorf("%s: not JSON: %w", path, err)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &m, nil
}
