package state

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unsafe"
)

// The on-disk format (version 2); see the package doc and ARCHITECTURE.md.
const (
	FormatName = "dedup-state"
	Version    = 2

	fileCurrent = "CURRENT"
	fileLock    = "LOCK"
	fileState   = "state.json"
	fileRecords = "records.bin"
	fileKeys    = "keys.bin"
	filePairs   = "pairs.bin"
	filePersons = "persons.bin"
	fileCapped  = "capped.bin"
	fileModel   = "model.json"
	fileFreqs   = "model.freq"
	workDir     = "work"
	genPrefix   = "gen-"
	rawPrefix   = "raw-"
	partialExt  = ".partial"

	magicRecords = "dedup-state records 2\n"
	magicKeys    = "dedup-state keys 2\n"
	magicPairs   = "dedup-state pairs 2\n"
	magicPersons = "dedup-state persons 2\n"
	magicCapped  = "dedup-state capped 2\n"
)

// genName is the folder of night n's generation.
func genName(night int) string { return fmt.Sprintf("%s%06d", genPrefix, night) }

// rawName is the raw segment night n wrote.
func rawName(night int) string { return fmt.Sprintf("%s%06d.bin", rawPrefix, night) }

// meta is a generation's state.json.
type meta struct {
	Format       string  `json:"format"`
	Version      int     `json:"version"`
	Night        int     `json:"night"`
	ConfigDigest string  `json:"config_digest"`
	Threshold    float64 `json:"threshold_match_weight"`
	NextPerson   uint64  `json:"next_person"`
	Records      int64   `json:"records"`
	Pairs        int64   `json:"pairs"`
	Persons      int64   `json:"persons"`
	Rules        int     `json:"blocking_rules"`
	// Config is the night's config as its digest reads it (config.YAML):
	// how the register was normalized and keyed, for `dedup link
	// --register`. Generations written before it was kept lack it.
	Config string `json:"config,omitempty"`
	// Files are the tables and model, each with its size and SHA-256;
	// Segments the raw segments, with their sizes (each record holds its
	// own checksum: a night reads only the records it re-scores).
	Files    []sum `json:"files"`
	Segments []sum `json:"segments"`
}

// sum is one file of a generation, its size and SHA-256.
type sum struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256,omitempty"`
}

// generation is one night's state in memory. records, hashes, person,
// loc and every keys[k] are parallel, sorted by record key.
type generation struct {
	dir     string // its folder
	meta    meta
	records []Key // sorted
	hashes  []uint64
	person  []uint64 // person number (its ID's counter)
	loc     []rawLoc
	keys    [][]uint64 // per blocking rule, the record's key (0: none)
	// The accepted pairs: records by index (left < right), weights;
	// sorted by (left, right).
	pairL, pairR []uint32
	pairW        []float64
	reg          Registry
	// noPairs skips the pairs table on read: a reader (state.Open) that
	// does not use them (its size is checked all the same).
	noPairs bool
	// capped is, per rule, the size of each block larger than
	// blocking.max_block_size (capped with a window).
	capped []map[uint64]int32
}

// ErrConfigMismatch is wrapped by the error of a state written with another
// config.
var ErrConfigMismatch = errors.New("the state was written with another config")

// ErrDamaged is wrapped by the error of a state that is truncated, altered
// or not a state.
var ErrDamaged = errors.New("damaged state")

func damaged(dir, format string, args ...any) error {
	return fmt.Errorf("state %s: %s: %w (restore the folder from a backup, or start a new state with a full run)",
		dir, fmt.Sprintf(format, args...), ErrDamaged)
}

// current reads dir's pointer: the generation folder it names and the
// SHA-256 of its state.json. ok is false for a folder with no pointer
// (an empty state, or a first night that never finished).
func current(dir string) (gen, digest string, ok bool, err error) {
	data, err := os.ReadFile(filepath.Join(dir, fileCurrent))
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, fmt.Errorf("state %s: cannot read %s: %w", dir, fileCurrent, err)
	}
	f := strings.Fields(string(data))
	if len(f) != 4 || f[0] != FormatName || !strings.HasSuffix(string(data), "\n") {
		return "", "", false, damaged(dir, "%s is not a state pointer", fileCurrent)
	}
	if v, err := strconv.Atoi(f[1]); err != nil || v != Version {
		return "", "", false, fmt.Errorf("state %s: format version %s; this dedup reads version %d", dir, f[1], Version)
	}
	if !strings.HasPrefix(f[2], genPrefix) || strings.ContainsAny(f[2], `/\`) || len(f[3]) != 64 {
		return "", "", false, damaged(dir, "%s is not a state pointer", fileCurrent)
	}
	return f[2], f[3], true, nil
}

// load checks the generation dir's pointer names and reads its state.json:
// the config digest must be wantDigest (unless empty), every file its recorded size and
// SHA-256. readTables reads its tables.
func load(dir, wantDigest string) (*generation, error) {
	name, digest, ok, err := current(dir)
	if err != nil || !ok {
		return nil, err
	}
	g := &generation{dir: filepath.Join(dir, name)}
	raw, err := os.ReadFile(filepath.Join(g.dir, fileState))
	if err != nil {
		return nil, damaged(dir, "generation %s: cannot read %s: %v", name, fileState, err)
	}
	if sha256Hex(raw) != digest {
		return nil, damaged(dir, "generation %s: %s does not match the pointer's checksum", name, fileState)
	}
	if err := json.Unmarshal(raw, &g.meta); err != nil || g.meta.Format != FormatName {
		return nil, damaged(dir, "generation %s: %s is not a state description", name, fileState)
	}
	if g.meta.Version != Version {
		return nil, fmt.Errorf("state %s: format version %d; this dedup reads version %d", dir, g.meta.Version, Version)
	}
	if wantDigest != "" && g.meta.ConfigDigest != wantDigest {
		return nil, fmt.Errorf("state %s: written with config digest %s, this run's config is %s: %w; "+
			"use the config the state was made with, or start a new state folder", dir, g.meta.ConfigDigest, wantDigest, ErrConfigMismatch)
	}
	want := []string{fileCapped, fileModel, fileKeys, filePairs, filePersons, fileRecords}
	if g.meta.hasFreqs() {
		want = append(want, fileFreqs)
		slices.Sort(want)
	}
	for _, f := range g.meta.Segments {
		if !strings.HasPrefix(f.Name, rawPrefix) || strings.ContainsAny(f.Name, `/\`) {
			return nil, damaged(dir, "generation %s: %s names a segment %q", name, fileState, f.Name)
		}
		st, err := os.Stat(filepath.Join(g.dir, f.Name))
		if err != nil {
			return nil, damaged(dir, "generation %s: cannot read %s: %v", name, f.Name, err)
		}
		if st.Size() != f.Bytes {
			return nil, damaged(dir, "generation %s: %s has %d bytes, state.json records %d", name, f.Name, st.Size(), f.Bytes)
		}
	}
	var have []string
	for _, f := range g.meta.Files {
		have = append(have, f.Name)
		if bigTable(f.Name) {
			// Read whole by readTables, which checks the SHA-256 of the
			// bytes it reads: here only the size (one read, not two).
			st, err := os.Stat(filepath.Join(g.dir, f.Name))
			if err != nil {
				return nil, damaged(dir, "generation %s: cannot read %s: %v", name, f.Name, err)
			}
			if st.Size() != f.Bytes {
				return nil, damaged(dir, "generation %s: %s has %d bytes, state.json records %d", name, f.Name, st.Size(), f.Bytes)
			}
			continue
		}
		n, s, err := fileSum(filepath.Join(g.dir, f.Name))
		if err != nil {
			return nil, damaged(dir, "generation %s: cannot read %s: %v", name, f.Name, err)
		}
		if n != f.Bytes || s != f.SHA256 {
			return nil, damaged(dir, "generation %s: %s has %d bytes and checksum %.12s…, state.json records %d bytes and %.12s…",
				name, f.Name, n, s, f.Bytes, f.SHA256)
		}
	}
	slices.Sort(have)
	if !slices.Equal(have, want) {
		return nil, damaged(dir, "generation %s: files %v, want %v", name, have, want)
	}
	return g, nil
}

// readTables reads the generation's tables that load checked (apart, so
// that a night holds them only after its run's peak).
func (g *generation) readTables(stateDir string) error {
	if err := g.read(); err != nil {
		return damaged(stateDir, "generation %s: %v", filepath.Base(g.dir), err)
	}
	return nil
}

// sha256Hex is the SHA-256 of b in hex.
func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// bigTable says whether a generation's file is one of the tables read
// whole into memory, whose checksum readTables checks as it reads them.
func bigTable(name string) bool {
	return name == fileRecords || name == fileKeys || name == filePairs || name == filePersons
}

// hasFreqs reports whether the generation's model has frozen term
// frequencies (model.freq): a config with term_frequency comparisons.
func (m meta) hasFreqs() bool {
	for _, f := range m.Files {
		if f.Name == fileFreqs {
			return true
		}
	}
	return false
}

// read loads the generation's tables.
func (g *generation) read() error {
	sums := map[string]string{}
	for _, f := range g.meta.Files {
		sums[f.Name] = f.SHA256
	}
	file := func(name, magic string) (*colReader, error) {
		b, err := os.ReadFile(filepath.Join(g.dir, name))
		if err != nil {
			return nil, err
		}
		if bigTable(name) && sha256Hex(b) != sums[name] {
			return nil, fmt.Errorf("%s does not match its checksum in %s", name, fileState)
		}
		return newColReader(b, name, magic), nil
	}
	n := int(g.meta.Records)
	c, err := file(fileRecords, magicRecords)
	if err != nil {
		return err
	}
	var sources []string
	c.readStrings(-1, func(_ int, s []byte) { sources = append(sources, string(s)) })
	src := readColumn[uint16](c, n)
	g.records = make([]Key, n)
	c.readStrings(n, func(i int, s []byte) {
		if int(src[i]) >= len(sources) {
			c.err = fmt.Errorf("%s row %d: source out of range", fileRecords, i+1)
			return
		}
		// The id points into the file's bytes, kept alive by the keys:
		// one allocation for all of them instead of one each.
		g.records[i] = Key{sources[src[i]], unsafe.String(unsafe.SliceData(s), len(s))}
	})
	g.hashes = readColumn[uint64](c, n)
	g.person = readColumn[uint64](c, n)
	seg := readColumn[uint32](c, n)
	ln := readColumn[uint32](c, n)
	off := readColumn[uint64](c, n)
	if err := c.done(); err != nil {
		return err
	}
	g.loc = make([]rawLoc, n)
	for i := range g.loc {
		g.loc[i] = rawLoc{seg: seg[i], len: ln[i], off: off[i]}
		if int(seg[i]) >= len(g.meta.Segments) {
			return fmt.Errorf("%s row %d: segment out of range", fileRecords, i+1)
		}
	}
	if c, err = file(fileKeys, magicKeys); err != nil {
		return err
	}
	g.keys = make([][]uint64, g.meta.Rules)
	for k := range g.keys {
		g.keys[k] = readColumn[uint64](c, n)
	}
	if err := c.done(); err != nil {
		return err
	}
	if !g.noPairs {
		if c, err = file(filePairs, magicPairs); err != nil {
			return err
		}
		np := int(g.meta.Pairs)
		left, right, weight := readColumn[uint32](c, np), readColumn[uint32](c, np), readColumn[float64](c, np)
		if err := c.done(); err != nil {
			return err
		}
		for i := range left {
			if int(left[i]) >= n || int(right[i]) >= n || left[i] >= right[i] {
				return fmt.Errorf("%s row %d: not a pair of records", filePairs, i+1)
			}
		}
		g.pairL, g.pairR, g.pairW = left, right, weight
	}
	if c, err = file(filePersons, magicPersons); err != nil {
		return err
	}
	nr := int(g.meta.Persons)
	created, retired := readColumn[int32](c, nr), readColumn[int32](c, nr)
	status := readColumn[uint8](c, nr)
	split, into, records := readColumn[uint64](c, nr), readColumn[uint64](c, nr), readColumn[int64](c, nr)
	if err := c.done(); err != nil {
		return err
	}
	g.reg.Persons = make([]Person, nr)
	statuses := []string{StatusActive, StatusMerged, StatusRetired}
	for i := range g.reg.Persons {
		if int(status[i]) >= len(statuses) || split[i] > uint64(nr) || into[i] > uint64(nr) {
			return fmt.Errorf("%s row %d: not a registry entry", filePersons, i+1)
		}
		g.reg.Persons[i] = Person{Created: created[i], Retired: retired[i], Status: statuses[status[i]], SplitFrom: split[i], MergedInto: into[i], Records: records[i]}
	}
	if c, err = file(fileCapped, magicCapped); err != nil {
		return err
	}
	g.capped = make([]map[uint64]int32, g.meta.Rules)
	for k := range g.capped {
		keys := readColumn[uint64](c, -1)
		sizes := readColumn[int32](c, len(keys))
		g.capped[k] = make(map[uint64]int32, len(keys))
		for i, key := range keys {
			g.capped[k][key] = sizes[i]
		}
	}
	if err := c.done(); err != nil {
		return err
	}
	g.reg.Next = g.meta.NextPerson
	if g.reg.Next != uint64(len(g.reg.Persons)+1) {
		return fmt.Errorf("%s: next person %d after %d IDs", fileState, g.reg.Next, len(g.reg.Persons))
	}
	for i, p := range g.person {
		if p == 0 || p > uint64(len(g.reg.Persons)) || g.reg.Persons[p-1].Status != StatusActive {
			return fmt.Errorf("%s row %d: its person is not an active ID of the registry", fileRecords, i+1)
		}
	}
	return nil
}

// segmentPaths are the generation's raw segments, by index.
func (g *generation) segmentPaths() []string {
	out := make([]string, len(g.meta.Segments))
	for i, s := range g.meta.Segments {
		out[i] = filepath.Join(g.dir, s.Name)
	}
	return out
}

// write writes g as the generation of night g.meta.Night in stateDir:
// into a ".partial" folder, renamed whole, then the pointer switched by
// rename. modelDir holds the model (and its model.freq); segments are the
// raw segments its records' places index, in order (hard-linked into the
// generation). fault is called at each step (tests kill the process
// there).
func (g *generation) write(stateDir, modelDir string, segments []string, fault func(string)) error {
	name := genName(g.meta.Night)
	final := filepath.Join(stateDir, name)
	tmp := final + partialExt
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.RemoveAll(final); err != nil { // a killed night's, never the pointer's (see clean)
		return err
	}
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		return fmt.Errorf("cannot create the state generation: %w", err)
	}
	files := []string{fileCapped, fileKeys, fileModel, filePairs, filePersons, fileRecords}
	if err := copyFile(filepath.Join(modelDir, fileModel), filepath.Join(tmp, fileModel)); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(modelDir, fileFreqs)); err == nil {
		if err := copyFile(filepath.Join(modelDir, fileFreqs), filepath.Join(tmp, fileFreqs)); err != nil {
			return err
		}
		files = append(files, fileFreqs)
		slices.Sort(files)
	}
	g.meta.Segments = nil
	for _, p := range segments {
		dst := filepath.Join(tmp, filepath.Base(p))
		if _, err := os.Stat(dst); err != nil {
			if err := os.Link(p, dst); err != nil {
				if err := copyFile(p, dst); err != nil {
					return err
				}
			}
		}
		info, err := os.Stat(dst)
		if err != nil {
			return err
		}
		g.meta.Segments = append(g.meta.Segments, sum{Name: filepath.Base(p), Bytes: info.Size()})
	}
	n := len(g.records)
	sums := map[string]sum{}
	// writeSummed is writeAtomic that hashes the bytes as they go out.
	writeSummed := func(name string, write func(w io.Writer) error) error {
		h := sha256.New()
		var size int64
		err := writeAtomic(filepath.Join(tmp, name), func(w io.Writer) error {
			cw := &countWriter{w: io.MultiWriter(w, h)}
			err := write(cw)
			size = cw.n
			return err
		})
		sums[name] = sum{name, size, hex.EncodeToString(h.Sum(nil))}
		return err
	}
	err := writeSummed(fileRecords, func(w io.Writer) error {
		c := newColWriter(w, magicRecords)
		var sources []string
		index := map[string]uint16{}
		src := make([]uint16, n)
		for i, k := range g.records {
			s, ok := index[k.Source]
			if !ok {
				s = uint16(len(sources))
				index[k.Source] = s
				sources = append(sources, k.Source)
			}
			src[i] = s
		}
		c.strings(len(sources), func(i int) string { return sources[i] })
		column(c, src)
		c.strings(n, func(i int) string { return g.records[i].ID })
		column(c, g.hashes)
		column(c, g.person)
		seg, ln, off := make([]uint32, n), make([]uint32, n), make([]uint64, n)
		for i, l := range g.loc {
			seg[i], ln[i], off[i] = l.seg, l.len, l.off
		}
		column(c, seg)
		column(c, ln)
		column(c, off)
		return c.flush()
	})
	if err != nil {
		return err
	}
	fault("state-records")
	err = writeSummed(fileKeys, func(w io.Writer) error {
		c := newColWriter(w, magicKeys)
		for _, k := range g.keys {
			column(c, k)
		}
		return c.flush()
	})
	if err != nil {
		return err
	}
	err = writeSummed(filePairs, func(w io.Writer) error {
		c := newColWriter(w, magicPairs)
		left, right, weight := g.pairL, g.pairR, g.pairW
		column(c, left)
		column(c, right)
		column(c, weight)
		return c.flush()
	})
	if err != nil {
		return err
	}
	err = writeSummed(filePersons, func(w io.Writer) error {
		c := newColWriter(w, magicPersons)
		np := len(g.reg.Persons)
		created, retired, status := make([]int32, np), make([]int32, np), make([]uint8, np)
		split, into, records := make([]uint64, np), make([]uint64, np), make([]int64, np)
		for i, p := range g.reg.Persons {
			created[i], retired[i], split[i], into[i], records[i] = p.Created, p.Retired, p.SplitFrom, p.MergedInto, p.Records
			switch p.Status {
			case StatusMerged:
				status[i] = 1
			case StatusRetired:
				status[i] = 2
			}
		}
		column(c, created)
		column(c, retired)
		column(c, status)
		column(c, split)
		column(c, into)
		column(c, records)
		return c.flush()
	})
	if err != nil {
		return err
	}
	err = writeSummed(fileCapped, func(w io.Writer) error {
		c := newColWriter(w, magicCapped)
		for _, m := range g.capped {
			keys := make([]uint64, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			sizes := make([]int32, len(keys))
			for i, k := range keys {
				sizes[i] = m[k]
			}
			column(c, keys)
			column(c, sizes)
		}
		return c.flush()
	})
	if err != nil {
		return err
	}
	g.meta.Rules = len(g.keys)
	g.meta.Format, g.meta.Version = FormatName, Version
	g.meta.NextPerson = g.reg.Next
	g.meta.Records, g.meta.Pairs, g.meta.Persons = int64(len(g.records)), int64(len(g.pairL)), int64(len(g.reg.Persons))
	g.meta.Files = nil
	for _, f := range files {
		if s, ok := sums[f]; ok {
			g.meta.Files = append(g.meta.Files, s)
			continue
		}
		n, s, err := fileSum(filepath.Join(tmp, f))
		if err != nil {
			return err
		}
		g.meta.Files = append(g.meta.Files, sum{f, n, s})
	}
	raw, err := json.MarshalIndent(g.meta, "", "  ")
	if err != nil {
		return err
	}
	raw = append(raw, '\n')
	if err := writeAtomic(filepath.Join(tmp, fileState), func(w io.Writer) error { _, err := w.Write(raw); return err }); err != nil {
		return err
	}
	fault("state-written")
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("cannot publish the state generation: %w", err)
	}
	if err := syncDir(stateDir); err != nil {
		return err
	}
	fault("state-renamed")
	pointer := fmt.Sprintf("%s %d %s %s\n", FormatName, Version, name, sha256Hex(raw))
	if err := writeAtomic(filepath.Join(stateDir, fileCurrent), func(w io.Writer) error { _, err := io.WriteString(w, pointer); return err }); err != nil {
		return err
	}
	fault("state-switched")
	return clean(stateDir)
}

// clean removes from stateDir every generation but the pointer's, the
// work folder and temporaries: what a killed night left.
func clean(stateDir string) error {
	cur, _, _, err := current(stateDir)
	if err != nil {
		return err
	}
	entries, err := os.ReadDir(stateDir)
	if err != nil {
		return fmt.Errorf("cannot read the state folder: %w", err)
	}
	for _, e := range entries {
		n := e.Name()
		stale := n == workDir || strings.HasPrefix(n, genPrefix) && n != cur || strings.HasPrefix(n, "."+fileCurrent+".tmp-")
		if stale {
			if err := os.RemoveAll(filepath.Join(stateDir, n)); err != nil {
				return fmt.Errorf("cannot remove a stale part of the state: %w", err)
			}
		}
	}
	return nil
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
