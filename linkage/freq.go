package linkage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
)

// HashValue is the 64-bit FNV-1a hash of a value, the key of a FreqTable.
// It is fixed (no random seed) so tables built by different workers or
// runs agree.
func HashValue(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// HashInt is the FreqTable key of an integer code.
func HashInt(v int32) uint64 {
	return HashValue([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
}

// FreqTable gives the relative frequency of values in a column: the count
// of a value over the count of non-null values. It is read-only once built
// and safe for concurrent use.
type FreqTable struct {
	counts map[uint64]uint32
	total  uint64
}

// NewFreqTable counts hashed values (see HashValue); callers skip nulls.
func NewFreqTable(hashes []uint64) *FreqTable {
	t := &FreqTable{counts: make(map[uint64]uint32)}
	for _, h := range hashes {
		t.counts[h]++
	}
	t.total = uint64(len(hashes))
	return t
}

// AddColumn counts the non-empty values of col into t, so a table can be
// built from a column that comes in batches.
func (t *FreqTable) AddColumn(col StringColumn) {
	if t.counts == nil {
		t.counts = make(map[uint64]uint32)
	}
	for i := range col.Rows() {
		if v := col.Value(int32(i)); len(v) > 0 {
			t.counts[HashValue(v)]++
			t.total++
		}
	}
}

// FreqTableOf counts the non-empty values of a string column.
func FreqTableOf(col StringColumn) *FreqTable {
	t := &FreqTable{counts: make(map[uint64]uint32)}
	for i := range col.Rows() {
		if v := col.Value(int32(i)); len(v) > 0 {
			t.counts[HashValue(v)]++
			t.total++
		}
	}
	return t
}

// FreqTableOfInts counts the non-zero values of an int32 column.
func FreqTableOfInts(col []int32) *FreqTable {
	t := &FreqTable{counts: make(map[uint64]uint32)}
	for _, v := range col {
		if v != 0 {
			t.counts[HashInt(v)]++
			t.total++
		}
	}
	return t
}

// Freq returns the relative frequency of the value hashed to h. A value
// the table has never seen counts as seen once: a table counted over the
// records it weighs has seen every value they hold, and a frozen table
// (a model's, reused on later records) treats a new value as the rarest.
func (t *FreqTable) Freq(h uint64) float64 {
	if t.total == 0 {
		return 0
	}
	return float64(max(t.counts[h], 1)) / float64(t.total)
}

// Len returns the number of distinct values.
func (t *FreqTable) Len() int { return len(t.counts) }

// The binary form of a set of frequency tables (MarshalFreqTables): the
// magic line, the table count, then per table in name order its name
// (uvarint length, bytes), total and value count (uvarints), and its
// (hash, count) entries in ascending hash order, the hash as 8 bytes
// little-endian and the count as a uvarint; last, the CRC-32C of all the
// bytes before it, 4 bytes little-endian. The bytes depend only on the
// tables.
const freqMagic = "dedup-freq 1\n"

// MarshalFreqTables encodes tables, keyed by comparison name.
func MarshalFreqTables(tables map[string]*FreqTable) []byte {
	names := make([]string, 0, len(tables))
	size := len(freqMagic) + 16
	for n, t := range tables {
		names = append(names, n)
		size += len(n) + 24 + 13*len(t.counts)
	}
	slices.Sort(names)
	b := make([]byte, 0, size)
	b = append(b, freqMagic...)
	b = binary.AppendUvarint(b, uint64(len(names)))
	for _, n := range names {
		t := tables[n]
		b = binary.AppendUvarint(b, uint64(len(n)))
		b = append(b, n...)
		b = binary.AppendUvarint(b, t.total)
		b = binary.AppendUvarint(b, uint64(len(t.counts)))
		keys := make([]uint64, 0, len(t.counts))
		for h := range t.counts {
			keys = append(keys, h)
		}
		slices.Sort(keys)
		for _, h := range keys {
			b = binary.LittleEndian.AppendUint64(b, h)
			b = binary.AppendUvarint(b, uint64(t.counts[h]))
		}
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// ErrFreqTables marks frequency tables that cannot be decoded.
var ErrFreqTables = errors.New("linkage: bad term-frequency tables")

// UnmarshalFreqTables decodes MarshalFreqTables' bytes; damaged or
// truncated bytes are an ErrFreqTables, never a panic.
func UnmarshalFreqTables(data []byte) (map[string]*FreqTable, error) {
	if len(data) < len(freqMagic)+4 || string(data[:len(freqMagic)]) != freqMagic {
		return nil, fmt.Errorf("%w: not a frequency table file", ErrFreqTables)
	}
	body := data[:len(data)-4]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(data[len(body):]) {
		return nil, fmt.Errorf("%w: checksum mismatch (damaged or truncated)", ErrFreqTables)
	}
	b := body[len(freqMagic):]
	bad := fmt.Errorf("%w: malformed", ErrFreqTables)
	uv := func() (uint64, bool) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, false
		}
		b = b[n:]
		return v, true
	}
	nt, ok := uv()
	if !ok || nt > uint64(len(b)) {
		return nil, bad
	}
	out := make(map[string]*FreqTable, nt)
	for range nt {
		nl, ok := uv()
		if !ok || nl > uint64(len(b)) {
			return nil, bad
		}
		name := string(b[:nl])
		b = b[nl:]
		total, ok1 := uv()
		nv, ok2 := uv()
		if !ok1 || !ok2 || nv > uint64(len(b))/9 {
			return nil, bad
		}
		t := &FreqTable{counts: make(map[uint64]uint32, nv), total: total}
		var sum uint64
		for range nv {
			if len(b) < 8 {
				return nil, bad
			}
			h := binary.LittleEndian.Uint64(b)
			b = b[8:]
			c, ok := uv()
			if !ok || c == 0 || c > math.MaxUint32 {
				return nil, bad
			}
			t.counts[h] = uint32(c)
			sum += c
		}
		if sum != total || out[name] != nil {
			return nil, bad
		}
		out[name] = t
	}
	if len(b) != 0 {
		return nil, bad
	}
	return out, nil
}
