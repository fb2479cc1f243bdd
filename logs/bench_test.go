package logs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/internal/logcorpus"
	"github.com/trailwatch/trailwatch/logs"
)

// corpusBatch returns events first..first+n-1 of the benchmark corpus as
// one PutLogEvents batch, with timestamps just before the service clock.
func corpusBatch(first, n int) []logs.InputLogEvent {
	lines := logcorpus.Lines(1, first, n, base.Add(-time.Hour))
	events := make([]logs.InputLogEvent, n)
	for i := range lines {
		events[i] = logs.InputLogEvent{Timestamp: &lines[i].Timestamp, Message: &lines[i].Message}
	}
	return events
}

// batchEvents is the largest batch of corpus events that stays inside
// PutLogEvents' 1,048,576 bytes (about 200 bytes + 26 per event): batches
// of 10,000 such events would be refused as AWS refuses them.
const batchEvents = 4500

// BenchmarkPutLogEvents stores batches of corpus events through the
// service into SQLite, durably.
func BenchmarkPutLogEvents(b *testing.B) {
	f := newFixture(b)
	MustGroup(b, f, rootA, "g")
	MustStream(b, f, rootA, "g", "s")
	const batch = batchEvents
	in := &logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: corpusBatch(0, batch)}
	var bytes int64
	for _, e := range in.LogEvents {
		bytes += int64(len(*e.Message))
	}
	b.SetBytes(bytes)
	b.ResetTimer()
	for b.Loop() {
		must[logs.PutLogEventsOutput](b, f, rootA, "PutLogEvents", in)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkFilterLogEvents searches a group of 200,000 corpus events in 10
// streams: a rare term paged to the end, and the first page of a common
// term, a JSON pattern and a space-delimited pattern. "fresh" has each
// stream's events in the chunks PutLogEvents wrote; "compacted" sends
// the batches to the streams in turn, as trailwatch load does, and
// compacts them, so that every stream's chunks span the whole time range
// and overlap each other's, as after the background compactor.
func BenchmarkFilterLogEvents(b *testing.B) {
	for _, compacted := range []bool{false, true} {
		name := "fresh"
		if compacted {
			name = "compacted"
		}
		b.Run(name, func(b *testing.B) { benchFilterLogEvents(b, compacted) })
	}
}

func benchFilterLogEvents(b *testing.B, compacted bool) {
	f := newFixture(b)
	MustGroup(b, f, rootA, "g")
	const streams, perStream = 10, 20000
	for s := range streams {
		MustStream(b, f, rootA, "g", fmt.Sprintf("s%d", s))
	}
	for k := 0; k*batchEvents < streams*perStream; k++ {
		// Fresh: stream s holds events [s*perStream, (s+1)*perStream).
		// Compacted: batch k goes to stream k mod streams.
		first := k * batchEvents
		s := first / perStream
		n := min(batchEvents, (s+1)*perStream-first)
		if compacted {
			s, n = k%streams, min(batchEvents, streams*perStream-first)
		}
		must[logs.PutLogEventsOutput](b, f, rootA, "PutLogEvents", &logs.PutLogEventsInput{
			LogGroupName: "g", LogStreamName: fmt.Sprintf("s%d", s), LogEvents: corpusBatch(first, n)})
	}
	if compacted {
		for {
			n, err := f.store.CompactLogEvents(context.Background(), streams)
			if err != nil {
				b.Fatal(err)
			}
			if n == 0 {
				break
			}
		}
	}
	for _, q := range logcorpus.Queries {
		b.Run(q.Name, func(b *testing.B) {
			var found int
			for b.Loop() {
				in := logs.FilterLogEventsInput{LogGroupName: "g", FilterPattern: q.Pattern}
				found = 0
				for {
					out := must[logs.FilterLogEventsOutput](b, f, rootA, "FilterLogEvents", &in)
					found += len(out.Events)
					// Rare terms are searched to the end; the others stop
					// at their first full page, as a reader would.
					if out.NextToken == "" || (q.Name != "rare term" && found > 0) {
						break
					}
					in.NextToken = out.NextToken
				}
			}
			b.ReportMetric(float64(found), "events")
		})
	}
}

// BenchmarkGetLogEvents reads the newest page (as many events as fit in
// 1 MB) of a stream of 100,000.
func BenchmarkGetLogEvents(b *testing.B) {
	f := newFixture(b)
	MustGroup(b, f, rootA, "g")
	MustStream(b, f, rootA, "g", "s")
	for i := 0; i < 100000; i += batchEvents {
		must[logs.PutLogEventsOutput](b, f, rootA, "PutLogEvents", &logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: corpusBatch(i, min(batchEvents, 100000-i))})
	}
	for b.Loop() {
		out := must[logs.GetLogEventsOutput](b, f, rootA, "GetLogEvents", &logs.GetLogEventsInput{LogGroupName: "g", LogStreamName: "s"})
		if len(out.Events) == 0 {
			b.Fatal("no events")
		}
	}
}

// benchFilters are logcorpus.MetricFilters as PutMetricFilter takes them.
var benchFilters = func() []*logs.PutMetricFilterInput {
	var out []*logs.PutMetricFilterInput
	for _, f := range logcorpus.MetricFilters {
		out = append(out, &logs.PutMetricFilterInput{FilterName: f.Name, FilterPattern: ptr(f.Pattern),
			MetricTransformations: []logs.MetricTransformation{{MetricName: f.MetricName, MetricNamespace: "Bench", MetricValue: f.Value, DefaultValue: f.Default, Unit: f.Unit}}})
	}
	return out
}()

// BenchmarkPutLogEventsMetricFilters is BenchmarkPutLogEvents on a group
// without metric filters and on one with the five benchFilters, whose
// output is stored with each batch: the cost metric filters add to
// ingestion.
func BenchmarkPutLogEventsMetricFilters(b *testing.B) {
	for _, n := range []int{0, len(benchFilters)} {
		b.Run(fmt.Sprintf("filters=%d", n), func(b *testing.B) {
			f := newFixture(b)
			MustGroup(b, f, rootA, "g")
			MustStream(b, f, rootA, "g", "s")
			for _, in := range benchFilters[:n] {
				in.LogGroupName = "g"
				must[logs.PutMetricFilterOutput](b, f, rootA, "PutMetricFilter", in)
			}
			in := &logs.PutLogEventsInput{LogGroupName: "g", LogStreamName: "s", LogEvents: corpusBatch(0, batchEvents)}
			b.ResetTimer()
			for b.Loop() {
				must[logs.PutLogEventsOutput](b, f, rootA, "PutLogEvents", in)
			}
			b.ReportMetric(float64(b.N*batchEvents)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
