package storagetest

import (
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
)

// testMetricFilterEmission: PutLogEvents stores what the group's metric
// filters emit, with the events, in the group's account and region, in
// the minute of each event's timestamp.
func testMetricFilterEmission(t *testing.T, h *harness) {
	t.Parallel()
	s := h.store(t)
	l, ms := s.Logs(), s.Metrics()
	const acct, region = "111111111111", "eu-west-1"
	mustGroup(t, l, acct, region, "g")
	mustStream(t, l, acct, region, "g", "s")
	mustGroup(t, l, acct, region, "quiet")
	mustStream(t, l, acct, region, "quiet", "s")
	def := 0.0
	must(t, "put json filter", l.PutMetricFilter(ctx, acct, region, trailwatch.MetricFilter{
		Group: "g", Name: "errors", Pattern: `{ $.status = 500 }`, CreatedAt: ts(0),
		Transformations: []trailwatch.MetricTransformation{{MetricName: "Errors", MetricNamespace: "App", MetricValue: "1", DefaultValue: &def, Unit: "Count"}},
	}, 100))
	must(t, "put delimited filter", l.PutMetricFilter(ctx, acct, region, trailwatch.MetricFilter{
		Group: "g", Name: "bytes", Pattern: `[ip, user, status=500, bytes]`, CreatedAt: ts(0),
		Transformations: []trailwatch.MetricTransformation{{MetricName: "Bytes", MetricNamespace: "App", MetricValue: "$bytes",
			Dimensions: map[string]string{"User": "$user"}}},
	}, 100))

	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) int64 { return t0.Add(d).UnixMilli() }
	put := func(group string, evs ...trailwatch.LogEvent) {
		t.Helper()
		if _, err := l.PutLogEvents(ctx, acct, region, group, "s", at(time.Hour), evs); err != nil {
			t.Fatalf("PutLogEvents: %v", err)
		}
	}
	put("g",
		trailwatch.LogEvent{Timestamp: at(5 * time.Second), Message: `{"status": 500}`},
		trailwatch.LogEvent{Timestamp: at(59 * time.Second), Message: `{"status": 200}`},
		trailwatch.LogEvent{Timestamp: at(61 * time.Second), Message: `{"status": 200}`},
		trailwatch.LogEvent{Timestamp: at(62 * time.Second), Message: `{"status": 200}`},
	)
	put("g",
		trailwatch.LogEvent{Timestamp: at(2 * time.Minute), Message: `1.2.3.4 bob 500 120`},
		trailwatch.LogEvent{Timestamp: at(2*time.Minute + time.Second), Message: `1.2.3.4 bob 500 x`},
		trailwatch.LogEvent{Timestamp: at(2*time.Minute + 2*time.Second), Message: `1.2.3.4 bob 404 5`},
		trailwatch.LogEvent{Timestamp: at(2*time.Minute + 3*time.Second), Message: `1.2.3.4 bob 500 30`},
		trailwatch.LogEvent{Timestamp: at(2*time.Minute + 4*time.Second), Message: `1.2.3.4 ann 500 7`},
	)
	// A group without filters emits nothing, and a failed batch neither.
	put("quiet", trailwatch.LogEvent{Timestamp: at(0), Message: `{"status": 500}`})
	if _, err := l.PutLogEvents(ctx, acct, region, "g", "missing", at(time.Hour), []trailwatch.LogEvent{{Timestamp: at(0), Message: `{"status": 500}`}}); err == nil {
		t.Fatal("PutLogEvents to a missing stream succeeded")
	}

	type row struct {
		Unit          string
		Res           int
		Time          time.Time
		Count, Sum    float64
		Minimum, Maxi float64
	}
	read := func(m storage.Metric) []row {
		t.Helper()
		bs, err := ms.ReadMetric(ctx, acct, region, m, t0.Add(-time.Hour), t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		out := []row{}
		for _, b := range bs {
			out = append(out, row{b.Unit, b.Resolution, b.Time.UTC(), b.Agg.SampleCount, b.Agg.Sum, b.Agg.Minimum, b.Agg.Maximum})
		}
		return out
	}
	diff(t, "App/Errors", []row{
		{"Count", 60, t0, 1, 1, 1, 1},
		{"Count", 60, t0.Add(time.Minute), 1, 0, 0, 0},
		{"Count", 60, t0.Add(2 * time.Minute), 1, 0, 0, 0},
	}, read(storage.Metric{Namespace: "App", Name: "Errors"}))
	diff(t, "App/Bytes User=bob", []row{{"None", 60, t0.Add(2 * time.Minute), 2, 150, 30, 120}},
		read(storage.Metric{Namespace: "App", Name: "Bytes", Dimensions: []storage.Dimension{{Name: "User", Value: "bob"}}}))
	diff(t, "App/Bytes User=ann", []row{{"None", 60, t0.Add(2 * time.Minute), 1, 7, 7, 7}},
		read(storage.Metric{Namespace: "App", Name: "Bytes", Dimensions: []storage.Dimension{{Name: "User", Value: "ann"}}}))
	diff(t, "App/Bytes without dimensions", []row{}, read(storage.Metric{Namespace: "App", Name: "Bytes"}))
	got, _, err := ms.ListMetrics(ctx, storage.ListMetricsQuery{Account: acct, Region: "us-east-1", Limit: 10})
	must(t, "list metrics", err)
	diff(t, "metrics in another region", 0, len(got))

	// A deleted filter stops emitting.
	must(t, "delete filter", l.DeleteMetricFilter(ctx, acct, region, "g", "errors"))
	put("g", trailwatch.LogEvent{Timestamp: at(10 * time.Second), Message: `{"status": 500}`})
	diff(t, "App/Errors after delete", 1.0, read(storage.Metric{Namespace: "App", Name: "Errors"})[0].Count)
}
