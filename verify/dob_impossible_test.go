package verify

import "testing"

// TestImpossibleSubscriptionDate: a subscription date no calendar has
// (31/02, month 13, 0000-00-00) or a signed number ("-1", which read as
// 1901) is unreadable, not a wrong year of the register's citizen.
func TestImpossibleSubscriptionDate(t *testing.T) {
	reg := testRegister(t, [][5]string{{"R1", "Nguyễn Văn An", "15/03/1990", "001090123456", "0912345678"}})
	c := NewChecker(reg, 2026)
	var res Result
	for _, dob := range []string{"31/02/1990", "31/02/2024", "15/13/1990", "0000-00-00", "-1"} {
		c.Check(SubInput{Name: []byte("Nguyễn Văn An"), DOB: []byte(dob), ID: []byte("001090123456"), MSISDN: []byte("0912345678")}, &res)
		if res.Verdict != VerdictUnusable || res.Reason != ReasonDOBUnreadable {
			t.Errorf("dob %q: verdict %q reason %q, want %q %q", dob, res.Verdict, res.Reason, VerdictUnusable, ReasonDOBUnreadable)
		}
	}
}
