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
	"time"

	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/worker"
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
	loop worker.Loop
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
		opts.Holder = worker.DefaultHolder()
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
	w := &Worker{opts: opts}
	w.loop = worker.Loop{Name: "event retention", Lease: LeaseName, Holder: opts.Holder, Leases: opts.Leases,
		Interval: opts.Interval, Logger: opts.Logger, Pass: func(ctx context.Context) error {
			_, err := w.RunOnce(ctx)
			return err
		}}
	return w
}

// Run makes a pass at once and then every Interval until ctx is done, when
// it gives the lease up and returns ctx's error. A failed pass is logged and
// retried at the next interval; Run itself does not fail. With Retention 0
// Run only waits for ctx.
func (w *Worker) Run(ctx context.Context) error {
	if w.opts.Retention == 0 {
		<-ctx.Done()
		return ctx.Err()
	}
	return w.loop.Run(ctx)
}

// RunOnce makes one pass: if this node can take the lease, it deletes every
// event older than Now()-Retention and returns how many it deleted. It
// returns 0 and no error when Retention is 0 or another node holds the
// lease. A deletion cut short by an error reports what it had deleted.
func (w *Worker) RunOnce(ctx context.Context) (int64, error) {
	if w.opts.Retention == 0 {
		return 0, nil
	}
	held, err := w.loop.Acquire(ctx)
	if err != nil {
		return 0, fmt.Errorf("event retention: %w", err)
	}
	if !held {
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
