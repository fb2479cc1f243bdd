package alarms_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/cloudwatch"
	"github.com/trailwatch/trailwatch/internal/testenv"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/postgres"
	"github.com/trailwatch/trailwatch/storage/sqlite"
	"github.com/trailwatch/trailwatch/storage/storagetest"
	"github.com/trailwatch/trailwatch/worker/alarms"
)

// benchAlarms is the count: 10,000 alarms evaluated every minute.
const benchAlarms = 10_000

// BenchmarkEvaluation makes worker passes over 10,000 one-minute alarms,
// each on a metric of its own with data, on each backend. Before every
// pass the minute that is about to close gets a datapoint that moves every
// alarm (above its threshold on odd passes, below on even ones), so each
// pass writes all 10,000 states: the worst case. A pass starts at the
// period's close on a clock that then runs in real time, so the time from
// the start to each alarm's state being stored is that alarm's evaluation
// lag; the benchmark reports its p50 and p99 over every alarm of every pass,
// and the process CPU time per evaluated alarm (on PostgreSQL the
// database's own CPU is not in it). Run with -benchtime=Nx: one iteration
// is one pass.
func BenchmarkEvaluation(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.sqlite"))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchmarkEvaluation(b, db)
	})
	b.Run("postgres", func(b *testing.B) {
		db, err := postgres.Open(context.Background(), testenv.Postgres(b))
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		benchmarkEvaluation(b, db)
	})
}

// benchClock reads `at` at the moment it was set and runs on from there.
type benchClock struct {
	mu     sync.Mutex
	at     time.Time
	anchor time.Time
}

func (c *benchClock) set(t time.Time) {
	c.mu.Lock()
	c.at, c.anchor = t, time.Now()
	c.mu.Unlock()
}

func (c *benchClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at.Add(time.Since(c.anchor))
}

// stateClock notes when each alarm state reaches storage.
type stateClock struct {
	storage.Alarms
	mu      sync.Mutex
	written []time.Time
}

func (s *stateClock) UpdateAlarm(ctx context.Context, account, region, name string, fn func([]byte) ([]byte, error)) error {
	err := s.Alarms.UpdateAlarm(ctx, account, region, name, fn)
	if err == nil {
		s.note(1)
	}
	return err
}

func (s *stateClock) UpdateAlarms(ctx context.Context, keys []storage.AlarmKey, fn func(int, []byte) []byte) error {
	n := 0
	err := s.Alarms.UpdateAlarms(ctx, keys, func(i int, data []byte) []byte {
		out := fn(i, data)
		if out != nil {
			n++
		}
		return out
	})
	if err == nil {
		s.note(n)
	}
	return err
}

func (s *stateClock) note(n int) {
	now := time.Now()
	s.mu.Lock()
	for range n {
		s.written = append(s.written, now)
	}
	s.mu.Unlock()
}

func (s *stateClock) take() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.written
	s.written = nil
	return w
}

type benchStore interface {
	Metrics() storage.Metrics
	Alarms() storage.Alarms
	Leases() storage.Leases
}

func benchmarkEvaluation(b *testing.B, db benchStore) {
	ctx := trailwatch.NewContextWithCaller(context.Background(), &trailwatch.Caller{AccountID: "123456789012",
		Type: trailwatch.PrincipalRoot, PrincipalID: "123456789012", ARN: trailwatch.RootARN("123456789012"), Region: "us-east-1"})
	clock := &benchClock{}
	end := time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)
	clock.set(end)
	st := &stateClock{Alarms: db.Alarms()}
	svc := cloudwatch.New(cloudwatch.Options{Metrics: db.Metrics(), Alarms: st, Now: clock.Now})
	w := alarms.New(alarms.Options{Evaluator: svc, Alarms: db.Alarms(), Leases: db.Leases(), Holder: "bench", Now: clock.Now})

	metric := func(i int) string { return fmt.Sprintf("alarm-%05d", i) }
	for i := range benchAlarms {
		_, err := svc.PutMetricAlarm(ctx, &cloudwatch.PutMetricAlarmInput{AlarmName: metric(i), Namespace: "Bench", MetricName: "Requests",
			Dimensions: []cloudwatch.Dimension{{Name: "AlarmId", Value: metric(i)}}, Statistic: "Average",
			Period: ptr[int32](60), EvaluationPeriods: ptr[int32](1), Threshold: ptr(50.0), ComparisonOperator: "GreaterThanThreshold"})
		if err != nil {
			b.Fatal(err)
		}
	}
	// publish puts one datapoint per metric in the minute before end.
	publish := func(end time.Time, v float64) {
		in := &cloudwatch.PutMetricDataInput{Namespace: "Bench"}
		for i := range benchAlarms {
			in.MetricData = append(in.MetricData, cloudwatch.MetricDatum{MetricName: "Requests",
				Dimensions: []cloudwatch.Dimension{{Name: "AlarmId", Value: metric(i)}}, Timestamp: end.Add(-30 * time.Second), Value: &v})
			if len(in.MetricData) == 1000 {
				if _, err := svc.PutMetricData(ctx, in); err != nil {
					b.Fatal(err)
				}
				in.MetricData = in.MetricData[:0]
			}
		}
	}

	var lags []time.Duration
	pass := 0
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		pass++
		end = end.Add(time.Minute)
		clock.set(end.Add(-time.Minute))
		publish(end, float64(pass%2)*100)
		st.take()
		b.StartTimer()

		cpu0, _ := storagetest.ProcessCPU()
		start := time.Now()
		clock.set(end)
		p, err := w.RunOnce(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		cpu1, _ := storagetest.ProcessCPU()
		cpu += cpu1 - cpu0
		if p.Evaluated != benchAlarms || p.Changed != benchAlarms {
			b.Fatalf("pass %d evaluated %d alarms and changed %d, want %d", pass, p.Evaluated, p.Changed, benchAlarms)
		}
		written := st.take()
		if len(written) != benchAlarms {
			b.Fatalf("pass %d wrote %d states, want %d", pass, len(written), benchAlarms)
		}
		for _, t := range written {
			lags = append(lags, t.Sub(start))
		}
	}
	slices.Sort(lags)
	b.ReportMetric(lags[len(lags)/2].Seconds(), "lag-p50-s")
	b.ReportMetric(lags[len(lags)*99/100].Seconds(), "lag-p99-s")
	b.ReportMetric(float64(cpu.Microseconds())/float64(pass*benchAlarms), "cpu-µs/alarm")
}

func ptr[T any](v T) *T { return &v }
