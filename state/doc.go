// Package state keeps a living register between nightly runs (`dedup run
// --state DIR`): every record of the last night with a hash of its input
// row, its blocking keys and its input cells, the accepted pairs, the
// model with its frozen term frequencies, the record → person ID
// assignment and the registry of every person ID ever issued, in a
// versioned folder that each night replaces atomically. A night re-scores
// only what its changes can affect, carries person IDs to tonight's
// clusters by fixed rules (assign) and logs every person event in
// changes.parquet.
//
// # Format (version 2)
//
//	DIR/CURRENT                  the pointer: "dedup-state 2 gen-NNNNNN <sha256 of its state.json>\n"
//	DIR/LOCK                     flock'ed by the night running (one at a time)
//	DIR/gen-NNNNNN/state.json    format, version, night, config digest, threshold,
//	                             next person counter, row counts, blocking rule
//	                             count, each table's size and SHA-256, each raw
//	                             segment's size
//	DIR/gen-NNNNNN/records.bin   per record, sorted by (source, record_id): source,
//	                             record_id, content hash, person (its ID's counter),
//	                             and where its cells lie (segment, offset, length)
//	DIR/gen-NNNNNN/keys.bin      per blocking rule, each record's key (0: none)
//	DIR/gen-NNNNNN/pairs.bin     the accepted pairs (record indexes, the smaller
//	                             key first; sorted) and their match weights
//	DIR/gen-NNNNNN/persons.bin   the registry, by ID: created night, retired
//	                             night, status (active, merged, retired),
//	                             split_from, merged_into, records
//	DIR/gen-NNNNNN/capped.bin    per rule, the blocks larger than
//	                             blocking.max_block_size and their sizes
//	DIR/gen-NNNNNN/model.json    the model the nights score with, frozen until
//	DIR/gen-NNNNNN/model.freq    --retrain, and its term-frequency tables
//	DIR/gen-NNNNNN/raw-NNNNNN.bin  raw segments: the input cells of the records
//	                             night NNNNNN read new or changed (raw.go); hard
//	                             links shared between generations
//
// The .bin tables are columns of little-endian values (columns.go). NNNNNN
// is the night, from 1. The content hash is a 64-bit hash (blocking.Hasher)
// of the record's input cells the run reads: the record id and every
// field's columns under its source's column mapping
// (pipeline.InputFile.Columns), in config order, null apart from "".
//
// # A night
//
// Load checks the pointer, state.json's checksum, the config digest (another
// config is ErrConfigMismatch) and every table's size and SHA-256 and every
// segment's size (a truncated or altered file is ErrDamaged; a segment's
// records carry their own CRC): never a silent rebuild. The inputs are read
// once (readSnapshot): each row's content hash against the stored one gives
// new, changed, unchanged and deleted records, and the cells of the rows
// not stored already go to tonight's segment. Then (tonight.go):
//   - a full night (the first, --retrain, --full) runs the pipeline over
//     the inputs and keeps every record's keys;
//   - an incremental night runs the pipeline over the new and changed rows
//     (their keys, and the rows it rejects), finds the region, the records
//     sharing a blocking key with a new, changed or deleted record or lying
//     in a capped block, adds every record of the last night's components
//     the region touches, and runs the pipeline over those rows read back
//     from the segments (with the state's model and frequencies). Everyone
//     else keeps their pairs, cluster and person ID.
//
// The night's outputs go to --out whole (manifest last); then the new
// generation is written as gen-NNNNNN.partial, renamed, and the pointer
// replaced by rename. A kill at any point leaves either the previous
// generation (the rerun clears the leftovers and redoes the night, giving
// the same outputs and state) or the finished new one. ARCHITECTURE.md,
// "The living register", says why an incremental night's clusters are a
// full run's.
package state
