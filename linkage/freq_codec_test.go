package linkage

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFreqTablesRoundTrip(t *testing.T) {
	tables := map[string]*FreqTable{
		"name": NewFreqTable([]uint64{HashValue([]byte("an")), HashValue([]byte("an")), HashValue([]byte("binh"))}),
		"addr": NewFreqTable(nil),
	}
	b := MarshalFreqTables(tables)
	if !bytes.Equal(b, MarshalFreqTables(tables)) {
		t.Fatal("two encodings of the same tables differ")
	}
	got, err := UnmarshalFreqTables(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["name"].Len() != 2 || got["addr"].Len() != 0 {
		t.Fatalf("decoded %v", got)
	}
	an := HashValue([]byte("an"))
	if f, want := got["name"].Freq(an), 2.0/3; f != want {
		t.Errorf("Freq(an) = %v, want %v", f, want)
	}
	// A value the frozen table never saw counts once: the rarest.
	if f, want := got["name"].Freq(HashValue([]byte("chau"))), 1.0/3; f != want {
		t.Errorf("Freq(unseen) = %v, want %v", f, want)
	}
	for cut := 0; cut < len(b); cut++ {
		if _, err := UnmarshalFreqTables(b[:cut]); !errors.Is(err, ErrFreqTables) {
			t.Fatalf("truncated at %d: %v, want ErrFreqTables", cut, err)
		}
	}
	flip := bytes.Clone(b)
	flip[len(flip)/2] ^= 1
	if _, err := UnmarshalFreqTables(flip); !errors.Is(err, ErrFreqTables) {
		t.Errorf("altered byte: %v, want ErrFreqTables", err)
	}
}

// FuzzUnmarshalFreqTables: any bytes decode or fail with ErrFreqTables,
// never panic; what decodes encodes to bytes that decode to the same.
func FuzzUnmarshalFreqTables(f *testing.F) {
	f.Add(MarshalFreqTables(map[string]*FreqTable{"name": NewFreqTable([]uint64{1, 1, 2})}))
	f.Add([]byte(freqMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := UnmarshalFreqTables(b)
		if err != nil {
			if !errors.Is(err, ErrFreqTables) {
				t.Fatalf("error %v is not ErrFreqTables", err)
			}
			return
		}
		again := MarshalFreqTables(got)
		back, err := UnmarshalFreqTables(again)
		if err != nil || !bytes.Equal(MarshalFreqTables(back), again) {
			t.Fatalf("decoded tables do not survive a round trip: %v", err)
		}
	})
}

// TestLoadModelFrequencies: a model naming frozen term frequencies loads
// them from beside it; a name outside its folder, a missing file and a
// damaged one are errors, never a model without them.
func TestLoadModelFrequencies(t *testing.T) {
	m, err := UnmarshalModel(trainSim(t, 0))
	if err != nil {
		t.Fatal(err)
	}
	m.Freqs = map[string]*FreqTable{}
	for _, c := range m.Comparisons {
		m.Freqs[c.Name] = NewFreqTable([]uint64{1, 1, 2})
	}
	m.TermFrequencies = "model.freq"
	dir := t.TempDir()
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	data, err := m.MarshalModel()
	if err != nil {
		t.Fatal(err)
	}
	write("model.json", data)
	freq := MarshalFreqTables(m.Freqs)
	write("model.freq", freq)
	got, err := LoadModel(filepath.Join(dir, "model.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Freqs) != len(m.Comparisons) {
		t.Fatalf("loaded %d tables, want %d", len(got.Freqs), len(m.Comparisons))
	}
	write("bad.json", bytes.Replace(data, []byte(`"model.freq"`), []byte(`"../model.freq"`), 1))
	if _, err := LoadModel(filepath.Join(dir, "bad.json")); !errors.Is(err, ErrModel) {
		t.Errorf("a frequency file outside the model's folder: %v, want ErrModel", err)
	}
	write("missing.json", bytes.Replace(data, []byte(`"model.freq"`), []byte(`"none.freq"`), 1))
	if _, err := LoadModel(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing frequency file loaded")
	}
	write("model.freq", freq[:len(freq)/2])
	if _, err := LoadModel(filepath.Join(dir, "model.json")); !errors.Is(err, ErrFreqTables) {
		t.Errorf("a truncated frequency file: %v, want ErrFreqTables", err)
	}
}
