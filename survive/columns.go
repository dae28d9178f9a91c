package survive

import (
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// column is one golden column being built, in plain slices that become
// an arrow array without a copy: appending a value is an append to a Go
// slice, with none of an arrow builder's per-value checks, and a batch
// sized from the last one is allocated once instead of grown by doubling.
type column struct {
	typ arrow.Type // STRING, INT32, DATE32, FLOAT32, BOOL or LIST (of strings)
	// STRING: the values' bytes and their offsets (rows+1); LIST: the
	// list values' bytes and offsets (values+1), and lists the offsets of
	// each row's values in offs (rows+1).
	data        []byte
	offs, lists []int32
	ints        []int32   // INT32, DATE32
	floats      []float32 // FLOAT32
	bools       []bool    // BOOL
	nulls       []int32   // the rows that are null, ascending
	rows        int
}

// columns is a batch of golden rows under construction.
type columns struct {
	schema *arrow.Schema
	cols   []column
	col    int // the column the next value goes to
	// recycle, if set, takes c back once every array batch made over its
	// slices is released (the writer has encoded them): the next batch
	// reuses the memory instead of faulting in and zeroing fresh pages,
	// and leaves no garbage. out counts the buffers still held.
	recycle chan<- *columns
	out     atomic.Int32
}

// Free is the memory.Allocator's: a buffer over c's slices was released.
// When the last one is, c is emptied and handed to recycle.
func (c *columns) Free([]byte) {
	if c.out.Add(-1) != 0 || c.recycle == nil {
		return
	}
	c.reset()
	select {
	case c.recycle <- c:
	default:
	}
}

// Allocate and Reallocate complete memory.Allocator; arrow never calls
// them on the immutable buffers batch makes.
func (c *columns) Allocate(n int) []byte { return memory.DefaultAllocator.Allocate(n) }
func (c *columns) Reallocate(n int, b []byte) []byte {
	return memory.DefaultAllocator.Reallocate(n, b)
}

func newColumns(schema *arrow.Schema) *columns {
	c := &columns{schema: schema, cols: make([]column, schema.NumFields())}
	for i, f := range schema.Fields() {
		c.cols[i].typ = f.Type.ID()
	}
	c.reset()
	return c
}

// reset empties c, keeping its slices' room.
func (c *columns) reset() {
	for i := range c.cols {
		k := &c.cols[i]
		k.data, k.ints, k.floats, k.bools, k.nulls, k.rows = k.data[:0], k.ints[:0], k.floats[:0], k.bools[:0], k.nulls[:0], 0
		k.offs = append(k.offs[:0], 0)
		if k.typ == arrow.LIST {
			k.lists = append(k.lists[:0], 0)
		}
	}
	c.col = 0
}

// reserveLike makes room in c, empty, for rows rows as long as o's (the
// last batch's) and an eighth more, so that filling it grows no slice.
func (c *columns) reserveLike(o *columns, rows int) {
	grow := func(have, haveRows int) int {
		if haveRows == 0 {
			return 0
		}
		return int(int64(have)*int64(rows)/int64(haveRows)*9/8) + 64
	}
	for i := range c.cols {
		k, o := &c.cols[i], &o.cols[i]
		switch k.typ {
		case arrow.STRING:
			k.data = slices.Grow(k.data, grow(len(o.data), o.rows))
			k.offs = slices.Grow(k.offs, rows)
		case arrow.LIST:
			k.data = slices.Grow(k.data, grow(len(o.data), o.rows))
			k.offs = slices.Grow(k.offs, grow(len(o.offs), o.rows))
			k.lists = slices.Grow(k.lists, rows)
		case arrow.INT32, arrow.DATE32:
			k.ints = slices.Grow(k.ints, rows)
		case arrow.FLOAT32:
			k.floats = slices.Grow(k.floats, rows)
		case arrow.BOOL:
			k.bools = slices.Grow(k.bools, rows)
		}
	}
}

// Len is the number of rows.
func (c *columns) Len() int { return c.cols[0].rows }

func (c *columns) next() *column {
	k := &c.cols[c.col]
	c.col++
	if c.col == len(c.cols) {
		c.col = 0
	}
	k.rows++
	return k
}

func (c *columns) str(v []byte) {
	k := c.next()
	k.data = append(k.data, v...)
	k.offs = append(k.offs, int32(len(k.data)))
}

func (c *columns) size(n int) {
	k := c.next()
	k.ints = append(k.ints, int32(n))
}

func (c *columns) bool(v bool) {
	k := c.next()
	k.bools = append(k.bools, v)
}

func (c *columns) share(v float32) {
	k := c.next()
	k.floats = append(k.floats, v)
}

func (c *columns) date32(d arrow.Date32) {
	k := c.next()
	k.ints = append(k.ints, int32(d))
}

// null appends a null to a date or share column.
func (c *columns) null() {
	k := c.next()
	k.nulls = append(k.nulls, int32(k.rows-1))
	switch k.typ {
	case arrow.FLOAT32:
		k.floats = append(k.floats, 0)
	default:
		k.ints = append(k.ints, 0)
	}
}

// list starts the next column's row, a list of strings the caller adds
// with item and then ends with endList.
func (c *columns) list() *column { return c.next() }

func (k *column) item(v []byte) {
	k.data = append(k.data, v...)
	k.offs = append(k.offs, int32(len(k.data)))
}

func (k *column) itemString(v string) {
	k.data = append(k.data, v...)
	k.offs = append(k.offs, int32(len(k.data)))
}

func (k *column) endList() { k.lists = append(k.lists, int32(len(k.offs)-1)) }

// add appends the rows of o (built on the same schema).
func (c *columns) add(o *columns) {
	for i := range c.cols {
		k, s := &c.cols[i], &o.cols[i]
		for _, r := range s.nulls {
			k.nulls = append(k.nulls, int32(k.rows)+r)
		}
		switch k.typ {
		case arrow.STRING:
			k.offs = appendShifted(k.offs, s.offs[1:], int32(len(k.data)))
			k.data = append(k.data, s.data...)
		case arrow.LIST:
			k.lists = appendShifted(k.lists, s.lists[1:], int32(len(k.offs)-1))
			k.offs = appendShifted(k.offs, s.offs[1:], int32(len(k.data)))
			k.data = append(k.data, s.data...)
		case arrow.INT32, arrow.DATE32:
			k.ints = append(k.ints, s.ints...)
		case arrow.FLOAT32:
			k.floats = append(k.floats, s.floats...)
		case arrow.BOOL:
			k.bools = append(k.bools, s.bools...)
		}
		k.rows += s.rows
	}
}

func appendShifted(dst, src []int32, by int32) []int32 {
	for _, v := range src {
		dst = append(dst, v+by)
	}
	return dst
}

// batch returns c's rows as a record batch over c's slices (no copy): c
// must not be appended to afterwards (until recycled).
func (c *columns) batch() arrow.RecordBatch {
	rows := c.Len()
	arrs := make([]arrow.Array, len(c.cols))
	var held []*memory.Buffer
	// track wraps one of c's slices as a buffer whose release Free counts.
	track := func(b []byte) *memory.Buffer {
		c.out.Add(1)
		buf := memory.NewBufferWithAllocator(b, c)
		held = append(held, buf)
		return buf
	}
	for i := range c.cols {
		arrs[i] = c.cols[i].array(c.schema.Field(i).Type, rows, track)
	}
	// The arrays hold the buffers now: let go of the references made here.
	for _, b := range held {
		b.Release()
	}
	rec := array.NewRecordBatch(c.schema, arrs, int64(rows))
	for _, a := range arrs {
		a.Release()
	}
	return rec
}

func (k *column) array(typ arrow.DataType, rows int, buf func([]byte) *memory.Buffer) arrow.Array {
	var valid *memory.Buffer
	if len(k.nulls) > 0 {
		bm := make([]byte, bitutil.BytesForBits(int64(rows)))
		bitutil.SetBitsTo(bm, 0, int64(rows), true)
		for _, r := range k.nulls {
			bitutil.ClearBit(bm, int(r))
		}
		valid = memory.NewBufferBytes(bm)
	}
	var d arrow.ArrayData
	switch k.typ {
	case arrow.STRING:
		d = array.NewData(typ, rows, []*memory.Buffer{valid, buf(arrow.Int32Traits.CastToBytes(k.offs)), buf(k.data)}, nil, len(k.nulls), 0)
	case arrow.LIST:
		values := array.NewData(arrow.BinaryTypes.String, len(k.offs)-1,
			[]*memory.Buffer{nil, buf(arrow.Int32Traits.CastToBytes(k.offs)), buf(k.data)}, nil, 0, 0)
		d = array.NewData(typ, rows, []*memory.Buffer{valid, buf(arrow.Int32Traits.CastToBytes(k.lists))}, []arrow.ArrayData{values}, len(k.nulls), 0)
		values.Release()
	case arrow.INT32, arrow.DATE32:
		d = array.NewData(typ, rows, []*memory.Buffer{valid, buf(arrow.Int32Traits.CastToBytes(k.ints))}, nil, len(k.nulls), 0)
	case arrow.FLOAT32:
		d = array.NewData(typ, rows, []*memory.Buffer{valid, buf(arrow.Float32Traits.CastToBytes(k.floats))}, nil, len(k.nulls), 0)
	case arrow.BOOL:
		bm := make([]byte, bitutil.BytesForBits(int64(rows)))
		for r, v := range k.bools {
			if v {
				bitutil.SetBit(bm, r)
			}
		}
		d = array.NewData(typ, rows, []*memory.Buffer{valid, memory.NewBufferBytes(bm)}, nil, len(k.nulls), 0)
	default:
		panic(fmt.Sprintf("survive: BUG: no golden column of type %s", typ))
	}
	defer d.Release()
	return array.MakeFromData(d)
}
