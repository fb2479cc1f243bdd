package logscan

import (
	"context"
	"fmt"
	"runtime"
	"slices"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/storage"
)

// Chunk is one row of a chunk index: where the chunk is and what it holds,
// without its data.
type Chunk struct {
	ID, Stream       int64
	MinTime, MaxTime int64
	MinSeq, MaxSeq   int64
	Count            int64
	Raw              int64 // message bytes
	// Blocks says, when the source was given a probe, which of the
	// chunk's blocks its filter lets hold a match (chunk.Probe.Mask or
	// Admits); nil means any may. A chunk none of whose blocks may is
	// skipped unread.
	Blocks []bool
}

// Source lists and fetches the chunks a read may need. Every call of one
// read must see the same snapshot of the database, so that chunks the
// compactor or retention replaces meanwhile neither vanish nor appear
// twice. Run calls a Source from one goroutine only.
type Source interface {
	// Chunks returns up to n chunks in the plan's order (ascending
	// (MinTime, MinSeq) forward, descending (MaxTime, MaxSeq) backward)
	// that may hold events of the window, starting strictly after prev
	// (nil: from the first). Fewer than n means there are no more.
	// A non-nil probe asks for each chunk's Blocks, tested against it.
	Chunks(ctx context.Context, prev *Chunk, n int, probe *chunk.Probe) ([]Chunk, error)
	// Data returns the encoded data of the chunks ids, in the same
	// order: one query for several chunks, so that a read which decodes
	// many pays for few round trips. A chunk it cannot find is an error
	// that names it. Run keeps the data until the read returns and does
	// not modify it.
	Data(ctx context.Context, ids []int64) ([][]byte, error)
}

// Hit is one event a read returns.
type Hit struct {
	Pos           storage.EventPos
	Stream        int64 // the Stream of the chunk it came from
	IngestionTime int64
	Message       string
}

// Event is h as the event of the named stream.
func (h *Hit) Event(stream string) trailwatch.LogEvent {
	return trailwatch.LogEvent{Stream: stream, Timestamp: h.Pos.Timestamp, IngestionTime: h.IngestionTime,
		Seq: h.Pos.Seq, Message: h.Message}
}

// Tuning of Run.
const (
	// firstChunkBatch is how many chunks the first index query asks for;
	// each further query asks for four times as many, up to
	// maxChunkBatch. A first page usually needs a chunk or two, a
	// rare-term scan every filter of the group: starting small and
	// growing serves both with a handful of queries.
	firstChunkBatch = 16
	maxChunkBatch   = 4096
	// aheadPerWorker is how many chunks may wait for or sit in the
	// decoders per worker: enough to keep them busy while the next
	// chunks are fetched, few enough that stopping early wastes little.
	aheadPerWorker = 2
	// maxFetchBatch is the most chunks one Data call asks for. The first
	// call asks for one, each further call for twice as many as the one
	// before: a first page that one chunk fills waits for that chunk
	// alone, and a scan through many chunks makes a round trip per
	// several of them rather than per chunk. Fetched chunks go to the
	// decoders only as they have room (aheadPerWorker), so a bigger
	// batch costs a read that stops early only the fetching of a few
	// chunks it does not need, never their decoding.
	maxFetchBatch = 8
)

// Run reads the events plan selects from the chunks src lists. It
// returns them oldest first, and, for a forward read stopped by Limit or
// by MaxScanned, the position after which the rest lies (nil when the
// read reached the end of its window, and always for a backward read).
// An error from src or from decoding a chunk ends the read; a chunk's
// error names its ID.
//
// Chunks are visited in the plan's order, and each is decoded only if its
// filter allows the plan's terms. Decoding and matching run on up to
// GOMAXPROCS goroutines while this one fetches the next chunks; results
// are taken back strictly in visiting order, and every decision to stop
// is made from the results taken so far, so the answer never depends on
// timing. The read stops once it holds Limit events and no chunk left can
// hold one that comes earlier. Every goroutine Run starts has ended when
// it returns.
func Run(ctx context.Context, src Source, plan *Plan) ([]Hit, *storage.EventPos, error) {
	if plan.Limit <= 0 || plan.Lo > plan.Hi {
		return nil, nil, nil
	}
	workers := runtime.GOMAXPROCS(0)
	// ahead is the most jobs queued at once. work holds every one, so
	// that handing one over never blocks this goroutine: it goes on
	// listing and fetching while the decoders are busy.
	ahead := aheadPerWorker * workers
	work := make(chan *scanJob, ahead)
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(ctx)
	for range workers {
		go func() {
			defer func() { done <- struct{}{} }()
			for j := range work {
				j.hits, j.scanned, j.err = scanChunk(ctx, plan, j)
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
		hits    []Hit // taken so far, in the plan's order, at most limit
		scanned int64 // message bytes of the chunks taken
		queue   []*scanJob
		pending []Chunk // listed, not yet queued
		prev    *Chunk  // the last chunk listed
		listed  bool    // the source has no more chunks
		batch   = firstChunkBatch
		probe   = chunk.NewProbe(plan.Terms)
	)
	// next returns the next chunk worth decoding, or nil when none is
	// left; it skips chunks whose filter rules out the terms.
	next := func() (*Chunk, error) {
		for {
			for len(pending) > 0 {
				c := &pending[0]
				pending = pending[1:]
				if c.Blocks != nil && !slices.Contains(c.Blocks, true) {
					continue
				}
				return c, nil
			}
			if listed {
				return nil, nil
			}
			cs, err := src.Chunks(ctx, prev, batch, probe)
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
	// fetchJobs fetches cs in one Data call and returns their jobs.
	var ids []int64
	fetchJobs := func(cs []*Chunk) ([]*scanJob, error) {
		ids = ids[:0]
		for _, c := range cs {
			ids = append(ids, c.ID)
		}
		data, err := src.Data(ctx, ids)
		if err != nil {
			return nil, err
		}
		if len(data) != len(cs) {
			panic(fmt.Sprintf("BUG: Source.Data returned %d chunks for %d ids", len(data), len(cs)))
		}
		jobs := make([]*scanJob, len(cs))
		for i, c := range cs {
			jobs[i] = &scanJob{info: *c, data: data[i], ready: make(chan struct{})}
		}
		return jobs, nil
	}
	// full reports whether the read holds limit events that no chunk from
	// bound b on can displace.
	full := func(b storage.EventPos) bool {
		return len(hits) == plan.Limit && plan.before(hits[plan.Limit-1].Pos, b)
	}

	var (
		resume  *storage.EventPos
		fetched []*scanJob // fetched, in order, not yet queued
		held    *Chunk     // listed and worth decoding, not yet fetched
		fetch   = 1        // chunks the next Data call may ask for
	)
	for {
		// The first chunk not yet taken decides whether to go on.
		if len(queue) == 0 && len(fetched) == 0 && held == nil {
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
		switch {
		case len(queue) > 0:
			head = &queue[0].info
		case len(fetched) > 0:
			head = &fetched[0].info
		}
		b := plan.bound(head)
		if full(b) {
			// Nothing from here on can displace what is held.
			p := hits[plan.Limit-1].Pos
			resume = &p
			break
		}
		if plan.MaxScanned > 0 && scanned >= plan.MaxScanned && plan.before(plan.Start, b) {
			// Out of budget. Everything before b has been seen (the chunks
			// come in order of their bounds); the next call starts at b.
			// The read started before b, so it moves forward.
			cut := 0
			for cut < len(hits) && plan.before(hits[cut].Pos, b) {
				cut++
			}
			hits = hits[:cut]
			p, _ := PosBefore(b)
			resume = &p
			break
		}
		// Keep the decoders busy with the chunks that follow, but none
		// that what is held already rules out; fetch them in batches.
		for len(queue) < ahead {
			if len(fetched) == 0 {
				var group []*Chunk
				for len(group) < fetch {
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
					if (len(queue) > 0 || len(group) > 0) && full(plan.bound(held)) {
						break
					}
					group = append(group, held)
					held = nil
				}
				if len(group) == 0 {
					break
				}
				jobs, err := fetchJobs(group)
				if err != nil {
					return nil, nil, err
				}
				fetched = jobs
				fetch = min(2*fetch, maxFetchBatch)
			}
			j := fetched[0]
			if len(queue) > 0 && full(plan.bound(&j.info)) {
				break
			}
			if len(hits) == plan.Limit {
				p := hits[plan.Limit-1].Pos
				j.cutoff = &p
			}
			fetched = fetched[1:]
			queue = append(queue, j)
			work <- j // never blocks: the queue is at most work's capacity
		}
		j := queue[0]
		<-j.ready
		queue = queue[1:]
		if j.err != nil {
			return nil, nil, fmt.Errorf("read chunk %d: %w", j.info.ID, j.err)
		}
		scanned += j.scanned
		hits = mergeHits(plan, hits, j.hits)
	}
	if resume == nil && len(hits) == plan.Limit {
		// More may lie beyond: a chunk gives at most limit events, and
		// merging drops the excess.
		p := hits[plan.Limit-1].Pos
		resume = &p
	}
	if plan.Backward {
		for i, j := 0, len(hits)-1; i < j; i, j = i+1, j-1 {
			hits[i], hits[j] = hits[j], hits[i]
		}
		resume = nil // backward reads do not resume
	}
	return hits, resume, nil
}

// scanJob is one chunk on its way through a decoder.
type scanJob struct {
	info Chunk
	data []byte
	// cutoff, when set, is a position the read already holds limit
	// events up to: events after it cannot be returned, so the decoder
	// skips them.
	cutoff  *storage.EventPos
	ready   chan struct{} // closed when hits, scanned and err are set
	hits    []Hit         // in the plan's order, at most limit
	scanned int64         // message bytes of the blocks decoded
	err     error
}

// scanChunk decodes j's chunk and returns the events of the plan it holds,
// in the plan's order, at most limit of them (the first in that order),
// and the message bytes of the blocks it decoded: a forward read with
// terms decodes only the blocks whose filter admits them.
func scanChunk(ctx context.Context, plan *Plan, j *scanJob) ([]Hit, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	var out []Hit
	fn := func(e *chunk.Event) bool {
		pos := storage.EventPos{Timestamp: e.Timestamp, Seq: e.Seq}
		if plan.before(pos, plan.Start) {
			return true
		}
		if j.cutoff != nil && plan.before(*j.cutoff, pos) {
			return false // and so is every event after it
		}
		if plan.Match != nil && !plan.Match(e.Message) {
			return true
		}
		out = append(out, Hit{Pos: pos, Stream: j.info.Stream, IngestionTime: e.IngestionTime, Message: string(e.Message)})
		return len(out) < plan.Limit
	}
	from, to := plan.Lo, plan.Hi
	if plan.Backward {
		to = min(to, plan.Start.Timestamp)
		if j.cutoff != nil {
			from = max(from, j.cutoff.Timestamp)
		}
		if err := chunk.ScanBackward(j.data, from, to, fn); err != nil {
			return nil, 0, err
		}
		return out, j.info.Raw, nil
	}
	from = max(from, plan.Start.Timestamp)
	if j.cutoff != nil {
		to = min(to, j.cutoff.Timestamp)
	}
	scanned, err := chunk.SearchBlocks(j.data, j.info.Blocks, plan.Terms, from, to, fn)
	if err != nil {
		return nil, 0, err
	}
	return out, scanned, nil
}

// mergeHits merges two lists in the plan's order, keeping the first limit.
func mergeHits(plan *Plan, a, b []Hit) []Hit {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 || plan.before(a[len(a)-1].Pos, b[0].Pos) {
		// The common case: chunks that do not overlap.
		n := min(len(b), plan.Limit-len(a))
		return append(a, b[:n]...)
	}
	out := make([]Hit, 0, min(len(a)+len(b), plan.Limit))
	i, k := 0, 0
	for len(out) < plan.Limit && (i < len(a) || k < len(b)) {
		if k == len(b) || i < len(a) && plan.before(a[i].Pos, b[k].Pos) {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[k])
			k++
		}
	}
	return out
}
