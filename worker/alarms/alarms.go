// Package alarms is the background job that evaluates CloudWatch alarms:
// every minute, as CloudWatch does for alarms with periods of a minute or
// more (reference/cloudwatch-metrics.md §10.1), it evaluates every metric
// alarm over the metric data in storage, moves the composite alarms above
// those that changed, runs the actions composites held while suppressed
// once that has run out, stores state changes with their history and runs
// their SNS actions (cloudwatch.Service.EvaluateAlarms).
// It also drops history older than AWS's two weeks. On several nodes
// sharing one database, a lease lets one node at a time evaluate, so an
// alarm's actions run once.
package alarms

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/worker"
)

// LeaseName is the lease the worker holds while it works.
const LeaseName = "cloudwatch/alarms"

// Defaults for zero Options fields.
const (
	DefaultInterval = time.Minute
	// HistoryRetention is how long AWS keeps alarm history (§15).
	HistoryRetention = 14 * 24 * time.Hour
)

// Evaluator evaluates every alarm at a time; *cloudwatch.Service is one.
type Evaluator interface {
	EvaluateAlarms(ctx context.Context, now time.Time) (evaluated, changed int, err error)
}

// Options configure a Worker.
type Options struct {
	// Evaluator runs the evaluations. Required.
	Evaluator Evaluator
	// Alarms holds the history to expire. Required.
	Alarms storage.Alarms
	// Leases arbitrates between nodes. Required.
	Leases storage.Leases
	// Holder names this node in the lease; empty means host name and
	// process id.
	Holder string
	// Interval is the time between passes; 0 means DefaultInterval.
	Interval time.Duration
	// Now is the evaluation clock; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per pass that changed something and one per
	// failure; nil discards.
	Logger *slog.Logger
}

// Worker evaluates alarms.
type Worker struct {
	opts Options
	loop worker.Loop
}

// New returns a Worker. It panics when a required option is missing or
// Interval is negative: those are wiring bugs.
func New(opts Options) *Worker {
	switch {
	case opts.Evaluator == nil:
		panic("BUG: alarms: Options.Evaluator is nil")
	case opts.Alarms == nil:
		panic("BUG: alarms: Options.Alarms is nil")
	case opts.Leases == nil:
		panic("BUG: alarms: Options.Leases is nil")
	case opts.Interval < 0:
		panic("BUG: alarms: negative Interval")
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
	w.loop = worker.Loop{Name: "alarm evaluation", Lease: LeaseName, Holder: opts.Holder, Leases: opts.Leases,
		// Periods close on the minute: a pass right after it keeps the
		// lag from a period's close to its alarms' states to the pass's
		// own duration (BenchmarkEvaluation) instead of up to a minute.
		Interval: opts.Interval, Aligned: true, Logger: opts.Logger, Pass: func(ctx context.Context) error {
			_, err := w.RunOnce(ctx)
			return err
		}}
	return w
}

// Run makes a pass at once and then at every multiple of Interval on the
// clock until ctx is done.
func (w *Worker) Run(ctx context.Context) error { return w.loop.Run(ctx) }

// Pass is what one pass did.
type Pass struct {
	// Held is false when another node held the lease and nothing was done.
	Held                  bool
	Evaluated, Changed    int
	ExpiredHistoryRecords int64
}

// RunOnce makes one pass if this node can take the lease.
func (w *Worker) RunOnce(ctx context.Context) (Pass, error) {
	var p Pass
	held, err := w.loop.Acquire(ctx)
	if err != nil {
		return p, fmt.Errorf("alarm evaluation lease: %w", err)
	}
	if !held {
		return p, nil
	}
	p.Held = true
	now := w.opts.Now()
	p.Evaluated, p.Changed, err = w.opts.Evaluator.EvaluateAlarms(ctx, now)
	if err != nil {
		return p, err
	}
	if p.ExpiredHistoryRecords, err = w.opts.Alarms.DeleteAlarmHistoryBefore(ctx, now.Add(-HistoryRetention)); err != nil {
		return p, fmt.Errorf("expire alarm history: %w", err)
	}
	if p.Changed > 0 || p.ExpiredHistoryRecords > 0 {
		w.opts.Logger.Info("alarm evaluation pass", "evaluated", p.Evaluated, "changed", p.Changed,
			"expired_history", p.ExpiredHistoryRecords)
	}
	return p, nil
}
