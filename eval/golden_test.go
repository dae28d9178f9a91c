package eval

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMeasureGolden: golden values are compared with the true values of
// the person most members belong to, singletons apart from clusters of
// 2+, a name differing only in tone placement counts as equal, and a
// mismatch is counted under the chosen member's labels of that field.
func TestMeasureGolden(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truth := write("truth.csv", "record_id,person_id,corruptions,true_full_name,true_date_of_birth\n"+
		"r1,P1,,Nguyễn Văn Thuý,1990-04-05\n"+
		"r2,P1,name_typo;phone_format,Nguyễn Văn Thuý,1990-04-05\n"+
		"r3,P2,,Lê Thị Mai,1985-01-02\n"+
		"r4,P3,dob_day_month_swap,Trần An,1970-03-04\n"+
		"r5,P3,,Trần An,1970-03-04\n"+
		"r6,P4,,Võ Bình,2001-02-03\n"+
		"r7,P5,name_upper;dob_year_only,Đỗ Hà,1999-09-09\n"+ // capitals are fixable, a year alone is not
		"r8,P5,dob_digit,Đỗ Hà,1999-09-09\n")
	golden := write("golden.csv", "cluster_id,member_ids,name,name_from,dob,dob_from\n"+
		"c1,r1;r2,Nguyễn Văn Thúy,r1,1990-04-05,r1\n"+ // tone placement only: equal
		"c2,r3,Lê Thị Mai,r3,1985-01-02,r3\n"+
		"c3,r4;r5,Trần An,r5,1970-04-03,r4\n"+ // the swapped date won
		"c4,r6,Võ Binh,r6,,\n"+ // a wrong name, no date
		"c5,r7;r8,Đỗ Hà,r7,1999-09-08,r8\n") // no member holds the true date
	rep, err := measureGolden(golden, truth, "record_id", "person_id")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Records != 5 || len(rep.Fields) != 2 {
		t.Fatalf("records %d, fields %d", rep.Records, len(rep.Fields))
	}
	name, dob := rep.Fields[0], rep.Fields[1]
	// Supported: the records where a member holds the true value (c5's
	// members both lost the date).
	for _, c := range []struct {
		what                              string
		a                                 GoldenAgreement
		records, equal, supported, suppEq int64
	}{
		{"name singletons", name.Singletons, 2, 1, 2, 1},
		{"name 2+", name.Multi, 3, 3, 3, 3},
		{"dob singletons", dob.Singletons, 2, 1, 2, 1},
		{"dob 2+", dob.Multi, 3, 1, 2, 1},
	} {
		if got := [4]int64{c.a.Records, c.a.Equal, c.a.Supported, c.a.SupportedEqual}; got != [4]int64{c.records, c.equal, c.supported, c.suppEq} {
			t.Errorf("%s: records, equal, supported, supported equal %v, want %v", c.what, got, [4]int64{c.records, c.equal, c.supported, c.suppEq})
		}
	}
	if m := dob.MismatchByCorruption; len(m) != 3 || m[0].Singletons+m[0].Multi != 1 || m[1].Singletons+m[1].Multi != 1 {
		t.Errorf("dob mismatches %+v", m)
	}
	for _, m := range dob.MismatchByCorruption {
		if m.Label == "dob_day_month_swap" && (m.Multi != 1 || len(m.ExamplesMulti) != 1 || m.ExamplesMulti[0] != "c3") {
			t.Errorf("swap mismatch %+v", m)
		}
	}
	if m := name.MismatchByCorruption; len(m) != 1 || m[0].Label != "(none)" || m[0].Singletons != 1 {
		t.Errorf("name mismatches %+v", m)
	}
}
