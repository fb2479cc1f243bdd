package logwrite

import (
	"fmt"
	"unsafe"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/chunk"
)

// Batch is a PutLogEvents batch on its way into a chunk. Its fields are
// set by NewBatch and Encode and read by the backend that stores the
// chunk.
type Batch struct {
	// Out holds the events as stored, in the order given.
	Out []trailwatch.LogEvent
	// Base is the Seq of Out[0].
	Base int64
	// Data and Filter are the encoded chunk and its trigram filter.
	Data, Filter []byte
	// Meta describes the encoded chunk.
	Meta chunk.Meta

	evs []chunk.Event
}

// NewBatch returns the batch of events for stream, stamped with
// ingestionTime and not yet encoded.
func NewBatch(stream string, ingestionTime int64, events []trailwatch.LogEvent) *Batch {
	b := &Batch{Out: make([]trailwatch.LogEvent, len(events)), evs: make([]chunk.Event, len(events))}
	for i, e := range events {
		e.Stream, e.IngestionTime = stream, ingestionTime
		b.Out[i] = e
	}
	return b
}

// Encode numbers the events from base, in the order given, and encodes
// them. A backend that loses a race for the group's sequence numbers
// calls it again with the new base.
func (b *Batch) Encode(base int64) error {
	b.Base = base
	for i := range b.Out {
		e := &b.Out[i]
		e.Seq = base + int64(i)
		// chunk.Encode only reads messages and keeps none, so it may read
		// the strings' bytes in place: a batch is up to a megabyte that
		// would otherwise be copied for nothing.
		b.evs[i] = chunk.Event{Timestamp: e.Timestamp, IngestionTime: e.IngestionTime, Seq: e.Seq,
			Message: unsafe.Slice(unsafe.StringData(e.Message), len(e.Message))}
	}
	data, filter, meta, err := chunk.Encode(b.evs)
	if err != nil {
		return fmt.Errorf("encode chunk: %w", err)
	}
	b.Data, b.Filter, b.Meta = data, filter, meta
	return nil
}

// Stored is what the chunk adds to its group's StoredBytes.
func (b *Batch) Stored() int64 { return int64(len(b.Data) + len(b.Filter)) }
