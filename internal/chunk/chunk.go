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

const (
	dataVersion = 1
	// trailerSize is the payload trailer: four uint32 column lengths.
	trailerSize = 16
)

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

// header is the decoded chunk header.
type header struct {
	meta       Meta
	payloadLen int
}

// appendHeader appends h in the format described in the package comment.
func appendHeader(dst []byte, h *header) []byte {
	start := len(dst)
	dst = append(dst, dataVersion)
	dst = binary.AppendUvarint(dst, uint64(h.meta.Count))
	dst = binary.AppendVarint(dst, h.meta.MinTime)
	dst = binary.AppendUvarint(dst, uint64(h.meta.MaxTime)-uint64(h.meta.MinTime))
	dst = binary.AppendVarint(dst, h.meta.MinSeq)
	dst = binary.AppendUvarint(dst, uint64(h.meta.MaxSeq)-uint64(h.meta.MinSeq))
	dst = binary.AppendUvarint(dst, uint64(h.meta.RawBytes))
	dst = binary.AppendUvarint(dst, uint64(h.payloadLen))
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// parseHeader decodes and checks the header and returns the zstd frame
// that follows it.
func parseHeader(data []byte) (h header, frame []byte, err error) {
	if len(data) == 0 {
		return h, nil, fmt.Errorf("%w: empty", ErrCorrupt)
	}
	if data[0] != dataVersion {
		return h, nil, fmt.Errorf("%w: unknown format version %d", ErrCorrupt, data[0])
	}
	r := reader{b: data, off: 1}
	count := r.uvarint()
	minTime := r.varint()
	timeSpan := r.uvarint()
	minSeq := r.varint()
	seqSpan := r.uvarint()
	raw := r.uvarint()
	payloadLen := r.uvarint()
	if r.bad || r.off+4 > len(data) {
		return h, nil, fmt.Errorf("%w: truncated header", ErrCorrupt)
	}
	if crc32.Checksum(data[:r.off], castagnoli) != binary.LittleEndian.Uint32(data[r.off:]) {
		return h, nil, fmt.Errorf("%w: header checksum mismatch", ErrCorrupt)
	}
	if count > MaxEvents || payloadLen > MaxSize || raw > MaxSize {
		return h, nil, fmt.Errorf("%w: %d events, %d message bytes and %d payload bytes exceed the limits", ErrCorrupt, count, raw, payloadLen)
	}
	h = header{
		meta: Meta{
			MinTime: minTime, MaxTime: int64(uint64(minTime) + timeSpan),
			MinSeq: minSeq, MaxSeq: int64(uint64(minSeq) + seqSpan),
			Count: int(count), RawBytes: int64(raw),
		},
		payloadLen: int(payloadLen),
	}
	if err := h.check(); err != nil {
		return header{}, nil, err
	}
	return h, data[r.off+4:], nil
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
	case m.RawBytes+5*int64(m.Count)+trailerSize > int64(h.payloadLen):
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
	h, _, err := parseHeader(data)
	if err != nil {
		return Meta{}, fmt.Errorf("read chunk header: %w", err)
	}
	return h.meta, nil
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
