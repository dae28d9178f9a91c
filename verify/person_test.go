package verify

import (
	"strings"
	"testing"
)

// TestPersonEvidence: the person decides, not one record. Other
// subscriptions on the ID agreeing with this one against a one-digit
// slip of the record make a match that marks the register; a lone
// subscription, a whole day or month apart, or a CCCD of another birth
// year do not. A register year nobody can have is mended when one digit
// makes it possible. Mismatches say whether the citizen's own records
// disagree on the field. Every verdict names its evidence.
func TestPersonEvidence(t *testing.T) {
	reg := testRegister(t, [][5]string{
		{"P1", "Trần Thành Duy", "15/02/2005", "034305239112", "0990902214"}, // day slipped: 11 → 15
		{"P2", "Phạm Phúc Ong", "17/10/1984", "075084627513", "0593163312"},  // name slipped: Anh → Ong
		{"P3", "Nguyễn Văn Long", "20/07/5969", "", "0996887278"},            // year slipped: 1969 → 5969
		{"P4", "Lê Thị Mai", "01/02/1990", "001190000111", ""},               // one citizen, two records
		{"P4b", "Lê Thị Mai", "21/02/1991", "001190000111", ""},              // that disagree on the date
		{"P5", "Nguyễn T. nAh", "11/02/1974", "044174646500", ""},            // middle abbreviated and a slip
	})
	c := NewChecker(reg, 2026)
	var res Result
	for _, tc := range []struct {
		name, sub                       string
		in                              SubInput
		verdict, fields, diff, evidence string
		inconsistent                    bool
	}{
		{name: "lone subscription against a slipped day", in: SubInput{Name: []byte("Trần Thành Duy"), DOB: []byte("11/02/2005"), ID: []byte("034305239112"), MSISDN: []byte("0990902214")},
			verdict: VerdictMismatch, fields: "dob", diff: "dob:one_digit", evidence: EvidenceRecord},
		{name: "backed by another subscription", in: SubInput{Name: []byte("Trần Thành Duy"), DOB: []byte("11/02/2005"), ID: []byte("034305239112"), MSISDN: []byte("0990902214"), Support: SupportDOB},
			verdict: VerdictMatch, diff: "dob:register_slip", evidence: EvidenceSubscriptions, inconsistent: true},
		{name: "a month apart is no slip", in: SubInput{Name: []byte("Trần Thành Duy"), DOB: []byte("15/11/2005"), ID: []byte("034305239112"), MSISDN: []byte("0990902214"), Support: SupportDOB},
			verdict: VerdictMismatch, fields: "dob", evidence: EvidenceRecord},
		{name: "the CCCD's year sides with the register", in: SubInput{Name: []byte("Trần Thành Duy"), DOB: []byte("15/02/2006"), ID: []byte("034305239112"), MSISDN: []byte("0990902214"), Support: SupportDOB},
			verdict: VerdictMismatch, fields: "dob", evidence: EvidenceRecord},
		{name: "a name slip backed by another subscription", in: SubInput{Name: []byte("Phạm Phúc Anh"), DOB: []byte("17/10/1984"), ID: []byte("075084627513"), MSISDN: []byte("0593163312"), Support: SupportName},
			verdict: VerdictMatch, diff: "name:register_slip", evidence: EvidenceSubscriptions, inconsistent: true},
		{name: "a mended register year", in: SubInput{Name: []byte("Nguyễn Văn Long"), DOB: []byte("20/07/1969"), ID: []byte("079069000123"), MSISDN: []byte("0996887278")},
			verdict: VerdictMatch, diff: "dob:register_typo", evidence: EvidencePhone},
		{name: "the records disagree on the date", in: SubInput{Name: []byte("Lê Thị Mai"), DOB: []byte("01/07/1990"), ID: []byte("001190000111"), MSISDN: []byte("0911111111")},
			verdict: VerdictMismatch, fields: "dob", evidence: EvidenceRecord, inconsistent: true},
		{name: "ID and full date: the middle name and a slip are the register's", in: SubInput{Name: []byte("Nguyễn Thị Anh"), DOB: []byte("11/02/1974"), ID: []byte("044174646500"), MSISDN: []byte("0775708869")},
			verdict: VerdictMatch, diff: "name:middle_typo", evidence: EvidenceRecord},
		{name: "not with another date", in: SubInput{Name: []byte("Nguyễn Thị Anh"), DOB: []byte("12/03/1974"), ID: []byte("044174646500"), MSISDN: []byte("0775708869")},
			verdict: VerdictOtherPerson, evidence: EvidenceIDHolder},
		{name: "the date on one record", in: SubInput{Name: []byte("Lê Thị Mai"), DOB: []byte("21/02/1991"), ID: []byte("001190000111"), MSISDN: []byte("0911111111")},
			verdict: VerdictMatch, evidence: EvidenceRecord},
	} {
		c.Check(tc.in, &res)
		if res.Verdict != tc.verdict || res.Fields != tc.fields || res.Evidence != tc.evidence || res.Inconsistent != tc.inconsistent ||
			(tc.diff != "" && !strings.Contains(string(res.Differences), tc.diff)) {
			t.Errorf("%s: verdict %q fields %q differences %q evidence %q inconsistent %v; want %q %q (%s) %q %v", tc.name,
				res.Verdict, res.Fields, res.Differences, res.Evidence, res.Inconsistent, tc.verdict, tc.fields, tc.diff, tc.evidence, tc.inconsistent)
		}
	}
}

// TestFixYear: a register year nobody can have is mended only when
// exactly one changed digit makes it a possible one.
func TestFixYear(t *testing.T) {
	for _, tc := range []struct {
		dob  string
		want int32
	}{
		{"20/07/5969", 19690720}, {"12.03.2702", 20020312}, {"01/10/7968", 19681001}, {"01/01/1178", 19780101},
		{"01/01/2925", 29250101}, // 1925 or 2025: which is not known, the year stays as it is
		{"01/01/1985", 19850101},
	} {
		reg := testRegister(t, [][5]string{{"R", "Nguyễn Văn An", tc.dob, "", ""}})
		if reg.dob[0] != tc.want || reg.dobFixed[0] != (tc.want != 29250101 && tc.want != 19850101) {
			t.Errorf("%s: packed %d fixed %v, want %d", tc.dob, reg.dob[0], reg.dobFixed[0], tc.want)
		}
	}
}

// TestWrittenOrder: a typo that makes the surname unknown makes the name
// parser read the name as reordered (Nhô Văn Phú as Văn Phú Nhô); the
// second search also takes the last word as written for the given name,
// and finds the record without the ID that the CCCD's digits back.
func TestWrittenOrder(t *testing.T) {
	reg := testRegisterFull(t, [][7]string{{"P01", "Ngô Văn Phú", "18/02/1992", "", "", "Nam", "01"}})
	c := NewChecker(reg, 2026)
	var res Result
	c.Check(SubInput{Name: []byte("Nhô Văn Phú"), DOB: []byte("18/02/1992"), ID: []byte("001092275885"), MSISDN: []byte("0934964882")}, &res)
	if res.Verdict != VerdictMatch || res.Matched != 0 || res.Evidence != EvidenceIDDigits {
		t.Errorf("verdict %q matched %d evidence %q, want a match of P01 on the CCCD's digits", res.Verdict, res.Matched, res.Evidence)
	}
}

// TestMonthFirstRegisterDate: a register date read month first only
// because its second part cannot be a month (05/20/1950) keeps its year
// alone: the day-first date with a slipped month is as likely, so a
// subscription giving 05/10/1950 is a match the register confirms only
// in part, not a mismatch.
func TestMonthFirstRegisterDate(t *testing.T) {
	reg := testRegister(t, [][5]string{{"R", "Huỳnh Văn Chánh", "05/20/1950", "068050112432", "0766452625"}})
	if reg.dob[0] != 19500000 {
		t.Fatalf("packed %d, want the year alone", reg.dob[0])
	}
	var res Result
	NewChecker(reg, 2026).Check(SubInput{Name: []byte("Huỳnh Văn Chánh"), DOB: []byte("05/10/1950"), ID: []byte("068050112432"), MSISDN: []byte("0766452625")}, &res)
	if res.Verdict != VerdictMatch || !res.Partial {
		t.Errorf("verdict %q partial %v, want match:dob_partial", res.Verdict, res.Partial)
	}
}

// TestSiblingDate: the register holds neither the ID nor the date a
// subscription gives; another subscription on the ID gives the name
// with another date, which names a citizen backed by the CCCD's digits:
// this subscription is theirs with a wrong date (mismatch on dob,
// evidence subscriptions). Without the other subscription nobody is
// named.
func TestSiblingDate(t *testing.T) {
	reg := testRegisterFull(t, [][7]string{{"R4", "Phạm Minh Tuấn", "05/12/1979", "", "", "Nam", "01"}})
	c := NewChecker(reg, 2026)
	var res Result
	in := SubInput{Name: []byte("Phạm Minh Tuấn"), DOB: []byte("07/03/1979"), ID: []byte("001079000123"), MSISDN: []byte("0912000111")}
	c.Check(in, &res)
	if res.Verdict != VerdictIDNotFound {
		t.Errorf("alone: verdict %q, want id_not_found", res.Verdict)
	}
	in.AltDOB = 19791205
	c.Check(in, &res)
	if res.Verdict != VerdictMismatch || res.Fields != "dob" || res.Matched != 0 || res.Evidence != EvidenceSubscriptions {
		t.Errorf("with the other subscription's date: verdict %q fields %q matched %d evidence %q, want mismatch on dob of R4 (subscriptions)",
			res.Verdict, res.Fields, res.Matched, res.Evidence)
	}
}
