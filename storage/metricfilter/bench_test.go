package metricfilter_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/internal/chunk"
	"github.com/trailwatch/trailwatch/internal/logcorpus"
	"github.com/trailwatch/trailwatch/storage/metricfilter"
)

// benchFilters are logcorpus.MetricFilters as the store holds them.
func benchFilters() []trailwatch.MetricFilter {
	var out []trailwatch.MetricFilter
	for _, f := range logcorpus.MetricFilters {
		out = append(out, trailwatch.MetricFilter{Name: f.Name, Pattern: f.Pattern,
			Transformations: []trailwatch.MetricTransformation{{MetricName: f.MetricName, MetricNamespace: "Bench",
				MetricValue: f.Value, DefaultValue: f.Default, Unit: f.Unit}}})
	}
	return out
}

// BenchmarkApply runs the corpus's metric filters over a batch of 4,500
// corpus events, as PutLogEvents does before storing it: all five with
// the batch's chunk filter, which rules out the two rare terms here, all
// five without it, and each alone without it.
func BenchmarkApply(b *testing.B) {
	lines := logcorpus.Lines(1, 0, 4500, time.Unix(1_795_219_200, 0))
	events := make([]trailwatch.LogEvent, len(lines))
	evs := make([]chunk.Event, len(lines))
	for i, l := range lines {
		events[i] = trailwatch.LogEvent{Timestamp: l.Timestamp, Message: l.Message}
		evs[i] = chunk.Event{Timestamp: l.Timestamp, Seq: int64(i), Message: []byte(l.Message)}
	}
	_, filter, _, err := chunk.Encode(evs)
	if err != nil {
		b.Fatal(err)
	}
	all := benchFilters()
	run := func(name string, filters []trailwatch.MetricFilter, filter []byte) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				metricfilter.Apply(filters, events, filter)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(events)), "ns/event")
		})
	}
	run("all", all, filter)
	run("all-unfiltered", all, nil)
	for i, f := range all {
		run(fmt.Sprintf("%d-%s", i, f.Name), all[i:i+1], nil)
	}
}
