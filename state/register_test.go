package state

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/pipeline"
)

// readAll reads a state's register through ReadRegister: the records in
// the order given, their persons and cells ("" for null).
func readAll(dir, digest string) (RegisterInfo, []Key, []string, [][]string, error) {
	var info RegisterInfo
	var keys []Key
	var persons []string
	var cells [][]string
	err := ReadRegister(dir, digest, func(i RegisterInfo) error { info = i; return nil }, func(r *RegisterRecord) error {
		keys, persons = append(keys, r.Key), append(persons, r.Person)
		row := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			if r.Valid[i] {
				row[i] = strings.Clone(c)
			}
		}
		cells = append(cells, row)
		return nil
	})
	return info, keys, persons, cells, err
}

// TestReadRegister: after an incremental night (cells in two segments),
// ReadRegister hands out every record of the generation once, grouped by
// person (person IDs ascending, a person's records in key order), with
// the person Lookup gives and the cells of tonight's input row under the
// source's column projection; Describe counts the same records.
func TestReadRegister(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	night(t, stateDir, filepath.Join(dir, "o0"), snapshot(t, 0), 2)
	night(t, stateDir, filepath.Join(dir, "o1"), snapshot(t, 1), 2)
	cfg := config.Default()
	info, keys, persons, cells, err := readAll(stateDir, cfg.Digest())
	if err != nil {
		t.Fatal(err)
	}
	if info.Night != 2 || info.ConfigDigest != cfg.Digest() || info.Records != int64(len(keys)) {
		t.Fatalf("info %+v for %d records", info, len(keys))
	}
	if d, err := Describe(stateDir); err != nil || d != info {
		t.Fatalf("Describe %+v, %v; want %+v", d, err, info)
	}
	want := map[Key]string{}
	if err := Lookup(stateDir, func(k Key, p string) error { want[k] = p; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(want) != len(keys) {
		t.Fatalf("%d records, Lookup has %d", len(keys), len(want))
	}
	for i, k := range keys {
		if want[k] != persons[i] {
			t.Fatalf("record %v: person %s, Lookup says %s", k, persons[i], want[k])
		}
		if i > 0 {
			if c := strings.Compare(persons[i-1], persons[i]); c > 0 || c == 0 && compareKeys(keys[i-1], k) >= 0 {
				t.Fatalf("records %v (%s) and %v (%s) out of order", keys[i-1], persons[i-1], k, persons[i])
			}
		}
	}
	cols, rows := readRows(t, filepath.Join(snapshot(t, 1), "population.parquet"))
	proj := pipeline.SourceColumns(cfg, 0)
	byID := map[string][]string{}
	for _, row := range rows {
		var p []string
		for _, c := range proj {
			p = append(p, row[slices.Index(cols, c)])
		}
		byID[row[slices.Index(cols, proj[0])]] = p
	}
	for i, k := range keys {
		if !slices.Equal(cells[i], byID[k.ID]) {
			t.Fatalf("record %v: cells %q, input row %q", k, cells[i], byID[k.ID])
		}
	}
}

// TestReadRegisterBad: a folder that is not a state (and is left as it
// was), another config, and a damaged segment are clear errors.
func TestReadRegisterBad(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	night(t, stateDir, filepath.Join(dir, "o"), snapshot(t, 0), 2)
	digest := config.Default().Digest()
	copyState := func(t *testing.T) string {
		d := filepath.Join(t.TempDir(), "state")
		if err := os.CopyFS(d, os.DirFS(stateDir)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	segment := func(d string) string { return filepath.Join(d, genName(1), rawName(1)) }
	for _, tc := range []struct {
		name   string
		dir    func(t *testing.T) string
		digest string
		want   error
		text   string
	}{
		{name: "a folder of files", dir: func(t *testing.T) string {
			d := t.TempDir()
			os.WriteFile(filepath.Join(d, "01.parquet"), []byte("x"), 0o600)
			return d
		}, text: "not a state folder"},
		{name: "another config", dir: copyState, digest: strings.Repeat("0", 64), want: ErrConfigMismatch, text: "config digest"},
		{name: "a byte altered in a segment", dir: func(t *testing.T) string {
			d := copyState(t)
			b, err := os.ReadFile(segment(d))
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x10
			if err := os.WriteFile(segment(d), b, 0o600); err != nil {
				t.Fatal(err)
			}
			return d
		}, want: ErrDamaged, text: "checksum"},
		{name: "a truncated segment", dir: func(t *testing.T) string {
			d := copyState(t)
			if err := os.Truncate(segment(d), 1000); err != nil {
				t.Fatal(err)
			}
			return d
		}, want: ErrDamaged, text: rawName(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.dir(t)
			before, _ := os.ReadDir(d)
			dg := digest
			if tc.digest != "" {
				dg = tc.digest
			}
			_, _, _, _, err := readAll(d, dg)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %v, want %v naming %q", err, tc.want, tc.text)
			}
			if tc.want == nil {
				after, _ := os.ReadDir(d)
				if len(after) != len(before) {
					t.Fatalf("the folder changed: %d entries, was %d", len(after), len(before))
				}
			}
		})
	}
}
