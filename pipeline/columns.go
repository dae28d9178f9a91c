package pipeline

import "github.com/dedup-vn/dedup/internal/strcol"

// bytesColumn is the store's string column (one byte arena plus offsets).
type bytesColumn = strcol.Column

// errColumnFull is returned when a column outgrows 32-bit offsets.
var errColumnFull = strcol.ErrFull
