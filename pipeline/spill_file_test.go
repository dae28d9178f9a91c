package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/dedup-vn/dedup/config"
	"github.com/dedup-vn/dedup/runfolder"
)

// spillTestStore loads a few hundred generated records into a store.
func spillTestStore(t *testing.T) (*config.Config, *store) {
	t.Helper()
	cfg := config.Default()
	return cfg, loadStore(t, cfg, []string{filepath.Join(generated(t), "population")}, 500)
}

// loadStore loads inputs as a run does, in batches of batch rows, and
// returns the run's store.
func loadStore(t *testing.T, cfg *config.Config, inputs []string, batch int) *store {
	t.Helper()
	out := t.TempDir()
	r := &runner{cfg: cfg, opt: Options{OutDir: out, Workers: 2, BatchSize: batch, MemoryLimit: 1 << 30, Inputs: inputs, Progress: quietProgress}}
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

// TestSpillFileRoundTrip: batches written to a spill file read back equal,
// column for column; a damaged batch is an error, not a panic.
func TestSpillFileRoundTrip(t *testing.T) {
	cfg, st := spillTestStore(t)
	dir, err := newSpillDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer dir.remove()
	f, err := dir.create("records")
	if err != nil {
		t.Fatal(err)
	}
	halves := []*store{newStore(cfg, 0), newStore(cfg, 0)}
	var rows [2][]int32
	for i := 0; i < st.n; i++ {
		rows[i%2] = append(rows[i%2], int32(i))
	}
	for h := range halves {
		if err := halves[h].appendRows(st, rows[h]); err != nil {
			t.Fatal(err)
		}
		if err := f.append(halves[h]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.flush(); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for h := range halves {
		got, nb, err := f.read(cfg, h, buf, nil)
		if err != nil {
			t.Fatal(err)
		}
		buf = nb
		a, _ := encodeStore(nil, got, nil)
		b, _ := encodeStore(nil, halves[h], nil)
		if !bytes.Equal(a, b) {
			t.Fatalf("batch %d reads back different (%d vs %d bytes encoded)", h, len(a), len(b))
		}
		// Reading one field decodes that field and the small columns only.
		part, _, err := f.read(cfg, h, nil, spillGroups(cfg, false, "name"))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(part.row, halves[h].row) || !bytes.Equal(part.field("name").str("folded").Data, halves[h].field("name").str("folded").Data) {
			t.Errorf("batch %d: the name field or the row numbers read back different alone", h)
		}
		if len(part.recordID.Offs) > 1 || len(part.field("address").str("street").Offs) > 1 {
			t.Errorf("batch %d: columns not asked for were decoded", h)
		}
	}
	// Damage the second batch's compressed bytes.
	data, err := os.ReadFile(f.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int64{f.offsets[1] + 3, f.offsets[1] + 20, int64(len(data)) - 5} {
		bad := bytes.Clone(data)
		bad[at] ^= 0x5a
		if err := os.WriteFile(f.path, bad, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.read(cfg, 1, nil, nil); err == nil && at < f.offsets[1]+16 {
			t.Errorf("damaged header at byte %d read without error", at)
		}
	}
}

// FuzzDecodeSpillBatch: decoding arbitrary bytes as a spilled batch never
// panics; what decodes re-encodes to the same bytes.
func FuzzDecodeSpillBatch(f *testing.F) {
	cfg := config.Default()
	small := newStore(cfg, 0)
	enc, _ := encodeStore(nil, small, nil)
	f.Add(enc, 0)
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 'x', 0, 0, 0, 0, 0, 0, 0}, 1)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 'x', 0, 0, 0, 0, 0, 0, 0}, 1)
	f.Fuzz(func(t *testing.T, raw []byte, rows int) {
		if rows < 0 || rows > 1<<16 {
			return
		}
		aligned := make([]uint64, (len(raw)+7)/8)
		b := asBytesU64(aligned)[:len(raw)]
		copy(b, raw)
		st, err := decodeStore(cfg, b, rows, nil, nil)
		if err != nil {
			return
		}
		// Every value of a decoded batch can be read.
		for _, c := range append([]*bytesColumn{&st.recordID}, stringColumns(st)...) {
			for i := 0; i < st.n; i++ {
				c.Get(int32(i))
			}
		}
		if got, _ := encodeStore(nil, st, nil); !bytes.Equal(got, raw) {
			t.Fatalf("decoded batch re-encodes to %d bytes, want the %d read", len(got), len(raw))
		}
	})
}

func asBytesU64(v []uint64) []byte {
	if len(v) == 0 {
		return []byte{}
	}
	return asBytes(v)
}

func stringColumns(st *store) []*bytesColumn {
	var cols []*bytesColumn
	for i := range st.fields {
		for j := range st.fields[i].strs {
			cols = append(cols, &st.fields[i].strs[j])
		}
	}
	return cols
}

// FuzzDecodeSpillBatchBlock: a damaged compressed batch (directory and
// blocks) is an error, never a panic.
func FuzzDecodeSpillBatchBlock(f *testing.F) {
	cfg := config.Default()
	enc, _ := encodeSpillBatch(newStore(cfg, 0), nil)
	f.Add(enc, 0, false)
	f.Fuzz(func(t *testing.T, enc []byte, rows int, partial bool) {
		if rows < 0 || rows > 1<<16 {
			return
		}
		var want []bool
		if partial {
			want = spillGroups(cfg, false, "name")
		}
		decodeSpillBatch(cfg, enc, rows, want)
	})
}
