package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/eval"
	"github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/normalize"
	"github.com/dedup-vn/dedup/runfolder"
)

// testRegister builds a register from rows of (record id, name, dob,
// national id, phone), without gender or province.
func testRegister(t testing.TB, rows [][5]string) *Register {
	t.Helper()
	full := make([][7]string, len(rows))
	for i, r := range rows {
		copy(full[i][:], r[:])
	}
	return testRegisterFull(t, full)
}

// testRegisterFull builds a register from rows of (record id, name, dob,
// national id, phone, gender, province code).
func testRegisterFull(t testing.TB, rows [][7]string) *Register {
	t.Helper()
	reg := newRegister(RegisterRaw)
	ch := newRegChunk()
	n := normalize.New(normalize.Options{RefYear: 2026})
	for _, r := range rows {
		if err := ch.add(n, nil, 2026, regRow{id: []byte(r[0]), name: []byte(r[1]), dob: []byte(r[2]), nid: []byte(r[3]), phone: []byte(r[4]),
			gender: []byte(r[5]), prov: []byte(r[6])}); err != nil {
			t.Fatal(err)
		}
	}
	var ny []uint64
	if err := reg.merge(ch, &ny); err != nil {
		t.Fatal(err)
	}
	reg.buildIndexes(ny)
	return reg
}

var tableRegister = [][5]string{
	{"R1", "Nguyễn Văn An", "15/03/1990", "001090123456", "0912345678"},
	{"R2", "Trần Thị Bích Ngọc", "02/11/1985", "079185000001", "0987654321"},
	{"R3", "Lê Hoàng Long", "1985", "079085000002", ""},                       // year-only date
	{"R4", "Phạm Minh Tuấn", "05/12/1979", "", "0903111222"},                  // no ID on the register
	{"R5", "Hoàng Thị Mai", "07/08/1992", "012345678", "0904000111"},          // old CMND only
	{"R6", "Đỗ Quang Huy", "20/01/2000", "001200123499", ""},                  // one digit off the subscriptions' ID
	{"R7", "Vũ Văn Bình", "01/01/1970", "", "0905000001"},                     // two namesakes born the same day,
	{"R8", "Vũ Văn Bình", "01/01/1970", "", "0905000002"},                     // no ID: one citizen for all we know
	{"R9", "Ngô Văn Cường", "09/09/1988", "001088000111", ""},                 // namesakes holding
	{"R10", "Ngô Văn Cường", "09/09/1988", "001088999222", ""},                // different IDs: a tie
	{"R11", "Nguyễn Văn An", "15/03/1990", "001090123456", "0912345678"},      // R1's duplicate record
	{"R12", "Bùi Thị Lan", "10/10/1995", "001195000333", "0909999888"},        // the phone owner
	{"R13", "Lý Thị Hoa", "14/05/1993", "001193000444", "0911222333"},         // register date typed day/month swapped
	{"R14", "Đặng Văn Khoa", "03/04/1960", "001060000555", "0933444555"},      // ID in the register, other person
	{"R15", "Trịnh Văn Sơn", "1977-07-07", "001077000666", "0966777888"},      // holds 001077000666
	{"R16", "Cao Thị Hạnh", "28/02/1983", "001183000777", "0977888999"},       // date typo in the register year,
	{"R17", "Mai Văn Phúc", "11/11/1911", "001083000888", "0988999000"},       // contradicted by the CCCD (1983)
	{"R18", "Tạ Thị Nguyệt", "30/78/1991", "001191000999", "0999000111"},      // impossible month: year kept
	{"R19", "Lâm Văn Tài", "12/12/1982", "001082001000", ""},                  // a citizen another ID points at
	{"R20", "Phan Thị Thu Trang", "06/06/1996", "001196001111", "0966000222"}, //
	{"R21", "Đinh Văn Toàn", "05/06/1957", "001075000123", ""},                // one citizen, two records: the name right on one,
	{"R22", "Đinh Thị Hà", "05/06/1975", "001075000123", ""},                  // the date right on the other
	{"R23", "Tô Văn Hải", "1980", "001080000234", ""},                         // a year-only record and
	{"R24", "Tô Văn Hải", "12/03/1980", "001080000234", ""},                   // a full one of the same citizen
	{"R25", "Hà Thị Sen", "30/08/1978", "", ""},                               // no ID on the register, and a namesake
	{"R26", "Hà Thị Sen", "30/08/1978", "040178236844", "0911000777"},         // born the same day holding another CCCD
	{"R27", "Kha Văn Lộc", "08/82/2010", "001210000345", ""},                  // 82 cannot be a month, so 08 may be the day
}

func TestCheckRules(t *testing.T) {
	full := make([][7]string, len(tableRegister))
	for i, r := range tableRegister {
		copy(full[i][:], r[:])
	}
	// Gender and province back R4 and R25 when the subscriptions' CCCDs
	// (001…: Hà Nội, a man born in the 1900s; 052…: Bình Định, a woman)
	// are not on the register: name and date alone make no match.
	full[3][5], full[3][6] = "Nam", "01"
	full[24][5], full[24][6] = "Nữ", "52"
	reg := testRegisterFull(t, full)
	c := NewChecker(reg, 2026)
	tests := []struct {
		what                     string
		name, dob, id, msisdn    string
		verdict, fields, reason  string
		matched, holder, phoneOw string
		diff                     string
		tie, partial             bool
	}{
		{what: "exact", name: "Nguyễn Văn An", dob: "15/03/1990", id: "001090123456", msisdn: "0912345678", verdict: VerdictMatch, matched: "R1"},
		{what: "no diacritics, upper case", name: "NGUYEN VAN AN", dob: "15/03/1990", id: "001090123456", msisdn: "+84912345678", verdict: VerdictMatch, matched: "R1", diff: "name:diacritics"},
		{what: "one-letter typo", name: "Trần Thị Bích Ngoc", dob: "02/11/1985", id: "079185000001", msisdn: "0987654321", verdict: VerdictMatch, matched: "R2"},
		{what: "typo by a letter", name: "Trần Thị Bích Ngọx", dob: "02/11/1985", id: "079185000001", msisdn: "0987654321", verdict: VerdictMatch, matched: "R2", diff: "name:typo"},
		{what: "register year only", name: "Lê Hoàng Long", dob: "01/02/1985", id: "079085000002", msisdn: "0911000000", verdict: VerdictMatch, matched: "R3", diff: "dob:register_partial", partial: true},
		{what: "name on one record, date on another of the same ID", name: "Đinh Văn Toàn", dob: "05/06/1975", id: "001075000123", msisdn: "0900000010", verdict: VerdictMatch, matched: "R21"},
		{what: "a full date outweighs a year-only record", name: "Tô Văn Hải", dob: "20/07/1980", id: "001080000234", msisdn: "0900000011", verdict: VerdictMismatch, fields: "dob", matched: "R24"},
		{what: "the full date agrees", name: "Tô Văn Hải", dob: "12/03/1980", id: "001080000234", msisdn: "0900000012", verdict: VerdictMatch, matched: "R24"},
		{what: "month read first only because the day cannot be a month", name: "Kha Văn Lộc", dob: "08/12/2010", id: "001210000345", msisdn: "0900000013", verdict: VerdictMatch, matched: "R27", diff: "dob:register_partial", partial: true},
		{what: "two edits in one word make another name", name: "Trần Thị Bích Ngân", dob: "02/11/1985", id: "079185000001", msisdn: "0987654321", verdict: VerdictMismatch, fields: "name", matched: "R2", diff: "name:different"},
		{what: "two edits in two words are a slip on each side", name: "Trần Thị Bícg Ngọx", dob: "02/11/1985", id: "079185000001", msisdn: "0987654321", verdict: VerdictMatch, matched: "R2", diff: "name:typo"},
		{what: "ID-less citizen, typo in the given name (family+middle, date key)", name: "Phạm Minh Tuấm", dob: "05/12/1979", id: "001079123123", msisdn: "0900000014", verdict: VerdictMatch, matched: "R4", diff: "id:register_missing"},
		{what: "ID-less citizen, typo in the family name (given, date key)", name: "Phạn Minh Tuấn", dob: "05/12/1979", id: "001079123123", msisdn: "0900000015", verdict: VerdictMatch, matched: "R4", diff: "id:register_missing"},
		{what: "a namesake holding another CCCD does not hide the ID-less citizen", name: "Hà Thị Sen", dob: "30/08/1978", id: "052178737377", msisdn: "0900000016", verdict: VerdictMatch, matched: "R25", diff: "id:register_missing"},
		{what: "CCCD year not the ID-less citizen's: not theirs", name: "Phạm Minh Tuấn", dob: "05/12/1979", id: "001090123123", msisdn: "0900000017", verdict: VerdictOtherPerson, matched: "R4"},
		{what: "wrong year", name: "Nguyễn Văn An", dob: "15/03/1991", id: "001090123456", msisdn: "0912345678", verdict: VerdictMismatch, fields: "dob", matched: "R1", diff: "dob:one_digit"},
		{what: "wrong day", name: "Nguyễn Văn An", dob: "25/03/1990", id: "001090123456", msisdn: "0912345678", verdict: VerdictMismatch, fields: "dob", matched: "R1"},
		{what: "wrong month", name: "Nguyễn Văn An", dob: "15/07/1990", id: "001090123456", msisdn: "0912345678", verdict: VerdictMismatch, fields: "dob", matched: "R1"},
		{what: "register swapped day and month", name: "Lý Thị Hoa", dob: "05/14/1993", id: "001193000444", msisdn: "0911222333", verdict: VerdictMatch, matched: "R13"},
		{what: "register year slip against its CCCD", name: "Mai Văn Phúc", dob: "11/11/1983", id: "001083000888", msisdn: "0988999000", verdict: VerdictMismatch, fields: "dob", matched: "R17"},
		{what: "impossible register month", name: "Tạ Thị Nguyệt", dob: "30/07/1991", id: "001191000999", msisdn: "0999000111", verdict: VerdictMatch, matched: "R18", diff: "dob:register_partial", partial: true},
		{what: "name and date differ, no namesake: the ID is someone else's", name: "Trương Văn Tám", dob: "01/01/1950", id: "001060000555", msisdn: "0933444555", verdict: VerdictOtherPerson, holder: "R14", diff: "id:holder_differs"},
		{what: "name differs, date one digit off: a mistyped name, not someone else", name: "Trương Văn Tám", dob: "03/04/1961", id: "001060000555", msisdn: "0933444555", verdict: VerdictMismatch, fields: "name;dob", matched: "R14"},
		{what: "someone else's ID", name: "Lâm Văn Tài", dob: "12/12/1982", id: "001077000666", msisdn: "0900000001", verdict: VerdictOtherPerson, matched: "R19", holder: "R15"},
		{what: "someone else's ID, namesakes tie", name: "Ngô Văn Cường", dob: "09/09/1988", id: "001077000666", msisdn: "0900000002", verdict: VerdictOtherPerson, holder: "R15", tie: true},
		{what: "register without the ID", name: "Phạm Minh Tuấn", dob: "05/12/1979", id: "001079123123", msisdn: "0903111222", verdict: VerdictMatch, matched: "R4", diff: "id:register_missing"},
		{what: "register with the old CMND", name: "Hoàng Thị Mai", dob: "07/08/1992", id: "001192777888", msisdn: "0904000999", verdict: VerdictMatch, matched: "R5", diff: "id:register_other_kind"},
		{what: "register ID one digit off", name: "Đỗ Quang Huy", dob: "20/01/2000", id: "001200123498", msisdn: "0904000998", verdict: VerdictMatch, matched: "R6", diff: "id:register_typo"},
		{what: "ID not on the register, citizen with the phone holds another", name: "Phan Thị Thu Trang", dob: "06/06/1996", id: "001196555555", msisdn: "0966000222", verdict: VerdictOtherPerson, matched: "R20"},
		{what: "ID not on the register, its CCCD year not the citizen's", name: "Phan Thị Thu Trang", dob: "06/06/1996", id: "001180555555", msisdn: "0966000333", verdict: VerdictOtherPerson, matched: "R20"},
		{what: "ID not on the register, a namesake alone names nobody", name: "Phan Thị Thu Trang", dob: "06/06/1996", id: "001196555555", msisdn: "0966000333", verdict: VerdictIDNotFound},
		{what: "made-up ID", name: "Kim Văn Tư", dob: "04/04/1974", id: "001074999999", msisdn: "0900000003", verdict: VerdictIDNotFound},
		{what: "made-up ID on a real person's phone", name: "Kim Văn Tư", dob: "04/04/1974", id: "001074999999", msisdn: "0909999888", verdict: VerdictPhoneOtherName, phoneOw: "R12"},
		{what: "CCCD contradicting the date", name: "Kim Văn Tư", dob: "04/04/1974", id: "001090999999", msisdn: "0900000004", verdict: VerdictIDInvalid, reason: ReasonIDDOBMismatch},
		{what: "malformed ID", name: "Kim Văn Tư", dob: "04/04/1974", id: "12AB", msisdn: "0900000005", verdict: VerdictIDInvalid, reason: ReasonIDInvalid},
		{what: "no ID, citizen found", name: "Nguyễn Văn An", dob: "15/03/1990", id: "", msisdn: "0912345678", verdict: VerdictIDInvalid, reason: ReasonIDMissing, matched: "R1"},
		{what: "no ID, no name", name: "", dob: "15/03/1990", id: "", msisdn: "0912345678", verdict: VerdictUnusable, reason: ReasonNoIDNoName},
		{what: "unreadable date", name: "Nguyễn Văn An", dob: "hôm qua", id: "001090123456", msisdn: "0912345678", verdict: VerdictUnusable, reason: ReasonDOBUnreadable},
		{what: "garbage phone", name: "Nguyễn Văn An", dob: "15/03/1990", id: "001090123456", msisdn: "call me", verdict: VerdictUnusable, reason: ReasonMSISDNInvalid},
		{what: "no phone", name: "Nguyễn Văn An", dob: "15/03/1990", id: "001090123456", msisdn: "", verdict: VerdictUnusable, reason: ReasonMSISDNMissing},
	}
	var res Result
	for _, tc := range tests {
		c.Check(SubInput{Name: []byte(tc.name), DOB: []byte(tc.dob), ID: []byte(tc.id), MSISDN: []byte(tc.msisdn)}, &res)
		id := func(k int32) string {
			if k < 0 {
				return ""
			}
			return reg.ID(k)
		}
		got := []string{res.Verdict, res.Fields, res.Reason, id(res.Matched), id(res.Holder), id(res.PhoneOwner)}
		want := []string{tc.verdict, tc.fields, tc.reason, tc.matched, tc.holder, tc.phoneOw}
		if !slices.Equal(got, want) || res.Tie != tc.tie || res.Partial != tc.partial {
			t.Errorf("%s: got %q tie=%v partial=%v (differences %q), want %q tie=%v partial=%v", tc.what, got, res.Tie, res.Partial, res.Differences, want, tc.tie, tc.partial)
		}
		if tc.diff != "" && !strings.Contains(string(res.Differences), tc.diff) {
			t.Errorf("%s: differences %q lack %q", tc.what, res.Differences, tc.diff)
		}
	}
}

// TestNameDOBAloneIsNoMatch covers the rows found by name and date of
// birth when the subscription's ID is on no row: a register of millions
// holds namesakes born the same day, so these rows must be backed by the
// msisdn, the ID's own digits (province, gender) or the province of the
// subscription's address before anyone is matched; several citizens so
// backed are a tie.
func TestNameDOBAloneIsNoMatch(t *testing.T) {
	reg := testRegisterFull(t, [][7]string{
		{"N1", "Trương Thị Mỹ", "14/02/1991", "", "0911111001", "Nữ", "79"},            // no ID, lives in HCMC
		{"N2", "Lạc Văn Hùng", "20/10/1985", "", "", "Nam", "01"},                      // no ID, Hà Nội
		{"N3", "Mạc Văn Tín", "03/03/1975", "012000111", "", "Nam", "01"},              // two namesakes born the same day,
		{"N4", "Mạc Văn Tín", "03/03/1975", "013999222", "", "Nam", "01"},              // each holding another CMND
		{"N5", "Hứa Thị Gấm", "05/05/1990", "", "", "Nữ", "01"},                        // no ID: the last search's namesake
		{"N7", "Hứa Thị Gấm", "22/12/1990", "", "", "Nữ", "01"},                        // a namesake of another date
		{"N8", "Đào Văn Tiến", "10/10/1990", "001090777111", "", "Nam", "01"},          // a namesake born on the written date,
		{"N9", "Đào Văn Tiến", "10/10/1988", "", "", "Nam", "01"},                      // the CCCD's holder (1988), no ID on record
		{"N10", "Lục Văn Hòa", "04/04/1992", "001092000111", "", "Nam", "01"},          // uses another's CCCD
		{"N6", "Kim Văn Sáu", "01/01/1950", "001050000001", "0922000001", "Nam", "01"}, // a father's line
	})
	c := NewChecker(reg, 2026)
	const hcmc = "12 đường Lê Lợi, Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh"
	tests := []struct {
		what                       string
		name, dob, id, msisdn, adr string
		verdict, fields, matched   string
		diff                       string
		tie                        bool
	}{
		{what: "made-up CCCD of another province under an ID-less namesake", name: "Trương Thị Mỹ", dob: "14/02/1991", id: "036191000777", msisdn: "0900000101",
			verdict: VerdictIDNotFound},
		{what: "the subscription's address in the namesake's province", name: "Trương Thị Mỹ", dob: "14/02/1991", id: "036191000777", msisdn: "0900000102", adr: hcmc,
			verdict: VerdictMatch, matched: "N1", diff: "id:register_missing"},
		{what: "the msisdn on the namesake's record", name: "Trương Thị Mỹ", dob: "14/02/1991", id: "036191000777", msisdn: "0911111001",
			verdict: VerdictMatch, matched: "N1", diff: "id:register_missing"},
		{what: "CCCD of the namesake's province, other gender", name: "Lạc Văn Hùng", dob: "20/10/1985", id: "001185000888", msisdn: "0900000103",
			verdict: VerdictIDNotFound},
		{what: "CCCD of the namesake's province and gender", name: "Lạc Văn Hùng", dob: "20/10/1985", id: "001085000888", msisdn: "0900000104",
			verdict: VerdictMatch, matched: "N2", diff: "id:register_missing"},
		{what: "two backed namesakes holding other CMNDs: a tie, nobody named", name: "Mạc Văn Tín", dob: "03/03/1975", id: "001075123456", msisdn: "0900000105",
			verdict: VerdictMatch, tie: true},
		{what: "last search: a date one slip off names the namesake (the one of a wholly other date is someone else)", name: "Hứa Thị Gấm", dob: "05/11/1990", id: "001190555666", msisdn: "0900000106",
			verdict: VerdictMismatch, fields: "dob", matched: "N5", diff: "id:register_missing"},
		{what: "last search: a wholly other date names nobody", name: "Hứa Thị Gấm", dob: "17/11/1990", id: "001190555666", msisdn: "0900000107",
			verdict: VerdictIDNotFound},
		{what: "wrong year: the CCCD's holder one slip off outweighs a namesake born on the written date", name: "Đào Văn Tiến", dob: "10/10/1990", id: "001088123456", msisdn: "0900000108",
			verdict: VerdictMismatch, fields: "dob", matched: "N9", diff: "dob:year"},
		{what: "another's CCCD (its year not the date's), no holder one slip off: other person", name: "Lục Văn Hòa", dob: "04/04/1992", id: "079065555555", msisdn: "0900000109",
			verdict: VerdictOtherPerson, matched: "N10"},
		{what: "a namesake holding another CCCD on the same line is not the ID's holder", name: "Kim Văn Sáu", dob: "01/01/1980", id: "001080000002", msisdn: "0922000001",
			verdict: VerdictIDNotFound},
	}
	var res Result
	for _, tc := range tests {
		c.Check(SubInput{Name: []byte(tc.name), DOB: []byte(tc.dob), ID: []byte(tc.id), MSISDN: []byte(tc.msisdn), Address: []byte(tc.adr)}, &res)
		got := ""
		if res.Matched >= 0 {
			got = reg.ID(res.Matched)
		}
		if res.Verdict != tc.verdict || res.Fields != tc.fields || got != tc.matched || res.Tie != tc.tie {
			t.Errorf("%s: got %s %q matched %q tie=%v (differences %q), want %s %q matched %q tie=%v", tc.what, res.Verdict, res.Fields, got, res.Tie, res.Differences,
				tc.verdict, tc.fields, tc.matched, tc.tie)
		}
		if tc.diff != "" && !strings.Contains(string(res.Differences), tc.diff) {
			t.Errorf("%s: differences %q lack %q", tc.what, res.Differences, tc.diff)
		}
	}
}

func TestOnePartOff(t *testing.T) {
	for _, tc := range []struct {
		a, b int32
		want bool
	}{{19900505, 19900505, true}, {19900505, 19911105, false}, {19900505, 19920505, true}, {19900505, 19901105, true},
		{19900505, 19900517, true}, {19900505, 19901117, false}, {19900505, 19900500, false}, {19900505, 19900000, false}} {
		if got := onePartOff(tc.a, tc.b); got != tc.want {
			t.Errorf("onePartOff(%d, %d) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestCCCDHolder covers the last search (cccdHolder): a CCCD nobody holds,
// a date nobody has, and a register whose records of the citizen hold no
// ID or only a CMND; the CCCD's province, gender and year decide.
func TestCCCDHolder(t *testing.T) {
	reg := testRegisterFull(t, [][7]string{
		{"G1", "Võ Thị Lựu", "12/05/1984", "", "", "Nữ", "52"},              // no ID
		{"G2", "Đoàn Văn Khải", "03/03/1971", "211234567", "", "Nam", "01"}, // old CMND only
		{"G3", "Kiều Văn Bảo", "01/01/1990", "", "", "Nam", "01"},           // two namesakes born
		{"G4", "Kiều Văn Bảo", "02/02/1990", "", "", "Nam", "01"},           // the same year
		{"G5", "La Thị Xuân", "07/07/1966", "", "", "Nữ", "01"},             // the holder, and a namesake
		{"G6", "La Thị Xuân", "09/09/1966", "001166000321", "", "Nữ", "01"}, // holding another CCCD
		{"G7", "La Thị Xuân", "09/09/1966", "", "", "Nữ", "79"},             // whose record lacks it
		{"G8", "Quách Văn Đạt", "10/10/1980", "", "", "Nam", "79"},          // another province
		{"G9", "Lưu Minh Châu", "04/04/1995", "", "", "Nữ", "01"},           // another gender
		{"G10", "Từ Văn Thanh", "05/05/1975", "", "", "Nam", "01"},          // Thanh, not Thành
		{"G11", "Khổng Văn Nam", "06/06/1977", "", "", "", "01"},            // no gender
		{"G12", "Ông Văn Lợi", "08/08/1968", "020123456", "", "Nam", "56"},  // CMND issued in
		{"G13", "Lò Thị Bay", "08/08/1968", "", "", "", ""},                 // HCMC (02); no gender, no province
	})
	c := NewChecker(reg, 2026)
	tests := []struct {
		what, name, dob, id string
		verdict, matched    string
		diff                string
	}{
		{"ID-less namesake of the CCCD's year, gender and province", "Võ Thị Lựu", "12/06/1984", "052184000111", VerdictMismatch, "G1", "id:register_missing"},
		{"CMND-only namesake", "Đoàn Văn Khải", "03/08/1971", "001071000222", VerdictMismatch, "G2", "id:register_other_kind"},
		{"two namesakes: nobody", "Kiều Văn Bảo", "05/05/1990", "001090000333", VerdictIDNotFound, "", ""},
		{"a namesake's own records do not count", "La Thị Xuân", "07/08/1966", "001166000444", VerdictMismatch, "G5", "id:register_missing"},
		{"province not the CCCD's", "Quách Văn Đạt", "11/10/1980", "001080000555", VerdictIDNotFound, "", ""},
		{"gender not the CCCD's", "Lưu Minh Châu", "04/05/1995", "001095000666", VerdictIDNotFound, "", ""},
		{"name spelled otherwise", "Từ Văn Thành", "05/06/1975", "001075000777", VerdictIDNotFound, "", ""},
		{"an ASCII name says nothing of diacritics", "TU VAN THANH", "05/06/1975", "001075000777", VerdictMismatch, "G10", ""},
		{"no gender on the register", "Khổng Văn Nam", "06/07/1977", "001077000888", VerdictIDNotFound, "", ""},
		{"the CMND's issuing province is the CCCD's", "Ông Văn Lợi", "08/09/1968", "079068000999", VerdictMismatch, "G12", "id:register_other_kind"},
		{"no gender, no province: nothing but the name", "Lò Thị Bay", "08/09/1968", "001168000123", VerdictIDNotFound, "", ""},
	}
	var res Result
	for i, tc := range tests {
		c.Check(SubInput{Name: []byte(tc.name), DOB: []byte(tc.dob), ID: []byte(tc.id), MSISDN: []byte(fmt.Sprintf("09120000%02d", i))}, &res)
		got := ""
		if res.Matched >= 0 {
			got = reg.ID(res.Matched)
		}
		wantFields := ""
		if tc.verdict == VerdictMismatch {
			wantFields = "dob"
		}
		if res.Verdict != tc.verdict || got != tc.matched || res.Fields != wantFields {
			t.Errorf("%s: got %s %q matched %q (differences %q), want %s matched %q", tc.what, res.Verdict, res.Fields, got, res.Differences, tc.verdict, tc.matched)
		}
		if tc.diff != "" && !strings.Contains(string(res.Differences), tc.diff) {
			t.Errorf("%s: differences %q lack %q", tc.what, res.Differences, tc.diff)
		}
	}
}

func TestProvinceNumber(t *testing.T) {
	for in, want := range map[string]uint8{"01": 1, " 79 ": 79, "8": 8, "": 0, "7a": 0, "1000": 0, "256": 0, "096": 96} {
		if got := provinceNumber([]byte(in)); got != want {
			t.Errorf("provinceNumber(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestOSA(t *testing.T) {
	c := &Checker{}
	for _, tc := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"an", "an", 0}, {"an", "anh", 1}, {"nguyen", "ngyuen", 1}, {"tran van a", "tran van b", 1}, {"abc", "xyz", 3}, {"le hoang trieu", "le hoang tieu", 1}, {"ab", "abcdef", 3}} {
		if d := c.osa([]byte(tc.a), []byte(tc.b)); d != tc.d {
			t.Errorf("osa(%q, %q) = %d, want %d", tc.a, tc.b, d, tc.d)
		}
	}
	for _, tc := range []struct {
		a, b string
		typo bool
	}{{"tran thi ly", "tran thi ly", true}, {"tran thi ly", "tran thi lam", false}, {"tran thi bich ngoc", "tran thi bich ngan", false},
		{"tran thi bich ngoc", "tran thi bicg ngox", true}, {"nguyen van an", "nguyen vanan", true}, {"le an", "le anh", true}, {"le an", "le binh", false}} {
		if got := c.typo([]byte(tc.a), []byte(tc.b)); got != tc.typo {
			t.Errorf("typo(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.typo)
		}
	}
	var tok [][]byte
	if got := string(appendSortedTokens(nil, []byte("hoang tieu  le"), &tok)); got != "hoang le tieu" {
		t.Errorf("sorted tokens %q", got)
	}
}

// TestGivenSuffix checks what the second candidate search rests on: the
// folded given name is the end of the folded name, so that the register
// finds it from the stored lengths.
func TestGivenSuffix(t *testing.T) {
	n := normalize.New(normalize.Options{RefYear: 2026})
	for _, name := range []string{"Nguyễn Văn An", "Trần Thị Bích Ngọc", "Lê Hoàng", "NGUYEN VAN AN", "Nguyễn T. Lan", "Văn An Nguyễn", "Tôn Nữ Thị Hà", "Ngyễn Văn Vấn", "An"} {
		nm := n.Name([]byte(name))
		if !bytes.HasSuffix(nm.Folded, nm.GivenFolded) {
			t.Errorf("%q: folded %q does not end with given %q", name, nm.Folded, nm.GivenFolded)
		}
	}
	reg := testRegister(t, tableRegister)
	for i := range int32(reg.Rows()) {
		if g := reg.givenOf(i); len(reg.folded.Get(i)) > 0 && len(g) == 0 {
			t.Errorf("row %d: no given name", i)
		}
	}
	if famDOBKey([]byte("an"), 2, 19900101) != 0 || givenDOBKey([]byte("an"), 19900000) != 0 {
		t.Error("a given name alone or a partial date must not be a key")
	}
}

func readColumns(t testing.TB, path string, cols ...string) [][]string {
	t.Helper()
	r, err := dataio.Open(path, dataio.ReadOptions{Columns: cols, AsStrings: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out [][]string
	for r.Next() {
		b := r.Batch()
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]string, len(cols))
			for k := range cols {
				row[k] = dataio.FormatValue(b.Column(k), i)
			}
			out = append(out, row)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func readManifest(t testing.TB, dir string) *Manifest {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, runfolder.FileManifest))
	if err != nil {
		t.Fatal(err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

// generated writes dedup gen's register and lists of people persons
// (seed seed) into a temporary folder, skipped in -short mode.
func generated(t *testing.T, people int64, seed uint64) string {
	t.Helper()
	if testing.Short() {
		t.Skip("generates a register")
	}
	dir := t.TempDir()
	if _, err := gen.Generate(context.Background(), gen.Options{People: people, Seed: seed, OutDir: dir, Quiet: true, Workers: 2}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestGenerated verifies a generated register's subscriber lists and
// scores the verdicts against the generator's truth, case by case; it
// also checks that the worker count does not change a byte.
func TestGenerated(t *testing.T) {
	dir := generated(t, 5000, 11)
	run := func(out string, workers, batch int) *Manifest {
		m, err := Run(context.Background(), Options{Register: []string{filepath.Join(dir, "population")}, Subscribers: []string{filepath.Join(dir, "subscribers")},
			OutDir: out, Workers: workers, BatchSize: batch})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	out1, out3 := filepath.Join(dir, "v1"), filepath.Join(dir, "v3")
	m := run(out1, 1, 0)
	run(out3, 3, 333)
	for _, f := range []string{runfolder.FileVerdicts, runfolder.FileVerifyIDs, runfolder.FileRejects, runfolder.FileVerifySummary} {
		a, _ := os.ReadFile(filepath.Join(out1, f))
		b, _ := os.ReadFile(filepath.Join(out3, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between 1 worker and 3 workers with small batches", f)
		}
	}
	if m.Register.Kind != RegisterRaw {
		t.Errorf("register kind %q", m.Register.Kind)
	}
	for _, s := range readManifest(t, out1).Subscribers {
		if s.RowsIn == 0 || s.RowsIn != s.Verdicts+s.Rejects {
			t.Errorf("%s: rows in %d != verdicts %d + rejects %d", s.File, s.RowsIn, s.Verdicts, s.Rejects)
		}
	}
	var verdicts, truth []eval.KeyValue
	for _, r := range readColumns(t, filepath.Join(out1, runfolder.FileVerdicts), "subscription_id", "verdict_code") {
		verdicts = append(verdicts, eval.KeyValue{Key: r[0], Value: r[1]})
	}
	for _, r := range readColumns(t, filepath.Join(dir, "truth", "subscribers.parquet"), "subscription_id", "case") {
		truth = append(truth, eval.KeyValue{Key: r[0], Value: r[1]})
	}
	rep, err := eval.ScoreVerdicts(verdicts, truth, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unknown != 0 || len(verdicts) != len(truth) {
		t.Errorf("%d verdicts for %d subscriptions, %d unknown", len(verdicts), len(truth), rep.Unknown)
	}
	for _, c := range rep.Cases {
		// small cases get a looser bound: a few hundred people make a
		// handful of subscriptions of the rare cases
		min := 0.99
		if c.Total < 500 {
			min = 0.9
		}
		if c.Accuracy < min {
			t.Errorf("case %s: accuracy %.4f of %d < %.2f: %+v", c.Case, c.Accuracy, c.Total, min, c.Verdicts)
		}
	}
	if rep.Accuracy < 0.99 {
		t.Errorf("overall accuracy %.4f", rep.Accuracy)
	}

	// The same register as a golden output of dedup run: detected by its
	// columns, one row per citizen.
	g := filepath.Join(dir, "golden.csv")
	os.WriteFile(g, []byte("cluster_id,size,member_ids,full_name,date_of_birth,national_id,phone\nC1,1,R1,Nguyễn Văn An,1990-03-15,001090123456,0912345678\n"), 0o600)
	reg, err := LoadRegister(context.Background(), []string{g}, Config{}, Options{Workers: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Kind != RegisterGolden || reg.Rows() != 1 || reg.ID(0) != "C1" {
		t.Errorf("golden register: kind %q rows %d", reg.Kind, reg.Rows())
	}
}

// TestBadRows feeds a CSV carrier list with garbage: every row ends in
// verdicts.parquet or rejects.parquet with a reason.
func TestBadRows(t *testing.T) {
	dir := t.TempDir()
	regPath := filepath.Join(dir, "register.csv")
	var rb strings.Builder
	rb.WriteString("record_id,full_name,date_of_birth,national_id,phone\n")
	for _, r := range tableRegister {
		rb.WriteString(strings.Join(r[:], ",") + "\n")
	}
	os.WriteFile(regPath, []byte(rb.String()), 0o600)
	subs := filepath.Join(dir, "acme.csv") // no carrier column: the file names the carrier
	os.WriteFile(subs, []byte(strings.Join([]string{
		"subscription_id,msisdn,registered_name,registered_dob,registered_id_number",
		"S1,0912345678,Nguyễn Văn An,15/03/1990,001090123456", // match
		"S2,0912345679,,,", // no ID, no name
		"S3,0912345670,Nguyễn Văn An,hôm qua,001090123456",     // unreadable date
		"S4,not a phone,Nguyễn Văn An,15/03/1990,001090123456", // garbage phone
		",0912345671,Nguyễn Văn An,15/03/1990,001090123456",    // no subscription id
		"S6,0912345672,too,many,fields,here",                   // ragged
		"S7,0912345673,\"broken \"quote\",1990,001090123456",   // CSV quoting
		"S8,0912345674,\xff\xfe,1990,001090123456",             // invalid UTF-8
		"S9,0912345675,Nguyễn Văn An,15/03/1990,001090123456",  // match
	}, "\n")+"\n"), 0o600)
	out := filepath.Join(dir, "out")
	m, err := Run(context.Background(), Options{Register: []string{regPath}, Subscribers: []string{subs}, OutDir: out, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	f := m.Subscribers[0]
	if f.RowsIn != 9 || f.Verdicts+f.Rejects != 9 {
		t.Errorf("rows in %d, verdicts %d, rejects %d", f.RowsIn, f.Verdicts, f.Rejects)
	}
	got := map[string]string{}
	for _, r := range readColumns(t, filepath.Join(out, runfolder.FileVerdicts), "subscription_id", "verdict", "reason", "carrier") {
		got[r[0]] = r[1] + "/" + r[2]
		if r[3] != "acme" {
			t.Errorf("%s: carrier %q", r[0], r[3])
		}
	}
	want := map[string]string{"S1": "match/", "S2": "unusable/" + ReasonNoIDNoName, "S3": "unusable/" + ReasonDOBUnreadable,
		"S4": "unusable/" + ReasonMSISDNInvalid, "S9": "match/"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	rej := readColumns(t, filepath.Join(out, runfolder.FileRejects), "row", "column", "reason")
	var reasons []string
	for _, r := range rej {
		reasons = append(reasons, r[0]+":"+r[2])
	}
	slices.Sort(reasons)
	if want := []string{"5:" + ReasonSubIDMissing, "6:" + dataio.ReasonRaggedRow, "7:" + dataio.ReasonCSVSyntax, "8:" + dataio.ReasonInvalidUTF8}; !slices.Equal(reasons, want) {
		t.Errorf("rejects %q, want %q", reasons, want)
	}
	// the table is for people: it names the carrier and the limits' rules
	var b strings.Builder
	if err := SummaryOf(m).WriteTable(&b); err != nil || !strings.Contains(b.String(), "acme") || !strings.Contains(b.String(), "R1") {
		t.Errorf("summary table:\n%s", b.String())
	}
}

// TestLimits checks the SIM counts and the R1/R6 flags on ids.parquet.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	regPath := filepath.Join(dir, "register.csv")
	os.WriteFile(regPath, []byte("record_id,full_name,date_of_birth,national_id,phone\nR1,Nguyễn Văn An,15/03/1990,001090123456,\nR2,Lê Thị Hoa,01/01/1980,001180000001,\n"), 0o600)
	var sb strings.Builder
	sb.WriteString("subscription_id,carrier,msisdn,registered_name,registered_dob,registered_id_number\n")
	k := 0
	add := func(car, name, dob, id string, n int) {
		for i := 0; i < n; i++ {
			k++
			sb.WriteString(strings.Join([]string{"S" + string(rune('A'+k/26)) + string(rune('a'+k%26)), car, "09" + strings.Repeat("0", 6) + string(rune('0'+k/10)) + string(rune('0'+k%10)), name, dob, id}, ",") + "\n")
		}
	}
	add("Viettel", "Nguyễn Văn An", "15/03/1990", "001090123456", 4)   // over R1 on Viettel
	add("MobiFone", "Nguyễn Văn An", "15/03/1990", "001090123456", 1)  //
	add("Viettel", "Lê Thị Hoa", "01/01/1980", "001180000001", 3)      // at R1 on each network,
	add("MobiFone", "Lê Thị Hoa", "01/01/1980", "001180000001", 3)     // 11 in total: over R6
	add("Vinaphone", "Lê Thị Hoa", "01/01/1980", "001180000001", 3)    //
	add("Vietnamobile", "Lê Thị Hoa", "01/01/1980", "001180000001", 2) //
	subs := filepath.Join(dir, "subs.csv")
	os.WriteFile(subs, []byte(sb.String()), 0o600)
	out := filepath.Join(dir, "out")
	m, err := Run(context.Background(), Options{Register: []string{regPath}, Subscribers: []string{subs}, OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	rows := readColumns(t, filepath.Join(out, runfolder.FileVerifyIDs), "national_id", "id_holder_id", "total", "max_per_carrier", "per_carrier", "rules")
	want := [][]string{
		{"001090123456", "R1", "5", "4", "MobiFone:1;Viettel:4", "R1"},
		{"001180000001", "R2", "11", "3", "MobiFone:3;Vietnamobile:2;Viettel:3;Vinaphone:3", "R6"},
	}
	if len(rows) != len(want) {
		t.Fatalf("ids.parquet: %q", rows)
	}
	for i := range want {
		if !slices.Equal(rows[i], want[i]) {
			t.Errorf("ids row %d: %q, want %q", i, rows[i], want[i])
		}
	}
	if m.IDsOver != 2 {
		t.Errorf("ids over %d", m.IDsOver)
	}
	// Limits from the config: R1 off, R6 at 20 flags nobody.
	out2 := filepath.Join(dir, "out2")
	if _, err := Run(context.Background(), Options{Register: []string{regPath}, Subscribers: []string{subs}, OutDir: out2,
		Config: Config{MaxPerCarrier: -1, MaxTotal: 20}}); err != nil {
		t.Fatal(err)
	}
	if rows := readColumns(t, filepath.Join(out2, runfolder.FileVerifyIDs), "national_id"); len(rows) != 0 {
		t.Errorf("no limit broken, yet %q", rows)
	}
	for _, r := range readColumns(t, filepath.Join(out, runfolder.FileVerdicts), "verdict", "verdict_code", "over_limit", "limit_rules") {
		if r[0] != VerdictMatch || r[2] != "true" || !strings.HasSuffix(r[1], "/over_limit") || r[3] == "" {
			t.Errorf("verdict row %q", r)
		}
	}
}

func TestLoadConfig(t *testing.T) {
	p := filepath.Join(t.TempDir(), "job.yaml")
	os.WriteFile(p, []byte("mode: dedup\nverify:\n  max_per_carrier: 5\n  columns:\n    msisdn: phone_number\n"), 0o600)
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultConfig()
	if c.MaxPerCarrier != 5 || c.MaxTotal != d.MaxTotal || c.Columns.MSISDN != "phone_number" || c.Columns.RegID != d.Columns.RegID {
		t.Errorf("config %+v", c)
	}
	if d.MaxPerCarrier != 3 || d.MaxTotal != 10 {
		t.Errorf("defaults from refdata.SIMRules: %d, %d", d.MaxPerCarrier, d.MaxTotal)
	}
}

// FuzzCheck feeds arbitrary subscriber fields: never a panic, always a
// known verdict.
func FuzzCheck(f *testing.F) {
	f.Add("Nguyễn Văn An", "15/03/1990", "001090123456", "0912345678")
	f.Add("", "", "", "")
	f.Add("Ngô Văn Cường", "09/09/1988", "001077000666", "+84 900 000 002")
	f.Add("\xff", "31/02/1990", "0010901234567890", "0909999888")
	reg := testRegister(f, tableRegister)
	c := NewChecker(reg, 2026)
	known := []string{VerdictMatch, VerdictMismatch, VerdictOtherPerson, VerdictIDNotFound, VerdictIDInvalid, VerdictPhoneOtherName, VerdictUnusable}
	var res Result
	f.Fuzz(func(t *testing.T, name, dob, id, msisdn string) {
		c.Check(SubInput{Name: []byte(name), DOB: []byte(dob), ID: []byte(id), MSISDN: []byte(msisdn)}, &res)
		if !slices.Contains(known, res.Verdict) {
			t.Fatalf("verdict %q", res.Verdict)
		}
		if res.Tie && res.Matched >= 0 {
			t.Fatalf("a tie names a citizen")
		}
	})
}
