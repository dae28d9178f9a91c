package gen

import (
	"context"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dedup-vn/dedup/refdata"
)

var update = flag.Bool("update", false, "rewrite testdata/gen/seed1-50k.sha256 (never the legacy digest)")

// fileDigest is the SHA-256 of a file's bytes, or for Parquet of its
// decoded contents (column names and values in order): arrow-go writes a
// column chunk's page encoding stats from a map, so a chunk whose
// dictionary fell back to plain pages gets its footer bytes in a random
// order run to run (also before the 100M fixes).
func fileDigest(t *testing.T, path string) [32]byte {
	t.Helper()
	if !strings.HasSuffix(path, ".parquet") {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	tb := readParquet(t, path)
	cols := make([]string, 0, len(tb))
	for c := range tb {
		cols = append(cols, c)
	}
	slices.Sort(cols)
	h := sha256.New()
	for _, c := range cols {
		fmt.Fprintf(h, "%s\x00%d\x00", c, len(tb[c]))
		for _, v := range tb[c] {
			fmt.Fprintf(h, "%d:%s", len(v), v)
		}
	}
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// digestDir returns "sha256  relpath" lines of every file under dir.
func digestDir(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		lines = append(lines, fmt.Sprintf("%x  %s", fileDigest(t, p), filepath.ToSlash(rel)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(lines, func(a, b string) int { return strings.Compare(a[66:], b[66:]) })
	return strings.Join(lines, "\n") + "\n"
}

// compareDigests reports every file whose digest differs from the golden.
func compareDigests(t *testing.T, got, golden string) {
	t.Helper()
	want := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(golden), "\n") {
		want[l[66:]] = l[:64]
	}
	n := 0
	for _, l := range strings.Split(strings.TrimSpace(got), "\n") {
		h, ok := want[l[66:]]
		switch {
		case !ok:
			t.Errorf("%s: not in the golden digest", l[66:])
		case h != l[:64]:
			t.Errorf("%s: bytes differ from the golden digest", l[66:])
		}
		delete(want, l[66:])
		n++
	}
	for f := range want {
		t.Errorf("%s: missing", f)
	}
	if n < 70 {
		t.Fatalf("only %d files", n)
	}
}

// legacyCMND3Tables returns tables where the provinces with 3-digit CMND
// prefixes borrow a 2-digit one, as before they were read: the only
// deliberate change to registers of up to 2,048,000 persons.
func legacyCMND3Tables(t *testing.T) *tables {
	t.Helper()
	tb, err := buildTables(refdata.Get())
	if err != nil {
		t.Fatal(err)
	}
	group := map[string]int{}
	for i := range tb.provs {
		if tb.cmndGroups[tb.provs[i].cmndGroup].legacy {
			group[tb.provs[i].cmnd] = tb.provs[i].cmndGroup
		}
	}
	n := 0
	for i := range tb.provs {
		pi := &tb.provs[i]
		if tb.cmndGroups[pi.cmndGroup].legacy {
			continue
		}
		n++
		pi.cmnd = tb.cmndPrefs[i%len(tb.cmndPrefs)]
		g, ok := group[pi.cmnd]
		if !ok {
			g = len(tb.cmndGroups)
			group[pi.cmnd] = g
			tb.cmndGroups = append(tb.cmndGroups, cmndGroup{legacy: true})
		}
		pi.cmndGroup = g
	}
	if n != 4 {
		t.Fatalf("%d provinces with 3-digit CMND prefixes, want 4", n)
	}
	// The generator then also wrote the numeric codes 1 and 0 as genders.
	tb.maleForms = []string{"nam", "NAM", "M", "Nam giới", "1"}
	tb.femaleForms = []string{"nữ", "NỮ", "F", "Nu", "nu", "0"}
	return tb
}

// TestBytesBeforeTheFixes: `dedup gen --people 50000 --seed 1` made with
// the 3-digit CMND prefixes turned back gives exactly the files of the
// generator before the 100M fixes (digests taken from it), so phones and
// CMND serials of small registers did not move (and the numeric gender
// codes, since dropped, are the only other change); the current output is
// pinned by its own golden digest.
func TestBytesBeforeTheFixes(t *testing.T) {
	if testing.Short() {
		t.Skip("generates 2 × 50,000 persons")
	}
	dir := t.TempDir()
	if _, err := generate(context.Background(), Options{People: 50000, Seed: 1, Workers: 2, OutDir: dir, Quiet: true}, legacyCMND3Tables(t)); err != nil {
		t.Fatal(err)
	}
	legacyGot := digestDir(t, dir)

	dir = t.TempDir()
	if _, err := Generate(context.Background(), Options{People: 50000, Seed: 1, Workers: 2, OutDir: dir, Quiet: true}); err != nil {
		t.Fatal(err)
	}
	got := digestDir(t, dir)
	const golden = "../testdata/gen/seed1-50k.sha256"
	if *update {
		if dir := os.Getenv("GEN_LEGACY_DIR"); dir != "" {
			// The output of the generator before the fixes.
			if err := os.WriteFile("../testdata/gen/legacy-seed1-50k.sha256", []byte(digestDir(t, dir)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	legacy, err := os.ReadFile("../testdata/gen/legacy-seed1-50k.sha256")
	if err != nil {
		t.Fatal(err)
	}
	compareDigests(t, legacyGot, string(legacy))
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	compareDigests(t, got, string(want))
}

// TestCMNDPrefixes: the 3-digit provinces use their own prefixes (the
// first generator lent them another province's), and the prefix sets
// that keep CMNDs apart are disjoint.
func TestCMNDPrefixes(t *testing.T) {
	tb, err := getTables()
	if err != nil {
		t.Fatal(err)
	}
	own := map[string][]string{}
	legacy2 := map[string]bool{}
	for i := range tb.provs {
		g := tb.cmndGroups[tb.provs[i].cmndGroup]
		if g.legacy {
			if len(tb.provs[i].cmnd) != 2 || len(g.static) != 0 {
				t.Errorf("province %s: legacy group with prefix %q and %d blocks", tb.provs[i].p.Code, tb.provs[i].cmnd, len(g.static))
			}
			legacy2[tb.provs[i].cmnd] = true
			continue
		}
		for _, s := range g.static {
			own[tb.provs[i].p.Name] = append(own[tb.provs[i].p.Name], tb.cmndPrefixes[s])
		}
	}
	for name, want := range map[string][]string{
		"Bắc Kạn":    {"095", "090", "091", "092", "093", "094", "096", "097", "098", "099"},
		"Gia Lai":    {"230", "231", "232", "233", "234", "235", "236", "237", "238", "239"},
		"Bình Dương": {"280", "281", "282", "283", "284"},
		"Bình Phước": {"285", "286", "287", "288", "289"},
	} {
		if !slices.Equal(own[name], want) {
			t.Errorf("%s: CMND blocks %v, want %v", name, own[name], want)
		}
	}
	if len(own) != 4 {
		t.Errorf("%d provinces with 3-digit prefixes: %v", len(own), own)
	}
	owner := map[string]string{}
	claim := func(p, who string) {
		for q, o := range owner {
			if strings.HasPrefix(p, q) || strings.HasPrefix(q, p) {
				t.Errorf("prefix %s of %s overlaps %s of %s", p, who, q, o)
			}
		}
		owner[p] = who
	}
	for p := range legacy2 {
		claim(p, "legacy")
	}
	for name, ps := range own {
		for _, p := range ps {
			claim(p, name)
		}
	}
	for _, i := range tb.cmndPool {
		claim(tb.cmndPrefixes[i], "pool")
	}
	if len(tb.cmndPool) < 60 {
		t.Errorf("pool of %d prefixes", len(tb.cmndPool))
	}
}

// TestCMNDAllocator: ranked serials follow one another within a block
// that only one group ever gets, so (prefix, serial) pairs never repeat;
// with small blocks the run walks through static blocks and the pool and
// ends with errCMNDSpace rather than a repeat.
func TestCMNDAllocator(t *testing.T) {
	tb, err := getTables()
	if err != nil {
		t.Fatal(err)
	}
	a := newCMNDAlloc(tb)
	for i := range a.block {
		a.block[i] = 1000
	}
	owner := map[int16]int{}
	next := map[int16]uint32{}
	provs := len(tb.provs)
	var c core
	var n int64
	for idx := int64(cmndLegacyPersons - 500); ; idx++ {
		c.birthProv = int16(splitmix(uint64(idx)) % uint64(provs))
		err := a.assign(&c, idx)
		if errors.Is(err, errCMNDSpace) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		g := tb.provs[c.birthProv].cmndGroup
		if c.cmndPre < 0 {
			if idx >= cmndLegacyPersons || !tb.cmndGroups[g].legacy {
				t.Fatalf("person %d: legacy CMND", idx)
			}
			continue
		}
		if o, ok := owner[c.cmndPre]; ok && o != g {
			t.Fatalf("block %s given to groups %d and %d", tb.cmndPrefixes[c.cmndPre], o, g)
		}
		owner[c.cmndPre] = g
		if c.cmndSer != next[c.cmndPre] || c.cmndSer >= a.block[c.cmndPre] {
			t.Fatalf("block %s: serial %d, want %d", tb.cmndPrefixes[c.cmndPre], c.cmndSer, next[c.cmndPre])
		}
		next[c.cmndPre]++
		n++
	}
	// The space runs out when the pool does (the 3-digit provinces may
	// keep unused blocks of their own; each group may leave its last
	// block part full).
	pool := 0
	for _, p := range tb.cmndPool {
		if _, ok := owner[p]; ok {
			pool++
		}
	}
	if pool != len(tb.cmndPool) || n < int64(pool-len(tb.cmndGroups))*1000 {
		t.Errorf("space ran out with %d of %d pool blocks used, %d ranked serials", pool, len(tb.cmndPool), n)
	}
}

// cmndValue reads a CMND as a number.
func cmndValue(b *[9]byte) uint64 {
	var v uint64
	for _, d := range b {
		v = v*10 + uint64(d-'0')
	}
	return v
}

// TestCMNDUniqueAt100M maps persons spread over [0, 110M) to CMND
// numbers with the real block sizes: legacy persons (every 3rd below 10^7
// and all of them around the 10^7 boundary) and 3M ranked persons drawn
// with the register's province weights, as the dispatcher numbers them.
// No two numbers are equal. The ranked run is a stretch of a 100M run's
// persons; the allocator test covers the block changes.
func TestCMNDUniqueAt100M(t *testing.T) {
	tb, err := getTables()
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(tb, mustProfile(t, "default"), 1)
	a := newCMNDAlloc(tb)
	for i := range a.block {
		a.block[i] = min(a.block[i], 100_000) // walk into the pool
	}
	seedPerson(&w.pcg, 1, 0, 9)
	var nums []uint64
	var num [9]byte
	var c core
	add := func(idx int64) {
		c.birthProv = int16(tb.provPick.pick(w.r))
		if err := a.assign(&c, idx); err != nil {
			t.Fatal(err)
		}
		w.makeCMND(&num, int(c.birthProv), idx, &c)
		nums = append(nums, cmndValue(&num))
	}
	for idx := int64(0); idx < cmndLegacyPersons-200_000; idx += 3 {
		add(idx)
	}
	for idx := int64(cmndLegacyPersons - 200_000); idx < cmndLegacyPersons+3_000_000; idx++ {
		add(idx)
	}
	for idx := int64(100_000_000); idx < 110_000_000; idx += 1000 {
		add(idx)
	}
	slices.Sort(nums)
	for i := 1; i < len(nums); i++ {
		if nums[i] == nums[i-1] {
			t.Fatalf("CMND %d given twice among %d persons", i, len(nums))
		}
	}
	pool := 0
	for _, p := range a.cur {
		if p >= 0 && slices.Contains(tb.cmndPool, p) {
			pool++
		}
	}
	if pool == 0 {
		t.Error("no group reached the pool")
	}
}

// TestPermNBijection: permN is a bijection of [0, n) for the CMND block
// sizes (10^6 and 10^7) and the legacy phone range, checked whole.
func TestPermNBijection(t *testing.T) {
	for _, n := range []uint64{1_000_000, 10_000_000} {
		seen := make([]uint64, (n+63)/64)
		for x := uint64(0); x < n; x++ {
			y := permN(0x636d6e64^n, x, n)
			if y >= n || seen[y/64]&(1<<(y%64)) != 0 {
				t.Fatalf("n=%d: permN(%d) = %d out of range or repeated", n, x, y)
			}
			seen[y/64] |= 1 << (y % 64)
		}
	}
}

// phoneValue reads a 10-digit number.
func phoneValue(b *[10]byte) uint64 {
	var v uint64
	for _, d := range b {
		v = v*10 + uint64(d-'0')
	}
	return v
}

// TestPhoneNumbersUnique: for registers of 10M, 100M and 250M persons,
// the blocks of the per-chunk numbering fit in each carrier's real
// sequences above the legacy ones; a few chunks (the first after the
// legacy ones, the last) then fill every block through phoneNumber,
// spilling to other carriers, until it reports the chunk full; with the
// legacy numbers (every 11th sequence and all near the boundary) none
// repeats, and no made-up number of those chunks is any of them.
func TestPhoneNumbersUnique(t *testing.T) {
	tb, err := getTables()
	if err != nil {
		t.Fatal(err)
	}
	w := newWorker(tb, mustProfile(t, "default"), 1)
	var num [10]byte
	var legacy []uint64
	for c := range tb.carriers {
		for q := uint64(0); q < phoneLegacySeqs; q++ {
			if q%11 == 0 || q >= phoneLegacySeqs-2000 {
				w.numberAt(&num, c, q)
				legacy = append(legacy, phoneValue(&num))
			}
		}
	}
	// The legacy path is the first generator's sequence 3*idx+j.
	w.chunk = phoneLegacyChunks - 1
	idx := int64(phoneLegacyChunks*ChunkSize - 1)
	if _, ok := w.phoneNumber(&num, 2, idx, 2); !ok {
		t.Fatal("legacy phone refused")
	}
	var want [10]byte
	w.numberAt(&want, 2, uint64(idx)*3+2)
	if num != want {
		t.Fatal("last legacy phone is not sequence 3*idx+j")
	}
	for _, persons := range []int64{10_000_000, 100_000_000, 250_000_000} {
		real := slices.Clone(legacy)
		var fakes []uint64
		w.nChunks = (persons + ChunkSize - 1) / ChunkSize
		w.phoneBlocks()
		var room uint64
		for c := range tb.carriers {
			_, realCap := w.carrierSpace(c)
			b := w.phoneB[c]
			if b == 0 || phoneLegacySeqs+uint64(w.nChunks-phoneLegacyChunks)*b > realCap {
				t.Fatalf("%d persons, %s: blocks of %d do not fit", persons, tb.carriers[c].Name, b)
			}
			room += b
		}
		// A chunk of 8192 persons has about 8,600 phones, at most 24,576:
		// up to 100M persons even that fits.
		if room < 3*ChunkSize && persons <= 100_000_000 || room < 9000 {
			t.Errorf("%d persons: blocks hold %d phones a chunk", persons, room)
		}
		for _, ci := range []int64{phoneLegacyChunks, phoneLegacyChunks + 1, w.nChunks - 1} {
			w.chunk = ci
			w.phoneK = make([]uint64, len(tb.carriers))
			w.fakeK = make([]uint64, len(tb.carriers))
			n := uint64(0)
			for k := 0; ; k++ {
				c := len(tb.carriers) - 1 - k%2 // the smallest carriers: they spill first
				if _, ok := w.phoneNumber(&num, c, ci*ChunkSize, 0); !ok {
					break
				}
				real = append(real, phoneValue(&num))
				n++
			}
			if n != room {
				t.Fatalf("%d persons, chunk %d: %d phones placed, blocks hold %d", persons, ci, n, room)
			}
			for c := range tb.carriers {
				for k := 0; k < 20; k++ {
					w.fakeNumber(&num, c)
					fakes = append(fakes, phoneValue(&num))
				}
			}
		}
		slices.Sort(real)
		for i := 1; i < len(real); i++ {
			if real[i] == real[i-1] {
				t.Fatalf("%d persons: a number given to two phones", persons)
			}
		}
		for _, f := range fakes {
			if _, found := slices.BinarySearch(real, f); found {
				t.Fatalf("%d persons: a made-up number is a real phone's number", persons)
			}
		}
		t.Logf("%d persons: %d real numbers, %d made-up", persons, len(real), len(fakes))
	}
}
