package logwrite

import (
	"context"
	"sync"
)

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

// Cursor remembers the stream a backend compacted last, so that successive
// compaction calls take every stream in turn however many need work. The
// zero value starts at the first stream; it is safe for concurrent use.
type Cursor struct {
	mu    sync.Mutex // guards after
	after int64      // the stream id compacted last; 0 = none
}

// Compact compacts up to maxStreams streams, starting after the one it
// compacted last and wrapping round to the first. find returns up to limit
// ids of streams in (after, upTo] (upTo -1: no bound) that have chunks to
// merge, in id order; compact merges one stream's chunks and reports how
// many chunks it removed. Compact returns the chunks removed in all.
func (c *Cursor) Compact(ctx context.Context, maxStreams int,
	find func(ctx context.Context, after, upTo int64, limit int) ([]int64, error),
	compact func(ctx context.Context, stream int64) (int, error)) (int, error) {
	if maxStreams <= 0 {
		return 0, nil
	}
	c.mu.Lock()
	after := c.after
	c.mu.Unlock()
	streams, err := find(ctx, after, -1, maxStreams)
	if err != nil {
		return 0, err
	}
	if len(streams) < maxStreams && after > 0 {
		more, err := find(ctx, 0, after, maxStreams-len(streams))
		if err != nil {
			return 0, err
		}
		streams = append(streams, more...)
	}
	removed := 0
	for _, sid := range streams {
		n, err := compact(ctx, sid)
		removed += n
		if err != nil {
			return removed, err
		}
		c.mu.Lock()
		c.after = sid
		c.mu.Unlock()
	}
	if len(streams) == 0 {
		c.mu.Lock()
		c.after = 0
		c.mu.Unlock()
	}
	return removed, nil
}
