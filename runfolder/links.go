package runfolder

import (
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
)

// FileLinks is the file `dedup link` writes: one row per input row of the
// sector table that was not rejected, naming the register person it
// belongs to, if any.
const FileLinks = "links.parquet"

// Columns of links.parquet. record_id is the sector row's own id (the
// source's record_id column); person_id the register person's persistent
// id, empty unless the verdict is linked; match_probability the best
// pair's probability (0 when no pair was scored). The comparison levels
// of the chosen pair may follow, named by LevelColumn.
const (
	ColLinkRecordID         = "record_id"
	ColLinkVerdict          = "verdict"
	ColLinkPersonID         = "person_id"
	ColLinkMatchProbability = "match_probability"
)

// Verdicts of links.parquet.
const (
	// VerdictLinked: the row belongs to person_id.
	VerdictLinked = "linked"
	// VerdictAmbiguous: two or more persons are within the documented
	// margin of each other; none is named.
	VerdictAmbiguous = "ambiguous"
	// VerdictNotFound: no person of the register matches.
	VerdictNotFound = "not_found"
)

// LinkVerdicts lists the verdicts in the order reports show them.
var LinkVerdicts = []string{VerdictLinked, VerdictAmbiguous, VerdictNotFound}

// More columns of the links.parquet `dedup link` writes: the row's
// source, the deciding pair's match weight (null when no pair was
// scored), and the candidate persons of an ambiguous row (best first).
const (
	ColLinkSource      = "source"
	ColLinkMatchWeight = "match_weight"
	ColLinkCandidates  = "candidate_person_ids"
)

// LinksSchema is the schema of links.parquet without comparison levels.
var LinksSchema = arrow.NewSchema([]arrow.Field{
	{Name: ColLinkRecordID, Type: arrow.BinaryTypes.String},
	{Name: ColLinkVerdict, Type: arrow.BinaryTypes.String},
	{Name: ColLinkPersonID, Type: arrow.BinaryTypes.String},
	{Name: ColLinkMatchProbability, Type: arrow.PrimitiveTypes.Float64},
}, nil)

// LinkSchema is the schema of the links.parquet `dedup link` writes: the
// LinksSchema columns, the source, match weight and candidates, then the
// deciding pair's level for each comparison named (int8, null when no
// pair), named by LevelColumn.
func LinkSchema(comparisons []string) *arrow.Schema {
	fields := slices.Clone(LinksSchema.Fields())
	fields = append(fields,
		arrow.Field{Name: ColLinkSource, Type: arrow.BinaryTypes.String},
		arrow.Field{Name: ColLinkMatchWeight, Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		arrow.Field{Name: ColLinkCandidates, Type: arrow.ListOf(arrow.BinaryTypes.String)})
	for _, c := range comparisons {
		fields = append(fields, arrow.Field{Name: LevelColumn(c), Type: arrow.PrimitiveTypes.Int8, Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}
