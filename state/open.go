package state

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dedup-vn/dedup/config"
)

// Register is the current generation of a state opened for reading (by
// `dedup link --register`, and under ReadRegister for `dedup verify
// --register`): its records in key order with their person IDs, blocking
// keys and input cells, the config the nights ran with and their model. It holds the state's lock shared until Close, so that no
// night replaces the generation under it.
type Register struct {
	dir    string
	cfg    *config.Config
	g      *generation
	rr     *rawReader
	unlock func()
}

// Open opens the state in dir for reading, checked as a night checks it
// (ErrDamaged for a truncated or altered state), with the night's config.
func Open(dir string) (*Register, error) {
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("state %s: no such folder (the first night of `dedup run --state` makes it)", dir)
	}
	return openRegister(dir, "", true)
}

// openRegister opens the current generation of the state in dir for
// reading: written with config digest wantDigest unless it is empty
// (another is ErrConfigMismatch); withConfig parses the night's config,
// which a generation written before it was kept lacks (ReadRegister maps
// cells with its caller's config and does without).
func openRegister(dir, wantDigest string, withConfig bool) (*Register, error) {
	// Checked before the lock, so that a folder that is no state gets no
	// LOCK file.
	if _, _, ok, err := current(dir); err != nil {
		return nil, err
	} else if !ok {
		return nil, fmt.Errorf("state %s: not a state folder, or no night has finished on it yet (no %s)", dir, fileCurrent)
	}
	unlock, err := lockShared(dir)
	if err != nil {
		return nil, err
	}
	r := &Register{dir: dir, unlock: unlock}
	if err := r.open(wantDigest, withConfig); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

func (r *Register) open(wantDigest string, withConfig bool) error {
	g, err := load(r.dir, wantDigest)
	if err != nil {
		return err
	}
	if g == nil {
		return fmt.Errorf("state %s: not a state folder, or no night has finished on it yet (no %s)", r.dir, fileCurrent)
	}
	if withConfig {
		if err := r.parseConfig(g); err != nil {
			return err
		}
	}
	g.noPairs = true
	if err := g.readTables(r.dir); err != nil {
		return err
	}
	r.g = g
	r.rr, err = openRaw(g.segmentPaths())
	if err != nil {
		return damaged(r.dir, "generation %s: %v", filepath.Base(g.dir), err)
	}
	return nil
}

// parseConfig reads the night's config from g's state.json.
func (r *Register) parseConfig(g *generation) error {
	if g.meta.Config == "" {
		return fmt.Errorf("state %s: its generation was written by a dedup that did not keep the night's config; run a night with this dedup first", r.dir)
	}
	if sha256Hex([]byte(g.meta.Config)) != g.meta.ConfigDigest {
		return damaged(r.dir, "generation %s: the config in %s does not match its digest", filepath.Base(g.dir), fileState)
	}
	var err error
	if r.cfg, err = config.Parse([]byte(g.meta.Config), "the state's config"); err != nil {
		return damaged(r.dir, "generation %s: %v", filepath.Base(g.dir), err)
	}
	if len(r.cfg.Blocking.AllRules()) != g.meta.Rules {
		return damaged(r.dir, "generation %s: %d blocking rules, its config has %d", filepath.Base(g.dir), g.meta.Rules, len(r.cfg.Blocking.AllRules()))
	}
	return nil
}

// Close releases the state.
func (r *Register) Close() {
	if r.rr != nil {
		r.rr.close()
	}
	if r.unlock != nil {
		r.unlock()
		r.unlock = nil
	}
}

// Config is the config the state's nights ran with.
func (r *Register) Config() *config.Config { return r.cfg }

// Night is the night that wrote the generation.
func (r *Register) Night() int { return r.g.meta.Night }

// Threshold is the match weight the nights accepted pairs at.
func (r *Register) Threshold() float64 { return r.g.meta.Threshold }

// ModelPath is the nights' model (model.json, its frozen term frequencies
// beside it).
func (r *Register) ModelPath() string { return filepath.Join(r.g.dir, fileModel) }

// Len is the number of records.
func (r *Register) Len() int { return len(r.g.records) }

// Record is record i's key; records are sorted by key.
func (r *Register) Record(i int) Key { return r.g.records[i] }

// PersonID is the person ID of record i.
func (r *Register) PersonID(i int) string { return FormatPersonID(r.g.person[i]) }

// Person is the number behind record i's person ID (equal numbers, the
// same person).
func (r *Register) Person(i int) uint64 { return r.g.person[i] }

// Keys is blocking rule k's key of every record (0: none), by record; k
// indexes the config's Blocking.AllRules.
func (r *Register) Keys(k int) []uint64 { return r.g.keys[k] }

// Cells reads record i's input cells as its night read them (its source's
// column projection, pipeline.InputFile.Columns: the record id, then each
// field's columns), into cells and valid (reused; valid false: null). It
// is not safe for concurrent use: each goroutine takes a CellReader.
func (r *Register) Cells(i int, cells []string, valid []bool) ([]string, []bool, error) {
	return r.read(r.rr, i, cells, valid)
}

func (r *Register) read(rr *rawReader, i int, cells []string, valid []bool) ([]string, []bool, error) {
	c, v, err := rr.read(r.g.loc[i], cells, valid)
	if err != nil {
		return nil, nil, damaged(r.dir, "%v", err)
	}
	return c, v, nil
}

// CellReader reads records' cells as Register.Cells does, with files of
// its own: one per goroutine.
type CellReader struct {
	r  *Register
	rr *rawReader
}

// CellReader opens a reader of the register's cells; Close it.
func (r *Register) CellReader() (*CellReader, error) {
	rr, err := openRaw(r.g.segmentPaths())
	if err != nil {
		return nil, damaged(r.dir, "generation %s: %v", filepath.Base(r.g.dir), err)
	}
	return &CellReader{r: r, rr: rr}, nil
}

// Cells is Register.Cells.
func (c *CellReader) Cells(i int, cells []string, valid []bool) ([]string, []bool, error) {
	return c.r.read(c.rr, i, cells, valid)
}

// Close closes the reader's files.
func (c *CellReader) Close() { c.rr.close() }
