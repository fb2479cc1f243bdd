package chunk_test

import (
	"bytes"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
)

// benchEvents is a 10,000-event batch of the mixed corpus, the largest a
// PutLogEvents call may carry, built once.
var benchEvents = sync.OnceValue(func() []chunk.Event { return corpusEvents(1, 10000, baseTime) })

// benchKinds are the corpora the size figures are reported for: the mix
// in one stream, and each source in a stream of its own, as a log shipper
// per source would send them.
var benchKinds = []struct {
	name string
	kind logcorpus.Kind
}{{"mixed", logcorpus.Mixed}, {"json", logcorpus.JSON}, {"access", logcorpus.Access}, {"mariadb", logcorpus.MariaDB}, {"pgaudit", logcorpus.PgAudit}}

// kindEvents returns n events of one corpus kind.
func kindEvents(kind logcorpus.Kind, n int) []chunk.Event {
	c := logcorpus.NewKind(uint64(kind)+1, kind)
	evs := make([]chunk.Event, n)
	var buf []byte
	for i := range evs {
		ts := baseTime + int64(i)
		buf = c.Next(buf[:0], ts)
		evs[i] = chunk.Event{Timestamp: ts, IngestionTime: baseTime, Seq: int64(i), Message: bytes.Clone(buf)}
	}
	return evs
}

func rawBytes(evs []chunk.Event) int64 {
	var n int64
	for _, e := range evs {
		n += int64(len(e.Message))
	}
	return n
}

// BenchmarkEncode measures the ingest path: one batch per op, of 10, 1,000
// and 10,000 events of the mixed corpus, and of 10,000 events of each
// single-source corpus. MB/s counts raw message bytes; ratio is (chunk +
// filter) / raw bytes and filter/raw the filter's share of it.
func BenchmarkEncode(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprintf("mixed/%d", n), func(b *testing.B) { benchEncode(b, benchEvents()[:n]) })
	}
	for _, k := range benchKinds[1:] {
		b.Run(k.name+"/10000", func(b *testing.B) { benchEncode(b, kindEvents(k.kind, 10000)) })
	}
	evs := loadCall()
	b.Run(fmt.Sprintf("load/%d", len(evs)), func(b *testing.B) { benchEncode(b, evs) })
}

// loadCall returns the events of the load command's first PutLogEvents
// call: the corpus's first lines (logcorpus.Lines, 10 ms apart), as many
// as fit in the call's 1 MiB (message bytes plus 26 an event), all
// ingested at once. Its figures are what a fresh load stores.
func loadCall() []chunk.Event {
	var evs []chunk.Event
	size := 0
	for i, l := range logcorpus.Lines(1, 0, 10000, time.UnixMilli(baseTime)) {
		if size += len(l.Message) + 26; size > 1<<20 {
			break
		}
		evs = append(evs, chunk.Event{Timestamp: l.Timestamp, IngestionTime: baseTime, Seq: int64(i), Message: []byte(l.Message)})
	}
	return evs
}

func benchEncode(b *testing.B, evs []chunk.Event) {
	benchBuild(b, evs, func() ([]byte, []byte, error) {
		// Encode sorts in place; after the first call the batch is
		// sorted, as most batches arrive.
		data, filter, _, err := chunk.Encode(evs)
		return data, filter, err
	})
}

// benchBuild runs build, which makes a chunk of evs, once per op, and
// reports the events per second and the chunk's ratio and filter/raw.
// MB/s counts evs' raw message bytes.
func benchBuild(b *testing.B, evs []chunk.Event, build func() (data, filter []byte, err error)) {
	raw := rawBytes(evs)
	var data, filter []byte
	b.SetBytes(raw)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if data, filter, err = build(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(data)+len(filter))/float64(raw), "ratio")
	b.ReportMetric(float64(len(filter))/float64(raw), "filter/raw")
}

// BenchmarkMerge measures the compactor: ten 1,000-event chunks into one,
// for each corpus.
func BenchmarkMerge(b *testing.B) {
	for _, k := range benchKinds {
		b.Run(k.name, func(b *testing.B) {
			evs := kindEvents(k.kind, 10000)
			if k.kind == logcorpus.Mixed {
				evs = benchEvents()
			}
			var chunks [][]byte
			for i := 0; i < 10; i++ {
				data, _, _ := MustEncode(b, evs[i*1000:(i+1)*1000])
				chunks = append(chunks, data)
			}
			benchBuild(b, evs, func() ([]byte, []byte, error) {
				data, filter, _, err := chunk.Merge(chunks)
				return data, filter, err
			})
		})
	}
}

// BenchmarkScan measures reading a 10,000-event chunk back: every event
// handed to a callback that does nothing, or one that looks for a rare
// substring as a term filter would. MB/s counts raw message bytes.
func BenchmarkScan(b *testing.B) {
	evs := benchEvents()
	data, _, _ := MustEncode(b, evs)
	rare := []byte(logcorpus.Rare[0].Term)
	for _, bc := range []struct {
		name string
		fn   func(e *chunk.Event) bool
	}{
		{"all", func(e *chunk.Event) bool { return true }},
		{"rare", func(e *chunk.Event) bool { _ = bytes.Contains(e.Message, rare); return true }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(rawBytes(evs))
			b.ReportAllocs()
			for b.Loop() {
				if err := chunk.Scan(data, math.MinInt64, math.MaxInt64, bc.fn); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkMayContain measures the per-chunk skip decision for a rare
// word and for a long phrase.
func BenchmarkMayContain(b *testing.B) {
	_, filter, _ := MustEncode(b, benchEvents())
	for _, terms := range [][]string{{logcorpus.Rare[0].Term}, {"upstream latency above threshold", "Quarantined"}} {
		b.Run(fmt.Sprint(len(terms[0])), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				chunk.MayContain(filter, terms)
			}
		})
	}
}

// BenchmarkLevels compares zstd levels on a batch's messages, to choose
// Encode's and Merge's: MB/s of raw bytes and the compressed fraction.
func BenchmarkLevels(b *testing.B) {
	var raw []byte
	for _, e := range benchEvents() {
		raw = append(raw, e.Message...)
	}
	for _, level := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression, zstd.SpeedBestCompression} {
		b.Run(level.String(), func(b *testing.B) {
			enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(level), zstd.WithEncoderConcurrency(1))
			if err != nil {
				b.Fatal(err)
			}
			var out []byte
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				out = enc.EncodeAll(raw, out[:0])
			}
			b.ReportMetric(float64(len(out))/float64(len(raw)), "ratio")
		})
	}
}

// BenchmarkRareTermCompacted measures what a rare-term search costs per
// chunk of the size compaction makes (4 MiB of messages, 20,000 events,
// one of which holds the term): the filter check, then the decoding and
// matching of whatever the filter admits. MB/s counts the chunk's raw
// message bytes.
func BenchmarkRareTermCompacted(b *testing.B) {
	evs := corpusEvents(3, 20000, baseTime)
	term := logcorpus.Rare[0].Term
	evs[12345].Message = append(bytes.Clone(evs[12345].Message), " "+term...)
	var chunks [][]byte
	for i := 0; i < 4; i++ {
		data, _, _ := MustEncode(b, evs[i*5000:(i+1)*5000])
		chunks = append(chunks, data)
	}
	data, filter, _, err := chunk.Merge(chunks)
	if err != nil {
		b.Fatal(err)
	}
	terms, needle := []string{term}, []byte(term)
	b.SetBytes(rawBytes(evs))
	b.ReportAllocs()
	for b.Loop() {
		if !chunk.MayContain(filter, terms) {
			b.Fatal("the filter rules out a chunk holding the term")
		}
		hits := 0
		if _, err := chunk.Search(data, filter, terms, math.MinInt64, math.MaxInt64, func(e *chunk.Event) bool {
			if bytes.Contains(e.Message, needle) {
				hits++
			}
			return true
		}); err != nil || hits != 1 {
			b.Fatalf("%d hits, error %v", hits, err)
		}
	}
	b.ReportMetric(float64(len(data)+len(filter))/float64(rawBytes(evs)), "ratio")
}
