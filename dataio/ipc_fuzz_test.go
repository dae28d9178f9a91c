package dataio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// ipcSeeds are the valid Arrow IPC files FuzzIPCReader mutates: the
// package writer's own output (file format, zstd) for a string and a typed
// table, and the same string table uncompressed in file and stream format,
// where mutations reach the offsets and values directly.
func ipcSeeds(t testing.TB) [][]byte {
	dir := t.TempDir()
	var out [][]byte
	rows := append(someRows, []string{"4", nullMark, "+84 912"}, []string{"5", "Đặng Văn E", "0912 345 678"})
	strPath := filepath.Join(dir, "s.arrow")
	writeStrings(t, strPath, threeCols, rows)
	typedPath := filepath.Join(dir, "typed.arrow")
	writeBatch(t, typedPath, typedBatch(t))
	for _, p := range []string{strPath, typedPath} {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	sc := StringSchema(threeCols...)
	build := func() arrow.RecordBatch {
		b := NewStringBatchBuilder(sc)
		defer b.Release()
		for _, row := range rows {
			for j, v := range row {
				if v == nullMark {
					b.Column(j).AppendNull()
				} else {
					b.Column(j).Append(v)
				}
			}
		}
		return b.NewBatch()
	}
	var file, stream bytes.Buffer
	fw, err := ipc.NewFileWriter(&file, ipc.WithSchema(sc))
	if err != nil {
		t.Fatal(err)
	}
	sw := ipc.NewWriter(&stream, ipc.WithSchema(sc))
	for range 2 { // two record batches, so that the reader moves between them
		rec := build()
		if err := fw.Write(rec); err != nil {
			t.Fatal(err)
		}
		if err := sw.Write(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := sw.Close(); err != nil {
		t.Fatal(err)
	}
	return append(out, file.Bytes(), stream.Bytes())
}

// FuzzIPCReader: mutated Arrow IPC files (file or stream format) give an
// error or batches, never a panic or a hang. An error is a *dataio.Error;
// a delivered batch has the reader's schema, columns of the batch's length,
// and string cells that are valid UTF-8, hold no NUL and keep the size
// limit; every row delivered or rejected is counted.
func FuzzIPCReader(f *testing.F) {
	for _, seed := range ipcSeeds(f) {
		f.Add(seed, false)
		f.Add(seed, true)
		f.Add(seed[:len(seed)/2], false)
		f.Add(seed[len(seed)/3:], false)
		for _, at := range []int{6, 9, len(seed) / 3, len(seed) / 2, len(seed) - 12, len(seed) - 9} {
			m := bytes.Clone(seed)
			m[at] ^= 0xFF
			f.Add(m, true)
		}
	}
	// One file per fuzzing process, rewritten by each call (calls in a
	// process are sequential): a temporary folder per call would cost more
	// than the read.
	path := filepath.Join(f.TempDir(), "f.arrow")
	f.Fuzz(func(t *testing.T, data []byte, asStrings bool) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		var rejected int64
		r, err := Open(path, ReadOptions{AsStrings: asStrings, BatchSize: 2, MaxCellBytes: 64, OnReject: func(Reject) { rejected++ }})
		if err != nil {
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("Open error %v is not a *dataio.Error", err)
			}
			return
		}
		defer r.Close()
		sc := r.Schema()
		var delivered int64
		for r.Next() {
			rec := r.Batch()
			if !rec.Schema().Equal(sc) {
				t.Fatalf("batch schema %v, reader schema %v", rec.Schema(), sc)
			}
			if rec.NumRows() <= 0 || rec.NumRows() > 2 {
				t.Fatalf("batch of %d rows with BatchSize 2", rec.NumRows())
			}
			for j, col := range rec.Columns() {
				if int64(col.Len()) != rec.NumRows() {
					t.Fatalf("column %d has %d values in a batch of %d rows", j, col.Len(), rec.NumRows())
				}
				if asStrings && col.DataType().ID() != arrow.STRING {
					t.Fatalf("column %d is %v with AsStrings", j, col.DataType())
				}
				s, ok := col.(*array.String)
				if !ok {
					continue
				}
				for i := 0; i < s.Len(); i++ {
					if s.IsNull(i) {
						continue
					}
					v := s.Value(i)
					if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 || len(v) > 64 {
						t.Fatalf("delivered a faulty cell %q", v)
					}
				}
			}
			delivered += rec.NumRows()
		}
		if err := r.Err(); err != nil {
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("read error %v is not a *dataio.Error", err)
			}
		}
		if r.RowsRead() != delivered || r.RowsRejected() != rejected {
			t.Fatalf("reader counts %d read, %d rejected; saw %d delivered, %d rejected", r.RowsRead(), r.RowsRejected(), delivered, rejected)
		}
	})
}

// TestIPCReaderHugeBufferLength overwrites each 4-byte-aligned 8 bytes of a
// zstd-compressed Arrow file with a length of a terabyte: where that is the
// uncompressed length arrow-go reads before a compressed buffer, it used to
// allocate it and the runtime died of "out of memory" (a fatal error that
// no recover catches). Every variant must now read or fail with an error.
func TestIPCReaderHugeBufferLength(t *testing.T) {
	seed := ipcSeeds(t)[0] // the package writer's output: zstd
	dir := t.TempDir()
	corrupt := 0
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for at := 0; at+8 <= len(seed); at += 4 {
		m := bytes.Clone(seed)
		binary.LittleEndian.PutUint64(m[at:], 1<<40)
		path := filepath.Join(dir, fmt.Sprintf("m%d.arrow", at))
		if err := os.WriteFile(path, m, 0o600); err != nil {
			t.Fatal(err)
		}
		r, err := Open(path, ReadOptions{AsStrings: true, OnReject: func(Reject) {}})
		if err != nil {
			corrupt++
			continue
		}
		for r.Next() {
		}
		if r.Err() != nil {
			corrupt++
		}
		r.Close()
	}
	runtime.ReadMemStats(&after)
	if corrupt == 0 {
		t.Fatal("no variant was found corrupt: the test does not reach the reader's checks")
	}
	// A damaged length in a file of a few hundred bytes is refused before
	// allocating: the stream reader used to allocate what the length said
	// (up to 2 GiB of metadata, zeroed), 22 GB over these variants.
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 256 {
		t.Errorf("reading %d damaged files of %d bytes allocated %d MiB", len(seed)/4, len(seed), mb)
	}
	t.Logf("allocated %d MiB", (after.TotalAlloc-before.TotalAlloc)>>20)
}
