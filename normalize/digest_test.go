package normalize

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The output-digest tests pin every output of Text, TextHint, Name,
// NameHint, Record and AddressParser.Parse over a fixed set of inputs, so
// that a speed change which alters any byte of any result fails. They
// guard refactorings of the hot paths; a deliberate change of behaviour
// rewrites the pinned digest with -update-digest (and says why in its
// commit). DEDUP_DUMP=<file> writes the full dump that was hashed, for
// finding the first differing line between two versions.

var updateDigest = flag.Bool("update-digest", false, "rewrite testdata/output_digest.golden from the current behaviour")

// trickyInputs are strings that reach the rare branches of Text and Name:
// NFD and mixed NFD, old tone style, legacy encodings, invalid UTF-8,
// non-Vietnamese marks, singleton NFC decompositions, VIQR, Telex, noise.
var trickyInputs = []string{
	"", " ", "\t\n", "Nguyễn Thị Thủy", "NGUYỄN THỊ THỦY", "nguyen thi thuy",
	"Nguye\u0302\u0303n Thi\u0323 Thu\u0309y", "Nguyê\u0303n", "Hoà Thuỷ Khoẻ", "hòa thủy khỏe",
	"NguyÔn ThÞ Thñy", "Nguyeãn Thò Thuûy", "Nguyê4n Thi5 Thu3y", "Nguye^~n Thi. Thu?y",
	"Nguyá»…n Thá»‹ Thá»§y", "Nguyeenx Thij Thuyr", "\xff\xfe\x00", "A\xc3", "A\xccÄ", "Ä", "Ã",
	"ÂB\u030100000\xccA", "A\u0308", "Ω", "\u2126", "\uf900", "José Renée", "Ñoño", "Þór", "ǵ ń ẃ",
	"Quỳnh quýt gìn giữ", "Đặng đ Đ Ð ð", "Bà Nguyễn T. Lan", "Mr. John Smith", "Lan Nguyễn Thị",
	"Nguyễn (chết) Văn A", "H'Hen Niê", "Nguyễn  \u00a0 Văn\u200bAn\ufeff", "王小明.", "محمد. علي", "ស៊ុន សុខា", "Ngu\u00adyễn\u2066", "Tr\u00ad¬ng\u200c", "ươi ƯƠI uơ ưo",
	"Thôn 6, Xã Uy Nỗ, Huyện Đông Anh, Thành phố Hà Nội", "Số 12 Đ. Nguyễn Trãi, P.2, Q.5, TP.HCM",
	"Th«n 6, X. Uy Nç, H. §«ng Anh, TP. Hµ Néi", "So\u0302\u0301 199 \u0110. Nguye\u0302\u0303n Hue\u0302\u0323",
	"Hanoi", "TPHCM", "Ho Chi Minh City", "ngõ 5 ngách 3, tổ 7", "12/3 Lê Lợi, P. Bến Nghé, Q.1",
	"Phường 12, Quận Gò Vấp, TP Hồ Chí Minh", "x. y' z` a^ e~ o? u( a+ i.", "ḿ ḉ ǘ ǜ ẙ ẘ",
	"\u0300\u0301abc", "a\u0300\u0301", "e\u0302\u0302", "q\u0301u", "Ông Bà Anh Chị Nguyễn Văn A",
	"Nguyễn Văn 123", "Vy Vi Mỹ Mĩ Quý Quí Huỳnh Võ Phước", "ngHiÊNg khuỶu Khoái", "nghiêng",
	"Dương Văn Khoa 0867123456", "Ⅻ ﬁ ＡＢＣ", "ß ẞ", "İstanbul", "ǅ ǆ Ǆ",
}

// digestWriter formats results one per line.
type digestWriter struct {
	w io.Writer
}

func (d digestWriter) text(tag string, t Text) {
	fmt.Fprintf(d.w, "%s\tc=%q\tf=%q\te=%v\tfl=%v\ts=%v\n", tag, t.Canonical, t.Folded, t.Encoding, t.Flags, t.suspicious)
}

func (d digestWriter) name(tag string, nm Name) {
	fmt.Fprintf(d.w, "%s\tc=%q\tf=%q\tp=%q|%q|%q\tpf=%q|%q|%q\tv=%q\tiy=%q\tph=%q\tvf=%q\tk=%d\to=%v\te=%v\tfl=%v\n",
		tag, nm.Canonical, nm.Folded, nm.Family, nm.Middle, nm.Given, nm.FamilyFolded, nm.MiddleFolded, nm.GivenFolded,
		nm.VariantKey, nm.VariantKeyIY, nm.Phonetic, nm.VariantKeyFolded, nm.Tokens, nm.Order, nm.Encoding, nm.Flags)
}

func (d digestWriter) address(tag string, a Address) {
	fmt.Fprintf(d.w, "%s\th=%q\ts=%q\told=%d/%d/%d\tnew=%d/%d\tcand=%v/%d\tconf=%v/%v/%v/%v/%v\tfl=%v\n",
		tag, a.House, a.Street, a.OldProvince, a.OldDistrict, a.OldWard, a.NewProvince, a.NewWard,
		a.NewWardCandidates, a.NumNewWardCandidates, a.OldProvinceConf, a.OldDistrictConf, a.OldWardConf,
		a.NewProvinceConf, a.NewWardConf, a.Flags)
}

func (d digestWriter) record(tag string, r *Record) {
	d.name(tag+".name", r.Name)
	fmt.Fprintf(d.w, "%s\tdob=%+v\tg=%v\tid=%+v\tph=%+v\tfl=%v\n", tag, r.DOB, r.Gender, r.ID, r.Phone, r.Flags)
}

// dumpValue writes every output for one free-text value: Text, TextHint
// under each hint, Name, NameHint and the address parse of the canonical
// text, as dedup normalize would.
func dumpValue(d digestWriter, n *Normalizer, p *AddressParser, v []byte) {
	t := n.Text(v)
	d.text("text", t)
	d.address("addr", p.ParseText(t))
	for _, h := range []Encoding{EncodingTCVN3, EncodingVNI, EncodingUTF8} {
		d.text("hint"+h.String(), n.TextHint(v, h))
	}
	d.name("name", n.Name(v))
	d.name("namehint", n.NameHint(v, EncodingTCVN3))
}

// dumpRow writes the outputs of one population row the way the pipeline
// and normalizeRow compute them.
func dumpRow(d digestWriter, n *Normalizer, p *AddressParser, in RecordInput, addrs [2][]byte) {
	hint := EncodingNone
	for i, a := range addrs {
		t := n.Text(a)
		d.text("addr"+strconv.Itoa(i)+".text", t)
		if hint == EncodingNone {
			hint = t.Encoding
		}
		d.address("addr"+strconv.Itoa(i), p.ParseText(t))
	}
	d.name("name", n.Name(in.FullName))
	in.Encoding = hint
	d.record("record", n.Record(in))
}

// goldenInputs returns the inputs of every testdata/normalize/*.golden file.
func goldenInputs(t *testing.T) [][]byte {
	files, err := filepath.Glob(filepath.Join("..", "testdata", "normalize", "*.golden"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	sort.Strings(files)
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			quoted, _, _ := strings.Cut(line, "\t")
			in, err := strconv.Unquote(quoted)
			if err != nil {
				in = quoted // address.golden holds its inputs unquoted
			}
			out = append(out, []byte(in))
		}
	}
	return out
}

// checkDigest compares the sha256 of dump with the line tag of
// testdata/output_digest.golden (or rewrites it with -update-digest), and
// writes the dump to DEDUP_DUMP when set.
func checkDigest(t *testing.T, tag string, dump []byte) {
	t.Helper()
	if p := os.Getenv("DEDUP_DUMP"); p != "" {
		if err := os.WriteFile(p, dump, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sum := sha256.Sum256(dump)
	got := hex.EncodeToString(sum[:])
	path := filepath.Join("testdata", "output_digest.golden")
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	want := ""
	for i, l := range lines {
		if k, v, ok := strings.Cut(l, "\t"); ok && k == tag {
			want = v
			lines[i] = tag + "\t" + got
		}
	}
	if *updateDigest {
		if want == "" {
			lines = append(lines, tag+"\t"+got)
		}
		out := strings.TrimSpace(strings.Join(lines, "\n")) + "\n"
		if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want == "" {
		t.Fatalf("%s: no digest for %s (run with -update-digest)", path, tag)
	}
	if got != want {
		t.Errorf("%s: outputs changed: digest %s, want %s (DEDUP_DUMP=<file> writes the dump to compare with the old code's)", tag, got, want)
	}
}

// TestOutputDigest pins the outputs for the golden inputs and trickyInputs.
func TestOutputDigest(t *testing.T) {
	var buf bytes.Buffer
	d := digestWriter{&buf}
	n := New(Options{RefYear: goldenRefYear})
	p := NewAddressParser()
	ins := goldenInputs(t)
	for _, s := range trickyInputs {
		ins = append(ins, []byte(s))
	}
	for _, v := range ins {
		fmt.Fprintf(&buf, "in=%q\n", v)
		dumpValue(d, n, p, v)
	}
	for k, in := range benchRecords {
		fmt.Fprintf(&buf, "row=%d\n", k)
		dumpRow(d, n, p, in, benchRowAddresses[k])
	}
	if len(ins) < 500 {
		t.Fatalf("only %d inputs", len(ins))
	}
	checkDigest(t, "golden+tricky", buf.Bytes())
}

// TestOutputDigestGenerated writes the outputs for the first 50,000 rows of
// a generated population (DEDUP_GEN_DIR) and compares them with
// DEDUP_DIGEST_FILE, which it creates when it does not exist: run it once
// with the old code, then after each change.
func TestOutputDigestGenerated(t *testing.T) {
	dir, ref := os.Getenv("DEDUP_GEN_DIR"), os.Getenv("DEDUP_DIGEST_FILE")
	if dir == "" || ref == "" {
		t.Skip("DEDUP_GEN_DIR or DEDUP_DIGEST_FILE not set")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "population", "*.parquet"))
	if len(files) == 0 {
		t.Fatal("no population files in " + dir)
	}
	sort.Strings(files)
	cols := readStringColumns(t, files[0], "full_name", "date_of_birth", "gender", "national_id", "phone", "permanent_address", "current_address")
	rows := min(len(cols[0]), 50000)
	var buf bytes.Buffer
	d := digestWriter{&buf}
	n := New(Options{RefYear: 2025})
	p := NewAddressParser()
	for i := range rows {
		in := RecordInput{FullName: []byte(cols[0][i]), DOB: []byte(cols[1][i]), Gender: []byte(cols[2][i]),
			NationalID: []byte(cols[3][i]), Phone: []byte(cols[4][i])}
		dumpRow(d, n, p, in, [2][]byte{[]byte(cols[5][i]), []byte(cols[6][i])})
		// The raw name also goes through every Text variant.
		v := []byte(cols[0][i])
		d.text("nametext", n.Text(v))
		d.text("namehint", n.TextHint(v, EncodingTCVN3))
	}
	old, err := os.ReadFile(ref)
	if os.IsNotExist(err) {
		if err := os.WriteFile(ref, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s (%d rows)", ref, rows)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	if bytes.Equal(got, old) {
		return
	}
	ol, gl := bytes.Split(old, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := range min(len(ol), len(gl)) {
		if !bytes.Equal(ol[i], gl[i]) {
			t.Fatalf("line %d differs:\n got  %s\n want %s", i+1, gl[i], ol[i])
		}
	}
	t.Fatalf("outputs differ in length: %d lines, want %d", len(gl), len(ol))
}
