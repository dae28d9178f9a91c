package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/eval"
	"github.com/dedup-vn/dedup/linkage"
	"github.com/dedup-vn/dedup/refdata"
	"github.com/dedup-vn/dedup/runfolder"
)

// Options says what goes into a report.
type Options struct {
	RunDir    string // a `dedup run` output folder (required)
	EvalPath  string // a `dedup eval --json` file; empty: no evaluation section
	VerifyDir string // a `dedup verify` output folder; empty: RunDir is looked at
	Title     string // page title; default "dedup run report"
	// ShowPII shows ID numbers and phone numbers in full; otherwise only
	// their last three digits are shown.
	ShowPII bool
}

// Data is everything the page shows, gathered from the run folder.
type Data struct {
	Title    string
	RunDir   string
	Manifest *runfolder.Manifest
	Model    *linkage.Model // nil when model.json is missing
	Quality  *Quality       // nil when golden.parquet is missing
	Weights  *WeightHist    // nil when pairs.parquet is missing
	Eval     *eval.Report   // nil without Options.EvalPath
	Verify   *Verify        // nil when no verify output was found
	Date     string         // the manifest's date, if it records one
	ShowPII  bool
	Notes    []string // what could not be read, shown at the top
}

// QualityRow counts the golden records of one province (or all of them)
// meeting each quality criterion.
type QualityRow struct {
	Code, Name                     string // 2025 province code and name; "" = unknown
	Records                        int64
	Correct, Complete, Clean, Live int64
}

// Quality is the golden records' quality, overall and per 2025 province.
type Quality struct {
	Column    string // the province column read, e.g. address_province_2025
	Total     QualityRow
	Provinces []QualityRow // by province code; the unknown province last
}

// WeightHist is the distribution of match weights in pairs.parquet, in
// bins one weight unit wide: Counts[i] counts weights in [Lo+i, Lo+i+1).
type WeightHist struct {
	Lo        int
	Counts    []int64
	Pairs     int64
	Accepted  int64 // weight at or above the threshold
	Threshold float64
	Min, Max  float64
}

// Load reads the run folder (and the eval and verify outputs) into Data.
// A missing manifest is an error; other missing files leave their section
// out with a note.
func Load(opt Options) (*Data, error) {
	if opt.RunDir == "" {
		return nil, errors.New("report: no run folder given")
	}
	d := &Data{Title: opt.Title, RunDir: opt.RunDir, ShowPII: opt.ShowPII}
	if d.Title == "" {
		d.Title = "dedup run report"
	}
	m, err := runfolder.ReadManifest(opt.RunDir)
	if err != nil {
		return nil, err
	}
	d.Manifest = m
	if mp := filepath.Join(opt.RunDir, runfolder.FileModel); exists(mp) {
		if d.Model, err = linkage.LoadModel(mp); err != nil {
			return nil, fmt.Errorf("%s: %w", mp, err)
		}
	} else {
		d.note("no %s: the model section is left out", runfolder.FileModel)
	}
	if gp := eval.RunFile(opt.RunDir, runfolder.FileGolden); exists(gp) {
		if d.Quality, err = readQuality(gp); err != nil {
			return nil, err
		}
	} else {
		d.note("no %s: the quality section is left out", runfolder.FileGolden)
	}
	if pp := eval.RunFile(opt.RunDir, runfolder.FilePairs); exists(pp) {
		if d.Weights, err = readWeights(pp, m.Threshold.MatchWeight); err != nil {
			return nil, err
		}
	} else {
		d.note("no %s: the match-weight section is left out", runfolder.FilePairs)
	}
	if opt.EvalPath != "" {
		if d.Eval, err = readEval(opt.EvalPath); err != nil {
			return nil, err
		}
		if err := d.checkEvalRun(opt.EvalPath); err != nil {
			return nil, err
		}
	}
	d.Date = manifestDate(opt.RunDir)
	vdir := opt.VerifyDir
	if vdir == "" {
		vdir = opt.RunDir
	}
	if d.Verify, err = loadVerify(vdir, opt.ShowPII); err != nil {
		return nil, err
	}
	if opt.VerifyDir != "" && d.Verify == nil {
		return nil, fmt.Errorf("%s: no verify output (%s, %s or %s)", opt.VerifyDir, runfolder.FileVerifySummary, runfolder.FileVerdicts, runfolder.FileVerifyIDs)
	}
	return d, nil
}

// checkEvalRun refuses an eval of another run: the eval records the
// SHA-256 of the manifest.json it read, and a rerun writes a new manifest.
// An eval that records none (an older dedup eval, or link mode) is shown
// with a note saying it could not be checked.
func (d *Data) checkEvalRun(evalPath string) error {
	e := d.Eval
	if e.Run == "" {
		return nil // link mode: verdicts against a subscriber truth, no run folder
	}
	if e.RunManifestSHA256 == "" {
		d.note("WARNING: %s does not record which run it evaluated (written by an older dedup eval): its figures may be of another run than %s. Rerun dedup eval --json to check.", evalPath, d.RunDir)
		return nil
	}
	digest, err := eval.ManifestDigest(d.RunDir)
	if err != nil {
		return err
	}
	if digest != e.RunManifestSHA256 {
		return fmt.Errorf("%s is the evaluation of another run (it evaluated %s, whose manifest.json differs from %s's: a rerun, or another folder); rerun dedup eval --truth … --run %s --json %s",
			evalPath, e.Run, d.RunDir, d.RunDir, evalPath)
	}
	return nil
}

// manifestDate is the run's date when its manifest records one (a "date",
// "started_at" or "finished_at" key); "" otherwise. Runs read no clock by
// design, so a manifest written by dedup run has none.
func manifestDate(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, runfolder.FileManifest))
	if err != nil {
		return ""
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(data, &keys) != nil {
		return ""
	}
	for _, k := range []string{"date", "started_at", "finished_at"} {
		var v string
		if raw, ok := keys[k]; ok && json.Unmarshal(raw, &v) == nil && v != "" {
			return v
		}
	}
	return ""
}

func (d *Data) note(format string, args ...any) {
	d.Notes = append(d.Notes, fmt.Sprintf(format, args...))
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func readEval(path string) (*eval.Report, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r eval.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: not an eval JSON report: %w", path, err)
	}
	if r.SchemaVersion != eval.SchemaVersion {
		return nil, fmt.Errorf("%s: eval schema_version %d, want %d", path, r.SchemaVersion, eval.SchemaVersion)
	}
	return &r, nil
}

// provinceColumn picks the golden column holding the 2025 province: the
// permanent address's ("address_province_2025" in the default config),
// else the first *_province_2025 column.
func provinceColumn(names []string) string {
	if c := "address" + runfolder.Province2025Suffix; slices.Contains(names, c) {
		return c
	}
	for _, n := range names {
		if strings.HasSuffix(n, runfolder.Province2025Suffix) {
			return n
		}
	}
	return ""
}

// readQuality counts the golden records meeting each criterion, per
// province, streaming only those columns.
func readQuality(path string) (*Quality, error) {
	probe, err := dataio.Open(path, dataio.ReadOptions{BatchSize: 1})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range probe.Schema().Fields() {
		names = append(names, f.Name)
	}
	probe.Close()
	cols := []string{runfolder.ColCorrect, runfolder.ColComplete, runfolder.ColClean, runfolder.ColLive}
	for _, c := range cols {
		if !slices.Contains(names, c) {
			return nil, fmt.Errorf("%s: no column %s", path, c)
		}
	}
	q := &Quality{Column: provinceColumn(names)}
	if q.Column != "" {
		cols = append(cols, q.Column)
	}
	r, err := dataio.Open(path, dataio.ReadOptions{Columns: cols, AsStrings: true})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	byCode := map[string]*QualityRow{}
	for r.Next() {
		rec := r.Batch()
		var c [5]*array.String
		for i := range cols {
			c[i] = rec.Column(i).(*array.String)
		}
		for i := 0; i < int(rec.NumRows()); i++ {
			code := ""
			if c[4] != nil {
				code = c[4].Value(i)
			}
			row := byCode[code]
			if row == nil {
				row = &QualityRow{Code: code}
				byCode[code] = row
			}
			row.Records++
			q.Total.Records++
			for k, dst := range [4]*int64{&row.Correct, &row.Complete, &row.Clean, &row.Live} {
				if c[k].Value(i) == "true" {
					*dst++
				}
			}
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	names2025 := map[string]string{}
	for _, p := range refdata.Get().ProvincesNew {
		names2025[p.Code] = p.Name
	}
	for _, row := range byCode {
		row.Name = names2025[row.Code]
		if row.Code == "" {
			row.Name = "unknown"
		} else if row.Name == "" {
			row.Name = "code " + row.Code
		}
		q.Total.Correct += row.Correct
		q.Total.Complete += row.Complete
		q.Total.Clean += row.Clean
		q.Total.Live += row.Live
		q.Provinces = append(q.Provinces, *row)
	}
	slices.SortFunc(q.Provinces, func(a, b QualityRow) int {
		if (a.Code == "") != (b.Code == "") {
			if a.Code == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(a.Code, b.Code)
	})
	q.Total.Name = "all provinces"
	return q, nil
}

// readWeights streams the match_weight column of pairs.parquet into one
// unit bins. Bins live in a map keyed by floor(weight) so the range need
// not be known in advance; a run has a few dozen distinct bins.
func readWeights(path string, threshold float64) (*WeightHist, error) {
	r, err := dataio.Open(path, dataio.ReadOptions{Columns: []string{runfolder.ColMatchWeight}})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	h := &WeightHist{Threshold: threshold, Min: math.Inf(1), Max: math.Inf(-1)}
	bins := map[int]int64{}
	var ws []float64
	row := int64(1) // data rows of a CSV file count from 1, after the header
	for r.Next() {
		// A double, or text in a run written with --format csv.
		switch col := r.Batch().Column(0).(type) {
		case *array.Float64:
			ws = col.Float64Values()
		case *array.String:
			ws = ws[:0]
			for i := 0; i < col.Len(); i++ {
				if col.IsNull(i) || col.Value(i) == "" {
					continue
				}
				w, err := strconv.ParseFloat(col.Value(i), 64)
				if err != nil {
					return nil, fmt.Errorf("%s: row %d: column %s is not a number", path, row+int64(i), runfolder.ColMatchWeight)
				}
				ws = append(ws, w)
			}
			row += int64(col.Len())
		default:
			return nil, fmt.Errorf("%s: column %s is %s, want double", path, runfolder.ColMatchWeight, col.DataType())
		}
		for _, w := range ws {
			if math.IsNaN(w) || math.IsInf(w, 0) {
				continue
			}
			// Weights are clamped to ±1000 so that a corrupt value cannot
			// make the chart a million bins wide.
			w = min(max(w, -1000), 1000)
			bins[int(math.Floor(w))]++
			h.Pairs++
			if w >= threshold {
				h.Accepted++
			}
			h.Min, h.Max = min(h.Min, w), max(h.Max, w)
		}
	}
	if err := r.Err(); err != nil {
		return nil, err
	}
	if h.Pairs == 0 {
		h.Min, h.Max = 0, 0
		return h, nil
	}
	h.Lo = int(math.Floor(h.Min))
	hi := int(math.Floor(h.Max))
	h.Counts = make([]int64, hi-h.Lo+1)
	for b, n := range bins {
		h.Counts[b-h.Lo] = n
	}
	return h, nil
}

// sizeOrder sorts cluster-size buckets ("1".."5", "6-10", "11-100",
// ">100") by their lower bound.
func sizeOrder(bucket string) int64 {
	s := strings.TrimPrefix(bucket, ">")
	s, _, _ = strings.Cut(s, "-")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return math.MaxInt64
	}
	if strings.HasPrefix(bucket, ">") {
		n++
	}
	return n
}
