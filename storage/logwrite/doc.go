// Package logwrite is the write side of log chunks that the storage
// backends share: Batch turns a PutLogEvents batch into a chunk
// (internal/chunk), and CompactRuns plans which of a stream's chunks
// compaction merges. The backends differ only in the SQL that stores
// the result, so both number, encode and merge events alike.
package logwrite
