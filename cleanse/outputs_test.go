package cleanse

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const tinyCSV = "record_id,full_name,date_of_birth\n1,Nguyễn Văn An,01/02/1990\n2,Trần Thị Bình,03/04/1985\n"

// TestOutputIsNotInput: an output (or its rejects or manifest) that is
// the input is refused, under any spelling of the path, and the input is
// left as it was.
func TestOutputIsNotInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "people.csv")
	if err := os.WriteFile(in, []byte(tinyCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(in, link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{in, filepath.Join(dir, ".", "people.csv"), link, filepath.Join(dir, "people.manifest.json")} {
		in := in
		if strings.HasSuffix(out, ".json") {
			in = out // an input named like the output's manifest
			if err := os.WriteFile(in, []byte(tinyCSV), 0o600); err != nil {
				t.Fatal(err)
			}
			out = filepath.Join(dir, "people.parquet")
		}
		_, err := Table(context.Background(), in, out, Options{Mapping: mustDefault(t), Quiet: true})
		if err == nil || !strings.Contains(err.Error(), "is the input") {
			t.Errorf("Table(%s, %s): %v, want a refusal", in, out, err)
		}
	}
	if got, _ := os.ReadFile(in); string(got) != tinyCSV {
		t.Errorf("the input changed")
	}
}

// TestStaleTempsRemoved: the temporaries of a killed normalization of the
// same output are removed; others are left alone.
func TestStaleTempsRemoved(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "people.csv")
	out := filepath.Join(dir, "norm.parquet")
	stale := filepath.Join(dir, ".norm.parquet.tmp-12345")
	other := filepath.Join(dir, ".other.parquet.tmp-999")
	for _, f := range []string{stale, other} {
		if err := os.WriteFile(f, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(in, []byte(tinyCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Table(context.Background(), in, out, Options{Mapping: mustDefault(t), Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary of the output left: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("another output's temporary removed: %v", err)
	}
}

// TestCanceled: a canceled context stops the normalization with
// ErrCanceled and leaves neither output nor temporary.
func TestCanceled(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "people.csv")
	out := filepath.Join(dir, "norm.parquet")
	if err := os.WriteFile(in, []byte(tinyCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Table(ctx, in, out, Options{Mapping: mustDefault(t), Quiet: true}); !errors.Is(err, ErrCanceled) {
		t.Errorf("canceled: %v, want ErrCanceled", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "people.csv" {
			t.Errorf("left %s", e.Name())
		}
	}
}
