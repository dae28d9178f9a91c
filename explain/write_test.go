package explain

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestWriteTextEscapesControls: names with ESC, BEL, a newline or a
// bidirectional override are written as escapes, never raw, in every part
// of the text output; long values keep lines under 160 columns (two
// addresses side by side made 230); the JSON keys are snake_case.
func TestWriteTextEscapesControls(t *testing.T) {
	evil := "Nguy\x1b[31mễn\a Văn\nA\u202eB"
	long := strings.Repeat("Số 12 ngõ 34 phố Nguyễn Văn Cừ ", 4)
	e := &Explanation{
		Left:  Record{ID: "L\x1b1", Source: "population", File: "a.csv", Row: 2, Fields: []FieldValue{{Field: "name", Raw: evil}, {Field: "address", Raw: long}}},
		Right: Record{ID: "R1", Source: "population", File: "b.csv", Row: 3, Fields: []FieldValue{{Field: "name", Raw: "Nguyễn Văn A"}, {Field: "address", Raw: long}}},
		Steps: []Step{{Comparison: "name", Level: 1, Label: "jw", Left: evil, Right: "Nguyễn Văn A"}, {Comparison: "address", Level: 0, Label: "exact", Left: long, Right: long}},
	}
	var b bytes.Buffer
	if err := e.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, bad := range []string{"\x1b", "\a", "\u202e", "A\nB"} {
		if strings.Contains(out, bad) {
			t.Errorf("text output holds %q raw:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, `\x1b[31m`) || !strings.Contains(out, `\a`) || !strings.Contains(out, `\u202e`) {
		t.Errorf("text output does not show the escapes:\n%s", out)
	}
	for _, line := range strings.Split(out, "\n") {
		if n := len([]rune(line)); n > 160 {
			t.Errorf("line of %d runes:\n%s", n, line)
		}
	}
	b.Reset()
	if err := e.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b.Bytes(), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"left", "right"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON has no key %q: %v", k, keys(m))
		}
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
