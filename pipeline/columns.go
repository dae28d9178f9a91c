package pipeline

import "fmt"

// bytesColumn is a string column as one byte arena plus offsets: no Go
// string or pointer per record, so a 100M-row column costs its bytes plus
// four bytes a row and nothing for the garbage collector to scan.
type bytesColumn struct {
	data []byte
	offs []uint32 // len = rows+1; offs[0] = 0
}

func newBytesColumn(rows, avgLen int) bytesColumn {
	c := bytesColumn{data: make([]byte, 0, rows*avgLen), offs: make([]uint32, 1, rows+1)}
	return c
}

// errColumnFull is returned when a column outgrows 32-bit offsets.
var errColumnFull = fmt.Errorf("a text column exceeds 4 GiB in memory")

func (c *bytesColumn) append(b []byte) error {
	if len(c.offs) == 0 {
		c.offs = append(c.offs, 0)
	}
	if uint64(len(c.data))+uint64(len(b)) > 1<<32-1 {
		return errColumnFull
	}
	c.data = append(c.data, b...)
	c.offs = append(c.offs, uint32(len(c.data)))
	return nil
}

// appendColumn appends all rows of o.
func (c *bytesColumn) appendColumn(o *bytesColumn) error {
	if len(c.offs) == 0 {
		c.offs = append(c.offs, 0)
	}
	if uint64(len(c.data))+uint64(len(o.data)) > 1<<32-1 {
		return errColumnFull
	}
	base := uint32(len(c.data))
	c.data = append(c.data, o.data...)
	for _, off := range o.offs[1:] {
		c.offs = append(c.offs, base+off)
	}
	return nil
}

func (c *bytesColumn) get(i int32) []byte { return c.data[c.offs[i]:c.offs[i+1]] }

func (c *bytesColumn) rows() int {
	if len(c.offs) == 0 {
		return 0
	}
	return len(c.offs) - 1
}

func (c *bytesColumn) reset() {
	c.data = c.data[:0]
	c.offs = append(c.offs[:0], 0)
}

func (c *bytesColumn) bytes() int64 { return int64(cap(c.data)) + 4*int64(cap(c.offs)) }
