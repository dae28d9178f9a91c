package state

import (
	"math/bits"

	"github.com/dedup-vn/dedup/blocking"
)

// keyIndex finds a record key among a generation's records with, mostly,
// one memory access (open addressing on the key's 64-bit hash): the night
// looks up every input row, and at 10M rows a binary search over the string
// keys, or a table that compared them, cost more than reading the rows.
// A slot holds the hash's high 32 bits and the record's index; the low bits
// chose the slot, so a match compares about 32+log2(slots) bits of hash.
// Callers confirm the key where a false match would matter (readSnapshot
// does for every row it does not find unchanged).
type keyIndex struct {
	mask  uint64
	slots []uint64 // hash>>32<<32 | index+1; 0 = empty
}

func keyHash(source, id string) uint64 {
	return blocking.NewHasher().String(source).String(id).Sum()
}

func newKeyIndex(keys []Key) *keyIndex {
	size := uint64(1) << bits.Len64(uint64(2*len(keys)+1))
	ix := &keyIndex{mask: size - 1, slots: make([]uint64, size)}
	for i, k := range keys {
		h := keyHash(k.Source, k.ID)
		for s := h & ix.mask; ; s = (s + 1) & ix.mask {
			if ix.slots[s] == 0 {
				ix.slots[s] = h>>32<<32 | uint64(i+1)
				break
			}
		}
	}
	return ix
}

// find returns the index of the record (source, id) (or, rarely, of one
// whose key shares its hash bits), or -1.
func (ix *keyIndex) find(source, id string) int32 {
	h := keyHash(source, id)
	for s := h & ix.mask; ; s = (s + 1) & ix.mask {
		e := ix.slots[s]
		if e == 0 {
			return -1
		}
		if e>>32 == h>>32 {
			return int32(uint32(e)) - 1
		}
	}
}
