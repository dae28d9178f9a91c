package normalize

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestLegacyGenerated scores legacy-encoding detection against the
// generator's truth:
// DEDUP_GEN_DIR=/tmp/g1m-dirty go test ./normalize -run LegacyGenerated -v
// The target: every TCVN3/VNI record detected and decoded back to
// the true name. The generator applies the name's other corruptions
// (variant, dropped or abbreviated middle, reorder, old tone, Telex, typo,
// capitals) before the encoding, so the decoded name is compared with the
// true name allowing for exactly those: a decoding counts when the encoding
// is the true one, no mojibake is left, and every word is a true word or
// is explained by one of the record's labels.
func TestLegacyGenerated(t *testing.T) {
	dir := os.Getenv("DEDUP_GEN_DIR")
	if dir == "" {
		t.Skip("DEDUP_GEN_DIR not set")
	}
	truth := readStringColumns(t, filepath.Join(dir, "truth", "population.parquet"),
		"record_id", "corruptions", "true_full_name", "true_encoding",
		"true_permanent_ward_2025", "true_current_ward_2025")
	type tr struct{ corr, name, enc, pw, cw string }
	byID := map[string]tr{}
	for i, id := range truth[0] {
		if truth[3][i] != "" {
			byID[id] = tr{truth[1][i], truth[2][i], truth[3][i], truth[4][i], truth[5][i]}
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "population", "*.parquet"))
	sort.Strings(files)
	n := New(Options{})
	tn := New(Options{})
	p := NewAddressParser()
	var names, namesOK, namesDetected, namesAlone, addrs, addrsEnc, addrsWard, addrsWardN int
	failByLabel := map[string]int{}
	shown, shownA := 0, 0
	var buf []byte
	for _, f := range files {
		cols := readStringColumns(t, f, "record_id", "full_name", "permanent_address", "current_address")
		for i, id := range cols[0] {
			tt, ok := byID[id]
			if !ok {
				continue
			}
			names++
			// The reference name lists hold a few names damaged in VNI
			// themselves (Khaùnh, Vuõ, Döông): the true name decoded word by
			// word counts as well as the true name as Text reads it.
			want := string(tn.Text([]byte(tt.name)).Canonical)
			var ws []string
			for _, w := range strings.Fields(tt.name) {
				ws = append(ws, string(tn.Text([]byte(w)).Canonical))
			}
			want2 := strings.Join(ws, " ")
			// The row's encoding as its addresses show it is the name's
			// hint, as the pipeline passes it.
			hint := EncodingNone
			for _, a := range cols[2:4] {
				if e := n.Text([]byte(a[i])).Encoding; hint == EncodingNone {
					hint = e
				}
			}
			alone := n.Text([]byte(cols[1][i]))
			if (alone.Encoding.String() == tt.enc || alone.Encoding == EncodingNone) &&
				(legacyNameMatches(string(alone.Canonical), want, tt.corr) || legacyNameMatches(string(alone.Canonical), want2, tt.corr)) {
				namesAlone++
			}
			got := n.TextHint([]byte(cols[1][i]), hint)
			// A name the encoding leaves as valid text of its own (no
			// letter it changes, or Phuù that is also plain phù) counts as
			// decoded when it reads as the true name.
			if (got.Encoding.String() == tt.enc || got.Encoding == EncodingNone) && (legacyNameMatches(string(got.Canonical), want, tt.corr) || legacyNameMatches(string(got.Canonical), want2, tt.corr)) {
				namesOK++
				if got.Encoding.String() == tt.enc {
					namesDetected++
				}
			} else {
				for _, l := range strings.Split(tt.corr, ";") {
					if strings.HasPrefix(l, "name_") {
						failByLabel[l]++
					}
				}
				if testing.Verbose() && shown < 60 {
					shown++
					t.Logf("name %q (%s, %s): got %q (%s), true %q", cols[1][i], tt.enc, tt.corr, got.Canonical, got.Encoding, want)
				}
			}
			for k, ward := range []string{tt.pw, tt.cw} {
				s := cols[2+k][i]
				if s == "" {
					continue
				}
				addrs++
				at := n.TextHint([]byte(s), got.Encoding)
				// An address with no letter the encoding changes reads
				// the same in every encoding: nothing to detect.
				wardOK := false
				if ward != "" {
					a := p.Parse(at.Canonical)
					buf = AppendCode(buf[:0], a.NewWard, WardDigits)
					wardOK = string(buf) == ward
				}
				// Nor does one whose letters all read the same (VNI Bình
				// is Bình) and that resolves to its ward.
				if at.Encoding.String() == tt.enc || !hasNonASCII(s) || at.Encoding == EncodingNone && wardOK {
					addrsEnc++
				} else if testing.Verbose() && shownA < 30 {
					shownA++
					t.Logf("address %q (%s): got %q (%s)", s, tt.enc, at.Canonical, at.Encoding)
				}
				if ward != "" {
					addrsWardN++
					if wardOK {
						addrsWard++
					}
				}
			}
		}
	}
	if names == 0 {
		t.Fatal("no legacy-encoded records read")
	}
	t.Logf("legacy names %d: decoded to the true name %d (%.2f%%), of which %d with the encoding detected; failures by label %v",
		names, namesOK, 100*float64(namesOK)/float64(names), namesDetected, failByLabel)
	t.Logf("legacy names decoded by Text alone, without the addresses' encoding as hint: %d (%.2f%%)", namesAlone, 100*float64(namesAlone)/float64(names))
	t.Logf("legacy addresses %d: encoding detected %d (%.2f%%); 2025 ward right %.2f%% of %d", addrs, addrsEnc, 100*float64(addrsEnc)/float64(addrs), 100*float64(addrsWard)/float64(addrsWardN), addrsWardN)
	if namesOK != names {
		t.Errorf("%d legacy names not decoded to the true name", names-namesOK)
	}
	if addrsEnc != addrs {
		t.Errorf("%d legacy addresses not detected", addrs-addrsEnc)
	}
}

func hasNonASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// legacyNameMatches reports whether canonical got is the true name want
// (canonical) as the record's corruption labels corr may have changed it.
func legacyNameMatches(got, want, corr string) bool {
	if got == want {
		return true
	}
	for _, r := range got {
		if r >= utf8.RuneSelf && (r >= foldLimit || letterTab[r].base == 0) {
			return false // mojibake left
		}
	}
	has := func(l string) bool { return strings.Contains(";"+corr+";", ";"+l+";") }
	wt := strings.Fields(want)
	used := make([]bool, len(wt))
	slack := 0
	for _, l := range []string{"name_typo", "name_telex", "name_regional_variant"} {
		if has(l) {
			slack++
		}
	}
	// Initials first (onto the middle words), then exact words, then the
	// words a typo, Telex or a variant changed.
	gt := strings.Fields(got)
	done := make([]bool, len(gt))
	for i, g := range gt {
		// The initial of an abbreviated middle name, with a typo maybe
		// (".V", "QQ.", "O.").
		if done[i] || !has("name_middle_abbrev") || !strings.Contains(g, ".") || utf8.RuneCountInString(g) > 3 {
			continue
		}
		// The middle word with that initial, or the middle word.
		best := -1
		for k, w := range wt {
			if used[k] {
				continue
			}
			mid := k > 0 && k < len(wt)-1
			if mid && strings.HasPrefix(g, w[:1]) {
				best = k
				break
			}
			if mid && best < 0 {
				best = k
			}
		}
		if best >= 0 {
			used[best], done[i] = true, true
		}
	}
	for i, g := range gt {
		for k := len(wt) - 1; k >= 0; k-- { // from the given name: Anh A. Anh
			if w := wt[k]; !used[k] && g == w {
				used[k], done[i] = true, true
				break
			}
		}
	}
	limit := 3
	if has("name_telex") {
		limit += 3 // Telex keys and a typo in the same word
	}
	var odd []string
	for i, g := range gt {
		if !done[i] {
			odd = append(odd, g)
		}
	}
	if len(odd) > slack {
		return false
	}
	for _, g := range odd {
		near := false
		for k, w := range wt {
			if !used[k] && (has("name_regional_variant") || runeDistance(AppendFold(nil, []byte(g)), AppendFold(nil, []byte(w))) <= limit) {
				near, used[k] = true, true
				break
			}
		}
		if !near {
			return false
		}
	}
	return true
}

// runeDistance is the Levenshtein distance of two byte strings.
func runeDistance(a, b []byte) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			c = min(c, prev[j]+1, cur[j-1]+1)
			cur[j] = c
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
