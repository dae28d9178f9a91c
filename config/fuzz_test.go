package config

import (
	"testing"
)

// FuzzParseConfig: arbitrary bytes as a YAML config never panic; a config
// that parses validates and has a stable digest.
func FuzzParseConfig(f *testing.F) {
	f.Add(DefaultYAML())
	f.Add(FEBRLYAML())
	for _, s := range []string{
		"", "mode: link\n", "fields: [", "fields:\n  - {name: x, kind: date, columns: []}\n",
		"blocking: {max_block_size: -1, window: 0}\n", "&a [*a]\n", "seed: 1e400\n",
		"comparisons:\n  - {name: n, field: missing, kind: person_name, jw_thresholds: [2, -1]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "fuzz.yaml")
		if err != nil {
			if err.Error() == "" {
				t.Error("empty error message")
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Errorf("Parse accepted a config that Validate rejects: %v", err)
		}
		if c.Digest() != c.Digest() {
			t.Error("digest not stable")
		}
	})
}
