package dataio

import (
	"fmt"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// textual reports whether AsStrings can render a column of type dt: every
// flat type can; nested ones (lists, structs, maps, unions) cannot.
func textual(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW,
		arrow.STRUCT, arrow.MAP, arrow.SPARSE_UNION, arrow.DENSE_UNION, arrow.RUN_END_ENCODED:
		return false
	case arrow.DICTIONARY:
		return textual(dt.(*arrow.DictionaryType).ValueType)
	case arrow.EXTENSION:
		return textual(dt.(arrow.ExtensionType).StorageType())
	}
	return true
}

// textList reports whether dt is a list of textual values: with
// ReadOptions.Lists, AsStrings renders it as its values joined by ';'.
func textList(dt arrow.DataType) bool {
	l, ok := dt.(*arrow.ListType)
	return ok && textual(l.Elem())
}

// renders reports whether AsStrings can render a column of type dt.
func (r *Reader) renders(dt arrow.DataType) bool {
	return textual(dt) || r.opt.Lists && textList(dt)
}

// numeric reports whether dt stores numbers: read as text, such a column
// has lost any leading zero of an ID or phone number.
func numeric(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DECIMAL32, arrow.DECIMAL64, arrow.DECIMAL128, arrow.DECIMAL256:
		return true
	case arrow.DICTIONARY:
		return numeric(dt.(*arrow.DictionaryType).ValueType)
	case arrow.EXTENSION:
		return numeric(dt.(arrow.ExtensionType).StorageType())
	}
	return false
}

// Text layouts of temporal values: ISO dates, RFC 3339 timestamps (with a
// Z when the column has a time zone, the instant then being UTC; without
// one for zone-less "wall clock" timestamps).
const (
	dateLayout     = "2006-01-02"
	timestampUTC   = "2006-01-02T15:04:05.999999999Z07:00"
	timestampLocal = "2006-01-02T15:04:05.999999999"
)

// toStrings renders a column as a new string column. Binary values are
// copied as they are; the cell checks then reject invalid UTF-8.
func (r *Reader) toStrings(a arrow.Array) (arrow.Array, error) {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	n := a.Len()
	b.Reserve(n)
	if d, ok := a.(*array.Dictionary); ok {
		dict, err := r.toStrings(d.Dictionary())
		if err != nil {
			return nil, err
		}
		defer dict.Release()
		ds := dict.(*array.String)
		for i := 0; i < n; i++ {
			if d.IsNull(i) || ds.IsNull(d.GetValueIndex(i)) {
				b.AppendNull()
				continue
			}
			b.Append(ds.Value(d.GetValueIndex(i)))
		}
		return b.NewArray(), nil
	}
	if e, ok := a.(array.ExtensionArray); ok {
		return r.toStrings(e.Storage())
	}
	if !r.renders(a.DataType()) {
		return nil, fmt.Errorf("%w: %v cannot be read as text", ErrUnsupportedType, a.DataType())
	}
	buf := r.scratch[:0]
	for i := 0; i < n; i++ {
		if a.IsNull(i) {
			b.AppendNull()
			continue
		}
		buf = appendText(buf[:0], a, i)
		b.BinaryBuilder.Append(buf)
	}
	r.scratch = buf
	return b.NewArray(), nil
}

// appendText appends the text of cell i of a (not null) to dst.
func appendText(dst []byte, a arrow.Array, i int) []byte {
	switch a := a.(type) {
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := a.ListValues()
		for k := start; k < end; k++ {
			if k > start {
				dst = append(dst, ';')
			}
			if !vals.IsNull(int(k)) {
				dst = appendText(dst, vals, int(k))
			}
		}
		return dst
	case *array.String:
		return append(dst, a.Value(i)...)
	case *array.LargeString:
		return append(dst, a.Value(i)...)
	case *array.StringView:
		return append(dst, a.Value(i)...)
	case *array.Binary:
		return append(dst, a.Value(i)...)
	case *array.LargeBinary:
		return append(dst, a.Value(i)...)
	case *array.BinaryView:
		return append(dst, a.Value(i)...)
	case *array.FixedSizeBinary:
		return append(dst, a.Value(i)...)
	case *array.Int8:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int32:
		return strconv.AppendInt(dst, int64(a.Value(i)), 10)
	case *array.Int64:
		return strconv.AppendInt(dst, a.Value(i), 10)
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(a.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(dst, a.Value(i), 10)
	case *array.Float32:
		// Never an exponent: a phone stored as a float is 329781457,
		// not 3.29781457e+08; an integral value has no ".0".
		return strconv.AppendFloat(dst, float64(a.Value(i)), 'f', -1, 32)
	case *array.Float64:
		return strconv.AppendFloat(dst, a.Value(i), 'f', -1, 64)
	case *array.Boolean:
		return strconv.AppendBool(dst, a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().AppendFormat(dst, dateLayout)
	case *array.Date64:
		return a.Value(i).ToTime().AppendFormat(dst, dateLayout)
	case *array.Timestamp:
		ts := a.DataType().(*arrow.TimestampType)
		t := a.Value(i).ToTime(ts.Unit)
		if ts.TimeZone == "" {
			return t.AppendFormat(dst, timestampLocal)
		}
		return t.In(time.UTC).AppendFormat(dst, timestampUTC)
	}
	return append(dst, a.ValueStr(i)...)
}
