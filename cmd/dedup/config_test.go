package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
)

// TestConfigCheckThresholdZero: `dedup config check` rejects an explicit
// match_probability of 0 and names the key (0 once meant "unset" and
// merged at 0.99).
func TestConfigCheckThresholdZero(t *testing.T) {
	path := filepath.Join(t.TempDir(), "zero.yaml")
	cfg := strings.Replace(string(config.DefaultYAML()), "match_probability: 0.5", "match_probability: 0", 1)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := mainWithExit([]string{"config", "check", path}, &stdout, &stderr); code == 0 {
		t.Fatalf("config check accepted match_probability: 0: %s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "threshold.match_probability") {
		t.Errorf("error does not name threshold.match_probability: %s", stderr.String())
	}
}
