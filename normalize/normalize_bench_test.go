package normalize

import "testing"

// benchRecords is a small population sample in the shapes dedup gen writes:
// mostly clean NFC, some unaccented, NFD, old tone style, legacy-encoded,
// reordered; phones and dates in the usual forms.
var benchRecords = []RecordInput{
	{[]byte("Nguyễn Thị Thủy"), []byte("05/04/1990"), []byte("Nữ"), []byte("001190012345"), []byte("0912345678"), EncodingNone},
	{[]byte("Trần Văn Nam"), []byte("1985-12-01"), []byte("Nam"), []byte("079085001234"), []byte("+84 98 765 4321"), EncodingNone},
	{[]byte("Le Thi Hoa"), []byte("1/2/1978"), []byte("nu"), []byte("123456789"), []byte("0162.345.6789"), EncodingNone},
	{[]byte("Phạm Minh Hoà"), []byte("19920315"), []byte("Nam"), []byte("031092003456"), []byte("0987654321"), EncodingNone},
	{[]byte("Hoàng Ngọc Ánh"), []byte("12.11.2001"), []byte("Nữ"), []byte("048301004567"), []byte("84 91 234 5678"), EncodingNone},
	{[]byte("Nguye\u0302\u0303n Va\u0306n Hu\u0300ng"), []byte("1975"), []byte("Nam"), []byte(""), []byte("0909 123 456"), EncodingNone},
	{[]byte("Võ Thị Thuỷ Tiên"), []byte("28/02/1999"), []byte("Nữ"), []byte("079199005678"), []byte("0778123456"), EncodingNone},
	{[]byte("Đặng Quốc Bảo"), []byte("3-7-88"), []byte("Nam"), []byte("036088006789"), []byte("0356 789 012"), EncodingNone},
	{[]byte("Bùi Thị Lan"), []byte("07/1995"), []byte("Nữ"), []byte("034195007890"), []byte(""), EncodingNone},
	{[]byte("Đỗ Văn Hùng"), []byte("15/06/1968"), []byte("Nam"), []byte("001068008901"), []byte("0241 234 5678"), EncodingNone},
	{[]byte("Huỳnh Thanh Tâm"), []byte("1990-01-20"), []byte("Nam"), []byte("089090009012"), []byte("0838 111 222"), EncodingNone},
	{[]byte("Lan Nguyễn Thị"), []byte("09/09/1993"), []byte("Nữ"), []byte("001193000123"), []byte("0912 000 111"), EncodingNone},
	{[]byte("Ngô Thị Mai"), []byte("21/12/1980"), []byte("Nữ"), []byte("030180001122"), []byte("0975-123-456"), EncodingNone},
	{[]byte("Dương Văn Khoa"), []byte("2002-02-02"), []byte("Nam"), []byte("040202002233"), []byte("0867123456"), EncodingNone},
	{[]byte("NguyÔn V¨n Hïng"), []byte("11/11/1977"), []byte("Nam"), []byte("001077003344"), []byte("0904 555 666"), EncodingNone},
	{[]byte("Lý Thị Kim Oanh"), []byte("30/04/1975"), []byte("Nữ"), []byte("092175004455"), []byte("0123 456 7890"), EncodingNone},
}

func BenchmarkText(b *testing.B) {
	n := New(Options{RefYear: 2025})
	in := []byte("Nguyễn Thị Minh Khai")
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		n.Text(in)
	}
}

func BenchmarkTextLegacyTCVN3(b *testing.B) {
	n := New(Options{RefYear: 2025})
	in := []byte("NguyÔn ThÞ Thñy")
	b.ReportAllocs()
	for b.Loop() {
		n.Text(in)
	}
}

func BenchmarkName(b *testing.B) {
	n := New(Options{RefYear: 2025})
	in := []byte("Nguyễn Thị Minh Khai")
	b.ReportAllocs()
	for b.Loop() {
		n.Name(in)
	}
}

func BenchmarkNameMixed(b *testing.B) {
	n := New(Options{RefYear: 2025})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n.Name(benchRecords[i%len(benchRecords)].FullName)
		i++
	}
}

func BenchmarkParsePhone(b *testing.B) {
	in := []byte("+84 91 234 5678")
	b.ReportAllocs()
	for b.Loop() {
		ParsePhone(in)
	}
}

func BenchmarkParseDate(b *testing.B) {
	in := []byte("05/04/1990")
	opt := DateOptions{RefYear: 2025}
	b.ReportAllocs()
	for b.Loop() {
		ParseDate(in, opt)
	}
}

func BenchmarkParseID(b *testing.B) {
	in := []byte("079 190 012 345")
	b.ReportAllocs()
	for b.Loop() {
		ParseID(in)
	}
}

func BenchmarkParseGender(b *testing.B) {
	in := []byte("Nữ")
	b.ReportAllocs()
	for b.Loop() {
		ParseGender(in)
	}
}

// BenchmarkRecord is the whole-record figure: name, date of birth, gender,
// ID and phone of one population record (addresses are measured apart).
func BenchmarkRecord(b *testing.B) {
	n := New(Options{RefYear: 2025})
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n.Record(benchRecords[i%len(benchRecords)])
		i++
	}
}
