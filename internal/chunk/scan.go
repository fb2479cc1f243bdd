package chunk

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
)

// Scan calls fn for each event of the chunk data with from <= Timestamp <=
// to, in (Timestamp, Seq) order, until fn returns false. Use math.MinInt64
// and math.MaxInt64 for open bounds. The Event, and the Message in it,
// are valid only during the call; fn must copy what it keeps.
//
// Scan returns an error wrapping ErrCorrupt for a malformed chunk and
// never panics, whatever data holds. The header is always checked; each
// block whose time range overlaps the window is decompressed and checked
// completely before fn sees any of its events, so a corrupt block yields
// no events, though the blocks before it may have given theirs (a chunk
// of one block, as every ingested batch is, gives none). Blocks outside
// the window, and those after fn returns false, are not read. Scan is
// safe for concurrent use.
func Scan(data []byte, from, to int64, fn func(e *Event) bool) error {
	_, err := scan(data, func([]bool, int) []bool { return nil }, from, to, false, nil, fn)
	return err
}

// ScanBackward is Scan in descending (Timestamp, Seq) order, newest event
// first, for reads that want the last events of a window (GetLogEvents
// without startFromHead) and stop after a page.
func ScanBackward(data []byte, from, to int64, fn func(e *Event) bool) error {
	_, err := scan(data, func([]bool, int) []bool { return nil }, from, to, true, nil, fn)
	return err
}

// Search is Scan restricted to the blocks that, by the chunk's filter,
// may hold a message containing every one of terms (see MayContain): the
// others are neither decompressed nor given to fn. Within a block, fn
// sees only the events whose message contains the longest term (case-
// sensitive), found by searching the block's messages as one run of
// bytes rather than event by event. So fn sees a subset of Scan's events
// that includes every one containing all the terms. It
// returns the message bytes of the blocks it decompressed, the work a
// caller may budget. A filter that does not belong to data is harmless,
// as long as it is data's or none: a missing or malformed one selects
// every block.
func Search(data, filter []byte, terms []string, from, to int64, fn func(e *Event) bool) (scanned int64, err error) {
	return scan(data, func(dst []bool, n int) []bool { return blockMask(dst, filter, n, terms) }, from, to, false, needle(terms), fn)
}

// SearchBlocks is Search with the blocks to read given by mask, one
// entry per block of the chunk, as Probe.Mask or a storage using
// Probe.Admits says; a mask that is nil, or not of the chunk's number of
// blocks, selects every block. Within the blocks read, fn sees the events
// whose message contains the longest of terms, as with Search (every
// event, when terms is empty).
func SearchBlocks(data []byte, mask []bool, terms []string, from, to int64, fn func(e *Event) bool) (scanned int64, err error) {
	return scan(data, func(_ []bool, n int) []bool {
		if len(mask) != n {
			return nil
		}
		return mask
	}, from, to, false, needle(terms), fn)
}

// needle is the longest of terms, which a search looks for in a block's
// messages; nil when there is none to look for. The longest is likely the
// rarest, and the one that leaves fn the fewest events.
func needle(terms []string) []byte {
	var n string
	for _, t := range terms {
		if len(t) > len(n) {
			n = t
		}
	}
	if n == "" {
		return nil
	}
	return []byte(n)
}

// scan reads the events of data in [from, to]; blocks gives the mask of
// blocks to read, given a buffer and the number of blocks (nil: all).
// A forward scan with a needle gives fn only the events whose message
// contains it.
func scan(data []byte, pick func(dst []bool, n int) []bool, from, to int64, backward bool, needle []byte, fn func(e *Event) bool) (int64, error) {
	var (
		blockBuf [8]block
		maskBuf  [8]bool
	)
	meta, blocks, err := parseChunk(data, blockBuf[:0])
	if err != nil {
		return 0, fmt.Errorf("scan chunk: %w", err)
	}
	if from > to || to < meta.MinTime || from > meta.MaxTime {
		return 0, nil
	}
	mask := pick(maskBuf[:0], len(blocks))
	// Blocks are inflated one at a time, as the scan reaches them, so
	// that a read which stops early (a page is full) leaves the rest
	// compressed. prev is the block given before, kept to check that it
	// joins the next in order; nil after a block left out.
	var (
		scanned int64
		prev    *decoded
	)
	defer func() {
		if prev != nil {
			prev.release()
		}
	}()
	for step := range blocks {
		k := step
		if backward {
			k = len(blocks) - 1 - step
		}
		b := &blocks[k]
		if to < b.meta.MinTime || from > b.meta.MaxTime || mask != nil && !mask[k] {
			if prev != nil {
				prev.release()
				prev = nil
			}
			continue
		}
		d, err := inflate(&b.header, b.frame)
		if err != nil {
			return scanned, fmt.Errorf("scan chunk: block %d: %w", k, err)
		}
		scanned += b.meta.RawBytes
		if prev != nil {
			pair := [2]*decoded{prev, d}
			if backward {
				pair = [2]*decoded{d, prev}
			}
			err := checkJoins(pair[:])
			prev.release()
			prev = nil
			if err != nil {
				d.release()
				return scanned, fmt.Errorf("scan chunk: %w", err)
			}
		}
		prev = d
		more := false
		if needle != nil && !backward {
			more = searchBlock(d, from, to, needle, fn)
		} else {
			more = scanBlock(d, from, to, backward, fn)
		}
		if !more {
			break
		}
	}
	return scanned, nil
}

// scanBlock calls fn for the events of d within [from, to] and reports
// whether fn asked for more.
func scanBlock(d *decoded, from, to int64, backward bool, fn func(e *Event) bool) bool {
	start, end := d.window(from, to)
	// fn gets a copy, so nothing it does to the event reaches d.
	var e Event
	for k := start; k < end; k++ {
		i := k
		if backward {
			i = start + end - 1 - k
		}
		e = d.event(i)
		if !fn(&e) {
			return false
		}
	}
	return true
}

// window returns the indexes [start, end) of d's events within [from, to].
func (d *decoded) window(from, to int64) (start, end int) {
	// The events are in time order: find the window by bisection.
	byTime := func(r record, t int64) int { return cmp.Compare(r.ts, t) }
	start, _ = slices.BinarySearchFunc(d.events, from, byTime)
	end = len(d.events)
	if to < math.MaxInt64 {
		end, _ = slices.BinarySearchFunc(d.events[start:], to+1, byTime)
		end += start
	}
	return start, end
}

// searchBlock is scanBlock, forward, for only the events whose message
// contains needle. It finds them by searching all of d's messages at
// once, which on a block of a megabyte costs a fraction of testing each
// of its thousands of messages in turn.
func searchBlock(d *decoded, from, to int64, needle []byte, fn func(e *Event) bool) bool {
	start, end := d.window(from, to)
	if start == end {
		return true
	}
	msgs := d.payload[:d.msgLen]
	// The messages lie in the order of d.order (grouped blocks) or of
	// d.events, each starting after the previous one's end.
	inOrder := func(k int) *record {
		if d.grouped {
			return &d.events[d.order[k]]
		}
		return &d.events[k]
	}
	hits := d.hits[:0]
	for off := 0; off < len(msgs); {
		i := bytes.Index(msgs[off:], needle)
		if i < 0 {
			break
		}
		pos := off + i
		// The message holding pos is the last to start at or before it.
		k := sort.Search(len(d.events), func(k int) bool { return int(inOrder(k).start) > pos }) - 1
		r := inOrder(k)
		if pos+len(needle) <= int(r.end) {
			e := k
			if d.grouped {
				e = int(d.order[k])
			}
			if start <= e && e < end {
				hits = append(hits, int32(e))
			}
		}
		// A later match in the same message adds nothing; one that
		// crossed its end is not in it, nor is any later start in it.
		off = int(r.end) + 1
	}
	d.hits = hits
	if d.grouped {
		slices.Sort(hits)
	}
	var e Event
	for _, i := range hits {
		e = d.event(int(i))
		if !fn(&e) {
			return false
		}
	}
	return true
}

// decoded is an inflated block whose every event has been read and
// checked. Scan and Merge work from its records rather than from the
// columns, so that each varint is decoded and each message's end found
// once. decodeds are pooled; release returns one.
type decoded struct {
	buf     []byte   // the pooled buffer, at its full capacity
	payload []byte   // the inflated payload, in buf
	events  []record // one per event, in (Timestamp, Seq) order
	// order is, for a grouped block, the event indexes in the order of
	// their messages in the payload (read fills it).
	order   []int32
	grouped bool    // messages grouped by class: order is set
	msgLen  int     // bytes of the messages, terminators included, at the payload's start
	hits    []int32 // scratch for searchBlock
}

// record is one event of a decoded chunk; its message is
// payload[start:end].
type record struct {
	ts, seq, ingestion int64
	start, end         uint32
}

var decodedPool = sync.Pool{New: func() any { return new(decoded) }}

// inflate decompresses a block's frame and reads its events, checking
// everything against h. The caller calls release when done.
func inflate(h *header, frame []byte) (*decoded, error) {
	d := decodedPool.Get().(*decoded)
	if cap(d.buf) < h.payloadLen {
		d.buf = make([]byte, 0, h.payloadLen)
	}
	// The three-index slice caps what the decoder may write at what the
	// header promised (WithDecodeAllCapLimit), however the frame lies.
	out, err := decoder().DecodeAll(frame, d.buf[:0:h.payloadLen])
	if err != nil {
		d.release()
		return nil, fmt.Errorf("%w: decompress: %v", ErrCorrupt, err)
	}
	d.payload = out
	if err := d.read(h); err != nil {
		d.release()
		return nil, err
	}
	return d, nil
}

// release returns d to the pool unless it has grown too big to keep.
func (d *decoded) release() {
	if cap(d.buf) > maxPooled || cap(d.events)*32 > maxPooled || cap(d.order)*4 > maxPooled {
		return
	}
	d.payload, d.events = nil, d.events[:0]
	decodedPool.Put(d)
}

// last is d's last event.
func (d *decoded) last() *record { return &d.events[len(d.events)-1] }

// event returns event i; its Message points into d.
func (d *decoded) event(i int) Event {
	r := &d.events[i]
	return Event{Timestamp: r.ts, IngestionTime: r.ingestion, Seq: r.seq, Message: d.payload[r.start:r.end:r.end]}
}

// read splits the payload into its columns (see the package comment) and
// reads every event into d.events, checking that the columns agree with
// each other and with h: lengths, order, counts and ranges.
func (d *decoded) read(h *header) error {
	p := d.payload
	if len(p) != h.payloadLen {
		return fmt.Errorf("%w: payload is %d bytes, header says %d", ErrCorrupt, len(p), h.payloadLen)
	}
	// parseChunk saw to it that the payload can hold the messages with
	// their terminators and the trailer.
	msgLen := int(h.meta.RawBytes) + h.meta.Count
	d.msgLen, d.grouped = msgLen, h.grouped
	trailerSize := h.trailer()
	trailer := p[len(p)-trailerSize:]
	var cols [5]reader
	off := msgLen
	for i := range trailerSize / 4 {
		n := int(binary.LittleEndian.Uint32(trailer[4*i:]))
		if n > len(p)-trailerSize-off {
			return fmt.Errorf("%w: column lengths exceed the payload", ErrCorrupt)
		}
		cols[i] = reader{b: p[off : off+n]}
		off += n
	}
	if off != len(p)-trailerSize {
		return fmt.Errorf("%w: column lengths do not add up to the payload", ErrCorrupt)
	}
	times, seqs, ingested, newlines, classes := &cols[0], &cols[1], &cols[2], &cols[3], cols[4].b
	msgs := p[:msgLen]
	if h.grouped && len(classes) != h.meta.Count {
		return fmt.Errorf("%w: %d classes for %d events", ErrCorrupt, len(classes), h.meta.Count)
	}

	if cap(d.events) < h.meta.Count {
		d.events = make([]record, 0, h.meta.Count)
	}
	events := d.events[:0]
	var (
		ts, seq, ingestion int64
		minSeq, maxSeq     = int64(math.MaxInt64), int64(math.MinInt64)
		start              = 0
		perClass           [maxClasses + 1]int
	)
	// end finds the end of the message starting at start, with inner
	// newlines inside it.
	end := func(start int, inner uint64) (int, error) {
		// The message ends at the newline after its inner ones; each
		// round consumes a byte, so a corrupt count cannot loop for long.
		end := start
		for ; ; inner-- {
			j := bytes.IndexByte(msgs[end:], '\n')
			if j < 0 {
				return 0, fmt.Errorf("%w: messages truncated", ErrCorrupt)
			}
			end += j
			if inner == 0 {
				return end, nil
			}
			end++
		}
	}
	for i := 0; i < h.meta.Count; i++ {
		prevTime, prevSeq := ts, seq
		// Go's signed arithmetic wraps, as the encoder's did.
		ts += times.varint()
		seq += seqs.varint()
		ingestion += ingested.varint()
		if i > 0 && (ts < prevTime || ts == prevTime && seq <= prevSeq) {
			return fmt.Errorf("%w: event %d out of order", ErrCorrupt, i)
		}
		minSeq, maxSeq = min(minSeq, seq), max(maxSeq, seq)
		inner := newlines.uvarint()
		if h.grouped {
			// Where the message lies is known once every class's size
			// is: keep the newline count and the class until then.
			c := classes[i]
			if c >= maxClasses || inner >= uint64(len(msgs)) {
				return fmt.Errorf("%w: event %d has class %d and %d newlines", ErrCorrupt, i, c, inner)
			}
			perClass[c+1]++
			events = append(events, record{ts: ts, seq: seq, ingestion: ingestion, start: uint32(inner), end: uint32(c)})
			continue
		}
		e, err := end(start, inner)
		if err != nil {
			return err
		}
		events = append(events, record{ts: ts, seq: seq, ingestion: ingestion, start: uint32(start), end: uint32(e)})
		start = e + 1
	}
	d.events = events
	if h.grouped {
		// The messages are grouped by class, each group in event order:
		// walk them in that order, the events sorted by class.
		for c := 1; c <= maxClasses; c++ {
			perClass[c] += perClass[c-1]
		}
		if cap(d.order) < len(events) {
			d.order = make([]int32, len(events))
		}
		order := d.order[:len(events)]
		d.order = order
		for i := range events {
			c := events[i].end
			order[perClass[c]] = int32(i)
			perClass[c]++
		}
		for _, i := range order {
			r := &events[i]
			e, err := end(start, uint64(r.start))
			if err != nil {
				return err
			}
			r.start, r.end = uint32(start), uint32(e)
			start = e + 1
		}
	}
	switch {
	case times.bad || seqs.bad || ingested.bad || newlines.bad:
		return fmt.Errorf("%w: columns truncated", ErrCorrupt)
	case times.off != len(times.b) || seqs.off != len(seqs.b) ||
		ingested.off != len(ingested.b) || newlines.off != len(newlines.b):
		return fmt.Errorf("%w: columns hold more than %d events", ErrCorrupt, h.meta.Count)
	case start != len(msgs):
		return fmt.Errorf("%w: messages hold more than %d events", ErrCorrupt, h.meta.Count)
	case events[0].ts != h.meta.MinTime || ts != h.meta.MaxTime:
		return fmt.Errorf("%w: time range [%d, %d], header says [%d, %d]", ErrCorrupt, events[0].ts, ts, h.meta.MinTime, h.meta.MaxTime)
	case minSeq != h.meta.MinSeq || maxSeq != h.meta.MaxSeq:
		return fmt.Errorf("%w: seq range [%d, %d], header says [%d, %d]", ErrCorrupt, minSeq, maxSeq, h.meta.MinSeq, h.meta.MaxSeq)
	}
	return nil
}
