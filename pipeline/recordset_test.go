package pipeline

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/runfolder"
	"github.com/dedup-vn/dedup/store"
)

// loadStore loads inputs as a run does, in batches of batch rows, and
// returns the run's store.
func loadStore(t *testing.T, cfg *config.Config, inputs []string, batch int) *store.Store {
	t.Helper()
	out := t.TempDir()
	r := &runner{cfg: cfg, schema: store.SchemaOf(cfg.Fields), opt: Options{OutDir: out, Workers: 2, BatchSize: batch, MemoryLimit: 1 << 30, Inputs: inputs, Progress: quietProgress}}
	var err error
	if r.files, err = resolveInputs(cfg, r.opt.Inputs, ""); err != nil {
		t.Fatal(err)
	}
	for _, f := range r.files {
		r.inputs = append(r.inputs, runfolder.InputStat{Source: cfg.Sources[f.source].Name, File: f.path})
	}
	o := newOutputs(out, false)
	defer o.abort()
	if r.rejects, err = o.rejectSink(r); err != nil {
		t.Fatal(err)
	}
	if err := r.load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r.st
}

// TestKeysByWindow checks that a rule's keys computed a window of the
// record set at a time on several workers are the keys of the whole
// store (the store repeats the generated records so that it spans
// several windows).
func TestKeysByWindow(t *testing.T) {
	cfg := config.Default()
	one := loadStore(t, cfg, []string{filepath.Join(generated(t), "population")}, 1000)
	all := make([]int32, one.N)
	for i := range all {
		all[i] = int32(i)
	}
	st := store.New(store.SchemaOf(cfg.Fields), 0)
	for st.N < 3<<16 {
		if err := st.AppendRows(one, all); err != nil {
			t.Fatal(err)
		}
	}
	dropped := make([]bool, st.N)
	dropped[7] = true
	r := &runner{cfg: cfg, schema: store.SchemaOf(cfg.Fields), opt: Options{Workers: 3}, set: store.InMemory(st, 3), st: st, dropped: dropped}
	for k, rule := range cfg.Blocking.Rules {
		got, err := r.keys(context.Background(), uint64(k), rule)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ruleKeys(st, dropped, uint64(k), rule)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("rule %s: keys by window differ from the whole store's", rule.Name)
		}
	}
}
