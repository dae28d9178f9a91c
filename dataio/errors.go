package dataio

import (
	"errors"
	"strconv"
	"strings"
)

// Error is a fault in an input table, located by file, data row and
// column. Its message never contains a cell value: the tables hold citizen
// data, and errors end up in logs.
type Error struct {
	File   string // path of the table file
	Row    int64  // 1-based data row (the header is not a data row); 0 if not row-specific
	Column string // column name; empty if not column-specific
	Err    error  // what went wrong, often one of the Err* sentinels
}

// Error formats the fault as "file: row 12, column full_name: invalid UTF-8".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Row > 0 {
		b.WriteString("row ")
		b.WriteString(strconv.FormatInt(e.Row, 10))
		if e.Column != "" {
			b.WriteString(", ")
		} else {
			b.WriteString(": ")
		}
	}
	if e.Column != "" {
		b.WriteString("column ")
		b.WriteString(e.Column)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("error")
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is works on the sentinels.
func (e *Error) Unwrap() error { return e.Err }

// Sentinels wrapped by [Error]. Row-level ones correspond to a [Reject]
// reason code.
var (
	ErrRaggedRow       = errors.New("wrong number of fields")
	ErrInvalidUTF8     = errors.New("invalid UTF-8")
	ErrNotUTF8         = errors.New("the file's text is not UTF-8")
	ErrNULByte         = errors.New("NUL byte in cell")
	ErrCellTooLarge    = errors.New("cell over the size limit")
	ErrCSVSyntax       = errors.New("malformed CSV quoting")
	ErrEmptyFile       = errors.New("empty file")
	ErrCorrupt         = errors.New("not a valid table file")
	ErrWrongDelimiter  = errors.New("the delimiter looks wrong")
	ErrMissingColumn   = errors.New("missing column")
	ErrDuplicateColumn = errors.New("duplicate column name")
	ErrBadHeader       = errors.New("unreadable header")
	ErrUnsupportedType = errors.New("unsupported column type")
)

// Reason codes of rejected rows.
const (
	ReasonRaggedRow    = "ragged_row"
	ReasonInvalidUTF8  = "invalid_utf8"
	ReasonNULByte      = "nul_byte"
	ReasonCellTooLarge = "cell_too_large"
	ReasonCSVSyntax    = "csv_syntax"
)

// reasonErr maps a reason code to its sentinel.
func reasonErr(reason string) error {
	switch reason {
	case ReasonRaggedRow:
		return ErrRaggedRow
	case ReasonInvalidUTF8:
		return ErrInvalidUTF8
	case ReasonNULByte:
		return ErrNULByte
	case ReasonCellTooLarge:
		return ErrCellTooLarge
	case ReasonCSVSyntax:
		return ErrCSVSyntax
	}
	return errors.New(reason)
}

// Reject is an input row that was not delivered because of a row-level
// fault. Like [Error] it carries no cell value.
type Reject struct {
	File   string
	Row    int64  // 1-based data row in the file
	Column string // the first faulty column, empty for whole-row faults
	Reason string // one of the Reason* codes
}
