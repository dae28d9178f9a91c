package normalize

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

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

// The Text benchmarks alternate two inputs: Text returns its last result
// again for a repeat of its last input, which one input would measure.
func BenchmarkText(b *testing.B) {
	n := New(Options{RefYear: 2025})
	ins := [2][]byte{[]byte("Nguyễn Thị Minh Khai"), []byte("Nguyễn Thị Minh Khải")}
	b.ReportAllocs()
	b.SetBytes(int64(len(ins[0])))
	i := 0
	for b.Loop() {
		n.Text(ins[i&1])
		i++
	}
}

func BenchmarkTextLegacyTCVN3(b *testing.B) {
	n := New(Options{RefYear: 2025})
	ins := [2][]byte{[]byte("NguyÔn ThÞ Thñy"), []byte("NguyÔn V¨n Hïng")}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		n.Text(ins[i&1])
		i++
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

// benchRowAddresses are the permanent and current addresses of each row of
// benchRecords, in the shapes dedup gen writes: full and abbreviated
// pre-2025 units, 2025 units without a district, numbered wards, aliases
// (HN, TP.HCM, Hanoi), a missing part, NFD, and TCVN3 for the TCVN3 row.
var benchRowAddresses = [...][2][]byte{
	{[]byte("Thôn 6, Xã Uy Nỗ, Huyện Đông Anh, Thành phố Hà Nội"), []byte("Thôn 11, Xã Văn Bình, Huyện Thường Tín, Thành phố Hà Nội")},
	{[]byte("Số 12 Đ. Nguyễn Trãi, P.2, Q.5, TP.HCM"), []byte("Số 12 Đ. Nguyễn Trãi, P.2, Q.5, TP.HCM")},
	{[]byte("Số 94 Đ. Phan Chu Trinh, P. Lĩnh Nam, Q. Hoàng Mai, TP. Hà Nội"), []byte("Thôn 1, Xã Hòa Phú, Hà Nội")},
	{[]byte("Số 182 Đ. Lê Lợi, TT. Thường Tín, H. Thường Tín, Hanoi"), []byte("171 đường Nguyễn Huệ, Phường Sài Gòn, Thành phố Hồ Chí Minh")},
	{[]byte("Thôn 12, X. Liên Mạc, H. Mê Linh, TP. Hà Nội"), []byte("Thôn 12, X. Liên Mạc, H. Mê Linh, TP.HN")},
	{[]byte("So\u0302\u0301 199 \u0110. Nguye\u0302\u0303n Hue\u0302\u0323, P. Ha\u0300 \u0110o\u0302ng, Ha\u0300 No\u0323\u0302i"), []byte("Thôn 8, X. Liên Hà, H. Đông Anh, TP. Hà Nội")},
	{[]byte("199 đường Âu Cơ, Phường Phú Lãm, Quận Hà Đông, Thành phố Hà Nội"), []byte("Số 45 Đ. Trần Phú, P. Lộc Thọ, TP. Nha Trang, T. Khánh Hòa")},
	{[]byte("Thôn 3, X. An Khánh, H. Hoài Đức, TP. Hà Nội"), []byte("Thôn 3, X. An Khánh, Hanoi")},
	{[]byte("Ấp 4, Xã Tân Thạnh Đông, Huyện Củ Chi, Thành phố Hồ Chí Minh"), []byte("Ấp 4, X. Tân Thạnh Đông, H. Củ Chi, TPHCM")},
	{[]byte("Số 232 Đ. Bà Triệu, P. Kim Liên, HN"), []byte("84 đường Lê Duẩn, Phường Bạch Mai, Hà Nội")},
	{[]byte("Số 7 Đ. Hùng Vương, P. Thạch Thang, Q. Hải Châu, TP. Đà Nẵng"), []byte("Số 7 Đ. Hùng Vương, Phường Hải Châu, Thành phố Đà Nẵng")},
	{[]byte("Thôn 9, X. Thượng Phúc, HN"), []byte("Thôn 9, X. Thượng Phúc, TP. Hà Nội")},
	{[]byte("Thôn 5, X. Xuy Xá, H. Mỹ Đức, Hanoi"), []byte("Số 110 Đ. Hoàng Diệu, P. Mộ Lao, TP Hà Nội")},
	{[]byte("Thôn 9, Xã Trần Phú, Thành phố Hà Nội"), []byte("162 đường Tôn Đức Thắng, Phường Đống Đa, Hà Nội")},
	{[]byte("Th«n 6, X. Uy Nç, H. §«ng Anh, TP. Hµ Néi"), []byte("Sè 94 §. Phan Chu Trinh, P. LÜnh Nam, Q. Hoµng Mai, TP. Hµ Néi")},
	{[]byte("Số 3 Đ. Ngô Quyền, P. Vĩnh Ninh, TP. Huế, T. Thừa Thiên Huế"), []byte("Số 3 Đ. Ngô Quyền, Phường Thuận Hóa, Thành phố Huế")},
}

// normalizeRow is what dedup normalize does for one row: both addresses
// through Text and the parser, their encoding passed to the name, then the
// person fields.
func normalizeRow(n *Normalizer, p *AddressParser, in RecordInput, addrs [2][]byte) *Record {
	hint := EncodingNone
	for _, a := range addrs {
		t := n.Text(a)
		if hint == EncodingNone {
			hint = t.Encoding
		}
		p.ParseText(t)
	}
	in.Encoding = hint
	return n.Record(in)
}

// BenchmarkRecordWithAddresses is the whole-record figure: the
// person fields and both addresses of a population record (the target is
// 300,000 records/s per core, 3.3 µs a record).
func BenchmarkRecordWithAddresses(b *testing.B) {
	if len(benchRowAddresses) != len(benchRecords) {
		b.Fatal("benchRowAddresses and benchRecords differ in length")
	}
	n := New(Options{RefYear: 2025})
	p := NewAddressParser()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := i % len(benchRecords)
		normalizeRow(n, p, benchRecords[k], benchRowAddresses[k])
		i++
	}
}

// BenchmarkRecordGenerated measures the same on the first 50,000 rows of a
// generated population (DEDUP_GEN_DIR, as TestAddressGenerated), the
// shapes and their mix as dedup gen writes them:
// DEDUP_GEN_DIR=/tmp/g1m-dirty go test ./normalize -run XXX -bench RecordGenerated
func BenchmarkRecordGenerated(b *testing.B) {
	dir := os.Getenv("DEDUP_GEN_DIR")
	if dir == "" {
		b.Skip("DEDUP_GEN_DIR not set")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "population", "*.parquet"))
	if len(files) == 0 {
		b.Fatal("no population files in " + dir)
	}
	sort.Strings(files)
	t := &testing.T{}
	cols := readStringColumns(t, files[0], "full_name", "date_of_birth", "gender", "national_id", "phone", "permanent_address", "current_address")
	rows := min(len(cols[0]), 50000)
	ins := make([]RecordInput, rows)
	addrs := make([][2][]byte, rows)
	for i := range rows {
		ins[i] = RecordInput{FullName: []byte(cols[0][i]), DOB: []byte(cols[1][i]), Gender: []byte(cols[2][i]),
			NationalID: []byte(cols[3][i]), Phone: []byte(cols[4][i])}
		addrs[i] = [2][]byte{[]byte(cols[5][i]), []byte(cols[6][i])}
	}
	n := New(Options{RefYear: 2025})
	p := NewAddressParser()
	for i := range rows { // warm the buffers and the lexicon
		normalizeRow(n, p, ins[i], addrs[i])
	}
	b.ReportAllocs()
	cpu := cpuTime()
	i := 0
	for b.Loop() {
		k := i % rows
		normalizeRow(n, p, ins[k], addrs[k])
		i++
	}
	reportCPU(b, cpu)
	var st memoStats
	st.add(n, p)
	st.report(b)
}
