package eval

import (
	"bytes"
	"cmp"
	"fmt"
	"slices"
	"strconv"
)

// truthRec is one truth row: the hash of its record id, its entity (dense,
// after load) and its corruption-label set.
type truthRec struct {
	rec  uint64
	ent  uint32
	corr uint32 // index into truth.corrMasks
}

// hnRec ties a record to its hard-negative group (sparse: most rows have none).
type hnRec struct {
	rec   uint64
	group uint32 // 1-based index into truth.groupLabel
}

// truth is the loaded truth: 16 bytes per record plus small dictionaries.
type truth struct {
	recs      []truthRec // sorted by rec
	nEntities int
	// Corruption labels: each distinct `corruptions` cell is interned to a
	// bit mask over labels (label i is bit i; labels past 63 share bit 63).
	labels    []string
	corrMasks []uint64
	hasCorr   bool
	// Hard negatives, sorted by rec; groupLabel[g-1] is the label of group g.
	hn         []hnRec
	hnLabels   []string
	groupLabel []uint16
	hasHN      bool
	febrl      bool
}

// FEBRLMode says how entity ids are found in the truth.
type FEBRLMode int

const (
	// FEBRLAuto uses FEBRL ids when the entity column is missing and the
	// first id looks like rec-N-org or rec-N-dup-K.
	FEBRLAuto FEBRLMode = iota
	// FEBRLOn always parses the entity from the record id.
	FEBRLOn
	// FEBRLOff always reads the entity column.
	FEBRLOff
)

// FEBRLEntity returns N from a FEBRL record id rec-N-org or rec-N-dup-K.
func FEBRLEntity(id []byte) (n uint64, ok bool) {
	rest, found := bytes.CutPrefix(id, []byte("rec-"))
	if !found {
		return 0, false
	}
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || i > 18 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(rest[:i]), 10, 64)
	if err != nil {
		return 0, false
	}
	tail := rest[i:]
	switch {
	case bytes.Equal(tail, []byte("-org")):
		return n, true
	case bytes.HasPrefix(tail, []byte("-dup-")):
		k := tail[len("-dup-"):]
		if len(k) == 0 {
			return 0, false
		}
		for _, c := range k {
			if c < '0' || c > '9' {
				return 0, false
			}
		}
		return n, true
	}
	return 0, false
}

// loadTruth reads the truth file into memory: ids are hashed, entities
// renumbered densely, labels interned.
func loadTruth(path, idCol, entCol string, mode FEBRLMode) (*truth, error) {
	cols := []string{idCol, entCol, "corruptions", "hard_negative", "hard_negative_group"}
	tr, err := openTable(path, cols, 0)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	if !tr.has(0) && idCol == "record_id" && (mode != FEBRLOff) {
		// A FEBRL dataset file names its id column rec_id.
		tr.close()
		cols[0] = "rec_id"
		if tr, err = openTable(path, cols, 0); err != nil {
			return nil, err
		}
		defer tr.close()
	}
	if !tr.has(0) {
		return nil, fmt.Errorf("%s: no id column %q", path, idCol)
	}
	t := &truth{hasCorr: tr.has(2), hasHN: tr.has(3)}
	switch mode {
	case FEBRLOn:
		t.febrl = true
	case FEBRLOff:
		if !tr.has(1) {
			return nil, fmt.Errorf("%s: no entity column %q", path, entCol)
		}
	case FEBRLAuto:
		t.febrl = !tr.has(1)
	}

	entHash := make([]uint64, 0, 1024) // per row, before renumbering
	corrIDs := map[string]uint32{}
	labelBit := map[string]int{}
	groupIDs := map[string]uint32{}
	hnLabelIDs := map[string]uint16{}
	var id, ent, scratch []byte
	first := true
	for tr.next() {
		idc, entc := tr.cols[0], tr.cols[1]
		for i := 0; i < tr.n; i++ {
			row := tr.row + int64(i) + 1
			if idc.isNull(i) {
				return nil, fmt.Errorf("%s row %d column %s: empty record id", path, row, cols[0])
			}
			id = idc.appendText(id[:0], i)
			var eh uint64
			if t.febrl {
				n, ok := FEBRLEntity(id)
				if !ok {
					if first && mode == FEBRLAuto {
						return nil, fmt.Errorf("%s: no entity column %q and row 1 column %s is not a FEBRL id (rec-N-org, rec-N-dup-K)", path, entCol, cols[0])
					}
					return nil, fmt.Errorf("%s row %d column %s: not a FEBRL id (rec-N-org, rec-N-dup-K)", path, row, cols[0])
				}
				eh = mix64(n + 1)
			} else {
				if entc.isNull(i) {
					return nil, fmt.Errorf("%s row %d column %s: empty entity id", path, row, entCol)
				}
				ent = entc.appendText(ent[:0], i)
				eh = HashID(ent)
			}
			first = false
			rec := truthRec{rec: HashID(id)}
			if t.hasCorr {
				scratch = tr.cols[2].appendText(scratch[:0], i)
				cid, ok := corrIDs[string(scratch)]
				if !ok {
					cid = uint32(len(t.corrMasks))
					corrIDs[string(scratch)] = cid
					t.corrMasks = append(t.corrMasks, t.internLabels(scratch, labelBit))
				}
				rec.corr = cid
			}
			if t.hasHN {
				label := tr.cols[3].appendText(scratch[:0], i)
				if len(label) > 0 {
					lid, ok := hnLabelIDs[string(label)]
					if !ok {
						lid = uint16(len(t.hnLabels))
						hnLabelIDs[string(label)] = lid
						t.hnLabels = append(t.hnLabels, string(label))
					}
					// Without a group column, the label is the group: two
					// records with the same label are a planted pair.
					key := "label:" + string(label)
					if tr.cols[4] != nil && !tr.cols[4].isNull(i) {
						key = "group:" + string(tr.cols[4].appendText(nil, i))
					}
					g, ok := groupIDs[key]
					if !ok {
						t.groupLabel = append(t.groupLabel, lid)
						g = uint32(len(t.groupLabel))
						groupIDs[key] = g
					}
					t.hn = append(t.hn, hnRec{rec: rec.rec, group: g})
				}
			}
			t.recs = append(t.recs, rec)
			entHash = append(entHash, eh)
		}
	}
	if tr.err != nil {
		return nil, tr.err
	}
	if !t.hasCorr {
		t.corrMasks = []uint64{0}
	}
	t.renumberEntities(entHash)
	slices.SortFunc(t.recs, func(a, b truthRec) int { return cmp.Compare(a.rec, b.rec) })
	for i := 1; i < len(t.recs); i++ {
		if t.recs[i].rec == t.recs[i-1].rec {
			return nil, fmt.Errorf("%s: two rows share a record id (a duplicate id, or a 64-bit hash collision)", path)
		}
	}
	slices.SortFunc(t.hn, func(a, b hnRec) int { return cmp.Compare(a.rec, b.rec) })
	return t, nil
}

// internLabels turns "a;b;c" into a bit mask, adding new labels.
func (t *truth) internLabels(cell []byte, bit map[string]int) uint64 {
	var m uint64
	for len(cell) > 0 {
		var lab []byte
		lab, cell, _ = bytes.Cut(cell, []byte(";"))
		lab = bytes.TrimSpace(lab)
		if len(lab) == 0 {
			continue
		}
		b, ok := bit[string(lab)]
		if !ok {
			b = min(len(t.labels), 63)
			if len(t.labels) == 63 {
				t.labels = append(t.labels, "other")
			}
			if len(t.labels) < 64 {
				t.labels = append(t.labels, string(lab))
			}
			bit[string(lab)] = b
		}
		m |= 1 << b
	}
	return m
}

// renumberEntities replaces entity hashes by dense numbers 0..E-1, numbered
// in hash order so that the numbering never depends on row order.
func (t *truth) renumberEntities(entHash []uint64) {
	idx := make([]uint32, len(entHash))
	for i := range idx {
		idx[i] = uint32(i)
	}
	slices.SortFunc(idx, func(a, b uint32) int { return cmp.Compare(entHash[a], entHash[b]) })
	ent := uint32(0)
	for k, i := range idx {
		if k > 0 && entHash[i] != entHash[idx[k-1]] {
			ent++
		}
		t.recs[i].ent = ent
	}
	if len(idx) > 0 {
		t.nEntities = int(ent) + 1
	}
}

// find returns the index of a record id hash in recs.
func (t *truth) find(h uint64) (int, bool) {
	return slices.BinarySearchFunc(t.recs, h, func(r truthRec, h uint64) int { return cmp.Compare(r.rec, h) })
}

// hnGroup returns the hard-negative group of a record (0 = none).
func (t *truth) hnGroup(h uint64) uint32 {
	i, ok := slices.BinarySearchFunc(t.hn, h, func(r hnRec, h uint64) int { return cmp.Compare(r.rec, h) })
	if !ok {
		return 0
	}
	return t.hn[i].group
}
