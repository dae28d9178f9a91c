package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/config"
)

// TestOneJobFile: one YAML file holds run's config and verify's section.
// dedup run (config.Load) reads it, ignoring the section but checking its
// keys; dedup verify (LoadConfig) reads its section and the fields from
// it. A mistake anywhere is still an error for both.
func TestOneJobFile(t *testing.T) {
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "job.yaml")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	job := string(config.DefaultYAML()) + "\nverify:\n  max_per_carrier: 5\n  columns:\n    msisdn: phone_number\n"
	p := write(job)
	run, err := config.Load(p)
	if err != nil {
		t.Fatalf("run's loader: %v", err)
	}
	if run.Digest() != config.Default().Digest() {
		t.Error("the verify section changed run's config digest")
	}
	v, err := LoadConfig(p)
	if err != nil {
		t.Fatalf("verify's loader: %v", err)
	}
	if v.MaxPerCarrier != 5 || v.Columns.MSISDN != "phone_number" || len(v.RunFields) != len(run.Fields) {
		t.Errorf("verify read max_per_carrier %d, msisdn %q, %d fields", v.MaxPerCarrier, v.Columns.MSISDN, len(v.RunFields))
	}
	for _, tc := range []struct{ body, want string }{
		// A typo in the verify section stops run too, not only verify.
		{job + "  max_per_carier: 4\n", `unknown key "max_per_carier" in the verify section`},
		{job + "  max_total: lots\n", "line "},
		{string(config.DefaultYAML()) + "\nverify: 3\n", "verify section must be a mapping"},
		// Unknown keys elsewhere are still errors for both.
		{job + "verifY:\n  max_total: 5\n", `unknown key "verifY" in the top level`},
		{strings.Replace(job, "blocking:", "blockin:", 1), `unknown key "blockin" in the top level`},
	} {
		p := write(tc.body)
		if _, err := config.Load(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run: %q…: %v, want %q", tc.body[len(tc.body)-30:], err, tc.want)
		}
		if tc.want == "verify section must be a mapping" {
			continue // verify's own message differs
		}
		if _, err := LoadConfig(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("verify: %q…: %v, want %q", tc.body[len(tc.body)-30:], err, tc.want)
		}
	}
}
