package normalize

// tokenizeNameQuick is tokenizeName for the names almost every register
// holds: letters of quickASCII and quickTab (ASCII and the precomposed
// Vietnamese letters), words apart by spaces or hyphens, nothing else. It
// gives up (ok false, toks as given) on any other byte (brackets, dots,
// apostrophes, digits, another rune, invalid UTF-8), where tokenizeName's
// general path runs. For what it takes it returns the general path's
// tokens exactly, no flag added (TestTokenizeNameQuick, FuzzTokenizeName):
// quickTab holds a letter exactly where letterTab has a base, and marks it
// a vowel as vnIsVowel does. It reads each letter with one table lookup and
// calls nothing: the general loop decodes each rune and asks several
// questions of it.
func tokenizeNameQuick(toks []nameToken, s []byte) (out []nameToken, ok bool) {
	n0 := len(toks)
	start := -1
	var vowel uint8 // bit 7: the open token has a vowel
	for i := 0; i < len(s); {
		c := s[i]
		// v: the letter's quickASCII value (0: not a letter of the fast
		// path), size its length in bytes.
		var v uint8
		size := 1
		switch {
		case c < 0x80:
			if c == ' ' || c == '-' {
				if start >= 0 {
					toks = append(toks, nameToken{start: start, end: i, abbrev: vowel == 0})
					start = -1
				}
				i++
				continue
			}
			v = quickASCII[c]
		case c-0xC3 < 4 && i+1 < len(s) && s[i+1]&0xC0 == 0x80:
			v, size = quickTab[int(c-0xC3)<<6|int(s[i+1]&0x3F)].letter(), 2
		case c == 0xE1 && i+2 < len(s) && s[i+1]-0xBA < 2 && s[i+2]&0xC0 == 0x80:
			v, size = quickTab[256+(int(s[i+1]-0xBA)<<6|int(s[i+2]&0x3F))].letter(), 3
		}
		if v == 0 {
			return toks[:n0], false
		}
		if start < 0 {
			start, vowel = i, 0
		}
		vowel |= v & 0x80
		i += size
	}
	if start >= 0 {
		toks = append(toks, nameToken{start: start, end: len(s), abbrev: vowel == 0})
	}
	return toks, true
}
