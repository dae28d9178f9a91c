package survive_test

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/survive"
)

// Three records of one person, the national ID typed wrong in the latest
// one: the members vote on the name (two write it in full, the latest
// without diacritics, one with an initial), which is rendered as the
// accented member wrote it; the full date survives over the latest
// record's year alone; the ID is the valid value.
func Example() {
	cfg := &config.Config{
		Fields: []config.Field{
			{Name: "full_name", Kind: config.KindPersonName},
			{Name: "dob", Kind: config.KindDate},
			{Name: "national_id", Kind: config.KindNationalID},
			{Name: "updated_at", Kind: config.KindTimestamp},
		},
		Survivorship: config.Survivorship{
			Default: config.SurviveMostRecent,
			Fields: map[string]string{"national_id": config.SurviveValidFirst, "full_name": config.SurviveMostFrequent,
				"dob": config.SurviveMostFrequent},
		},
	}
	strs := func(vals ...string) survive.Strings {
		s := survive.Strings{Offs: []uint32{0}}
		for _, v := range vals {
			s.Data = append(s.Data, v...)
			s.Offs = append(s.Offs, uint32(len(s.Data)))
		}
		return s
	}
	// The records' columns, as a run's store holds them.
	m := &survive.Members{
		RecordID: strs("HN-1", "HN-2", "SG-7"),
		Flags:    []uint64{0, uint64(normalize.FlagNameMiddleAbbrev), uint64(normalize.FlagNameNoDiacritics)},
		IDKey:    []uint64{0x51, 0x51, 0}, // a valid CCCD's hash; 0: not valid
		Fields: []survive.Field{
			{Kind: config.KindPersonName, Text: strs("Nguyễn Văn An", "Nguyễn V. An", "Nguyen Van An")},
			{Kind: config.KindDate, Ints: []int32{19900405, 19900405, 19900000}}, // the latest: the year only
			{Kind: config.KindNationalID, Text: strs("001090012345", "001090012345", "00109001234")},
			{Kind: config.KindTimestamp, TS: []int64{1600000000, 1650000000, 1700000000}},
		},
	}
	// One cluster of rows 0, 1, 2, the representative first.
	clusters := survive.Clusters{
		Starts: []int32{0, 3},
		Rows:   []int32{0, 1, 2},
		Key:    func(int32) uint64 { return 0x2a },
	}
	g := survive.New(cfg)
	_, err := g.Build(clusters, survive.Whole(m, 1), func(rec arrow.RecordBatch) bool {
		defer rec.Release()
		for c, f := range rec.Schema().Fields() {
			fmt.Printf("%s: %s\n", f.Name, dataio.FormatValue(rec.Column(c), 0))
		}
		return true
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// cluster_id: 000000000000002a
	// size: 3
	// member_ids: HN-1;HN-2;SG-7
	// full_name: Nguyễn Văn An
	// full_name_from: HN-1
	// full_name_support: 0.6666667
	// dob: 1990-04-05
	// dob_precision: day
	// dob_from: HN-2
	// dob_support: 0.6666667
	// national_id: 001090012345
	// national_id_from: HN-2
	// national_id_support: 0.6666667
	// updated_at: 2023-11-14T22:13:20Z
	// updated_at_from: SG-7
	// correct: true
	// complete: true
	// clean: true
	// live: false
	// quality_flags: addr_unresolved
}
