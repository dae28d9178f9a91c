package config

import (
	"strings"
	"testing"
)

func TestEmbeddedConfigsValidate(t *testing.T) {
	for name, c := range map[string]*Config{"default": Default(), "febrl": FEBRL()} {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if len(c.Blocking.Rules) == 0 || len(c.Comparisons) == 0 {
			t.Errorf("%s: no rules or comparisons", name)
		}
	}
	if Default().Digest() != Default().Digest() {
		t.Error("digest is not stable")
	}
	if Default().Digest() == FEBRL().Digest() {
		t.Error("different configs share a digest")
	}
}

// TestValidationNamesTheKey: each broken config must fail with an error
// that names the key at fault.
func TestValidationNamesTheKey(t *testing.T) {
	base := string(DefaultYAML())
	f := func(old, new, wantKey string) {
		t.Helper()
		if !strings.Contains(base, old) {
			t.Fatalf("default config lacks %q", old)
		}
		_, err := Parse([]byte(strings.Replace(base, old, new, 1)), "test.yaml")
		if err == nil {
			t.Fatalf("replacing %q by %q: no error", old, new)
		}
		if !strings.Contains(err.Error(), wantKey) {
			t.Errorf("replacing %q by %q: error %q does not name %q", old, new, err, wantKey)
		}
	}
	f("mode: dedupe", "mode: merge", "mode")
	f("mode: dedupe", "mode: link", "mode")
	f("kind: person_name, columns", "kind: persona, columns", "fields[0].kind")
	f("keys: [name.family, name.middle, dob, address.province_2025]", "keys: [name.famly, name.middle, dob, address.province_2025]", "blocking.rules[2].keys[0]")
	f("keys: [national_id]}", "keys: [nation]}", "blocking.rules[0].keys[0]")
	f("keys: [national_id]}", "keys: [updated_at]}", "blocking.rules[0].keys[0]")
	f("{name: dob, field: dob, kind: date}", "{name: dob, field: dob, kind: phone}", "comparisons[1].kind")
	f("{name: dob, field: dob, kind: date}", "{name: dob, field: birth, kind: date}", "comparisons[1].field")
	f("jw_thresholds: [0.95, 0.88, 0.80]", "jw_thresholds: [0.80, 0.88]", "comparisons[0].jw_thresholds[1]")
	f("match_probability: 0.5", "match_probability: 1.5", "threshold.match_probability")
	f("{name: id_province, field: national_id, also: [address, current_address], kind: id_province}", "{name: id_province, field: national_id, kind: id_province}", "comparisons[6].also")
	f("{name: id_province, field: national_id, also: [address, current_address], kind: id_province}", "{name: id_province, field: address, also: [current_address], kind: id_province}", "comparisons[6].field")
	f("{name: id_province, field: national_id, also: [address, current_address], kind: id_province}", "{name: id_province, field: national_id, also: [phone], kind: id_province}", "comparisons[6]")
	f("record_margin: 1", "record_margin: -1", "cluster.record_margin")
	f("default: most_recent", "default: newest", "survivorship")
	f("max_block_size: 1000", "max_block_size: 1", "blocking.max_block_size")
	f("em_max_iterations: 50", "em_max_iterations: 50\n  em_iters: 3", "em_iters") // unknown keys are errors
	f("{name: dob, kind: date, columns: [date_of_birth]}", "{name: dob, kind: date, columns: [date_of_birth], date_format: dd-mm-yy}", "fields[1].date_format")
	f("{name: dob, kind: date, columns: [date_of_birth]}", "{name: dob, kind: gender, columns: [date_of_birth], date_format: dmy}", "fields[1].date_format")
}

func TestDefaultsFilled(t *testing.T) {
	c, err := Parse([]byte(`
sources: [{name: a}]
fields: [{name: n, kind: text, columns: [n]}]
blocking: {rules: [{name: r, keys: [n]}]}
comparisons: [{name: n, field: n, kind: text}]
`), "min.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Mode != ModeDedupe || c.RecordID != "record_id" || c.Blocking.MaxBlockSize != 1000 || *c.Threshold.MatchProbability != DefaultMatchProbability || c.Survivorship.Default != SurviveMostRecent {
		t.Errorf("defaults not applied: %+v", c)
	}
}

// TestConfigErrorsReadable: config errors speak YAML, not Go: an empty
// file says so (not "EOF"), type errors name what was wanted in words, an
// unknown key names its section, key parts are listed as one writes them,
// and one bad field kind gives one error, not one per rule using it.
func TestConfigErrorsReadable(t *testing.T) {
	def := string(DefaultYAML())
	cases := []struct {
		name, yaml string
		want       []string
		wantErrs   int // lines of the error, 0: not checked
	}{
		{"empty", "", []string{"the file is empty"}, 1},
		{"comments only", "# nothing\n", []string{"only comments"}, 1},
		{"type", "threshold: abc\nmodel:\n  u_sample_pairs: lots\n", []string{"line 1: got text `abc`, want a mapping", "line 3: got text `lots`, want a whole number"}, 2},
		{"unknown key", strings.Replace(def, "\nblocking:", "\nblockin:", 1), []string{`unknown key "blockin" in the top level`}, 0},
		{"part", strings.Replace(def, "keys: [name.family, name.middle, dob, address.province_2025]", "keys: [name.famly, name.middle, dob, address.province_2025]", 1),
			[]string{`"name" has no part "famly" (a person_name field has: name, name.family,`}, 1},
		{"cascade", strings.Replace(def, "{name: name, kind: person_name,", "{name: name, kind: person_nam,", 1), []string{`unknown kind "person_nam"`}, 1},
	}
	for _, c := range cases {
		_, err := Parse([]byte(c.yaml), "c.yaml")
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		msg := err.Error()
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q, want it to contain %q", c.name, msg, w)
			}
		}
		for _, leak := range []string{"EOF", "config.", "float64", "int64", "!!str", "has: ,"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: error %q leaks %q", c.name, msg, leak)
			}
		}
		if n := strings.Count(msg, "\n") + 1; c.wantErrs > 0 && n != c.wantErrs {
			t.Errorf("%s: %d error lines, want %d:\n%s", c.name, n, c.wantErrs, msg)
		}
	}
}

// TestSourceDelimiter checks the per-source CSV delimiter key.
func TestSourceDelimiter(t *testing.T) {
	base := string(DefaultYAML())
	old := "  - name: population\n"
	if !strings.Contains(base, old) {
		t.Fatalf("default config lacks %q", old)
	}
	for _, tc := range []struct {
		yaml string
		want rune
	}{
		{`";"`, ';'}, {"tab", '\t'}, {`"\t"`, '\t'}, {`'\t'`, '\t'}, {`"|"`, '|'}, {`","`, ','},
	} {
		c, err := Parse([]byte(strings.Replace(base, old, old+"    delimiter: "+tc.yaml+"\n", 1)), "test.yaml")
		if err != nil {
			t.Fatalf("delimiter %s: %v", tc.yaml, err)
		}
		if got := c.Sources[0].DelimiterRune(); got != tc.want {
			t.Errorf("delimiter %s: %q, want %q", tc.yaml, got, tc.want)
		}
	}
	for _, bad := range []string{`";;"`, `'"'`, `"\n"`, "semicolon"} {
		_, err := Parse([]byte(strings.Replace(base, old, old+"    delimiter: "+bad+"\n", 1)), "test.yaml")
		if err == nil || !strings.Contains(err.Error(), "sources[0].delimiter") {
			t.Errorf("delimiter %s: error %v, want one naming sources[0].delimiter", bad, err)
		}
	}
	c, err := Parse([]byte(base), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Sources[0].DelimiterRune() != 0 {
		t.Errorf("no delimiter key: %q, want 0 (detect)", c.Sources[0].DelimiterRune())
	}
}

// TestThresholdDefault: a config without a threshold merges at 0.5, the
// probability README and default.yaml document (it once fell back to
// 0.99); an explicit 0 is an error naming the key, not "unset".
func TestThresholdDefault(t *testing.T) {
	const min = `
sources: [{name: a}]
fields: [{name: n, kind: text, columns: [n]}]
blocking: {rules: [{name: r, keys: [n]}]}
comparisons: [{name: n, field: n, kind: text}]
`
	c, err := Parse([]byte(min), "min.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Threshold.MatchProbability; p == nil || *p != 0.5 {
		t.Errorf("no threshold: match_probability %v, want 0.5", c.Threshold)
	}
	for _, th := range []string{"threshold: {match_probability: 0}", "threshold: {match_probability: 0.0}"} {
		_, err := Parse([]byte(min+th+"\n"), "zero.yaml")
		if err == nil || !strings.Contains(err.Error(), "threshold.match_probability") {
			t.Errorf("%s: error %v, want one naming threshold.match_probability", th, err)
		}
	}
	c, err = Parse([]byte(min+"threshold: {match_weight: 3}\n"), "weight.yaml")
	if err != nil || c.Threshold.MatchWeight == nil || *c.Threshold.MatchWeight != 3 {
		t.Errorf("match_weight alone: %v", err)
	}
}

// TestVerifySectionAccepted: a job file may hold dedup verify's section;
// run ignores it (the same config, the same digest), and without verify's
// check linked in only its shape is checked: a mapping.
func TestVerifySectionAccepted(t *testing.T) {
	defer func(f func([]byte) error) { VerifySectionCheck = f }(VerifySectionCheck)
	VerifySectionCheck = nil
	base := string(DefaultYAML())
	c, err := Parse([]byte(base+"\nverify:\n  max_per_carrier: 5\n"), "job.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Digest() != Default().Digest() {
		t.Error("the verify section changed the config")
	}
	if _, err := Parse([]byte(base+"\nverify:\n"), "job.yaml"); err != nil {
		t.Errorf("an empty verify section: %v", err)
	}
	if _, err := Parse([]byte(base+"\nverify: [1, 2]\n"), "job.yaml"); err == nil || !strings.Contains(err.Error(), "must be a mapping") {
		t.Errorf("a verify list: %v", err)
	}
	var checked []byte
	VerifySectionCheck = func(data []byte) error { checked = data; return nil }
	if _, err := Parse([]byte(base+"\nverify:\n  max_total: 2\n"), "job.yaml"); err != nil || !strings.Contains(string(checked), "max_total: 2") {
		t.Errorf("the check was not given the file: %v", err)
	}
	if _, err := Parse([]byte(base+"\nverifyy:\n  max_total: 2\n"), "job.yaml"); err == nil || !strings.Contains(err.Error(), `unknown key "verifyy" in the top level`) {
		t.Errorf("an unknown key: %v", err)
	}
}
