package chunk

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Encode packs evs into a chunk and returns its data, its filter (for
// MayContain) and its Meta. It sorts evs by (Timestamp, Seq) in place, so
// the caller's slice may be reordered; it neither retains evs nor their
// messages. It returns ErrEmpty for no events, ErrDuplicate when two
// events share Timestamp and Seq, and ErrTooLarge past MaxSize or
// MaxEvents.
//
// The filter costs about a byte per distinct trigram: around 1% of the
// raw message bytes for a full batch of typical logs, but as much as the
// compressed data itself for a batch of a few events. A storage may drop
// the filter of such a chunk (MayContain treats a missing filter as
// "maybe"); reading the chunk costs about as much as reading the filter.
func Encode(evs []Event) (data, filter []byte, meta Meta, err error) {
	if len(evs) == 0 {
		return nil, nil, Meta{}, fmt.Errorf("encode chunk: %w", ErrEmpty)
	}
	// Batches usually arrive in time order; checking is cheaper than
	// sorting.
	if !slices.IsSortedFunc(evs, compareEvents) {
		slices.SortFunc(evs, compareEvents)
	}
	b := getBuilder()
	defer putBuilder(b)
	for i := range evs {
		e := &evs[i]
		if err := b.add(e.Timestamp, e.IngestionTime, e.Seq, e.Message); err != nil {
			return nil, nil, Meta{}, fmt.Errorf("encode chunk: %w", err)
		}
	}
	data, filter = b.finish(ingestEncoder())
	return data, filter, b.meta, nil
}

func compareEvents(a, b Event) int {
	if c := cmp.Compare(a.Timestamp, b.Timestamp); c != 0 {
		return c
	}
	return cmp.Compare(a.Seq, b.Seq)
}

// Merge combines chunks into one holding all their events in (Timestamp,
// Seq) order, as the compactor does with a stream's small adjacent chunks;
// their time ranges may overlap. Messages are copied from buffer to buffer,
// never through Go strings. The result is compressed harder than Encode's,
// since it is written once in the background and kept. Merge returns
// ErrEmpty for no chunks, ErrCorrupt (naming the chunk's index) for a bad
// one, ErrDuplicate when an event occurs twice, and ErrTooLarge when the
// result would exceed MaxSize or MaxEvents. The inputs are not modified.
func Merge(chunks [][]byte) (data, filter []byte, meta Meta, err error) {
	if len(chunks) == 0 {
		return nil, nil, Meta{}, fmt.Errorf("merge chunks: %w", ErrEmpty)
	}
	srcs := make([]mergeSource, 0, len(chunks))
	defer func() {
		for _, s := range srcs {
			s.d.release()
		}
	}()
	var raw, count int64
	for i, c := range chunks {
		h, frame, err := parseHeader(c)
		if err != nil {
			return nil, nil, Meta{}, fmt.Errorf("merge chunk %d: %w", i, err)
		}
		// The headers alone tell when the result cannot fit; find out
		// before inflating anything more.
		raw += h.meta.RawBytes
		count += int64(h.meta.Count)
		if raw > MaxSize || count > MaxEvents {
			return nil, nil, Meta{}, fmt.Errorf("merge chunks: %w", ErrTooLarge)
		}
		d, err := inflate(&h, frame)
		if err != nil {
			return nil, nil, Meta{}, fmt.Errorf("merge chunk %d: %w", i, err)
		}
		srcs = append(srcs, mergeSource{d: d})
	}

	b := getBuilder()
	defer putBuilder(b)
	// A binary min-heap of sources keyed by their current event. Runs of
	// events from one chunk are common (adjacent chunks rarely overlap
	// much), and then the top stays put after a single comparison.
	heap := make([]*mergeSource, len(srcs))
	for i := range srcs {
		heap[i] = &srcs[i]
	}
	for i := len(heap)/2 - 1; i >= 0; i-- {
		siftDown(heap, i)
	}
	for len(heap) > 0 {
		s := heap[0]
		r := &s.d.events[s.i]
		if err := b.add(r.ts, r.ingestion, r.seq, s.d.payload[r.start:r.end]); err != nil {
			return nil, nil, Meta{}, fmt.Errorf("merge chunks: %w", err)
		}
		if s.i++; s.i == len(s.d.events) {
			heap[0] = heap[len(heap)-1]
			heap = heap[:len(heap)-1]
		}
		siftDown(heap, 0)
	}
	data, filter = b.finish(mergeEncoder())
	return data, filter, b.meta, nil
}

// mergeSource is one input of Merge: its events and the next one to
// take.
type mergeSource struct {
	d *decoded
	i int
}

func (s *mergeSource) less(t *mergeSource) bool {
	a, b := &s.d.events[s.i], &t.d.events[t.i]
	return a.ts < b.ts || a.ts == b.ts && a.seq < b.seq
}

func siftDown(h []*mergeSource, i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].less(h[l]) {
			m = r
		}
		if !h[m].less(h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

var newline = []byte{'\n'}

// builder accumulates one chunk's payload and trigrams. Builders are
// pooled: the trigram set alone is 2 MiB.
type builder struct {
	payload                          []byte // messages; the columns are appended in finish
	times, seqs, ingested, newlines  []byte // the columns, see the package comment
	prevTime, prevSeq, prevIngestion int64
	meta                             Meta
	tri                              *trigramSet
	out                              []byte // compressed output before it is copied out
}

var builderPool = sync.Pool{New: func() any { return &builder{tri: newTrigramSet()} }}

func getBuilder() *builder { return builderPool.Get().(*builder) }

func putBuilder(b *builder) {
	if cap(b.payload) > maxPooled || cap(b.out) > maxPooled {
		return
	}
	b.payload = b.payload[:0]
	b.times, b.seqs, b.ingested, b.newlines = b.times[:0], b.seqs[:0], b.ingested[:0], b.newlines[:0]
	b.prevTime, b.prevSeq, b.prevIngestion = 0, 0, 0
	b.meta = Meta{}
	b.tri.reset()
	b.out = b.out[:0]
	builderPool.Put(b)
}

// add appends one event; events must come in strictly increasing
// (Timestamp, Seq) order.
func (b *builder) add(ts, ingestion, seq int64, msg []byte) error {
	if b.meta.Count > 0 {
		switch {
		case ts == b.prevTime && seq == b.prevSeq:
			return fmt.Errorf("%w: timestamp %d, seq %d", ErrDuplicate, ts, seq)
		case ts < b.prevTime || ts == b.prevTime && seq < b.prevSeq:
			panic("BUG: chunk builder fed out of order")
		}
	}
	// The columns' final size is unknown until they are written, so check
	// with the worst case of this event's varints.
	cols := len(b.times) + len(b.seqs) + len(b.ingested) + len(b.newlines)
	if len(b.payload)+len(msg)+1+cols+4*binary.MaxVarintLen64+trailerSize > MaxSize || b.meta.Count == MaxEvents {
		return ErrTooLarge
	}
	// Go's signed arithmetic wraps, so the deltas round-trip for any
	// int64s, however far apart.
	b.times = binary.AppendVarint(b.times, ts-b.prevTime)
	b.seqs = binary.AppendVarint(b.seqs, seq-b.prevSeq)
	b.ingested = binary.AppendVarint(b.ingested, ingestion-b.prevIngestion)
	b.newlines = binary.AppendUvarint(b.newlines, uint64(bytes.Count(msg, newline)))
	b.payload = append(b.payload, msg...)
	b.payload = append(b.payload, '\n')
	b.tri.add(msg)

	if b.meta.Count == 0 {
		b.meta.MinTime, b.meta.MinSeq, b.meta.MaxSeq = ts, seq, seq
	}
	b.meta.MaxTime = ts
	b.meta.MinSeq = min(b.meta.MinSeq, seq)
	b.meta.MaxSeq = max(b.meta.MaxSeq, seq)
	b.meta.Count++
	b.meta.RawBytes += int64(len(msg))
	b.prevTime, b.prevSeq, b.prevIngestion = ts, seq, ingestion
	return nil
}

// finish completes the payload, compresses it with enc and returns fresh
// copies of the data and the filter; the builder's buffers stay with it.
func (b *builder) finish(enc *zstd.Encoder) (data, filter []byte) {
	cols := [...][]byte{b.times, b.seqs, b.ingested, b.newlines}
	for _, c := range cols {
		b.payload = append(b.payload, c...)
	}
	for _, c := range cols {
		b.payload = binary.LittleEndian.AppendUint32(b.payload, uint32(len(c)))
	}
	h := header{meta: b.meta, payloadLen: len(b.payload)}
	b.out = appendHeader(b.out[:0], &h)
	b.out = enc.EncodeAll(b.payload, b.out)
	return slices.Clone(b.out), b.tri.filter()
}
