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
	b := getBuilder(ingestEncoder())
	defer putBuilder(b)
	for i := range evs {
		e := &evs[i]
		if err := b.add(e.Timestamp, e.IngestionTime, e.Seq, e.Message); err != nil {
			return nil, nil, Meta{}, fmt.Errorf("encode chunk: %w", err)
		}
	}
	data, filter = b.finish()
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
			for _, d := range s.ds {
				d.release()
			}
		}
	}()
	var (
		raw, count int64
		blocks     []block
	)
	for i, c := range chunks {
		var m Meta
		m, blocks, err = parseChunk(c, blocks)
		if err != nil {
			return nil, nil, Meta{}, fmt.Errorf("merge chunk %d: %w", i, err)
		}
		// The headers alone tell when the result cannot fit; find out
		// before inflating anything more.
		raw += m.RawBytes
		count += int64(m.Count)
		if raw > MaxSize || count > MaxEvents {
			return nil, nil, Meta{}, fmt.Errorf("merge chunks: %w", ErrTooLarge)
		}
		srcs = append(srcs, mergeSource{})
		s := &srcs[len(srcs)-1]
		for k := range blocks {
			d, err := inflate(&blocks[k].header, blocks[k].frame)
			if err != nil {
				return nil, nil, Meta{}, fmt.Errorf("merge chunk %d: block %d: %w", i, k, err)
			}
			s.ds = append(s.ds, d)
		}
		if err := checkJoins(s.ds); err != nil {
			return nil, nil, Meta{}, fmt.Errorf("merge chunk %d: %w", i, err)
		}
	}

	b := getBuilder(mergeEncoder())
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
		d := s.ds[s.b]
		r := &d.events[s.i]
		if err := b.add(r.ts, r.ingestion, r.seq, d.payload[r.start:r.end]); err != nil {
			return nil, nil, Meta{}, fmt.Errorf("merge chunks: %w", err)
		}
		if !s.advance() {
			heap[0] = heap[len(heap)-1]
			heap = heap[:len(heap)-1]
		}
		siftDown(heap, 0)
	}
	data, filter = b.finish()
	return data, filter, b.meta, nil
}

// checkJoins checks that consecutive decoded blocks of one chunk follow
// each other in (Timestamp, Seq) order, which their headers alone cannot
// show when a timestamp spans the boundary.
func checkJoins(ds []*decoded) error {
	for i := 1; i < len(ds); i++ {
		a, b := ds[i-1].last(), &ds[i].events[0]
		if b.ts < a.ts || b.ts == a.ts && b.seq <= a.seq {
			return fmt.Errorf("%w: block %d out of order", ErrCorrupt, i)
		}
	}
	return nil
}

// mergeSource is one input of Merge: its blocks' events and the next one
// to take, event i of block b.
type mergeSource struct {
	ds   []*decoded
	b, i int
}

func (s *mergeSource) cur() *record { return &s.ds[s.b].events[s.i] }

// advance moves to the next event and reports whether there is one.
func (s *mergeSource) advance() bool {
	if s.i++; s.i == len(s.ds[s.b].events) {
		s.b, s.i = s.b+1, 0
	}
	return s.b < len(s.ds)
}

func (s *mergeSource) less(t *mergeSource) bool {
	a, b := s.cur(), t.cur()
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

// builder accumulates a chunk: the sealed blocks' frames and filters, and
// the open block's payload and trigrams. Builders are pooled: the trigram
// set alone is 2 MiB.
type builder struct {
	enc *zstd.Encoder // compresses the blocks

	// The open block.
	groups                           [maxClasses][]byte // each class's messages, newline-terminated
	msgBytes                         int                // the bytes in groups
	keys                             []uint64           // the shape of each class, by class
	times, seqs, ingested, newlines  []byte             // the columns, see the package comment
	classes                          []byte
	prevTime, prevSeq, prevIngestion int64 // the previous event of the block, for the deltas
	blk                              Meta  // the block's events
	tri                              *trigramSet
	payload                          []byte // the sealed block's payload

	// The chunk.
	meta      Meta     // every event added
	lastSeq   int64    // the Seq of the last event added
	sealed    int      // payload bytes of the sealed blocks
	blocks    []header // the sealed blocks
	frames    []byte   // their zstd frames, back to back
	frameLens []int    // the length of each frame
	bloom     []byte   // their Bloom filters, back to back
	bloomLens []int    // the length of each filter in 32-byte Bloom blocks
	out, fout []byte   // the chunk and filter before they are copied out
}

var builderPool = sync.Pool{New: func() any { return &builder{tri: newTrigramSet()} }}

func getBuilder(enc *zstd.Encoder) *builder {
	b := builderPool.Get().(*builder)
	b.enc = enc
	return b
}

func putBuilder(b *builder) {
	if cap(b.payload) > maxPooled || cap(b.out) > maxPooled || cap(b.frames) > maxPooled {
		return
	}
	for _, g := range b.groups {
		if cap(g) > maxPooled {
			return
		}
	}
	b.resetBlock()
	b.tri.reset()
	b.meta, b.sealed = Meta{}, 0
	b.blocks, b.frames, b.frameLens = b.blocks[:0], b.frames[:0], b.frameLens[:0]
	b.bloom, b.bloomLens = b.bloom[:0], b.bloomLens[:0]
	b.out, b.fout = b.out[:0], b.fout[:0]
	b.enc = nil
	builderPool.Put(b)
}

func (b *builder) resetBlock() {
	b.payload = b.payload[:0]
	for i := range b.keys {
		b.groups[i] = b.groups[i][:0]
	}
	b.keys, b.msgBytes = b.keys[:0], 0
	b.times, b.seqs, b.ingested, b.newlines = b.times[:0], b.seqs[:0], b.ingested[:0], b.newlines[:0]
	b.classes = b.classes[:0]
	b.prevTime, b.prevSeq, b.prevIngestion = 0, 0, 0
	b.blk = Meta{}
}

// add appends one event; events must come in strictly increasing
// (Timestamp, Seq) order.
func (b *builder) add(ts, ingestion, seq int64, msg []byte) error {
	if b.meta.Count > 0 {
		switch last := b.meta.MaxTime; {
		case ts == last && seq == b.lastSeq:
			return fmt.Errorf("%w: timestamp %d, seq %d", ErrDuplicate, ts, seq)
		case ts < last || ts == last && seq < b.lastSeq:
			panic("BUG: chunk builder fed out of order")
		}
	}
	if b.blk.Count > 0 && b.blk.RawBytes >= blockTarget {
		b.seal()
	}
	// The columns' final size is unknown until they are written, so check
	// with the worst case of this event's varints.
	cols := len(b.times) + len(b.seqs) + len(b.ingested) + len(b.newlines) + len(b.classes)
	if b.sealed+b.msgBytes+len(msg)+1+cols+4*binary.MaxVarintLen64+1+trailerV2 > MaxSize || b.meta.Count == MaxEvents {
		return ErrTooLarge
	}
	// Go's signed arithmetic wraps, so the deltas round-trip for any
	// int64s, however far apart.
	b.times = binary.AppendVarint(b.times, ts-b.prevTime)
	b.seqs = binary.AppendVarint(b.seqs, seq-b.prevSeq)
	b.ingested = binary.AppendVarint(b.ingested, ingestion-b.prevIngestion)
	b.newlines = binary.AppendUvarint(b.newlines, uint64(bytes.Count(msg, newline)))
	c := b.class(msg)
	b.classes = append(b.classes, c)
	b.groups[c] = append(append(b.groups[c], msg...), '\n')
	b.msgBytes += len(msg) + 1
	b.tri.add(msg)
	b.prevTime, b.prevSeq, b.prevIngestion = ts, seq, ingestion
	b.lastSeq = seq
	count(&b.blk, ts, seq, len(msg))
	count(&b.meta, ts, seq, len(msg))
	return nil
}

// count adds an event to m; events come in (Timestamp, Seq) order.
func count(m *Meta, ts, seq int64, size int) {
	if m.Count == 0 {
		m.MinTime, m.MinSeq, m.MaxSeq = ts, seq, seq
	}
	m.MaxTime = ts
	m.MinSeq = min(m.MinSeq, seq)
	m.MaxSeq = max(m.MaxSeq, seq)
	m.Count++
	m.RawBytes += int64(size)
}

// class returns the class of msg in the open block: the messages of a
// class share a shape, the first few runs of letters, digits and
// punctuation (a JSON object, an access log's address, a date), so that
// grouping them puts alike next to alike. Which class a message goes to
// is the encoder's choice alone; the block records it.
func (b *builder) class(msg []byte) byte {
	k := shape(msg)
	for i, s := range b.keys {
		if s == k {
			return byte(i)
		}
	}
	if len(b.keys) == maxClasses {
		return maxClasses - 1
	}
	b.keys = append(b.keys, k)
	return byte(len(b.keys) - 1)
}

// shape summarises how msg begins: up to eight symbols, one per run of
// ASCII digits, one per run of ASCII letters, one per other byte, from
// its first 32 bytes.
func shape(msg []byte) uint64 {
	var k uint64
	var last byte
	n := 0
	for _, c := range msg[:min(len(msg), 32)] {
		switch {
		case '0' <= c && c <= '9':
			c = '0'
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			c = 'a'
		}
		if c == last && (c == '0' || c == 'a') {
			continue
		}
		if n == 8 {
			break
		}
		k = k<<8 | uint64(c)
		last = c
		n++
	}
	return k
}

// sealPayload completes the open block's payload, its messages grouped by
// class and then its columns, and returns its header.
func (b *builder) sealPayload() header {
	b.payload = slices.Grow(b.payload[:0], b.msgBytes)
	for i := range b.keys {
		b.payload = append(b.payload, b.groups[i]...)
	}
	cols := [...][]byte{b.times, b.seqs, b.ingested, b.newlines, b.classes}
	for _, c := range cols {
		b.payload = append(b.payload, c...)
	}
	for _, c := range cols {
		b.payload = binary.LittleEndian.AppendUint32(b.payload, uint32(len(c)))
	}
	return header{meta: b.blk, payloadLen: len(b.payload), grouped: true}
}

// seal compresses the open block, builds its filter, and opens the next.
// The next block's deltas start afresh, so that each block decodes alone.
//
// The payload goes in three zstd frames, back to back: the messages, the
// times column, and the other columns with the trailer. In one frame the
// columns would share zstd's Huffman tables with the text around them;
// alone, each gets tables of its own (and the times, whose deltas repeat
// little, are entropy-coded at all: see columnEncoder). On the corpus, in
// ingested batches, that stores 0.12% of the raw bytes fewer (15.39%
// rather than 15.51% for the data), for three frame headers a block.
func (b *builder) seal() {
	h := b.sealPayload()
	n := len(b.frames)
	times := b.msgBytes + len(b.times)
	b.frames = b.enc.EncodeAll(b.payload[:b.msgBytes], b.frames)
	b.frames = columnEncoder().EncodeAll(b.payload[b.msgBytes:times], b.frames)
	b.frames = columnEncoder().EncodeAll(b.payload[times:], b.frames)
	b.frameLens = append(b.frameLens, len(b.frames)-n)
	b.blocks = append(b.blocks, h)
	b.sealed += h.payloadLen
	var k int
	b.bloom, k = b.tri.appendBloom(b.bloom)
	b.bloomLens = append(b.bloomLens, k)
	b.tri.reset()
	b.resetBlock()
}

// finish seals the last block and returns fresh copies of the chunk's
// data and filter; the builder's buffers stay with it.
func (b *builder) finish() (data, filter []byte) {
	if b.blk.Count > 0 {
		b.seal()
	}
	b.out = appendV2(b.out[:0], &b.meta, b.blocks, b.frameLens)
	b.out = append(b.out, b.frames...)
	b.fout = appendFilter(b.fout[:0], b.bloomLens, b.bloom)
	return slices.Clone(b.out), slices.Clone(b.fout)
}
