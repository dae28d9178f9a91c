package verify

import (
	"strings"
	"testing"
)

// TestImpossibleSubscriptionDate: a subscription date no calendar has
// (31/02, month 13) is never read as another date (a wrong year of the
// register's citizen): given with an ID the register holds, it is that
// citizen's wrong date of birth, mismatch on dob (dob:impossible), which
// the operator can have corrected; with an ID nobody holds it names
// nobody, unusable. 0000-00-00 and a signed number ("-1", which read as
// 1901) are no date at all: unusable.
func TestImpossibleSubscriptionDate(t *testing.T) {
	reg := testRegister(t, [][5]string{{"R1", "Nguyễn Văn An", "15/03/1990", "001090123456", "0912345678"}})
	c := NewChecker(reg, 2026)
	var res Result
	for _, tc := range []struct {
		dob, id  string
		mismatch bool
	}{
		{"31/02/1990", "001090123456", true}, {"31/02/2024", "001090123456", true}, {"15/13/1990", "001090123456", true},
		{"31/02/1990", "001090999999", false}, {"15/13/1990", "", false},
		{"0000-00-00", "001090123456", false}, {"-1", "001090123456", false},
	} {
		c.Check(SubInput{Name: []byte("Nguyễn Văn An"), DOB: []byte(tc.dob), ID: []byte(tc.id), MSISDN: []byte("0912345678")}, &res)
		switch {
		case tc.mismatch && (res.Verdict != VerdictMismatch || res.Fields != "dob" || !strings.Contains(string(res.Differences), "dob:impossible")):
			t.Errorf("dob %q id %q: verdict %q fields %q differences %q, want mismatch on dob (dob:impossible)", tc.dob, tc.id, res.Verdict, res.Fields, res.Differences)
		case !tc.mismatch && (res.Verdict != VerdictUnusable || res.Reason != ReasonDOBUnreadable):
			t.Errorf("dob %q id %q: verdict %q reason %q, want %q %q", tc.dob, tc.id, res.Verdict, res.Reason, VerdictUnusable, ReasonDOBUnreadable)
		}
	}
}
