package eval

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dedup-vn/dedup/runfolder"
)

// ColPersonID is the column of clusters.parquet holding the persistent
// person ID of a nightly run (dedup run --state); runs without it are
// compared on cluster_id.
const ColPersonID = runfolder.ColPersonID

// IDStability says how many persons kept their ID from one night's run to
// the next: of the persons (by truth) whose records did not change between
// the two nights, those whose every record carries the same ID value in
// both runs' clusters.parquet. Persons are counted, never named.
type IDStability struct {
	Previous string `json:"previous"`
	// IDColumn is person_id when both runs have it, else cluster_id.
	IDColumn string `json:"id_column"`
	// ChangedBasis says how changed persons were told: from the night's
	// events file (gen's truth/events), or, without one, from record ids
	// alone (a record new tonight), which misses corrections and removals.
	ChangedBasis string `json:"changed_basis"`
	Events       string `json:"events,omitempty"`
	// Persons in tonight's truth; of them, those an event touched (or
	// with a record new tonight), those with a record missing from either
	// run (rejected, or a run of other input), and the rest: unchanged.
	Persons          int64   `json:"persons"`
	PersonsChanged   int64   `json:"persons_changed"`
	PersonsNotInRuns int64   `json:"persons_not_in_both_runs"`
	PersonsUnchanged int64   `json:"persons_unchanged"`
	PersonsKeptID    int64   `json:"persons_kept_id"`
	PersonsChangedID int64   `json:"persons_changed_id"`
	SharedKept       float64 `json:"share_kept"`
	Note             string  `json:"note,omitempty"`
}

// idStability compares the run's IDs with those of the previous night's
// run folder prev, for the records of truth t. events is the night's
// events file ("" = truth/events.parquet or .csv beside the truth, if
// there).
func idStability(runDir, prev, truthPath, events string, t *truth) (*IDStability, error) {
	if _, _, err := readRunManifest(prev); err != nil {
		return nil, fmt.Errorf("--previous: %w", err)
	}
	curPath, prevPath := RunFile(runDir, runfolder.FileClusters), RunFile(prev, runfolder.FileClusters)
	s := &IDStability{Previous: prev, IDColumn: ColPersonID}
	curHas, err := hasColumn(curPath, ColPersonID)
	if err != nil {
		return nil, err
	}
	prevHas, err := hasColumn(prevPath, ColPersonID)
	if err != nil {
		return nil, err
	}
	if !curHas || !prevHas {
		s.IDColumn = runfolder.ColClusterID
		s.Note = "no person_id column in both runs' clusters.parquet: compared on cluster_id, which is not meant to persist"
	}
	cur, err := readIDs(curPath, s.IDColumn, t)
	if err != nil {
		return nil, err
	}
	old, err := readIDs(prevPath, s.IDColumn, t)
	if err != nil {
		return nil, err
	}

	changed := make([]bool, t.nEntities)
	if events == "" {
		events = besideTruth(truthPath)
	}
	if events != "" {
		s.Events = events
		s.ChangedBasis = "events: a person with a record an event of the night added, removed or changed"
		if err := markChanged(events, t, changed); err != nil {
			return nil, err
		}
	} else {
		s.ChangedBasis = "record ids: a person with a record absent from the previous run (no events file: corrections and removals are not seen)"
	}
	const absent = 0
	incomplete := make([]bool, t.nEntities)
	differs := make([]bool, t.nEntities)
	seen := make([]bool, t.nEntities)
	for k, r := range t.recs {
		e := r.ent
		seen[e] = true
		switch {
		case old[k] == absent && events == "" && cur[k] != absent:
			changed[e] = true
		case old[k] == absent || cur[k] == absent:
			incomplete[e] = true
		case old[k] != cur[k]:
			differs[e] = true
		}
	}
	for e := range changed {
		if !seen[e] {
			continue
		}
		s.Persons++
		switch {
		case changed[e]:
			s.PersonsChanged++
		case incomplete[e]:
			s.PersonsNotInRuns++
		default:
			s.PersonsUnchanged++
			if differs[e] {
				s.PersonsChangedID++
			} else {
				s.PersonsKeptID++
			}
		}
	}
	s.SharedKept = Recall(s.PersonsKeptID, s.PersonsUnchanged)
	return s, nil
}

// besideTruth returns the events file in the truth's folder, "" if none.
func besideTruth(truthPath string) string {
	for _, name := range []string{"events.parquet", "events.csv"} {
		p := filepath.Join(filepath.Dir(truthPath), name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// hasColumn says whether the table at path has the named column.
func hasColumn(path, col string) (bool, error) {
	tr, err := openTable(path, []string{runfolder.ColRecordID, col}, 1)
	if err != nil {
		return false, err
	}
	defer tr.close()
	return tr.has(1), nil
}

// readIDs returns, per truth record, the hash of its col value in the
// clusters file at path (0 = absent from the file).
func readIDs(path, col string, t *truth) ([]uint64, error) {
	tr, err := openTable(path, []string{runfolder.ColRecordID, col}, 2)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	ids := make([]uint64, len(t.recs))
	var id, v []byte
	for tr.next() {
		for i := 0; i < tr.n; i++ {
			id = tr.cols[0].appendText(id[:0], i)
			k, ok := t.find(HashID(id))
			if !ok {
				continue
			}
			if tr.cols[1].isNull(i) {
				return nil, fmt.Errorf("%s row %d column %s: empty", path, tr.row+int64(i)+1, col)
			}
			v = tr.cols[1].appendText(v[:0], i)
			ids[k] = ClusterKey(v) | 1 // never 0, the absent mark
		}
	}
	return ids, tr.err
}

// markChanged marks the entities of the records the events file names
// (those still in the truth: a removed record's person, if alive, has
// another record named, the one the event added or changed).
func markChanged(path string, t *truth, changed []bool) error {
	tr, err := openTable(path, []string{"record_id"}, 1)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("events file: %w", err)
		}
		return err
	}
	defer tr.close()
	var id []byte
	for tr.next() {
		for i := 0; i < tr.n; i++ {
			id = tr.cols[0].appendText(id[:0], i)
			if k, ok := t.find(HashID(id)); ok {
				changed[t.recs[k].ent] = true
			}
		}
	}
	return tr.err
}
