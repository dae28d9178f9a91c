// Package blocking turns per-rule blocking keys into candidate record pairs.
//
// The pipeline computes, for every blocking rule, one uint64 key per record
// (row numbers 0..N-1) from normalized fields, with 0 meaning "no key under
// this rule" (a part of the key is null). This package hashes key parts
// (Hasher), radix-sorts (key, row) entries (internal/radix), cuts the sorted
// array into blocks of equal keys (Build), caps oversized blocks with a
// sorted-neighbourhood window, and enumerates candidate pairs (Index.Enumerate)
// in chunks, without duplicates across rules: a pair is produced once, under
// the first rule in config order that produces it.
//
// Memory: Build keeps, per rule, the rows of blocks of two or more records
// (4 bytes each) and one offset per block; a rule with capped blocks also
// keeps a position per row (4·N bytes). The key columns are kept by reference
// (not copied) because the cross-rule duplicate test reads them. Before
// sorting, a table of 2-bit counters per key slot (at most 2 MiB per Build
// worker) drops most records whose key occurs once; sorting then needs 32
// bytes per remaining record transiently (entries and scratch), reused from
// one rule to the next. Enumeration never holds all pairs: at most about
// 2 × workers chunks of Options.ChunkPairs pairs are alive at once.
package blocking
