package chunk

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
)

// Event is one stored log event.
type Event struct {
	// Timestamp is the event's time in milliseconds since the epoch, as
	// the client sent it.
	Timestamp int64
	// IngestionTime is when the server accepted the event's batch, in
	// milliseconds since the epoch.
	IngestionTime int64
	// Seq is unique within the log group and increases in ingestion order
	// (the storage assigns batchSeq*10000+index); events with equal
	// Timestamps are ordered by Seq.
	Seq int64
	// Message is the event's text. In Scan's callback it points into a
	// buffer that is reused afterwards: it is valid only during the call.
	Message []byte
}

// Meta summarises a chunk; the storage keeps it in its index so that
// queries can pick chunks without opening them.
type Meta struct {
	MinTime, MaxTime int64 // least and greatest Timestamp, ms
	MinSeq, MaxSeq   int64 // least and greatest Seq
	Count            int   // number of events, at least 1
	RawBytes         int64 // sum of len(Message)
}

// MaxSize bounds a chunk's uncompressed payload: the messages plus about
// five to eight bytes per event. Encode and Merge refuse to build a
// bigger chunk and Scan refuses to inflate one, which bounds the memory a
// corrupt or hostile chunk can claim. A PutLogEvents batch is at most
// 1 MiB and the compactor aims at a few MiB, far below it.
const MaxSize = 64 << 20

// MaxEvents bounds the events in a chunk, for the same reason: reading a
// chunk takes 32 bytes of memory per event besides the payload.
const MaxEvents = 1 << 20

// Data format versions; see the package comment.
const (
	dataV1 = 1
	dataV2 = 2
	// trailerV1 is a version 1 payload's trailer: four uint32 column
	// lengths; trailerV2 adds the classes column's.
	trailerV1 = 16
	trailerV2 = 20
	// maxClasses bounds the classes of a version 2 block (see the
	// package comment).
	maxClasses = 16
)

// blockTarget is the message bytes after which the encoder closes a
// block and starts the next. A block is the unit a scan decompresses and
// its filter the unit it skips by, so a small block lets a rare-term
// search read little; but every block has its own zstd frame and its own
// filter, both of which cost more per byte the smaller the block is. On
// the test corpus, compacted into 4 MiB chunks (BenchmarkRareTermCompacted),
// 1 MiB blocks store 13.21% of the raw bytes in zstd frames and 1.02% in
// filters, 2 MiB blocks 13.01% and 0.67%, while 256 KiB blocks would
// spend 2.6% on filters alone. But a search decodes every block its
// filter admits: with 2 MiB merged blocks a rare term over a compacted
// 10,000,000-event load decoded twice the bytes, ran past one
// FilterLogEvents call's scan budget and took two pages. An ingested
// batch (under 1 MiB) is one block, and Merge keeps that size. Tests
// lower it to exercise many blocks.
var blockTarget int64 = 1 << 20

var (
	// ErrCorrupt is returned (wrapped, with details) for data that is not
	// a well-formed chunk: truncated, altered, or of an unknown version.
	ErrCorrupt = errors.New("chunk: corrupt data")
	// ErrEmpty is returned by Encode and Merge when given no events: a
	// chunk always holds at least one, so its Meta is meaningful.
	ErrEmpty = errors.New("chunk: no events")
	// ErrTooLarge is returned by Encode and Merge when the result would
	// exceed MaxSize or MaxEvents.
	ErrTooLarge = errors.New("chunk: too large")
	// ErrDuplicate is returned by Encode and Merge when two events share
	// both Timestamp and Seq; Seq is unique, so that is a caller's bug,
	// such as merging a chunk with itself.
	ErrDuplicate = errors.New("chunk: duplicate event")
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// header describes a block: its events and the length of its payload
// once inflated. A version 1 chunk is one block.
type header struct {
	meta       Meta
	payloadLen int
	grouped    bool // a version 2 payload, messages grouped by class
}

// trailer is the size of h's payload trailer.
func (h *header) trailer() int {
	if h.grouped {
		return trailerV2
	}
	return trailerV1
}

// block is a block of a chunk: its header and its zstd frame.
type block struct {
	header
	frame []byte
}

// appendV2 appends the header of a version 2 chunk whose blocks are
// blocks, whose frames are frameLens bytes long, in the format described
// in the package comment.
func appendV2(dst []byte, meta *Meta, blocks []header, frameLens []int) []byte {
	start := len(dst)
	dst = append(dst, dataV2)
	dst = appendMeta(dst, meta)
	dst = binary.AppendUvarint(dst, uint64(len(blocks)))
	for i := range blocks {
		h := &blocks[i]
		dst = appendMeta(dst, &h.meta)
		dst = binary.AppendUvarint(dst, uint64(h.payloadLen))
		dst = binary.AppendUvarint(dst, uint64(frameLens[i]))
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

func appendMeta(dst []byte, m *Meta) []byte {
	dst = binary.AppendUvarint(dst, uint64(m.Count))
	dst = binary.AppendVarint(dst, m.MinTime)
	dst = binary.AppendUvarint(dst, uint64(m.MaxTime)-uint64(m.MinTime))
	dst = binary.AppendVarint(dst, m.MinSeq)
	dst = binary.AppendUvarint(dst, uint64(m.MaxSeq)-uint64(m.MinSeq))
	return binary.AppendUvarint(dst, uint64(m.RawBytes))
}

// readMeta reads what appendMeta wrote. Count and RawBytes are clipped
// to MaxEvents+1 and MaxSize+1, so that a corrupt value cannot overflow
// an int; check rejects them.
func (r *reader) meta() Meta {
	count := min(r.uvarint(), MaxEvents+1)
	minTime := r.varint()
	timeSpan := r.uvarint()
	minSeq := r.varint()
	seqSpan := r.uvarint()
	raw := min(r.uvarint(), MaxSize+1)
	return Meta{
		MinTime: minTime, MaxTime: int64(uint64(minTime) + timeSpan),
		MinSeq: minSeq, MaxSeq: int64(uint64(minSeq) + seqSpan),
		Count: int(count), RawBytes: int64(raw),
	}
}

// parseChunk decodes and checks a chunk's header, of either version, and
// returns its Meta and its blocks, appended to blocks[:0].
func parseChunk(data []byte, blocks []block) (Meta, []block, error) {
	if len(data) == 0 {
		return Meta{}, nil, fmt.Errorf("%w: empty", ErrCorrupt)
	}
	r := reader{b: data, off: 1}
	switch data[0] {
	case dataV1:
		meta := r.meta()
		payloadLen := min(r.uvarint(), MaxSize+1)
		if err := r.checksum(); err != nil {
			return Meta{}, nil, err
		}
		b := block{header: header{meta: meta, payloadLen: int(payloadLen)}, frame: data[r.off:]}
		if err := b.check(); err != nil {
			return Meta{}, nil, err
		}
		return meta, append(blocks[:0], b), nil
	case dataV2:
	default:
		return Meta{}, nil, fmt.Errorf("%w: unknown format version %d", ErrCorrupt, data[0])
	}
	meta := r.meta()
	n := r.uvarint()
	// Every block header takes at least eight bytes.
	if r.bad || n == 0 || n > uint64(meta.Count) || n > uint64(len(data)/8) {
		return Meta{}, nil, fmt.Errorf("%w: bad block count", ErrCorrupt)
	}
	blocks = blocks[:0]
	for range n {
		var b block
		b.meta = r.meta()
		b.payloadLen = int(min(r.uvarint(), MaxSize+1))
		b.grouped = true
		b.frame = data[:min(r.uvarint(), uint64(len(data)))] // its length, for now
		blocks = append(blocks, b)
	}
	if err := r.checksum(); err != nil {
		return Meta{}, nil, err
	}
	if meta.Count > MaxEvents || meta.RawBytes > MaxSize {
		return Meta{}, nil, fmt.Errorf("%w: %d events and %d message bytes exceed the limits", ErrCorrupt, meta.Count, meta.RawBytes)
	}
	var (
		count, payload int
		raw            int64
		off            = r.off
	)
	for i := range blocks {
		b := &blocks[i]
		if err := b.check(); err != nil {
			return Meta{}, nil, fmt.Errorf("block %d: %w", i, err)
		}
		if i > 0 && b.meta.MinTime < blocks[i-1].meta.MaxTime {
			return Meta{}, nil, fmt.Errorf("%w: block %d out of order", ErrCorrupt, i)
		}
		count += b.meta.Count
		raw += b.meta.RawBytes
		payload += b.payloadLen
		l := len(b.frame)
		if l > len(data)-off {
			return Meta{}, nil, fmt.Errorf("%w: truncated", ErrCorrupt)
		}
		b.frame = data[off : off+l]
		off += l
	}
	minSeq, maxSeq := blocks[0].meta.MinSeq, blocks[0].meta.MaxSeq
	for i := range blocks {
		minSeq, maxSeq = min(minSeq, blocks[i].meta.MinSeq), max(maxSeq, blocks[i].meta.MaxSeq)
	}
	switch {
	case off != len(data):
		return Meta{}, nil, fmt.Errorf("%w: %d bytes after the last block", ErrCorrupt, len(data)-off)
	case payload > MaxSize:
		return Meta{}, nil, fmt.Errorf("%w: payload of %d bytes exceeds %d", ErrCorrupt, payload, MaxSize)
	case count != meta.Count || raw != meta.RawBytes:
		return Meta{}, nil, fmt.Errorf("%w: blocks hold %d events of %d bytes, header says %d of %d", ErrCorrupt, count, raw, meta.Count, meta.RawBytes)
	case blocks[0].meta.MinTime != meta.MinTime || blocks[len(blocks)-1].meta.MaxTime != meta.MaxTime ||
		minSeq != meta.MinSeq || maxSeq != meta.MaxSeq:
		return Meta{}, nil, fmt.Errorf("%w: blocks' ranges disagree with the header", ErrCorrupt)
	}
	return meta, blocks, nil
}

// checksum checks the CRC-32C that follows the bytes read so far and
// moves past it.
func (r *reader) checksum() error {
	if r.bad || r.off+4 > len(r.b) {
		return fmt.Errorf("%w: truncated header", ErrCorrupt)
	}
	if crc32.Checksum(r.b[:r.off], castagnoli) != binary.LittleEndian.Uint32(r.b[r.off:]) {
		return fmt.Errorf("%w: header checksum mismatch", ErrCorrupt)
	}
	r.off += 4
	return nil
}

// check reports whether h is self-consistent and within the limits, as
// decoded.read relies on.
func (h *header) check() error {
	m := &h.meta
	switch {
	case m.Count <= 0 || m.Count > MaxEvents:
		return fmt.Errorf("%w: %d events", ErrCorrupt, m.Count)
	case h.payloadLen > MaxSize || m.RawBytes < 0:
		return fmt.Errorf("%w: payload of %d bytes exceeds %d", ErrCorrupt, h.payloadLen, MaxSize)
	case m.RawBytes+5*int64(m.Count)+int64(h.trailer()) > int64(h.payloadLen):
		// Every event takes a newline and at least four varint bytes.
		return fmt.Errorf("%w: %d events of %d bytes cannot fit %d payload bytes", ErrCorrupt, m.Count, m.RawBytes, h.payloadLen)
	case m.MaxTime < m.MinTime || m.MaxSeq < m.MinSeq:
		// The spans wrapped around: no int64 range is that wide.
		return fmt.Errorf("%w: time or seq range out of bounds", ErrCorrupt)
	}
	return nil
}

// ReadMeta returns a chunk's Meta from its header, without decompressing
// it. It returns ErrCorrupt for a malformed header; the payload is not
// checked.
func ReadMeta(data []byte) (Meta, error) {
	var blocks [4]block
	meta, _, err := parseChunk(data, blocks[:0])
	if err != nil {
		return Meta{}, fmt.Errorf("read chunk header: %w", err)
	}
	return meta, nil
}

// reader decodes canonical varints from b, remembering rather than
// returning the first failure so that a run of reads is checked once.
type reader struct {
	b   []byte
	off int
	bad bool
}

func (r *reader) uvarint() uint64 {
	// One-byte values are the common case in the columns: small deltas
	// and no newlines.
	if r.off < len(r.b) && r.b[r.off] < 0x80 {
		v := r.b[r.off]
		r.off++
		return uint64(v)
	}
	v, n := binary.Uvarint(r.b[min(r.off, len(r.b)):])
	// binary.Uvarint takes overlong encodings (0x80 0x00 for 0); no
	// encoder writes them, so they are corruption too.
	if n <= 0 || r.b[r.off+n-1] == 0 {
		r.bad = true
		r.off = len(r.b)
		return 0
	}
	r.off += n
	return v
}

func (r *reader) varint() int64 {
	u := r.uvarint()
	return int64(u>>1) ^ -int64(u&1)
}
