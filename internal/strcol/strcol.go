// Package strcol is a string column as one byte arena plus offsets: no Go
// string or pointer per row, so a 100M-row column costs its bytes plus
// four bytes a row and nothing for the garbage collector to scan.
package strcol

import "errors"

// Column holds row i at Data[Offs[i]:Offs[i+1]]. Offs has rows+1 entries
// and starts at 0; the zero Column is empty and ready to use. The fields
// are exported for the codecs that write and read a column whole (the
// spill file) and for binding it to the comparison kernels.
type Column struct {
	Data []byte
	Offs []uint32
}

// ErrFull is returned when a column would outgrow 32-bit offsets.
var ErrFull = errors.New("a text column exceeds 4 GiB in memory")

// limit is the most bytes a column holds (a variable for tests).
var limit uint64 = 1<<32 - 1

// New returns an empty column with room for rows rows of avgLen bytes.
func New(rows, avgLen int) Column {
	return Column{Data: make([]byte, 0, rows*avgLen), Offs: make([]uint32, 1, rows+1)}
}

// Append adds b as the next row.
func (c *Column) Append(b []byte) error {
	if len(c.Offs) == 0 {
		c.Offs = append(c.Offs, 0)
	}
	if uint64(len(c.Data))+uint64(len(b)) > limit {
		return ErrFull
	}
	c.Data = append(c.Data, b...)
	c.Offs = append(c.Offs, uint32(len(c.Data)))
	return nil
}

// EndRow ends the next row after its bytes were appended to Data directly
// (c.Data = appendSomething(c.Data, ...)), which saves copying them through
// a scratch buffer. If the column would outgrow its offsets the bytes are
// dropped again and ErrFull returned.
func (c *Column) EndRow() error {
	if len(c.Offs) == 0 {
		c.Offs = append(c.Offs, 0)
	}
	if uint64(len(c.Data)) > limit {
		c.Data = c.Data[:c.Offs[len(c.Offs)-1]]
		return ErrFull
	}
	c.Offs = append(c.Offs, uint32(len(c.Data)))
	return nil
}

// AppendColumn adds all rows of o.
func (c *Column) AppendColumn(o *Column) error {
	if len(c.Offs) == 0 {
		c.Offs = append(c.Offs, 0)
	}
	if uint64(len(c.Data))+uint64(len(o.Data)) > limit {
		return ErrFull
	}
	base := uint32(len(c.Data))
	c.Data = append(c.Data, o.Data...)
	for _, off := range o.Offs[1:] {
		c.Offs = append(c.Offs, base+off)
	}
	return nil
}

// Get returns row i, aliasing the column's bytes.
func (c *Column) Get(i int32) []byte { return c.Data[c.Offs[i]:c.Offs[i+1]] }

// Rows is the number of rows.
func (c *Column) Rows() int {
	if len(c.Offs) == 0 {
		return 0
	}
	return len(c.Offs) - 1
}

// Reset empties the column, keeping its memory.
func (c *Column) Reset() {
	c.Data = c.Data[:0]
	c.Offs = append(c.Offs[:0], 0)
}

// Bytes is the memory the column holds (capacities, not lengths).
func (c *Column) Bytes() int64 { return int64(cap(c.Data)) + 4*int64(cap(c.Offs)) }
