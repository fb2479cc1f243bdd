// Package chunk is the compressed, time-ordered storage format for log
// events that both storage backends share (DESIGN.md decision 7).
//
// A chunk holds one stream's events in (Timestamp, Seq) order. Encode
// packs a PutLogEvents batch into a chunk on the ingest path, at zstd's
// fastest level; Merge packs a stream's small adjacent chunks into a
// bigger one in the background, at a stronger level; Scan and
// ScanBackward stream a chunk's events back within a time window;
// ReadMeta reads a chunk's summary from its header. Encode and Merge also
// return a filter, small Bloom filters over each block's trigrams that
// the storage keeps beside the chunk: MayContain answers from it whether
// the chunk can hold a message containing given substrings, so
// FilterLogEvents skips the chunks that cannot match without reading
// them, and Search uses it to decompress only the blocks that can.
// Everything is pure (no I/O), safe for concurrent use, and never panics
// on bad input; codecs and buffers are pooled, so that neither encoding
// nor scanning allocates per event.
//
// # Data format, version 2
//
// A chunk is a header followed by the zstd frames of its blocks. A block
// holds a run of the chunk's events, in order, of about a megabyte of
// messages (blockTarget); each has its own frame and its own Bloom filter,
// so that a search decompresses only the blocks that may match and a
// read only those overlapping its window, however big compaction made
// the chunk.
//
//	byte     version (2)
//	meta     of the chunk
//	uvarint  number of blocks (>= 1)
//	per block:
//	  meta     of the block
//	  uvarint  length of the block's uncompressed payload
//	  uvarint  length of the block's zstd frame
//	uint32   CRC-32C of the bytes above, little-endian
//	         the blocks' compressed payloads, back to back
//
// A block's compressed payload is one or more zstd frames, each with
// zstd's content checksum, whose contents, concatenated, are the
// payload; "length of the block's zstd frame" above is the length of
// them all. The encoder writes three: the messages, the times column,
// and the rest of the columns with the trailer, so that each gets its own
// entropy tables (see builder.seal); chunks written before it did have
// one frame a block, and read the same.
//
// where a meta is
//
//	uvarint  count of events (>= 1)
//	varint   MinTime     uvarint   MaxTime - MinTime
//	varint   MinSeq      uvarint   MaxSeq - MinSeq
//	uvarint  RawBytes, the sum of the message lengths
//
// The header lets ReadMeta and Scan answer, and pick blocks, without
// decompressing anything, and its checksum keeps a flipped bit from
// silently hiding a chunk; each frame's own checksum covers its payload.
// A block's payload is columnar, so that the compressor sees like next to
// like and a scan can walk the small columns while leaving the messages
// where they lie:
//
//	messages   every message followed by a newline, grouped by class (below)
//	times      per event, zigzag varint of Timestamp minus the previous one (the first from 0)
//	seqs       per event, zigzag varint of Seq minus the previous one (the first from 0)
//	ingested   per event, zigzag varint of IngestionTime minus the previous one (the first from 0)
//	newlines   per event, uvarint count of the newlines inside Message (mostly 0)
//	classes    per event, one byte below 16: the class of its message
//	trailer    byte lengths of times, seqs, ingested, newlines and classes, uint32 little-endian each
//
// The messages of class 0 come first, in event order, then those of class
// 1, and so on. The encoder classes messages by shape (JSON objects,
// access log lines, dated lines...), so that a stream mixing several
// sources compresses as if each had its own: on the test corpus grouping
// stores 9% fewer bytes, for the one byte per event that zstd codes in
// about two bits.
//
// A message ends at the newline after the ones it contains (in version 1,
// below, messages are in event order and there are no classes). Terminating
// messages rather than storing their lengths is what keeps the layout
// cheap: a log line's end is predictable from its text, so zstd codes the
// newline almost for free, whereas a column of lengths is nearly
// incompressible (on the test corpus it cost 1% of the raw bytes, the
// newlines 0.1%).
//
// # Data format, version 1
//
// Chunks written before blocks existed are one block with a shorter
// header, and are still read (Merge rewrites them as version 2):
//
//	byte     version (1)
//	meta     of the chunk
//	uvarint  length of the uncompressed payload
//	uint32   CRC-32C of the bytes above, little-endian
//	         zstd frame of the payload
//
// # Filter format, version 2
//
// A filter is one version byte (2), the uvarint number of blocks, the
// uvarint length of each block's Bloom filter in 32-byte units, then
// those Bloom filters back to back. Each is a split-block Bloom filter
// (as Parquet's): 256-bit blocks of eight little-endian 32-bit words. Its
// keys are the distinct byte trigrams of its block's messages, with
// ASCII letters folded to lower case (a trigram never spans two
// messages). A key picks one 256-bit block and sets one bit in each of
// its eight words. Folding costs a few false positives between case
// variants, which matching weeds out, and buys a smaller filter (fewer
// distinct keys) that a case-insensitive search could use too. A version
// 1 filter, beside a version 1 chunk, is the version byte (1) and one
// such Bloom filter.
package chunk
