package logwrite

// CompactTarget is the most message bytes compaction puts in one chunk:
// big enough that a chunk's filter and zstd frame pay off (a 4 MiB chunk
// compresses a few percent better than a 1 MiB one), small enough that
// decoding one for a short page stays cheap.
const CompactTarget = 4 << 20

// Chunk is what compaction needs to know of a stored chunk.
type Chunk struct {
	// ID and Group identify the chunk and its log group.
	ID, Group int64
	// Count is its number of events, Raw their message bytes and Stored
	// what it adds to its group's StoredBytes.
	Count, Raw, Stored int64
}

// CompactRuns splits a stream's chunks, in order, into runs to merge:
// neighbours whose messages add up to at most CompactTarget. Runs of one
// chunk are left out.
func CompactRuns(cs []Chunk) [][]Chunk {
	var runs [][]Chunk
	var run []Chunk
	var raw int64
	flush := func() {
		if len(run) >= 2 {
			runs = append(runs, run)
		}
		run, raw = nil, 0
	}
	for _, c := range cs {
		if raw+c.Raw > CompactTarget || c.Raw >= CompactTarget {
			flush()
		}
		if c.Raw >= CompactTarget {
			continue
		}
		run = append(run, c)
		raw += c.Raw
	}
	flush()
	return runs
}
