package eval

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/dedup-vn/dedup/runfolder"
)

// Sector links: `dedup link` gives each row of a sector table a verdict
// and, when linked, a register person (runfolder.FileLinks); the sector
// truth (gen --sectors: truth/sectors/<name>) gives each row its person,
// empty for someone not on the register.

// Classes of a sector truth row, and outcomes of a row's link.
const (
	ClassOnRegister    = "on_register"
	ClassNotOnRegister = "not_on_register"

	OutcomeLinkedRight = "linked_right" // linked to the truth's person
	OutcomeLinkedWrong = "linked_wrong" // linked to another person, or linked though not on the register
	OutcomeAmbiguous   = runfolder.VerdictAmbiguous
	OutcomeNotFound    = runfolder.VerdictNotFound
	OutcomeMissing     = "missing" // no row in the links file (rejected by the link run)
)

// linkOutcomes is the order outcomes are reported in.
var linkOutcomes = []string{OutcomeLinkedRight, OutcomeLinkedWrong, OutcomeAmbiguous, OutcomeNotFound, OutcomeMissing}

// LinkReport scores a links file against a sector truth.
type LinkReport struct {
	Rows          int64 `json:"rows"` // truth rows
	OnRegister    int64 `json:"on_register"`
	NotOnRegister int64 `json:"not_on_register"`
	Linked        int64 `json:"linked"` // truth rows with a linked verdict
	LinkedRight   int64 `json:"linked_right"`
	// Precision is LinkedRight / Linked: a link to another person, or of a
	// row whose person is not on the register, is wrong.
	Precision float64 `json:"linked_precision"`
	// Recall is LinkedRight / OnRegister.
	Recall float64 `json:"recall"`
	// NotFoundRight is the rows not on the register with verdict
	// not_found; NotFoundAccuracy their share of NotOnRegister.
	NotFoundRight    int64   `json:"not_found_right"`
	NotFoundAccuracy float64 `json:"not_found_accuracy"`
	// Classes are the outcome counts of each truth class.
	Classes []LinkClass `json:"classes"`
	// Unknown is the links rows whose record_id the truth does not have.
	Unknown int64 `json:"links_not_in_truth"`
}

// LinkClass is one row of the class × outcome table.
type LinkClass struct {
	Class    string         `json:"class"`
	Rows     int64          `json:"rows"`
	Outcomes []VerdictCount `json:"outcomes"`
}

// ScoreLinks scores links (record_id, verdict, person_id) against a
// sector truth (record_id, person_id; "" for not on the register).
// personMap, when not nil, translates the links' person ids to the
// truth's (the register state's persistent ids to the generator's); a
// linked person it lacks counts as wrong. Duplicate record ids and
// unknown verdicts are errors.
func ScoreLinks(links [][3]string, truth []KeyValue, personMap map[string]string) (*LinkReport, error) {
	type link struct{ verdict, person string }
	byID := make(map[string]link, len(links))
	for i, l := range links {
		if _, dup := byID[l[0]]; dup {
			return nil, fmt.Errorf("links row %d: record_id appears twice", i+1)
		}
		if !slices.Contains(runfolder.LinkVerdicts, l[1]) {
			return nil, fmt.Errorf("links row %d column %s: unknown verdict %q (want %v)", i+1, runfolder.ColLinkVerdict, l[1], runfolder.LinkVerdicts)
		}
		if l[1] == runfolder.VerdictLinked && l[2] == "" {
			return nil, fmt.Errorf("links row %d column %s: empty for a linked row", i+1, runfolder.ColLinkPersonID)
		}
		p := l[2]
		if personMap != nil && l[1] == runfolder.VerdictLinked {
			p = personMap[p] // "" when unknown: never a truth person
			if p == "" {
				p = "\x00unmapped"
			}
		}
		byID[l[0]] = link{l[1], p}
	}
	counts := map[string]map[string]int64{ClassOnRegister: {}, ClassNotOnRegister: {}}
	rep := &LinkReport{}
	seen := make(map[string]bool, len(truth))
	for i, t := range truth {
		if seen[t.Key] {
			return nil, fmt.Errorf("sector truth row %d: record_id appears twice", i+1)
		}
		seen[t.Key] = true
		class := ClassOnRegister
		if t.Value == "" {
			class = ClassNotOnRegister
		}
		l, ok := byID[t.Key]
		out := OutcomeMissing
		switch {
		case !ok:
		case l.verdict == runfolder.VerdictLinked && t.Value != "" && l.person == t.Value:
			out = OutcomeLinkedRight
		case l.verdict == runfolder.VerdictLinked:
			out = OutcomeLinkedWrong
		default:
			out = l.verdict
		}
		counts[class][out]++
	}
	for k := range byID {
		if !seen[k] {
			rep.Unknown++
		}
	}
	for _, class := range []string{ClassOnRegister, ClassNotOnRegister} {
		lc := LinkClass{Class: class}
		for _, o := range linkOutcomes {
			if n := counts[class][o]; n > 0 {
				lc.Outcomes = append(lc.Outcomes, VerdictCount{o, n})
				lc.Rows += n
			}
		}
		rep.Classes = append(rep.Classes, lc)
	}
	on, off := counts[ClassOnRegister], counts[ClassNotOnRegister]
	rep.OnRegister, rep.NotOnRegister = rep.Classes[0].Rows, rep.Classes[1].Rows
	rep.Rows = rep.OnRegister + rep.NotOnRegister
	rep.LinkedRight = on[OutcomeLinkedRight]
	rep.Linked = rep.LinkedRight + on[OutcomeLinkedWrong] + off[OutcomeLinkedWrong]
	rep.Precision = Precision(rep.LinkedRight, rep.Linked)
	rep.Recall = Recall(rep.LinkedRight, rep.OnRegister)
	rep.NotFoundRight = off[OutcomeNotFound]
	rep.NotFoundAccuracy = Recall(rep.NotFoundRight, rep.NotOnRegister)
	return rep, nil
}

// readLinks reads a links file's record_id, verdict and person_id.
func readLinks(path string) ([][3]string, error) {
	names := []string{runfolder.ColLinkRecordID, runfolder.ColLinkVerdict, runfolder.ColLinkPersonID}
	tr, err := openTable(path, names, 3)
	if err != nil {
		return nil, err
	}
	defer tr.close()
	var out [][3]string
	var buf []byte
	for tr.next() {
		for i := 0; i < tr.n; i++ {
			var row [3]string
			for c := range row {
				buf = tr.cols[c].appendText(buf[:0], i)
				row[c] = string(buf)
			}
			if row[0] == "" {
				return nil, fmt.Errorf("%s row %d column %s: empty id", path, tr.row+int64(i)+1, names[0])
			}
			out = append(out, row)
		}
	}
	return out, tr.err
}

func runLinks(opts Options) (*Report, error) {
	links, err := readLinks(opts.Links)
	if err != nil {
		return nil, err
	}
	// An empty person_id is kept: the row's person is not on the register.
	truth, err := readKeyValues(opts.Truth, opts.TruthID, opts.TruthEntity)
	if err != nil {
		return nil, err
	}
	var pm map[string]string
	if opts.PersonMap != "" {
		kv, err := readKeyValues(opts.PersonMap, "person_id", "truth_person_id")
		if err != nil {
			return nil, err
		}
		pm = make(map[string]string, len(kv))
		for _, e := range kv {
			pm[e.Key] = e.Value
		}
	}
	if opts.RegisterRun != "" {
		if pm, err = PersonMapOf(filepath.Join(opts.RegisterRun, runfolder.FileClusters), opts.RegisterTruth); err != nil {
			return nil, err
		}
	}
	l, err := ScoreLinks(links, truth, pm)
	if err != nil {
		// ScoreLinks counts rows; say which files they are rows of.
		return nil, fmt.Errorf("links %s, sector truth %s: %w", opts.Links, opts.Truth, err)
	}
	rep := &Report{SchemaVersion: SchemaVersion, Truth: opts.Truth, TruthEntity: "column:" + opts.TruthEntity, Links: l}
	if l.Unknown > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d links rows have a record_id the truth does not have: they are left out", l.Unknown))
	}
	return rep, nil
}

// PersonMapOf maps each register person of a register's clusters table
// (record_id, person_id) to the truth person (registerTruth: record_id,
// person_id) most of its records belong to; a tie goes to the smaller
// truth id. A register record the truth lacks is an error.
func PersonMapOf(clusters, registerTruth string) (map[string]string, error) {
	truth, err := readKeyValues(registerTruth, "record_id", "person_id")
	if err != nil {
		return nil, err
	}
	truthOf := make(map[string]string, len(truth))
	for _, t := range truth {
		truthOf[t.Key] = t.Value
	}
	recs, err := readKeyValues(clusters, runfolder.ColRecordID, runfolder.ColPersonID)
	if err != nil {
		return nil, err
	}
	type vote struct{ person, truth string }
	votes := make([]vote, 0, len(recs))
	for i, r := range recs {
		t, ok := truthOf[r.Key]
		if !ok {
			return nil, fmt.Errorf("%s row %d: a record_id the register truth %s does not have", clusters, i+1, registerTruth)
		}
		votes = append(votes, vote{r.Value, t})
	}
	slices.SortFunc(votes, func(a, b vote) int {
		if c := cmp.Compare(a.person, b.person); c != 0 {
			return c
		}
		return cmp.Compare(a.truth, b.truth)
	})
	out := map[string]string{}
	for i := 0; i < len(votes); {
		j, best, bestN := i, "", 0
		for j < len(votes) && votes[j].person == votes[i].person {
			k := j
			for k < len(votes) && votes[k] == votes[j] {
				k++
			}
			if k-j > bestN {
				best, bestN = votes[j].truth, k-j
			}
			j = k
		}
		out[votes[i].person] = best
		i = j
	}
	return out, nil
}
