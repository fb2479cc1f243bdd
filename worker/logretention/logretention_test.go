package logretention_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/worker/logretention"
)

// fakeLogs records the two calls the worker makes and answers through
// function fields; the embedded interface is nil, so any other call
// panics.
type fakeLogs struct {
	storage.Logs
	mu      sync.Mutex
	deletes []int64 // nowMillis of each call
	compact []int   // maxStreams of each call
	// onDelete and onCompact answer the calls; nil answers 0, nil.
	onDelete  func() (int64, error)
	onCompact func(call int) (int, error)
}

func (f *fakeLogs) DeleteExpiredLogEvents(_ context.Context, nowMillis int64) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes = append(f.deletes, nowMillis)
	if f.onDelete != nil {
		return f.onDelete()
	}
	return 0, nil
}

func (f *fakeLogs) CompactLogEvents(_ context.Context, maxStreams int) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.compact = append(f.compact, maxStreams)
	if f.onCompact != nil {
		return f.onCompact(len(f.compact))
	}
	return 0, nil
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
	if name != logretention.LeaseName {
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
	if name == logretention.LeaseName && holder == f.holder {
		f.released++
	}
	return nil
}

var now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func TestRunOnce(t *testing.T) {
	lg := &fakeLogs{
		onDelete: func() (int64, error) { return 7, nil },
		// Three rounds find something to merge, the fourth finds nothing.
		onCompact: func(call int) (int, error) { return []int{5, 3, 1, 0, 9}[call-1], nil },
	}
	ls := &fakeLeases{}
	var logs bytes.Buffer
	w := logretention.New(logretention.Options{Logs: lg, Leases: ls, Holder: "node-a", CompactStreams: 20,
		Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	p, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(logretention.Pass{Held: true, Deleted: 7, Compacted: 9}, p); diff != "" {
		t.Errorf("pass (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{now.UnixMilli()}, lg.deletes); diff != "" {
		t.Errorf("DeleteExpiredLogEvents calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{20, 20, 20, 20}, lg.compact); diff != "" {
		t.Errorf("CompactLogEvents calls (-want +got):\n%s", diff)
	}
	if ls.holder != "node-a" || len(ls.acquired) != 1 || ls.acquired[0] < 2*logretention.DefaultInterval {
		t.Errorf("lease: holder %q, ttls %v", ls.holder, ls.acquired)
	}
	if !strings.Contains(logs.String(), "deleted_events=7 compacted_chunks=9") {
		t.Errorf("log:\n%s", logs.String())
	}
}

func TestRunOnceBoundsCompaction(t *testing.T) {
	lg := &fakeLogs{onCompact: func(int) (int, error) { return 1, nil }}
	w := logretention.New(logretention.Options{Logs: lg, Leases: &fakeLeases{}, CompactRounds: 3})
	p, err := w.RunOnce(context.Background())
	if err != nil || p.Compacted != 3 || len(lg.compact) != 3 {
		t.Errorf("RunOnce = %+v, %v after %d calls; want 3 rounds", p, err, len(lg.compact))
	}
}

func TestRunOnceErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	tests := []struct {
		name     string
		logs     *fakeLogs
		leases   *fakeLeases
		want     logretention.Pass
		compacts int
	}{
		{"lease", &fakeLogs{}, &fakeLeases{acquire: func() (bool, error) { return false, boom }}, logretention.Pass{}, 0},
		{"delete", &fakeLogs{onDelete: func() (int64, error) { return 2, boom }}, &fakeLeases{}, logretention.Pass{Held: true, Deleted: 2}, 0},
		{"compact", &fakeLogs{onCompact: func(call int) (int, error) {
			if call == 2 {
				return 1, boom
			}
			return 4, nil
		}}, &fakeLeases{}, logretention.Pass{Held: true, Compacted: 5}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := logretention.New(logretention.Options{Logs: tt.logs, Leases: tt.leases})
			p, err := w.RunOnce(context.Background())
			if !errors.Is(err, boom) {
				t.Errorf("error %v, want %v", err, boom)
			}
			if diff := cmp.Diff(tt.want, p); diff != "" {
				t.Errorf("pass (-want +got):\n%s", diff)
			}
			if len(tt.logs.compact) != tt.compacts {
				t.Errorf("%d compaction calls, want %d", len(tt.logs.compact), tt.compacts)
			}
		})
	}
}

func TestRunOnceLeaseHeldElsewhere(t *testing.T) {
	lg := &fakeLogs{}
	w := logretention.New(logretention.Options{Logs: lg, Leases: &fakeLeases{acquire: func() (bool, error) { return false, nil }}})
	p, err := w.RunOnce(context.Background())
	if err != nil || p != (logretention.Pass{}) || len(lg.deletes)+len(lg.compact) != 0 {
		t.Errorf("RunOnce = %+v, %v with %d deletes and %d compactions; want nothing done", p, err, len(lg.deletes), len(lg.compact))
	}
}

func TestRunEveryInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lg, ls := &fakeLogs{}, &fakeLeases{}
		w := logretention.New(logretention.Options{Logs: lg, Leases: ls, Holder: "node-a", Interval: time.Hour})
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
		var want []int64
		for i := range 4 { // at once, then after 1h, 2h and 3h
			want = append(want, start.Add(time.Duration(i)*time.Hour).UnixMilli())
		}
		if diff := cmp.Diff(want, lg.deletes); diff != "" {
			t.Errorf("passes (-want +got):\n%s", diff)
		}
		if ls.released != 1 {
			t.Errorf("lease released %d times, want once on the way out", ls.released)
		}
	})
}

func TestRunSurvivesFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lg := &fakeLogs{onDelete: func() (int64, error) { return 0, errors.New("disk on fire") }}
		var logs bytes.Buffer
		w := logretention.New(logretention.Options{Logs: lg, Leases: &fakeLeases{}, Interval: time.Minute,
			Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- w.Run(ctx) }()
		time.Sleep(2*time.Minute + time.Second)
		synctest.Wait()
		cancel()
		<-done
		if len(lg.deletes) != 3 {
			t.Errorf("%d passes, want 3: a failed pass must not stop the loop", len(lg.deletes))
		}
		if got := strings.Count(logs.String(), "disk on fire"); got != 3 {
			t.Errorf("logged the failure %d times, want 3:\n%s", got, logs.String())
		}
	})
}

func TestNewPanics(t *testing.T) {
	tests := map[string]logretention.Options{
		"no logs":           {Leases: &fakeLeases{}},
		"no leases":         {Logs: &fakeLogs{}},
		"negative interval": {Logs: &fakeLogs{}, Leases: &fakeLeases{}, Interval: -time.Hour},
		"negative streams":  {Logs: &fakeLogs{}, Leases: &fakeLeases{}, CompactStreams: -1},
	}
	for name, opts := range tests {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			logretention.New(opts)
		})
	}
}
