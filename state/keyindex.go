package state

import (
	"math/bits"

	"github.com/dedup-vn/dedup/blocking"
)

// keyIndex finds a record key among a generation's records in one or two
// probes (open addressing on the key's hash): the night looks up every
// input row, and a binary search over millions of string keys cost more
// than reading the row.
type keyIndex struct {
	keys  []Key
	mask  uint64
	slots []int32 // record index + 1; 0 = empty
}

func keyHash(source, id string) uint64 {
	return blocking.NewHasher().String(source).String(id).Sum()
}

func newKeyIndex(keys []Key) *keyIndex {
	size := uint64(1) << bits.Len64(uint64(2*len(keys)+1))
	ix := &keyIndex{keys: keys, mask: size - 1, slots: make([]int32, size)}
	for i, k := range keys {
		for s := keyHash(k.Source, k.ID) & ix.mask; ; s = (s + 1) & ix.mask {
			if ix.slots[s] == 0 {
				ix.slots[s] = int32(i) + 1
				break
			}
		}
	}
	return ix
}

// find returns the index of the record (source, id), or -1.
func (ix *keyIndex) find(source, id string) int32 {
	if len(ix.keys) == 0 {
		return -1
	}
	for s := keyHash(source, id) & ix.mask; ; s = (s + 1) & ix.mask {
		i := ix.slots[s]
		if i == 0 {
			return -1
		}
		if k := ix.keys[i-1]; k.ID == id && k.Source == source {
			return i - 1
		}
	}
}
