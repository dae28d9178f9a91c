package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/dataio"
)

// popColumns are the columns of a `dedup gen` population file, the schema
// of the default config.
var popColumns = []string{"record_id", "full_name", "date_of_birth", "gender", "national_id", "phone",
	"permanent_address", "current_address", "province_code", "updated_at"}

var popHeader = strings.Join(popColumns, ",")

// goodRow is a clean population row with the given id (CSV).
func goodRow(id string) string {
	return id + ",Trần Thị Bình,12/03/1985,Nữ,001185000123,0912345678,\"Thôn 5, Xã Vân Tảo, Huyện Thường Tín, Hà Nội\",,01,2024-01-02"
}

func writeFile(data string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func csvLines(lines ...string) func(t *testing.T, path string) {
	return writeFile(strings.Join(lines, "\n") + "\n")
}

// writeParquet writes one batch built by fill to a Parquet file.
func writeParquet(schema *arrow.Schema, rows int, fill func(b *array.RecordBuilder)) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		w, err := dataio.Create(path, schema)
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort()
		if rows > 0 {
			b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
			defer b.Release()
			fill(b)
			rec := b.NewRecordBatch()
			defer rec.Release()
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// firstPopulationFile is a file of the generated population.
func firstPopulationFile(t *testing.T, gen string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(gen, "population", "*.parquet"))
	if err != nil || len(m) == 0 {
		t.Fatalf("no population files in %s", gen)
	}
	return m[0]
}

type wantReject struct {
	row    int64
	column string
	reason string
}

// TestBadInputs runs `dedup run` on a good generated register plus one bad
// file. A file that cannot be used at all stops the run with exit code 1
// and a message naming the file (and the column, where one is at fault),
// leaving no outputs; a bad row is rejected with its row, column and reason
// and counted in the manifest; a bad value is kept and flagged on the
// golden record. Nothing panics or hangs (dedup() checks both).
func TestBadInputs(t *testing.T) {
	gen := generated(t, 250, 3, "parquet")
	base := filepath.Join(gen, "population")
	popFile := firstPopulationFile(t, gen)
	strSchema := dataio.StringSchema(popColumns...)
	big := strings.Repeat("Nguyễn ", 1<<20/len("Nguyễn ")+1)

	cases := []struct {
		name  string
		file  string
		write func(t *testing.T, path string)
		// A non-empty errWants means the run must fail; stderr must name
		// the file and contain each string.
		errWants []string
		rows     int64        // data rows of the bad file
		rejects  []wantReject // its rejected rows
		flags    map[string]string
	}{
		{name: "truncated parquet", file: "trunc.parquet", errWants: []string{"not a valid table file"}, write: func(t *testing.T, path string) {
			data, err := os.ReadFile(popFile)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(string(data[:len(data)/2]))(t, path)
		}},
		{name: "not parquet", file: "text.parquet", errWants: []string{"not a valid table file"},
			write: writeFile("record_id,full_name\nthis is a CSV file wearing a .parquet name\n")},
		{name: "empty parquet", file: "empty.parquet", errWants: []string{"empty file"}, write: writeFile("")},
		{name: "empty csv", file: "empty.csv", errWants: []string{"empty file"}, write: writeFile("")},
		{name: "missing columns", file: "missing.csv", errWants: []string{"missing column", "date_of_birth", "national_id"},
			write: csvLines("record_id,full_name", "X1,Lê Văn Tám")},
		// Excel's CSV where the decimal mark is a comma: ';' is detected
		// from the header (issue 19 item 8; a wrong delimiter was an error).
		{name: "semicolon delimiter", file: "semicolon.csv", rows: 1,
			write: csvLines(strings.ReplaceAll(popHeader, ",", ";"), strings.ReplaceAll(goodRow("X1"), ",", ";"))},
		{name: "unsupported column type", file: "list.parquet", errWants: []string{"full_name", "unsupported column type"},
			write: writeParquet(arrow.NewSchema(func() []arrow.Field {
				fs := make([]arrow.Field, len(popColumns))
				for i, c := range popColumns {
					fs[i] = arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true}
				}
				fs[1].Type = arrow.ListOf(arrow.BinaryTypes.String)
				return fs
			}(), nil), 1, func(b *array.RecordBuilder) {
				for i := range popColumns {
					if i == 1 {
						lb := b.Field(1).(*array.ListBuilder)
						lb.Append(true)
						lb.ValueBuilder().(*array.StringBuilder).Append("Lê")
						continue
					}
					b.Field(i).(*array.StringBuilder).Append("1")
				}
			})},
		{name: "zero-row csv", file: "header.csv", rows: 0, write: csvLines(popHeader)},
		{name: "zero-row parquet", file: "zero.parquet", rows: 0, write: writeParquet(strSchema, 0, nil)},
		{name: "extra columns", file: "extra.csv", rows: 2,
			write: csvLines(popHeader+",note,score", goodRow("X1")+",a,1", goodRow("X2")+",b,2")},
		{name: "typed columns", file: "typed.parquet", rows: 2, write: writeParquet(arrow.NewSchema([]arrow.Field{
			{Name: "record_id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "full_name", Type: arrow.BinaryTypes.String},
			{Name: "date_of_birth", Type: arrow.FixedWidthTypes.Date32},
			{Name: "gender", Type: arrow.FixedWidthTypes.Boolean},
			{Name: "national_id", Type: arrow.PrimitiveTypes.Int64},
			{Name: "phone", Type: arrow.PrimitiveTypes.Float64},
			{Name: "permanent_address", Type: arrow.BinaryTypes.LargeString},
			{Name: "current_address", Type: arrow.BinaryTypes.Binary},
			{Name: "province_code", Type: arrow.PrimitiveTypes.Int32},
			{Name: "updated_at", Type: arrow.FixedWidthTypes.Timestamp_s},
		}, nil), 2, func(b *array.RecordBuilder) {
			b.Field(0).(*array.Int64Builder).AppendValues([]int64{900001, 900002}, nil)
			b.Field(1).(*array.StringBuilder).AppendValues([]string{"Phạm Văn Đồng", "Võ Thị Sáu"}, nil)
			b.Field(2).(*array.Date32Builder).AppendValues([]arrow.Date32{5000, 6000}, nil)
			b.Field(3).(*array.BooleanBuilder).AppendValues([]bool{true, false}, nil)
			b.Field(4).(*array.Int64Builder).AppendValues([]int64{1085000111, 1090000222}, nil)
			b.Field(5).(*array.Float64Builder).AppendValues([]float64{912345678, 987654321}, nil)
			b.Field(6).(*array.LargeStringBuilder).AppendValues([]string{"Hà Nội", "Huế"}, nil)
			b.Field(7).(*array.BinaryBuilder).AppendValues([][]byte{[]byte("Hà Nội"), nil}, nil)
			b.Field(8).(*array.Int32Builder).AppendValues([]int32{1, 46}, nil)
			b.Field(9).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1700000000, 1710000000}, nil)
		})},
		{name: "ragged rows", file: "ragged.csv", rows: 4,
			write:   csvLines(popHeader, goodRow("X1"), "X2,Lê Văn Tám", goodRow("X3"), goodRow("X4")+",surplus"),
			rejects: []wantReject{{2, "", "ragged_row"}, {4, "", "ragged_row"}}},
		{name: "invalid utf-8", file: "latin1.csv", rows: 2,
			write:   csvLines(popHeader, goodRow("X1"), strings.Replace(goodRow("X2"), "Trần", "Tr\xe2n", 1)),
			rejects: []wantReject{{2, "full_name", "invalid_utf8"}}},
		{name: "BOM", file: "bom.csv", rows: 2, write: writeFile("\xef\xbb\xbf" + popHeader + "\r\n" + goodRow("X1") + "\r\n" + goodRow("X2") + "\r\n")},
		{name: "NUL byte", file: "nul.csv", rows: 3,
			write:   csvLines(popHeader, goodRow("X1"), goodRow("X2"), strings.Replace(goodRow("X3"), "0912345678", "0912\x00345678", 1)),
			rejects: []wantReject{{3, "phone", "nul_byte"}}},
		{name: "1 MB string", file: "big.csv", rows: 2,
			write:   csvLines(popHeader, strings.Replace(goodRow("X1"), "Trần Thị Bình", big, 1), goodRow("X2")),
			rejects: []wantReject{{1, "full_name", "cell_too_large"}}},
		{name: "duplicate record ids", file: "dups.csv", rows: 4,
			write:   csvLines(popHeader, goodRow("X1"), goodRow("X2"), goodRow("X1"), goodRow("X1")),
			rejects: []wantReject{{3, "record_id", "duplicate_record_id"}, {4, "record_id", "duplicate_record_id"}}},
		{name: "every field null", file: "nulls.parquet", rows: 3, write: writeParquet(strSchema, 3, func(b *array.RecordBuilder) {
			for i := range popColumns {
				sb := b.Field(i).(*array.StringBuilder)
				switch {
				case i == 0:
					sb.AppendValues([]string{"", "X2", "X3"}, []bool{false, true, true})
				case i == 1:
					sb.AppendValues([]string{"", "", "Đỗ Văn Hùng"}, []bool{false, false, true})
				default:
					sb.AppendNulls(3)
				}
			}
		}), rejects: []wantReject{{1, "record_id", "missing_record_id"}, {2, "", "all_fields_empty"}}},
		{name: "impossible date, ID with letters", file: "values.csv", rows: 2,
			write: csvLines(popHeader,
				"X1,Hoàng Văn Thụ,31/02/2024,Nam,0010A5000123,0912345679,,,01,2024-01-02",
				"X2,Ngô Thị Lan,1990-13-45,Nữ,ABCDEFGHIJKL,09x1234567,,,01,"),
			flags: map[string]string{"X1": "dob_impossible,id_invalid_chars", "X2": "dob_,id_invalid_chars,phone_invalid"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			bad := filepath.Join(dir, c.file)
			c.write(t, bad)
			out := filepath.Join(dir, "out")
			res := dedup(t, "run", "--quiet", "--out", out, base, bad)
			if len(c.errWants) > 0 {
				if res.code != 1 {
					t.Fatalf("exit %d, want 1; stderr:\n%s", res.code, res.stderr)
				}
				for _, w := range append([]string{bad}, c.errWants...) {
					if !strings.Contains(res.stderr, w) {
						t.Errorf("stderr %q does not contain %q", res.stderr, w)
					}
				}
				if _, err := os.Stat(filepath.Join(out, "manifest.json")); err == nil {
					t.Error("a failed run left a manifest")
				}
				if tmps := tempFiles(t, out); len(tmps) > 0 {
					t.Errorf("a failed run left temporaries %v", tmps)
				}
				return
			}
			if res.code != 0 {
				t.Fatalf("exit %d; stderr:\n%s", res.code, res.stderr)
			}
			m := readManifest(t, out)
			checkAccounting(t, out, m)
			var found bool
			for _, f := range m.Inputs {
				if f.File == bad {
					found = true
					if f.Rows != c.rows || f.Rejected != int64(len(c.rejects)) {
						t.Errorf("manifest counts %d rows, %d rejected in the bad file; want %d, %d", f.Rows, f.Rejected, c.rows, len(c.rejects))
					}
				}
			}
			if !found {
				t.Errorf("manifest inputs lack %s", bad)
			}
			var got []wantReject
			for _, r := range readTable(t, filepath.Join(out, "rejects.parquet")) {
				if r["file"] != bad {
					t.Errorf("reject in a good file: %v", r)
					continue
				}
				if r["source"] != "population" {
					t.Errorf("reject source %q", r["source"])
				}
				var row int64
				for _, ch := range r["row"] {
					row = row*10 + int64(ch-'0')
				}
				got = append(got, wantReject{row, r["column"], r["reason"]})
			}
			if len(got) != len(c.rejects) {
				t.Fatalf("rejects %v, want %v", got, c.rejects)
			}
			for i := range got {
				if got[i] != c.rejects[i] {
					t.Errorf("reject %d: %v, want %v", i, got[i], c.rejects[i])
				}
			}
			if len(c.flags) > 0 {
				golden := readTable(t, filepath.Join(out, "golden.parquet"))
				for id, want := range c.flags {
					var rec map[string]string
					for _, g := range golden {
						if strings.Contains(";"+g["member_ids"]+";", ";"+id+";") || g["member_ids"] == id {
							rec = g
						}
					}
					if rec == nil {
						t.Errorf("no golden record holds %s", id)
						continue
					}
					for _, fl := range strings.Split(want, ",") {
						if !strings.Contains(rec["quality_flags"], fl) {
							t.Errorf("%s: quality_flags %q lack %q", id, rec["quality_flags"], fl)
						}
					}
					if rec["correct"] != "false" {
						t.Errorf("%s: correct = %q, want false", id, rec["correct"])
					}
				}
			}
		})
	}
}
