package blocking

// What a caller needs to process an Index's chunks a few at a time, with
// only the records those chunks touch in memory (the pipeline's disk
// spill: a rule's blocks are cut into partitions of chunks, and each
// partition's records are read back from disk by themselves).

// ChunkRows returns the rows of the blocks chunk c enumerates (a view into
// the Index: do not modify it). continues reports that the chunk is a
// later part of a block the previous chunk began, so that a partition
// boundary before it would split the block.
func (ix *Index) ChunkRows(c int) (rows []int32, continues bool) {
	ch := ix.chunks[c]
	ru := &ix.rules[ch.rule]
	if ch.o1 > 0 {
		return ru.rows[ru.starts[ch.b0]:ru.starts[ch.b0+1]], ch.o0 > 0
	}
	return ru.rows[ru.starts[ch.b0]:ru.starts[ch.b1]], false
}

// CappedPositions calls fn for every row of rule r's capped blocks with
// its position in the block's sorted-neighbourhood order: two rows of a
// capped block are a pair of the rule only when their positions are at
// most Window apart. Rows of uncapped blocks are not reported.
func (ix *Index) CappedPositions(r int, fn func(row, pos int32)) {
	ru := &ix.rules[r]
	if ru.pos == nil {
		return
	}
	for b := 0; b+1 < len(ru.starts); b++ {
		rows := ru.rows[ru.starts[b]:ru.starts[b+1]]
		if len(rows) <= ix.opt.MaxBlockSize {
			continue
		}
		for _, row := range rows {
			fn(row, ru.pos[row])
		}
	}
}

// Window is the sorted-neighbourhood window of capped blocks.
func (ix *Index) Window() int { return ix.opt.Window }
