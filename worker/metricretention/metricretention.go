// Package metricretention is the background job that ages CloudWatch
// metric data on AWS's schedule (reference/cloudwatch-metrics.md §5):
// high-resolution data points become one-minute ones after 3 hours,
// one-minute ones five-minute ones after 15 days, five-minute ones hourly
// ones after 63 days, and hourly ones are deleted after 455 days. On
// several nodes sharing one database, a lease lets one node at a time do
// the work.
package metricretention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/trailwatch/trailwatch/storage"
	"github.com/trailwatch/trailwatch/worker"
)

// LeaseName is the lease the worker holds while it works.
const LeaseName = "retention/metrics"

// Step is one stage of the schedule: buckets From seconds wide are kept
// for Keep, then merged into buckets To seconds wide, or deleted when To
// is 0.
type Step struct {
	From, To int
	Keep     time.Duration
}

// Schedule is AWS's retention schedule (§5), finest width first, so a
// pass moves data through every stage it has outgrown.
var Schedule = []Step{
	{From: 1, To: 60, Keep: 3 * time.Hour},
	{From: 60, To: 300, Keep: 15 * 24 * time.Hour},
	{From: 300, To: 3600, Keep: 63 * 24 * time.Hour},
	{From: 3600, To: 0, Keep: 455 * 24 * time.Hour},
}

// Defaults for zero Options fields.
const (
	// DefaultInterval is the time between passes. The finest stage keeps
	// data 3 hours; a pass every 5 minutes rolls it up within minutes of
	// its age, as AWS's own readings (§5) turn coarser only at the hour.
	DefaultInterval = 5 * time.Minute
	// DefaultBatch is the limit of each RollUpMetrics or DeleteMetricData
	// call, which bounds how long one call holds the database.
	DefaultBatch = 5000
	// DefaultRounds bounds the calls of one stage in one pass, so a
	// backlog is worked off over several passes.
	DefaultRounds = 200
)

// Options configure a Worker.
type Options struct {
	// Metrics holds the metric data. Required.
	Metrics storage.Metrics
	// Leases arbitrates between nodes. Required.
	Leases storage.Leases
	// Holder names this node in the lease; empty means host name and
	// process id.
	Holder string
	// Interval is the time between passes; 0 means DefaultInterval.
	Interval time.Duration
	// Batch is the limit of each storage call; 0 means DefaultBatch.
	Batch int
	// Rounds bounds the calls of one stage per pass; 0 means DefaultRounds.
	Rounds int
	// Now is the clock data ages are measured against; nil means time.Now.
	Now func() time.Time
	// Logger receives one line per pass that changed something and one per
	// failure; nil discards.
	Logger *slog.Logger
}

// Worker rolls up and deletes metric data. It keeps no state between
// passes beyond its options.
type Worker struct {
	opts Options
	loop worker.Loop
}

// New returns a Worker. It panics if Metrics or Leases is nil or a number
// is negative: those are wiring bugs.
func New(opts Options) *Worker {
	switch {
	case opts.Metrics == nil:
		panic("BUG: metricretention: Options.Metrics is nil")
	case opts.Leases == nil:
		panic("BUG: metricretention: Options.Leases is nil")
	case opts.Interval < 0 || opts.Batch < 0 || opts.Rounds < 0:
		panic("BUG: metricretention: negative value in Options")
	}
	if opts.Holder == "" {
		opts.Holder = worker.DefaultHolder()
	}
	if opts.Interval == 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Batch == 0 {
		opts.Batch = DefaultBatch
	}
	if opts.Rounds == 0 {
		opts.Rounds = DefaultRounds
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{opts: opts}
	w.loop = worker.Loop{Name: "metric retention", Lease: LeaseName, Holder: opts.Holder, Leases: opts.Leases,
		Interval: opts.Interval, Logger: opts.Logger, Pass: func(ctx context.Context) error {
			_, err := w.RunOnce(ctx)
			return err
		}}
	return w
}

// Run makes a pass at once and then every Interval until ctx is done, when
// it gives the lease up and returns ctx's error. A failed pass is logged
// and retried at the next interval; Run itself does not fail.
func (w *Worker) Run(ctx context.Context) error {
	return w.loop.Run(ctx)
}

// Pass is what one pass did.
type Pass struct {
	// Held is false when another node held the lease and nothing was done.
	Held bool
	// Moved counts, per source width, the buckets rolled up; Deleted the
	// hourly buckets deleted.
	Moved   map[int]int
	Deleted int
}

// Cutoff is the time before which buckets From wide leave step s at now:
// now minus Keep, rounded down to the coarser width, so that every target
// bucket receives all of its source buckets in one go and never holds part
// of a period whose rest is still at the finer width.
func (s Step) Cutoff(now time.Time) time.Time {
	c := now.Add(-s.Keep).Truncate(time.Second)
	if s.To > 0 {
		sec := c.Unix()
		sec -= ((sec % int64(s.To)) + int64(s.To)) % int64(s.To)
		c = time.Unix(sec, 0)
	}
	return c.UTC()
}

// RunOnce makes one pass: if this node can take the lease, it runs each
// stage of Schedule in order until a call moves fewer than Batch buckets or
// Rounds calls were made. An error cuts the pass short; the Pass reports
// what was done before it.
func (w *Worker) RunOnce(ctx context.Context) (Pass, error) {
	p := Pass{Moved: map[int]int{}}
	held, err := w.loop.Acquire(ctx)
	if err != nil {
		return p, fmt.Errorf("metric retention lease: %w", err)
	}
	if !held {
		return p, nil
	}
	p.Held = true
	now := w.opts.Now()
	for _, s := range Schedule {
		before := s.Cutoff(now)
		for range w.opts.Rounds {
			var n int
			if s.To == 0 {
				n, err = w.opts.Metrics.DeleteMetricData(ctx, s.From, before, w.opts.Batch)
				p.Deleted += n
			} else {
				n, err = w.opts.Metrics.RollUpMetrics(ctx, s.From, s.To, before, w.opts.Batch)
				p.Moved[s.From] += n
			}
			if err != nil {
				return p, fmt.Errorf("metric retention of %d s data: %w", s.From, err)
			}
			if n < w.opts.Batch || ctx.Err() != nil {
				break
			}
		}
	}
	if p.Deleted > 0 || p.Moved[1]+p.Moved[60]+p.Moved[300] > 0 {
		w.opts.Logger.Info("metric retention pass", "rolled_up_1s", p.Moved[1], "rolled_up_60s", p.Moved[60],
			"rolled_up_300s", p.Moved[300], "deleted_3600s", p.Deleted, "now", now.UTC().Format(time.RFC3339))
	}
	return p, nil
}
