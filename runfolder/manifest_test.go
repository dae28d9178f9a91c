package runfolder

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestManifestKeyOrder: manifest.json's keys keep their names and order
// (readers and diffs of two runs' manifests rely on them).
func TestManifestKeyOrder(t *testing.T) {
	data, err := (&Manifest{Spill: &SpillStat{}, Warnings: []string{"w"}}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	// Walk the top-level object: each key, then its value skipped whole.
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	want := "tool config_digest mode workers memory_budget_bytes inputs rows_in rows_clustered rows_rejected reject_reasons " +
		"blocking pairs threshold model clusters outputs stages wall_seconds peak_heap_bytes warnings spill"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("manifest keys\n got %s\nwant %s", got, want)
	}
	if !bytes.HasSuffix(data, []byte("}\n")) || !bytes.Contains(data, []byte("\n  \"tool\": ")) {
		t.Errorf("manifest not indented by two spaces with a final newline:\n%s", data)
	}
}

func TestReadManifestRoundTrip(t *testing.T) {
	in := &Manifest{Tool: "dedup", Mode: "dedupe", Workers: 2, RowsIn: 3, RowsClustered: 2, RowsRejected: 1,
		Inputs:    []InputStat{{Source: "a", File: "a.csv", Rows: 3, Rejected: 1}},
		Threshold: ThresholdInfo{MatchWeight: 0, MatchProbability: 0.5},
		Clusters:  ClusterStats{Clusters: 1, SizeCounts: map[string]int64{"2": 1}},
		Outputs:   []string{FileClusters, FileManifest}}
	dir := t.TempDir()
	data, err := in.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileManifest), data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("read back %+v, wrote %+v", out, in)
	}
}

func TestReadManifestErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := ReadManifest(dir)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no manifest.json") || !strings.Contains(err.Error(), "run output folder") {
		t.Errorf("folder without a manifest: %v", err)
	}
	for content, want := range map[string]string{
		"{not json":                 "manifest.json: not JSON",
		`{"threshold": "high"}`:     "manifest.json: json: cannot unmarshal",
		`{"rows_in": "many"}`:       "manifest.json: json: cannot unmarshal",
		`{"threshold": 2.5}`:        "manifest.json: json: cannot unmarshal",
		`{"inputs": {"file": "x"}}`: "manifest.json: json: cannot unmarshal",
	} {
		if err := os.WriteFile(filepath.Join(dir, FileManifest), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadManifest(dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to mention %q", content, err, want)
		}
	}
}

// FuzzReadManifest: any bytes in manifest.json give a manifest or an
// error naming the file, never a panic.
func FuzzReadManifest(f *testing.F) {
	f.Add(`{"threshold": {"match_weight": 3, "match_probability": 0.9}}`)
	f.Add(`{"threshold": 1e400}`)
	f.Add(`{"threshold": null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, content string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, FileManifest), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadManifest(dir); err != nil && !strings.Contains(err.Error(), FileManifest) {
			t.Errorf("error %q does not name %s", err, FileManifest)
		}
	})
}
