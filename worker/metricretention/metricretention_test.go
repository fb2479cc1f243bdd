package metricretention_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
	"github.com/trailwatch/trailwatch/worker/metricretention"
)

var now = time.Date(2025, 6, 1, 12, 34, 56, 0, time.UTC)

type bucket struct {
	Res        int
	Time       time.Time
	Count, Sum float64
}

// TestSchedule: a pass leaves each data point at the width AWS keeps for its
// age (§5): 1 s for 3 hours, 60 s for 15 days, 300 s for 63 days, 3600 s
// for 455 days, and nothing after; sums and counts survive the roll-ups.
func TestSchedule(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "trailwatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms := db.Metrics()
	m := storage.Metric{Namespace: "App", Name: "Hits"}
	put := func(res int, at time.Time, v float64) {
		t.Helper()
		d := storage.MetricDatum{Metric: m, Unit: "Count", Resolution: res, Time: at, Agg: storage.AggregateValues([]float64{v}, nil)}
		if err := ms.PutMetricData(ctx, "111122223333", "us-east-1", []storage.MetricDatum{d}); err != nil {
			t.Fatal(err)
		}
	}
	min := func(t time.Time, w int) time.Time { return t.Truncate(time.Duration(w) * time.Second) }
	// High resolution: one fresh, two in the same minute 4 hours ago.
	fresh := now.Add(-time.Hour).Truncate(time.Second)
	old := min(now.Add(-4*time.Hour), 60)
	put(1, fresh, 1)
	put(1, old.Add(10*time.Second), 2)
	put(1, old.Add(20*time.Second), 3)
	// One-minute: 14 days (kept) and two 16 days ago in one 5-minute period.
	d14 := min(now.Add(-14*24*time.Hour), 60)
	d16 := min(now.Add(-16*24*time.Hour), 300)
	put(60, d14, 4)
	put(60, d16.Add(time.Minute), 5)
	put(60, d16.Add(3*time.Minute), 6)
	// Five-minute: 64 days ago, two in one hour.
	d64 := min(now.Add(-64*24*time.Hour), 3600)
	put(300, d64.Add(5*time.Minute), 7)
	put(300, d64.Add(55*time.Minute), 8)
	// Hourly: 454 days (kept) and 456 days (deleted).
	d454 := min(now.Add(-454*24*time.Hour), 3600)
	put(3600, d454, 9)
	put(3600, min(now.Add(-456*24*time.Hour), 3600), 10)

	w := metricretention.New(metricretention.Options{Metrics: ms, Leases: db.Leases(), Holder: "n1", Batch: 1,
		Now: func() time.Time { return now }})
	p, err := w.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Held || p.Moved[1] != 2 || p.Moved[60] != 2 || p.Moved[300] != 2 || p.Deleted != 1 {
		t.Errorf("pass = %+v", p)
	}
	got, err := ms.ReadMetric(ctx, "111122223333", "us-east-1", m, now.Add(-500*24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	var rows []bucket
	for _, b := range got {
		rows = append(rows, bucket{b.Resolution, b.Time.UTC(), b.Agg.SampleCount, b.Agg.Sum})
	}
	want := []bucket{
		{3600, d454, 1, 9},
		{3600, d64, 2, 15},
		{300, d16, 2, 11},
		{60, d14, 1, 4},
		{60, old, 2, 5},
		{1, fresh, 1, 1},
	}
	if d := cmp.Diff(want, rows); d != "" {
		t.Errorf("buckets after a pass (-want +got):\n%s", d)
	}
	// A second pass finds nothing to do.
	p, err = w.RunOnce(ctx)
	if err != nil || p.Moved[1]+p.Moved[60]+p.Moved[300]+p.Deleted != 0 {
		t.Errorf("second pass = %+v, %v", p, err)
	}
}

// TestCutoff: the cutoff is aligned to the coarser width, so a partly
// expired period is rolled up only once all of it has expired.
func TestCutoff(t *testing.T) {
	s := metricretention.Schedule[0]
	if got, want := s.Cutoff(now), time.Date(2025, 6, 1, 9, 34, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("1 s cutoff = %v, want %v", got, want)
	}
	s = metricretention.Schedule[2]
	if got, want := s.Cutoff(now), time.Date(2025, 3, 30, 12, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("300 s cutoff = %v, want %v", got, want)
	}
	s = metricretention.Schedule[3]
	if got, want := s.Cutoff(now), now.Add(-455*24*time.Hour); !got.Equal(want) {
		t.Errorf("3600 s cutoff = %v, want %v", got, want)
	}
}
