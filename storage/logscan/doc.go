// Package logscan is the chunk-reading engine behind the storage backends'
// ReadLogStream and ScanLogEvents.
//
// A log group's events are stored in zstd chunks (internal/chunk), each
// indexed by its (Timestamp, Seq) bounds and a trigram filter. Run visits
// a group's or stream's chunks in (Timestamp, Seq) order, skips those
// whose filter rules out the search terms, decodes the rest on several
// goroutines and stops as soon as no chunk left can change the answer.
//
// The backends differ only in how they list and fetch chunks, which they
// supply as a Source; how events are merged out of the chunks is here, so
// that both backends answer every read alike.
package logscan
