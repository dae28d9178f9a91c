package dataio

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// StringSchema returns a schema of nullable string columns with the given
// names: the shape of every table the engine exchanges.
func StringSchema(names ...string) *arrow.Schema {
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// StringBatchBuilder builds record batches of string columns row by row or
// column by column. Rows are appended with [StringBatchBuilder.Append], or
// without a []string per row through [StringBatchBuilder.Column], whose
// builders take Append(string), BinaryBuilder.Append([]byte) and
// AppendNull(). Every column must end up with the same length before
// [StringBatchBuilder.NewBatch].
type StringBatchBuilder struct {
	schema *arrow.Schema
	cols   []*array.StringBuilder
}

// NewStringBatchBuilder returns a builder for schema, whose fields must all
// be of type string.
func NewStringBatchBuilder(schema *arrow.Schema) *StringBatchBuilder {
	b := &StringBatchBuilder{schema: schema, cols: make([]*array.StringBuilder, schema.NumFields())}
	for i, f := range schema.Fields() {
		if f.Type.ID() != arrow.STRING {
			panic(fmt.Sprintf("dataio: BUG: StringBatchBuilder field %q has type %v, want string", f.Name, f.Type))
		}
		b.cols[i] = array.NewStringBuilder(memory.DefaultAllocator)
	}
	return b
}

// Schema is the schema of the batches built.
func (b *StringBatchBuilder) Schema() *arrow.Schema { return b.schema }

// Column returns the builder of column i, for appending cell by cell.
func (b *StringBatchBuilder) Column(i int) *array.StringBuilder { return b.cols[i] }

// Append appends one row; row must have one value per column.
func (b *StringBatchBuilder) Append(row []string) {
	if len(row) != len(b.cols) {
		panic(fmt.Sprintf("dataio: BUG: StringBatchBuilder.Append got %d values for %d columns", len(row), len(b.cols)))
	}
	for i, v := range row {
		b.cols[i].Append(v)
	}
}

// Reserve makes room for n more rows in every column.
func (b *StringBatchBuilder) Reserve(n int) {
	for _, c := range b.cols {
		c.Reserve(n)
	}
}

// Len is the number of rows appended since the last NewBatch (the length
// of the first column).
func (b *StringBatchBuilder) Len() int {
	if len(b.cols) == 0 {
		return 0
	}
	return b.cols[0].Len()
}

// NewBatch returns the rows appended so far as a record batch and resets
// the builder. The caller owns the batch and must Release it.
func (b *StringBatchBuilder) NewBatch() arrow.RecordBatch {
	n := b.Len()
	arrs := make([]arrow.Array, len(b.cols))
	for i, c := range b.cols {
		if c.Len() != n {
			panic(fmt.Sprintf("dataio: BUG: StringBatchBuilder column %d has %d rows, column 0 has %d", i, c.Len(), n))
		}
		arrs[i] = c.NewArray()
	}
	rec := array.NewRecordBatch(b.schema, arrs, int64(n))
	for _, a := range arrs {
		a.Release() // the record holds its own reference
	}
	return rec
}

// Release frees the builders' buffers.
func (b *StringBatchBuilder) Release() {
	for _, c := range b.cols {
		c.Release()
	}
}
