package state

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/dataio"
	"github.com/dedup-vn/dedup/gen"
	"github.com/dedup-vn/dedup/pipeline"
	"github.com/dedup-vn/dedup/progress"
	"github.com/dedup-vn/dedup/runfolder"
)

var quiet = progress.Options{Quiet: true}

var (
	fixOnce sync.Once
	fixDir  string
	fixErr  error
)

const nights = 4 // snapshots 0..nights-1

// fixtures generates a small register (snapshot 0) and nightly snapshots
// 1..nights-1, each edited from the one before: rows deleted, corrected,
// re-registered (late duplicates), moved onto another person's values
// (which merges two persons), and new people.
func fixtures(t *testing.T) string {
	t.Helper()
	fixOnce.Do(func() {
		fixDir, fixErr = os.MkdirTemp("", "dedup-state-test-")
		if fixErr != nil {
			return
		}
		g := filepath.Join(fixDir, "gen")
		if _, fixErr = gen.Generate(context.Background(), gen.Options{People: 2500, Seed: 22, Workers: 2, OutDir: g, Quiet: true}); fixErr != nil {
			return
		}
		var cols []string
		var rows [][]string
		files, err := dataio.ListInputs([]string{filepath.Join(g, "population")})
		if err != nil {
			fixErr = err
			return
		}
		for _, f := range files {
			r, err := dataio.Open(f, dataio.ReadOptions{AsStrings: true})
			if err != nil {
				fixErr = err
				return
			}
			cols = nil
			for _, fl := range r.Schema().Fields() {
				cols = append(cols, fl.Name)
			}
			for r.Next() {
				rec := r.Batch()
				for i := 0; i < int(rec.NumRows()); i++ {
					row := make([]string, len(cols))
					for j := range cols {
						row[j] = rec.Column(j).ValueStr(i)
						if rec.Column(j).IsNull(i) {
							row[j] = ""
						}
					}
					rows = append(rows, row)
				}
			}
			r.Close()
		}
		col := func(name string) int { return slices.Index(cols, name) }
		id, name, dob, nid := col("record_id"), col("full_name"), col("date_of_birth"), col("national_id")
		for n := 0; n < nights; n++ {
			if n > 0 {
				rng := rand.New(rand.NewPCG(uint64(n), 22))
				var next [][]string
				for _, row := range rows {
					switch x := rng.IntN(1000); {
					case x < 8: // deleted
						continue
					case x < 16: // corrected: a new name, or re-typed with a typo
						row = slices.Clone(row)
						row[name] += "h"
					case x < 20: // moved onto another person's values
						other := rows[rng.IntN(len(rows))]
						keep := row[id]
						row = slices.Clone(other)
						row[id] = keep
					case x < 26: // registered again
						dup := slices.Clone(row)
						dup[id] = fmt.Sprintf("N%d-%06d", n, len(next))
						next = append(next, dup)
					case x < 32: // a new person
						born := slices.Clone(row)
						born[id] = fmt.Sprintf("B%d-%06d", n, len(next))
						born[name] = fmt.Sprintf("Trần Văn Mới %d %d", n, len(next))
						born[dob] = fmt.Sprintf("%04d-01-%02d", 2026, 1+len(next)%28)
						born[nid] = ""
						next = append(next, born)
					}
					next = append(next, row)
				}
				rows = next
			}
			dir := filepath.Join(fixDir, fmt.Sprintf("night%d", n))
			if fixErr = os.MkdirAll(dir, 0o700); fixErr != nil {
				return
			}
			w, err := dataio.Create(filepath.Join(dir, "population.parquet"), dataio.StringSchema(cols...))
			if err != nil {
				fixErr = err
				return
			}
			b := dataio.NewStringBatchBuilder(dataio.StringSchema(cols...))
			for _, row := range rows {
				b.Append(row)
			}
			rec := b.NewBatch()
			if fixErr = w.Write(rec); fixErr == nil {
				fixErr = w.Commit()
			}
			rec.Release()
			b.Release()
			if fixErr != nil {
				return
			}
		}
	})
	if fixErr != nil {
		t.Fatal(fixErr)
	}
	return fixDir
}

func snapshot(t *testing.T, n int) string {
	return filepath.Join(fixtures(t), fmt.Sprintf("night%d", n))
}

func TestMain(m *testing.M) {
	if spec := os.Getenv("DEDUP_STATE_TEST_CHILD"); spec != "" {
		os.Exit(child(spec))
	}
	code := m.Run()
	if fixDir != "" {
		os.RemoveAll(fixDir)
	}
	os.Exit(code)
}

// child runs one night and kills itself with SIGKILL at the fault point
// spec names ("point|state|out|input").
func child(spec string) int {
	f := strings.Split(spec, "|")
	point := f[0]
	opt := Options{Dir: f[1], fault: func(p string) {
		if p == point {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
		}
	}}
	if _, err := Run(context.Background(), config.Default(), pipeline.Options{OutDir: f[2], Inputs: []string{f[3]}, Workers: 2, Progress: quiet}, opt); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func night(t *testing.T, stateDir, out, input string, workers int) *runfolder.Manifest {
	t.Helper()
	m, err := Run(context.Background(), config.Default(), pipeline.Options{OutDir: out, Inputs: []string{input}, Workers: workers, Progress: quiet}, Options{Dir: stateDir})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// membership is a run's clusters as sorted lists of "source/record_id",
// the lists sorted: the clusters without their IDs.
func membership(t *testing.T, dir string) []string {
	t.Helper()
	byCluster := map[string][]string{}
	err := dataio.EachRow(filepath.Join(dir, runfolder.FileClusters), []string{runfolder.ColSource, runfolder.ColRecordID, runfolder.ColClusterID}, func(v []string) error {
		byCluster[v[2]] = append(byCluster[v[2]], v[0]+"/"+v[1])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range byCluster {
		slices.Sort(m)
		out = append(out, strings.Join(m, " "))
	}
	slices.Sort(out)
	return out
}

// persons is a night's record → person_id and person → records.
func persons(t *testing.T, dir string) (map[string]string, map[string][]string) {
	t.Helper()
	rec := map[string]string{}
	per := map[string][]string{}
	err := dataio.EachRow(filepath.Join(dir, runfolder.FileClusters), []string{runfolder.ColSource, runfolder.ColRecordID, runfolder.ColPersonID}, func(v []string) error {
		rec[v[0]+"/"+v[1]] = v[2]
		per[v[2]] = append(per[v[2]], v[0]+"/"+v[1])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rs := range per {
		slices.Sort(rs)
	}
	return rec, per
}

// changes is a night's changes.parquet as "person event" → other.
func changes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := dataio.EachRow(filepath.Join(dir, runfolder.FileChanges), []string{runfolder.ColPersonID, runfolder.ColEvent, runfolder.ColOtherPersonID}, func(v []string) error {
		out[v[0]+" "+v[1]] = v[2]
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// hashes of the input rows by "source/record_id", through the night's own
// content hash; of a record id read twice, the first row's (a run keeps
// it and rejects the others).
func rowHashes(t *testing.T, input string) map[string]uint64 {
	t.Helper()
	cfg := config.Default()
	files, err := pipeline.InputFiles(cfg, []string{input}, "")
	if err != nil {
		t.Fatal(err)
	}
	seg, err := createRaw(filepath.Join(t.TempDir(), "raw.bin"))
	if err != nil {
		t.Fatal(err)
	}
	scan, err := readSnapshot(context.Background(), cfg, files, nil, seg, 0, true, 2)
	seg.abort()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint64{}
	for _, d := range scan.dirty {
		k := d.key.Source + "/" + d.key.ID
		if _, ok := out[k]; !ok {
			out[k] = d.hash
		}
	}
	return out
}

// register is the state's whole register: record → person ID and person
// → records (sorted).
func register(t *testing.T, stateDir string) (map[string]string, map[string][]string) {
	t.Helper()
	rec := map[string]string{}
	per := map[string][]string{}
	err := Lookup(stateDir, func(k Key, p string) error {
		r := k.Source + "/" + k.ID
		rec[r] = p
		per[p] = append(per[p], r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rec, per
}

// groups is the persons' record lists, sorted: the clusters without IDs.
func groups(per map[string][]string) []string {
	var out []string
	for _, rs := range per {
		out = append(out, strings.Join(rs, " "))
	}
	slices.Sort(out)
	return out
}

// TestNights runs the nights on one state and checks after each: the
// clusters equal a full run with the state's model over the snapshot;
// persons whose records did not change keep their IDs unless changes.parquet
// says why; every ID that appears or disappears has its changes row; and
// the same nights on one worker give the same state and outputs.
func TestNights(t *testing.T) {
	stateDir := t.TempDir()
	state1 := t.TempDir()
	stateFull := t.TempDir()
	var prevRec map[string]string
	var prevPer map[string][]string
	var prevHash map[string]uint64
	merges, splits, retired := 0, 0, 0
	for n := 0; n < nights; n++ {
		input := snapshot(t, n)
		out := filepath.Join(t.TempDir(), "out")
		m := night(t, stateDir, out, input, 2)
		if m.Night == nil || m.Night.Night != n+1 {
			t.Fatalf("night %d: manifest night %+v", n, m.Night)
		}
		// The same night on one worker, spilled, on its own state.
		out1 := filepath.Join(t.TempDir(), "out")
		if _, err := Run(context.Background(), config.Default(), pipeline.Options{OutDir: out1, Inputs: []string{input}, Workers: 1,
			Spill: pipeline.SpillAlways, Progress: quiet}, Options{Dir: state1}); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{runfolder.FileClusters, runfolder.FileGolden, runfolder.FileChanges} {
			if fileDigest(t, filepath.Join(out, f)) != fileDigest(t, filepath.Join(out1, f)) {
				t.Errorf("night %d: %s differs between 2 workers in memory and 1 spilled", n, f)
			}
		}
		for _, f := range []string{fileRecords, fileKeys, filePairs, filePersons, fileCapped, fileState} {
			g := genName(n + 1)
			if fileDigest(t, filepath.Join(stateDir, g, f)) != fileDigest(t, filepath.Join(state1, g, f)) {
				t.Errorf("night %d: state %s differs between 2 workers in memory and 1 spilled", n, f)
			}
		}

		// Same clusters as a full run with the state's model.
		full := filepath.Join(t.TempDir(), "full")
		if _, err := pipeline.Run(context.Background(), config.Default(), pipeline.Options{OutDir: full, Inputs: []string{input},
			ModelPath: filepath.Join(out, runfolder.FileModel), Workers: 2, Progress: quiet}); err != nil {
			t.Fatal(err)
		}
		rec, per := register(t, stateDir)
		if got, want := groups(per), membership(t, full); !slices.Equal(got, want) {
			t.Errorf("night %d: %d clusters, the full run %d: membership differs", n, len(got), len(want))
		}
		// The same night re-scoring everything (--full) on its own state
		// gives the same persons, IDs and events.
		outF := filepath.Join(t.TempDir(), "out")
		if _, err := Run(context.Background(), config.Default(), pipeline.Options{OutDir: outF, Inputs: []string{input}, Workers: 2, Progress: quiet},
			Options{Dir: stateFull, Full: true}); err != nil {
			t.Fatal(err)
		}
		if recF, _ := register(t, stateFull); !maps.Equal(rec, recF) {
			t.Errorf("night %d: the incremental night's person IDs differ from a full night's", n)
		}
		if got, want := changes(t, out), changes(t, outF); !maps.Equal(got, want) {
			t.Errorf("night %d: the incremental night's events differ from a full night's:\n%v\n%v", n, got, want)
		}
		// The night's clusters hold every record it re-scored, with the
		// person IDs of the register.
		nightRec, _ := persons(t, out)
		if int64(len(nightRec)) != m.Night.Rescored {
			t.Errorf("night %d: clusters.parquet holds %d records, the manifest says %d re-scored", n, len(nightRec), m.Night.Rescored)
		}
		for r, p := range nightRec {
			if rec[r] != p {
				t.Errorf("night %d: record %s is %s in clusters.parquet, %s in the register", n, r, p, rec[r])
				break
			}
		}
		t.Logf("night %d: %d records, new %d changed %d deleted %d, region %d, re-scored %d, events %v", n, len(rec), m.Night.New, m.Night.Changed, m.Night.Deleted, m.Night.Region, m.Night.Rescored, m.Night.Events)
		if n > 0 && (m.Night.Full || m.Night.Rescored*4 > int64(len(rec))) {
			t.Errorf("night %d: re-scored %d of %d records (full %v): not incremental", n, m.Night.Rescored, len(rec), m.Night.Full)
		}

		hash := rowHashes(t, input)
		ch := changes(t, out)
		st := m.Night
		if n > 0 {
			var nw, chg, unch, del int64
			for r, h := range hash {
				if old, ok := prevHash[r]; !ok {
					nw++
				} else if old != h {
					chg++
				} else {
					unch++
				}
			}
			for r := range prevHash {
				if _, ok := hash[r]; !ok {
					del++
				}
			}
			if st.New != nw || st.Changed != chg || st.Unchanged != unch || st.Deleted != del {
				t.Errorf("night %d: counts %+v, want new %d changed %d unchanged %d deleted %d", n, st, nw, chg, unch, del)
			}
			if nw == 0 || chg == 0 || del == 0 {
				t.Errorf("night %d: the fixture changed too little: %d new, %d changed, %d deleted", n, nw, chg, del)
			}
		}
		// Stable IDs: a person whose records are all present and unchanged
		// and still one cluster keeps the ID, unless merged (with its row).
		for p, rs := range prevPer {
			same := true
			for _, r := range rs {
				if h, ok := hash[r]; !ok || h != prevHash[r] {
					same = false
				}
			}
			if !same {
				continue
			}
			if now := rec[rs[0]]; now != p {
				if ch[p+" "+EventMergedInto] != now {
					t.Errorf("night %d: person %s with unchanged records is now %s without a merged_into row", n, p, now)
				}
			}
		}
		// Every ID that appears or disappears has its row.
		for p := range per {
			if _, ok := prevPer[p]; !ok {
				_, created := ch[p+" "+EventCreated]
				_, split := ch[p+" "+EventSplitFrom]
				if !created && !split {
					t.Errorf("night %d: new ID %s without a created or split_from row", n, p)
				}
			}
		}
		for p := range prevPer {
			if _, ok := per[p]; !ok {
				_, merged := ch[p+" "+EventMergedInto]
				_, gone := ch[p+" "+EventRetired]
				if !merged && !gone {
					t.Errorf("night %d: ID %s disappeared without a merged_into or retired row", n, p)
				}
			}
		}
		// Every changes row's person is in the registry, and an ID never
		// comes back.
		for key := range ch {
			p, ev, _ := strings.Cut(key, " ")
			switch ev {
			case EventMergedInto:
				merges++
			case EventSplitFrom:
				splits++
			case EventRetired:
				retired++
			}
			if ev == EventCreated || ev == EventSplitFrom {
				if _, ok := prevPer[p]; ok {
					t.Errorf("night %d: %s created again", n, p)
				}
			}
		}
		prevRec, prevPer, prevHash = rec, per, hash
	}
	_ = prevRec
	if merges == 0 || splits == 0 || retired == 0 {
		t.Errorf("the nights exercised %d merges, %d splits, %d retirements: want each", merges, splits, retired)
	}
}

func fileDigest(t *testing.T, path string) string {
	t.Helper()
	_, s, err := fileSum(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestKill kills a night (SIGKILL, in a child process) at each point a
// kill can land between writes, then reruns it: the state and outputs
// equal an uninterrupted night's.
func TestKill(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a dozen nights")
	}
	base := t.TempDir()
	ref := filepath.Join(base, "ref")
	night(t, ref, filepath.Join(base, "o0"), snapshot(t, 0), 2)
	refOut := filepath.Join(base, "refout")
	night(t, ref, refOut, snapshot(t, 1), 2)
	for _, point := range []string{"after-scan", "after-run", "outputs-partial", "outputs-written", "state-records", "state-written", "state-renamed", "state-switched"} {
		t.Run(point, func(t *testing.T) {
			dir := t.TempDir()
			stateDir := filepath.Join(dir, "state")
			night(t, stateDir, filepath.Join(dir, "o0"), snapshot(t, 0), 2)
			out := filepath.Join(dir, "out")
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "DEDUP_STATE_TEST_CHILD="+strings.Join([]string{point, stateDir, out, snapshot(t, 1)}, "|"))
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("child: %v, want killed", err)
			}
			// The previous generation (or, killed after the switch, the
			// new one) is usable.
			g, err := load(stateDir, config.Default().Digest())
			if err == nil {
				err = g.readTables(stateDir)
			}
			if err != nil {
				t.Fatalf("after the kill: %v", err)
			}
			if point == "state-switched" {
				// The night is done: the pointer names it.
				if g, _, _, _ := current(stateDir); g != genName(2) {
					t.Fatalf("pointer %s after the switch", g)
				}
				return
			}
			night(t, stateDir, out, snapshot(t, 1), 2)
			for _, f := range []string{runfolder.FileClusters, runfolder.FileGolden, runfolder.FileChanges, runfolder.FilePairs} {
				if fileDigest(t, filepath.Join(out, f)) != fileDigest(t, filepath.Join(refOut, f)) {
					t.Errorf("%s differs from the uninterrupted night's", f)
				}
			}
			for _, f := range []string{fileRecords, fileKeys, filePairs, filePersons, fileCapped, fileState, fileModel, fileFreqs, rawName(2)} {
				if fileDigest(t, filepath.Join(stateDir, genName(2), f)) != fileDigest(t, filepath.Join(ref, genName(2), f)) {
					t.Errorf("state %s differs from the uninterrupted night's", f)
				}
			}
			entries, _ := os.ReadDir(stateDir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if want := []string{fileCurrent, fileLock, genName(2)}; !slices.Equal(names, want) {
				t.Errorf("state folder holds %v, want %v", names, want)
			}
		})
	}
}

// TestBadState: another config, a truncated table, an altered state.json,
// a broken pointer: each a clear error, never a silent rebuild.
func TestBadState(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	night(t, stateDir, filepath.Join(dir, "o"), snapshot(t, 0), 2)
	gen := filepath.Join(stateDir, genName(1))
	copyState := func(t *testing.T) string {
		d := filepath.Join(t.TempDir(), "state")
		if err := os.CopyFS(d, os.DirFS(stateDir)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	_ = gen
	tests := []struct {
		name   string
		damage func(d string) error
		cfg    func() *config.Config
		want   error
		text   string
	}{
		{"another config", nil, func() *config.Config {
			c := config.Default()
			w := 3.5
			c.Threshold.MatchWeight = &w
			return c
		}, ErrConfigMismatch, "config digest"},
		{"truncated records", func(d string) error {
			return os.Truncate(filepath.Join(d, genName(1), fileRecords), 100)
		}, nil, ErrDamaged, fileRecords},
		{"altered state.json", func(d string) error {
			p := filepath.Join(d, genName(1), fileState)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, []byte(strings.Replace(string(b), `"night": 1`, `"night": 7`, 1)), 0o600)
		}, nil, ErrDamaged, fileState},
		{"a byte altered in the keys", func(d string) error {
			p := filepath.Join(d, genName(1), fileKeys)
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			b[len(b)/2] ^= 0x10
			return os.WriteFile(p, b, 0o600)
		}, nil, ErrDamaged, fileKeys},
		{"truncated pointer", func(d string) error {
			return os.Truncate(filepath.Join(d, fileCurrent), 20)
		}, nil, ErrDamaged, fileCurrent},
		{"missing generation", func(d string) error {
			return os.RemoveAll(filepath.Join(d, genName(1)))
		}, nil, ErrDamaged, fileState},
		{"registry altered consistently with its checksum", func(d string) error {
			return os.WriteFile(filepath.Join(d, genName(1), filePersons), []byte("not a table"), 0o600)
		}, nil, ErrDamaged, filePersons},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := copyState(t)
			if tc.damage != nil {
				if err := tc.damage(d); err != nil {
					t.Fatal(err)
				}
			}
			cfg := config.Default()
			if tc.cfg != nil {
				cfg = tc.cfg()
			}
			_, err := Run(context.Background(), cfg, pipeline.Options{OutDir: filepath.Join(t.TempDir(), "o"), Inputs: []string{snapshot(t, 1)}, Workers: 2, Progress: quiet}, Options{Dir: d})
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("error %v, want %v naming %s", err, tc.want, tc.text)
			}
		})
	}
}

// TestLocked: a night on a state folder in use (by a night, or by a
// reader such as dedup link) is refused; readers share the folder with
// each other but not with a night.
func TestLocked(t *testing.T) {
	dir := t.TempDir()
	if _, err := Run(context.Background(), config.Default(), pipeline.Options{OutDir: filepath.Join(t.TempDir(), "o"), Inputs: []string{snapshot(t, 0)}, Workers: 2, Progress: quiet}, Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		holder func(string) (func(), error)
	}{{"night", lock}, {"reader", lockShared}} {
		t.Run(tc.name, func(t *testing.T) {
			unlock, err := tc.holder(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
			_, err = Run(context.Background(), config.Default(), pipeline.Options{OutDir: filepath.Join(t.TempDir(), "o"), Inputs: []string{snapshot(t, 0)}, Progress: quiet}, Options{Dir: dir})
			if err == nil || !strings.Contains(err.Error(), "in use") {
				t.Fatalf("night: error %v, want the folder in use", err)
			}
			reg, err := Open(dir)
			if tc.name == "night" {
				if err == nil || !strings.Contains(err.Error(), "a night is running") {
					t.Fatalf("Open: error %v, want a night running", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open beside another reader: %v", err)
			}
			reg.Close()
		})
	}
}

// TestRetrain: --retrain trains tonight's model, which the state then
// keeps; --model is refused once the state has one.
func TestRetrain(t *testing.T) {
	dir := t.TempDir()
	stateDir := filepath.Join(dir, "state")
	night(t, stateDir, filepath.Join(dir, "o1"), snapshot(t, 0), 2)
	m := night(t, stateDir, filepath.Join(dir, "o2"), snapshot(t, 1), 2)
	if m.Night.Retrained {
		t.Error("night 2 retrained without --retrain")
	}
	out := filepath.Join(dir, "o3")
	m, err := Run(context.Background(), config.Default(), pipeline.Options{OutDir: out, Inputs: []string{snapshot(t, 2)}, Workers: 2, Progress: quiet}, Options{Dir: stateDir, Retrain: true})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Night.Retrained {
		t.Error("--retrain: the manifest says the state's model was used")
	}
	if fileDigest(t, filepath.Join(out, runfolder.FileModel)) != fileDigest(t, filepath.Join(stateDir, genName(3), fileModel)) {
		t.Error("the state does not keep tonight's model")
	}
	_, err = Run(context.Background(), config.Default(), pipeline.Options{OutDir: filepath.Join(dir, "o4"), Inputs: []string{snapshot(t, 2)},
		ModelPath: filepath.Join(out, runfolder.FileModel), Progress: quiet}, Options{Dir: stateDir})
	if err == nil || !strings.Contains(err.Error(), "--model") {
		t.Errorf("--model with a state: %v, want refused", err)
	}
}

// TestOutInsideInput: --out inside the snapshot's folder is refused (the
// next night would read it as records), before anything is written.
func TestOutInsideInput(t *testing.T) {
	in := snapshot(t, 0)
	out := filepath.Join(in, "out")
	_, err := Run(context.Background(), config.Default(), pipeline.Options{OutDir: out, Inputs: []string{in}, Progress: quiet}, Options{Dir: t.TempDir()})
	if err == nil {
		t.Fatal("--out inside the input folder was accepted")
	}
	if _, serr := os.Stat(out); serr == nil {
		t.Error("the refused night created --out")
	}
}

// TestMappedSource: a source that names its columns its own way
// (sources[].record_id and columns) runs its nights like one that does
// not. The content hash reads the run's own projection of each file; it
// read the config's column names and failed on such a source.
func TestMappedSource(t *testing.T) {
	rename := map[string]string{"record_id": "ma_so", "full_name": "ho_ten"}
	dir := t.TempDir()
	var inputs []string
	for n := 0; n < 2; n++ {
		in := filepath.Join(dir, fmt.Sprintf("night%d", n))
		cols, rows := readRows(t, filepath.Join(snapshot(t, n), "population.parquet"))
		for j, c := range cols {
			if to, ok := rename[c]; ok {
				cols[j] = to
			}
		}
		writeRows(t, filepath.Join(in, "population.parquet"), cols, rows)
		inputs = append(inputs, in)
	}
	cfg := config.Default()
	cfg.Sources[0].RecordID = "ma_so"
	cfg.Sources[0].Columns = map[string]config.ColumnList{"name": {"ho_ten"}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	stateDir := filepath.Join(dir, "state")
	var outs []string
	for n, in := range inputs {
		out := filepath.Join(dir, fmt.Sprintf("o%d", n))
		if _, err := Run(context.Background(), cfg, pipeline.Options{OutDir: out, Inputs: []string{in}, Workers: 2, Progress: quiet}, Options{Dir: stateDir}); err != nil {
			t.Fatalf("night %d: %v", n+1, err)
		}
		outs = append(outs, out)
	}
	// The mapped nights give the clusters the plain ones give.
	plain := t.TempDir()
	for n := range inputs {
		night(t, filepath.Join(plain, "state"), filepath.Join(plain, fmt.Sprintf("o%d", n)), snapshot(t, n), 2)
	}
	for n, out := range outs {
		got, want := membership(t, out), membership(t, filepath.Join(plain, fmt.Sprintf("o%d", n)))
		if !slices.Equal(got, want) {
			t.Errorf("night %d: mapped source's clusters differ from the plain source's", n+1)
		}
	}
	_, got := register(t, stateDir)
	_, want := register(t, filepath.Join(plain, "state"))
	if !slices.Equal(groups(got), groups(want)) {
		t.Error("the mapped source's register differs from the plain source's")
	}
}

// readRows reads a snapshot's table as strings (null as "").
func readRows(t *testing.T, path string) ([]string, [][]string) {
	t.Helper()
	r, err := dataio.Open(path, dataio.ReadOptions{AsStrings: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var cols []string
	for _, f := range r.Schema().Fields() {
		cols = append(cols, f.Name)
	}
	var rows [][]string
	for r.Next() {
		b := r.Batch()
		for i := 0; i < int(b.NumRows()); i++ {
			row := make([]string, len(cols))
			for j := range cols {
				row[j] = strings.Clone(b.Column(j).(*array.String).Value(i))
			}
			rows = append(rows, row)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return cols, rows
}

func writeRows(t *testing.T, path string, cols []string, rows [][]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	w, err := dataio.Create(path, dataio.StringSchema(cols...))
	if err != nil {
		t.Fatal(err)
	}
	b := dataio.NewStringBatchBuilder(dataio.StringSchema(cols...))
	for _, row := range rows {
		b.Append(row)
	}
	rec := b.NewBatch()
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	b.Release()
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

// TestDuplicateIDs: of a record id read twice in tonight's snapshot the
// first row is the record and the others are rejected, as in a full run,
// whether the rows are unchanged, changed or new; the night's rejects name the snapshot's own
// file and rows, and the register equals a full run's clusters.
func TestDuplicateIDs(t *testing.T) {
	dir := t.TempDir()
	cols, rows := readRows(t, filepath.Join(snapshot(t, 1), "population.parquet"))
	id := slices.Index(cols, "record_id")
	unchanged := slices.Clone(rows[5]) // the same row twice
	changed := slices.Clone(rows[9])   // an old id with two new versions
	changed[slices.Index(cols, "full_name")] += "x"
	changed2 := slices.Clone(changed)
	changed2[slices.Index(cols, "full_name")] += "y"
	fresh := slices.Clone(rows[12]) // a new id twice
	fresh[id] = "DUP-NEW"
	rows[9] = changed
	rows = append(rows, unchanged, changed2, fresh, fresh)
	in := filepath.Join(dir, "in", "population.parquet")
	writeRows(t, in, cols, rows)

	stateDir := filepath.Join(dir, "state")
	night(t, stateDir, filepath.Join(dir, "o0"), snapshot(t, 1), 2)
	out := filepath.Join(dir, "o1")
	m := night(t, stateDir, out, filepath.Dir(in), 2)
	if m.Night.Full {
		t.Fatal("the second night re-scored everything")
	}
	full := filepath.Join(dir, "full")
	fm, err := pipeline.Run(context.Background(), config.Default(), pipeline.Options{OutDir: full, Inputs: []string{filepath.Dir(in)},
		ModelPath: filepath.Join(out, runfolder.FileModel), Workers: 2, Progress: quiet})
	if err != nil {
		t.Fatal(err)
	}
	_, per := register(t, stateDir)
	if got, want := groups(per), membership(t, full); !slices.Equal(got, want) {
		t.Errorf("%d persons, the full run %d clusters: membership differs", len(got), len(want))
	}
	if m.RowsRejected != fm.RowsRejected || m.RowsRejected != 3 || m.RowsIn != fm.RowsIn || m.RowsClustered != fm.RowsClustered {
		t.Errorf("night: %d in, %d rejected, %d records; full run: %d, %d, %d (want 3 rejected)", m.RowsIn, m.RowsRejected, m.RowsClustered, fm.RowsIn, fm.RowsRejected, fm.RowsClustered)
	}
	rejects := func(dir string) []string {
		var out []string
		err := dataio.EachRow(filepath.Join(dir, runfolder.FileRejects), []string{runfolder.ColFile, runfolder.ColRow, runfolder.ColReason}, func(v []string) error {
			out = append(out, strings.Join(v, "|"))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	if got, want := rejects(out), rejects(full); !slices.Equal(got, want) {
		t.Errorf("the night's rejects\n%q\nthe full run's\n%q", got, want)
	}
}

// TestChangeFiles: a night given only the upserts and a deletes table
// gives the register a night over the whole snapshot gives (same persons,
// same IDs); a deletes table naming a record the state does not hold is
// an error naming its row; the first night needs a snapshot.
func TestChangeFiles(t *testing.T) {
	dir := t.TempDir()
	cols, rows1 := readRows(t, filepath.Join(snapshot(t, 1), "population.parquet"))
	_, rows2 := readRows(t, filepath.Join(snapshot(t, 2), "population.parquet"))
	id := slices.Index(cols, "record_id")
	before := map[string]string{}
	for _, r := range rows1 {
		before[r[id]] = strings.Join(r, "\x00")
	}
	var upserts [][]string
	now := map[string]bool{}
	for _, r := range rows2 {
		now[r[id]] = true
		if before[r[id]] != strings.Join(r, "\x00") {
			upserts = append(upserts, r)
		}
	}
	var deletes [][]string
	for _, r := range rows1 {
		if !now[r[id]] {
			deletes = append(deletes, []string{r[id]})
		}
	}
	if len(upserts) == 0 || len(deletes) == 0 {
		t.Fatalf("%d upserts, %d deletes: the fixture changed too little", len(upserts), len(deletes))
	}
	up := filepath.Join(dir, "up", "population.parquet")
	writeRows(t, up, cols, upserts)
	del := filepath.Join(dir, "deletes.parquet")
	writeRows(t, del, []string{"record_id"}, deletes)

	chg, snap := filepath.Join(dir, "changes"), filepath.Join(dir, "snap")
	night(t, chg, filepath.Join(dir, "c1"), snapshot(t, 1), 2)
	night(t, snap, filepath.Join(dir, "s1"), snapshot(t, 1), 2)
	out := filepath.Join(dir, "c2")
	m, err := Run(context.Background(), config.Default(), pipeline.Options{OutDir: out, Inputs: []string{filepath.Dir(up)}, Workers: 2, Progress: quiet},
		Options{Dir: chg, Changes: true, Deletes: del})
	if err != nil {
		t.Fatal(err)
	}
	ms := night(t, snap, filepath.Join(dir, "s2"), snapshot(t, 2), 2)
	recC, _ := register(t, chg)
	recS, _ := register(t, snap)
	if !maps.Equal(recC, recS) {
		t.Errorf("the change night's register (%d records) differs from the snapshot night's (%d)", len(recC), len(recS))
	}
	if m.Night.New != ms.Night.New || m.Night.Changed != ms.Night.Changed || m.Night.Deleted != ms.Night.Deleted || m.Night.Unchanged != ms.Night.Unchanged {
		t.Errorf("change night %+v, snapshot night %+v", m.Night, ms.Night)
	}
	if got, want := changes(t, out), changes(t, filepath.Join(dir, "s2")); !maps.Equal(got, want) {
		t.Errorf("the change night's events differ from the snapshot night's")
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("record_id\nNO-SUCH-ID\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), config.Default(), pipeline.Options{OutDir: filepath.Join(dir, "c3"), Workers: 2, Progress: quiet},
		Options{Dir: chg, Changes: true, Deletes: bad})
	if err == nil || !strings.Contains(err.Error(), "bad.csv row 1") || strings.Contains(err.Error(), "NO-SUCH-ID") {
		t.Errorf("unknown delete: %v, want an error naming the row and not the id", err)
	}
	_, err = Run(context.Background(), config.Default(), pipeline.Options{OutDir: filepath.Join(dir, "c4"), Inputs: []string{filepath.Dir(up)}, Workers: 2, Progress: quiet},
		Options{Dir: filepath.Join(dir, "empty"), Changes: true})
	if err == nil || !strings.Contains(err.Error(), "snapshot") {
		t.Errorf("a first night of changes: %v, want refused", err)
	}
}
