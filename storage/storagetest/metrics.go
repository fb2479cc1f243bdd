package storagetest

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/trailwatch/trailwatch/storage"
)

func testMetrics(t *testing.T, h *harness) {
	t.Parallel()
	ctx := context.Background()
	ms := h.store(t).Metrics()
	const acct, region = "111111111111", "us-east-1"
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cpu := storage.Metric{Namespace: "App", Name: "CPU", Dimensions: []storage.Dimension{{Name: "Host", Value: "a"}, {Name: "Role", Value: "web"}}}
	mem := storage.Metric{Namespace: "App", Name: "Mem", Dimensions: []storage.Dimension{{Name: "Host", Value: "a"}}}
	other := storage.Metric{Namespace: "Other", Name: "CPU"}
	put := func(account string, data ...storage.MetricDatum) {
		t.Helper()
		if err := ms.PutMetricData(ctx, account, region, data); err != nil {
			t.Fatalf("PutMetricData: %v", err)
		}
	}
	d := func(m storage.Metric, unit string, res int, at time.Time, vals ...float64) storage.MetricDatum {
		return storage.MetricDatum{Metric: m, Unit: unit, Resolution: res, Time: at, Agg: storage.AggregateValues(vals, nil)}
	}
	// Two data in one batch and a third in another merge into one bucket;
	// another unit stays apart.
	put(acct, d(cpu, "Percent", 60, t0, 1, 2), d(cpu, "Percent", 60, t0, 3), d(mem, "Bytes", 60, t0, 10))
	put(acct, d(cpu, "Percent", 60, t0, 4), d(cpu, "Count", 60, t0, 100), d(cpu, "Percent", 60, t0.Add(time.Minute), 5))
	put(acct, storage.MetricDatum{Metric: other, Unit: "None", Resolution: 1, Time: t0.Add(5 * time.Second), Agg: storage.AggregateStatisticSet(3, 6, 1, 3)})
	put("222222222222", d(cpu, "Percent", 60, t0, 1000))

	got, err := ms.ReadMetric(ctx, acct, region, cpu, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]storage.MetricBucket{}
	for _, b := range got {
		byKey[b.Unit+b.Time.Format(time.TimeOnly)] = b
	}
	if len(got) != 3 {
		t.Fatalf("ReadMetric returned %d buckets, want 3: %+v", len(got), got)
	}
	p := byKey["Percent12:00:00"]
	if p.Resolution != 60 || p.Agg.SampleCount != 4 || p.Agg.Sum != 10 || p.Agg.Minimum != 1 || p.Agg.Maximum != 4 {
		t.Errorf("merged bucket = %+v", p)
	}
	if q, ok := (storage.ExtendedStatistic{Kind: "p", P: 100}).Eval(p.Agg); !ok || q != 4 {
		t.Errorf("merged sketch p100 = %v %v", q, ok)
	}
	if c := byKey["Count12:00:00"]; c.Agg.Sum != 100 {
		t.Errorf("Count bucket = %+v", c)
	}
	// The end is exclusive; dimensions must match exactly.
	if got, _ := ms.ReadMetric(ctx, acct, region, cpu, t0.Add(time.Minute), t0.Add(time.Minute)); len(got) != 0 {
		t.Errorf("empty range returned %+v", got)
	}
	if got, _ := ms.ReadMetric(ctx, acct, region, storage.Metric{Namespace: "App", Name: "CPU"}, t0, t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("undimensioned CPU returned %+v", got)
	}
	o, _ := ms.ReadMetric(ctx, acct, region, other, t0, t0.Add(time.Hour))
	if len(o) != 1 || o[0].Resolution != 1 || o[0].Agg.Sketch != nil || o[0].Agg.Sum != 6 {
		t.Errorf("statistic set bucket = %+v", o)
	}

	// ReadMetrics answers each range as ReadMetric does, in one call:
	// ranges may repeat a metric, match nothing or cross accounts.
	reads := []storage.MetricRead{
		{Account: acct, Region: region, Metric: cpu, Start: t0, End: t0.Add(time.Hour)},
		{Account: acct, Region: region, Metric: storage.Metric{Namespace: "App", Name: "CPU"}, Start: t0, End: t0.Add(time.Hour)},
		{Account: "222222222222", Region: region, Metric: cpu, Start: t0, End: t0.Add(time.Hour)},
		{Account: acct, Region: region, Metric: cpu, Start: t0.Add(time.Minute), End: t0.Add(time.Minute + time.Nanosecond)},
		{Account: acct, Region: "eu-west-1", Metric: cpu, Start: t0, End: t0.Add(time.Hour)},
	}
	many, err := ms.ReadMetrics(ctx, reads)
	if err != nil {
		t.Fatal(err)
	}
	if len(many) != len(reads) {
		t.Fatalf("ReadMetrics returned %d results for %d reads", len(many), len(reads))
	}
	for i, r := range reads {
		want, err := ms.ReadMetric(ctx, r.Account, r.Region, r.Metric, r.Start, r.End)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, many[i], cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ReadMetrics[%d] differs from ReadMetric (-want +got):\n%s", i, diff)
		}
	}
	if len(many[0]) != 3 || len(many[2]) != 1 || len(many[3]) != 1 || len(many[1])+len(many[4]) != 0 {
		t.Errorf("ReadMetrics bucket counts = %d %d %d %d %d", len(many[0]), len(many[1]), len(many[2]), len(many[3]), len(many[4]))
	}
	if none, err := ms.ReadMetrics(ctx, nil); err != nil || len(none) != 0 {
		t.Errorf("ReadMetrics(nil) = %v, %v", none, err)
	}

	// ListMetrics: filters, paging, activity and isolation.
	list := func(q storage.ListMetricsQuery) []storage.Metric {
		t.Helper()
		q.Account, q.Region = acct, region
		var all []storage.Metric
		for {
			page, next, err := ms.ListMetrics(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > q.Limit {
				t.Fatalf("page of %d over limit %d", len(page), q.Limit)
			}
			all = append(all, page...)
			if next == "" {
				return all
			}
			q.After = next
		}
	}
	opt := cmpopts.SortSlices(func(a, b storage.Metric) bool { return a.Namespace+a.Name < b.Namespace+b.Name })
	for name, tc := range map[string]struct {
		q    storage.ListMetricsQuery
		want []storage.Metric
	}{
		"all":            {storage.ListMetricsQuery{Limit: 1}, []storage.Metric{cpu, mem, other}},
		"namespace":      {storage.ListMetricsQuery{Namespace: "App", Limit: 500}, []storage.Metric{cpu, mem}},
		"name":           {storage.ListMetricsQuery{Name: "CPU", Limit: 2}, []storage.Metric{cpu, other}},
		"dimension name": {storage.ListMetricsQuery{Dimensions: []storage.DimensionFilter{{Name: "Host"}}, Limit: 1}, []storage.Metric{cpu, mem}},
		"dimension value": {storage.ListMetricsQuery{Dimensions: []storage.DimensionFilter{{Name: "Role", Value: "web", HasValue: true}, {Name: "Host"}}, Limit: 1},
			[]storage.Metric{cpu}},
		"no match":     {storage.ListMetricsQuery{Dimensions: []storage.DimensionFilter{{Name: "Host", Value: "b", HasValue: true}}, Limit: 1}, nil},
		"active since": {storage.ListMetricsQuery{ActiveSince: t0.Add(time.Minute), Limit: 5}, []storage.Metric{cpu}},
	} {
		if diff := cmp.Diff(tc.want, list(tc.q), opt, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ListMetrics %s (-want +got):\n%s", name, diff)
		}
	}

	// Roll-up merges 60-second buckets into 300-second ones, keeping the
	// sketch; retention then deletes what is old.
	n, err := ms.RollUpMetrics(ctx, 60, 300, t0.Add(time.Hour), 1000)
	if err != nil || n != 5 {
		t.Fatalf("RollUpMetrics = %d, %v; want 5", n, err)
	}
	got, _ = ms.ReadMetric(ctx, acct, region, cpu, t0, t0.Add(time.Hour))
	if len(got) != 2 {
		t.Fatalf("after roll-up: %+v", got)
	}
	for _, b := range got {
		if b.Resolution != 300 || !b.Time.Equal(t0) {
			t.Errorf("rolled bucket %+v", b)
		}
		if b.Unit == "Percent" && (b.Agg.SampleCount != 5 || b.Agg.Sum != 15 || b.Agg.Sketch == nil || b.Agg.Sketch.Total() != 5) {
			t.Errorf("rolled Percent bucket %+v", b.Agg)
		}
	}
	if other, _ := ms.ReadMetric(ctx, "222222222222", region, cpu, t0, t0.Add(time.Hour)); len(other) != 0 {
		// The other account's bucket was rolled too, but into its own series.
		if other[0].Agg.Sum != 1000 {
			t.Errorf("other account's bucket = %+v", other)
		}
	}
	n, err = ms.DeleteMetricData(ctx, 300, t0.Add(time.Hour), 1000)
	if err != nil || n != 4 {
		t.Fatalf("DeleteMetricData = %d, %v; want 4", n, err)
	}
	if got, _ := ms.ReadMetric(ctx, acct, region, cpu, t0, t0.Add(time.Hour)); len(got) != 0 {
		t.Errorf("after delete: %+v", got)
	}
	// Series with no data left are gone from the list; the high-resolution
	// one still has its bucket.
	if diff := cmp.Diff([]storage.Metric{other}, list(storage.ListMetricsQuery{Limit: 10}), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListMetrics after delete (-want +got):\n%s", diff)
	}
}

// testMetricsConcurrent has writers merge into the same buckets at once,
// new series and existing ones: no datum may be lost to another writer's
// read-merge-write.
func testMetricsConcurrent(t *testing.T, h *harness) {
	t.Parallel()
	ctx := context.Background()
	ms := h.store(t).Metrics()
	const acct, region, writers, batches = "111111111111", "us-east-1", 4, 10
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	metric := func(i int) storage.Metric {
		return storage.Metric{Namespace: "App", Name: "M", Dimensions: []storage.Dimension{{Name: "N", Value: strconv.Itoa(i)}}}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				var data []storage.MetricDatum
				for i := range 20 {
					// Each batch moves a minute on, so series are
					// both created and moved under contention.
					data = append(data, storage.MetricDatum{Metric: metric(i), Unit: "Count", Resolution: 60,
						Time: t0.Add(time.Duration(b/3) * time.Minute), Agg: storage.AggregateValues([]float64{float64(w + 1)}, nil)})
				}
				if err := ms.PutMetricData(ctx, acct, region, data); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i := range 20 {
		got, err := ms.ReadMetric(ctx, acct, region, metric(i), t0, t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		var n, sum float64
		for _, b := range got {
			n += b.Agg.SampleCount
			sum += b.Agg.Sum
		}
		if n != writers*batches || sum != batches*(1+2+3+4) {
			t.Errorf("metric %d: %v samples summing to %v, want %d summing to %d", i, n, sum, writers*batches, batches*(1+2+3+4))
		}
	}
}
