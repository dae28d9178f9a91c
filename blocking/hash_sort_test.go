package blocking

import (
	"math/rand/v2"
	"testing"
)

func TestHashProperties(t *testing.T) {
	if HashBytes(nil) != 0 || HashBytes([]byte{}) != 0 {
		t.Fatal("empty key must hash to 0 (null)")
	}
	// Parts are length-delimited and typed.
	a := NewHasher().String("ab").String("c").Sum()
	b := NewHasher().String("a").String("bc").Sum()
	c := NewHasher().String("abc").Sum()
	if a == b || a == c || b == c {
		t.Fatal("part boundaries must change the key")
	}
	if NewHasher().String("x\x00").Sum() == NewHasher().String("x").Sum() {
		t.Fatal("trailing NUL must change the key")
	}
	if NewHasher().Uint64(0).Sum() == NewHasher().Sum() {
		t.Fatal("a zero integer part must change the key")
	}
	// Bytes and String agree; no key is 0; few collisions on similar inputs.
	seen := map[uint64]string{}
	rng := rand.New(rand.NewPCG(9, 9))
	buf := make([]byte, 0, 40)
	for i := 0; i < 200000; i++ {
		buf = buf[:0]
		for j, l := 0, rng.IntN(30); j < l; j++ {
			buf = append(buf, byte('a'+rng.IntN(3)))
		}
		h := NewHasher().Bytes(buf).Uint64(uint64(i % 7)).Sum()
		if h != NewHasher().String(string(buf)).Uint64(uint64(i%7)).Sum() {
			t.Fatalf("Bytes and String differ on %q", buf)
		}
		if h == 0 {
			t.Fatal("Sum returned 0")
		}
		k := string(buf) + "|" + string(rune('0'+i%7))
		if prev, ok := seen[h]; ok && prev != k {
			t.Fatalf("collision between %q and %q", prev, k)
		}
		seen[h] = k
	}
}

// TestHashGolden pins the hash: keys must not change between versions, or
// saved plans and incremental runs would disagree.
func TestHashGolden(t *testing.T) {
	f := func(got, want uint64) {
		t.Helper()
		if got != want {
			t.Fatalf("got %#x, want %#x", got, want)
		}
	}
	f(HashBytes([]byte("nguyen van anh")), 0xbf30ad1d751084dd)
	f(NewHasher().String("nguyen").Uint64(19900101).Sum(), 0x21f41e4dcfdf411)
	f(NewHasher().Sum(), 0x5f80708adb6c5a9)
}

func TestHashAllocs(t *testing.T) {
	name := []byte("nguyen thi thu thuy")
	if n := testing.AllocsPerRun(100, func() {
		_ = NewHasher().Bytes(name).String("79").Uint64(19900101).Sum()
	}); n != 0 {
		t.Fatalf("%v allocs per key", n)
	}
}
