package blocking

import (
	"encoding/binary"
	"math/bits"
)

// Hash constants (wyhash's primes). The hash is seedless and fixed on
// purpose: keys must be identical across processes and machines so that plans,
// statistics and incremental runs agree. hash/maphash is unusable here because
// its seed changes per process.
const (
	hashSeed uint64 = 0xa0761d6478bd642f
	hashMul  uint64 = 0xe7037ed1a0b428db
	hashLen  uint64 = 0x8ebc6af09c88c6e3
)

// nullReplacement is what Sum returns in the one case where the mixed value is
// 0, so that a real key never collides with the null key.
const nullReplacement uint64 = 0x589965cc75374cc3

// Hasher accumulates the parts of a blocking key. It is a plain value: copy
// it, chain it, keep it on the stack; it never allocates.
//
//	key := blocking.NewHasher().Bytes(foldedSurname).Uint64(packedDOB).Sum()
//
// Each part is length-delimited, so ("ab", "c") and ("a", "bc") differ.
type Hasher uint64

// NewHasher returns an empty Hasher.
func NewHasher() Hasher { return Hasher(hashSeed) }

// mix multiplies a and b into 128 bits and folds the halves (wyhash's mum).
func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// Bytes adds a byte string part.
func (h Hasher) Bytes(b []byte) Hasher {
	x := mix(uint64(h)^uint64(len(b))^hashLen, hashMul)
	for len(b) >= 8 {
		x = mix(x^binary.LittleEndian.Uint64(b), hashMul)
		b = b[8:]
	}
	if len(b) > 0 {
		var v uint64
		for i, c := range b {
			v |= uint64(c) << (8 * uint(i))
		}
		// The 0x80 marker after the tail keeps a trailing NUL byte distinct.
		v |= 0x80 << (8 * uint(len(b)))
		x = mix(x^v, hashMul)
	}
	return Hasher(x)
}

// String adds a string part; it hashes exactly as Bytes([]byte(s)).
func (h Hasher) String(s string) Hasher {
	x := mix(uint64(h)^uint64(len(s))^hashLen, hashMul)
	for len(s) >= 8 {
		x = mix(x^le64s(s), hashMul)
		s = s[8:]
	}
	if len(s) > 0 {
		var v uint64
		for i := 0; i < len(s); i++ {
			v |= uint64(s[i]) << (8 * uint(i))
		}
		v |= 0x80 << (8 * uint(len(s)))
		x = mix(x^v, hashMul)
	}
	return Hasher(x)
}

// Uint64 adds an integer part (a packed date, a province code, a year).
// Integer parts are tagged so that Uint64(v) never equals a Bytes part.
func (h Hasher) Uint64(v uint64) Hasher {
	x := mix(uint64(h)^0x9e3779b97f4a7c15, hashMul)
	return Hasher(mix(x^v, hashMul))
}

// Sum finalizes the key with a full avalanche (murmur3's fmix64). It never
// returns 0, which is reserved for "no key".
func (h Hasher) Sum() uint64 {
	x := uint64(h)
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	if x == 0 {
		return nullReplacement
	}
	return x
}

// HashBytes is the one-part key of b: 0 when b is empty (a null part), never 0
// otherwise.
func HashBytes(b []byte) uint64 {
	if len(b) == 0 {
		return 0
	}
	return NewHasher().Bytes(b).Sum()
}

// le64s reads 8 bytes of s little-endian without converting s to []byte.
func le64s(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
