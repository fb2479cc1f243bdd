package chunk_test

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

// baseTime is 2026-11-18, around which the tests' events lie.
const baseTime = 1795000000000

// corpusEvents returns n events of the corpus for seed: a stream's worth
// of batches, ingested in order, with timestamps a few milliseconds apart
// and now and then out of order, as clients send them.
func corpusEvents(seed uint64, n int, start int64) []chunk.Event {
	c := logcorpus.New(seed)
	r := logcorpus.NewRNG(seed ^ 0x5eed)
	evs := make([]chunk.Event, n)
	ms := start
	var buf []byte
	for i := range evs {
		ms += int64(r.IntN(3))
		ts := ms
		if r.IntN(20) == 0 {
			ts -= int64(r.IntN(2000)) // a straggler
		}
		buf = c.Next(buf[:0], ts)
		evs[i] = chunk.Event{
			Timestamp:     ts,
			IngestionTime: start + int64(i/1000)*1000,
			Seq:           int64(seed)*1_000_000 + int64(i),
			Message:       bytes.Clone(buf),
		}
	}
	return evs
}

// sorted returns a sorted copy of evs, as a chunk should give them back.
func sorted(evs []chunk.Event) []chunk.Event {
	out := slices.Clone(evs)
	slices.SortFunc(out, func(a, b chunk.Event) int {
		if a.Timestamp != b.Timestamp {
			if a.Timestamp < b.Timestamp {
				return -1
			}
			return 1
		}
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
	return out
}

// MustEncode encodes a copy of evs, so the caller's order survives.
func MustEncode(tb testing.TB, evs []chunk.Event) (data, filter []byte, meta chunk.Meta) {
	tb.Helper()
	data, filter, meta, err := chunk.Encode(slices.Clone(evs))
	if err != nil {
		tb.Fatalf("Encode(%d events): %v", len(evs), err)
	}
	return data, filter, meta
}

// MustScan returns the events Scan gives, messages copied.
func MustScan(tb testing.TB, data []byte, from, to int64) []chunk.Event {
	tb.Helper()
	got, err := scanCopy(data, from, to)
	if err != nil {
		tb.Fatalf("Scan(%d, %d): %v", from, to, err)
	}
	return got
}

// scanCopy returns the events Scan gives, messages copied, and its error:
// on an error, the events it gave before it.
func scanCopy(data []byte, from, to int64) ([]chunk.Event, error) {
	var got []chunk.Event
	err := chunk.Scan(data, from, to, func(e *chunk.Event) bool {
		c := *e
		c.Message = bytes.Clone(e.Message)
		got = append(got, c)
		return true
	})
	return got, err
}

// scanAll is MustScan over every timestamp.
func scanAll(tb testing.TB, data []byte) []chunk.Event {
	tb.Helper()
	return MustScan(tb, data, math.MinInt64, math.MaxInt64)
}

// metaOf computes what Meta should say about evs.
func metaOf(evs []chunk.Event) chunk.Meta {
	m := chunk.Meta{MinTime: math.MaxInt64, MaxTime: math.MinInt64, MinSeq: math.MaxInt64, MaxSeq: math.MinInt64, Count: len(evs)}
	for _, e := range evs {
		m.MinTime, m.MaxTime = min(m.MinTime, e.Timestamp), max(m.MaxTime, e.Timestamp)
		m.MinSeq, m.MaxSeq = min(m.MinSeq, e.Seq), max(m.MaxSeq, e.Seq)
		m.RawBytes += int64(len(e.Message))
	}
	return m
}

// randomEvents returns n events with unique (Timestamp, Seq) drawn from
// r: timestamps from a narrow range (many ties) or anywhere in int64,
// messages of any bytes and lengths, empty ones included.
func randomEvents(r *logcorpus.RNG, n int) []chunk.Event {
	evs := make([]chunk.Event, n)
	wide := r.IntN(4) == 0
	for i := range evs {
		e := &evs[i]
		e.Timestamp = baseTime + int64(r.IntN(50))
		if wide {
			e.Timestamp = int64(r.Uint64())
		}
		if r.IntN(50) == 0 {
			e.Timestamp = []int64{math.MinInt64, math.MaxInt64, 0, -1}[r.IntN(4)]
		}
		// Seqs are unique, as the storage guarantees, but otherwise
		// unrelated to time.
		e.Seq = int64(r.Uint64()>>20)<<16 | int64(i)
		if r.IntN(30) == 0 {
			e.Seq = -e.Seq
		}
		e.IngestionTime = int64(r.Uint64())
		msg := make([]byte, r.LongTail(600))
		for j := range msg {
			msg[j] = byte(r.Uint64())
		}
		e.Message = msg
	}
	return evs
}

// diffEvents is cmp.Diff for event lists, comparing messages as byte
// strings (cmp's element-by-element walk is far too slow for megabytes)
// and treating a nil message as empty, as Scan may return either.
func diffEvents(want, got []chunk.Event) string {
	return cmp.Diff(want, got, cmp.Comparer(bytes.Equal))
}
