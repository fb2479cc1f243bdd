// Package retention is the background job that deletes CloudTrail event
// history older than the configured retention, the storage side of the
// window LookupEvents already enforces on reads (reference/cloudtrail.md §4:
// AWS keeps 90 days). On several nodes sharing one database, a lease lets
// one node at a time do the deleting.
package retention

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/trailwatch/trailwatch/storage"
)

// LeaseName is the lease the worker holds while it deletes.
const LeaseName = "retention/events"

// DefaultInterval is how often the worker runs when Options.Interval is 0.
const DefaultInterval = time.Hour

// Options configure a Worker.
type Options struct {
	// Events is the history to trim. Required.
	Events storage.Events
	// Leases arbitrates between nodes. Required.
	Leases storage.Leases
	// Holder names this node in the lease; empty means host name and
	// process id.
	Holder string
	// Retention is the age beyond which events are deleted; 0 keeps them
	// forever and the worker then does nothing.
	Retention time.Duration
	// Interval is the time between passes; 0 means DefaultInterval.
	Interval time.Duration
	// Now is the clock ages are measured against; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per pass that deleted something and one
	// per failure; nil discards.
	Logger *slog.Logger
}

// Worker deletes old events. It keeps no state between passes beyond its
// options, so several Workers (one per test, one per node) never interfere
// except through the lease.
type Worker struct {
	opts Options
}

// New returns a Worker. It panics if Events or Leases is nil or a duration
// is negative: those are wiring bugs.
func New(opts Options) *Worker {
	switch {
	case opts.Events == nil:
		panic("BUG: retention: Options.Events is nil")
	case opts.Leases == nil:
		panic("BUG: retention: Options.Leases is nil")
	case opts.Retention < 0 || opts.Interval < 0:
		panic("BUG: retention: negative duration in Options")
	}
	if opts.Holder == "" {
		host, _ := os.Hostname()
		opts.Holder = host + "-" + strconv.Itoa(os.Getpid())
	}
	if opts.Interval == 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Worker{opts: opts}
}

// leaseTTL outlives two intervals, so the holder renews the lease on every
// pass and keeps it, while a node that died frees it for another node after
// at most two missed passes.
func (w *Worker) leaseTTL() time.Duration { return 2*w.opts.Interval + time.Minute }

// Run makes a pass at once and then every Interval until ctx is done, when
// it gives the lease up and returns ctx's error. A failed pass is logged and
// retried at the next interval; Run itself does not fail. With Retention 0
// Run only waits for ctx.
func (w *Worker) Run(ctx context.Context) error {
	if w.opts.Retention == 0 {
		<-ctx.Done()
		return ctx.Err()
	}
	defer w.release()
	t := time.NewTicker(w.opts.Interval)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.opts.Logger.Error("event retention pass failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

// release gives the lease up so another node need not wait for it to
// expire. It runs after ctx is done, so it gets a context of its own.
func (w *Worker) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.opts.Leases.ReleaseLease(ctx, LeaseName, w.opts.Holder); err != nil {
		w.opts.Logger.Warn("release event retention lease", "err", err)
	}
}

// RunOnce makes one pass: if this node can take the lease, it deletes every
// event older than Now()-Retention and returns how many it deleted. It
// returns 0 and no error when Retention is 0 or another node holds the
// lease. A deletion cut short by an error reports what it had deleted.
func (w *Worker) RunOnce(ctx context.Context) (int64, error) {
	if w.opts.Retention == 0 {
		return 0, nil
	}
	held, err := w.opts.Leases.AcquireLease(ctx, LeaseName, w.opts.Holder, w.leaseTTL())
	if err != nil {
		return 0, fmt.Errorf("event retention: %w", err)
	}
	if !held {
		w.opts.Logger.Debug("event retention lease held by another node")
		return 0, nil
	}
	cutoff := w.opts.Now().Add(-w.opts.Retention)
	n, err := w.opts.Events.DeleteEventsBefore(ctx, cutoff)
	if err != nil {
		return n, fmt.Errorf("event retention: %w", err)
	}
	if n > 0 {
		w.opts.Logger.Info("deleted expired events", "count", n, "before", cutoff.UTC().Format(time.RFC3339))
	}
	return n, nil
}
