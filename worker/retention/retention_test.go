package retention_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
	"github.com/trailwatch/trailwatch/worker/retention"
)

const (
	account = "111122223333"
	region  = "us-east-1"
	day     = 24 * time.Hour
)

var now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

// MustOpen opens a fresh SQLite store in a temporary directory.
func MustOpen(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "trailwatch.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// MustPutAged stores one event per age, named by the age, ages measured
// back from now.
func MustPutAged(tb testing.TB, ev storage.Events, ages map[string]time.Duration) {
	tb.Helper()
	var batch []trailwatch.Event
	for id, age := range ages {
		batch = append(batch, trailwatch.Event{
			EventVersion: trailwatch.EventVersion, EventTime: now.Add(-age),
			UserIdentity: trailwatch.UserIdentity{Type: trailwatch.PrincipalRoot, AccountID: account},
			EventSource:  "iam.amazonaws.com", EventName: "ListUsers", AWSRegion: region,
			EventID: id, ReadOnly: true, EventType: trailwatch.EventTypeAPICall, ManagementEvent: true,
			RecipientAccountID: account, EventCategory: trailwatch.CategoryManagement,
		})
	}
	if err := ev.PutEvents(context.Background(), batch); err != nil {
		tb.Fatal(err)
	}
}

// MustRemaining returns the ids of the stored events, newest first.
func MustRemaining(tb testing.TB, ev storage.Events) []string {
	tb.Helper()
	rows, err := ev.LookupEvents(context.Background(), storage.EventQuery{AccountID: account, Region: region, Limit: 100})
	if err != nil {
		tb.Fatal(err)
	}
	ids := []string{}
	for _, r := range rows {
		var e trailwatch.Event
		if err := e.UnmarshalJSON(r.JSON); err != nil {
			tb.Fatal(err)
		}
		ids = append(ids, e.EventID)
	}
	return ids
}

var ages = map[string]time.Duration{
	"100d":   100 * day,
	"91d":    91 * day,
	"90d+1s": 90*day + time.Second,
	"90d":    90 * day, // exactly at the cutoff: not older, kept
	"89d":    89 * day,
	"now":    0,
	"+1h":    -time.Hour, // clock skew: an event from the future stays
	"91d1h":  91*day + time.Hour,
}

func TestRunOnceDeletesOldEvents(t *testing.T) {
	db := MustOpen(t)
	MustPutAged(t, db.Events(), ages)
	w := retention.New(retention.Options{Events: db.Events(), Leases: db.Leases(), Holder: "node-a",
		Retention: 90 * day, Now: func() time.Time { return now }})
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("deleted %d events, want 4", n)
	}
	if diff := cmp.Diff([]string{"+1h", "now", "89d", "90d"}, MustRemaining(t, db.Events())); diff != "" {
		t.Errorf("remaining events (-want +got):\n%s", diff)
	}
	// A second pass finds nothing more.
	if n, err := w.RunOnce(context.Background()); err != nil || n != 0 {
		t.Errorf("second pass deleted %d, %v; want 0, nil", n, err)
	}
}

func TestRunOnceRetentionZero(t *testing.T) {
	db := MustOpen(t)
	MustPutAged(t, db.Events(), ages)
	w := retention.New(retention.Options{Events: db.Events(), Leases: db.Leases(), Holder: "node-a",
		Now: func() time.Time { return now.Add(10 * 365 * day) }})
	n, err := w.RunOnce(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("RunOnce = %d, %v; want 0, nil", n, err)
	}
	if got := MustRemaining(t, db.Events()); len(got) != len(ages) {
		t.Errorf("%d events remain, want all %d", len(got), len(ages))
	}
	// Keeping everything needs no lease either.
	if ok, err := db.Leases().AcquireLease(context.Background(), retention.LeaseName, "node-b", time.Minute); err != nil || !ok {
		t.Errorf("another node cannot take the lease: %v, %v", ok, err)
	}
}

func TestRunOnceLeaseHeldElsewhere(t *testing.T) {
	db := MustOpen(t)
	MustPutAged(t, db.Events(), ages)
	if ok, err := db.Leases().AcquireLease(context.Background(), retention.LeaseName, "node-b", time.Hour); err != nil || !ok {
		t.Fatalf("node-b takes the lease: %v, %v", ok, err)
	}
	w := retention.New(retention.Options{Events: db.Events(), Leases: db.Leases(), Holder: "node-a",
		Retention: 90 * day, Now: func() time.Time { return now }})
	n, err := w.RunOnce(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("RunOnce = %d, %v; want 0, nil while node-b holds the lease", n, err)
	}
	if got := MustRemaining(t, db.Events()); len(got) != len(ages) {
		t.Errorf("%d events remain, want all %d", len(got), len(ages))
	}
	// Once node-b lets go, node-a does the work.
	if err := db.Leases().ReleaseLease(context.Background(), retention.LeaseName, "node-b"); err != nil {
		t.Fatal(err)
	}
	if n, err := w.RunOnce(context.Background()); err != nil || n != 4 {
		t.Errorf("after release RunOnce = %d, %v; want 4, nil", n, err)
	}
}

// fakeEvents and fakeLeases record calls and answer through function fields.
type fakeEvents struct {
	storage.Events // only DeleteEventsBefore is called
	mu             sync.Mutex
	cutoffs        []time.Time
	err            error
}

func (f *fakeEvents) DeleteEventsBefore(_ context.Context, t time.Time) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cutoffs = append(f.cutoffs, t)
	if f.err != nil {
		return 0, f.err
	}
	return 3, nil
}

type fakeLeases struct {
	mu       sync.Mutex
	acquired []time.Duration // ttls
	released int
	holder   string
	acquire  func() (bool, error)
}

func (f *fakeLeases) AcquireLease(_ context.Context, name, holder string, ttl time.Duration) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name != retention.LeaseName {
		return false, fmt.Errorf("unexpected lease %q", name)
	}
	f.holder = holder
	f.acquired = append(f.acquired, ttl)
	if f.acquire != nil {
		return f.acquire()
	}
	return true, nil
}

func (f *fakeLeases) ReleaseLease(_ context.Context, name, holder string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if name == retention.LeaseName && holder == f.holder {
		f.released++
	}
	return nil
}

func TestRunEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev, ls := &fakeEvents{}, &fakeLeases{}
		var logs bytes.Buffer
		w := retention.New(retention.Options{Events: ev, Leases: ls, Holder: "node-a", Retention: day,
			Interval: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		start := time.Now()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()

		time.Sleep(3*time.Hour + time.Minute)
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}

		var want []time.Time
		for i := range 4 { // at once, then after 1h, 2h and 3h
			want = append(want, start.Add(time.Duration(i)*time.Hour-day))
		}
		if diff := cmp.Diff(want, ev.cutoffs); diff != "" {
			t.Errorf("cutoffs (-want +got):\n%s", diff)
		}
		if len(ls.acquired) != 4 || ls.acquired[0] < 2*time.Hour {
			t.Errorf("lease taken with ttls %v, want 4 takes outliving two intervals", ls.acquired)
		}
		if ls.released != 1 {
			t.Errorf("lease released %d times, want once on the way out", ls.released)
		}
		if got := strings.Count(logs.String(), "deleted expired events"); got != 4 {
			t.Errorf("logged %d passes, want 4:\n%s", got, logs.String())
		}
	})
}

func TestRunSurvivesFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := &fakeEvents{err: errors.New("disk on fire")}
		ls := &fakeLeases{}
		var logs bytes.Buffer
		w := retention.New(retention.Options{Events: ev, Leases: ls, Retention: day, Interval: time.Minute,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		time.Sleep(2*time.Minute + time.Second)
		synctest.Wait()
		cancel()
		<-done
		if len(ev.cutoffs) != 3 {
			t.Errorf("%d passes, want 3: a failed pass must not stop the loop", len(ev.cutoffs))
		}
		if got := strings.Count(logs.String(), "disk on fire"); got != 3 {
			t.Errorf("logged the failure %d times, want 3:\n%s", got, logs.String())
		}
	})
}

func TestRunWithoutLease(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev := &fakeEvents{}
		ls := &fakeLeases{acquire: func() (bool, error) { return false, nil }}
		w := retention.New(retention.Options{Events: ev, Leases: ls, Retention: day, Interval: time.Hour})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		time.Sleep(2*time.Hour + time.Second)
		synctest.Wait()
		cancel()
		<-done
		if len(ls.acquired) != 3 || len(ev.cutoffs) != 0 {
			t.Errorf("tried the lease %d times and deleted %d times; want 3 and 0", len(ls.acquired), len(ev.cutoffs))
		}
	})
}

func TestRunRetentionZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ev, ls := &fakeEvents{}, &fakeLeases{}
		w := retention.New(retention.Options{Events: ev, Leases: ls, Interval: time.Minute})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		time.Sleep(time.Hour)
		synctest.Wait()
		select {
		case err := <-done:
			t.Fatalf("Run returned %v before ctx was done", err)
		default:
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
		if len(ls.acquired) != 0 || len(ev.cutoffs) != 0 || ls.released != 0 {
			t.Errorf("Retention 0 touched storage: %d acquires, %d deletes, %d releases", len(ls.acquired), len(ev.cutoffs), ls.released)
		}
	})
}

func TestNewPanicsWithoutStores(t *testing.T) {
	tests := map[string]retention.Options{
		"no events":          {Leases: &fakeLeases{}},
		"no leases":          {Events: &fakeEvents{}},
		"negative retention": {Events: &fakeEvents{}, Leases: &fakeLeases{}, Retention: -time.Hour},
	}
	for name, opts := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			retention.New(opts)
		})
	}
}
