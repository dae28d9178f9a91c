// Package state keeps a living register between nightly runs (`dedup run
// --state DIR`): the records of the last night with a hash of their input
// row, the accepted pairs, the model, the record → person ID assignment and
// the registry of every person ID ever issued, in a versioned folder that
// each night replaces atomically. A night carries person IDs from the last
// generation to tonight's clusters by fixed rules (assign) and logs every
// person event in changes.parquet.
//
// # Format (version 1)
//
//	DIR/CURRENT                  the pointer: "dedup-state 1 gen-NNNNNN <sha256 of its state.json>\n"
//	DIR/LOCK                     flock'ed by the night running (one at a time)
//	DIR/gen-NNNNNN/state.json    format, version, night, config digest, threshold,
//	                             next person counter, row counts, and each
//	                             file's size and SHA-256
//	DIR/gen-NNNNNN/records.parquet  source, record_id, content_hash (16 hex digits),
//	                             person_id; sorted by (source, record_id)
//	DIR/gen-NNNNNN/pairs.parquet    the accepted pairs: left_source, left_id,
//	                             right_source, right_id, match_weight; the
//	                             smaller key on the left, sorted
//	DIR/gen-NNNNNN/persons.parquet  the registry: person_id, created_night,
//	                             split_from, status (active, merged, retired),
//	                             merged_into, retired_night, records; by ID
//	DIR/gen-NNNNNN/model.json    the model the night scored with (frozen:
//	                             the next night scores with it unless --retrain)
//
// NNNNNN is the night, from 1. The content hash is a 64-bit hash
// (blocking.Hasher) of the record's input cells the run reads: the
// record id and every field's columns under its source's column mapping
// (pipeline.InputFile.Columns), in config order, null apart from "".
//
// # A night
//
// Load checks the pointer, state.json's checksum, the config digest (another
// config is ErrConfigMismatch) and every file's size and SHA-256 (a
// truncated or altered file is ErrDamaged): never a silent rebuild. The run
// works in DIR/work; the night's outputs go to --out whole (manifest last);
// then the new generation is written as gen-NNNNNN.partial, renamed, and
// the pointer replaced by rename. A kill at any point leaves either the
// previous generation (the rerun clears the leftovers and redoes the night,
// giving the same outputs and state) or the finished new one.
//
// Version 1 runs the whole pipeline over tonight's snapshot with the frozen
// model (so a night's clusters are by construction those of `dedup run
// --model`), and works incrementally only in what the ID rules need (the
// diff by content hash and the events). What an incremental night must keep
// besides (normalized records, rule keys, term frequencies) is listed in
// ARCHITECTURE.md, "The living register".
package state
