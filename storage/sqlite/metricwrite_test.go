package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
)

// The writer's bucket cache never disagrees with the file: a transaction
// that fails leaves no trace in later merges, and a write by another
// connection is merged into, not overwritten.
func TestMetricWriterCache(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.sqlite")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	m := storage.Metric{Namespace: "App", Name: "M"}
	datum := func(v float64) []storage.MetricDatum {
		return []storage.MetricDatum{{Metric: m, Unit: "Count", Resolution: 60, Time: t0, Agg: storage.AggregateValues([]float64{v}, nil)}}
	}
	sum := func() float64 {
		t.Helper()
		bs, err := db.Metrics().ReadMetric(ctx, "1", "r", m, t0, t0.Add(time.Minute))
		if err != nil || len(bs) != 1 {
			t.Fatalf("ReadMetric = %+v, %v", bs, err)
		}
		return bs[0].Agg.Sum
	}
	if err := db.Metrics().PutMetricData(ctx, "1", "r", datum(1)); err != nil {
		t.Fatal(err)
	}
	if err := db.FailAfterPutMetricData(ctx, "1", "r", datum(10)); err == nil {
		t.Fatal("injected failure did not fail")
	}
	if err := db.Metrics().PutMetricData(ctx, "1", "r", datum(100)); err != nil {
		t.Fatal(err)
	}
	if got := sum(); got != 101 {
		t.Errorf("sum after a failed transaction = %v, want 101", got)
	}

	other, err := sql.Open("sqlite3", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec(`UPDATE metric_buckets SET sum = sum + 1000, count = count + 1`); err != nil {
		t.Fatal(err)
	}
	if err := db.Metrics().PutMetricData(ctx, "1", "r", datum(10000)); err != nil {
		t.Fatal(err)
	}
	if got := sum(); got != 11101 {
		t.Errorf("sum after another connection's write = %v, want 11101", got)
	}
}
