package sqlite

// This file is the chunk-reading engine behind ReadLogStream and
// ScanLogEvents. It is the same in the sqlite and postgres backends (only
// the package clause differs): the backends differ in how they find and
// fetch chunks (a chunkSource), not in how events are merged out of them.

import (
	"context"
	"fmt"
	"math"
	"runtime"

	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/storage"
)

// chunkInfo is one row of a chunk index: where the chunk is and what it
// holds, without its data.
type chunkInfo struct {
	id, stream       int64
	minTime, maxTime int64
	minSeq, maxSeq   int64
	count            int64
	raw              int64  // message bytes
	filter           []byte // set only when the source was asked for filters
}

// chunkSource lists and fetches the chunks a read may need. Every call of
// one read sees the same snapshot of the database, so chunks the
// compactor or retention replaces meanwhile neither vanish nor appear
// twice.
type chunkSource interface {
	// chunks returns up to n chunks in the plan's order (ascending
	// (minTime, minSeq) forward, descending (maxTime, maxSeq) backward)
	// that may hold events of the window, starting strictly after prev
	// (nil: from the first). withFilter asks for the chunks' filters too.
	chunks(ctx context.Context, prev *chunkInfo, n int, withFilter bool) ([]chunkInfo, error)
	// data returns a chunk's encoded data.
	data(ctx context.Context, id int64) ([]byte, error)
}

// hit is one event a read returns.
type hit struct {
	pos           storage.EventPos
	stream        int64
	ingestionTime int64
	message       string
}

// scanPlan says which events a read wants.
type scanPlan struct {
	// backward reads newest first; results are still returned oldest
	// first.
	backward bool
	// lo and hi bound Timestamp inclusively.
	lo, hi int64
	// start is the first position wanted, inclusive, in the read's
	// direction: forward the least, backward the greatest.
	start storage.EventPos
	// terms and match select events as storage.LogScan's do.
	terms []string
	match func([]byte) bool
	limit int
	// maxScanned bounds the message bytes of the chunks decoded (0 = no
	// bound); reads that use it must be forward.
	maxScanned int64
}

// before reports whether a comes strictly before b in the plan's order.
func (p *scanPlan) before(a, b storage.EventPos) bool {
	if p.backward {
		return cmpPos(a, b) > 0
	}
	return cmpPos(a, b) < 0
}

// bound is the first position of c in the plan's order: no event of c
// comes before it (it need not be an event's position itself).
func (p *scanPlan) bound(c *chunkInfo) storage.EventPos {
	if p.backward {
		return storage.EventPos{Timestamp: c.maxTime, Seq: c.maxSeq}
	}
	return storage.EventPos{Timestamp: c.minTime, Seq: c.minSeq}
}

func cmpPos(a, b storage.EventPos) int {
	switch {
	case a.Timestamp < b.Timestamp:
		return -1
	case a.Timestamp > b.Timestamp:
		return 1
	case a.Seq < b.Seq:
		return -1
	case a.Seq > b.Seq:
		return 1
	}
	return 0
}

// posAfter is the least position after p, and false if there is none.
func posAfter(p storage.EventPos) (storage.EventPos, bool) {
	switch {
	case p.Seq < math.MaxInt64:
		return storage.EventPos{Timestamp: p.Timestamp, Seq: p.Seq + 1}, true
	case p.Timestamp < math.MaxInt64:
		return storage.EventPos{Timestamp: p.Timestamp + 1, Seq: math.MinInt64}, true
	}
	return p, false
}

// posBefore is the greatest position before p, and false if there is none.
func posBefore(p storage.EventPos) (storage.EventPos, bool) {
	switch {
	case p.Seq > math.MinInt64:
		return storage.EventPos{Timestamp: p.Timestamp, Seq: p.Seq - 1}, true
	case p.Timestamp > math.MinInt64:
		return storage.EventPos{Timestamp: p.Timestamp - 1, Seq: math.MaxInt64}, true
	}
	return p, false
}

// Tuning of runScan.
const (
	// firstChunkBatch is how many chunks the first index query asks for;
	// each further query asks for four times as many, up to
	// maxChunkBatch. A first page usually needs a chunk or two, a
	// rare-term scan every filter of the group: starting small and
	// growing serves both with a handful of queries.
	firstChunkBatch = 16
	maxChunkBatch   = 4096
	// aheadPerWorker is how many fetched chunks may wait for or sit in
	// the decoders per worker: enough to keep them busy while the next
	// chunk is fetched, few enough that stopping early wastes little.
	aheadPerWorker = 2
)

// runScan reads the events plan selects from the chunks src lists. It
// returns them oldest first, and, for a forward read stopped by the limit
// or by maxScanned, the position after which the rest lies (nil when the
// read reached the end of its window).
//
// Chunks are visited in the plan's order, and each is decoded only if its
// filter allows the plan's terms. Decoding and matching run on up to
// GOMAXPROCS goroutines while this one fetches the next chunks; results
// are taken back strictly in visiting order, and every decision to stop
// is made from the results taken so far, so the answer never depends on
// timing. The read stops once it holds limit events and no chunk left can
// hold one that comes earlier.
func runScan(ctx context.Context, src chunkSource, plan *scanPlan) ([]hit, *storage.EventPos, error) {
	if plan.limit <= 0 || plan.lo > plan.hi {
		return nil, nil, nil
	}
	workers := runtime.GOMAXPROCS(0)
	// work holds every queued job, so that handing one over never blocks
	// this goroutine: it goes on listing and fetching while the decoders
	// are busy.
	work := make(chan *scanJob, aheadPerWorker*workers)
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range work {
				j.hits, j.err = scanChunk(ctx, plan, j)
				close(j.ready)
			}
		}()
	}
	defer func() {
		// Queued jobs are skipped; a decode under way runs to its end.
		cancel()
		close(work)
		for range workers {
			<-done
		}
	}()

	var (
		hits     []hit // taken so far, in the plan's order, at most limit
		scanned  int64 // message bytes of the chunks taken
		queue    []*scanJob
		pending  []chunkInfo // listed, not yet queued
		prev     *chunkInfo  // the last chunk listed
		listed   bool        // the source has no more chunks
		batch    = firstChunkBatch
		withTerm = len(plan.terms) > 0
	)
	// next returns the next chunk worth decoding, or nil when none is
	// left; it skips chunks whose filter rules out the terms.
	next := func() (*chunkInfo, error) {
		for {
			for len(pending) > 0 {
				c := &pending[0]
				pending = pending[1:]
				if withTerm && !chunk.MayContain(c.filter, plan.terms) {
					continue
				}
				return c, nil
			}
			if listed {
				return nil, nil
			}
			cs, err := src.chunks(ctx, prev, batch, withTerm)
			if err != nil {
				return nil, err
			}
			if len(cs) < batch {
				listed = true
			}
			if len(cs) > 0 {
				prev = &cs[len(cs)-1]
			}
			pending = cs
			batch = min(4*batch, maxChunkBatch)
		}
	}
	// enqueue fetches c and hands it to the decoders.
	enqueue := func(c *chunkInfo) error {
		data, err := src.data(ctx, c.id)
		if err != nil {
			return err
		}
		j := &scanJob{info: *c, data: data, ready: make(chan struct{})}
		if len(hits) == plan.limit {
			p := hits[plan.limit-1].pos
			j.cutoff = &p
		}
		queue = append(queue, j)
		work <- j // never blocks: the queue is at most work's capacity
		return nil
	}
	// full reports whether the read holds limit events that no chunk from
	// bound b on can displace.
	full := func(b storage.EventPos) bool {
		return len(hits) == plan.limit && plan.before(hits[plan.limit-1].pos, b)
	}

	var (
		resume *storage.EventPos
		held   *chunkInfo // listed and worth decoding, not yet queued
	)
	for {
		// The first chunk not yet taken decides whether to go on.
		if len(queue) == 0 && held == nil {
			c, err := next()
			if err != nil {
				return nil, nil, err
			}
			if c == nil {
				break
			}
			held = c
		}
		head := held
		if len(queue) > 0 {
			head = &queue[0].info
		}
		b := plan.bound(head)
		if full(b) {
			// Nothing from here on can displace what is held.
			p := hits[plan.limit-1].pos
			resume = &p
			break
		}
		if plan.maxScanned > 0 && scanned >= plan.maxScanned && plan.before(plan.start, b) {
			// Out of budget. Everything before b has been seen (the chunks
			// come in order of their bounds); the next call starts at b.
			// The read started before b, so it moves forward.
			cut := 0
			for cut < len(hits) && plan.before(hits[cut].pos, b) {
				cut++
			}
			hits = hits[:cut]
			p, _ := posBefore(b)
			resume = &p
			break
		}
		// Keep the decoders busy with the chunks that follow, but none
		// that what is held already rules out.
		for len(queue) < aheadPerWorker*workers {
			if held == nil {
				c, err := next()
				if err != nil {
					return nil, nil, err
				}
				if c == nil {
					break
				}
				held = c
			}
			if len(queue) > 0 && full(plan.bound(held)) {
				break
			}
			if err := enqueue(held); err != nil {
				return nil, nil, err
			}
			held = nil
		}
		j := queue[0]
		<-j.ready
		queue = queue[1:]
		if j.err != nil {
			return nil, nil, fmt.Errorf("read chunk %d: %w", j.info.id, j.err)
		}
		scanned += j.info.raw
		hits = mergeHits(plan, hits, j.hits)
	}
	if resume == nil && len(hits) == plan.limit {
		// More may lie beyond: a chunk gives at most limit events, and
		// merging drops the excess.
		p := hits[plan.limit-1].pos
		resume = &p
	}
	if plan.backward {
		for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
			hits[i], hits[j] = hits[j], hits[i]
		}
		resume = nil // backward reads do not resume
	}
	return hits, resume, nil
}

// scanJob is one chunk on its way through a decoder.
type scanJob struct {
	info chunkInfo
	data []byte
	// cutoff, when set, is a position the read already holds limit
	// events up to: events after it cannot be returned, so the decoder
	// skips them.
	cutoff *storage.EventPos
	ready  chan struct{} // closed when hits and err are set
	hits   []hit         // in the plan's order, at most limit
	err    error
}

// scanChunk decodes j's chunk and returns the events of the plan it holds,
// in the plan's order, at most limit of them (the first in that order).
func scanChunk(ctx context.Context, plan *scanPlan, j *scanJob) ([]hit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	from, to := plan.lo, plan.hi
	scan := chunk.Scan
	if plan.backward {
		scan = chunk.ScanBackward
		to = min(to, plan.start.Timestamp)
		if j.cutoff != nil {
			from = max(from, j.cutoff.Timestamp)
		}
	} else {
		from = max(from, plan.start.Timestamp)
		if j.cutoff != nil {
			to = min(to, j.cutoff.Timestamp)
		}
	}
	var out []hit
	err := scan(j.data, from, to, func(e *chunk.Event) bool {
		pos := storage.EventPos{Timestamp: e.Timestamp, Seq: e.Seq}
		if plan.before(pos, plan.start) {
			return true
		}
		if j.cutoff != nil && plan.before(*j.cutoff, pos) {
			return false // and so is every event after it
		}
		if plan.match != nil && !plan.match(e.Message) {
			return true
		}
		out = append(out, hit{pos: pos, stream: j.info.stream, ingestionTime: e.IngestionTime, message: string(e.Message)})
		return len(out) < plan.limit
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mergeHits merges two lists in the plan's order, keeping the first limit.
func mergeHits(plan *scanPlan, a, b []hit) []hit {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 || plan.before(a[len(a)-1].pos, b[0].pos) {
		// The common case: chunks that do not overlap.
		n := min(len(b), plan.limit-len(a))
		return append(a, b[:n]...)
	}
	out := make([]hit, 0, min(len(a)+len(b), plan.limit))
	i, k := 0, 0
	for len(out) < plan.limit && (i < len(a) || k < len(b)) {
		if k == len(b) || i < len(a) && plan.before(a[i].pos, b[k].pos) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[k])
			k++
		}
	}
	return out
}
