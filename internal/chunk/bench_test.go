package chunk_test

import (
	"bytes"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/trailwatch/trailwatch/internal/chunk"
)

// benchEvents is a 10,000-event batch of the corpus, the largest a
// PutLogEvents call may carry, built once.
var benchEvents = sync.OnceValue(func() []chunk.Event { return corpusEvents(1, 10000, baseTime) })

func rawBytes(evs []chunk.Event) int64 {
	var n int64
	for _, e := range evs {
		n += int64(len(e.Message))
	}
	return n
}

// BenchmarkEncode measures the ingest path: one full batch per op. MB/s
// counts raw message bytes; ratio is (chunk + filter) / raw bytes.
func BenchmarkEncode(b *testing.B) {
	for _, n := range []int{10, 1000, 10000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			evs := benchEvents()[:n]
			raw := rawBytes(evs)
			var data, filter []byte
			b.SetBytes(raw)
			b.ReportAllocs()
			for b.Loop() {
				var err error
				// Encode sorts in place; after the first call the batch
				// is sorted, as most batches arrive.
				if data, filter, _, err = chunk.Encode(evs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(float64(len(data)+len(filter))/float64(raw), "ratio")
			b.ReportMetric(float64(len(filter))/float64(raw), "filter/raw")
		})
	}
}

// BenchmarkMerge measures the compactor: ten 1,000-event chunks into one.
func BenchmarkMerge(b *testing.B) {
	evs := benchEvents()
	var chunks [][]byte
	for i := 0; i < 10; i++ {
		data, _, _ := MustEncode(b, evs[i*1000:(i+1)*1000])
		chunks = append(chunks, data)
	}
	var data, filter []byte
	b.SetBytes(rawBytes(evs))
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if data, filter, _, err = chunk.Merge(chunks); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(evs))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(data)+len(filter))/float64(rawBytes(evs)), "ratio")
	b.ReportMetric(float64(len(filter))/float64(rawBytes(evs)), "filter/raw")
}

// BenchmarkScan measures reading a 10,000-event chunk back: every event
// handed to a callback that does nothing, or one that looks for a rare
// substring as a term filter would. MB/s counts raw message bytes.
func BenchmarkScan(b *testing.B) {
	evs := benchEvents()
	data, _, _ := MustEncode(b, evs)
	rare := []byte(corpusRare[0][0])
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
	for _, terms := range [][]string{{corpusRare[0][0]}, {"upstream latency above threshold", "Quarantined"}} {
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
