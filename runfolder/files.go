package runfolder

import "github.com/apache/arrow-go/v18/arrow"

// Files of a run folder (`dedup run --out DIR`).
const (
	FileClusters = "clusters.parquet"
	FilePairs    = "pairs.parquet"
	FileGolden   = "golden.parquet"
	FileRejects  = "rejects.parquet"
	FileModel    = "model.json"
	FileManifest = "manifest.json"
	// FileFreqs holds the model's frozen term-frequency tables
	// (linkage.MarshalFreqTables), named by model.json's
	// term_frequencies; only beside a model that has them.
	FileFreqs = "model.freq"
)

// Files of a `dedup verify` output folder besides FileRejects and
// FileManifest; `dedup report` looks for them in the run folder too.
const (
	FileVerdicts      = "verdicts.parquet"
	FileVerifyIDs     = "ids.parquet"
	FileVerifySummary = "summary.json"
)

// Columns of clusters.parquet: one row per input row read and not rejected.
// ColClusterID is also golden.parquet's first column.
const (
	ColRecordID  = "record_id"
	ColSource    = "source"
	ColClusterID = "cluster_id"
	// ColDensity is the share of the cluster's member pairs that were
	// scored and accepted (at or above the threshold); null for a
	// singleton. Below 1, some members are held by the others, not by a
	// pair of their own.
	ColDensity = "density"
	// ColWeakestLink is the lowest match weight among the cluster's
	// accepted member pairs; null for a singleton.
	ColWeakestLink = "weakest_link"
	// ColSplits is how many more clusters the record's connected
	// component of accepted pairs became (cannot-link and average
	// linkage); 0 when it is one cluster.
	ColSplits = "splits"
)

// ClustersSchema is the schema of clusters.parquet.
var ClustersSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColRecordID, Type: arrow.BinaryTypes.String},
	{Name: ColSource, Type: arrow.BinaryTypes.String},
	{Name: ColClusterID, Type: arrow.BinaryTypes.String},
	{Name: ColDensity, Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: ColWeakestLink, Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: ColSplits, Type: arrow.PrimitiveTypes.Int32},
}, nil)

// Columns of pairs.parquet. Between ColBlockingRule and ColMatchWeight
// each comparison has a level column (int8, -1 = null) and a similarity
// column (float32), named by LevelColumn and SimColumn.
const (
	ColLeftID           = "left_id"
	ColRightID          = "right_id"
	ColLeftSource       = "left_source"
	ColRightSource      = "right_source"
	ColBlockingRule     = "blocking_rule"
	ColMatchWeight      = "match_weight"
	ColMatchProbability = "match_probability"

	// LevelSuffix and SimSuffix end a comparison's columns.
	LevelSuffix = "_level"
	SimSuffix   = "_sim"
)

// LevelColumn is the pairs.parquet column of a comparison's level.
func LevelColumn(comparison string) string { return comparison + LevelSuffix }

// SimColumn is the pairs.parquet column of a comparison's similarity.
func SimColumn(comparison string) string { return comparison + SimSuffix }

// PairsSchema is the schema of pairs.parquet for the comparisons named, in
// the model's order.
func PairsSchema(comparisons []string) *arrow.Schema {
	fields := []arrow.Field{
		{Name: ColLeftID, Type: arrow.BinaryTypes.String},
		{Name: ColRightID, Type: arrow.BinaryTypes.String},
		{Name: ColLeftSource, Type: arrow.BinaryTypes.String},
		{Name: ColRightSource, Type: arrow.BinaryTypes.String},
		{Name: ColBlockingRule, Type: arrow.BinaryTypes.String},
	}
	for _, name := range comparisons {
		fields = append(fields,
			arrow.Field{Name: LevelColumn(name), Type: arrow.PrimitiveTypes.Int8},
			arrow.Field{Name: SimColumn(name), Type: arrow.PrimitiveTypes.Float32})
	}
	fields = append(fields,
		arrow.Field{Name: ColMatchWeight, Type: arrow.PrimitiveTypes.Float64},
		arrow.Field{Name: ColMatchProbability, Type: arrow.PrimitiveTypes.Float64})
	return arrow.NewSchema(fields, nil)
}

// Columns of golden.parquet: ColClusterID, ColSize (int32), ColMemberIDs
// (list of strings), then per field its value (a date field's a date32,
// the first day of what is known, with `<field>_precision` beside it:
// day, month or year; an address's the house and street with the
// pre-2025 ward, district and province, `<field>_2025` beside it the house
// and street with the 2025 ward and province) and `<field>_from` (plus
// `<field>_ward_2025` and `<field>_province_2025`, the 2025 codes, for an
// address, and `<field>_support`, float32,
// the share of the members holding the chosen value, for every field but
// a timestamp), then the quality criteria (booleans) and the quality
// flags (a list of strings). Other columns are strings.
const (
	ColSize         = "size"
	ColMemberIDs    = "member_ids"
	ColCorrect      = "correct"
	ColComplete     = "complete"
	ColClean        = "clean"
	ColLive         = "live"
	ColQualityFlags = "quality_flags"

	FromSuffix         = "_from"
	Address2025Suffix  = "_2025"
	Ward2025Suffix     = "_ward_2025"
	Province2025Suffix = "_province_2025"
	SupportSuffix      = "_support"
	PrecisionSuffix    = "_precision"
)

// Columns of rejects.parquet besides ColSource.
const (
	ColFile   = "file"
	ColRow    = "row"
	ColColumn = "column"
	ColReason = "reason"
)

// RejectsSchema is the schema of rejects.parquet.
var RejectsSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColSource, Type: arrow.BinaryTypes.String},
	{Name: ColFile, Type: arrow.BinaryTypes.String},
	{Name: ColRow, Type: arrow.PrimitiveTypes.Int64},
	{Name: ColColumn, Type: arrow.BinaryTypes.String},
	{Name: ColReason, Type: arrow.BinaryTypes.String},
}, nil)

// Columns of verify's outputs that `dedup report` reads by name:
// verdicts.parquet's carrier and verdict, ids.parquet's ID number, its
// total SIM count and its "carrier:count;..." list.
const (
	ColCarrier    = "carrier"
	ColVerdict    = "verdict"
	ColNationalID = "national_id"
	ColTotal      = "total"
	ColPerCarrier = "per_carrier"
)

// A run with --state (package state) adds ColPersonID as the last column
// of clusters.parquet and golden.parquet, and writes FileChanges: one row
// per person event of the night.
const (
	FileChanges = "changes.parquet"
	ColPersonID = "person_id"

	ColEvent         = "event"           // created, updated, merged_into, split_from, retired
	ColOtherPersonID = "other_person_id" // merged_into: the survivor; split_from: the earlier person
	ColRecordIDs     = "record_ids"      // the records the event concerns
	ColRecordSources = "record_sources"  // their sources, one per record id
	ColPairLeftIDs   = "pair_left_ids"   // the evidence: accepted pairs (or, for a split, pairs that no longer hold)
	ColPairRightIDs  = "pair_right_ids"
	ColPairWeights   = "pair_weights"
)

// ChangesSchema is the schema of changes.parquet.
var ChangesSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColPersonID, Type: arrow.BinaryTypes.String},
	{Name: ColEvent, Type: arrow.BinaryTypes.String},
	{Name: ColOtherPersonID, Type: arrow.BinaryTypes.String},
	{Name: ColRecordIDs, Type: arrow.ListOf(arrow.BinaryTypes.String)},
	{Name: ColRecordSources, Type: arrow.ListOf(arrow.BinaryTypes.String)},
	{Name: ColPairLeftIDs, Type: arrow.ListOf(arrow.BinaryTypes.String)},
	{Name: ColPairRightIDs, Type: arrow.ListOf(arrow.BinaryTypes.String)},
	{Name: ColPairWeights, Type: arrow.ListOf(arrow.PrimitiveTypes.Float64)},
}, nil)
