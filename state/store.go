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

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/dataio"
)

// The on-disk format (version 1); see the package doc and ARCHITECTURE.md.
const (
	FormatName = "dedup-state"
	Version    = 1

	fileCurrent = "CURRENT"
	fileLock    = "LOCK"
	fileState   = "state.json"
	fileRecords = "records.parquet"
	filePairs   = "pairs.parquet"
	filePersons = "persons.parquet"
	fileModel   = "model.json"
	workDir     = "work"
	genPrefix   = "gen-"
	partialExt  = ".partial"
)

// genName is the folder of night n's generation.
func genName(night int) string { return fmt.Sprintf("%s%06d", genPrefix, night) }

var (
	recordsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "source", Type: arrow.BinaryTypes.String},
		{Name: "record_id", Type: arrow.BinaryTypes.String},
		{Name: "content_hash", Type: arrow.BinaryTypes.String},
		{Name: "person_id", Type: arrow.BinaryTypes.String},
	}, nil)
	pairsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "left_source", Type: arrow.BinaryTypes.String},
		{Name: "left_id", Type: arrow.BinaryTypes.String},
		{Name: "right_source", Type: arrow.BinaryTypes.String},
		{Name: "right_id", Type: arrow.BinaryTypes.String},
		{Name: "match_weight", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	personsSchema = arrow.NewSchema([]arrow.Field{
		{Name: "person_id", Type: arrow.BinaryTypes.String},
		{Name: "created_night", Type: arrow.PrimitiveTypes.Int32},
		{Name: "split_from", Type: arrow.BinaryTypes.String},
		{Name: "status", Type: arrow.BinaryTypes.String},
		{Name: "merged_into", Type: arrow.BinaryTypes.String},
		{Name: "retired_night", Type: arrow.PrimitiveTypes.Int32},
		{Name: "records", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
)

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
	Files        []sum   `json:"files"`
}

// sum is one file of a generation, its size and SHA-256.
type sum struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// generation is one night's state in memory.
type generation struct {
	dir     string // its folder
	meta    meta
	records []Key // sorted
	hashes  []uint64
	person  []uint64 // person number (its ID's counter)
	pairs   []Pair   // sorted
	reg     Registry
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
// the config digest must be wantDigest, every file its recorded size and
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
	if g.meta.ConfigDigest != wantDigest {
		return nil, fmt.Errorf("state %s: written with config digest %s, this run's config is %s: %w; "+
			"use the config the state was made with, or start a new state folder", dir, g.meta.ConfigDigest, wantDigest, ErrConfigMismatch)
	}
	want := []string{fileModel, filePairs, filePersons, fileRecords}
	var have []string
	for _, f := range g.meta.Files {
		have = append(have, f.Name)
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

// read loads the generation's tables.
func (g *generation) read() error {
	in := interner{}
	err := dataio.EachRow(filepath.Join(g.dir, fileRecords), []string{"source", "record_id", "content_hash", "person_id"}, func(row []string) error {
		h, err := strconv.ParseUint(row[2], 16, 64)
		if err != nil || len(row[2]) != 16 {
			return fmt.Errorf("%s row %d: content_hash is not 16 hex digits", fileRecords, len(g.records)+1)
		}
		pn, ok := parsePersonID(row[3])
		if !ok {
			return fmt.Errorf("%s row %d: person_id is not a person ID", fileRecords, len(g.records)+1)
		}
		k := in.keyOf(row[0], row[1])
		if n := len(g.records); n > 0 && compareKeys(g.records[n-1], k) >= 0 {
			return fmt.Errorf("%s row %d: records out of order", fileRecords, n+1)
		}
		g.records = append(g.records, k)
		g.hashes = append(g.hashes, h)
		g.person = append(g.person, pn)
		return nil
	})
	if err != nil {
		return err
	}
	err = dataio.EachRow(filepath.Join(g.dir, filePairs), []string{"left_source", "left_id", "right_source", "right_id", "match_weight"}, func(row []string) error {
		w, err := strconv.ParseFloat(row[4], 64)
		if err != nil {
			return fmt.Errorf("%s row %d: match_weight is not a number", filePairs, len(g.pairs)+1)
		}
		g.pairs = append(g.pairs, Pair{in.keyOf(row[0], row[1]), in.keyOf(row[2], row[3]), w})
		return nil
	})
	if err != nil {
		return err
	}
	err = dataio.EachRow(filepath.Join(g.dir, filePersons), []string{"person_id", "created_night", "split_from", "status", "merged_into", "retired_night", "records"}, func(row []string) error {
		line := len(g.reg.Persons) + 1
		n, ok := parsePersonID(row[0])
		created, err1 := strconv.ParseInt(row[1], 10, 32)
		retired, err2 := strconv.ParseInt(row[5], 10, 32)
		records, err3 := strconv.ParseInt(row[6], 10, 64)
		if !ok || err1 != nil || err2 != nil || err3 != nil {
			return fmt.Errorf("%s row %d: not a registry entry", filePersons, line)
		}
		// The registry lists every ID ever issued, in order: person n is entry n.
		if n != uint64(line) {
			return fmt.Errorf("%s row %d: person %s out of sequence", filePersons, line, row[0])
		}
		split, ok1 := optionalPersonID(row[2])
		into, ok2 := optionalPersonID(row[4])
		p := Person{Created: int32(created), Retired: int32(retired), SplitFrom: split, MergedInto: into, Records: records}
		switch row[3] {
		case StatusActive:
			p.Status = StatusActive
		case StatusMerged:
			p.Status = StatusMerged
		case StatusRetired:
			p.Status = StatusRetired
		default:
			ok1 = false
		}
		if !ok1 || !ok2 {
			return fmt.Errorf("%s row %d: not a registry entry", filePersons, line)
		}
		g.reg.Persons = append(g.reg.Persons, p)
		return nil
	})
	if err != nil {
		return err
	}
	g.reg.Next = g.meta.NextPerson
	if int64(len(g.records)) != g.meta.Records || int64(len(g.pairs)) != g.meta.Pairs || int64(len(g.reg.Persons)) != g.meta.Persons {
		return fmt.Errorf("the tables' row counts differ from %s", fileState)
	}
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

// write writes g as the generation of night g.meta.Night in stateDir:
// into a ".partial" folder, renamed whole, then the pointer switched by
// rename. fault is called at each step (tests kill the process there).
func (g *generation) write(stateDir string, model string, fault func(string)) error {
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
	if err := copyFile(model, filepath.Join(tmp, fileModel)); err != nil {
		return err
	}
	err := writeTable(filepath.Join(tmp, fileRecords), recordsSchema, len(g.records), func(b *array.RecordBuilder, i int) {
		b.Field(0).(*array.StringBuilder).Append(g.records[i].Source)
		b.Field(1).(*array.StringBuilder).Append(g.records[i].ID)
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("%016x", g.hashes[i]))
		b.Field(3).(*array.StringBuilder).Append(FormatPersonID(g.person[i]))
	})
	if err != nil {
		return err
	}
	fault("state-records")
	err = writeTable(filepath.Join(tmp, filePairs), pairsSchema, len(g.pairs), func(b *array.RecordBuilder, i int) {
		p := g.pairs[i]
		b.Field(0).(*array.StringBuilder).Append(p.Left.Source)
		b.Field(1).(*array.StringBuilder).Append(p.Left.ID)
		b.Field(2).(*array.StringBuilder).Append(p.Right.Source)
		b.Field(3).(*array.StringBuilder).Append(p.Right.ID)
		b.Field(4).(*array.Float64Builder).Append(p.Weight)
	})
	if err != nil {
		return err
	}
	err = writeTable(filepath.Join(tmp, filePersons), personsSchema, len(g.reg.Persons), func(b *array.RecordBuilder, i int) {
		p := g.reg.Persons[i]
		b.Field(0).(*array.StringBuilder).Append(FormatPersonID(uint64(i + 1)))
		b.Field(1).(*array.Int32Builder).Append(p.Created)
		b.Field(2).(*array.StringBuilder).Append(formatOptional(p.SplitFrom))
		b.Field(3).(*array.StringBuilder).Append(p.Status)
		b.Field(4).(*array.StringBuilder).Append(formatOptional(p.MergedInto))
		b.Field(5).(*array.Int32Builder).Append(p.Retired)
		b.Field(6).(*array.Int64Builder).Append(p.Records)
	})
	if err != nil {
		return err
	}
	g.meta.Format, g.meta.Version = FormatName, Version
	g.meta.NextPerson = g.reg.Next
	g.meta.Records, g.meta.Pairs, g.meta.Persons = int64(len(g.records)), int64(len(g.pairs)), int64(len(g.reg.Persons))
	g.meta.Files = nil
	for _, f := range []string{fileModel, filePairs, filePersons, fileRecords} {
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
