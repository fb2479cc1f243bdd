package logretention_test

import (
	"context"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/trailwatch/trailwatch"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/storage/sqlite"
	"github.com/trailwatch/trailwatch/worker/logretention"
)

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

// MustGroupWithEvents creates a group with the given retention and one
// stream holding an event per age, each age its own batch (and so its own
// chunk).
func MustGroupWithEvents(tb testing.TB, lg storage.Logs, name string, retentionDays int32, ages ...time.Duration) {
	tb.Helper()
	ctx := context.Background()
	g := trailwatch.LogGroup{AccountID: "111122223333", Region: "us-east-1", Name: name, CreatedAt: now.Add(-30 * 24 * time.Hour), RetentionDays: retentionDays, Class: "STANDARD"}
	if err := lg.CreateLogGroup(ctx, g); err != nil {
		tb.Fatal(err)
	}
	if err := lg.CreateLogStream(ctx, g.AccountID, g.Region, name, trailwatch.LogStream{Name: "s", CreatedAt: g.CreatedAt}); err != nil {
		tb.Fatal(err)
	}
	for _, age := range ages {
		ts := now.Add(-age).UnixMilli()
		if _, err := lg.PutLogEvents(ctx, g.AccountID, g.Region, name, "s", ts, []trailwatch.LogEvent{{Timestamp: ts, Message: age.String()}}); err != nil {
			tb.Fatal(err)
		}
	}
}

// remaining lists the messages left in a group.
func remaining(tb testing.TB, lg storage.Logs, group string) []string {
	tb.Helper()
	events, _, err := lg.ScanLogEvents(context.Background(), storage.LogScan{AccountID: "111122223333", Region: "us-east-1", Group: group,
		From: math.MinInt64, To: math.MaxInt64, Limit: 100})
	if err != nil {
		tb.Fatal(err)
	}
	var msgs []string
	for _, e := range events {
		msgs = append(msgs, e.Message)
	}
	return msgs
}

// TestRunOnceOnSQLite: a pass deletes what is past each group's retention
// and keeps the rest, and groups without retention keep everything.
func TestRunOnceOnSQLite(t *testing.T) {
	db := MustOpen(t)
	day := 24 * time.Hour
	MustGroupWithEvents(t, db.Logs(), "week", 7, 10*day, 8*day, 6*day, time.Hour)
	MustGroupWithEvents(t, db.Logs(), "forever", 0, 10*day, time.Hour)
	w := logretention.New(logretention.Options{Logs: db.Logs(), Leases: db.Leases(), Holder: "node-a", Now: func() time.Time { return now }})
	p, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !p.Held || p.Deleted != 2 {
		t.Errorf("pass %+v, want the lease held and 2 events deleted", p)
	}
	if got := remaining(t, db.Logs(), "week"); len(got) != 2 || got[0] != (6*day).String() {
		t.Errorf("week keeps %v, want the 6-day-old and 1-hour-old events", got)
	}
	if got := remaining(t, db.Logs(), "forever"); len(got) != 2 {
		t.Errorf("forever keeps %v, want both events", got)
	}
	// The next pass finds nothing more to delete.
	if p, err := w.RunOnce(context.Background()); err != nil || p.Deleted != 0 {
		t.Errorf("second pass %+v, %v", p, err)
	}
	// Another node cannot work while node-a holds the lease.
	other := logretention.New(logretention.Options{Logs: db.Logs(), Leases: db.Leases(), Holder: "node-b", Now: func() time.Time { return now }})
	if p, err := other.RunOnce(context.Background()); err != nil || p.Held {
		t.Errorf("node-b's pass %+v, %v; want the lease refused", p, err)
	}
}
