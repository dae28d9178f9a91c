package normalize

import (
	"bytes"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/refdata"
)

// TestLegacyShortcut: detectLegacy's shortcut for plain text whose words
// are all known (no TCVN3 or VNI decoding tried) changes no result of
// Text, TextHint or Name: checked against a Normalizer that tries every
// decoding, over the golden inputs, trickyInputs, reference names in
// Unicode, TCVN3 and VNI (as Windows-1252, in their case and upper case),
// seeded random Latin-1 text with the bytes that could split or join
// words (NBSP, C1 controls, Windows-1252 symbols, ASCII punctuation), and
// with DEDUP_GEN_DIR the names and addresses of a generated population.
func TestLegacyShortcut(t *testing.T) {
	var ins []string
	for _, s := range goldenInputs(t) {
		ins = append(ins, string(s))
	}
	ins = append(ins, trickyInputs...)
	ref := refdata.Get()
	var toks []string
	for _, x := range ref.Surnames {
		toks = append(toks, x.Name)
	}
	for _, x := range ref.MiddleNames {
		toks = append(toks, x.Name)
	}
	for _, x := range ref.GivenNames {
		toks = append(toks, x.Name)
	}
	seed := uint64(7)
	next := func(n int) int {
		seed = seed*6364136223846793005 + 1442695040888963407
		return int(seed>>33) % n
	}
	for range 3000 {
		name := toks[next(len(toks))] + " " + toks[next(len(toks))] + " " + toks[next(len(toks))]
		ins = append(ins, name, strings.ToUpper(name))
		encodable := true
		for _, r := range strings.ToUpper(name) + name {
			if _, ok := legacyOf[r]; !ok && r >= 0x80 {
				encodable = false
			}
		}
		for _, enc := range []Encoding{EncodingTCVN3, EncodingVNI} {
			if !encodable {
				break
			}
			ins = append(ins, asCP1252(encodeLegacy(name, enc)), asCP1252(encodeLegacy(strings.ToUpper(name), enc)))
		}
	}
	pieces := []string{"à", "á", "â", "ã", "è", "é", "ê", "ì", "í", "ò", "ó", "ô", "õ", "ù", "ú", "ý", "À", "Ê", "Ô",
		"Ð", "ð", "Þ", "ñ", "ø", "¸", "ª", "µ", "¨", "§", "«", "»", "\u00a0", "\u0081", "\u0085", "\u008d", "€", "–", "™",
		"a", "n", "h", "t", "ng", "Th", "c", "i", "u", "y", " ", " ", ",", ".", "-", "'", "?", "1", "\t"}
	for range 10000 {
		var b strings.Builder
		for range 2 + next(10) {
			b.WriteString(pieces[next(len(pieces))])
		}
		ins = append(ins, b.String())
	}
	if dir := os.Getenv("DEDUP_GEN_DIR"); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "population", "*.parquet"))
		if len(files) > 0 {
			sort.Strings(files)
			cols := readStringColumns(t, files[0], "full_name", "permanent_address")
			for i := range min(len(cols[0]), 20000) {
				ins = append(ins, cols[0][i], cols[1][i])
			}
		}
	}
	fast, full := New(Options{}), New(Options{})
	full.fullLegacy = true
	for _, s := range ins {
		for _, hint := range []Encoding{EncodingNone, EncodingTCVN3, EncodingVNI} {
			var a, b bytes.Buffer
			digestWriter{&a}.text("text", fast.TextHint([]byte(s), hint))
			digestWriter{&b}.text("text", full.TextHint([]byte(s), hint))
			digestWriter{&a}.name("name", fast.NameHint([]byte(s), hint))
			digestWriter{&b}.name("name", full.NameHint([]byte(s), hint))
			if a.String() != b.String() {
				t.Fatalf("%q hint %v:\n%s\nevery decoding tried:\n%s", s, hint, a.String(), b.String())
			}
		}
	}
}
