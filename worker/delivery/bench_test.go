package delivery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/archive"
	"github.com/trailwatch/trailwatch/trailfile"
	"github.com/trailwatch/trailwatch/worker/delivery"
)

// lagBucket notes when each record reached the bucket.
type lagBucket struct {
	archive.Bucket
	mu      sync.Mutex
	arrived map[string]time.Time // eventID -> when its file was stored
}

type lagStore struct {
	archive.Store
	b *lagBucket
}

func (s *lagStore) Bucket(ctx context.Context, name string) (archive.Bucket, error) {
	if s.b.Bucket == nil {
		b, err := s.Store.Bucket(ctx, name)
		if err != nil {
			return nil, err
		}
		s.b.Bucket = b
	}
	return s.b, nil
}

func (b *lagBucket) Put(ctx context.Context, key string, body []byte, meta map[string]string) error {
	if err := b.Bucket.Put(ctx, key, body, meta); err != nil {
		return err
	}
	now := time.Now()
	recs, _, err := trailfile.ReadLogFile(body)
	if err != nil || len(meta) > 0 {
		return err // digests carry metadata and no records
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range recs {
		var e struct {
			EventID string `json:"eventID"`
		}
		json.Unmarshal(r, &e)
		if _, dup := b.arrived[e.EventID]; dup {
			return fmt.Errorf("event %s delivered twice", e.EventID)
		}
		b.arrived[e.EventID] = now
	}
	return nil
}

// BenchmarkSustainedDelivery records management events at a steady rate
// (TRAILWATCH_DELIVERY_RATE events/s, default 20,000, in group-commit
// batches every 10 ms) for TRAILWATCH_DELIVERY_SECONDS (default 20) while
// the worker delivers them for one trail every second, and reports the
// rate recorded and the delivery lag (recorded to stored in the bucket):
// the bar is p99 under the interval plus 5 s.
func BenchmarkSustainedDelivery(b *testing.B) {
	rate, secs := envInt("TRAILWATCH_DELIVERY_RATE", 20_000), envInt("TRAILWATCH_DELIVERY_SECONDS", 20)
	for range b.N {
		f := newFixture(b)
		lb := &lagBucket{arrived: map[string]time.Time{}}
		f.w = delivery.New(delivery.Options{Store: f.db, Buckets: &lagStore{Store: f.store.Store, b: lb}, Keys: oneKey{f.key},
			Interval: time.Second, DigestInterval: time.Hour})
		f.trail(b, "busy", func(tr *trailwatch.Trail) { tr.StartLoggingTime = time.Now().Add(-time.Minute) })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- f.w.Run(ctx) }()

		recorded := map[string]time.Time{}
		const tick = 10 * time.Millisecond
		per := rate * int(tick) / int(time.Second)
		start := time.Now()
		next := start
		n := 0
		for time.Since(start) < time.Duration(secs)*time.Second {
			evs := make([]trailwatch.Event, per)
			now := time.Now().UTC()
			for i := range evs {
				n++
				evs[i] = trailwatch.Event{EventVersion: trailwatch.EventVersion, EventTime: now.Truncate(time.Second),
					EventSource: "iam.amazonaws.com", EventName: "GetUser", AWSRegion: home, SourceIPAddress: "192.0.2.1",
					UserAgent: "bench", EventID: fmt.Sprintf("00000000-0000-7000-8000-%012d", n), ReadOnly: true,
					EventType: trailwatch.EventTypeAPICall, ManagementEvent: true, RecipientAccountID: acct,
					EventCategory: trailwatch.CategoryManagement, RequestID: strconv.Itoa(n),
					UserIdentity: trailwatch.UserIdentity{Type: trailwatch.PrincipalIAMUser, AccountID: acct, UserName: "bench",
						ARN: trailwatch.UserARN(acct, "/", "bench"), AccessKeyID: "AKIABENCH"}}
			}
			if err := f.db.Events().PutEvents(ctx, evs); err != nil {
				b.Fatal(err)
			}
			at := time.Now()
			for _, e := range evs {
				recorded[e.EventID] = at
			}
			next = next.Add(tick)
			time.Sleep(time.Until(next))
		}
		elapsed := time.Since(start)
		// Wait for the backlog.
		deadline := time.Now().Add(2 * time.Minute)
		for {
			lb.mu.Lock()
			got := len(lb.arrived)
			lb.mu.Unlock()
			if got >= len(recorded) || time.Now().After(deadline) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		cancel()
		<-done
		lags := make([]float64, 0, len(recorded))
		lb.mu.Lock()
		for id, at := range recorded {
			if arr, ok := lb.arrived[id]; ok {
				lags = append(lags, arr.Sub(at).Seconds())
			}
		}
		lb.mu.Unlock()
		if len(lags) != len(recorded) {
			b.Fatalf("%d of %d events delivered", len(lags), len(recorded))
		}
		slices.Sort(lags)
		b.ReportMetric(float64(len(recorded))/elapsed.Seconds(), "events/s")
		b.ReportMetric(lags[len(lags)/2], "lag-p50-s")
		b.ReportMetric(lags[len(lags)*99/100], "lag-p99-s")
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
