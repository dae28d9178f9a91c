package linkage

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

// Freq returns the relative frequency of the value hashed to h, 0 when the
// table has never seen it.
func (t *FreqTable) Freq(h uint64) float64 {
	if t.total == 0 {
		return 0
	}
	return float64(t.counts[h]) / float64(t.total)
}

// Len returns the number of distinct values.
func (t *FreqTable) Len() int { return len(t.counts) }
