package worker_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/worker"
)

// fakeLeases records calls; free says whether this node may hold the lease.
type fakeLeases struct {
	mu       sync.Mutex
	free     bool
	acquired []string // "name holder ttl"
	released []string // "name holder"
	err      error
}

func (f *fakeLeases) AcquireLease(_ context.Context, name, holder string, ttl time.Duration) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.acquired = append(f.acquired, name+" "+holder+" "+ttl.String())
	return f.free, f.err
}

func (f *fakeLeases) ReleaseLease(_ context.Context, name, holder string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.released = append(f.released, name+" "+holder)
	return f.err
}

func newLoop(tb testing.TB, ls *fakeLeases, log *bytes.Buffer) *worker.Loop {
	tb.Helper()
	return &worker.Loop{Name: "test job", Lease: "jobs/test", Holder: "node-a", Leases: ls,
		Interval: time.Hour, Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

func TestAcquire(t *testing.T) {
	for _, tc := range []struct {
		name     string
		free     bool
		err      error
		wantHeld bool
		wantLog  string
	}{
		{"free", true, nil, true, ""},
		{"held elsewhere", false, nil, false, "test job lease held by another node"},
		{"error", false, errors.New("db down"), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ls := &fakeLeases{free: tc.free, err: tc.err}
			var log bytes.Buffer
			l := newLoop(t, ls, &log)
			held, err := l.Acquire(context.Background())
			if held != tc.wantHeld || !errors.Is(err, tc.err) {
				t.Errorf("Acquire = %v, %v; want %v, %v", held, err, tc.wantHeld, tc.err)
			}
			// The TTL outlives two intervals.
			if diff := cmp.Diff([]string{"jobs/test node-a 2h1m0s"}, ls.acquired); diff != "" {
				t.Errorf("acquires (-want +got):\n%s", diff)
			}
			if tc.wantLog == "" && log.Len() > 0 || !strings.Contains(log.String(), tc.wantLog) {
				t.Errorf("log %q, want %q", log.String(), tc.wantLog)
			}
		})
	}
}

func TestRun(t *testing.T) {
	ls := &fakeLeases{free: true}
	var log bytes.Buffer
	l := newLoop(t, ls, &log)
	ctx, cancel := context.WithCancel(context.Background())
	passes := 0
	l.Pass = func(ctx context.Context) error {
		passes++
		cancel() // one pass, then stop: Interval is an hour
		return errors.New("disk full")
	}
	if err := l.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if passes != 1 {
		t.Errorf("%d passes, want 1 at once", passes)
	}
	if diff := cmp.Diff([]string{"jobs/test node-a"}, ls.released); diff != "" {
		t.Errorf("releases (-want +got):\n%s", diff)
	}
	// The pass failed only because ctx was cancelled under it: not logged.
	if log.Len() > 0 {
		t.Errorf("log %q, want nothing", log.String())
	}
}

func TestRunLogsFailures(t *testing.T) {
	ls := &fakeLeases{free: true}
	var log bytes.Buffer
	l := newLoop(t, ls, &log)
	l.Interval = time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	passes := 0
	l.Pass = func(context.Context) error {
		passes++
		if passes == 3 {
			cancel()
			return nil
		}
		return errors.New("disk full")
	}
	if err := l.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Run = %v, want context.Canceled", err)
	}
	if passes != 3 {
		t.Errorf("%d passes, want 3", passes)
	}
	if got := strings.Count(log.String(), `msg="test job pass failed" err="disk full"`); got != 2 {
		t.Errorf("log %q has %d failure lines, want 2", log.String(), got)
	}
	ls.err = errors.New("db down")
	log.Reset()
	l.Pass = func(context.Context) error { return nil }
	if err := l.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("second Run = %v, want context.Canceled", err)
	}
	if !strings.Contains(log.String(), `msg="release test job lease" err="db down"`) {
		t.Errorf("log %q lacks the failed release", log.String())
	}
}

func TestDefaultHolder(t *testing.T) {
	host, _ := os.Hostname()
	if got, want := worker.DefaultHolder(), host+"-"+strconv.Itoa(os.Getpid()); got != want {
		t.Errorf("DefaultHolder = %q, want %q", got, want)
	}
}

func TestNextAligned(t *testing.T) {
	l := &worker.Loop{Interval: time.Minute, Aligned: true}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ now, want string }{
		{"2025-03-01T12:00:00.4Z", "2025-03-01T12:01:00Z"},
		{"2025-03-01T12:00:59.999Z", "2025-03-01T12:01:00Z"},
		{"2025-03-01T12:01:00Z", "2025-03-01T12:02:00Z"},
		{"2025-03-01T23:59:30Z", "2025-03-02T00:00:00Z"},
	} {
		if got := worker.NextAligned(l, at(tc.now)); !got.Equal(at(tc.want)) {
			t.Errorf("next after %s = %s, want %s", tc.now, got.Format(time.RFC3339Nano), tc.want)
		}
	}
}

// An aligned loop's second pass starts on the next multiple of Interval.
func TestRunAligned(t *testing.T) {
	ls := &fakeLeases{free: true}
	var log bytes.Buffer
	l := newLoop(t, ls, &log)
	l.Interval, l.Aligned = 100*time.Millisecond, true
	ctx, cancel := context.WithCancel(context.Background())
	var starts []time.Time
	l.Pass = func(context.Context) error {
		starts = append(starts, time.Now())
		if len(starts) == 3 {
			cancel()
		}
		return nil
	}
	if err := l.Run(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	for _, s := range starts[1:] {
		// Timers fire late, never early: within a few ms after the mark.
		if off := s.Sub(s.Truncate(l.Interval)); off > 30*time.Millisecond {
			t.Errorf("pass at %s is %s after a multiple of %s", s.Format("15:04:05.000"), off, l.Interval)
		}
	}
}
