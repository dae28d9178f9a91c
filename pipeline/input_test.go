package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/runfolder"
)

// Tests of the input reading items of issue 19 (hardening), through Run.

var inputHeader = []string{"record_id", "full_name", "date_of_birth", "gender", "national_id", "phone",
	"permanent_address", "current_address", "updated_at"}

var inputRows = [][]string{
	{"a1", "Nguyễn Văn An", "01/02/1990", "Nam", "001090000001", "0912345678", "P. Bến Nghé, Q.1, TP.HCM", "", "2024-01-01T00:00:00Z"},
	{"a2", "Nguyen Van An", "1990-02-01", "nam", "001090000001", "+84912345678", "Phường Bến Nghé, Quận 1, TP Hồ Chí Minh", "", "2024-02-01T00:00:00Z"},
	{"a3", "Trần Thị Bình", "03/04/1985", "Nữ", "079185000002", "0987654321", "Hà Nội", "", ""},
	{"a4", "Tran Thi Binh", "1985-04-03", "nu", "079185000002", "0987654321", "Hà Nội", "", ""},
}

func runInputs(t *testing.T, cfg *config.Config, inputs ...string) (string, *runfolder.Manifest, error) {
	t.Helper()
	cfg.Model.USamplePairs = 1000
	out := t.TempDir()
	m, err := Run(context.Background(), cfg, Options{OutDir: out, Inputs: inputs, Workers: 2, BatchSize: 1000, Progress: quietProgress})
	return out, m, err
}

func csvText(delim string) string {
	var b strings.Builder
	b.WriteString(strings.Join(inputHeader, delim) + "\r\n")
	for _, r := range inputRows {
		cells := make([]string, len(r))
		for i, c := range r {
			if strings.Contains(c, delim) {
				c = `"` + c + `"`
			}
			cells[i] = c
		}
		b.WriteString(strings.Join(cells, delim) + "\r\n")
	}
	return b.String()
}

// TestRunBrokenLinkInInputFolder: a table in an input folder that cannot
// be opened stops the run, naming it (item 1).
func TestRunBrokenLinkInInputFolder(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.csv"), []byte(csvText(",")), 0o600); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "b.csv")
	if err := os.Symlink(filepath.Join(dir, "gone.csv"), bad); err != nil {
		t.Fatal(err)
	}
	_, _, err := runInputs(t, config.Default(), dir)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Fatalf("error %v, want one naming %s", err, bad)
	}
}

// TestRunSemicolonAndTabCSV: Excel's ';' and tab CSVs are read, detected
// or set in the config (item 8).
func TestRunSemicolonAndTabCSV(t *testing.T) {
	for _, tc := range []struct{ name, delim, setting string }{
		{"semicolon detected", ";", ""}, {"tab detected", "\t", ""}, {"semicolon set", ";", ";"}, {"pipe set", "|", "|"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "excel.csv")
			if err := os.WriteFile(path, []byte("\xEF\xBB\xBF"+csvText(tc.delim)), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := config.Default()
			cfg.Sources[0].Delimiter = tc.setting
			_, m, err := runInputs(t, cfg, path)
			if err != nil {
				t.Fatal(err)
			}
			if m.RowsIn != 4 || m.RowsRejected != 0 {
				t.Errorf("rows in %d, rejected %d; want 4, 0", m.RowsIn, m.RowsRejected)
			}
		})
	}
}

// TestRunNotUTF8KeepsRejects: a file in Windows-1258 fails saying so, and
// its rejects are written (item 9).
func TestRunNotUTF8KeepsRejects(t *testing.T) {
	cp1258 := strings.Join(inputHeader, ",") + "\n" +
		"a1,Nguy\xEA\xDEn V\xE3n An,01/02/1990,Nam,001090000001,0912345678,H\xE0 N\xF4\xF2i,,\n" +
		"a2,Tr\xE2\xECn Th\xEA\xD2 B\xECnh,03/04/1985,N\xF7,079185000002,0987654321,H\xE0 N\xF4\xF2i,,\n"
	path := filepath.Join(t.TempDir(), "cp1258.csv")
	if err := os.WriteFile(path, []byte(cp1258), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, err := runInputs(t, config.Default(), path)
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{path, "not UTF-8", "Windows-1258", runfolder.FileRejects} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	rej := filepath.Join(out, runfolder.FileRejects)
	r, err := dataio.Open(rej, dataio.ReadOptions{Columns: []string{"row", "reason"}, AsStrings: true})
	if err != nil {
		t.Fatalf("rejects not written: %v", err)
	}
	defer r.Close()
	n := 0
	for r.Next() {
		b := r.Batch()
		for i := 0; i < int(b.NumRows()); i++ {
			if got := b.Column(1).(*array.String).Value(i); got != dataio.ReasonInvalidUTF8 {
				t.Errorf("reject reason %q", got)
			}
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d rejects, want 2", n)
	}
	if _, err := os.Stat(filepath.Join(out, runfolder.FileManifest)); err == nil {
		t.Error("a manifest was written for a failed run")
	}
}

// TestRunNumericColumnWarning: an ID column stored as int64 is read as
// text with a manifest warning (item 7).
func TestRunNumericColumnWarning(t *testing.T) {
	var fields []arrow.Field
	var cols []arrow.Array
	mem := memory.NewGoAllocator()
	for j, name := range inputHeader {
		if name == "national_id" || name == "phone" {
			b := array.NewInt64Builder(mem)
			for _, r := range inputRows {
				var v int64
				for _, c := range strings.TrimPrefix(r[j], "+84") {
					v = v*10 + int64(c-'0')
				}
				b.Append(v)
			}
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64})
			cols = append(cols, b.NewArray())
			continue
		}
		b := array.NewStringBuilder(mem)
		for _, r := range inputRows {
			b.Append(r[j])
		}
		fields = append(fields, arrow.Field{Name: name, Type: arrow.BinaryTypes.String})
		cols = append(cols, b.NewArray())
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(len(inputRows)))
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "typed.parquet")
	w, err := dataio.Create(path, rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	_, m, err := runInputs(t, config.Default(), path)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(m.Warnings, "\n")
	for _, want := range []string{"column national_id is stored as int64", "column phone is stored as int64"} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings %q lack %q", m.Warnings, want)
		}
	}
}

// TestOutInsideInputFolder: an output folder inside an input folder (or
// the folder itself, or through a link) is refused before anything is
// written; a sibling folder is fine.
func TestOutInsideInputFolder(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "extracts")
	if err := os.MkdirAll(in, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{in, filepath.Join(in, "run"), filepath.Join(link, "run", "deeper")} {
		if err := checkOutsideInputs(out, []string{in}); err == nil || !strings.Contains(err.Error(), "inside the input folder") {
			t.Errorf("out %s: %v, want a refusal", out, err)
		}
	}
	for _, out := range []string{filepath.Join(dir, "run"), filepath.Join(dir, "extracts-run"), ""} {
		if err := checkOutsideInputs(out, []string{in}); err != nil {
			t.Errorf("out %q: %v, want nil", out, err)
		}
	}
}
