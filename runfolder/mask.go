package runfolder

import "unicode/utf8"

// MaskKeep is the number of trailing digits Mask leaves readable: enough
// for a reviewer to tell two numbers apart, too few to identify a person.
const MaskKeep = 3

// Mask hides an ID number or phone number: every letter or digit but the
// last MaskKeep becomes '•'; separators (spaces, '+', '-', '.') stay so the
// shape of the number is still visible.
func Mask(s string) string {
	return string(AppendMask(nil, s))
}

// AppendMask appends the masked form of s to dst (see Mask).
func AppendMask(dst []byte, s string) []byte {
	keep := 0
	for i := len(s) - 1; i >= 0 && keep < MaskKeep; i-- {
		if isAlnum(s[i]) {
			keep++
		}
	}
	// alnum counts how many letters/digits precede the readable tail.
	alnum := 0
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) {
			alnum++
		}
	}
	hide := alnum - keep
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf {
			// Non-ASCII bytes in an ID are noise: hide the whole rune.
			_, size := utf8.DecodeRuneInString(s[i:])
			dst = append(dst, "•"...)
			i += size
			continue
		}
		if isAlnum(c) && hide > 0 {
			dst = append(dst, "•"...)
			hide--
		} else {
			dst = append(dst, c)
		}
		i++
	}
	return dst
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
