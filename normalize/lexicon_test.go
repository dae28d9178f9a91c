package normalize

import "testing"

// TestLexLookup checks lexTable against the lexicon map it is built from:
// every word with its flags, and near-misses absent from the map absent
// from the table too.
func TestLexLookup(t *testing.T) {
	knownWords(nil) // builds the lexicon
	if len(lexicon) == 0 {
		t.Fatal("empty lexicon")
	}
	for w, f := range lexicon {
		if got := lexLookup([]byte(w)); got != f {
			t.Fatalf("lexLookup(%q) = %d; want %d", w, got, f)
		}
		for _, miss := range []string{w + "q", "z" + w, w[1:]} {
			if got := lexLookup([]byte(miss)); got != lexicon[miss] {
				t.Fatalf("lexLookup(%q) = %d; want %d", miss, got, lexicon[miss])
			}
		}
	}
}
